import { expect, test } from '@jest/globals';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID } from '@sellersync/sp-api-simulator';
import { createAmazonGateway, type AmazonGateway } from '../amazon-gateway';
import type { ShopAdapter } from '../shop-adapter';
import { createOrderImporter } from './order-importer';
import { describeEachEngine } from '../test-support/database-engines';
import { DE, TIME_SCALE, abandonedOrderRow, sleep, startOrdersHarness, waitFor, type OrdersHarness } from '../test-support/orders-harness';

// Exactly-once order import on every configured engine (SQLite always; PostgreSQL and MariaDB
// when SELLERSYNC_TEST_PG_URL / SELLERSYNC_TEST_MYSQL_URL are set): the unique row per account
// and Amazon order id, claimed before the shop order is created, is what holds under concurrency.

/** The memory shop, counting the calls that must happen once per order. */
function countingShop(h: OrdersHarness) {
  const calls = { createOrder: 0, created: 0, reserveStock: 0 };
  const shop: ShopAdapter = {
    ...h.shop,
    async createOrder(draft) {
      calls.createOrder += 1;
      // give the other importer time to reach the same order
      await new Promise((resolve) => setTimeout(resolve, 2));
      const result = await h.shop.createOrder!(draft);
      if (result.created) calls.created += 1;
      return result;
    },
    async reserveStock(reservation) {
      calls.reserveStock += 1;
      return h.shop.reserveStock!(reservation);
    },
  };
  return { shop, calls };
}

