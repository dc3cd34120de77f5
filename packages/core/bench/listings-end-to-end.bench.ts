/**
 * End to end: 100,000 changed SKUs from the change log to acknowledged, through the real
 * amazon-sp-api client, the gateway and the SP-API simulator (quotas and rate limits scaled away),
 * on SQLite: seconds, feeds, API calls. Beside it the naive way — one patchListingsItem per SKU at
 * Amazon's 5 per second — measured on a sample at a timeScale and converted to real time.
 * Prints numbers; not a test.
 *
 * Run: pnpm bench listings-end-to-end. SKUS=20000 for a shorter run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, startSimulator } from '@sellersync/sp-api-simulator';
import { createAmazonGateway, createSellerSync, enqueueChange, migrate, type ShopAdapter, type ShopProduct } from '../src';

const DE = 'A1PA6795UKMFR9';
const SKUS = Number(process.env['SKUS'] ?? 100_000);
const NAIVE_SAMPLE = 2_000;
const NAIVE_TIME_SCALE = 100;

const sku = (i: number) => `E2E-${String(i).padStart(7, '0')}`;

/** A catalog in a Map: the memory adapter scans a list, which would dominate at 100,000 products. */
function mapShop(count: number): ShopAdapter {
  const products = new Map<string, ShopProduct>();
  for (let i = 0; i < count; i += 1)
    products.set(sku(i), {
      productRef: String(i),
      variantRef: null,
      sku: sku(i),
      title: `Product ${i}`,
      gtin: null,
      asin: null,
      quantity: 5 + (i % 40),
      price: { amount: 1099 + (i % 900), currency: 'EUR' },
      salePrice: null,
      marketplaceIds: null,
      active: true,
    });
  const list = [...products.values()];
  return {
    name: 'bench-map',
    capabilities: { listingData: false, orders: false, stockReservations: false, shipments: false, placeholderProduct: false, createProducts: false },
    getProductsBySku: async (skus) => skus.flatMap((s) => (products.has(s) ? [products.get(s)!] : [])),
    scanCatalog: async ({ cursor, limit }) => {
      const start = cursor === null ? 0 : Number(cursor);
      return { items: list.slice(start, start + limit), nextCursor: start + limit < list.length ? String(start + limit) : null };
    },
    findProducts: async (query) => (query.skus ?? []).flatMap((s) => (products.has(s) ? [products.get(s)!] : [])),
  };
}
const amazon = (endpoint: string) => ({
  region: 'eu' as const,
  sellerId: SIMULATOR_SELLER_ID,
  marketplaceIds: [DE],
  refreshToken: SIMULATOR_CREDENTIALS.refreshToken,
  clientId: SIMULATOR_CREDENTIALS.clientId,
  clientSecret: SIMULATOR_CREDENTIALS.clientSecret,
  endpoint,
});

async function feeds(): Promise<void> {
  const timeScale = 10_000;
  const sim = await startSimulator({ timeScale, rateLimits: false });
  const dir = mkdtempSync(join(tmpdir(), 'sellersync-listings-bench-'));
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: join(dir, 'bench.sqlite') }, useNullAsDefault: true });
  try {
    await knex.raw('pragma journal_mode = wal');
    await knex.raw('pragma synchronous = normal');
    await migrate(knex);
    const shop = mapShop(SKUS);
    for (let i = 0; i < SKUS; i += 1) sim.seed.listing({ sku: sku(i), marketplaceId: DE, asin: 'B0SIM00001', price: '10.99', quantity: 1 });
    for (let start = 0; start < SKUS; start += 10_000)
      await enqueueChange(knex, Array.from({ length: Math.min(10_000, SKUS - start) }, (_, k) => ({ sku: sku(start + k) })));
    const sync = createSellerSync({ db: knex, shop, amazon: amazon(sim.url), gateway: { timeScale, rateLimits: false } });
    const callsBefore = sim.state.totalCalls;
    const started = process.hrtime.bigint();
    const result = await sync.pushListings({ untilDrained: true, timeoutMs: 30 * 60_000 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const calls = sim.state.calls;
    const stats = await sync.changeLog.stats();
    let converged = 0;
    for (let i = 0; i < SKUS; i += 1) if (sim.state.offer(sku(i), DE)?.quantity === 5 + (i % 40)) converged += 1;
    console.log(`sellersync, ${SKUS.toLocaleString('en')} changed SKUs (simulator at timeScale ${timeScale}, rate limits off, SQLite file WAL):`);
    console.log(`  ${seconds.toFixed(1)} s from queue to acknowledged (${Math.round(SKUS / seconds).toLocaleString('en')} SKUs/s), drained: ${result.drained}, left in the log: ${stats.total}, offers equal to the shop: ${converged.toLocaleString('en')}`);
    console.log(`  ${result.feedsSubmitted} feeds, ${result.messagesSent.toLocaleString('en')} messages, ${result.passes} passes`);
    console.log(`  ${sim.state.totalCalls - callsBefore} HTTP calls: ${JSON.stringify(calls)}`);
    console.log(
      `  Amazon's own clock adds per feed: ~90 s processing (IN_QUEUE 30 s + IN_PROGRESS 60 s in the simulator's defaults) and ` +
        `5 JSON_LISTINGS_FEED per 5 min: ${result.feedsSubmitted} feeds fit in ${Math.ceil(result.feedsSubmitted / 5)} quota window(s)`,
    );
  } finally {
    await sim.close();
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function naive(): Promise<void> {
  const sim = await startSimulator({ timeScale: NAIVE_TIME_SCALE });
  try {
    for (let i = 0; i < NAIVE_SAMPLE; i += 1) sim.seed.listing({ sku: sku(i), marketplaceId: DE, asin: 'B0SIM00001', price: '10.99', quantity: 1 });
    // Amazon's usage plan for patchListingsItem: 5 per second, burst 5 (scaled by the same factor)
    const gateway = createAmazonGateway({ amazon: amazon(sim.url), timeScale: NAIVE_TIME_SCALE });
    const started = process.hrtime.bigint();
    for (let i = 0; i < NAIVE_SAMPLE; i += 1)
      await gateway.patchListingsItem(
        sku(i),
        {
          productType: 'PRODUCT',
          patches: [
            { op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 5 + (i % 40) }] },
            { op: 'replace', path: '/attributes/purchasable_offer', value: [{ marketplace_id: DE, currency: 'EUR', audience: 'ALL', our_price: [{ schedule: [{ value_with_tax: 10.99 + (i % 9) }] }] }] },
          ],
        },
        { marketplaceIds: [DE] },
      );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const real = seconds * NAIVE_TIME_SCALE;
    const perSku = real / NAIVE_SAMPLE;
    console.log(`naive, one patchListingsItem per SKU at Amazon's 5/s (sample of ${NAIVE_SAMPLE.toLocaleString('en')} at timeScale ${NAIVE_TIME_SCALE}):`);
    console.log(`  measured ${seconds.toFixed(1)} s → ${real.toFixed(0)} s real for the sample (${perSku.toFixed(3)} s per SKU)`);
    console.log(`  ${SKUS.toLocaleString('en')} SKUs: ${(perSku * SKUS).toFixed(0)} s ≈ ${((perSku * SKUS) / 3600).toFixed(1)} h and ${SKUS.toLocaleString('en')} API calls`);
  } finally {
    await sim.close();
  }
}

await feeds();
await naive();
