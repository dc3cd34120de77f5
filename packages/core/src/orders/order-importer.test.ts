import { describe, expect, test } from '@jest/globals';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, type SeedOrderInput } from '@sellersync/sp-api-simulator';
import { AmazonCallError, createAmazonGateway, type AmazonGateway, type AmazonOrder } from '../amazon-gateway';
import { enqueueChange } from '../change-log';
import type { ShopAdapter } from '../shop-adapter';
import { createOrderImporter } from './order-importer';
import { validateOrderFeedXml } from '../test-support/order-feed-xsd';
import { DE, FR, TIME_SCALE, abandonedOrderRow, countUpdatesWriting, holdPoint, manualClock, sleep, startOrdersHarness, waitFor, type OrdersHarness, type OrdersHarnessOptions } from '../test-support/orders-harness';

// Order import through the real amazon-sp-api client and core's gateway, against the simulator,
// into the memory shop, on SQLite. The engine-independent exactly-once checks are repeated on
// PostgreSQL and MariaDB in order-import-idempotency.test.ts.

const PRODUCTS = [
  { sku: 'MUG-1', quantity: 10, title: 'Enamel mug' },
  { sku: 'CUP-2', quantity: 5, title: 'Espresso cup' },
];

const mugAndCup = (status: SeedOrderInput['status'], extra: Partial<SeedOrderInput> = {}): SeedOrderInput => ({
  marketplaceId: DE,
  status,
  items: [
    { sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99', itemTax: '3.80', shipping: '4.90', shippingTax: '0.93', promotionDiscount: '1.00' },
    { sellerSku: 'CUP-2', quantity: 1, unitPrice: '7.00', itemTax: '1.33' },
  ],
  ...extra,
});

async function withHarness(options: OrdersHarnessOptions, body: (h: OrdersHarness) => Promise<void>): Promise<void> {
  const h = await startOrdersHarness({ products: PRODUCTS, ...options });
  try {
    await body(h);
    expect(h.sim.state.errors).toEqual([]);
  } finally {
    await h.close();
  }
}

async function importNow(h: OrdersHarness, sync = h.sync) {
  await h.settle();
  const summary = await sync.importOrders();
  if (summary === null) throw new Error('order import is off');
  return summary;
}

function gatewayFor(h: OrdersHarness): AmazonGateway {
  return createAmazonGateway({
    amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: h.sim.url },
    timeScale: TIME_SCALE,
  });
}

/** A gateway whose submitFeed fails as an Amazon that stays unavailable past the gateway's retries. */
function feedsDown(h: OrdersHarness, onSubmit: () => void = () => {}): AmazonGateway {
  return {
    ...gatewayFor(h),
    submitFeed: async () => {
      onSubmit();
      throw new AmazonCallError({ code: 'AMAZON_UNAVAILABLE', message: 'createFeedDocument: 503 after 7 attempts', operation: 'feeds.createFeedDocument', status: 503, amazonCode: null, isRetryable: true });
    },
  };
}

describe('order import: status and stock', () => {
  test('Pending → Unshipped → Shipped: stock reserved, then sold, one shop order following the status', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('PENDING'));
      const first = await importNow(h);
      expect(first).toMatchObject({ status: 'finished', imported: 1, failed: 0, warnings: [] });
      expect(h.shop.listOrders()).toHaveLength(1);
      const [order] = h.shop.listOrders();
      expect(order).toMatchObject({ externalId: orderId, status: 'pending' });
      // Amazon.de: VAT inside the prices, 39.98 + 4.90 + 7.00 − 1.00
      expect(order!.draft.total).toEqual({ amount: 5088, currency: 'EUR' });
      expect(order!.draft.payment.status).toBe('pending');
      // reserved: the sellable quantity is down at once
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      expect(h.shop.listReservations().get(`amazon:acme-eu:${orderId}`)?.state).toBe('reserved');

      h.sim.seed.setOrderStatus(orderId, 'UNSHIPPED');
      const second = await importNow(h);
      expect(second).toMatchObject({ imported: 0, updated: 1 });
      expect(h.shop.listOrders()).toHaveLength(1);
      expect(h.shop.getOrder(order!.orderRef)?.status).toBe('processing');
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      expect(h.shop.listReservations().get(`amazon:acme-eu:${orderId}`)?.state).toBe('committed');

      h.sim.seed.setOrderStatus(orderId, 'SHIPPED');
      await importNow(h);
      expect(h.shop.getOrder(order!.orderRef)?.statusHistory).toEqual(['pending', 'processing', 'shipped']);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      expect(h.shop.listOrders()).toHaveLength(1);
    }));

  test('Pending → Canceled gives the reservation back; the cancellation is final', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('PENDING'));
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      const summary = await importNow(h);
      expect(summary.updated).toBe(1);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
      expect(h.shop.listOrders()[0]!.status).toBe('cancelled');
      expect(h.shop.listReservations().get(`amazon:acme-eu:${orderId}`)?.state).toBe('released');
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
    }));

  test('an imported, committed order that is cancelled gives its stock back', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      expect(h.shop.listReservations().get(`amazon:acme-eu:${orderId}`)?.state).toBe('committed');
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
    }));

  test('a shop without reservations: adjustStock with movement ids takes and restores stock exactly once', () =>
    withHarness({ shopCapabilities: { stockReservations: false } }, async (h) => {
      const pending = h.sim.seed.order(mugAndCup('PENDING'));
      const unshipped = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([6, 3]);
      h.sim.seed.setOrderStatus(pending.orderId, 'UNSHIPPED');
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([6, 3]);
      h.sim.seed.setOrderStatus(pending.orderId, 'CANCELLED');
      h.sim.seed.setOrderStatus(unshipped.orderId, 'CANCELLED');
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
      const rows = await h.knex(h.tables.orders).select('amazon_order_id', 'stock_state');
      expect(rows.map((r) => r.stock_state).sort()).toEqual(['restored', 'restored']);
    }));

  test('an FBA order gets its own status and leaves stock alone; its unmatched item goes on the hidden placeholder as {FBA}', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order({
        marketplaceId: DE,
        fulfilledBy: 'AMAZON',
        status: 'SHIPPED',
        items: [
          { sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' },
          { sellerSku: 'FBA-ONLY-9', title: 'Travel kettle', quantity: 2, unitPrice: '30.00' },
        ],
      });
      const summary = await importNow(h);
      expect(summary).toMatchObject({ imported: 1, failed: 0 });
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
      const [order] = h.shop.listOrders();
      expect(order).toMatchObject({ externalId: orderId, status: 'fba-shipped', draft: { fulfilledBy: 'amazon' } });
      const placeholder = h.shop.listProducts().find((p) => p.hidden);
      expect(placeholder).toMatchObject({ title: 'Amazon FBA item', active: false });
      expect(order!.draft.lines[1]).toMatchObject({ productRef: placeholder!.productRef, name: '{FBA} Travel kettle', placeholder: true, quantity: 2 });
      expect(order!.draft.customer.email).toBe(`${orderId}@amazon-order.invalid`);
      // FBA orders are never confirmed by the seller
      const row = await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first();
      expect(row).toMatchObject({ fulfilled_by: 'amazon', stock_state: 'none', shipment_state: null });
    }));

  test('an FBA order gets no shop carrier though carrierMap maps its ship service level; an MFN order of that level does', () =>
    withHarness({ orders: { carrierMap: { STANDARD: 'DHL Paket' }, defaultCarrier: 'Post' } }, async (h) => {
      const fba = h.sim.seed.order({ marketplaceId: DE, fulfilledBy: 'AMAZON', status: 'SHIPPED', fulfillmentServiceLevel: 'STANDARD', items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] });
      const mfn = h.sim.seed.order({ marketplaceId: DE, status: 'UNSHIPPED', fulfillmentServiceLevel: 'STANDARD', items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] });
      expect(await importNow(h)).toMatchObject({ imported: 2, failed: 0 });
      const carrierOf = (orderId: string) => h.shop.listOrders().find((o) => o.externalId === orderId)!.draft.shipping.carrier;
      expect(carrierOf(fba.orderId)).toBeNull();
      expect(carrierOf(mfn.orderId)).toBe('DHL Paket');
    }));

  test('importFba off: FBA orders are skipped with the reason', () =>
    withHarness({ orders: { importFba: false } }, async (h) => {
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, fulfilledBy: 'AMAZON', items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] });
      const summary = await importNow(h);
      expect(summary.skippedOrders).toEqual([expect.objectContaining({ amazonOrderId: orderId, reason: 'fba-disabled' })]);
      expect(h.shop.listOrders()).toHaveLength(0);
    }));
});

/** A product with what a full listing needs (brand, title, image, price). */
const listed = (product: (typeof PRODUCTS)[number]) => ({
  ...product,
  price: { amount: 1999, currency: 'EUR' },
  listing: { brand: 'Kaffeeklatsch', title: product.title, images: { main: `https://shop.example/${product.sku}.jpg`, others: [] } },
});

