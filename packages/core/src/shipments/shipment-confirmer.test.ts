import { describe, expect, test } from '@jest/globals';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, type SeedOrderInput } from '@sellersync/sp-api-simulator';
import { AmazonCallError, createAmazonGateway, type AmazonGateway } from '../amazon-gateway';
import { createShipmentConfirmer } from './shipment-confirmer';
import type { ShipmentsOptions } from './shipments-options';
import { validateOrderFeedXml } from '../test-support/order-feed-xsd';
import { DE, FR, TIME_SCALE, countUpdatesWriting, holdPoint, manualClock, sleep, startOrdersHarness, waitFor, type OrdersHarness, type OrdersHarnessOptions } from '../test-support/orders-harness';
import type { ShopPackage } from '../shop-adapter';
import { describeEachEngine } from '../test-support/database-engines';

// Shipment confirmation through the real amazon-sp-api client and core's gateway, against the
// simulator: orders are imported first (as in production), the memory shop ships them, and
// confirmShipments() tells Amazon.

const PRODUCTS = [
  { sku: 'MUG-1', quantity: 50 },
  { sku: 'CUP-2', quantity: 50 },
];

const twoLines = (extra: Partial<SeedOrderInput> = {}): SeedOrderInput => ({
  marketplaceId: DE,
  items: [
    { sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99' },
    { sellerSku: 'CUP-2', quantity: 1, unitPrice: '7.00' },
  ],
  ...extra,
});

async function withHarness(options: OrdersHarnessOptions, body: (h: OrdersHarness) => Promise<void>) {
  const h = await startOrdersHarness({ products: PRODUCTS, ...options });
  try {
    await body(h);
    expect(h.sim.state.errors).toEqual([]);
  } finally {
    await h.close();
  }
}

/** Imports orders seeded so far and returns the shop order ref per Amazon order id. */
async function importAll(h: OrdersHarness): Promise<Map<string, string>> {
  await h.settle();
  const summary = await h.sync.importOrders();
  expect(summary?.failed).toBe(0);
  return new Map(h.shop.listOrders().map((o) => [o.externalId, o.orderRef]));
}

const dhl = (packageId: string, tracking: string, lines: ShopPackage['lines'] = null): ShopPackage => ({
  packageId,
  carrier: 'DHL',
  trackingNumber: tracking,
  shippingMethod: 'Paket',
  lines,
});

/** Seeds `count` two-line orders, imports them and ships each in one DHL package; returns their ids. */
async function seedAndShip(h: OrdersHarness, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => h.sim.seed.order(twoLines()).orderId);
  const refs = await importAll(h);
  ids.forEach((orderId, index) => h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', `TRACK-${index}`)] }));
  return ids;
}

/** The gateway a sync object of the harness uses, for wrapping single calls. */
function gatewayFor(h: OrdersHarness): AmazonGateway {
  return createAmazonGateway({
    amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: h.sim.url },
    timeScale: TIME_SCALE,
  });
}

/** A gateway whose createFeed Amazon refuses (400): the feed's failure, not the packages'. */
function refusingFeeds(h: OrdersHarness): AmazonGateway {
  return {
    ...gatewayFor(h),
    submitFeed: async () => {
      throw new AmazonCallError({ code: 'AMAZON_INVALID_REQUEST', message: 'createFeed: 400 InvalidInput: The feed options are invalid.', operation: 'feeds.createFeed', status: 400, amazonCode: 'InvalidInput', isRetryable: false });
    },
  };
}

/** A confirmer on the harness's database and shop with its own gateway. */
function confirmerWith(h: OrdersHarness, gateway: AmazonGateway, shipments: ShipmentsOptions = {}, clock?: () => number) {
  return createShipmentConfirmer({ db: h.knex, shop: h.shop, gateway, accountId: 'acme-eu', tablePrefix: h.tablePrefix, shipments: { retryBaseMs: 1, ...shipments }, clock });
}

async function confirm(h: OrdersHarness, sync = h.sync) {
  const summary = await sync.confirmShipments();
  if (summary === null) throw new Error('shipment confirmation is off');
  return summary;
}

