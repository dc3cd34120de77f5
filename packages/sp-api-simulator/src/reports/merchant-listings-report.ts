import type { CatalogStore } from '../catalog/catalog-store';
import { isAmazonFulfilled, listingStatus, offerOf, textAttribute, type ListingRecord } from '../listings/listings-store';

/** The columns of GET_MERCHANT_LISTINGS_ALL_DATA / GET_MERCHANT_LISTINGS_DATA, in Amazon's order. */
export const MERCHANT_LISTINGS_COLUMNS = [
  'item-name', 'item-description', 'listing-id', 'seller-sku', 'price', 'quantity', 'open-date', 'image-url',
  'item-is-marketplace', 'product-id-type', 'zshop-shipping-fee', 'item-note', 'item-condition', 'zshop-category1',
  'zshop-browse-path', 'zshop-storefront-feature', 'asin1', 'asin2', 'asin3', 'will-ship-internationally',
  'expedited-shipping', 'zshop-boldface', 'product-id', 'bid-for-featured-placement', 'add-delete', 'pending-quantity',
  'fulfillment-channel', 'merchant-shipping-group', 'status',
] as const;

const PRODUCT_ID_TYPES: Readonly<Record<string, string>> = { ASIN: '1', ISBN: '2', UPC: '3', EAN: '4' };
const CONDITIONS: Readonly<Record<string, string>> = {
  used_like_new: '1', used_very_good: '2', used_good: '3', used_acceptable: '4', collectible_like_new: '5',
  collectible_very_good: '6', collectible_good: '7', collectible_acceptable: '8', refurbished_refurbished: '10', new_new: '11',
};

const clean = (value: string) => value.replace(/[\t\r\n]+/g, ' ');

function openDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The tab-separated report text (one header line, one line per listing, CRLF-free). */
export function buildMerchantListingsReport(listings: readonly ListingRecord[], catalog: CatalogStore, activeOnly: boolean): string {
  const lines = [MERCHANT_LISTINGS_COLUMNS.join('\t')];
  const sorted = [...listings].sort((a, b) => a.createdDate - b.createdDate || a.sku.localeCompare(b.sku));
  for (const record of sorted) {
    const status = listingStatus(record);
    if (activeOnly && status !== 'Active') continue;
    const offer = offerOf(record);
    const afn = isAmazonFulfilled(offer);
    const image = record.attributes.main_product_image_locator?.[0]?.media_location;
    const name = textAttribute(record, 'item_name') ?? (record.asin !== undefined ? catalog.get(record.asin)?.title : undefined) ?? '';
    const row: Record<(typeof MERCHANT_LISTINGS_COLUMNS)[number], string> = {
      'item-name': name,
      'item-description': textAttribute(record, 'product_description') ?? '',
      'listing-id': record.listingId,
      'seller-sku': record.sku,
      price: offer.price ?? '',
      quantity: afn ? '' : String(offer.quantity ?? 0),
      'open-date': openDate(record.createdDate),
      'image-url': typeof image === 'string' ? image : '',
      'item-is-marketplace': 'y',
      'product-id-type': PRODUCT_ID_TYPES[record.productIdType ?? 'ASIN'] ?? '1',
      'zshop-shipping-fee': '',
      'item-note': '',
      'item-condition': CONDITIONS[offer.conditionType ?? 'new_new'] ?? '11',
      'zshop-category1': '',
      'zshop-browse-path': '',
      'zshop-storefront-feature': '',
      asin1: record.asin ?? '',
      asin2: '',
      asin3: '',
      'will-ship-internationally': '',
      'expedited-shipping': '',
      'zshop-boldface': '',
      'product-id': record.productId ?? record.asin ?? '',
      'bid-for-featured-placement': '',
      'add-delete': '',
      'pending-quantity': afn ? '' : '0',
      'fulfillment-channel': offer.fulfillmentChannelCode ?? 'DEFAULT',
      'merchant-shipping-group': afn ? '' : 'Migrated Template',
      status,
    };
    lines.push(MERCHANT_LISTINGS_COLUMNS.map((column) => clean(row[column])).join('\t'));
  }
  return `${lines.join('\n')}\n`;
}
