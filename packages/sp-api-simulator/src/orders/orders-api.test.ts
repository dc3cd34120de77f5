import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { modelErrors } from '../test-support/amazon-models';
import { startHarness, type Harness } from '../test-support/harness';
import { DE, rejectionOf } from '../test-support/sp-client';

const MODEL = 'sp-api-models/orders_2026-01-01.json';
const UK = 'A1F83G8C2ARO7P';
const HOUR = 3600_000;

interface Order {
  orderId: string;
  createdTime: string;
  lastUpdatedTime: string;
  buyer?: Record<string, unknown>;
  recipient?: Record<string, unknown>;
  proceeds?: { grandTotal: { amount: string; currencyCode: string }; breakdowns: { type: string; subtotal: { amount: string } }[] };
  fulfillment?: { fulfillmentStatus: string; fulfilledBy: string };
  orderItems: { orderItemId: string; proceeds?: { proceedsTotal: { amount: string }; breakdowns: { type: string; subtotal: { amount: string } }[] }; fulfillment?: Record<string, number> }[];
  packages?: unknown[];
  payment?: { paymentExecutions: { paymentMethod: string; paymentAmount: { amount: string; currencyCode: string } }[] };
}
interface SearchResult {
  orders: Order[];
  pagination?: { nextToken?: string };
  createdBefore?: string;
  lastUpdatedBefore?: string;
}

