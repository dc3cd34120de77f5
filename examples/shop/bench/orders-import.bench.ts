/**
 * Order import at volume: 10,000 Amazon orders of 3 items each, from the simulator through the real
 * amazon-sp-api client and core's gateway, into the example shop (its knex adapter: orders, lines,
 * stock reservations) on SQLite and PostgreSQL. Prints, per engine:
 *
 * - wall time with Amazon's searchOrders quota enforced at timeScale 1000 (both sides), and what
 *   that quota means in real time;
 * - wall time with rate limits off (what sellersync and the shop cost);
 * - API calls per order, sellersync's and the shop's SQL statements per order, and shop-side
 *   writes per second (time spent inside the adapter's write members);
 * - an update pass: every tenth order cancelled at Amazon, read again and applied (status and
 *   reservation released), with its wall time and SQL per update.
 *
 * Prints numbers; not a test. ORDERS=2000 for a shorter run. PostgreSQL: SELLERSYNC_TEST_PG_URL,
 * or postgres://postgres@127.0.0.1:5432/test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { AMAZON_DEFAULT_RATE_LIMITS, createSellerSync, migrate, type ShopAdapter } from '@sellersync/core';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, startSimulator } from '@sellersync/sp-api-simulator';
import { exampleShopAdapter } from '../src/shop-adapter';
import { createShopSchema, dropShopSchema, shopTables } from '../src/shop-database';

const ORDERS = Number(process.env['ORDERS'] ?? 10_000);
const ITEMS_PER_ORDER = 3;
const SKUS = 300;
const TIME_SCALE = 1000;
const DE = 'A1PA6795UKMFR9';
const WRITE_MEMBERS = ['createOrder', 'reserveStock', 'commitStockReservation', 'releaseStockReservation', 'adjustStock', 'updateOrderStatus', 'ensurePlaceholderProduct'] as const;

interface Engine {
  readonly name: string;
  open(): Promise<Knex | null>;
}

const tmp = mkdtempSync(join(tmpdir(), 'sellersync-orders-bench-'));
let fileNumber = 0;
const engines: Engine[] = [
  {
    name: 'SQLite (better-sqlite3, file, WAL)',
    async open() {
      fileNumber += 1;
      const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: join(tmp, `bench-${fileNumber}.sqlite`) }, useNullAsDefault: true });
      await knex.raw('pragma journal_mode = wal');
      await knex.raw('pragma synchronous = normal');
      return knex;
    },
  },
  {
    name: 'PostgreSQL (loopback)',
    async open() {
      const knex = knexFactory({ client: 'pg', connection: process.env['SELLERSYNC_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test', pool: { min: 1, max: 4 } });
      try {
        await knex.raw('select 1');
        return knex;
      } catch (error) {
        console.log(`  PostgreSQL not reachable (${(error as Error).message}); skipped`);
        await knex.destroy();
        return null;
      }
    },
  },
];

/** Wraps the shop adapter to time its write members. */
function timedShop(shop: ShopAdapter) {
  const stats = { calls: 0, ms: 0 };
  const timed: Record<string, unknown> = { ...shop };
  for (const member of WRITE_MEMBERS) {
    const original = shop[member] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (!original) continue;
    timed[member] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await original.apply(shop, args);
      } finally {
        stats.ms += performance.now() - started;
        stats.calls += 1;
      }
    };
  }
  return { shop: timed as unknown as ShopAdapter, stats };
}

interface RunResult {
  readonly wallMs: number;
  readonly imported: number;
  readonly searchCalls: number;
  readonly totalApiCalls: number;
  readonly shopCalls: number;
  readonly shopMs: number;
  readonly sellersyncStatements: number;
  readonly shopStatements: number;
  readonly updated: number;
  readonly updateMs: number;
  readonly updateApiCalls: number;
  readonly updateSellersyncStatements: number;
  readonly updateShopStatements: number;
}