describe('shipment confirmation, one confirmShipment per package', () => {
  test('a shipped order is confirmed once with carrier, tracking and items; repeated runs send nothing more', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      // not shipped yet: nothing to confirm
      expect(await confirm(h)).toMatchObject({ ordersShipped: 0, confirmed: 0 });
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', '00340434161234567890')], shippedAt: new Date('2026-11-20T15:00:00Z') });
      const first = await confirm(h);
      expect(first).toMatchObject({ ordersShipped: 1, packagesRecorded: 1, confirmed: 1, rejected: 0, failed: 0, problems: [] });
      const [shipment] = h.sim.state.shipments;
      const packageRow = await h.knex(h.tables.shipmentPackages).first();
      expect(shipment).toMatchObject({
        orderId,
        source: 'confirmShipment',
        packageReferenceId: String(packageRow.id),
        carrierCode: 'DHL',
        shippingMethod: 'Paket',
        trackingNumber: '00340434161234567890',
        shipDate: '2026-11-20T15:00:00.000Z',
        edited: false,
      });
      expect(shipment!.items.map((i) => i.quantity).sort()).toEqual([1, 2]);
      expect(h.sim.state.order(orderId)!.fulfillment?.fulfillmentStatus).toBe('SHIPPED');
      expect(packageRow).toMatchObject({ account_id: 'acme-eu', marketplace_id: DE, state: 'confirmed', amazon_order_id: orderId });

      const again = await confirm(h);
      expect(again).toMatchObject({ ordersShipped: 0, confirmed: 0 });
      await importAll(h);
      expect(await confirm(h)).toMatchObject({ confirmed: 0 });
      expect(h.sim.state.shipments).toHaveLength(1);
      expect(h.sim.state.calls['orders.confirmShipment']).toBe(1);
      expect((await h.sync.status()).shipments.packages).toMatchObject({ confirmed: 1, pending: 0 });
    }));

  test('several packages per order, each with its lines; an unknown carrier goes as Other with its name', () =>
    withHarness({}, async (h) => {
      const seeded = h.sim.seed.order(twoLines());
      const [mug, cup] = seeded.orderItems.map((i) => i.orderItemId);
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(seeded.orderId)!, {
        status: 'shipped',
        packages: [dhl('a', 'TRACK-A', [{ externalLineId: mug!, quantity: 2 }]), { packageId: 'b', carrier: 'Kurier Müller', trackingNumber: 'KM-1', shippingMethod: null, lines: [{ externalLineId: cup!, quantity: 1 }] }],
      });
      expect(await confirm(h)).toMatchObject({ confirmed: 2 });
      expect(h.sim.state.shipments.map((s) => [s.carrierCode, s.carrierName ?? null, s.items])).toEqual([
        ['DHL', null, [{ orderItemId: mug, quantity: 2 }]],
        ['Other', 'Kurier Müller', [{ orderItemId: cup, quantity: 1 }]],
      ]);
      const ids = h.sim.state.shipments.map((s) => Number(s.packageReferenceId));
      expect(new Set(ids).size).toBe(2);
      expect(h.sim.state.order(seeded.orderId)!.packages).toHaveLength(2);
    }));

  test('a run that crashed after Amazon answered re-sends the same packageReferenceId: an edit, still one package', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      await confirm(h);
      // what the database holds when the process died right after Amazon's 204
      await h.knex(h.tables.shipmentPackages).update({ state: 'sending', claimed_by: 'dead#1', lease_until: Date.now() - 1, confirmed_at: null });
      await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ shipment_state: 'open' });
      const resumed = await confirm(h);
      expect(resumed).toMatchObject({ confirmed: 1, packagesRecorded: 0, rejected: 0 });
      const shipments = h.sim.state.shipments;
      expect(shipments).toHaveLength(2);
      expect(shipments[1]).toMatchObject({ packageReferenceId: shipments[0]!.packageReferenceId, edited: true });
      expect(h.sim.state.order(orderId)!.packages).toHaveLength(1);
      await confirm(h);
      expect(h.sim.state.shipments).toHaveLength(2);
    }));

  test('a batch that outlasts one lease keeps its claim: a second confirmer meanwhile sends nothing twice', () =>
    withHarness({}, async (h) => {
      await seedAndShip(h, 4);
      const real = gatewayFor(h);
      const clock = manualClock();
      const hold = holdPoint();
      // the first confirmation hangs (a throttled Amazon) while the lease runs out on the clock
      const slow: AmazonGateway = { ...real, confirmShipment: async (orderId, request) => (await hold.pass(), real.confirmShipment(orderId, request)) };
      const first = confirmerWith(h, slow, { leaseMs: 90 }, clock.now).confirmShipments();
      await hold.reached;
      clock.advance(1000);
      await waitFor('every package held is renewed past the new time', async () =>
        (await h.knex(h.tables.shipmentPackages).select('state', 'lease_until')).every((row) => row.state === 'sending' && Number(row.lease_until) > clock.now()),
      );
      const second = await confirmerWith(h, real, { leaseMs: 90 }, clock.now).confirmShipments();
      expect(second).toMatchObject({ confirmed: 0 });
      hold.release();
      expect(await first).toMatchObject({ confirmed: 4 });
      expect(h.sim.state.calls['orders.confirmShipment']).toBe(4);
      expect(h.sim.state.shipments.every((shipment) => !shipment.edited)).toBe(true);
    }));

  test('a package whose sending stopped the process maxAttempts times is left for a person, not sent again', () =>
    withHarness({ shipments: { maxAttempts: 2 } }, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      await h.knex(h.tables.shipmentPackages).insert({
        account_id: 'acme-eu', marketplace_id: DE, amazon_order_id: orderId, shop_order_ref: refs.get(orderId)!, package_id: 'pk-1', carrier_code: 'DHL', carrier_name: null,
        shipping_method: null, tracking_number: 'TRACK-1', ship_date: Date.now(), items: '[]', state: 'sending', mode: 'per-package', claimed_by: 'dead#9', lease_until: Date.now() - 1,
        attempts: 2, next_attempt_at: null, created_at: Date.now(), updated_at: Date.now(),
      });
      const summary = await confirm(h);
      expect(summary.problems).toEqual([expect.objectContaining({ amazonOrderId: orderId, state: 'failed', code: 'SHIPMENT_ABANDONED', willRetry: false })]);
      expect(h.sim.state.calls['orders.confirmShipment']).toBeUndefined();
      expect(await h.knex(h.tables.shipmentPackages).first()).toMatchObject({ state: 'failed', claimed_by: null, last_error_code: 'SHIPMENT_ABANDONED' });
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ shipment_state: 'closed' });
      expect(await confirm(h)).toMatchObject({ confirmed: 0, failed: 0, problems: [] });
    }));

  test('a 400 for a cancelled order is recorded as rejected and not retried', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      // Amazon cancels; the shop ships before sellersync hears of it
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      const summary = await confirm(h);
      expect(summary).toMatchObject({ confirmed: 0, rejected: 1 });
      expect(summary.problems).toEqual([
        expect.objectContaining({ amazonOrderId: orderId, packageId: 'pk-1', state: 'rejected', code: 'InvalidInput', willRetry: false, message: expect.stringMatching(/CANCELLED/) }),
      ]);
      expect(h.sim.state.calls['orders.confirmShipment']).toBe(1);
      expect(await confirm(h)).toMatchObject({ confirmed: 0, rejected: 0, failed: 0 });
      expect(h.sim.state.calls['orders.confirmShipment']).toBe(1);
      const row = await h.knex(h.tables.shipmentPackages).first();
      expect(row).toMatchObject({ state: 'rejected', last_error_code: 'InvalidInput', next_attempt_at: null });
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ shipment_state: 'closed' });
    }));

  test('5xx failures are retried with backoff, then confirmed; a package that keeps failing stops after maxAttempts', () =>
    withHarness({ shipments: { maxAttempts: 2 }, simulator: { randomSeed: 3 } }, async (h) => {
      const a = h.sim.seed.order(twoLines()).orderId;
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(a)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      h.sim.setFaults({ operations: { 'orders.confirmShipment': { serverErrorRate: 1 } } });
      const failing = await confirm(h);
      expect(failing).toMatchObject({ confirmed: 0, failed: 1 });
      expect(failing.problems[0]).toMatchObject({ state: 'failed', willRetry: true });
      h.sim.setFaults({ operations: { 'orders.confirmShipment': { serverErrorRate: 0 } } });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await confirm(h)).toMatchObject({ confirmed: 1 });

      const b = h.sim.seed.order(twoLines()).orderId;
      const refs2 = await importAll(h);
      h.shop.shipOrder(refs2.get(b)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-2')] });
      h.sim.setFaults({ operations: { 'orders.confirmShipment': { serverErrorRate: 1 } } });
      expect((await confirm(h)).problems[0]).toMatchObject({ amazonOrderId: b, willRetry: true });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect((await confirm(h)).problems[0]).toMatchObject({ amazonOrderId: b, willRetry: false });
      const calls = h.sim.state.calls['orders.confirmShipment'];
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await confirm(h)).toMatchObject({ failed: 0, confirmed: 0 });
      expect(h.sim.state.calls['orders.confirmShipment']).toBe(calls);
    }));

  test('an order Amazon already shows shipped (confirmed elsewhere) is closed without a confirmation', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      h.sim.seed.setOrderStatus(orderId, 'SHIPPED');
      await importAll(h);
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      expect(await confirm(h)).toMatchObject({ confirmed: 0, ordersShipped: 0 });
      expect(h.sim.state.calls['orders.confirmShipment']).toBeUndefined();
    }));
});

