import { describe, expect, test } from '@jest/globals';
import type { AmazonOrder, AmazonOrderItem } from '../amazon-gateway';
import type { MatchResult } from '../matching';
import type { ShopProduct } from '../shop-adapter';
import { fakeOrderEmail, mapAmazonOrder, orderLineCandidates, type MappedOrder, type OrderMapperContext } from './order-mapper';
import { computeOrderTotals } from './order-totals';
import { resolveOrdersOptions, type OrdersOptions } from './orders-options';
import { validateAmazonOrder } from './validate-amazon-order';

const DE = 'A1PA6795UKMFR9';
const eur = (amount: string) => ({ amount, currencyCode: 'EUR' });

/** An Orders 2026-01-01 item with proceeds the way Amazon breaks them down. */
function item(id: string, sku: string, quantity: number, unit: string, extra: { tax?: string; shipping?: string; shippingTax?: string; discount?: string } = {}): AmazonOrderItem {
  const breakdowns: NonNullable<AmazonOrderItem['proceeds']>['breakdowns'] = [
    { type: 'ITEM', subtotal: eur((Number(unit) * quantity).toFixed(2)) },
    ...(extra.shipping ? [{ type: 'SHIPPING', subtotal: eur(extra.shipping) }] : []),
    ...(extra.tax
      ? [
          {
            type: 'TAX',
            subtotal: eur((Number(extra.tax) + Number(extra.shippingTax ?? '0')).toFixed(2)),
            detailedBreakdowns: [{ subtype: 'ITEM', value: eur(extra.tax) }, ...(extra.shippingTax ? [{ subtype: 'SHIPPING', value: eur(extra.shippingTax) }] : [])],
          },
        ]
      : []),
    ...(extra.discount ? [{ type: 'DISCOUNT', subtotal: eur(`-${extra.discount}`), detailedBreakdowns: [{ subtype: 'ITEM', value: eur(`-${extra.discount}`) }] }] : []),
  ];
  return {
    orderItemId: id,
    quantityOrdered: quantity,
    product: { asin: `B0${sku.padEnd(8, '0').slice(0, 8).toUpperCase()}`, sellerSku: sku, title: `Product ${sku}`, price: { unitPrice: eur(unit) } },
    proceeds: { breakdowns },
  };
}