async function run(knex: Knex, quotas: boolean): Promise<RunResult> {
  const prefix = `ob${process.pid}${quotas ? 'q' : 'f'}_`;
  const shopPrefix = `${prefix}shop_`;
  await dropShopSchema(knex, shopPrefix);
  await createShopSchema(knex, shopPrefix);
  await migrate(knex, { tablePrefix: prefix });
  const t = shopTables(shopPrefix);
  for (let start = 0; start < SKUS; start += 100)
    await knex(t.products).insert(
      Array.from({ length: Math.min(100, SKUS - start) }, (_, i) => ({ sku: `SIM-SKU-${start + i}`, title: `Product ${start + i}`, price_cents: 1999, currency: 'EUR', stock: 1_000_000 })),
    );
  const sim = await startSimulator({ timeScale: TIME_SCALE, ...(quotas ? {} : { rateLimits: false as const }) });
  const seeded = sim.seed.orders(ORDERS, (index) => ({
    marketplaceId: DE,
    status: 'UNSHIPPED',
    items: Array.from({ length: ITEMS_PER_ORDER }, (_, k) => ({
      sellerSku: `SIM-SKU-${(index * ITEMS_PER_ORDER + k) % SKUS}`,
      quantity: 1 + (k % 2),
      unitPrice: '19.99',
      itemTax: '3.80',
    })),
  }));
  // the simulator stamps each change strictly later than the one before, so a burst of seeds runs ahead
  // of the clock; wait until the last one is past the Orders API's lag (2 minutes / timeScale)
  const newest = Math.max(...seeded.map((order) => Date.parse(order.lastUpdatedTime)));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, newest - Date.now()) + 120_000 / TIME_SCALE + 50));
  const { shop, stats } = timedShop(exampleShopAdapter(knex, { prefix: shopPrefix }));
  let sellersyncStatements = 0;
  let shopStatements = 0;
  const count = (query: { sql?: string }) => {
    if (query.sql?.includes(`${prefix}shop_`)) shopStatements += 1;
    else if (query.sql?.includes(prefix)) sellersyncStatements += 1;
  };
  knex.on('query', count);
  const sync = createSellerSync({
    db: knex,
    shop,
    tablePrefix: prefix,
    accountId: 'bench',
    amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: sim.url },
    gateway: { timeScale: TIME_SCALE, ...(quotas ? {} : { rateLimits: false as const }) },
  });
  const started = performance.now();
  const summary = await sync.importOrders();
  const wallMs = performance.now() - started;
  const firstPass = { sellersyncStatements, shopStatements, searchCalls: sim.state.calls['orders.searchOrders'] ?? 0, totalApiCalls: sim.state.totalCalls, shopCalls: stats.calls, shopMs: stats.ms };
  // the update pass: Amazon cancels every tenth order
  let newestChange = 0;
  for (const [index, order] of seeded.entries())
    if (index % 10 === 0) newestChange = Math.max(newestChange, Date.parse(sim.seed.setOrderStatus(order.orderId, 'CANCELLED').lastUpdatedTime));
  // as after seeding: the changes' stamps run ahead of the clock
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, newestChange - Date.now()) + 120_000 / TIME_SCALE + 50));
  const updateStarted = performance.now();
  const updates = await sync.importOrders();
  const updateMs = performance.now() - updateStarted;
  knex.removeListener('query', count);
  const result: RunResult = {
    wallMs,
    imported: summary?.imported ?? 0,
    searchCalls: firstPass.searchCalls,
    totalApiCalls: firstPass.totalApiCalls,
    shopCalls: firstPass.shopCalls,
    shopMs: firstPass.shopMs,
    updateApiCalls: sim.state.totalCalls - firstPass.totalApiCalls,
    sellersyncStatements: firstPass.sellersyncStatements,
    shopStatements: firstPass.shopStatements,
    updated: updates?.updated ?? 0,
    updateMs,
    updateSellersyncStatements: sellersyncStatements - firstPass.sellersyncStatements,
    updateShopStatements: shopStatements - firstPass.shopStatements,
  };
  if (updates?.status !== 'finished' || result.updated !== Math.ceil(ORDERS / 10)) console.log(`  unexpected update pass: ${updates?.status}, ${result.updated} updated`);
  if (summary?.status !== 'finished' || result.imported !== ORDERS) console.log(`  unexpected outcome: ${summary?.status}, ${result.imported} imported, errors ${JSON.stringify(summary?.errors.slice(0, 3))}`);
  await sim.close();
  await dropShopSchema(knex, shopPrefix);
  for (const table of ['shipment_packages', 'order_import_runs', 'order_cursors', 'orders', 'mismatches', 'product_mappings', 'listing_states', 'feed_submission_messages', 'feed_submissions', 'changes', 'migrations_lock', 'migrations'])
    await knex.schema.dropTableIfExists(`${prefix}${table}`);
  return result;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const quota = AMAZON_DEFAULT_RATE_LIMITS['orders.searchOrders'] ?? { rate: 0.0056, burst: 20 };
  console.log(`${fmt(ORDERS)} orders × ${ITEMS_PER_ORDER} items, UNSHIPPED (reserve + commit per order), ${SKUS} SKUs, page size 100, timeScale ${TIME_SCALE}`);
  for (const engine of engines) {
    for (const quotas of [true, false]) {
      const knex = await engine.open();
      if (!knex) break;
      try {
        const r = await run(knex, quotas);
        const pages = r.searchCalls;
        console.log(`\n${engine.name}, ${quotas ? "Amazon's searchOrders quota enforced (scaled)" : 'rate limits off'}`);
        console.log(`  imported                  ${fmt(r.imported)} orders in ${fmt(r.wallMs / 1000, 1)} s wall time (${fmt(r.imported / (r.wallMs / 1000))} orders/s)`);
        if (quotas) {
          const quotaSeconds = Math.max(0, pages - quota.burst) / quota.rate;
          console.log(`  searchOrders pages        ${pages}; at Amazon's ${quota.rate}/s (burst ${quota.burst}) that is ${fmt(quotaSeconds / 3600, 1)} h of real time for the quota alone`);
        }
        console.log(`  API calls per order       ${fmt(r.totalApiCalls / r.imported, 4)} (${r.totalApiCalls} calls: ${pages} searchOrders, token and retries included)`);
        console.log(`  SQL per order             sellersync ${fmt(r.sellersyncStatements / r.imported, 1)}, shop ${fmt(r.shopStatements / r.imported, 1)}`);
        console.log(`  shop-side writes          ${fmt(r.shopCalls)} adapter write calls in ${fmt(r.shopMs / 1000, 1)} s → ${fmt(r.shopCalls / (r.shopMs / 1000))} writes/s (${fmt(r.shopMs / r.imported, 2)} ms per order)`);
        console.log(
          `  update pass               ${fmt(r.updated)} cancellations applied in ${fmt(r.updateMs / 1000, 1)} s (${r.updateApiCalls} API calls); ` +
            `SQL per update sellersync ${fmt(r.updateSellersyncStatements / Math.max(1, r.updated), 1)}, shop ${fmt(r.updateShopStatements / Math.max(1, r.updated), 1)}`,
        );
      } finally {
        await knex.destroy();
      }
    }
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(tmp, { recursive: true, force: true }));
