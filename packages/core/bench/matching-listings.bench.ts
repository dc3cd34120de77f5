/**
 * Matching 1,000,000 Amazon listings against 1,000,000 shop products: the catalog scan and
 * in-memory index, then the matcher (SKU, ASIN, mapping table, GTIN), in one call and in the
 * 5,000-row batches the listings report sync uses; and reading a 1,000,000-row
 * GET_MERCHANT_LISTINGS_ALL_DATA report. Prints seconds and memory; not a test.
 *
 * SELLERSYNC_BENCH_SIZE overrides the size (default 1000000).
 */
import knexFactory from 'knex';
import { migrate } from '../src/database/migrate';
import {
  buildCatalogIndex,
  createProductMappings,
  createProductMatcher,
  gs1CheckDigit,
  readMerchantListingsReport,
  type MatchCandidate,
} from '../src/matching';
import type { ShopAdapter, ShopProduct } from '../src/shop-adapter';

const SIZE = Number(process.env['SELLERSYNC_BENCH_SIZE'] ?? 1_000_000);
const DE = 'A1PA6795UKMFR9';
const MB = 1024 * 1024;

const ean = (i: number) => {
  const body = `40${String(i).padStart(10, '0')}`;
  return `${body}${gs1CheckDigit(body)}`;
};
const asin = (i: number) => `B0${i.toString(36).toUpperCase().padStart(8, '0')}`;

function memory(label: string): void {
  const usage = process.memoryUsage();
  console.log(`  ${label}: heap ${(usage.heapUsed / MB).toFixed(0)} MB, rss ${(usage.rss / MB).toFixed(0)} MB`);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A shop that holds its catalog in an array; scanCatalog pages by offset. */
function arrayShop(products: readonly ShopProduct[]): ShopAdapter {
  const none = async () => [];
  return {
    name: 'bench-array',
    capabilities: { listingData: false, orders: false, stockReservations: false, shipments: false, placeholderProduct: false, createProducts: false },
    getProductsBySku: none,
    findProducts: none,
    async scanCatalog({ cursor, limit }) {
      const start = cursor === null ? 0 : Number(cursor);
      const end = Math.min(products.length, start + limit);
      return { items: products.slice(start, end), nextCursor: end < products.length ? String(end) : null };
    },
  };
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${SIZE.toLocaleString('en')} shop products and listings`);
  const products: ShopProduct[] = new Array(SIZE);
  for (let i = 0; i < SIZE; i += 1)
    products[i] = {
      productRef: `p${i}`,
      variantRef: null,
      sku: `SHOP-${i}`,
      title: `Product ${i}`,
      gtin: i % 10 === 9 ? null : ean(i),
      asin: i % 3 === 0 ? asin(i) : null,
      quantity: 1,
      price: { amount: 999, currency: 'EUR' },
      salePrice: null,
      marketplaceIds: null,
      active: true,
    };
  // listings: 40 % by seller SKU, 30 % by ASIN, 20 % by GTIN only, 10 % unknown
  const listings: MatchCandidate[] = new Array(SIZE);
  for (let i = 0; i < SIZE; i += 1) {
    const kind = i % 10;
    if (kind < 4) listings[i] = { sellerSku: `SHOP-${i}`, asin: null, gtin: null, marketplaceId: DE };
    else if (kind < 7) listings[i] = { sellerSku: `AMZ-${i}`, asin: asin(i - (i % 3)), gtin: null, marketplaceId: DE };
    else if (kind < 9) listings[i] = { sellerSku: `AMZ-${i}`, asin: null, gtin: ean(i), marketplaceId: DE };
    else listings[i] = { sellerSku: `AMZ-${i}`, asin: null, gtin: null, marketplaceId: DE };
  }
  gc();
  memory('inputs built');
  const baseHeap = process.memoryUsage().heapUsed;

  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  await migrate(knex);
  const mappings = createProductMappings(knex);
  const shop = arrayShop(products);

  let started = performance.now();
  const index = await buildCatalogIndex(shop);
  const indexSeconds = (performance.now() - started) / 1000;
  gc();
  const indexHeap = process.memoryUsage().heapUsed - baseHeap;
  console.log(`  catalog scan + index: ${indexSeconds.toFixed(2)} s, index ${(indexHeap / MB).toFixed(0)} MB of heap (${index.size.toLocaleString('en')} products)`);

  const matcher = createProductMatcher({ adapter: shop, mappings, catalogIndex: index });
  started = performance.now();
  const results = await matcher.match(listings);
  const oneCall = (performance.now() - started) / 1000;
  const byRule = new Map<string, number>();
  for (const result of results) {
    const key = result.ok ? result.rule : result.reason;
    byRule.set(key, (byRule.get(key) ?? 0) + 1);
  }
  console.log(`  match, one call: ${oneCall.toFixed(2)} s (${Math.round(SIZE / oneCall).toLocaleString('en')} listings/s) ${JSON.stringify(Object.fromEntries(byRule))}`);
  memory('after one call');

  started = performance.now();
  for (let offset = 0; offset < SIZE; offset += 5000) await matcher.match(listings.slice(offset, offset + 5000));
  const batched = (performance.now() - started) / 1000;
  console.log(`  match, 5,000-row batches: ${batched.toFixed(2)} s (${Math.round(SIZE / batched).toLocaleString('en')} listings/s)`);
  console.log(`  peak rss so far (inputs + index + results): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

  // a report of SIZE rows, as Amazon writes it
  const header = [
    'item-name', 'item-description', 'listing-id', 'seller-sku', 'price', 'quantity', 'open-date', 'image-url', 'item-is-marketplace',
    'product-id-type', 'zshop-shipping-fee', 'item-note', 'item-condition', 'zshop-category1', 'zshop-browse-path',
    'zshop-storefront-feature', 'asin1', 'asin2', 'asin3', 'will-ship-internationally', 'expedited-shipping', 'zshop-boldface',
    'product-id', 'bid-for-featured-placement', 'add-delete', 'pending-quantity', 'fulfillment-channel', 'merchant-shipping-group', 'status',
  ];
  const lines: string[] = [header.join('\t')];
  for (let i = 0; i < SIZE; i += 1) {
    const l = listings[i]!;
    lines.push(
      `Product ${i} with a title of ordinary length\t\t${i}\t${l.sellerSku}\t9.99\t1\t2024-01-01 10:00:00 MET\t\tn\t4\t\t\t11\t\t\t\t${l.asin ?? ''}\t\t\t\t\t\t${l.gtin ?? ''}\t\t\t0\tDEFAULT\tMigrated Template\tActive`,
    );
  }
  const text = lines.join('\n');
  lines.length = 0;
  console.log(`  report text: ${(text.length / MB).toFixed(0)} MB`);
  started = performance.now();
  let rows = 0;
  for await (const batch of readMerchantListingsReport(text)) rows += batch.length;
  const parseSeconds = (performance.now() - started) / 1000;
  console.log(`  report parse (csv-parse, 1 MB slices): ${parseSeconds.toFixed(2)} s for ${rows.toLocaleString('en')} rows (${Math.round(rows / parseSeconds).toLocaleString('en')} rows/s)`);

  console.log(`  peak rss of the process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  await knex.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