describe('shipment confirmation: workers partitioned by marketplace', () => {
  test.each(['per-package', 'bulk-feed'] as const)('each worker asks the shop about and confirms its own marketplace’s orders only (%s)', (mode) =>
    withHarness({ marketplaceIds: [DE, FR], shipments: { mode, waitForFeeds: true } }, async (h) => {
      const deOrder = h.sim.seed.order(twoLines()).orderId;
      const frOrder = h.sim.seed.order(twoLines({ marketplaceId: FR })).orderId;
      const refs = await importAll(h);
      for (const [index, orderId] of [deOrder, frOrder].entries()) h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', `TRACK-${index}`)] });
      const asked: string[][] = [];
      const listShipments = h.shop.listShipments!;
      const shop = { ...h.shop, listShipments: (query: Parameters<typeof listShipments>[0]) => (asked.push([...query.orderRefs]), listShipments(query)) };
      const worker = (marketplaceId: string) => h.newSync({ workerId: `worker-${marketplaceId}`, shop, partition: { marketplaceIds: [marketplaceId] } });
      expect(await confirm(h, worker(FR))).toMatchObject({ ordersShipped: 1, packagesRecorded: 1, confirmed: 1 });
      expect(asked).toEqual([[refs.get(frOrder)]]);
      expect(h.sim.state.shipments.map((shipment) => shipment.orderId)).toEqual([frOrder]);
      expect(await confirm(h, worker(DE))).toMatchObject({ ordersShipped: 1, packagesRecorded: 1, confirmed: 1 });
      expect(asked.at(-1)).toEqual([refs.get(deOrder)]);
      expect(h.sim.state.shipments.map((shipment) => shipment.orderId).sort()).toEqual([deOrder, frOrder].sort());
      if (mode === 'bulk-feed') expect(h.sim.state.feeds.filter((f) => f.feedType === 'POST_ORDER_FULFILLMENT_DATA').map((f) => f.marketplaceIds)).toEqual([[FR], [DE]]);
      for (const marketplaceId of [DE, FR]) expect(await confirm(h, worker(marketplaceId))).toMatchObject({ ordersShipped: 0, confirmed: 0 });
    }),
  );

  test('an order of a marketplace the account dropped, which no partition owns, is still confirmed by a partitioned worker', () =>
    withHarness({ marketplaceIds: [DE, FR] }, async (h) => {
      const frOrder = h.sim.seed.order(twoLines({ marketplaceId: FR })).orderId;
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(frOrder)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-FR')] });
      // the account stops selling on FR: the remaining worker names DE only, and owns DE
      const de = h.newSync({ workerId: 'worker-de', amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: h.sim.url }, partition: { marketplaceIds: [DE] } });
      expect(await confirm(h, de)).toMatchObject({ ordersShipped: 1, packagesRecorded: 1, confirmed: 1 });
      expect(h.sim.state.shipments.map((shipment) => [shipment.orderId, shipment.trackingNumber])).toEqual([[frOrder, 'TRACK-FR']]);
      expect(await confirm(h, de)).toMatchObject({ ordersShipped: 0, confirmed: 0 });
    }));
});