/** The change log as the listings sync will read it: one line per entry. */
async function queued(h: OrdersHarness) {
  const rows = await h.knex(h.tables.changes).orderBy('sku').select('account_id', 'marketplace_id', 'sku', 'kind', 'product_ref', 'version');
  return rows.map((r) => ({ accountId: r.account_id, marketplaceId: r.marketplace_id, sku: r.sku, kind: r.kind, productRef: r.product_ref, version: Number(r.version) }));
}

const offerChange = (h: OrdersHarness, sku: string, version: number) => ({ accountId: 'acme-eu', marketplaceId: '*', sku, kind: 'offer', productRef: h.shop.getProduct(sku)!.productRef, version });

describe('order import: stock it moves reaches the change log', () => {
  test('a Pending order queues the offers of its shop SKUs (every marketplace); committing it queues nothing; its cancellation queues them again', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('PENDING'));
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      expect(await queued(h)).toEqual([offerChange(h, 'CUP-2', 1), offerChange(h, 'MUG-1', 1)]);
      // Unshipped commits the reservation: the sellable quantity stays, nothing to send
      h.sim.seed.setOrderStatus(orderId, 'UNSHIPPED');
      expect(await importNow(h)).toMatchObject({ updated: 1, failed: 0 });
      expect(await queued(h)).toEqual([offerChange(h, 'CUP-2', 1), offerChange(h, 'MUG-1', 1)]);
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      expect(await importNow(h)).toMatchObject({ updated: 1, failed: 0 });
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
      expect(await queued(h)).toEqual([offerChange(h, 'CUP-2', 2), offerChange(h, 'MUG-1', 2)]);
      // seen again: nothing moves, nothing is queued
      await importNow(h);
      expect(await queued(h)).toEqual([offerChange(h, 'CUP-2', 2), offerChange(h, 'MUG-1', 2)]);
    }));

  test('a shop without reservations: the take and the restore each queue the offer', () =>
    withHarness({ shopCapabilities: { stockReservations: false } }, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      await importNow(h);
      expect(await queued(h)).toEqual([offerChange(h, 'CUP-2', 1), offerChange(h, 'MUG-1', 1)]);
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
      expect(await queued(h)).toEqual([offerChange(h, 'CUP-2', 2), offerChange(h, 'MUG-1', 2)]);
    }));

  test('an FBA order moves no stock and queues nothing', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, fulfilledBy: 'AMAZON', status: 'UNSHIPPED', items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] });
      expect(await importNow(h)).toMatchObject({ imported: 1, failed: 0 });
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      expect(await importNow(h)).toMatchObject({ updated: 1, failed: 0 });
      expect(h.stock('MUG-1')).toBe(10);
      expect(await queued(h)).toEqual([]);
    }));

  test("a line bought under a mapped seller SKU queues the shop product's own SKU, which the listings sync fans out", () =>
    withHarness({}, async (h) => {
      await h.sync.mappings.upsert([{ marketplaceId: DE, sellerSku: 'AMZ-MUG', fulfillmentChannel: 'MFN', productRef: h.shop.getProduct('MUG-1')!.productRef, source: 'manual' }]);
      h.sim.seed.order({ marketplaceId: DE, status: 'UNSHIPPED', items: [{ sellerSku: 'AMZ-MUG', quantity: 3, unitPrice: '19.99' }] });
      await importNow(h);
      expect(h.stock('MUG-1')).toBe(7);
      expect(await queued(h)).toEqual([offerChange(h, 'MUG-1', 1)]);
    }));

  test('a cancellation queues the SKU the shop holds now, not the one the order was imported with', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, status: 'PENDING', items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] });
      await importNow(h);
      await h.knex(h.tables.changes).delete();
      const mug = h.shop.getProduct('MUG-1')!;
      h.shop.upsertProduct({ productRef: mug.productRef, variantRef: mug.variantRef, sku: 'MUG-1-NEW', title: mug.title, quantity: mug.quantity });
      expect(h.shop.getProduct('MUG-1-NEW')?.productRef).toBe(mug.productRef);
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      expect(await importNow(h)).toMatchObject({ updated: 1, failed: 0 });
      expect(await queued(h)).toEqual([offerChange(h, 'MUG-1-NEW', 1)]);
    }));

  test('a change log that cannot be written fails the order, and its retry queues the change without moving the stock twice', () =>
    withHarness({ orders: { retryBaseMs: 1 } }, async (h) => {
      h.sim.seed.order(mugAndCup('PENDING'));
      await h.knex.raw(`alter table "${h.tables.changes}" rename to "${h.tables.changes}_away"`);
      const failed = await importNow(h);
      expect(failed).toMatchObject({ imported: 0, failed: 1, errors: [expect.objectContaining({ code: 'DATABASE_ERROR', willRetry: true })] });
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      await h.knex.raw(`alter table "${h.tables.changes}_away" rename to "${h.tables.changes}"`);
      expect(await importNow(h)).toMatchObject({ imported: 1, failed: 0 });
      expect(h.shop.listOrders()).toHaveLength(1);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      expect(await queued(h)).toEqual([offerChange(h, 'CUP-2', 1), offerChange(h, 'MUG-1', 1)]);
    }));

  test('queueStockChanges off: stock moves, nothing is queued', () =>
    withHarness({ orders: { queueStockChanges: false } }, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('PENDING'));
      await importNow(h);
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      await importNow(h);
      expect(await queued(h)).toEqual([]);
    }));

  test('end to end: after importOrders and pushListings the other marketplace offers what the shop has left', () =>
    withHarness({ marketplaceIds: [DE, FR], products: PRODUCTS.map(listed) }, async (h) => {
      // the shop lists both products on both marketplaces first, as its save hook would
      await enqueueChange(h.knex, [{ sku: 'MUG-1', kind: 'listing', accountId: 'acme-eu' }, { sku: 'CUP-2', kind: 'listing', accountId: 'acme-eu' }], { tablePrefix: h.tablePrefix });
      expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 0 });
      expect([h.sim.state.offer('MUG-1', FR)?.quantity, h.sim.state.offer('CUP-2', FR)?.quantity]).toEqual([10, 5]);
      const { orderId } = h.sim.seed.order(mugAndCup('PENDING'));
      await importNow(h);
      expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 0 });
      expect([h.sim.state.offer('MUG-1', FR)?.quantity, h.sim.state.offer('CUP-2', FR)?.quantity]).toEqual([h.stock('MUG-1'), h.stock('CUP-2')]);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      // the cancellation gives the stock back, on Amazon.de (where the order was) too
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      await importNow(h);
      expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 0 });
      for (const marketplaceId of [DE, FR]) expect([h.sim.state.offer('MUG-1', marketplaceId)?.quantity, h.sim.state.offer('CUP-2', marketplaceId)?.quantity]).toEqual([10, 5]);
    }));
});