describe('Orders 2026-01-01', () => {
  let harness: Harness;
  const base = Date.now() - 10 * HOUR;
  let seeded: string[];
  beforeAll(async () => {
    harness = await startHarness({ rateLimits: false });
    seeded = harness.sim.seed
      .orders(10, (index) => ({
        createdTime: new Date(base + index * 60_000).toISOString(),
        marketplaceId: index === 9 ? UK : DE,
        fulfilledBy: index % 3 === 0 ? 'AMAZON' : 'MERCHANT',
        status: index % 3 === 0 ? 'SHIPPED' : index === 1 ? 'PENDING' : 'UNSHIPPED',
        items: [{ sellerSku: `ORDER-SKU-${index}`, quantity: 1 + (index % 2), unitPrice: '10.00', itemTax: '1.60' }],
      }))
      .map((order) => order.orderId);
  });
  afterAll(() => harness.sim.close());

  const search = (query: Record<string, unknown>) => harness.sp.callAPI({ operation: 'orders.searchOrders', query }) as Promise<SearchResult>;
  const createdAfter = new Date(base - 1000).toISOString();

  test('createdAfter returns the orders in creation order, echoes createdBefore and matches the model', async () => {
    const before = Date.now();
    const result = await search({ createdAfter });
    expect(modelErrors(result, MODEL, 'SearchOrdersResponse')).toBe('');
    expect(result.orders.map((order) => order.orderId)).toEqual(seeded);
    expect(result.pagination).toBeUndefined();
    expect(result.lastUpdatedBefore).toBeUndefined();
    const echoed = Date.parse(result.createdBefore!);
    // The Orders API lags two minutes (divided by timeScale 1000: 120 ms).
    expect(echoed).toBeLessThanOrEqual(Date.now() - 120);
    expect(echoed).toBeGreaterThanOrEqual(before - 130);
    expect(Object.keys(result.orders[0]!).sort()).toEqual(['createdTime', 'lastUpdatedTime', 'orderId', 'orderItems', 'salesChannel']);
  });

  test('paginates with nextToken without gaps or duplicates, and binds the token to the query', async () => {
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page: SearchResult = await search({ createdAfter, maxResultsPerPage: pages.length === 0 ? 3 : 4, ...(token ? { paginationToken: token } : {}) });
      pages.push(page.orders.map((order) => order.orderId));
      token = page.pagination?.nextToken;
      if (pages.length === 1) {
        expect(await rejectionOf(search({ createdAfter: new Date(base).toISOString(), paginationToken: token }))).toMatchObject({ code: 'InvalidInput' });
        expect(await rejectionOf(search({ createdAfter, fulfilledBy: ['MERCHANT'], paginationToken: token }))).toMatchObject({ code: 'InvalidInput' });
      }
    } while (token);
    expect(pages.map((page) => page.length)).toEqual([3, 4, 3]);
    expect(pages.flat()).toEqual(seeded);
  });

  test('an order updated between pages of a lastUpdatedAfter search drops out without shifting the others', async () => {
    const first = await search({ lastUpdatedAfter: createdAfter, maxResultsPerPage: 4 });
    expect(first.lastUpdatedBefore).toBeDefined();
    const returned = first.orders.map((order) => order.orderId);
    const later = seeded.filter((orderId) => !returned.includes(orderId));
    harness.sim.seed.setOrderStatus(seeded[1]!, 'UNSHIPPED');
    harness.sim.seed.setOrderStatus(later[0]!, 'CANCELLED');
    const rest: string[] = [];
    let token = first.pagination?.nextToken;
    while (token) {
      const page: SearchResult = await search({ lastUpdatedAfter: createdAfter, maxResultsPerPage: 4, paginationToken: token });
      expect(page.lastUpdatedBefore).toBe(first.lastUpdatedBefore);
      rest.push(...page.orders.map((order) => order.orderId));
      token = page.pagination?.nextToken;
    }
    expect([...returned, ...rest]).toEqual(seeded.filter((orderId) => orderId !== later[0]));
    // The next incremental run from the echoed bound sees both changes once the lag has passed.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const next = await search({ lastUpdatedAfter: first.lastUpdatedBefore });
    expect(next.orders.map((order) => order.orderId).sort()).toEqual([seeded[1]!, later[0]!].sort());
  });

  test('filters by fulfillment status, fulfilledBy and marketplace', async () => {
    const shippedFba = await search({ createdAfter, fulfillmentStatuses: ['SHIPPED'], fulfilledBy: ['AMAZON'], includedData: ['FULFILLMENT'] });
    expect(shippedFba.orders.length).toBeGreaterThan(0);
    expect(shippedFba.orders.every((order) => order.fulfillment?.fulfillmentStatus === 'SHIPPED' && order.fulfillment.fulfilledBy === 'AMAZON')).toBe(true);
    expect((await search({ createdAfter, marketplaceIds: [UK] })).orders.map((order) => order.orderId)).toEqual([seeded[9]]);
    expect((await search({ createdAfter, fulfillmentStatuses: ['PARTIALLY_SHIPPED'] })).orders).toEqual([]);
  });

  test('includedData controls the blocks; buyer e-mail only for MFN, no address while PENDING', async () => {
    const pending = harness.sim.seed.order({ status: 'PENDING', createdTime: new Date(base - 2 * HOUR).toISOString(), items: [{ sellerSku: 'P-1', quantity: 1, unitPrice: '1.00' }] });
    const all = ['BUYER', 'RECIPIENT', 'PROCEEDS', 'EXPENSE', 'PROMOTION', 'CANCELLATION', 'FULFILLMENT', 'PACKAGES', 'TAX', 'PAYMENT', 'FULFILLMENT_ORDERS'];
    const result = await search({ createdAfter: new Date(base - 3 * HOUR).toISOString(), includedData: all });
    expect(modelErrors(result, MODEL, 'SearchOrdersResponse')).toBe('');
    const byId = new Map(result.orders.map((order) => [order.orderId, order]));
    const mfn = byId.get(seeded[2]!)!;
    expect(mfn.buyer).toMatchObject({ buyerName: 'Erika Mustermann', buyerEmail: expect.stringContaining('@marketplace.amazon.de') });
    expect(mfn.recipient).toMatchObject({ deliveryAddress: { city: 'Köln', countryCode: 'DE' } });
    expect(mfn.packages).toEqual([]);
    const afn = byId.get(seeded[0]!)!;
    expect(afn.buyer!.buyerEmail).toBeUndefined();
    expect(afn.packages).toBeUndefined();
    expect(byId.get(pending.orderId)!.recipient).toBeUndefined();
    expect(afn.orderItems[0]!.fulfillment).toEqual({ quantityFulfilled: 1, quantityUnfulfilled: 0 });
    // PAYMENT: one payment execution of the whole amount
    expect(mfn.payment).toEqual({ paymentExecutions: [{ paymentMethod: 'CreditCard', paymentAmount: mfn.proceeds!.grandTotal }] });
    expect((await search({ createdAfter: new Date(base - 3 * HOUR).toISOString(), includedData: ['PROCEEDS'] })).orders.every((order) => order.payment === undefined)).toBe(true);
  });

  test('seeds set the payment method, or leave the payment block out', async () => {
    const cod = harness.sim.seed.order({ paymentMethod: 'CashOnDelivery', items: [{ sellerSku: 'COD-1', quantity: 1, unitPrice: '9.90' }] });
    const none = harness.sim.seed.order({ paymentMethod: null, items: [{ sellerSku: 'COD-2', quantity: 1, unitPrice: '9.90' }] });
    const fetch = async (orderId: string) => {
      const answer = (await harness.sp.callAPI({ operation: 'orders.getOrder', path: { orderId }, query: { includedData: ['PAYMENT'] } })) as { order: Order };
      expect(modelErrors(answer, MODEL, 'GetOrderResponse')).toBe('');
      return answer.order;
    };
    expect((await fetch(cod.orderId)).payment).toEqual({ paymentExecutions: [{ paymentMethod: 'CashOnDelivery', paymentAmount: { amount: '9.90', currencyCode: 'EUR' } }] });
    expect((await fetch(none.orderId)).payment).toBeUndefined();
    expect(() => harness.sim.seed.order({ paymentMethod: '', items: [{ sellerSku: 'COD-3', quantity: 1, unitPrice: '1.00' }] })).toThrow(/paymentMethod must be a non-empty string or null/);
  });

  test('proceeds add up: item breakdowns to proceedsTotal, items to grandTotal; VAT inside the prices, US sales tax on top', async () => {
    const items = [
      { sellerSku: 'SUM-1', quantity: 2, unitPrice: '10.00', itemTax: '3.19', shipping: '4.90', shippingTax: '0.78', promotionDiscount: '1.00', promotionIds: ['PROMO-1'] },
      { sellerSku: 'SUM-2', quantity: 1, unitPrice: '5.55' },
    ];
    const fetch = async (orderId: string) =>
      ((await harness.sp.callAPI({ operation: 'orders.getOrder', path: { orderId }, query: { includedData: ['PROCEEDS', 'PROMOTION'] } })) as { order: Order & { orderItems: { promotion?: unknown }[] } }).order;
    const vat = await fetch(harness.sim.seed.order({ createdTime: new Date(base - 5 * HOUR).toISOString(), items }).orderId);
    const [first, second] = vat.orderItems;
    expect(first!.proceeds!.breakdowns.map((entry) => [entry.type, entry.subtotal.amount])).toEqual([
      ['ITEM', '20.00'],
      ['SHIPPING', '4.90'],
      ['TAX', '3.97'],
      ['DISCOUNT', '-1.00'],
    ]);
    // Amazon.de: the 3.97 VAT is part of the 20.00 and 4.90
    expect(first!.proceeds!.proceedsTotal.amount).toBe('23.90');
    expect(second!.proceeds!.proceedsTotal.amount).toBe('5.55');
    expect(vat.proceeds!.grandTotal).toEqual({ amount: '29.45', currencyCode: 'EUR' });
    expect(vat.proceeds!.breakdowns.find((entry) => entry.type === 'ITEM')!.subtotal.amount).toBe('25.55');
    expect(first!.promotion).toEqual({ breakdowns: [{ promotionId: 'PROMO-1' }] });
    // Amazon.com: sales tax on top
    const us = await fetch(harness.sim.seed.order({ marketplaceId: 'ATVPDKIKX0DER', createdTime: new Date(base - 5 * HOUR).toISOString(), items }).orderId);
    expect(us.orderItems[0]!.proceeds!.proceedsTotal.amount).toBe('27.87');
    expect(us.proceeds!.grandTotal).toEqual({ amount: '33.42', currencyCode: 'USD' });
    // a seed can say otherwise
    const onTop = await fetch(harness.sim.seed.order({ pricesIncludeTax: false, createdTime: new Date(base - 5 * HOUR).toISOString(), items }).orderId);
    expect(onTop.proceeds!.grandTotal.amount).toBe('33.42');
  });

  test('getOrder answers {order} per the model, 404 for an unknown order, 400 for a malformed id', async () => {
    const answer = await harness.sp.callAPI({ operation: 'orders.getOrder', path: { orderId: seeded[2]! }, query: { includedData: ['FULFILLMENT', 'PACKAGES'] } });
    expect(modelErrors(answer, MODEL, 'GetOrderResponse')).toBe('');
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'orders.getOrder', path: { orderId: '302-0000000-0000009' } }))).toMatchObject({ code: 'NotFound' });
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'orders.getOrder', path: { orderId: 'ABC' } }))).toMatchObject({ code: 'InvalidInput' });
  });

  test.each([
    ['neither createdAfter nor lastUpdatedAfter', {}],
    ['both createdAfter and lastUpdatedAfter', { createdAfter: '2026-01-01T00:00:00Z', lastUpdatedAfter: '2026-01-01T00:00:00Z' }],
    ['createdAfter with lastUpdatedBefore', { createdAfter: '2026-01-01T00:00:00Z', lastUpdatedBefore: '2026-01-02T00:00:00Z' }],
    ['a date that is not ISO 8601', { createdAfter: '01/02/2026' }],
    ['a before-bound before the after-bound', { createdAfter: '2026-01-02T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' }],
    ['a before-bound less than two minutes ago', { createdAfter: '2026-01-01T00:00:00Z', createdBefore: new Date(Date.now() + 60_000).toISOString() }],
    ['maxResultsPerPage 0', { createdAfter: '2026-01-01T00:00:00Z', maxResultsPerPage: 0 }],
    ['maxResultsPerPage 101', { createdAfter: '2026-01-01T00:00:00Z', maxResultsPerPage: 101 }],
    ['an unknown fulfillment status', { createdAfter: '2026-01-01T00:00:00Z', fulfillmentStatuses: ['Shipped'] }],
    ['an unknown includedData', { createdAfter: '2026-01-01T00:00:00Z', includedData: ['ITEMS'] }],
    ['an unknown fulfilledBy', { createdAfter: '2026-01-01T00:00:00Z', fulfilledBy: ['MFN'] }],
    ['a forged paginationToken', { createdAfter: '2026-01-01T00:00:00Z', paginationToken: 'bm90IGEgdG9rZW4' }],
  ])('searchOrders with %s → 400 InvalidInput', async (_name, query) => {
    const raw = (await harness.sp.callAPI({ operation: 'orders.searchOrders', query, options: { raw_result: true } } as never)) as { statusCode: number; body: string };
    expect(raw.statusCode).toBe(400);
    const body = JSON.parse(raw.body);
    expect(body.errors[0].code).toBe('InvalidInput');
    expect(modelErrors(body, MODEL, 'ErrorList')).toBe('');
  });
});