describe('shipment confirmation: run errors', () => {
  test('a stage the database stops is reported as DATABASE_ERROR; only the shop’s own failure is SHOP_ADAPTER_FAILED', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      // a confirmer whose tables are missing (migrate never ran for this prefix): every stage fails in the database
      const lost = createShipmentConfirmer({ db: h.knex, shop: h.shop, gateway: gatewayFor(h), accountId: 'acme-eu', tablePrefix: 'nothing_here_' });
      const broken = await lost.confirmShipments();
      expect(broken.errors.map((e) => [e.stage, e.code])).toEqual([
        ['feeds', 'DATABASE_ERROR'],
        ['discover', 'DATABASE_ERROR'],
        ['send', 'DATABASE_ERROR'],
        ['settle', 'DATABASE_ERROR'],
      ]);
      const refusing = createShipmentConfirmer({
        db: h.knex,
        shop: { ...h.shop, listShipments: async () => { throw new Error('shop API timed out'); } },
        gateway: gatewayFor(h),
        accountId: 'acme-eu',
        tablePrefix: h.tablePrefix,
      });
      expect((await refusing.confirmShipments()).errors).toEqual([{ stage: 'discover', feedId: null, code: 'SHOP_ADAPTER_FAILED', message: 'Shipment confirmation (discover) stopped: shop API timed out' }]);
      expect(await confirm(h)).toMatchObject({ confirmed: 1, errors: [] });
    }));
});

