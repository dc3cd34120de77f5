/**
 * The mapping CSV import of 100,000 rows on SQLite (better-sqlite3, file, WAL): first import
 * (all created), the same file again (all unchanged), a file that changes every row (all updated),
 * all-or-nothing and row by row. Prints rows/s; not a test.
 *
 * SELLERSYNC_BENCH_SIZE overrides the number of rows (default 100000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrate } from '../src/database/migrate';
import { importMappingCsv } from '../src/matching';
import type { ShopAdapter, ShopProduct } from '../src/shop-adapter';

const SIZE = Number(process.env['SELLERSYNC_BENCH_SIZE'] ?? 100_000);
const MB = 1024 * 1024;
const MARKETPLACES = ['DE', 'FR', 'IT', 'ES'];

/** A shop whose products are found by SKU through a map, as an indexed shop database would. */
function mapShop(count: number): ShopAdapter {
  const bySku = new Map<string, ShopProduct>();
  for (let i = 0; i < count; i += 1)
    bySku.set(`REF-${i}`, {
      productRef: `p${i}`,
      variantRef: i % 4 === 0 ? `v${i}` : null,
      sku: `REF-${i}`,
      title: `Product ${i}`,
      gtin: null,
      asin: null,
      quantity: 1,
      price: { amount: 999, currency: 'EUR' },
      salePrice: null,
      marketplaceIds: null,
      active: true,
    });
  return {
    name: 'bench-map',
    capabilities: { listingData: false, orders: false, stockReservations: false, shipments: false, placeholderProduct: false, createProducts: false },
    getProductsBySku: async (skus) => skus.flatMap((sku) => (bySku.has(sku) ? [bySku.get(sku)!] : [])),
    findProducts: async () => [],
    scanCatalog: async () => ({ items: [...bySku.values()], nextCursor: null }),
  };
}

function csv(rows: number, channel: (i: number) => string, separator = ';'): string {
  const lines = [['Title', 'Internal Reference', 'Seller SKU', 'Marketplace', 'Fulfilment'].join(separator)];
  for (let i = 0; i < rows; i += 1)
    lines.push([`"Product ${i}; a title with a ""quote"""`, `REF-${i % Math.ceil(rows / 2)}`, `AMZ-${i}`, MARKETPLACES[i % 4], channel(i)].join(separator));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

async function timed(label: string, knex: Knex, text: string, mode: 'all-or-nothing' | 'row-by-row', shop: ShopAdapter): Promise<void> {
  const started = performance.now();
  const result = await importMappingCsv(text, { db: knex, adapter: shop, mode });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  ${label.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s  ${Math.round(SIZE / seconds).toLocaleString('en').padStart(9)} rows/s  ` +
      `created ${result.created}, updated ${result.updated}, unchanged ${result.unchanged}, rejected ${result.rejected}`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sellersync-csv-bench-'));
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: join(dir, 'bench.sqlite') }, useNullAsDefault: true });
  try {
    await knex.raw('pragma journal_mode = wal');
    await knex.raw('pragma synchronous = normal');
    await migrate(knex);
    const shop = mapShop(Math.ceil(SIZE / 2));
    const first = csv(SIZE, (i) => (i % 3 === 0 ? 'AFN' : 'MFN'));
    const changed = csv(SIZE, (i) => (i % 3 === 0 ? 'MFN' : 'AFN'), ',');
    console.log(`node ${process.version}, ${SIZE.toLocaleString('en')} rows (${(first.length / MB).toFixed(1)} MB), SQLite file in WAL mode`);
    await timed('all-or-nothing, every row created', knex, first, 'all-or-nothing', shop);
    await timed('all-or-nothing, same file again', knex, first, 'all-or-nothing', shop);
    await timed('row-by-row, every row updated', knex, changed, 'row-by-row', shop);
    await knex('sellersync_product_mappings').delete();
    await timed('row-by-row, every row created', knex, first, 'row-by-row', shop);
    console.log(`  peak rss of the process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
