import { describe, expect, test } from '@jest/globals';
import type { ShopListingData, ShopProduct } from '../shop-adapter';
import { buildListingMessage, buildListingOffer, decideListingMode, offerHash, type ListingBuildInput } from './feed-builder';
import { createFeedDocumentSplitter } from './feed-document';
import { loadListingsFeedValidator } from '../test-support/listings-feed-schema';
import { resolveListingsOptions } from './listings-options';

const DE = 'A1PA6795UKMFR9';
const UK = 'A1F83G8C2ARO7P';
const NOW = new Date('2026-11-22T10:00:00Z');

const options = resolveListingsOptions(
  { exchangeRates: { 'EUR/GBP': '0.8621' }, quantity: { buffer: 2, max: 100 } },
  [DE, UK],
);
const [de, uk] = options.marketplaces as [(typeof options.marketplaces)[number], (typeof options.marketplaces)[number]];

function product(overrides: Partial<ShopProduct> = {}): ShopProduct {
  return {
    productRef: '1',
    variantRef: null,
    sku: 'MUG-RED',
    title: 'Mug',
    gtin: '4006381333931',
    asin: null,
    quantity: 25,
    price: { amount: 1299, currency: 'EUR' },
    salePrice: null,
    marketplaceIds: null,
    active: true,
    ...overrides,
  };
}

function listing(overrides: Partial<ShopListingData> = {}): ShopListingData {
  return {
    sku: 'MUG-RED',
    productRef: '1',
    variantRef: null,
    productType: 'DRINKING_CUP',
    title: 'Classic mug, red, 300 ml',
    description: 'Stoneware.\nDishwasher safe.',
    brand: 'Kaffeeklatsch',
    manufacturer: 'Kaffeeklatsch GmbH',
    bulletPoints: ['300 ml', 'Stoneware'],
    browseNodeId: '3169011',
    searchTerms: ['mug', 'coffee', 'red'],
    images: { main: 'https://shop.example/mug.jpg', others: ['https://shop.example/mug-2.jpg', 'https://shop.example/mug-3.jpg'] },
    condition: 'new_new',
    gtin: '4006381333931',
    languageTag: 'de_DE',
    ...overrides,
  };
}

function input(overrides: Partial<ListingBuildInput> = {}): ListingBuildInput {
  return { sku: 'MUG-RED', mode: 'offer', marketplace: de, product: product(), listing: null, asin: null, knownProductType: null, ...overrides };
}

const validateDocument = loadListingsFeedValidator();

/** Builds one document from messages and checks it against Amazon's schema (when present). */
function documentOf(inputs: readonly ListingBuildInput[]): { content: string; parsed: { messages: Record<string, unknown>[] } } {
  const splitter = createFeedDocumentSplitter<string>({ sellerId: 'A3SELLER0TEST', maxMessages: 25_000, maxBytes: 10_000_000 });
  for (const item of inputs) {
    const built = buildListingMessage(item, options, NOW);
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    splitter.add(built.message, item.sku);
  }
  const document = splitter.finish()!;
  const parsed = JSON.parse(document.content) as { messages: Record<string, unknown>[] };
  expect(Buffer.byteLength(document.content)).toBe(document.bytes);
  if (validateDocument) expect(validateDocument(parsed)).toEqual([]);
  return { content: document.content, parsed };
}