describe('shipment confirmation: orders shipped in parts', () => {
  test('a package the shop adds days later (a backordered item) is confirmed too; the order is done once its packages carry it all', () =>
    withHarness({}, async (h) => {
      const seeded = h.sim.seed.order(twoLines());
      const [mug, cup] = seeded.orderItems.map((item) => item.orderItemId);
      const ref = (await importAll(h)).get(seeded.orderId)!;
      const first = dhl('a', 'TRACK-A', [{ externalLineId: mug!, quantity: 2 }]);
      h.shop.shipOrder(ref, { status: 'shipped', packages: [first] });
      expect(await confirm(h)).toMatchObject({ confirmed: 1 });
      const state = async () => (await h.knex(h.tables.orders).where({ amazon_order_id: seeded.orderId }).first()).shipment_state;
      // the cup is still to come: the order stays open, and the shop is asked about it again
      expect(await state()).toBe('open');
      expect(await confirm(h)).toMatchObject({ ordersShipped: 1, confirmed: 0, packagesRecorded: 0 });
      // Amazon shows it partly shipped; a day later the shop ships the cup in a second package
      await importAll(h);
      expect(h.sim.state.order(seeded.orderId)!.fulfillment?.fulfillmentStatus).toBe('PARTIALLY_SHIPPED');
      h.shop.shipOrder(ref, { status: 'shipped', packages: [first, dhl('b', 'TRACK-B', [{ externalLineId: cup!, quantity: 1 }])] });
      expect(await confirm(h)).toMatchObject({ confirmed: 1, packagesRecorded: 1 });
      expect(h.sim.state.shipments.map((s) => s.trackingNumber)).toEqual(['TRACK-A', 'TRACK-B']);
      expect(await state()).toBe('confirmed');
      expect(await confirm(h)).toMatchObject({ ordersShipped: 0, confirmed: 0 });
    }));

  test('an order shipped in part whose rest never ships is done 30 days after its last confirmed package', () =>
    withHarness({}, async (h) => {
      const seeded = h.sim.seed.order(twoLines());
      const [mug] = seeded.orderItems.map((item) => item.orderItemId);
      const ref = (await importAll(h)).get(seeded.orderId)!;
      h.shop.shipOrder(ref, { status: 'shipped', packages: [dhl('a', 'TRACK-A', [{ externalLineId: mug!, quantity: 2 }])] });
      let now = Date.now();
      const confirmer = confirmerWith(h, gatewayFor(h), {}, () => now);
      expect(await confirmer.confirmShipments()).toMatchObject({ confirmed: 1 });
      now += 29 * 24 * 60 * 60_000;
      expect(await confirmer.confirmShipments()).toMatchObject({ ordersShipped: 1, confirmed: 0 });
      now += 2 * 24 * 60 * 60_000;
      expect(await confirmer.confirmShipments()).toMatchObject({ ordersShipped: 1, confirmed: 0 });
      // done: the shop is no longer asked about it
      expect(await confirmer.confirmShipments()).toMatchObject({ ordersShipped: 0 });
      expect((await h.knex(h.tables.orders).where({ amazon_order_id: seeded.orderId }).first()).shipment_state).toBe('confirmed');
    }));
});

