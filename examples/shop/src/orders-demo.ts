import type { Knex } from 'knex';
import { formatMoney, type OrderImportSummary, type SellerSync } from '@sellersync/core';
import type { Simulator } from '@sellersync/sp-api-simulator';
import { createDemoSync, GERMANY, SHOP_CARRIER, TIME_SCALE } from './create-demo-sync';
import { shipOrder } from './ship-order';
import type { ShopOrderRow } from './shop-database';

/** SKUs whose stock the orders move (the FBA and the unknown one never do). */
const WATCHED_SKUS = ['MUG-CLASSIC-RED', 'MUG-CLASSIC-BLUE', 'TEAPOT-1L'];

// The Orders API shows a change only about two minutes later (scaled: 120 ms); importing sooner
// would simply find it on the next run, but the demo wants it in this one.
const ordersLag = () => new Promise<void>((resolve) => setTimeout(resolve, Math.ceil(120_000 / TIME_SCALE) + 30));

const heading = (text: string) => console.log(`\n${text}\n${'─'.repeat(text.length)}`);
const money = (cents: number | string, currency: string) => `${formatMoney({ amount: Number(cents), currency })} ${currency}`;

async function importNow(sync: SellerSync): Promise<OrderImportSummary> {
  await ordersLag();
  const summary = await sync.importOrders();
  if (summary === null) throw new Error('order import is switched off (orders.enabled)');
  return summary;
}

function printSummary(summary: OrderImportSummary): void {
  console.log(
    `importOrders: ${summary.seen} seen, ${summary.imported} imported, ${summary.updated} updated, ` +
      `${summary.unchanged} unchanged, ${summary.skipped} not imported, ${summary.failed} failed`,
  );
  for (const skipped of summary.skippedOrders) console.log(`  not imported: ${skipped.amazonOrderId} [${skipped.reason}] ${skipped.message}`);
  for (const error of summary.errors) console.log(`  failed: ${JSON.stringify(error)}`);
}

async function stockBySku(knex: Knex): Promise<Map<string, number>> {
  const rows = (await knex('products').whereIn('sku', WATCHED_SKUS).select('sku', 'stock')) as { sku: string; stock: number }[];
  return new Map(rows.map((row) => [row.sku, Number(row.stock)]));
}

/** One row per order line; the order's columns only on its first line. */
async function printShopOrders(knex: Knex): Promise<void> {
  const orders = (await knex('orders').orderBy('id')) as ShopOrderRow[];
  const lines = (await knex('order_lines').orderBy('id')) as { order_id: number; name: string; quantity: number; unit_price_cents: number }[];
  console.table(
    orders.flatMap((order) =>
      lines
        .filter((line) => Number(line.order_id) === Number(order.id))
        .map((line, index) => ({
          'shop order': index === 0 ? order.id : '',
          'Amazon order': index === 0 ? order.external_id : '',
          'fulfilled by': index === 0 ? order.fulfilled_by : '',
          status: index === 0 ? order.status : '',
          carrier: index === 0 ? (order.carrier ?? '') : '',
          qty: line.quantity,
          line: line.name,
          'unit price': money(line.unit_price_cents, order.currency),
        })),
    ),
  );
}

async function printStock(knex: Knex, columns: readonly { title: string; stock: Map<string, number> }[]): Promise<void> {
  console.table(
    WATCHED_SKUS.map((sku) => Object.fromEntries([['sku', sku], ...columns.map((column) => [column.title, column.stock.get(sku) ?? '—'])])),
  );
  const reservations = (await knex('stock_reservations').orderBy('reservation_id')) as { reservation_id: string; state: string }[];
  console.log('stock reservations (one per merchant-fulfilled order):');
  for (const row of reservations) console.log(`  ${row.reservation_id}: ${row.state}`);
}

/**
 * The orders half of the demo: orders placed on Amazon (seeded in the simulator) become shop
 * orders exactly once, take stock or leave it alone (FBA), follow Amazon's status changes
 * (stock back on a cancellation), and a parcel the shop ships is confirmed to Amazon with its
 * carrier and tracking number.
 */