describeEachEngine('order import exactly once', (engine) => {
  test('two importers racing over the same pages import each order once', async () => {
    const h = await startOrdersHarness({ database: engine, products: [{ sku: 'MUG-1', quantity: 100 }], orders: { pageSize: 10 }, poolSize: 6 });
    try {
      const seeded = h.sim.seed.orders(30, { marketplaceId: DE, status: 'PENDING', items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] });
      const { shop, calls } = countingShop(h);
      const a = h.newSync({ shop, workerId: 'worker-a' });
      const b = h.newSync({ shop, workerId: 'worker-b' });
      await h.settle();
      const [ra, rb] = await Promise.all([a.importOrders(), b.importOrders()]);
      // the errors themselves, so a failure says what went wrong
      expect([...ra!.errors, ...rb!.errors]).toEqual([]);
      expect(ra!.failed + rb!.failed).toBe(0);
      expect(ra!.imported + rb!.imported).toBe(30);
      // each order was created and reserved by exactly one importer
      expect(calls).toEqual({ createOrder: 30, created: 30, reserveStock: 30 });
      expect(h.shop.listOrders().map((o) => o.externalId).sort()).toEqual(seeded.map((o) => o.orderId).sort());
      expect(h.stock('MUG-1')).toBe(70);
      const rows = await h.knex(h.tables.orders).where({ account_id: 'acme-eu' }).select('state', 'claimed_by');
      expect(rows).toHaveLength(30);
      expect(rows.every((r) => r.state === 'imported' && r.claimed_by === null)).toBe(true);
    } finally {
      await h.close();
    }
  });

  test('an order seen again in overlapping windows and after restarts is imported once; updates apply once', async () => {
    const h = await startOrdersHarness({ database: engine, products: [{ sku: 'MUG-1', quantity: 10 }] });
    try {
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, status: 'PENDING', items: [{ sellerSku: 'MUG-1', quantity: 3, unitPrice: '19.99' }] });
      await h.settle();
      expect((await h.sync.importOrders())!.imported).toBe(1);
      // a restarted process reads the same window again
      expect(await h.newSync().importOrders()).toMatchObject({ imported: 0, unchanged: 1 });
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      await h.settle();
      const [x, y] = await Promise.all([h.newSync({ workerId: 'x' }).importOrders(), h.newSync({ workerId: 'y' }).importOrders()]);
      expect(x!.updated + y!.updated).toBe(1);
      expect(h.shop.listOrders()).toHaveLength(1);
      expect(h.stock('MUG-1')).toBe(10);
      const row = await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first();
      expect(row).toMatchObject({ account_id: 'acme-eu', marketplace_id: DE, state: 'imported', amazon_status: 'CANCELLED', stock_state: 'released' });
    } finally {
      await h.close();
    }
  });

  test('an update a crashed importer was applying is recorded by the next one and applied after the lease', async () => {
    const h = await startOrdersHarness({ database: engine, products: [{ sku: 'MUG-1', quantity: 10 }], orders: { overlap: { seconds: 0 } } });
    try {
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, status: 'PENDING', items: [{ sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99' }] });
      await h.settle();
      await h.sync.importOrders();
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ claimed_by: 'crashed#2', lease_until: Date.now() + 60_000 });
      await h.settle();
      expect(await h.newSync().importOrders()).toMatchObject({ updated: 0, unchanged: 1 });
      expect(h.stock('MUG-1')).toBe(8);
      await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ lease_until: Date.now() - 1 });
      expect(await h.newSync().importOrders()).toMatchObject({ updated: 1, failed: 0 });
      expect(h.stock('MUG-1')).toBe(10);
      const row = await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first();
      expect(row).toMatchObject({ amazon_status: 'CANCELLED', stock_state: 'released', claimed_by: null, seen_updated_at: null });
    } finally {
      await h.close();
    }
  });

  test('two importers acknowledging at once put each order in one acknowledgement feed', async () => {
    const h = await startOrdersHarness({ database: engine, products: [{ sku: 'MUG-1', quantity: 100 }], poolSize: 6 });
    try {
      const seeded = h.sim.seed.orders(12, { marketplaceId: DE, items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] }).map((o) => o.orderId);
      await h.settle();
      expect(await h.sync.importOrders()).toMatchObject({ imported: 12 });
      // imported, not yet acknowledged
      await h.knex(h.tables.orders).update({ ack_state: 'pending' });
      const real = createAmazonGateway({ amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: h.sim.url }, timeScale: TIME_SCALE });
      // slow uploads, so both importers are sending at the same time
      const slow: AmazonGateway = { ...real, submitFeed: async (input) => (await sleep(40), real.submitFeed(input)) };
      const importer = (workerId: string) =>
        createOrderImporter({ db: h.knex, shop: h.shop, gateway: slow, accountId: 'acme-eu', tablePrefix: h.tablePrefix, workerId, orders: { acknowledge: true, waitForFeeds: true } });
      const [a, b] = await Promise.all([importer('a').importOrders(), importer('b').importOrders()]);
      expect(a.acknowledgements.submitted + b.acknowledgements.submitted).toBe(1);
      expect(a.acknowledgements.acknowledged + b.acknowledgements.acknowledged).toBe(12);
      const sent = h.sim.state.feeds
        .filter((feed) => feed.feedType === 'POST_ORDER_ACKNOWLEDGEMENT_DATA')
        .flatMap((feed) => [...String(feed.input!.content).matchAll(/<AmazonOrderID>([^<]+)<\/AmazonOrderID>/g)].map((m) => m[1]));
      expect(sent.sort()).toEqual([...seeded].sort());
      const rows = await h.knex(h.tables.orders).select('ack_state', 'ack_message_id');
      expect(rows.every((r) => r.ack_state === 'acknowledged')).toBe(true);
      expect(rows.map((r) => Number(r.ack_message_id)).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    } finally {
      await h.close();
    }
  });

  test('a process that dies between moving stock and queueing its offer change: the importer taking the claim over queues it', async () => {
    const h = await startOrdersHarness({ database: engine, products: [{ sku: 'MUG-1', quantity: 10 }] });
    const deaths: ((error: Error) => void)[] = [];
    const dying: Promise<unknown>[] = [];
    // the stock step is applied in the shop, then the process stops before anything else happens
    const dieAfter = (step: 'reserveStock' | 'releaseStockReservation'): ShopAdapter => ({
      ...h.shop,
      [step]: async (argument: never) => {
        await (h.shop[step] as (value: never) => Promise<void>)(argument);
        await new Promise<never>((_resolve, reject) => deaths.push(reject));
      },
    });
    const queued = async () => (await h.knex(h.tables.changes).select('sku', 'marketplace_id', 'version')).map((r) => ({ sku: r.sku, marketplaceId: r.marketplace_id, version: Number(r.version) }));
    const expireClaims = () => h.knex(h.tables.orders).whereNotNull('claimed_by').update({ lease_until: Date.now() - 1 });
    try {
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, status: 'PENDING', items: [{ sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99' }] });
      await h.settle();
      dying.push(h.newSync({ shop: dieAfter('reserveStock'), workerId: 'dies-importing' }).importOrders());
      await waitFor('the reservation is made', () => h.shop.listReservations().get(`amazon:acme-eu:${orderId}`)?.state === 'reserved');
      expect(h.stock('MUG-1')).toBe(8);
      expect(await queued()).toEqual([]);
      await expireClaims();
      expect(await h.newSync({ workerId: 'takes-over' }).importOrders()).toMatchObject({ imported: 1, failed: 0 });
      expect(h.stock('MUG-1')).toBe(8);
      expect(await queued()).toEqual([{ sku: 'MUG-1', marketplaceId: '*', version: 1 }]);

      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      await h.settle();
      dying.push(h.newSync({ shop: dieAfter('releaseStockReservation'), workerId: 'dies-cancelling' }).importOrders());
      await waitFor('the reservation is released', () => h.shop.listReservations().get(`amazon:acme-eu:${orderId}`)?.state === 'released');
      expect(h.stock('MUG-1')).toBe(10);
      expect(await queued()).toEqual([{ sku: 'MUG-1', marketplaceId: '*', version: 1 }]);
      await expireClaims();
      expect(await h.newSync({ workerId: 'takes-over' }).importOrders()).toMatchObject({ updated: 1, failed: 0 });
      expect(h.stock('MUG-1')).toBe(10);
      expect(await queued()).toEqual([{ sku: 'MUG-1', marketplaceId: '*', version: 2 }]);
      const row = await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first();
      expect(row).toMatchObject({ amazon_status: 'CANCELLED', stock_state: 'released', claimed_by: null });
    } finally {
      // the dead processes, were they to wake up, change nothing: their claims are gone
      for (const die of deaths) die(new Error('process gone'));
      await Promise.all(dying);
      await h.close();
    }
  });

  test('a claim abandoned by a crashed importer is taken over once its lease expires', async () => {
    const h = await startOrdersHarness({ database: engine, products: [{ sku: 'MUG-1', quantity: 10 }] });
    try {
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, items: [{ sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99' }] });
      await h.knex(h.tables.orders).insert(abandonedOrderRow(orderId, { claimed_by: 'crashed#1', lease_until: Date.now() + 60_000 }));
      await h.settle();
      // the lease still runs: the order is left to its holder
      expect(await h.sync.importOrders()).toMatchObject({ imported: 0, unchanged: 1 });
      expect(h.shop.listOrders()).toHaveLength(0);
      await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ lease_until: Date.now() - 1 });
      expect(await h.sync.importOrders()).toMatchObject({ imported: 1 });
      expect(await h.sync.importOrders()).toMatchObject({ imported: 0 });
      expect(h.shop.listOrders()).toHaveLength(1);
      expect(h.stock('MUG-1')).toBe(8);
    } finally {
      await h.close();
    }
  });
});