describe('shipment confirmation in bulk: one POST_ORDER_FULFILLMENT_DATA feed', () => {
  test('one XSD-valid feed per run; its processing report confirms or rejects each package', () =>
    withHarness({ shipments: { mode: 'bulk-feed', waitForFeeds: true } }, async (h) => {
      const orders = [h.sim.seed.order(twoLines()), h.sim.seed.order(twoLines()), h.sim.seed.order(twoLines())].map((o) => o.orderId);
      const refs = await importAll(h);
      h.sim.seed.setOrderStatus(orders[2]!, 'CANCELLED');
      orders.forEach((orderId, index) => h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', `TRACK-${index}`)] }));
      const summary = await confirm(h);
      expect(summary).toMatchObject({ mode: 'bulk-feed', feedsSubmitted: 1, confirmed: 2, rejected: 1 });
      expect(summary.problems).toEqual([expect.objectContaining({ amazonOrderId: orders[2], state: 'rejected', willRetry: false })]);
      const feeds = h.sim.state.feeds.filter((feed) => feed.feedType === 'POST_ORDER_FULFILLMENT_DATA');
      expect(feeds).toHaveLength(1);
      const errors = await validateOrderFeedXml(feeds[0]!.input!.content);
      if (errors !== null) expect(errors).toEqual([]);
      expect(h.sim.state.shipments.map((s) => [s.orderId, s.source])).toEqual([
        [orders[0], 'POST_ORDER_FULFILLMENT_DATA'],
        [orders[1], 'POST_ORDER_FULFILLMENT_DATA'],
      ]);
      expect(await confirm(h)).toMatchObject({ feedsSubmitted: 0, confirmed: 0 });
      expect(h.sim.state.feeds.filter((feed) => feed.feedType === 'POST_ORDER_FULFILLMENT_DATA')).toHaveLength(1);
    }));

  test('a report’s verdicts are written in message order, so a run stopped part-way finds the same message count when it reads the feed again', () =>
    withHarness({ shipments: { mode: 'bulk-feed', waitForFeeds: true } }, async (h) => {
      const orders = [h.sim.seed.order(twoLines()), h.sim.seed.order(twoLines()), h.sim.seed.order(twoLines())].map((o) => o.orderId);
      const refs = await importAll(h);
      // the last message is refused, the first two applied
      h.sim.seed.setOrderStatus(orders[2]!, 'CANCELLED');
      orders.forEach((orderId, index) => h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', `TRACK-${index}`)] }));
      const writes: string[] = [];
      const listen = (query: { sql: string; bindings?: readonly unknown[] }) => {
        if (!/^update/i.test(query.sql) || !query.sql.includes(h.tables.shipmentPackages)) return;
        const state = query.bindings?.find((value) => value === 'confirmed' || value === 'rejected');
        if (typeof state === 'string') writes.push(state);
      };
      h.knex.on('query', listen);
      try {
        expect(await confirm(h)).toMatchObject({ feedsSubmitted: 1, confirmed: 2, rejected: 1 });
      } finally {
        h.knex.off('query', listen);
      }
      // message 3 is written last: stopped after the first write, message 3 is still submitted and
      // the count read back is 3, so the refusal of 3 is not taken for a document-level failure of 1 and 2
      expect(writes).toEqual(['confirmed', 'rejected']);
    }));

  test('a report that processed nothing (5001, MessageID 0) confirms nothing: every package is sent again with Amazon’s message', () =>
    withHarness({ shipments: { mode: 'bulk-feed', waitForFeeds: true } }, async (h) => {
      const orders = await seedAndShip(h, 3);
      // the document arrives damaged: Amazon (the simulator) cannot parse it and answers with one 5001 result, MessageID 0
      const real = gatewayFor(h);
      const damaging: AmazonGateway = { ...real, submitFeed: (input) => real.submitFeed({ ...input, content: `garbage${String(input.content)}` }) };
      const broken = await confirmerWith(h, damaging, { mode: 'bulk-feed', waitForFeeds: true }).confirmShipments();
      expect(broken).toMatchObject({ feedsSubmitted: 1, confirmed: 0, rejected: 0, failed: 3 });
      expect(broken.problems).toHaveLength(3);
      expect(broken.problems[0]).toMatchObject({ state: 'failed', code: 'AMAZON_5001', willRetry: true });
      expect(broken.problems[0]!.message).toMatch(/did not process feed \d+ as a whole \(0 of 3 messages, status Complete\): \[5001\] XML Parsing Fatal Error.*prolog/);
      expect(h.sim.state.shipments).toEqual([]);
      const rows = await h.knex(h.tables.shipmentPackages).select('state', 'feed_id', 'last_error_code');
      expect(rows).toEqual(Array.from({ length: 3 }, () => ({ state: 'failed', feed_id: null, last_error_code: 'AMAZON_5001' })));
      expect((await h.knex(h.tables.orders).select('shipment_state')).map((r) => r.shipment_state)).toEqual(['open', 'open', 'open']);
      // sent again, undamaged: confirmed
      await sleep(5);
      expect(await confirm(h)).toMatchObject({ feedsSubmitted: 1, confirmed: 3, failed: 0 });
      expect(h.sim.state.shipments.map((s) => s.orderId).sort()).toEqual([...orders].sort());
    }));

  test('an unreadable feed result is recorded and checked again; the run goes on and other shipments are confirmed', () =>
    withHarness({ shipments: { mode: 'bulk-feed' } }, async (h) => {
      const first = h.sim.seed.order(twoLines()).orderId;
      let refs = await importAll(h);
      h.shop.shipOrder(refs.get(first)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      const real = gatewayFor(h);
      let unreadable = true;
      const gateway: AmazonGateway = { ...real, getFeedResult: async (feed) => (unreadable ? '<html>503 Service Unavailable</html>' : real.getFeedResult(feed)) };
      const bulk = confirmerWith(h, gateway, { mode: 'bulk-feed' });
      expect(await bulk.confirmShipments()).toMatchObject({ feedsSubmitted: 1, errors: [] });
      await sleep(300);
      const late = h.sim.seed.order(twoLines()).orderId;
      refs = await importAll(h);
      h.shop.shipOrder(refs.get(late)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-2')] });
      const blocked = await bulk.confirmShipments();
      // the first feed's result is recorded as a problem of the run; the new shipment still goes out
      expect(blocked).toMatchObject({ confirmed: 0, feedsSubmitted: 1, packagesRecorded: 1 });
      expect(blocked.errors).toEqual([
        { stage: 'feeds', feedId: expect.any(String), code: 'AMAZON_CALL_FAILED', message: expect.stringMatching(/holds no ProcessingReport.*checked again by the next run/) },
      ]);
      // a per-package confirmer of the same account is not held up either
      const third = h.sim.seed.order(twoLines()).orderId;
      refs = await importAll(h);
      h.shop.shipOrder(refs.get(third)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-3')] });
      const perPackage = await confirmerWith(h, gateway).confirmShipments();
      expect(perPackage).toMatchObject({ confirmed: 1 });
      expect(perPackage.errors).toHaveLength(2);
      unreadable = false;
      await sleep(300);
      expect(await bulk.confirmShipments()).toMatchObject({ confirmed: 2, errors: [] });
      expect(h.sim.state.shipments.map((s) => s.orderId).sort()).toEqual([first, late, third].sort());
    }));

  test('a feed stuck past feedTimeoutMs gives its packages back; they are sent again under the same references', () =>
    withHarness({ shipments: { mode: 'bulk-feed', feedTimeoutMs: 150 } }, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      h.sim.setFaults({ stuckFeedRate: 1 });
      expect(await confirm(h)).toMatchObject({ feedsSubmitted: 1 });
      await sleep(20);
      // not overdue yet: left alone
      expect(await confirm(h)).toMatchObject({ feedsSubmitted: 0, failed: 0, packages: { submitted: 1 } });
      await sleep(160);
      h.sim.setFaults({ stuckFeedRate: 0 });
      const given = await confirm(h);
      expect(given.problems).toEqual([expect.objectContaining({ amazonOrderId: orderId, state: 'failed', code: 'FEED_STUCK', willRetry: true, message: expect.stringMatching(/still IN_(QUEUE|PROGRESS) .* sent again/) })]);
      // due at once: the same run sends them in a new feed
      expect(given).toMatchObject({ feedsSubmitted: 1, packages: { submitted: 1 } });
      await sleep(300);
      expect(await confirm(h)).toMatchObject({ confirmed: 1 });
      const feeds = h.sim.state.feeds.filter((feed) => feed.feedType === 'POST_ORDER_FULFILLMENT_DATA');
      expect(feeds).toHaveLength(2);
      const row = await h.knex(h.tables.shipmentPackages).first();
      expect(feeds.every((feed) => String(feed.input!.content).includes(`<MerchantFulfillmentID>${row.id}</MerchantFulfillmentID>`))).toBe(true);
      expect(h.sim.state.order(orderId)!.packages).toHaveLength(1);
    }));

  test('a submitFeed that Amazon refuses (400) fails the feed, not the packages: they are retried, not rejected', () =>
    withHarness({ shipments: { mode: 'bulk-feed', waitForFeeds: true } }, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      const refused = await confirmerWith(h, refusingFeeds(h), { mode: 'bulk-feed' }).confirmShipments();
      expect(refused).toMatchObject({ rejected: 0, failed: 1, feedsSubmitted: 0 });
      expect(refused.problems).toEqual([expect.objectContaining({ state: 'failed', code: 'InvalidInput', willRetry: true })]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ shipment_state: 'open' });
      await sleep(5);
      expect(await confirm(h)).toMatchObject({ feedsSubmitted: 1, confirmed: 1 });
      expect(h.sim.state.shipments.map((s) => s.orderId)).toEqual([orderId]);
    }));

  test('a crash after submitFeed, before the packages were marked, sends them again under the same references: one package at Amazon', () =>
    withHarness({ shipments: { mode: 'bulk-feed', waitForFeeds: true } }, async (h) => {
      const orders = await seedAndShip(h, 2);
      const real = gatewayFor(h);
      let die = (_error: Error) => {};
      // the feed reaches Amazon, then the process stops before anything is written
      const dying: AmazonGateway = {
        ...real,
        submitFeed: async (input) => {
          await real.submitFeed(input);
          return new Promise<never>((_resolve, reject) => (die = reject));
        },
      };
      const dead = confirmerWith(h, dying, { mode: 'bulk-feed' }).confirmShipments();
      await sleep(400);
      expect((await h.knex(h.tables.shipmentPackages).select('state')).map((r) => r.state)).toEqual(['sending', 'sending']);
      // what the database holds once that process is gone and its lease ran out
      await h.knex(h.tables.shipmentPackages).update({ claimed_by: 'dead#1', lease_until: Date.now() - 1 });
      const resumed = await confirm(h);
      expect(resumed).toMatchObject({ feedsSubmitted: 1, confirmed: 2, rejected: 0 });
      const feeds = h.sim.state.feeds.filter((feed) => feed.feedType === 'POST_ORDER_FULFILLMENT_DATA');
      expect(feeds).toHaveLength(2);
      // Amazon applied the first feed too: the second is an edit of the same packages
      expect(h.sim.state.shipments.map((s) => [s.orderId, s.edited])).toEqual([
        [orders[0], false],
        [orders[1], false],
        [orders[0], true],
        [orders[1], true],
      ]);
      for (const orderId of orders) expect(h.sim.state.order(orderId)!.packages).toHaveLength(1);
      // the stopped run, were it to wake up, holds nothing any more
      die(new Error('process gone'));
      await dead;
      expect((await h.knex(h.tables.shipmentPackages).select('state')).map((r) => r.state)).toEqual(['confirmed', 'confirmed']);
    }));

  test('a failure shared by the packages of a feed is written in one statement, not one per package', () =>
    withHarness({ shipments: { mode: 'bulk-feed', waitForFeeds: true } }, async (h) => {
      await seedAndShip(h, 6);
      const real = gatewayFor(h);
      const refused = countUpdatesWriting(h.knex, 'InvalidInput');
      expect(await confirmerWith(h, refusingFeeds(h), { mode: 'bulk-feed' }).confirmShipments()).toMatchObject({ failed: 6 });
      refused.stop();
      expect(refused.count()).toBe(1);
      await sleep(5);
      // a document Amazon cannot parse: the report names no package (5001)
      const damaging: AmazonGateway = { ...real, submitFeed: (input) => real.submitFeed({ ...input, content: `garbage${String(input.content)}` }) };
      const unparsed = countUpdatesWriting(h.knex, 'AMAZON_5001');
      expect(await confirmerWith(h, damaging, { mode: 'bulk-feed', waitForFeeds: true }).confirmShipments()).toMatchObject({ failed: 6 });
      unparsed.stop();
      expect(unparsed.count()).toBe(1);
      await sleep(5);
      h.sim.setFaults({ fatalFeedRate: 1 });
      const fatal = countUpdatesWriting(h.knex, 'FEED_FATAL');
      expect(await confirm(h)).toMatchObject({ failed: 6 });
      fatal.stop();
      expect(fatal.count()).toBe(1);
      h.sim.setFaults({ fatalFeedRate: 0 });
      await sleep(5);
      expect(await confirm(h)).toMatchObject({ confirmed: 6, failed: 0 });
    }));

  test('without waiting, the feed is read by the next run', () =>
    withHarness({ shipments: { mode: 'bulk-feed' } }, async (h) => {
      const { orderId } = h.sim.seed.order(twoLines());
      const refs = await importAll(h);
      h.shop.shipOrder(refs.get(orderId)!, { status: 'shipped', packages: [dhl('pk-1', 'TRACK-1')] });
      expect(await confirm(h)).toMatchObject({ feedsSubmitted: 1, confirmed: 0 });
      expect((await h.sync.status()).shipments.packages.submitted).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await confirm(h)).toMatchObject({ feedsSubmitted: 0, confirmed: 1 });
    }));
});

describeEachEngine('shipment confirmation exactly once', (engine) => {
  test('two confirmers racing, repeated runs: each package is confirmed once', async () => {
    const h = await startOrdersHarness({ database: engine, products: PRODUCTS, poolSize: 6 });
    try {
      const ids = await seedAndShip(h, 6);
      const [a, b] = await Promise.all([confirm(h, h.newSync({ workerId: 'a' })), confirm(h, h.newSync({ workerId: 'b' }))]);
      expect(a.confirmed + b.confirmed).toBe(6);
      await confirm(h);
      expect(h.sim.state.shipments).toHaveLength(6);
      expect(new Set(h.sim.state.shipments.map((s) => s.orderId)).size).toBe(6);
      const rows = await h.knex(h.tables.shipmentPackages).select('state', 'account_id', 'marketplace_id');
      expect(rows).toHaveLength(6);
      expect(rows.every((r) => r.state === 'confirmed' && r.account_id === 'acme-eu' && r.marketplace_id === DE)).toBe(true);
    } finally {
      await h.close();
    }
  });

  test('two bulk confirmers racing: each package in one feed, confirmed once by its report', async () => {
    const h = await startOrdersHarness({ database: engine, products: PRODUCTS, poolSize: 6, shipments: { mode: 'bulk-feed', waitForFeeds: true } });
    try {
      const ids = await seedAndShip(h, 6);
      const [a, b] = await Promise.all([confirm(h, h.newSync({ workerId: 'a' })), confirm(h, h.newSync({ workerId: 'b' }))]);
      expect(a.confirmed + b.confirmed).toBe(6);
      expect(h.sim.state.shipments.map((s) => s.orderId).sort()).toEqual([...ids].sort());
      const rows = await h.knex(h.tables.shipmentPackages).select('state', 'feed_id', 'feed_message_id');
      expect(rows.every((r) => r.state === 'confirmed')).toBe(true);
      // message ids 1..n within each feed
      const byFeed = new Map<string, number[]>();
      for (const row of rows) byFeed.set(String(row.feed_id), [...(byFeed.get(String(row.feed_id)) ?? []), Number(row.feed_message_id)]);
      for (const messageIds of byFeed.values()) expect(messageIds.sort((x, y) => x - y)).toEqual(Array.from({ length: messageIds.length }, (_, i) => i + 1));
    } finally {
      await h.close();
    }
  });
});