export async function runOrdersDemo(knex: Knex, sim: Simulator): Promise<void> {
  const sync = createDemoSync(knex, sim);

  heading('Orders: Amazon → shop');
  const pending = sim.seed.order({
    marketplaceId: GERMANY,
    status: 'PENDING',
    items: [{ sellerSku: 'MUG-CLASSIC-BLUE', quantity: 2, unitPrice: '9.99', itemTax: '3.19' }],
  });
  const unshipped = sim.seed.order({
    marketplaceId: GERMANY,
    status: 'UNSHIPPED',
    items: [
      { sellerSku: 'TEAPOT-1L', quantity: 1, unitPrice: '34.90', itemTax: '5.57', shipping: '4.90', shippingTax: '0.78' },
      { sellerSku: 'MUG-CLASSIC-RED', quantity: 1, unitPrice: '11.99', itemTax: '1.91' },
    ],
  });
  const fba = sim.seed.order({
    marketplaceId: GERMANY,
    fulfilledBy: 'AMAZON',
    status: 'SHIPPED',
    items: [{ sellerSku: 'FBA-KETTLE-05', title: 'Travel kettle 0.5 l', quantity: 1, unitPrice: '29.90', itemTax: '4.77' }],
  });
  const unknown = sim.seed.order({
    marketplaceId: GERMANY,
    status: 'UNSHIPPED',
    items: [{ sellerSku: 'MUG-GIANT-1L', title: 'Giant mug, 1 l', quantity: 1, unitPrice: '17.50', itemTax: '2.79' }],
  });
  console.log('orders placed on Amazon.de (seeded in the simulator):');
  console.table(
    [
      [pending, 'merchant (MFN)', 'a mug the shop sells, not paid yet'],
      [unshipped, 'merchant (MFN)', 'two items the shop sells'],
      [fba, 'Amazon (FBA)', 'an item the shop does not list'],
      [unknown, 'merchant (MFN)', 'a SKU the shop lacks'],
    ].map(([order, by, what]) => {
      const o = order as typeof pending;
      return { 'Amazon order': o.orderId, 'fulfilled by': by, 'Amazon status': o.fulfillment?.fulfillmentStatus, items: what };
    }),
  );

  const before = await stockBySku(knex);
  printSummary(await importNow(sync));
  console.log('\nshop orders created (customer e-mails are <order id>@amazon-order.invalid: the shop never mails buyers):');
  await printShopOrders(knex);
  const placeholder = await knex('products').where({ hidden: true }).first('id', 'sku', 'title');
  if (placeholder) console.log(`the {FBA} line is on the hidden placeholder product ${placeholder.id} "${placeholder.title}" (${placeholder.sku}), never offered for sale`);
  const afterImport = await stockBySku(knex);
  console.log('\nstock: the Pending order reserves, the Unshipped one is sold, FBA stock is Amazon\'s:');
  await printStock(knex, [
    { title: 'before', stock: before },
    { title: 'after import', stock: afterImport },
  ]);

  heading('Amazon changes the orders');
  sim.seed.setOrderStatus(pending.orderId, 'UNSHIPPED');
  sim.seed.setOrderStatus(unshipped.orderId, 'CANCELLED');
  console.log(`${pending.orderId}: PENDING → UNSHIPPED (paid); ${unshipped.orderId}: UNSHIPPED → CANCELLED`);
  printSummary(await importNow(sync));
  const statuses = (await knex('orders').whereIn('external_id', [pending.orderId, unshipped.orderId]).orderBy('id')) as ShopOrderRow[];
  for (const order of statuses) console.log(`  shop order ${order.id} (${order.external_id}) is now ${order.status}`);
  console.log('\nstock: the reservation is now a sale, the cancelled order\'s units are back:');
  await printStock(knex, [
    { title: 'before', stock: before },
    { title: 'after import', stock: afterImport },
    { title: 'now', stock: await stockBySku(knex) },
  ]);
  // the importer queued an offer change for every SKU whose stock it moved, so one push sends the
  // new quantities; reconcile afterwards finds nothing left to send
  const pushed = await sync.pushListings({ untilDrained: true, timeoutMs: 30_000 });
  const reconciled = await sync.reconcile();
  console.log(
    `pushListings: ${pushed.messagesSent} message(s) for the stock the orders moved; Amazon quantities now ` +
      WATCHED_SKUS.map((sku) => `${sku} ${sim.state.offer(sku, GERMANY)?.quantity ?? '—'}`).join(', ') +
      ` (stock − buffer 1); reconcile afterwards: ${reconciled.enqueued} queued`,
  );

  heading('Shipment: shop → Amazon');
  const paid = statuses.find((order) => order.external_id === pending.orderId)!;
  await shipOrder(knex, paid.id, { packages: [{ carrier: SHOP_CARRIER, trackingNumber: '00340434161094042557', shippingMethod: 'Paket' }] });
  console.log(`shop order ${paid.id} marked shipped: 1 parcel, ${SHOP_CARRIER}, tracking 00340434161094042557`);
  const confirmed = await sync.confirmShipments();
  if (confirmed)
    console.log(
      `confirmShipments (${confirmed.mode}): ${confirmed.ordersShipped} order(s) shipped in the shop, ` +
        `${confirmed.confirmed} package(s) confirmed, ${confirmed.rejected} rejected, ${confirmed.failed} failed`,
    );
  for (const problem of confirmed?.problems ?? []) console.log(`  problem: ${JSON.stringify(problem)}`);
  console.log('what Amazon recorded (the simulator):');
  console.table(
    sim.state.shipments.map((s) => ({
      'Amazon order': s.orderId,
      'package ref': s.packageReferenceId,
      'carrier code': s.carrierCode,
      'shipping method': s.shippingMethod ?? '',
      tracking: s.trackingNumber,
      items: s.items.map((item) => `${item.quantity} × ${item.orderItemId}`).join(', '),
      via: s.source,
    })),
  );
  console.log(`Amazon status of ${pending.orderId}: ${sim.state.order(pending.orderId)?.fulfillment?.fulfillmentStatus}`);

  const status = await sync.status();
  const lastFeed = status.listings.lastReports[0];
  const packages = Object.entries(status.shipments.packages)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`)
    .join(', ');
  heading('sync.status()');
  console.log(`  queue:     ${status.queue.pending} pending, ${status.queue.inFlight} in flight, ${status.queue.failed} failed (kept with Amazon's reason)`);
  console.log(
    `  listings:  ${status.listings.feedsInFlight.length} feed(s) in flight` +
      (lastFeed ? `; last feed ${lastFeed.feedId} ${lastFeed.status}, ${lastFeed.summary?.messagesAccepted ?? 0} accepted` : ''),
  );
  if (status.orders)
    console.log(
      `  orders:    last import (run ${status.orders.runId}) ${status.orders.status}: ` +
        `${status.orders.imported} imported, ${status.orders.updated} updated, ${status.orders.skipped} not imported`,
    );
  console.log(`  shipments: ${packages || 'no packages'}`);
}