describe('offers', () => {
  test('applies buffer and cap to the quantity, and sends 0 for a disabled product', () => {
    const offer = (p: ShopProduct) => {
      const built = buildListingOffer(p, de, options, NOW);
      if (!('offer' in built)) throw new Error('invalid');
      return built.offer;
    };
    expect(offer(product({ quantity: 25 })).quantity).toBe(23);
    expect(offer(product({ quantity: 1 })).quantity).toBe(0);
    expect(offer(product({ quantity: 5000 })).quantity).toBe(100);
    expect(offer(product({ quantity: 25, active: false })).quantity).toBe(0);
  });

  test('converts prices for a marketplace in another currency, the sale price too', () => {
    const built = buildListingOffer(
      product({ salePrice: { price: { amount: 999, currency: 'EUR' }, startsAt: null, endsAt: new Date('2026-12-01T00:00:00Z') } }),
      uk,
      options,
      NOW,
    );
    expect(built).toEqual({
      offer: {
        marketplaceId: UK,
        fulfillmentChannelCode: 'DEFAULT',
        quantity: 23,
        price: { amount: 1120, currency: 'GBP' },
        salePrice: { price: { amount: 861, currency: 'GBP' }, startsAt: null, endsAt: '2026-12-01T00:00:00.000Z' },
      },
    });
  });

  test('leaves out a sale that has ended, keeps one that is scheduled', () => {
    const ended = { price: { amount: 999, currency: 'EUR' }, startsAt: new Date('2026-10-01T00:00:00Z'), endsAt: new Date('2026-11-01T00:00:00Z') };
    const scheduled = { price: { amount: 999, currency: 'EUR' }, startsAt: new Date('2026-12-01T00:00:00Z'), endsAt: null };
    const a = buildListingOffer(product({ salePrice: ended }), de, options, NOW);
    const b = buildListingOffer(product({ salePrice: scheduled }), de, options, NOW);
    expect('offer' in a && a.offer.salePrice).toBeNull();
    expect('offer' in b && b.offer.salePrice).toEqual({ price: { amount: 999, currency: 'EUR' }, startsAt: '2026-12-01T00:00:00.000Z', endsAt: null });
  });

  test('hashes equal offers equally and different offers differently', () => {
    const hash = (p: ShopProduct, marketplace = de) => {
      const built = buildListingOffer(p, marketplace, options, NOW);
      return 'offer' in built ? offerHash(built.offer) : null;
    };
    expect(hash(product())).toBe(hash(product({ title: 'another title' })));
    expect(hash(product())).toMatch(/^[0-9a-f]{64}$/);
    expect(hash(product({ quantity: 24 }))).not.toBe(hash(product()));
    expect(hash(product({ price: { amount: 1298, currency: 'EUR' } }))).not.toBe(hash(product()));
    expect(hash(product(), uk)).not.toBe(hash(product()));
    // quantities that the buffer and cap map to the same number are the same offer
    expect(hash(product({ quantity: 500 }))).toBe(hash(product({ quantity: 600 })));
  });

  test('names a missing exchange rate', () => {
    const jp = resolveListingsOptions({ marketplaces: {} }, ['A1VC38T7YXB528']).marketplaces[0]!;
    const built = buildListingOffer(product(), jp, options, NOW);
    expect(built).toEqual({ problems: [expect.objectContaining({ field: 'price', marketplaceId: 'A1VC38T7YXB528', rule: expect.stringContaining('EUR/JPY') })] });
  });

  test('sends no quantity for an Amazon-fulfilled channel', () => {
    const fba = resolveListingsOptions({ fulfillmentChannelCode: 'AMAZON_EU' }, [DE]);
    const built = buildListingMessage(input(), fba, NOW);
    expect(built.ok && built.message.patches?.[0]).toEqual({
      op: 'merge',
      path: '/attributes/fulfillment_availability',
      value: [{ fulfillment_channel_code: 'AMAZON_EU' }],
    });
  });
});

describe('FBA seller SKUs of the mapping table', () => {
  test('are offered with their price alone: no fulfillment_availability, and a hash of their own', () => {
    const built = buildListingMessage(input({ amazonFulfilled: true }), options, NOW);
    expect(built.ok && built.message.patches?.map((patch) => patch.path)).toEqual(['/attributes/purchasable_offer']);
    const fba = buildListingOffer(product(), de, options, NOW, true);
    const merchant = buildListingOffer(product(), de, options, NOW);
    expect('offer' in fba && fba.offer).toMatchObject({ fulfillmentChannelCode: null, quantity: null, price: { amount: 1299, currency: 'EUR' } });
    expect('offer' in fba && 'offer' in merchant && offerHash(fba.offer) !== offerHash(merchant.offer)).toBe(true);
    documentOf([input({ amazonFulfilled: true })]);
  });
});

