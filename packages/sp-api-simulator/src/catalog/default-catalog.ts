import type { SeedCatalogItemInput } from './catalog-store';

/** The EAN that two ASINs of `DEFAULT_CATALOG` share (B0SIM00002 and B0SIM00003): matching must not guess. */
export const DEFAULT_CATALOG_SHARED_EAN = '4260123456788';

/**
 * The catalog a simulator starts with unless `seed.catalog` says otherwise: ASINs available in
 * every marketplace, with valid EAN/UPC/ISBN check digits. Includes one EAN shared by two ASINs
 * and an accented title (for windows-1252 reports).
 */
export const DEFAULT_CATALOG: readonly SeedCatalogItemInput[] = Object.freeze([
  { asin: 'B0SIM00001', title: 'Enamel coffee mug, 350 ml', brand: 'Sellersync Home', productType: 'DRINKING_CUP', identifiers: { EAN: '4006381333931' } },
  { asin: 'B0SIM00002', title: 'Cotton tea towel, set of 2', brand: 'Sellersync Home', productType: 'KITCHEN_TOWEL', identifiers: { EAN: DEFAULT_CATALOG_SHARED_EAN } },
  { asin: 'B0SIM00003', title: 'Cotton tea towels, 2 pieces (bundle)', brand: 'Other Brand', productType: 'KITCHEN_TOWEL', identifiers: { EAN: DEFAULT_CATALOG_SHARED_EAN } },
  { asin: 'B0SIM00004', title: 'Stainless steel water bottle, 750 ml', brand: 'Sellersync Outdoor', productType: 'BOTTLE', identifiers: { UPC: '036000291452', EAN: '0036000291452' } },
  { asin: 'B0SIM00005', title: 'The Simulated Seller (paperback)', brand: 'Sellersync Press', productType: 'ABIS_BOOK', identifiers: { ISBN: ['9783161484100', '316148410X'], EAN: '9783161484100' } },
  { asin: 'B0SIM00006', title: 'Crème brûlée ramekins — Édition spéciale', brand: 'Café Français', productType: 'HOME', identifiers: { EAN: '4260987654320' } },
  { asin: 'B0SIM00007', title: 'LED desk lamp, dimmable', brand: 'Sellersync Light', productType: 'LAMP', identifiers: { EAN: '4012345678901', UPC: '012345678905' } },
  { asin: 'B0SIM00008', title: 'Wool socks, size 39-42', brand: 'Sellersync Wear', productType: 'SOCKS', identifiers: { EAN: '5901234123457' } },
]);
