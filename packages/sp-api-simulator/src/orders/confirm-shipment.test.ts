import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { modelErrors } from '../test-support/amazon-models';
import { startHarness, type Harness } from '../test-support/harness';
import { DE, rejectionOf } from '../test-support/sp-client';
import type { SimulatedOrder } from './orders-store';

const MODEL = 'sp-api-models/ordersV0.json';

describe('Orders v0 confirmShipment', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ rateLimits: false });
  });
  afterAll(() => harness.sim.close());

  const itemIds = (order: SimulatedOrder) => order.orderItems.map((item) => item.orderItemId);
  const confirm = (orderId: string, packageDetail: Record<string, unknown>, marketplaceId: unknown = DE) =>
    harness.sp.callAPI({ operation: 'orders.confirmShipment', path: { orderId }, body: { marketplaceId, packageDetail } });
  const detail = (orderItems: unknown[], extra: Record<string, unknown> = {}) => ({
    packageReferenceId: '1',
    carrierCode: 'DHL',
    shippingMethod: 'Paket',
    trackingNumber: '00340434161234567890',
    shipDate: '2026-11-20T10:00:00Z',
    orderItems,
    ...extra,
  });
  const statusOf = (orderId: string) => harness.sim.state.order(orderId)!.fulfillment!.fulfillmentStatus;

  test('204 per package: PARTIALLY_SHIPPED, then SHIPPED; re-sending a packageReferenceId edits that package', async () => {
    const order = harness.sim.seed.order({ items: [{ sellerSku: 'C-1', quantity: 2, unitPrice: '10.00' }, { sellerSku: 'C-2', quantity: 1, unitPrice: '5.00' }] });
    const [first, second] = itemIds(order);
    const raw = (await harness.sp.callAPI({ operation: 'orders.confirmShipment', path: { orderId: order.orderId }, body: { marketplaceId: DE, packageDetail: detail([{ orderItemId: first, quantity: 2 }]) }, options: { raw_result: true } } as never)) as { statusCode: number; body: string };
    expect(raw).toMatchObject({ statusCode: 204, body: '' });
    expect(statusOf(order.orderId)).toBe('PARTIALLY_SHIPPED');
    const updated = Date.parse(harness.sim.state.order(order.orderId)!.lastUpdatedTime);
    expect(updated).toBeGreaterThan(Date.parse(order.lastUpdatedTime));
    // The same package again, with a corrected tracking number: edited, not shipped twice.
    expect(await confirm(order.orderId, detail([{ orderItemId: first, quantity: 2 }], { trackingNumber: '00340434161234567899' }))).toEqual({ success: true });
    expect(harness.sim.state.order(order.orderId)!.packages).toEqual([expect.objectContaining({ packageReferenceId: '1', trackingNumber: '00340434161234567899', packageItems: [{ orderItemId: first, quantity: 2 }] })]);
    expect(statusOf(order.orderId)).toBe('PARTIALLY_SHIPPED');
    const overshoot = await rejectionOf(confirm(order.orderId, detail([{ orderItemId: first, quantity: 1 }], { packageReferenceId: '2' })));
    expect(overshoot).toMatchObject({ code: 'InvalidInput', message: `The quantity 1 of order item ${first} exceeds the 0 unit(s) not yet shipped.` });
    await confirm(order.orderId, detail([{ orderItemId: second, quantity: 1 }], { packageReferenceId: '2', carrierCode: 'Other', carrierName: 'Kurier Müller' }));
    expect(statusOf(order.orderId)).toBe('SHIPPED');
    const packages = harness.sim.state.order(order.orderId)!.packages!;
    expect(packages.map((pkg) => pkg.carrier)).toEqual(['DHL', 'Kurier Müller']);
    // Editing a package of a SHIPPED order is still allowed.
    await confirm(order.orderId, detail([{ orderItemId: second, quantity: 1 }], { packageReferenceId: '2', carrierCode: 'DPD' }));
    const shipments = harness.sim.state.shipments.filter((shipment) => shipment.orderId === order.orderId);
    expect(shipments.map((shipment) => [shipment.packageReferenceId, shipment.edited, shipment.source])).toEqual([
      ['1', false, 'confirmShipment'],
      ['1', true, 'confirmShipment'],
      ['2', false, 'confirmShipment'],
      ['2', true, 'confirmShipment'],
    ]);
  });

  test.each([
    ['no marketplaceId', undefined, {}],
    ['another marketplace', 'A13V1IB3VIYZZH', {}],
    ['packageReferenceId 0', DE, { packageReferenceId: '0' }],
    ['a non-numeric packageReferenceId', DE, { packageReferenceId: 'PKG-1' }],
    ['a number as packageReferenceId', DE, { packageReferenceId: 1 }],
    ['no carrierCode', DE, { carrierCode: undefined }],
    ['carrierCode Other without carrierName', DE, { carrierCode: 'Other' }],
    ['no trackingNumber', DE, { trackingNumber: '' }],
    ['a shipDate that is not ISO 8601', DE, { shipDate: '02/21/2022' }],
    ['no order items', DE, { orderItems: [] }],
    ['an unknown order item', DE, { orderItems: [{ orderItemId: '99999999999999', quantity: 1 }] }],
    ['quantity 0', DE, { orderItems: 'FIRST:0' }],
    ['a fractional quantity', DE, { orderItems: 'FIRST:1.5' }],
    ['a quantity above what is left', DE, { orderItems: 'FIRST:3' }],
    ['the same item twice', DE, { orderItems: 'TWICE' }],
  ])('400 InvalidInput for %s', async (_name, marketplaceId, change) => {
    const order = harness.sim.seed.order({ items: [{ sellerSku: 'V-1', quantity: 2, unitPrice: '1.00' }] });
    const [first] = itemIds(order);
    let orderItems: unknown = [{ orderItemId: first, quantity: 1 }];
    const spec = (change as { orderItems?: unknown }).orderItems;
    if (typeof spec === 'string') orderItems = spec === 'TWICE' ? [{ orderItemId: first, quantity: 1 }, { orderItemId: first, quantity: 1 }] : [{ orderItemId: first, quantity: Number(spec.split(':')[1]) }];
    else if (spec !== undefined) orderItems = spec;
    const body = { marketplaceId, packageDetail: { ...detail(orderItems as unknown[]), ...change, orderItems } };
    const raw = (await harness.sp.callAPI({ operation: 'orders.confirmShipment', path: { orderId: order.orderId }, body, options: { raw_result: true } } as never)) as { statusCode: number; body: string };
    expect(raw.statusCode).toBe(400);
    const answer = JSON.parse(raw.body);
    expect(answer.errors[0].code).toBe('InvalidInput');
    expect(modelErrors(answer, MODEL, 'ConfirmShipmentErrorResponse')).toBe('');
    expect(statusOf(order.orderId)).toBe('UNSHIPPED');
  });

  test('only merchant-fulfilled orders that are UNSHIPPED or PARTIALLY_SHIPPED; 404 for an unknown order', async () => {
    const { seed } = harness.sim;
    const cases = [
      [seed.order({ fulfilledBy: 'AMAZON', items: [{ sellerSku: 'O-1', quantity: 1, unitPrice: '1.00' }] }), /fulfilled by Amazon/],
      [seed.order({ status: 'PENDING', items: [{ sellerSku: 'O-2', quantity: 1, unitPrice: '1.00' }] }), /is PENDING/],
      [seed.order({ status: 'SHIPPED', items: [{ sellerSku: 'O-3', quantity: 1, unitPrice: '1.00' }] }), /is SHIPPED/],
    ] as const;
    for (const [order, message] of cases) {
      const error = await rejectionOf(confirm(order.orderId, detail([{ orderItemId: itemIds(order)[0], quantity: 1 }])));
      expect(error.code).toBe('InvalidInput');
      expect(error.message).toMatch(message);
    }
    const cancelled = seed.order({ items: [{ sellerSku: 'O-4', quantity: 1, unitPrice: '1.00' }] });
    seed.setOrderStatus(cancelled.orderId, 'CANCELLED');
    expect((await rejectionOf(confirm(cancelled.orderId, detail([{ orderItemId: itemIds(cancelled)[0], quantity: 1 }])))).message).toMatch(/CANCELLED/);
    expect(await rejectionOf(confirm('302-1111111-2222222', detail([{ orderItemId: '1', quantity: 1 }])))).toMatchObject({ code: 'NotFound' });
  });
});