function order(overrides: Partial<AmazonOrder> = {}, grandTotal = '50.88'): AmazonOrder {
  return {
    orderId: '302-1234567-7654321',
    createdTime: '2026-11-20T09:00:00Z',
    lastUpdatedTime: '2026-11-20T09:05:00Z',
    salesChannel: { channelName: 'AMAZON', marketplaceId: DE },
    buyer: { buyerName: 'Erika Mustermann', buyerEmail: 'abc123@marketplace.amazon.de', buyerPurchaseOrderNumber: 'PO-77' },
    recipient: {
      deliveryAddress: { name: 'Erika Mustermann', addressLine1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', countryCode: 'de', phone: '+49 221 0' },
    },
    proceeds: { grandTotal: eur(grandTotal) },
    fulfillment: { fulfillmentStatus: 'UNSHIPPED', fulfilledBy: 'MERCHANT', fulfillmentServiceLevel: 'EXPEDITED' },
    // Amazon.de, VAT inside the prices: 2 × 19.99 (3.80 VAT), shipping 4.90 (0.93 VAT), 1.00 off; 1 × 7.00 (1.33 VAT) → 50.88
    // (with the tax on top, as sales tax, the same amounts make 56.94)
    orderItems: [item('11111111111111', 'MUG-1', 2, '19.99', { tax: '3.80', shipping: '4.90', shippingTax: '0.93', discount: '1.00' }), item('22222222222222', 'CUP-2', 1, '7.00', { tax: '1.33' })],
    ...overrides,
  };
}

const product = (sku: string, ref: string): ShopProduct => ({
  productRef: ref,
  variantRef: null,
  sku,
  title: sku,
  gtin: null,
  asin: null,
  quantity: 10,
  price: { amount: 1999, currency: 'EUR' },
  salePrice: null,
  marketplaceIds: null,
  active: true,
});
const found = (sku: string, ref: string): MatchResult => ({ ok: true, product: product(sku, ref), rule: 'seller-sku' });
const missing = (sku: string): MatchResult => ({ ok: false, reason: 'not-found', message: `seller SKU "${sku}" matches no shop product` });

function context(options: OrdersOptions, matches: MatchResult[], placeholder: OrderMapperContext['placeholder'] = null): OrderMapperContext {
  return { accountId: 'acme', options: resolveOrdersOptions(options, [DE]), matches, marketplaceId: DE, placeholder };
}

async function mapped(o: AmazonOrder, ctx: OrderMapperContext): Promise<MappedOrder> {
  const result = await mapAmazonOrder(o, ctx);
  if (result.outcome !== 'draft') throw new Error(`expected a draft, got ${result.message}`);
  return result;
}

describe('order totals', () => {
  test('a VAT marketplace: the prices include the tax, the total adds none', () => {
    const totals = computeOrderTotals(order(), 'EUR');
    expect(totals).toMatchObject({
      items: { amount: 4698, currency: 'EUR' },
      itemTax: { amount: 513 },
      shipping: { amount: 490 },
      shippingTax: { amount: 93 },
      discount: { amount: 100 },
      tax: { amount: 606 },
      pricesIncludeTax: true,
      total: { amount: 5088 },
      mismatch: null,
    });
  });

  test('sales tax (Amazon.com, or the option) comes on top of the prices', () => {
    const us = (amount: string) => ({ amount, currencyCode: 'USD' });
    const usOrder: AmazonOrder = {
      ...order(),
      salesChannel: { channelName: 'AMAZON', marketplaceId: 'ATVPDKIKX0DER' },
      proceeds: { grandTotal: us('21.59') },
      orderItems: [{ orderItemId: '66666666666666', quantityOrdered: 1, product: { sellerSku: 'MUG-1', price: { unitPrice: us('19.99') } }, proceeds: { breakdowns: [{ type: 'ITEM', subtotal: us('19.99') }, { type: 'TAX', subtotal: us('1.60') }] } }],
    };
    expect(computeOrderTotals(usOrder, 'USD')).toMatchObject({ pricesIncludeTax: false, total: { amount: 2159 }, mismatch: null });
    expect(computeOrderTotals(order({}, '56.94'), 'EUR', { pricesIncludeTax: false })).toMatchObject({ pricesIncludeTax: false, computedTotal: { amount: 5694 }, mismatch: null });
  });

  test('a VAT order one cent off is reported with the true difference, never as tax on top', () => {
    const totals = computeOrderTotals(order({}, '50.89'), 'EUR');
    expect(totals.pricesIncludeTax).toBe(true);
    expect(totals.mismatch).toEqual({
      amazonTotal: { amount: 5089, currency: 'EUR' },
      computedTotal: { amount: 5088, currency: 'EUR' },
      difference: { amount: 1, currency: 'EUR' },
    });
    expect(totals.total.amount).toBe(5089);
  });

  test('a total that does not add up is reported, never rounded away (tax on top)', () => {
    const totals = computeOrderTotals(order({}, '56.95'), 'EUR', { pricesIncludeTax: false });
    expect(totals.mismatch).toEqual({
      amazonTotal: { amount: 5695, currency: 'EUR' },
      computedTotal: { amount: 5694, currency: 'EUR' },
      difference: { amount: 1, currency: 'EUR' },
    });
    expect(totals.total.amount).toBe(5695);
  });

  test('zero-decimal currencies and order-level delivery tips', () => {
    const yen = (amount: string) => ({ amount, currencyCode: 'JPY' });
    const o: AmazonOrder = {
      ...order(),
      proceeds: { grandTotal: yen('2300'), breakdowns: [{ type: 'ITEM', subtotal: yen('2000') }, { type: 'DELIVERY_TIP', subtotal: yen('300') }] },
      orderItems: [{ orderItemId: '33333333333333', quantityOrdered: 2, product: { sellerSku: 'JP-1', price: { unitPrice: yen('1000') } }, proceeds: { breakdowns: [{ type: 'ITEM', subtotal: yen('2000') }] } }],
    };
    const totals = computeOrderTotals(o, 'JPY');
    expect(totals).toMatchObject({ items: { amount: 2000, currency: 'JPY' }, other: { amount: 300 }, total: { amount: 2300 }, mismatch: null });
  });

  test('without proceeds (a Pending order) the total is unit price × quantity', () => {
    const o = order({ proceeds: undefined, orderItems: [{ orderItemId: '44444444444444', quantityOrdered: 3, product: { sellerSku: 'A', price: { unitPrice: eur('2.50') } } }] });
    const totals = computeOrderTotals(o, 'EUR');
    expect(totals).toMatchObject({ amazonTotal: null, total: { amount: 750 }, mismatch: null });
  });

  test('without a grand total the marketplace still decides: a VAT order is not given its VAT twice', async () => {
    const pending = order({ proceeds: undefined });
    const totals = computeOrderTotals(pending, 'EUR');
    expect(totals).toMatchObject({ amazonTotal: null, pricesIncludeTax: true, total: { amount: 5088 }, mismatch: null });
    const { draft } = await mapped(pending, context({}, [found('MUG-1', 'p1'), found('CUP-2', 'p2')]));
    expect(draft.lines.map((l) => l.unitPrice.amount)).toEqual([1999, 700]);
    expect(draft.shipping.price.amount).toBe(490);
    expect(draft.total.amount).toBe(5088);
    expect(draft.notes).toContain('Amazon sent no order total yet (pending order); the total is the sum of the lines.');
  });
});

describe('malformed orders', () => {
  const problem = (o: unknown) => validateAmazonOrder(o);

  test('a sound order passes', () => {
    expect(problem(order())).toBeNull();
  });

  test.each([
    ['no items', { orderItems: [] }, 'orderItems', /at least one item/],
    ['negative quantity', { orderItems: [{ ...item('1', 'A', 1, '1.00'), quantityOrdered: -2 }] }, 'orderItems[0].quantityOrdered', /whole number ≥ 0/],
    ['fractional quantity', { orderItems: [{ ...item('1', 'A', 1, '1.00'), quantityOrdered: 1.5 }] }, 'orderItems[0].quantityOrdered', /whole number/],
    ['unknown currency', { proceeds: { grandTotal: { amount: '1.00', currencyCode: 'XYZ' } } }, 'proceeds.grandTotal.currencyCode', /ISO 4217/],
    ['mixed currencies', { proceeds: { grandTotal: { amount: '1.00', currencyCode: 'USD' } } }, 'orderItems[0].product.price.unitPrice.currencyCode', /order's currency USD/],
    ['too many decimals', { proceeds: { grandTotal: eur('1.001') } }, 'proceeds.grandTotal.amount', /decimal amount/],
    ['missing item id', { orderItems: [{ ...item('1', 'A', 1, '1.00'), orderItemId: '' }] }, 'orderItems[0].orderItemId', /missing/],
    ['missing order id', { orderId: undefined }, 'orderId', /missing/],
    ['bad update time', { lastUpdatedTime: 'yesterday' }, 'lastUpdatedTime', /ISO 8601/],
  ])('%s is refused naming the order, field and rule', (_name, change, field, rule) => {
    const error = problem({ ...order(), ...change });
    expect(error?.code).toBe('INVALID_ORDER');
    expect(error?.details.field).toBe(field);
    expect(error?.message).toMatch(rule);
    if (field !== 'orderId') expect(error?.details.item).toBe('302-1234567-7654321');
  });
});

describe('mapping an Amazon order onto a shop order draft', () => {
  test('defaults: status, carrier, payment, customer, address, lines and amounts', async () => {
    const result = await mapped(order(), context({ carrierMap: { EXPEDITED: 'DHL Express' } }, [found('MUG-1', 'p1'), found('CUP-2', 'p2')]));
    const { draft } = result;
    expect(draft).toMatchObject({
      externalId: '302-1234567-7654321',
      accountId: 'acme',
      marketplaceId: DE,
      status: 'processing',
      fulfilledBy: 'merchant',
      currency: 'EUR',
      customer: { email: 'abc123@marketplace.amazon.de', firstName: 'Erika', lastName: 'Mustermann', taxId: null, matchByEmail: false },
      shippingAddress: { name: 'Erika Mustermann', line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', countryCode: 'DE', phone: '+49 221 0', line2: null },
      shipping: { carrier: 'DHL Express', price: { amount: 490 }, tax: { amount: 93 }, discount: { amount: 0 } },
      payment: { method: 'Amazon', status: 'paid' },
      total: { amount: 5088, currency: 'EUR' },
      taxTotal: { amount: 606 },
    });
    expect(draft.purchasedAt.toISOString()).toBe('2026-11-20T09:00:00.000Z');
    // Amazon.de prices hold the VAT already: the shop's tax-inclusive unit price is Amazon's
    expect(draft.lines).toEqual([
      expect.objectContaining({ externalLineId: '11111111111111', productRef: 'p1', sku: 'MUG-1', quantity: 2, unitPrice: { amount: 1999, currency: 'EUR' }, tax: { amount: 380, currency: 'EUR' }, discount: { amount: 100, currency: 'EUR' }, placeholder: false }),
      expect.objectContaining({ externalLineId: '22222222222222', productRef: 'p2', quantity: 1, unitPrice: { amount: 700, currency: 'EUR' } }),
    ]);
    // the draft adds up: lines + shipping − discounts = Amazon's total
    const lines = draft.lines.reduce((sum, l) => sum + l.unitPrice.amount * l.quantity - l.discount.amount, 0);
    expect(lines + draft.shipping.price.amount - draft.shipping.discount.amount).toBe(draft.total.amount);
    expect(draft.notes).toEqual(['Buyer purchase order number: PO-77.']);
    expect(result.stockLines).toEqual([
      { orderItemId: '11111111111111', productRef: 'p1', variantRef: null, sku: 'MUG-1', quantity: 2 },
      { orderItemId: '22222222222222', productRef: 'p2', variantRef: null, sku: 'CUP-2', quantity: 1 },
    ]);
  });

  test('tax on top (pricesIncludeTax false): the shop’s tax-inclusive prices add it, and the draft still adds up', async () => {
    const { draft } = await mapped(order({}, '56.94'), context({ pricesIncludeTax: { [DE]: false } }, [found('MUG-1', 'p1'), found('CUP-2', 'p2')]));
    // (39.98 + 3.80) / 2 and 7.00 + 1.33
    expect(draft.lines.map((l) => l.unitPrice.amount)).toEqual([2189, 833]);
    expect(draft.shipping.price.amount).toBe(583);
    expect(draft.total.amount).toBe(5694);
    const lines = draft.lines.reduce((sum, l) => sum + l.unitPrice.amount * l.quantity - l.discount.amount, 0);
    expect(lines + draft.shipping.price.amount - draft.shipping.discount.amount).toBe(draft.total.amount);
    expect(draft.notes).toEqual(['Buyer purchase order number: PO-77.']);
  });

  test('every option: status maps, payment, fake e-mail under .invalid, fake tax id, customers by e-mail', async () => {
    const options: OrdersOptions = {
      statusMap: { UNSHIPPED: 'awaiting-shipment' },
      payment: { method: 'Amazon Pay', methodMap: { CashOnDelivery: 'COD' }, statusMap: { UNSHIPPED: 'captured' } },
      fakeEmail: true,
      fakeTaxId: '00000000T',
      matchCustomersByEmail: true,
      defaultCarrier: 'Post',
    };
    const { draft } = await mapped(
      order({ payment: { paymentExecutions: [{ paymentMethod: 'CashOnDelivery' }] } }),
      context(options, [found('MUG-1', 'p1'), found('CUP-2', 'p2')]),
    );
    expect(draft.status).toBe('awaiting-shipment');
    expect(draft.payment).toEqual({ method: 'COD', status: 'captured' });
    expect(draft.customer).toMatchObject({ email: '302-1234567-7654321@amazon-order.invalid', taxId: '00000000T', matchByEmail: true });
    expect(draft.shipping.carrier).toBe('Post');
    expect(fakeOrderEmail('302-1234567-7654321', 'x.invalid')).toBe('302-1234567-7654321@x.invalid');
  });

  test('unmatched lines are kept by name and noted, or the order is skipped with the reason', async () => {
    const kept = await mapped(order(), context({}, [found('MUG-1', 'p1'), missing('CUP-2')]));
    expect(kept.draft.lines[1]).toMatchObject({ productRef: null, sku: 'CUP-2', name: 'Product CUP-2', placeholder: false });
    expect(kept.draft.notes.join('\n')).toMatch(/Line 22222222222222 \(SKU CUP-2, ASIN .*\) matched no shop product/);
    expect(kept.stockLines).toHaveLength(1);
    expect(kept.warnings.join('\n')).toMatch(/1 line\(s\) match no shop product/);

    const skipped = await mapAmazonOrder(order(), context({ importUnmatched: false }, [found('MUG-1', 'p1'), missing('CUP-2')]));
    expect(skipped).toMatchObject({ outcome: 'skip', reason: 'unmatched' });
    expect((skipped as { message: string }).message).toMatch(/302-1234567-7654321.*CUP-2.*importUnmatched is off/);
  });

  test('unavailable products (inactive, short of stock) are imported and noted, or the order is skipped with reason unavailable', async () => {
    const inactive: MatchResult = { ok: true, product: { ...product('MUG-1', 'p1'), active: false }, rule: 'seller-sku' };
    const short: MatchResult = { ok: true, product: { ...product('CUP-2', 'p2'), quantity: 0 }, rule: 'seller-sku' };
    const kept = await mapped(order(), context({}, [inactive, short]));
    expect(kept.warnings).toEqual([expect.stringMatching(/2 line\(s\) are unavailable in the shop: 11111111111111 .*MUG-1 is inactive; 22222222222222 .*CUP-2 has 0 of the 1 unit\(s\) in stock/)]);
    expect(kept.draft.notes.join('\n')).toMatch(/unavailable in the shop/);
    expect(kept.stockLines).toHaveLength(2);

    const skipped = await mapAmazonOrder(order(), context({ importUnavailable: false }, [found('MUG-1', 'p1'), short]));
    expect(skipped).toMatchObject({ outcome: 'skip', reason: 'unavailable', message: expect.stringMatching(/302-1234567-7654321: 1 line\(s\) are unavailable .*CUP-2 has 0 of the 1.*importUnavailable is off/) });
    // enough stock for the line: available
    expect(await mapAmazonOrder(order(), context({ importUnavailable: false }, [found('MUG-1', 'p1'), { ...short, product: { ...short.product, quantity: 1 } }]))).toMatchObject({ outcome: 'draft' });
    // FBA lines are Amazon's stock: never unavailable
    const fba = order({ fulfillment: { fulfillmentStatus: 'SHIPPED', fulfilledBy: 'AMAZON' } });
    expect(await mapAmazonOrder(fba, context({ importUnavailable: false }, [inactive, short]))).toMatchObject({ outcome: 'draft', warnings: [] });
  });

  test('an order the shop has already is never skipped by option; without checkAvailability no line is called unavailable', async () => {
    const short: MatchResult = { ok: true, product: { ...product('CUP-2', 'p2'), quantity: 0 }, rule: 'seller-sku' };
    const inShop = { ...context({ importUnavailable: false, importUnmatched: false }, [missing('MUG-1'), short]), inShop: true };
    const kept = await mapped(order(), inShop);
    expect(kept.warnings).toEqual([expect.stringMatching(/1 line\(s\) match no shop product/), expect.stringMatching(/1 line\(s\) are unavailable/)]);
    // the order's own reservation is what makes CUP-2 look short: not checked, nothing noted
    const unchecked = await mapped(order(), { ...inShop, checkAvailability: false });
    expect(unchecked.warnings).toEqual([expect.stringMatching(/1 line\(s\) match no shop product/)]);
    expect(unchecked.draft.notes.join('\n')).not.toMatch(/unavailable/);
    expect(unchecked.stockLines).toEqual([{ orderItemId: '22222222222222', productRef: 'p2', variantRef: null, sku: 'CUP-2', quantity: 1 }]);
  });

  test('FBA orders: own status, no buyer e-mail → fake one, unmatched items on the placeholder prefixed {FBA}, no stock lines', async () => {
    const fba = order({
      fulfillment: { fulfillmentStatus: 'SHIPPED', fulfilledBy: 'AMAZON' },
      buyer: { buyerName: 'Max' },
      recipient: undefined,
    });
    let calls = 0;
    const result = await mapped(
      fba,
      context({ fbaPlaceholderName: 'FBA item' }, [found('MUG-1', 'p1'), missing('CUP-2')], async () => {
        calls += 1;
        return { productRef: 'ph' };
      }),
    );
    expect(calls).toBe(1);
    expect(result.draft).toMatchObject({ status: 'fba-shipped', fulfilledBy: 'amazon', shippingAddress: null, customer: { email: '302-1234567-7654321@amazon-order.invalid', firstName: 'Max' } });
    expect(result.draft.lines[1]).toMatchObject({ productRef: 'ph', name: '{FBA} Product CUP-2', placeholder: true });
    expect(result.stockLines).toEqual([]);
    expect(orderLineCandidates(fba, DE)).toEqual([
      { sellerSku: 'MUG-1', asin: expect.any(String), marketplaceId: DE, fulfillmentChannel: 'AFN' },
      { sellerSku: 'CUP-2', asin: expect.any(String), marketplaceId: DE, fulfillmentChannel: 'AFN' },
    ]);
  });

  test('FBA orders get no shop carrier: Amazon ships them, whatever carrierMap and defaultCarrier say', async () => {
    const options: OrdersOptions = { carrierMap: { EXPEDITED: 'DHL Express' }, defaultCarrier: 'Post' };
    const products = [found('MUG-1', 'p1'), found('CUP-2', 'p2')];
    const fba = await mapped(order({ fulfillment: { fulfillmentStatus: 'SHIPPED', fulfilledBy: 'AMAZON', fulfillmentServiceLevel: 'EXPEDITED' } }), context(options, products));
    expect(fba.draft.shipping.carrier).toBeNull();
    const other = await mapped(order({ fulfillment: { fulfillmentStatus: 'SHIPPED', fulfilledBy: 'AMAZON', fulfillmentServiceLevel: 'STANDARD' } }), context(options, products));
    expect(other.draft.shipping.carrier).toBeNull();
    // the same service levels of merchant-fulfilled orders keep their carriers
    expect((await mapped(order(), context(options, products))).draft.shipping.carrier).toBe('DHL Express');
    expect((await mapped(order({ fulfillment: { fulfillmentStatus: 'UNSHIPPED', fulfilledBy: 'MERCHANT', fulfillmentServiceLevel: 'STANDARD' } }), context(options, products))).draft.shipping.carrier).toBe('Post');
  });

  test('a total mismatch is written into the notes first, with the true difference; the VAT is not added to the lines', async () => {
    const { draft, warnings } = await mapped(order({}, '50.89'), context({}, [found('MUG-1', 'p1'), found('CUP-2', 'p2')]));
    expect(draft.total.amount).toBe(5089);
    expect(draft.notes[0]).toMatch(/Order total mismatch: Amazon's total is 50\.89 EUR, .* add up to 50\.88 EUR \(difference 0\.01 EUR; tax taken as included in the prices\)/);
    expect(warnings[0]).toBe(draft.notes[0]);
    expect(draft.lines.map((l) => l.unitPrice.amount)).toEqual([1999, 700]);
  });

  test('a line amount that does not divide by its quantity is noted, not hidden', async () => {
    const o = order({ orderItems: [item('55555555555555', 'MUG-1', 3, '3.33', { tax: '0.64' })], proceeds: { grandTotal: eur('10.63') } });
    const { draft } = await mapped(o, context({ pricesIncludeTax: false }, [found('MUG-1', 'p1')]));
    expect(draft.lines[0]!.unitPrice.amount).toBe(354);
    expect(draft.notes.join('\n')).toMatch(/10\.63 EUR for 3 units does not divide evenly/);
  });
});

describe('order options', () => {
  test.each([
    [{ pageSize: 101 }, 'orders.pageSize'],
    [{ lookBack: { days: 0 } }, 'orders.lookBack'],
    [{ lookBack: { fortnights: 1 } as never }, 'orders.lookBack'],
    [{ statusMap: { SHIPPING: 'x' } as never }, 'orders.statusMap'],
    [{ fakeEmailDomain: 'example.com' }, 'orders.fakeEmailDomain'],
    [{ marketplaceIds: ['A13V1IB3VIYZZH'] }, 'orders.marketplaceIds'],
    [{ matchBy: 'gtin-first' as never }, 'orders.matchBy'],
    [{ importFba: 'yes' as never }, 'orders.importFba'],
    [{ pricesIncludeTax: 'yes' as never }, 'orders.pricesIncludeTax'],
    [{ pricesIncludeTax: { [DE]: 'no' } as never }, 'orders.pricesIncludeTax'],
    [{ pricesIncludeTax: { germany: true } }, 'orders.pricesIncludeTax'],
  ])('%j is refused naming the field', (options, field) => {
    expect(() => resolveOrdersOptions(options, [DE])).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', details: expect.objectContaining({ field: expect.stringContaining(field) }) }));
  });

  test('defaults are documented values', () => {
    expect(resolveOrdersOptions(undefined, [DE])).toMatchObject({
      marketplaceIds: [DE],
      lookBack: { days: 7 },
      overlap: { minutes: 5 },
      pageSize: 100,
      matchBy: 'sku-first',
      importUnmatched: true,
      importFba: true,
      fakeEmail: false,
      acknowledge: false,
      pricesIncludeTax: { [DE]: true },
    });
    expect(resolveOrdersOptions(undefined, [DE, 'ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2']).pricesIncludeTax).toEqual({ [DE]: true, ATVPDKIKX0DER: false, A2EUQ1WTGCTBG2: false });
    expect(resolveOrdersOptions({ pricesIncludeTax: false }, [DE]).pricesIncludeTax).toEqual({ [DE]: false });
  });
});
