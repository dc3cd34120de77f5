import { describe, expect, test } from '@jest/globals';
import type { SellerSyncError } from '../errors';
import { testWithSpecs } from '../test-support/amazon-specs';
import { ORDER_ENVELOPE_XSD, validateOrderFeedXml } from '../test-support/order-feed-xsd';
import { AMAZON_CARRIER_CODES, isAmazonCarrierCode, resolveAmazonCarrier } from './amazon-carrier-codes';
import { buildOrderFulfillmentFeed, type OrderFulfillment } from './order-fulfillment-feed';

const base: OrderFulfillment = {
  amazonOrderId: '303-1234567-1234567',
  merchantFulfillmentId: '17',
  fulfillmentDate: new Date('2026-11-20T10:00:00Z'),
  carrierCode: 'DHL',
  carrierName: null,
  shippingMethod: 'Paket',
  trackingNumber: '00340434161234567890',
  items: [{ orderItemId: '12345678901234', quantity: 2 }],
};

describe('POST_ORDER_FULFILLMENT_DATA', () => {
  test('one message per package with carrier, tracking and items; valid against the XSD', async () => {
    const xml = buildOrderFulfillmentFeed('A1B2C3D4E5F6G7', [
      base,
      { ...base, merchantFulfillmentId: '18', carrierCode: 'Other', carrierName: 'Kurier Müller', shippingMethod: null, items: [] },
    ]);
    expect(xml).toMatch(
      /<OrderFulfillment>\s*<AmazonOrderID>303-1234567-1234567<\/AmazonOrderID>\s*<MerchantFulfillmentID>17<\/MerchantFulfillmentID>\s*<FulfillmentDate>2026-11-20T10:00:00.000Z<\/FulfillmentDate>\s*<FulfillmentData>\s*<CarrierCode>DHL<\/CarrierCode>\s*<ShippingMethod>Paket<\/ShippingMethod>\s*<ShipperTrackingNumber>00340434161234567890<\/ShipperTrackingNumber>\s*<\/FulfillmentData>\s*<Item>\s*<AmazonOrderItemCode>12345678901234<\/AmazonOrderItemCode>\s*<Quantity>2<\/Quantity>/,
    );
    expect(xml).toMatch(/<MessageID>2<\/MessageID>[\s\S]*<CarrierName>Kurier Müller<\/CarrierName>/);
    const errors = await validateOrderFeedXml(xml);
    if (errors !== null) expect(errors).toEqual([]);
  });

  testWithSpecs(
    'every carrier code validates against the XSD enumeration',
    async () => {
      const xml = buildOrderFulfillmentFeed(
        'A1B2C3D4E5F6G7',
        AMAZON_CARRIER_CODES.map((code, index) => ({ ...base, merchantFulfillmentId: String(index + 1), carrierCode: code, carrierName: code === 'Other' ? 'X' : null })),
      );
      expect(await validateOrderFeedXml(xml)).toEqual([]);
      const tampered = await validateOrderFeedXml(xml.replace('<CarrierCode>DHL</CarrierCode>', '<CarrierCode>DHL Express</CarrierCode>'));
      expect(tampered?.join('\n')).toMatch(/CarrierCode/);
    },
    { needs: ORDER_ENVELOPE_XSD },
  );

  test('refuses values the schema refuses, naming order, package and field', () => {
    const refusal = (change: Partial<OrderFulfillment>) => {
      try {
        buildOrderFulfillmentFeed('A1B2C3D4E5F6G7', [{ ...base, ...change }]);
      } catch (error) {
        return error as SellerSyncError;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ trackingNumber: 'x'.repeat(51) }).details).toMatchObject({ field: 'ShipperTrackingNumber', item: 'Amazon order 303-1234567-1234567, package 17' });
    expect(refusal({ trackingNumber: '' }).code).toBe('INVALID_SHIPMENT');
    expect(refusal({ carrierCode: 'DHL Express' }).details.field).toBe('CarrierCode');
    expect(refusal({ carrierCode: 'Other', carrierName: null }).details.field).toBe('CarrierName');
    expect(refusal({ merchantFulfillmentId: '0' }).details.field).toBe('MerchantFulfillmentID');
    expect(refusal({ items: [{ orderItemId: '123', quantity: 1 }] }).details.field).toBe('AmazonOrderItemCode');
    expect(refusal({ items: [{ orderItemId: '12345678901234', quantity: 0 }] }).details.field).toMatch(/Quantity/);
    // characters XML 1.0 does not allow would make the whole document unreadable for Amazon
    for (const bad of ['TRACK\u0001', 'TRACK\u001B', 'TRACK\uFFFE', 'TRACK\uFFFF', 'TRACK\uD800', 'TRACK\uDC00X'])
      expect(refusal({ trackingNumber: bad }).details).toMatchObject({ field: 'ShipperTrackingNumber', value: bad });
    expect(refusal({ carrierCode: 'Other', carrierName: 'Bote\u0007' }).details.field).toBe('CarrierName');
    expect(refusal({ fulfillmentDate: new Date(Date.UTC(10000, 0, 1)) }).details.field).toBe('FulfillmentDate');
    expect(refusal({ fulfillmentDate: new Date('not a date') }).details.field).toBe('FulfillmentDate');
    // a character outside the Basic Multilingual Plane (a surrogate pair) is XML, and accepted
    expect(() => buildOrderFulfillmentFeed('A1B2C3D4E5F6G7', [{ ...base, shippingMethod: 'Express \u{1F69A}' }])).not.toThrow();
  });
});

describe('carrier codes', () => {
  test('the constant holds the 74 distinct values of the XSD enumeration', () => {
    expect(AMAZON_CARRIER_CODES).toHaveLength(74);
    expect(new Set(AMAZON_CARRIER_CODES).size).toBe(74);
    expect(isAmazonCarrierCode('Hermes Logistik Gruppe')).toBe(true);
    expect(isAmazonCarrierCode('hermes')).toBe(false);
  });

  test('shop carriers map to codes: host map, then spelling-insensitive codes, then aliases, else Other + name', () => {
    expect(resolveAmazonCarrier('dhl')).toEqual({ carrierCode: 'DHL', carrierName: null });
    expect(resolveAmazonCarrier('Royal  mail')).toEqual({ carrierCode: 'Royal Mail', carrierName: null });
    expect(resolveAmazonCarrier('Hermes')).toEqual({ carrierCode: 'Hermes Logistik Gruppe', carrierName: null });
    expect(resolveAmazonCarrier('Colissimo')).toEqual({ carrierCode: 'La Poste', carrierName: null });
    expect(resolveAmazonCarrier('Kurier Müller')).toEqual({ carrierCode: 'Other', carrierName: 'Kurier Müller' });
    expect(resolveAmazonCarrier('Our van', { 'Our van': 'DPD' })).toEqual({ carrierCode: 'DPD', carrierName: null });
    expect(resolveAmazonCarrier('Evri')).toEqual({ carrierCode: 'Other', carrierName: 'Evri' });
  });
});