describe('order import: workers partitioned by marketplace', () => {
  const partitioned = (h: OrdersHarness, marketplaceId: string) => h.newSync({ workerId: `worker-${marketplaceId}`, partition: { marketplaceIds: [marketplaceId] } });

  test('two partitioned workers call searchOrders once per marketplace per run, not twice, and each imports its own orders', () =>
    withHarness({ marketplaceIds: [DE, FR] }, async (h) => {
      const de = partitioned(h, DE);
      const fr = partitioned(h, FR);
      const { orderId: deOrder } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      const { orderId: frOrder } = h.sim.seed.order({ ...mugAndCup('UNSHIPPED'), marketplaceId: FR });
      for (let run = 1; run <= 2; run += 1) {
        const [deRun, frRun] = [await importNow(h, de), await importNow(h, fr)];
        expect(h.sim.state.calls['orders.searchOrders']).toBe(2 * run);
        expect(deRun).toMatchObject({ marketplaceIds: [DE], imported: run === 1 ? 1 : 0, failed: 0 });
        expect(frRun).toMatchObject({ marketplaceIds: [FR], imported: run === 1 ? 1 : 0, failed: 0 });
        expect(deRun.marketplaces.map((m) => m.marketplaceId)).toEqual([DE]);
        expect(frRun.marketplaces.map((m) => m.marketplaceId)).toEqual([FR]);
      }
      expect(h.shop.listOrders().map((o) => o.externalId).sort()).toEqual([deOrder, frOrder].sort());
      // two workers without a partition each read every marketplace: twice the quota
      await importNow(h, h.newSync({ workerId: 'a' }));
      await importNow(h, h.newSync({ workerId: 'b' }));
      expect(h.sim.state.calls['orders.searchOrders']).toBe(4 + 4);
    }));

  test('a partitioned worker resumes and acknowledges only its own marketplace’s orders; orders.marketplaceIds must be among its partition', () =>
    withHarness({ marketplaceIds: [DE, FR], orders: { acknowledge: true } }, async (h) => {
      const now = Date.now();
      // two imports a crashed importer left behind, one per marketplace, and a DE order still to acknowledge
      await h.knex(h.tables.orders).insert([
        abandonedOrderRow('302-0000001-0000001', { marketplace_id: DE, lease_until: now - 1 }),
        abandonedOrderRow('402-0000001-0000001', { marketplace_id: FR, lease_until: now - 1 }),
        abandonedOrderRow('302-0000002-0000002', { marketplace_id: DE, state: 'imported', claimed_by: null, lease_until: null, shop_order_ref: 'shop-1', ack_state: 'pending' }),
      ]);
      const { orderId } = h.sim.seed.order({ ...mugAndCup('UNSHIPPED'), marketplaceId: FR });
      const summary = await importNow(h, partitioned(h, FR));
      expect(summary).toMatchObject({ imported: 1, acknowledgements: { submitted: 1 } });
      expect(h.sim.state.calls['orders.getOrder']).toBe(1);
      expect(summary.errors.map((e) => [e.amazonOrderId, e.marketplaceId])).toEqual([['402-0000001-0000001', FR]]);
      const rows = await h.knex(h.tables.orders).select('amazon_order_id', 'claimed_by', 'ack_state');
      expect(rows.map((r) => [r.amazon_order_id, r.claimed_by === null ? 'free' : r.claimed_by, r.ack_state]).sort()).toEqual(
        [
          // DE's: left to the DE worker
          ['302-0000001-0000001', 'dead#1', null],
          ['302-0000002-0000002', 'free', 'pending'],
          ['402-0000001-0000001', 'free', null],
          [orderId, 'free', 'submitted'],
        ].sort(),
      );
      expect(h.sim.state.feeds.filter((f) => f.feedType === 'POST_ORDER_ACKNOWLEDGEMENT_DATA').map((f) => f.marketplaceIds)).toEqual([[FR]]);
      expect(() => h.newSync({ partition: { marketplaceIds: [DE] }, orders: { marketplaceIds: [FR] } })).toThrow(/orders\.marketplaceIds must be among this worker's partition\.marketplaceIds/);
    }));

  test('a partitioned worker that searches fewer marketplaces than its partition still finishes its partition’s orders the shop has', () =>
    withHarness({ marketplaceIds: [DE, FR] }, async (h) => {
      const both = h.newSync({ workerId: 'worker-both', partition: { marketplaceIds: [DE, FR] } });
      const a = h.sim.seed.order({ ...mugAndCup('UNSHIPPED'), marketplaceId: FR });
      await importNow(h, both);
      const before = [h.stock('MUG-1'), h.stock('CUP-2')];
      const b = h.sim.seed.order({ ...mugAndCup('PENDING'), marketplaceId: FR });
      await importNow(h, both);
      expect(h.shop.listOrders().map((o) => o.externalId).sort()).toEqual([a.orderId, b.orderId].sort());
      // b: the importer died after createOrder and the reservation, before recording either;
      // c: an importer claimed it and died before createOrder
      await h.knex(h.tables.orders)
        .where({ amazon_order_id: b.orderId })
        .update({ state: 'claimed', claimed_by: 'dead-worker#1', lease_until: Date.now() - 1, shop_order_ref: null, stock_state: 'none' });
      const c = h.sim.seed.order({ ...mugAndCup('UNSHIPPED'), marketplaceId: FR });
      await h.knex(h.tables.orders).insert(abandonedOrderRow(c.orderId, { marketplace_id: FR, lease_until: Date.now() - 1 }));
      h.sim.seed.setOrderStatus(b.orderId, 'CANCELLED');
      // the worker now searches DE only; FR's rows are still its own to finish
      const narrowed = h.newSync({ workerId: 'worker-both', partition: { marketplaceIds: [DE, FR] }, orders: { marketplaceIds: [DE] } });
      const summary = await importNow(h, narrowed);
      expect(summary.failed).toBe(0);
      // b is in the shop: finished (cancelled, its stock back), never skipped by the marketplace option
      expect(h.shop.listOrders().find((o) => o.externalId === b.orderId)!.status).toBe('cancelled');
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: b.orderId }).first()).toMatchObject({ state: 'imported', claimed_by: null, stock_state: 'released' });
      // c never reached the shop: the option applies, and says so
      expect(summary.skippedOrders.map((o) => [o.amazonOrderId, o.reason])).toEqual([[c.orderId, 'marketplace-not-imported']]);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual(before);
    }));

  test('an order of a marketplace the account dropped, which no partition owns, is still finished by a partitioned worker', () =>
    withHarness({ marketplaceIds: [DE, FR] }, async (h) => {
      const both = h.newSync({ workerId: 'worker-both' });
      const before = [h.stock('MUG-1'), h.stock('CUP-2')];
      const b = h.sim.seed.order({ ...mugAndCup('PENDING'), marketplaceId: FR });
      await importNow(h, both);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).not.toEqual(before);
      // the importer died after createOrder and the reservation; then the account stops selling on FR
      await h.knex(h.tables.orders)
        .where({ amazon_order_id: b.orderId })
        .update({ state: 'claimed', claimed_by: 'dead-worker#1', lease_until: Date.now() - 1, shop_order_ref: null, stock_state: 'none' });
      h.sim.seed.setOrderStatus(b.orderId, 'CANCELLED');
      const de = h.newSync({ workerId: 'worker-de', amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: h.sim.url }, partition: { marketplaceIds: [DE] } });
      expect(await importNow(h, de)).toMatchObject({ failed: 0 });
      expect(h.shop.listOrders().find((o) => o.externalId === b.orderId)!.status).toBe('cancelled');
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: b.orderId }).first()).toMatchObject({ state: 'imported', claimed_by: null, stock_state: 'released' });
      // the reservation the dead importer made is given back
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual(before);
    }));

  test('the stock an order moves reaches both marketplaces through the partitioned workers’ listings passes', () =>
    withHarness({ marketplaceIds: [DE, FR], products: PRODUCTS.map(listed) }, async (h) => {
      const de = partitioned(h, DE);
      const fr = partitioned(h, FR);
      await enqueueChange(h.knex, [{ sku: 'MUG-1', kind: 'listing', accountId: 'acme-eu' }, { sku: 'CUP-2', kind: 'listing', accountId: 'acme-eu' }], { tablePrefix: h.tablePrefix });
      for (const sync of [de, fr]) expect(await sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 0 });
      h.sim.seed.order(mugAndCup('UNSHIPPED'));
      expect(await importNow(h, de)).toMatchObject({ imported: 1 });
      // the importer queued the stock change for every marketplace ("*"): the FR worker expands it and sends FR
      expect((await queued(h)).map((q) => q.marketplaceId)).toEqual(['*', '*']);
      expect(await fr.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 2, rejected: 0 });
      expect(await de.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 0, rejected: 0 });
      for (const marketplaceId of [DE, FR]) expect([h.sim.state.offer('MUG-1', marketplaceId)?.quantity, h.sim.state.offer('CUP-2', marketplaceId)?.quantity]).toEqual([8, 4]);
      expect(await queued(h)).toEqual([]);
    }));
});