describe('messages', () => {
  test('offer: a PATCH of fulfillment_availability and purchasable_offer with the sale schedule', () => {
    const sale = { price: { amount: 999, currency: 'EUR' }, startsAt: new Date('2026-11-20T00:00:00Z'), endsAt: new Date('2026-11-30T00:00:00Z') };
    const { parsed } = documentOf([input({ product: product({ salePrice: sale }) })]);
    expect(parsed.messages[0]).toEqual({
      messageId: 1,
      sku: 'MUG-RED',
      operationType: 'PATCH',
      productType: 'PRODUCT',
      patches: [
        // merged: what Seller Central set beside the quantity (handling time, restock date) stays
        { op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 23 }] },
        {
          op: 'replace',
          path: '/attributes/purchasable_offer',
          value: [
            {
              marketplace_id: DE,
              currency: 'EUR',
              audience: 'ALL',
              our_price: [{ schedule: [{ value_with_tax: 12.99 }] }],
              discounted_price: [{ schedule: [{ value_with_tax: 9.99, start_at: '2026-11-20T00:00:00.000Z', end_at: '2026-11-30T00:00:00.000Z' }] }],
            },
          ],
        },
      ],
    });
  });

  test('offer: uses the product type Amazon accepted before', () => {
    const built = buildListingMessage(input({ knownProductType: 'DRINKING_CUP' }), options, NOW);
    expect(built.ok && built.message.productType).toBe('DRINKING_CUP');
  });

  test('listing: a full UPDATE with every attribute the shop has, and the offer', () => {
    const { parsed } = documentOf([input({ mode: 'listing', listing: listing(), asin: 'B000TEST01' })]);
    const message = parsed.messages[0]!;
    expect(message).toMatchObject({ messageId: 1, sku: 'MUG-RED', operationType: 'UPDATE', productType: 'DRINKING_CUP', requirements: 'LISTING' });
    const text = (value: string) => [{ value, language_tag: 'de_DE', marketplace_id: DE }];
    expect(message['attributes']).toEqual({
      item_name: text('Classic mug, red, 300 ml'),
      brand: text('Kaffeeklatsch'),
      manufacturer: text('Kaffeeklatsch GmbH'),
      product_description: text('Stoneware.\nDishwasher safe.'),
      bullet_point: [...text('300 ml'), ...text('Stoneware')],
      generic_keyword: text('mug coffee red'),
      recommended_browse_nodes: [{ value: '3169011', marketplace_id: DE }],
      main_product_image_locator: [{ media_location: 'https://shop.example/mug.jpg', marketplace_id: DE }],
      other_product_image_locator_1: [{ media_location: 'https://shop.example/mug-2.jpg', marketplace_id: DE }],
      other_product_image_locator_2: [{ media_location: 'https://shop.example/mug-3.jpg', marketplace_id: DE }],
      condition_type: [{ value: 'new_new', marketplace_id: DE }],
      externally_assigned_product_identifier: [{ type: 'ean', value: '4006381333931', marketplace_id: DE }],
      merchant_suggested_asin: [{ value: 'B000TEST01', marketplace_id: DE }],
      fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 23 }],
      purchasable_offer: [{ marketplace_id: DE, currency: 'EUR', audience: 'ALL', our_price: [{ schedule: [{ value_with_tax: 12.99 }] }] }],
    });
  });

  test('listing: falls back to the marketplace language and the configured product type and condition', () => {
    const built = buildListingMessage(
      input({ mode: 'listing', marketplace: uk, listing: listing({ languageTag: null, productType: null, condition: null, gtin: null }) }),
      options,
      NOW,
    );
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.message.productType).toBe('PRODUCT');
    expect(built.message.attributes?.['item_name']).toEqual([{ value: 'Classic mug, red, 300 ml', language_tag: 'en_GB', marketplace_id: UK }]);
    expect(built.message.attributes?.['condition_type']).toEqual([{ value: 'new_new', marketplace_id: UK }]);
    expect(built.message.attributes?.['externally_assigned_product_identifier']).toBeUndefined();
  });

  test('offer-only (matching mode): UPDATE with LISTING_OFFER_ONLY and merchant_suggested_asin', () => {
    const { parsed } = documentOf([input({ mode: 'offer-only', asin: 'B07XJ8C8F5' })]);
    expect(parsed.messages[0]).toEqual({
      messageId: 1,
      sku: 'MUG-RED',
      operationType: 'UPDATE',
      productType: 'PRODUCT',
      requirements: 'LISTING_OFFER_ONLY',
      attributes: {
        merchant_suggested_asin: [{ value: 'B07XJ8C8F5', marketplace_id: DE }],
        condition_type: [{ value: 'new_new', marketplace_id: DE }],
        fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 23 }],
        purchasable_offer: [{ marketplace_id: DE, currency: 'EUR', audience: 'ALL', our_price: [{ schedule: [{ value_with_tax: 12.99 }] }] }],
      },
    });
  });

  test('delete: a DELETE with nothing else, even when the shop no longer has the product', () => {
    const { parsed } = documentOf([input({ sku: 'GONE-1', mode: 'delete', product: null })]);
    expect(parsed.messages[0]).toEqual({ messageId: 1, sku: 'GONE-1', operationType: 'DELETE' });
  });

  test('a document of every kind validates against the schema and numbers its messages', () => {
    const { parsed } = documentOf([
      input({ sku: 'A' }),
      input({ sku: 'B', mode: 'listing', listing: listing({ sku: 'B' }) }),
      input({ sku: 'C', mode: 'offer-only', asin: 'B07XJ8C8F5' }),
      input({ sku: 'D', mode: 'delete', product: null }),
    ]);
    expect(parsed.messages.map((m) => [m['messageId'], m['sku'], m['operationType']])).toEqual([
      [1, 'A', 'PATCH'],
      [2, 'B', 'UPDATE'],
      [3, 'C', 'UPDATE'],
      [4, 'D', 'DELETE'],
    ]);
  });

  test('keeps JPY prices whole and three-decimal currencies exact', () => {
    const jpOptions = resolveListingsOptions({ exchangeRates: { 'EUR/JPY': '162.37' } }, ['A1VC38T7YXB528']);
    const built = buildListingMessage(input({ marketplace: jpOptions.marketplaces[0]! }), jpOptions, NOW);
    expect(built.ok && built.message.patches?.[1]?.value?.[0]).toMatchObject({ currency: 'JPY', our_price: [{ schedule: [{ value_with_tax: 2109 }] }] });
  });
});