describe('seeding orders', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.sim.close());

  test('setOrderStatus follows Amazon\'s moves and makes lastUpdatedTime strictly increasing', () => {
    const { seed } = harness.sim;
    const a = seed.order({ status: 'PENDING', items: [{ sellerSku: 'S-1', quantity: 1, unitPrice: '1.00' }] });
    const b = seed.order({ status: 'PENDING', items: [{ sellerSku: 'S-2', quantity: 1, unitPrice: '1.00' }] });
    const times = [seed.setOrderStatus(a.orderId, 'UNSHIPPED'), seed.setOrderStatus(b.orderId, 'UNSHIPPED'), seed.setOrderStatus(a.orderId, 'SHIPPED'), seed.setOrderStatus(b.orderId, 'CANCELLED')].map((order) => Date.parse(order.lastUpdatedTime));
    for (let i = 1; i < times.length; i += 1) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    expect(() => seed.setOrderStatus(a.orderId, 'PENDING')).toThrow(/cannot go from SHIPPED to PENDING/);
    expect(() => seed.setOrderStatus('302-0000000-0000000', 'SHIPPED')).toThrow(/does not exist/);
    expect(harness.sim.state.order(a.orderId)!.orderItems[0]!.fulfillment!.quantityFulfilled).toBe(1);
  });

  test('seeded orders take their titles and ASINs from listings, and reject bad input with a clear message', () => {
    const { seed } = harness.sim;
    seed.listing({ sku: 'LISTED-1', marketplaceId: DE, asin: 'B0SIM00006', price: '20.00', quantity: 5 });
    const order = seed.order({ items: [{ sellerSku: 'LISTED-1', quantity: 1, unitPrice: '20.00' }] });
    expect(order.orderItems[0]!.product).toMatchObject({ asin: 'B0SIM00006', title: 'Crème brûlée ramekins — Édition spéciale' });
    expect(() => seed.order({ items: [] })).toThrow(/at least one item/);
    expect(() => seed.order({ items: [{ sellerSku: 'X', quantity: 1, unitPrice: '1.999' }] })).toThrow(/unitPrice must be a non-negative decimal/);
    expect(() => seed.order({ marketplaceId: 'XX', items: [{ sellerSku: 'X', quantity: 1, unitPrice: '1' }] })).toThrow(/unknown marketplaceId/);
    expect(() => seed.order({ orderId: order.orderId, items: [{ sellerSku: 'X', quantity: 1, unitPrice: '1' }] })).toThrow(/exists already/);
  });
});