describe('order import: exactly once', () => {
  test('an order seen twice in overlapping windows is imported once; an update that is not newer is ignored', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      expect((await importNow(h)).imported).toBe(1);
      const again = await importNow(h);
      // the default 5-minute overlap reads the order again
      expect(again).toMatchObject({ seen: 1, imported: 0, updated: 0, unchanged: 1 });
      expect(h.shop.listOrders()).toHaveLength(1);

      // sellersync applied a state newer than what Amazon now sends: the older one changes nothing
      await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ amazon_updated_at: Date.now() + 3_600_000 });
      h.sim.seed.setOrderStatus(orderId, 'SHIPPED');
      const older = await importNow(h);
      expect(older).toMatchObject({ updated: 0, unchanged: 1 });
      expect(h.shop.listOrders()[0]!.status).toBe('processing');
    }));

  test('an importer stopped mid-page resumes at that page without duplicates or gaps', () =>
    withHarness({ orders: { pageSize: 2 } }, async (h) => {
      const seeded = Array.from({ length: 7 }, () => h.sim.seed.order({ marketplaceId: DE, items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] }).orderId);
      const controller = new AbortController();
      let created = 0;
      const stopping: ShopAdapter = {
        ...h.shop,
        async createOrder(draft) {
          const result = await h.shop.createOrder!(draft);
          created += 1;
          if (created === 3) controller.abort();
          return result;
        },
      };
      await h.settle();
      const stopped = await h.newSync({ shop: stopping }).importOrders({ signal: controller.signal });
      expect(stopped).toMatchObject({ status: 'aborted', imported: 3 });
      const cursor = await h.knex(h.tables.orderCursors).first();
      // stopped on the second page: its token is kept, the window has not moved
      expect(cursor.page_token).toEqual(expect.any(String));

      const late = h.sim.seed.order({ marketplaceId: DE, items: [{ sellerSku: 'CUP-2', quantity: 1, unitPrice: '7.00' }] }).orderId;
      const resumed = await importNow(h);
      expect(resumed).toMatchObject({ status: 'finished', imported: 4, failed: 0 });
      // the page in progress was read again: its first order is recognised, not imported twice
      expect(resumed.unchanged).toBe(1);
      const third = await importNow(h);
      expect(third.imported).toBe(1);
      const externalIds = h.shop.listOrders().map((o) => o.externalId);
      expect(externalIds.sort()).toEqual([...seeded, late].sort());
      expect(h.stock('MUG-1')).toBe(3);
      expect(h.stock('CUP-2')).toBe(4);
    }));

  test('a hard crash mid-page (the process stops inside createOrder): a new importer takes over the abandoned claim and the page, without duplicates or gaps', () =>
    withHarness({ orders: { pageSize: 2, leaseMs: 100 } }, async (h) => {
      const seeded = Array.from({ length: 5 }, () => h.sim.seed.order({ marketplaceId: DE, items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }] }).orderId);
      let created = 0;
      let die = (_error: Error) => {};
      const dying: ShopAdapter = {
        ...h.shop,
        async createOrder(draft) {
          const result = await h.shop.createOrder!(draft);
          created += 1;
          // the shop order of the third exists; its row stays claimed, the stock untouched
          if (created === 3) await new Promise<never>((_resolve, reject) => (die = reject));
          return result;
        },
      };
      await h.settle();
      const crashed = h.newSync({ shop: dying, workerId: 'crashed' }).importOrders();
      while (created < 3) await sleep(5);
      const cursor = await h.knex(h.tables.orderCursors).first();
      expect(cursor.page_token).toEqual(expect.any(String));
      await sleep(120);
      // a new process: another sync object, its own claimant
      const taken = await importNow(h, h.newSync({ workerId: 'restarted' }));
      expect(taken).toMatchObject({ status: 'finished', imported: 3, failed: 0 });
      expect(h.shop.listOrders().map((o) => o.externalId).sort()).toEqual([...seeded].sort());
      expect(h.stock('MUG-1')).toBe(5);
      expect(h.sim.state.calls['orders.getOrder']).toBe(1);
      // the old process, were it to wake up, changes nothing: its claim is gone
      die(new Error('process gone'));
      await crashed;
      expect(h.shop.listOrders()).toHaveLength(5);
      const rows = await h.knex(h.tables.orders).select('state', 'claimed_by');
      expect(rows.every((r) => r.state === 'imported' && r.claimed_by === null)).toBe(true);
      expect(h.stock('MUG-1')).toBe(5);
    }));

  test('an order whose import stops the process maxAttempts times is left for a person (ORDER_ABANDONED), not started again', () =>
    withHarness({ orders: { maxAttempts: 2, leaseMs: 50 } }, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      // createOrder never returns: the process is gone while it holds the claim
      const stalls: ((error: Error) => void)[] = [];
      let stalled = () => {};
      const dying: ShopAdapter = { ...h.shop, createOrder: () => new Promise<never>((_resolve, reject) => (stalls.push(reject), stalled())) };
      const stall = () => new Promise<void>((resolve) => (stalled = resolve));
      await h.settle();
      const firstStall = stall();
      const first = h.newSync({ shop: dying, workerId: 'first' }).importOrders();
      await firstStall;
      // the attempt is counted when the row is claimed
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'claimed', attempts: 1 });
      await sleep(60);
      const secondStall = stall();
      const second = h.newSync({ shop: dying, workerId: 'second' }).importOrders();
      await secondStall;
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'claimed', attempts: 2, claimed_by: expect.stringContaining('second') });
      await sleep(60);
      const third = await importNow(h, h.newSync({ workerId: 'third' }));
      expect(third).toMatchObject({ imported: 0, failed: 1 });
      expect(third.errors).toEqual([{ amazonOrderId: orderId, marketplaceId: DE, code: 'ORDER_ABANDONED', message: expect.stringMatching(/started 2 time\(s\).*left for a person/), willRetry: false }]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'failed', claimed_by: null, next_attempt_at: null, last_error_code: 'ORDER_ABANDONED' });
      expect(await importNow(h)).toMatchObject({ imported: 0, failed: 0, errors: [] });
      expect(h.shop.listOrders()).toEqual([]);
      expect(h.sim.state.calls['orders.getOrder']).toBe(1);
      for (const reject of stalls) reject(new Error('process gone'));
      await Promise.all([first, second]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'failed', last_error_code: 'ORDER_ABANDONED' });
    }));

  test('a page token Amazon refuses (expired after 24 h) makes the window be read again: nothing is missed', () =>
    withHarness({}, async (h) => {
      const seeded = Array.from({ length: 3 }, () => h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId);
      const after = new Date(Date.now() - 3_600_000).toISOString();
      // a run stopped mid-window a day ago: its stored token is no longer valid
      await h.knex(h.tables.orderCursors).insert({ account_id: 'acme-eu', marketplace_id: DE, last_updated_after: after, window_after: after, window_before: new Date().toISOString(), page_token: 'eyJleHBpcmVkIjp0cnVlfQ', pages: 1, updated_at: Date.now() });
      const summary = await importNow(h);
      expect(summary).toMatchObject({ status: 'finished', imported: 3, failed: 0 });
      expect(h.shop.listOrders().map((o) => o.externalId).sort()).toEqual([...seeded].sort());
      expect(h.sim.state.calls['orders.searchOrders']).toBe(2);
      expect(await h.knex(h.tables.orderCursors).first()).toMatchObject({ page_token: null, window_after: null });
    }));

  test('a crash after createOrder is resumed without a second order, and stock the dead importer reserved is given back', () =>
    withHarness({}, async (h) => {
      const a = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      const b = h.sim.seed.order(mugAndCup('PENDING'));
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([6, 3]);
      // b: the importer died after createOrder and the reservation, before recording either
      await h.knex(h.tables.orders)
        .where({ amazon_order_id: b.orderId })
        .update({ state: 'claimed', claimed_by: 'dead-worker#1', lease_until: Date.now() - 1, shop_order_ref: null, stock_state: 'none' });
      // meanwhile Amazon cancels b: the resumed import must give back what the dead importer reserved
      h.sim.seed.setOrderStatus(b.orderId, 'CANCELLED');
      const resumed = await importNow(h);
      expect(resumed.failed).toBe(0);
      expect(h.shop.listOrders().map((o) => o.externalId).sort()).toEqual([a.orderId, b.orderId].sort());
      expect(h.shop.listOrders().find((o) => o.externalId === b.orderId)!.status).toBe('cancelled');
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      const row = await h.knex(h.tables.orders).where({ amazon_order_id: b.orderId }).first();
      expect(row).toMatchObject({ state: 'imported', claimed_by: null, stock_state: 'released' });
    }));

  test('an update whose claim a crashed importer left is applied once the lease ends: the cancellation reaches the shop, the stock comes back', () =>
    withHarness({ orders: { overlap: { seconds: 0 } } }, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('PENDING'));
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      // importer A claimed the row to apply the cancellation and died; the worker restarts while A's lease still runs
      await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ claimed_by: 'worker-a#7:dead', lease_until: Date.now() + 60_000 });
      const restarted = await importNow(h, h.newSync());
      expect(restarted).toMatchObject({ updated: 0, unchanged: 1, failed: 0 });
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      const marked = await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first();
      expect(Number(marked.seen_updated_at)).toBe(Date.parse(h.sim.state.order(orderId)!.lastUpdatedTime));
      // the lease runs out; the cancellation is older than every later search window
      await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ lease_until: Date.now() - 1 });
      const resumed = await importNow(h, h.newSync());
      expect(resumed).toMatchObject({ updated: 1, failed: 0 });
      expect(h.sim.state.calls['orders.getOrder']).toBe(1);
      expect(h.shop.listOrders().map((o) => o.status)).toEqual(['cancelled']);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
      expect(h.shop.listReservations().get(`amazon:acme-eu:${orderId}`)?.state).toBe('released');
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ amazon_status: 'CANCELLED', claimed_by: null, seen_updated_at: null });
      expect(await importNow(h)).toMatchObject({ updated: 0, failed: 0 });
      expect(h.sim.state.calls['orders.getOrder']).toBe(1);
    }));

  test('an imported order a crashed importer still holds is fetched and finished even when no search shows it again', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      await importNow(h);
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      // the dead importer's claim expired long ago and the cursor is past the cancellation: only the claim tells
      await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ claimed_by: 'dead#3', lease_until: Date.now() - 1 });
      await h.knex(h.tables.orderCursors).update({ last_updated_after: new Date(Date.now() + 1000).toISOString() });
      const resumed = await importNow(h);
      expect(resumed).toMatchObject({ updated: 1, failed: 0 });
      expect(h.sim.state.calls['orders.getOrder']).toBe(1);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ amazon_status: 'CANCELLED', claimed_by: null });
    }));

  test('a newer update seen while another importer applies an older one is applied after it', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('PENDING'));
      await importNow(h);
      const hold = holdPoint();
      // importer A is slow inside the shop while it applies Unshipped
      const slow: ShopAdapter = {
        ...h.shop,
        async commitStockReservation(id) {
          await hold.pass();
          return h.shop.commitStockReservation!(id);
        },
      };
      h.sim.seed.setOrderStatus(orderId, 'UNSHIPPED');
      await h.settle();
      const a = h.newSync({ shop: slow, workerId: 'a' }).importOrders();
      await hold.reached;
      // meanwhile Amazon cancels and importer B sees it, but A holds the order
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      const b = await importNow(h, h.newSync({ workerId: 'b' }));
      expect(b).toMatchObject({ updated: 0, unchanged: 1 });
      hold.release();
      expect(await a).toMatchObject({ updated: 1 });
      expect(h.shop.listOrders()[0]!.status).toBe('processing');
      // later windows start after the cancellation: only what B recorded brings it back
      await h.knex(h.tables.orderCursors).update({ last_updated_after: new Date(Date.now() + 1000).toISOString() });
      const next = await importNow(h, h.newSync({ workerId: 'b' }));
      expect(next).toMatchObject({ updated: 1, failed: 0 });
      expect(h.shop.listOrders()[0]!.status).toBe('cancelled');
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
    }));

  test('a claim left by a crash before createOrder is imported by the next run (fetched with getOrder)', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED', { createdTime: new Date(Date.now() - 3 * 86_400_000) }));
      // the row exists, claimed by a dead importer; Amazon will not send the order again (it is outside every window)
      await h.knex(h.tables.orders).insert(abandonedOrderRow(orderId, { amazon_updated_at: Date.now() - 3 * 86_400_000 }));
      await h.knex(h.tables.orderCursors).insert({ account_id: 'acme-eu', marketplace_id: DE, last_updated_after: new Date(Date.now() - 60_000).toISOString(), pages: 0, updated_at: Date.now() });
      const summary = await importNow(h);
      expect(summary).toMatchObject({ imported: 1, failed: 0 });
      expect(h.shop.listOrders().map((o) => o.externalId)).toEqual([orderId]);
      expect(h.sim.state.calls['orders.getOrder']).toBe(1);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
    }));

  test('a shop that refuses an order: recorded with its error, retried with backoff, imported once it accepts', () =>
    withHarness({ orders: { retryBaseMs: 1 } }, async (h) => {
      let refuse = true;
      const moody: ShopAdapter = {
        ...h.shop,
        async createOrder(draft) {
          if (refuse) throw new Error('shop database is read-only');
          return h.shop.createOrder!(draft);
        },
      };
      const sync = h.newSync({ shop: moody });
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      const failed = await importNow(h, sync);
      expect(failed.errors).toEqual([{ amazonOrderId: orderId, marketplaceId: DE, code: 'SHOP_ADAPTER_FAILED', message: 'shop database is read-only', willRetry: true }]);
      expect(h.shop.listOrders()).toHaveLength(0);
      refuse = false;
      const retried = await importNow(h, sync);
      expect(retried).toMatchObject({ imported: 1, failed: 0 });
      expect(h.shop.listOrders()).toHaveLength(1);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
    }));

  test('a shop that keeps refusing an order is tried maxAttempts times, the last one included, then given up', () =>
    withHarness({ orders: { maxAttempts: 2, retryBaseMs: 1 } }, async (h) => {
      let calls = 0;
      const refusing: ShopAdapter = {
        ...h.shop,
        async createOrder() {
          calls += 1;
          throw new Error('shop database is read-only');
        },
      };
      const sync = h.newSync({ shop: refusing });
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      expect((await importNow(h, sync)).errors).toEqual([expect.objectContaining({ amazonOrderId: orderId, willRetry: true })]);
      await sleep(5);
      expect((await importNow(h, sync)).errors).toEqual([expect.objectContaining({ amazonOrderId: orderId, willRetry: false })]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'failed', attempts: 2, next_attempt_at: null, claimed_by: null });
      await sleep(5);
      expect(await importNow(h, sync)).toMatchObject({ failed: 0, errors: [] });
      expect(calls).toBe(2);
    }));
});

