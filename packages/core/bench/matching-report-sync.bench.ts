/**
 * "Sync active products" end to end: a GET_MERCHANT_LISTINGS_ALL_DATA report of 100,000 listings
 * from the SP-API simulator (windows-1252, through the real gateway), matched against 100,000 shop
 * products and stored in the mapping table on SQLite (file, WAL); then the same run again (every
 * mapping unchanged). Prints seconds, rows/s and memory; not a test.
 *
 * SELLERSYNC_BENCH_SIZE overrides the size (default 100000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, startSimulator } from '@sellersync/sp-api-simulator';
import knexFactory from 'knex';
import { createAmazonGateway } from '../src/amazon-gateway';
import { migrate } from '../src/database/migrate';
import { gs1CheckDigit, syncActiveListings } from '../src/matching';
import type { ShopAdapter, ShopProduct } from '../src/shop-adapter';

const SIZE = Number(process.env['SELLERSYNC_BENCH_SIZE'] ?? 100_000);
const DE = 'A1PA6795UKMFR9';
const MB = 1024 * 1024;

const ean = (i: number) => {
  const body = `41${String(i).padStart(10, '0')}`;
  return `${body}${gs1CheckDigit(body)}`;
};
const asin = (i: number) => `B0${i.toString(36).toUpperCase().padStart(8, '0')}`;

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
  const products: ShopProduct[] = [];
  for (let i = 0; i < SIZE; i += 1)
    products.push({
      productRef: `p${i}`,
      variantRef: null,
      sku: i % 2 === 0 ? `SKU-${i}` : `SHOP-${i}`,
      title: `Produkt ${i}`,
      gtin: ean(i),
      asin: i % 4 === 1 ? asin(i) : null,
      quantity: 1,
      price: { amount: 999, currency: 'EUR' },
      salePrice: null,
      marketplaceIds: null,
      active: true,
    });
  const sim = await startSimulator({ timeScale: 1000, rateLimits: false, seed: { catalog: [] } });
  let started = performance.now();
  // half the listings carry the shop SKU, a quarter are found by ASIN, the rest by EAN (or not at all)
  for (let i = 0; i < SIZE; i += 1)
    sim.seed.listing({
      sku: `SKU-${i}`,
      marketplaceId: DE,
      asin: asin(i),
      title: `Crème brûlée Förmchen Nr. ${i}`,
      price: '9.99',
      quantity: 3,
      ...(i % 4 === 3 ? { productIdType: 'EAN' as const, productId: i % 40 === 3 ? '4006381333932' : ean(i) } : {}),
    });
  console.log(`node ${process.version}, ${SIZE.toLocaleString('en')} listings and shop products; simulator seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const dir = mkdtempSync(join(tmpdir(), 'sellersync-report-bench-'));
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: join(dir, 'bench.sqlite') }, useNullAsDefault: true });
  try {
    await knex.raw('pragma journal_mode = wal');
    await knex.raw('pragma synchronous = normal');
    await migrate(knex);
    const gateway = createAmazonGateway({
      amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: sim.url },
      timeScale: 1000,
      rateLimits: false,
      requestTimeoutMs: 600_000,
    });
    const adapter = arrayShop(products);
    for (const label of ['first run (mappings created)', 'second run (unchanged)']) {
      started = performance.now();
      const summary = await syncActiveListings({ db: knex, gateway, adapter, marketplaceIds: [DE] });
      const seconds = (performance.now() - started) / 1000;
      const m = summary.marketplaces[0]!;
      console.log(
        `  ${label}: ${seconds.toFixed(2)} s (${Math.round(m.rows / seconds).toLocaleString('en')} rows/s), matched ${m.matched} ` +
          `${JSON.stringify(m.byRule)}, mismatched ${m.mismatched} ${JSON.stringify(m.byReason)}, mappings ${JSON.stringify(m.mappings)}` +
          `${m.error ? `, error ${m.error.code}: ${m.error.message}` : ''}`,
      );
    }
    console.log(`  heap after: ${(process.memoryUsage().heapUsed / MB).toFixed(0)} MB; peak rss of the process (simulator included): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    await knex.destroy();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