describe('decideListingMode', () => {
  const at = (s: number) => new Date(1_700_000_000_000 + s * 1000);
  const shop = { exists: true, hasListingData: true, asin: null };
  test.each([
    [{ offer: at(1) }, shop, 'offer'],
    [{ listing: at(1) }, shop, 'listing'],
    [{ offer: at(1), listing: at(2) }, shop, 'listing'],
    [{ listing: at(1) }, { ...shop, hasListingData: false, asin: 'B07XJ8C8F5' }, 'offer-only'],
    [{ listing: at(1) }, { ...shop, hasListingData: false }, 'offer'],
    [{ offer: at(1) }, { ...shop, exists: false }, 'not-found'],
    [{ delete: at(1) }, { ...shop, exists: false }, 'delete'],
    [{ delete: at(2), offer: at(1) }, shop, 'delete'],
    [{ delete: at(1), offer: at(2) }, shop, 'listing'],
    [{ delete: at(1), offer: at(2) }, { ...shop, exists: false }, 'delete'],
    [{ delete: at(1), offer: at(1) }, shop, 'listing'],
    [{ delete: at(1), offer: at(1) }, { ...shop, exists: false }, 'delete'],
    // Amazon deleted the listing: an offer alone would be a PATCH it refuses
    [{ offer: at(1) }, { ...shop, deletedOnAmazon: true }, 'listing'],
    [{ offer: at(1) }, { ...shop, hasListingData: false, asin: 'B07XJ8C8F5', deletedOnAmazon: true }, 'offer-only'],
    [{ offer: at(1) }, { ...shop, exists: false, deletedOnAmazon: true }, 'not-found'],
    // an FBA seller SKU of the mapping table only ever gets its price; a delete of it sends nothing
    [{ listing: at(1) }, { ...shop, amazonFulfilled: true }, 'offer'],
    [{ delete: at(2), offer: at(1) }, { ...shop, amazonFulfilled: true }, 'no-op'],
    [{ delete: at(1), offer: at(2) }, { ...shop, amazonFulfilled: true }, 'offer'],
    [{ delete: at(1) }, { ...shop, exists: false, amazonFulfilled: true }, 'no-op'],
    [{ offer: at(1) }, { ...shop, exists: false, amazonFulfilled: true }, 'not-found'],
  ] as const)('%j with %j → %s', (kinds, state, expected) => {
    expect(decideListingMode(kinds, state)).toBe(expected);
  });
});