describe('order import: Amazon faults and bad data', () => {
  test('a 429 storm on searchOrders is ridden out by bounded retries; when it outlasts them the cursor stays', () =>
    withHarness({ simulator: { randomSeed: 7 } }, async (h) => {
      h.sim.seed.order(mugAndCup('UNSHIPPED'));
      h.sim.setFaults({ operations: { 'orders.searchOrders': { throttleRate: 0.6 } } });
      const stormy = await importNow(h);
      expect(stormy).toMatchObject({ status: 'finished', imported: 1 });
      expect(h.sim.state.throttled).toBeGreaterThan(0);

      h.sim.seed.order(mugAndCup('UNSHIPPED'));
      const before = await h.knex(h.tables.orderCursors).first();
      h.sim.setFaults({ operations: { 'orders.searchOrders': { throttleRate: 1 } } });
      const failed = await importNow(h);
      expect(failed.status).toBe('failed');
      expect(failed.marketplaces[0]!.error).toMatchObject({ code: 'AMAZON_THROTTLED' });
      expect(await h.knex(h.tables.orderCursors).first()).toMatchObject({ last_updated_after: before.last_updated_after });
      expect((await h.sync.status()).orders).toMatchObject({ status: 'failed', runId: failed.runId });

      h.sim.setFaults({ operations: { 'orders.searchOrders': { throttleRate: 0 } } });
      expect((await importNow(h)).imported).toBe(1);
      expect(h.shop.listOrders()).toHaveLength(2);
    }));

  test('malformed orders (no items, unknown currency, negative quantity, no id) are reported one by one and the rest imports', () =>
    withHarness({}, async (h) => {
      const good = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      const noItems = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      const badCurrency = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      const negative = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      const noId = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      // Amazon's data goes bad in transit; the simulator itself only builds sound orders
      const corrupt = (order: AmazonOrder): AmazonOrder => {
        if (order.orderId === noItems) return { ...order, orderItems: [] };
        if (order.orderId === badCurrency) return { ...order, proceeds: { ...order.proceeds, grandTotal: { amount: '56.94', currencyCode: 'EUX' } } };
        if (order.orderId === negative) return { ...order, orderItems: order.orderItems.map((item, i) => (i === 1 ? { ...item, quantityOrdered: -1 } : item)) };
        if (order.orderId === noId) return { ...order, orderId: '' };
        return order;
      };
      const real = gatewayFor(h);
      const gateway: AmazonGateway = { ...real, searchOrders: async (query) => {
        const page = await real.searchOrders(query);
        return { ...page, orders: page.orders.map(corrupt) };
      } };
      const importer = createOrderImporter({ db: h.knex, shop: h.shop, gateway, accountId: 'acme-eu', tablePrefix: h.tablePrefix });
      await h.settle();
      const summary = await importer.importOrders();
      expect(summary).toMatchObject({ status: 'finished', imported: 1, failed: 4 });
      expect(h.shop.listOrders().map((o) => o.externalId)).toEqual([good]);
      const byOrder = new Map(summary.errors.map((e) => [e.amazonOrderId, e]));
      expect(byOrder.get(noItems)).toMatchObject({ code: 'INVALID_ORDER', willRetry: false, message: expect.stringMatching(/orderItems must hold at least one item/) });
      expect(byOrder.get(badCurrency)?.message).toMatch(/proceeds\.grandTotal\.currencyCode must be a known ISO 4217 currency code \(got "EUX"\)/);
      expect(byOrder.get(negative)?.message).toMatch(/orderItems\[1\]\.quantityOrdered must be a whole number ≥ 0 \(got -1\)/);
      expect(byOrder.get(null)?.message).toMatch(/orderId is missing/);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
      const invalid = await h.knex(h.tables.orders).where({ state: 'invalid' }).select('amazon_order_id', 'last_error_code');
      expect(invalid.map((r) => r.amazon_order_id).sort()).toEqual([noItems, badCurrency, negative].sort());
      // seen again unchanged, they are not reported twice
      const again = await importer.importOrders();
      expect(again).toMatchObject({ failed: 1, imported: 0 });
    }));

  test('importUnmatched off: the order is skipped with the reason, and imported once the product exists and Amazon updates it', () =>
    withHarness({ orders: { importUnmatched: false } }, async (h) => {
      const { orderId } = h.sim.seed.order({
        marketplaceId: DE,
        status: 'PENDING',
        items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '19.99' }, { sellerSku: 'NEW-3', quantity: 1, unitPrice: '5.00' }],
      });
      const skipped = await importNow(h);
      expect(skipped.skippedOrders).toEqual([expect.objectContaining({ amazonOrderId: orderId, reason: 'unmatched', message: expect.stringMatching(/NEW-3/) })]);
      expect(h.shop.listOrders()).toHaveLength(0);
      expect(h.stock('MUG-1')).toBe(10);
      h.shop.upsertProduct({ sku: 'NEW-3', quantity: 4 });
      h.sim.seed.setOrderStatus(orderId, 'UNSHIPPED');
      const imported = await importNow(h);
      expect(imported.imported).toBe(1);
      expect([h.stock('MUG-1'), h.stock('NEW-3')]).toEqual([9, 3]);
    }));

  test('importUnavailable off: an order of an inactive product is skipped as unavailable, and imported once it is active and Amazon updates it', () =>
    withHarness({ products: [{ sku: 'MUG-1', quantity: 10, active: false }, { sku: 'CUP-2', quantity: 5 }], orders: { importUnavailable: false } }, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('PENDING'));
      const skipped = await importNow(h);
      expect(skipped.skippedOrders).toEqual([expect.objectContaining({ amazonOrderId: orderId, reason: 'unavailable', message: expect.stringMatching(/MUG-1 is inactive/) })]);
      expect(h.shop.listOrders()).toHaveLength(0);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'skipped', reason: 'unavailable' });
      h.shop.upsertProduct({ sku: 'MUG-1', quantity: 10, active: true });
      h.sim.seed.setOrderStatus(orderId, 'UNSHIPPED');
      expect(await importNow(h)).toMatchObject({ imported: 1, skipped: 0 });
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([8, 4]);
    }));
});

/** A sync whose shop fails past createOrder and the reservation (committing it) until `heal()`. */
function failingPastCreateOrder(h: OrdersHarness) {
  let failing = true;
  const shop: ShopAdapter = {
    ...h.shop,
    async commitStockReservation(id) {
      if (failing) throw new Error('deadlock detected');
      return h.shop.commitStockReservation!(id);
    },
  };
  return { sync: h.newSync({ shop }), heal: () => (failing = false) };
}

describe('order import: retries that find the shop order', () => {
  test('a skipped order whose re-import fails after createOrder is left failed; when Amazon cancels, the shop order is cancelled and its stock comes back', () =>
    withHarness({ products: [{ sku: 'MUG-1', quantity: 10 }], orders: { importUnmatched: false, retryBaseMs: 1 } }, async (h) => {
      const { sync, heal } = failingPastCreateOrder(h);
      const { orderId } = h.sim.seed.order({
        marketplaceId: DE,
        status: 'PENDING',
        items: [{ sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99' }, { sellerSku: 'NEW-3', quantity: 1, unitPrice: '5.00' }],
      });
      expect((await importNow(h, sync)).skippedOrders.map((o) => o.reason)).toEqual(['unmatched']);
      h.shop.upsertProduct({ sku: 'NEW-3', quantity: 4 });
      h.sim.seed.setOrderStatus(orderId, 'UNSHIPPED');
      const failed = await importNow(h, sync);
      expect(failed).toMatchObject({ imported: 0, failed: 1 });
      const row = await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first();
      expect(row).toMatchObject({ state: 'failed', attempts: 1, shop_order_ref: h.shop.listOrders()[0]!.orderRef });
      // the shop order and its reservation exist; Amazon cancels before the retry
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      heal();
      const retried = await importNow(h, sync);
      expect(retried).toMatchObject({ failed: 0, skipped: 0 });
      expect(h.shop.listOrders().map((o) => [o.externalId, o.status])).toEqual([[orderId, 'cancelled']]);
      expect([h.stock('MUG-1'), h.stock('NEW-3')]).toEqual([10, 4]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'imported', amazon_status: 'CANCELLED' });
    }));

  test('importUnavailable off: the retry of an order whose import failed past createOrder imports it, though its own reservation makes the product look short; a cancellation then gives the stock back', () =>
    withHarness({ products: [{ sku: 'MUG-1', quantity: 2 }], orders: { importUnavailable: false, retryBaseMs: 1 } }, async (h) => {
      const { sync, heal } = failingPastCreateOrder(h);
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, status: 'UNSHIPPED', items: [{ sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99' }] });
      expect(await importNow(h, sync)).toMatchObject({ imported: 0, failed: 1 });
      // the shop order exists and holds both units
      expect(h.stock('MUG-1')).toBe(0);
      heal();
      await sleep(5);
      const retried = await importNow(h, sync);
      expect(retried).toMatchObject({ imported: 1, skipped: 0, failed: 0, skippedOrders: [], warnings: [] });
      const ref = h.shop.listOrders()[0]!.orderRef;
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'imported', reason: null, shop_order_ref: ref, stock_state: 'committed' });
      expect(h.shop.listReservations().get(`amazon:acme-eu:${orderId}`)?.state).toBe('committed');
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      expect(await importNow(h, sync)).toMatchObject({ updated: 1, skipped: 0, failed: 0 });
      expect(h.shop.listOrders().map((o) => [o.externalId, o.status])).toEqual([[orderId, 'cancelled']]);
      expect(h.stock('MUG-1')).toBe(2);
    }));

  test('importUnavailable on: the retry of an order the shop already has notes no shortage its own reservation makes', () =>
    withHarness({ products: [{ sku: 'MUG-1', quantity: 2 }], orders: { retryBaseMs: 1 } }, async (h) => {
      const { sync, heal } = failingPastCreateOrder(h);
      const { orderId } = h.sim.seed.order({ marketplaceId: DE, status: 'UNSHIPPED', items: [{ sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99' }] });
      expect(await importNow(h, sync)).toMatchObject({ failed: 1 });
      heal();
      await sleep(5);
      expect(await importNow(h, sync)).toMatchObject({ imported: 1, failed: 0, warnings: [] });
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ state: 'imported', warnings: null });
      expect(h.stock('MUG-1')).toBe(0);
    }));

  test('a new order costs no findOrderByExternalId unless an option would skip it; then a shop order sellersync lost the record of is still found and followed', () =>
    withHarness({ products: [{ sku: 'MUG-1', quantity: 2 }, { sku: 'CUP-2', quantity: 5 }], orders: { importUnavailable: false } }, async (h) => {
      let lookups = 0;
      const counting: ShopAdapter = {
        ...h.shop,
        async findOrderByExternalId(externalId) {
          lookups += 1;
          return h.shop.findOrderByExternalId!(externalId);
        },
      };
      const sync = h.newSync({ shop: counting });
      const mug = h.sim.seed.order({ marketplaceId: DE, status: 'UNSHIPPED', items: [{ sellerSku: 'MUG-1', quantity: 2, unitPrice: '19.99' }] }).orderId;
      const cup = h.sim.seed.order({ marketplaceId: DE, status: 'UNSHIPPED', items: [{ sellerSku: 'CUP-2', quantity: 1, unitPrice: '7.00' }] }).orderId;
      expect(await importNow(h, sync)).toMatchObject({ imported: 2, failed: 0 });
      expect(lookups).toBe(0);
      // sellersync's record is lost; MUG-1 is sold out by the order itself
      await h.knex(h.tables.orders).delete();
      await h.knex(h.tables.orderCursors).delete();
      const again = await importNow(h, sync);
      expect(again).toMatchObject({ imported: 2, skipped: 0, failed: 0 });
      // asked only for the order importUnavailable would have skipped
      expect(lookups).toBe(1);
      expect(h.shop.listOrders().map((o) => o.externalId).sort()).toEqual([mug, cup].sort());
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([0, 4]);
      expect((await h.knex(h.tables.orders).select('state')).map((r) => r.state)).toEqual(['imported', 'imported']);
    }));

  test('a shop order that exists without sellersync knowing (an earlier install, a restored database) is found, not created twice', () =>
    withHarness({}, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      await importNow(h);
      // sellersync's record is lost; the shop still has the order
      await h.knex(h.tables.orders).delete();
      h.sim.seed.setOrderStatus(orderId, 'CANCELLED');
      await h.knex(h.tables.orderCursors).delete();
      const again = await importNow(h);
      expect(again).toMatchObject({ skipped: 0, failed: 0 });
      expect(h.shop.listOrders().map((o) => [o.externalId, o.status])).toEqual([[orderId, 'cancelled']]);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([10, 5]);
    }));
});

describe('order import: resuming orders Amazon will not give', () => {
  const deadClaim = abandonedOrderRow;

  test('a getOrder Amazon refuses (404) counts attempts, backs off, and stops after maxAttempts with willRetry false', () =>
    withHarness({ orders: { maxAttempts: 2, retryBaseMs: 1 } }, async (h) => {
      await h.knex(h.tables.orders).insert(deadClaim('302-9999999-9999999'));
      const first = await importNow(h);
      expect(first.errors).toEqual([expect.objectContaining({ amazonOrderId: '302-9999999-9999999', code: 'AMAZON_NOT_FOUND', willRetry: true })]);
      expect(await h.knex(h.tables.orders).first()).toMatchObject({ state: 'failed', attempts: 1, claimed_by: null, last_error_code: 'AMAZON_NOT_FOUND' });
      const second = await importNow(h);
      expect(second.errors).toEqual([expect.objectContaining({ code: 'AMAZON_NOT_FOUND', willRetry: false })]);
      expect(await h.knex(h.tables.orders).first()).toMatchObject({ state: 'failed', attempts: 2, next_attempt_at: null });
      const third = await importNow(h);
      expect(third.errors).toEqual([]);
      expect(h.sim.state.calls['orders.getOrder']).toBe(2);
    }));

  test('an update seen while another importer held the order, whose getOrder answer is malformed, is retried with backoff and given up after maxAttempts', () =>
    withHarness({ orders: { overlap: { seconds: 0 }, maxAttempts: 2, retryBaseMs: 1 } }, async (h) => {
      const broken = h.sim.seed.order(mugAndCup('PENDING')).orderId;
      const healing = h.sim.seed.order(mugAndCup('PENDING')).orderId;
      await importNow(h);
      expect([h.stock('MUG-1'), h.stock('CUP-2')]).toEqual([6, 3]);
      for (const orderId of [broken, healing]) {
        h.sim.seed.setOrderStatus(orderId, 'UNSHIPPED');
        // another importer saw the update while this row was held (markSeen); no later search shows it
        await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).update({ seen_updated_at: Date.parse(h.sim.state.order(orderId)!.lastUpdatedTime) });
      }
      await h.knex(h.tables.orderCursors).update({ last_updated_after: new Date(Date.now() + 1000).toISOString() });
      const real = gatewayFor(h);
      let healingCalls = 0;
      // Amazon's answer loses its items: always for one order, the first time for the other
      const gateway: AmazonGateway = {
        ...real,
        getOrder: async (id, options) => {
          const order = await real.getOrder(id, options);
          if (id === healing) healingCalls += 1;
          return id === broken || healingCalls === 1 ? { ...order, orderItems: [] } : order;
        },
      };
      const importer = createOrderImporter({ db: h.knex, shop: h.shop, gateway, accountId: 'acme-eu', tablePrefix: h.tablePrefix, orders: { overlap: { seconds: 0 }, maxAttempts: 2, retryBaseMs: 1 } });
      await h.settle();
      const first = await importer.importOrders();
      expect(first.errors.map((e) => [e.amazonOrderId, e.code, e.willRetry]).sort()).toEqual([[broken, 'INVALID_ORDER', true], [healing, 'INVALID_ORDER', true]].sort());
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: broken }).first()).toMatchObject({ state: 'imported', attempts: 1, last_error_code: 'INVALID_ORDER', claimed_by: null });
      await sleep(5);
      const second = await importer.importOrders();
      expect(second).toMatchObject({ updated: 1 });
      expect(second.errors.map((e) => [e.amazonOrderId, e.code, e.willRetry])).toEqual([[broken, 'INVALID_ORDER', false]]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: healing }).first()).toMatchObject({ amazon_status: 'UNSHIPPED', attempts: 0, seen_updated_at: null, next_attempt_at: null });
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: broken }).first()).toMatchObject({ amazon_status: 'PENDING', attempts: 2, next_attempt_at: null });
      await sleep(5);
      const third = await importer.importOrders();
      expect(third.errors).toEqual([]);
      expect(h.sim.state.calls['orders.getOrder']).toBe(4);
    }));

  test('a hundred orders Amazon refuses do not starve the order behind them', () =>
    withHarness({ orders: { retryBaseMs: 60_000 } }, async (h) => {
      const unknown = Array.from({ length: 100 }, (_, i) => deadClaim(`302-9999999-${String(9_000_000 + i)}`));
      await h.knex(h.tables.orders).insert(unknown);
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED', { createdTime: new Date(Date.now() - 3 * 86_400_000) }));
      await h.knex(h.tables.orders).insert(deadClaim(orderId, { amazon_updated_at: Date.now() - 3 * 86_400_000 }));
      await h.knex(h.tables.orderCursors).insert({ account_id: 'acme-eu', marketplace_id: DE, last_updated_after: new Date(Date.now() - 60_000).toISOString(), pages: 0, updated_at: Date.now() });
      const first = await importNow(h);
      expect(first).toMatchObject({ imported: 0, failed: 100 });
      // the refused ones wait for their backoff; the next run reaches the one behind them
      const second = await importNow(h);
      expect(second).toMatchObject({ imported: 1, failed: 0 });
      expect(h.shop.listOrders().map((o) => o.externalId)).toEqual([orderId]);
      expect(h.sim.state.calls['orders.getOrder']).toBe(101);
    }));
});

describe('order import: options, acknowledgement, summary', () => {
  test('options reach the shop order: status and carrier maps, fake e-mail and tax id, customers by e-mail, ASIN first', () =>
    withHarness(
      {
        products: [
          { sku: 'MUG-1', quantity: 10 },
          { sku: 'MUG-BY-ASIN', asin: 'B0SIM00002', quantity: 10 },
        ],
        orders: {
          statusMap: { UNSHIPPED: 'ready' },
          carrierMap: { NEXT_DAY: 'DHL Express' },
          fakeEmail: true,
          fakeTaxId: '00000000T',
          matchCustomersByEmail: true,
          matchBy: 'asin-first',
        },
      },
      async (h) => {
        const { orderId } = h.sim.seed.order({
          marketplaceId: DE,
          fulfillmentServiceLevel: 'NEXT_DAY',
          items: [{ sellerSku: 'MUG-1', asin: 'B0SIM00002', quantity: 1, unitPrice: '19.99' }],
        });
        await importNow(h);
        const [order] = h.shop.listOrders();
        expect(order!.draft).toMatchObject({
          status: 'ready',
          shipping: { carrier: 'DHL Express' },
          customer: { email: `${orderId}@amazon-order.invalid`, taxId: '00000000T', matchByEmail: true },
          shippingAddress: { city: 'Köln', countryCode: 'DE' },
        });
        // ASIN first: the line is the product with that ASIN, not the one with the seller SKU
        expect(order!.draft.lines[0]!.sku).toBe('MUG-BY-ASIN');
      },
    ));

  test('payment: Amazon’s payment method (includedData PAYMENT) goes through payment.methodMap; others get payment.method', () =>
    withHarness({ orders: { payment: { method: 'Amazon Pay', methodMap: { CashOnDelivery: 'COD' } } } }, async (h) => {
      const cod = h.sim.seed.order(mugAndCup('UNSHIPPED', { paymentMethod: 'CashOnDelivery' })).orderId;
      const card = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      const none = h.sim.seed.order(mugAndCup('UNSHIPPED', { paymentMethod: null })).orderId;
      await importNow(h);
      const byOrder = new Map(h.shop.listOrders().map((o) => [o.externalId, o.draft.payment]));
      expect(byOrder.get(cod)).toEqual({ method: 'COD', status: 'paid' });
      expect(byOrder.get(card)).toEqual({ method: 'Amazon Pay', status: 'paid' });
      expect(byOrder.get(none)).toEqual({ method: 'Amazon Pay', status: 'paid' });
    }));

  test('acknowledgement: one XSD-valid POST_ORDER_ACKNOWLEDGEMENT_DATA feed carries the shop order ids', () =>
    withHarness({ orders: { acknowledge: true, waitForFeeds: true } }, async (h) => {
      const a = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      const b = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      h.sim.seed.order({ marketplaceId: DE, fulfilledBy: 'AMAZON', status: 'SHIPPED', items: [{ sellerSku: 'MUG-1', quantity: 1, unitPrice: '1.00' }] });
      const summary = await importNow(h);
      expect(summary.acknowledgements).toEqual({ submitted: 1, acknowledged: 2, failed: 0 });
      const refs = new Map(h.shop.listOrders().map((o) => [o.externalId, o.orderRef]));
      expect(h.sim.state.acknowledgements.map((ack) => [ack.orderId, ack.merchantOrderId, ack.statusCode]).sort()).toEqual(
        [
          [a, refs.get(a), 'Success'],
          [b, refs.get(b), 'Success'],
        ].sort(),
      );
      const feeds = h.sim.state.feeds.filter((feed) => feed.feedType === 'POST_ORDER_ACKNOWLEDGEMENT_DATA');
      expect(feeds).toHaveLength(1);
      const errors = await validateOrderFeedXml(feeds[0]!.input!.content);
      if (errors !== null) expect(errors).toEqual([]);
      const rows = await h.knex(h.tables.orders).whereNotNull('ack_state').select('ack_state');
      expect(rows.map((r) => r.ack_state)).toEqual(['acknowledged', 'acknowledged']);
      // nothing more to acknowledge
      expect((await importNow(h)).acknowledgements.submitted).toBe(0);
    }));

  test('a FATAL acknowledgement feed is sent again by the next run; the import itself is not held up', () =>
    withHarness({ orders: { acknowledge: true, waitForFeeds: true, retryBaseMs: 1 } }, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      h.sim.setFaults({ fatalFeedRate: 1 });
      const first = await importNow(h);
      expect(first).toMatchObject({ status: 'finished', imported: 1, acknowledgements: { submitted: 1, acknowledged: 0, failed: 0 } });
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ ack_state: 'pending', ack_feed_id: null });
      h.sim.setFaults({ fatalFeedRate: 0 });
      const second = await importNow(h);
      expect(second.acknowledgements).toEqual({ submitted: 1, acknowledged: 1, failed: 0 });
      expect(h.sim.state.acknowledgements.map((ack) => ack.orderId)).toEqual([orderId]);
    }));

  test('an acknowledgement feed Amazon could not parse (5001) acknowledges nothing; the orders are acknowledged again', () =>
    withHarness({ orders: { acknowledge: true, waitForFeeds: true, retryBaseMs: 1 } }, async (h) => {
      const a = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      const b = h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId;
      const real = gatewayFor(h);
      const damaging: AmazonGateway = { ...real, submitFeed: (input) => real.submitFeed({ ...input, content: `garbage${String(input.content)}` }) };
      const importer = createOrderImporter({ db: h.knex, shop: h.shop, gateway: damaging, accountId: 'acme-eu', tablePrefix: h.tablePrefix, orders: { acknowledge: true, waitForFeeds: true, retryBaseMs: 1 } });
      await h.settle();
      const first = await importer.importOrders();
      expect(first).toMatchObject({ imported: 2, acknowledgements: { submitted: 1, acknowledged: 0, failed: 0 } });
      expect(first.errors).toEqual([expect.objectContaining({ code: 'AMAZON_5001', willRetry: true, message: expect.stringMatching(/2 order\(s\): Amazon did not process feed \d+ as a whole \(0 of 2 messages/) })]);
      expect(h.sim.state.acknowledgements).toEqual([]);
      const rows = await h.knex(h.tables.orders).select('ack_state', 'ack_feed_id');
      expect(rows).toEqual([{ ack_state: 'pending', ack_feed_id: null }, { ack_state: 'pending', ack_feed_id: null }]);
      const second = await importNow(h);
      expect(second.acknowledgements).toEqual({ submitted: 1, acknowledged: 2, failed: 0 });
      expect(h.sim.state.acknowledgements.map((ack) => ack.orderId).sort()).toEqual([a, b].sort());
    }));

  test('an acknowledgement whose feed cannot be sent backs off and is given up after maxAttempts submissions', () =>
    withHarness({ orders: { acknowledge: true, maxAttempts: 2, retryBaseMs: 1 } }, async (h) => {
      const { orderId } = h.sim.seed.order(mugAndCup('UNSHIPPED'));
      let submissions = 0;
      const down = feedsDown(h, () => (submissions += 1));
      const importer = createOrderImporter({ db: h.knex, shop: h.shop, gateway: down, accountId: 'acme-eu', tablePrefix: h.tablePrefix, orders: { acknowledge: true, maxAttempts: 2, retryBaseMs: 1 } });
      await h.settle();
      const first = await importer.importOrders();
      expect(first).toMatchObject({ imported: 1, acknowledgements: { submitted: 0 } });
      expect(first.errors).toEqual([expect.objectContaining({ code: 'AMAZON_UNAVAILABLE', willRetry: true, message: expect.stringMatching(/1 order\(s\): Order acknowledgement could not be sent: createFeedDocument: 503/) })]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ ack_state: 'pending', ack_attempts: 1, ack_claimed_by: null });
      await sleep(5);
      const second = await importer.importOrders();
      expect(second.errors).toEqual([expect.objectContaining({ willRetry: false, message: expect.stringMatching(/given up after 2 submissions/) })]);
      expect(await h.knex(h.tables.orders).where({ amazon_order_id: orderId }).first()).toMatchObject({ ack_state: 'failed', ack_attempts: 2 });
      await sleep(5);
      expect((await importer.importOrders()).errors).toEqual([]);
      expect(submissions).toBe(2);
    }));

  test('acknowledgement claims are renewed while their feed is sent: a second importer meanwhile sends none of them again', () =>
    withHarness({}, async (h) => {
      const seeded = [h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId, h.sim.seed.order(mugAndCup('UNSHIPPED')).orderId];
      await importNow(h);
      // imported, not yet acknowledged
      await h.knex(h.tables.orders).update({ ack_state: 'pending' });
      const real = gatewayFor(h);
      const clock = manualClock();
      const hold = holdPoint();
      // the upload hangs (a throttled Amazon) while the lease runs out on the clock
      const slow: AmazonGateway = { ...real, submitFeed: async (input) => (await hold.pass(), real.submitFeed(input)) };
      const importer = (gateway: AmazonGateway, workerId: string) =>
        createOrderImporter({ db: h.knex, shop: h.shop, gateway, accountId: 'acme-eu', tablePrefix: h.tablePrefix, workerId, clock: clock.now, orders: { acknowledge: true, waitForFeeds: true, leaseMs: 300 } });
      const first = importer(slow, 'first').importOrders();
      await hold.reached;
      clock.advance(1000);
      await waitFor('the acknowledgements and the run are renewed past the new time', async () => {
        const rows = await h.knex(h.tables.orders).select('ack_claimed_by', 'ack_lease_until');
        const runs = await h.knex(h.tables.orderImportRuns).where({ worker_id: 'first' }).select('heartbeat_at');
        return rows.every((row) => row.ack_claimed_by !== null && Number(row.ack_lease_until) > clock.now()) && runs.every((run) => Number(run.heartbeat_at) >= clock.now());
      });
      const second = await importer(real, 'second').importOrders();
      expect(second.acknowledgements).toEqual({ submitted: 0, acknowledged: 0, failed: 0 });
      hold.release();
      expect((await first).acknowledgements).toEqual({ submitted: 1, acknowledged: 2, failed: 0 });
      expect(h.sim.state.feeds.filter((feed) => feed.feedType === 'POST_ORDER_ACKNOWLEDGEMENT_DATA')).toHaveLength(1);
      expect(h.sim.state.acknowledgements.map((ack) => ack.orderId).sort()).toEqual([...seeded].sort());
    }));

  test('acknowledgements that fail together are written back in one statement, not one per order', () =>
    withHarness({ orders: { acknowledge: true, waitForFeeds: true, retryBaseMs: 1 } }, async (h) => {
      Array.from({ length: 5 }, () => h.sim.seed.order(mugAndCup('UNSHIPPED')));
      const down = feedsDown(h);
      const unavailable = countUpdatesWriting(h.knex, 'AMAZON_UNAVAILABLE');
      await h.settle();
      const importer = createOrderImporter({ db: h.knex, shop: h.shop, gateway: down, accountId: 'acme-eu', tablePrefix: h.tablePrefix, orders: { acknowledge: true, retryBaseMs: 1 } });
      expect(await importer.importOrders()).toMatchObject({ imported: 5, acknowledgements: { submitted: 0 } });
      unavailable.stop();
      expect(unavailable.count()).toBe(1);
      await sleep(5);
      h.sim.setFaults({ fatalFeedRate: 1 });
      const fatal = countUpdatesWriting(h.knex, 'FEED_FATAL');
      expect(await importNow(h)).toMatchObject({ acknowledgements: { submitted: 1, acknowledged: 0 } });
      fatal.stop();
      expect(fatal.count()).toBe(1);
      h.sim.setFaults({ fatalFeedRate: 0 });
      await sleep(5);
      expect((await importNow(h)).acknowledgements).toEqual({ submitted: 1, acknowledged: 5, failed: 0 });
    }));

  test('status() shows the latest run that ended, and says which runs are still in progress', () =>
    withHarness({}, async (h) => {
      h.sim.seed.order(mugAndCup('UNSHIPPED'));
      const done = await importNow(h);
      const hold = holdPoint();
      const slow: ShopAdapter = {
        ...h.shop,
        async createOrder(draft) {
          await hold.pass();
          return h.shop.createOrder!(draft);
        },
      };
      h.sim.seed.order(mugAndCup('UNSHIPPED'));
      await h.settle();
      const running = h.newSync({ shop: slow, workerId: 'slow-worker' }).importOrders();
      await hold.reached;
      const during = (await h.sync.status()).orders!;
      expect(during).toMatchObject({ runId: done.runId, status: 'finished', imported: 1 });
      expect(during.running).toEqual([{ runId: expect.any(Number), workerId: 'slow-worker', startedAt: expect.any(Date), heartbeatAt: expect.any(Date) }]);
      expect(during.running![0]!.runId).toBeGreaterThan(done.runId);
      hold.release();
      const second = (await running)!;
      expect((await h.sync.status()).orders).toMatchObject({ runId: second.runId, status: 'finished', imported: 1, running: [] });
    }));

  test('a run whose process died while running is closed as abandoned by the next run; a live one is left alone', () =>
    withHarness({ orders: { leaseMs: 60_000 } }, async (h) => {
      const run = (workerId: string, heartbeatAt: number) => ({ account_id: 'acme-eu', marketplace_ids: DE, worker_id: workerId, status: 'running', started_at: heartbeatAt - 1000, heartbeat_at: heartbeatAt });
      await h.knex(h.tables.orderImportRuns).insert([run('crashed', Date.now() - 10 * 60_000), run('alive', Date.now())]);
      h.sim.seed.order(mugAndCup('UNSHIPPED'));
      const summary = await importNow(h);
      const rows = await h.knex(h.tables.orderImportRuns).select('worker_id', 'status', 'error_code').orderBy('id');
      expect(rows.slice(0, 2)).toEqual([
        { worker_id: 'crashed', status: 'abandoned', error_code: 'ORDER_IMPORT_ABANDONED' },
        { worker_id: 'alive', status: 'running', error_code: null },
      ]);
      const status = (await h.sync.status()).orders!;
      expect(status).toMatchObject({ runId: summary.runId, status: 'finished' });
      expect(status.running!.map((r) => r.workerId)).toEqual(['alive']);
    }));

  test('two marketplaces: a cursor each, and status() shows the last run with every count', () =>
    withHarness({ marketplaceIds: [DE, FR] }, async (h) => {
      h.sim.seed.order(mugAndCup('UNSHIPPED'));
      h.sim.seed.order({ ...mugAndCup('UNSHIPPED'), marketplaceId: FR });
      const summary = await importNow(h);
      expect(summary.imported).toBe(2);
      expect(summary.marketplaces.map((m) => [m.marketplaceId, m.orders])).toEqual([
        [DE, 1],
        [FR, 1],
      ]);
      const cursors = await h.knex(h.tables.orderCursors).select('marketplace_id', 'account_id').orderBy('marketplace_id');
      expect(cursors).toEqual([
        { marketplace_id: FR, account_id: 'acme-eu' },
        { marketplace_id: DE, account_id: 'acme-eu' },
      ]);
      const status = await h.sync.status();
      expect(status.orders).toMatchObject({ runId: summary.runId, status: 'finished', imported: 2, skipped: 0, failed: 0 });
      expect(status.orders!.finishedAt).toBeInstanceOf(Date);
    }));
});
