import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LISTINGS_ISSUE_CODES as CODES } from '../listings/listings-issue-codes';
import { modelErrors, SPECS_DIR, testWithSpecs } from '../test-support/amazon-models';
import { JSON_CONTENT_TYPE, feedResult, listingsFeed, startHarness, submitFeed, waitForFeed, type Harness } from '../test-support/harness';
import { DE } from '../test-support/sp-client';
import { parseListingsFeedMessage, type ListingsFeedReport } from './listings-feed';

const REPORT_SCHEMA = 'listings-feed-v2/listings-feed-processing-report-schema-v2.json';
const FR = 'A13V1IB3VIYZZH';

const offerOnly = (sku: string, extra: Record<string, unknown> = {}, asin = 'B0SIM00001') => ({
  sku,
  operationType: 'UPDATE',
  productType: 'DRINKING_CUP',
  requirements: 'LISTING_OFFER_ONLY',
  attributes: {
    merchant_suggested_asin: [{ value: asin, marketplace_id: DE }],
    condition_type: [{ value: 'new_new', marketplace_id: DE }],
    purchasable_offer: [{ marketplace_id: DE, currency: 'EUR', audience: 'ALL', our_price: [{ schedule: [{ value_with_tax: 19.99 }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 5 }],
    ...extra,
  },
});
const price = (value: unknown, extra: Record<string, unknown> = {}) => ({
  purchasable_offer: [{ marketplace_id: DE, currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: value }] }], ...extra }],
});
const fullListing = (sku: string, attributes: Record<string, unknown>) => ({ sku, operationType: 'UPDATE', productType: 'HOME', attributes });

/** One message per rule; the expected codes of each message (empty = accepted). */
const CORPUS: readonly [unknown, readonly string[]][] = [
  [{ messageId: 1, ...offerOnly('OK-1') }, []],
  [{ messageId: 2, sku: 'NO-TYPE', operationType: 'UPDATE', attributes: { item_name: [{ value: 'x' }] } }, [CODES.MESSAGE_SCHEMA]],
  [{ messageId: 3, ...offerOnly('S'.repeat(41)) }, [CODES.SKU_TOO_LONG]],
  [{ messageId: 4, ...offerOnly('QTY-NEG', { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: -1 }] }) }, [CODES.INVALID_QUANTITY]],
  [{ messageId: 5, ...offerOnly('QTY-FRACTION', { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 2.5 }] }) }, [CODES.INVALID_QUANTITY]],
  [{ messageId: 6, ...offerOnly('PRICE-ZERO', price(0)) }, [CODES.INVALID_PRICE]],
  [{ messageId: 7, ...offerOnly('PRICE-DECIMALS', price(19.999)) }, [CODES.INVALID_PRICE]],
  [{ messageId: 8, ...offerOnly('SALE-HIGH', price(19.99, { discounted_price: [{ schedule: [{ value_with_tax: 25, start_at: '2026-01-01T00:00:00Z', end_at: '2026-02-01T00:00:00Z' }] }] })) }, [CODES.INVALID_SALE_PRICE]],
  [{ messageId: 9, ...offerOnly('SALE-DATES', price(19.99, { discounted_price: [{ schedule: [{ value_with_tax: 15, start_at: '2026-02-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' }] }] })) }, [CODES.INVALID_SALE_DATES]],
  [{ messageId: 10, ...offerOnly('IMAGE-HTTP', { main_product_image_locator: [{ media_location: 'http://images.example.com/a.jpg', marketplace_id: DE }] }) }, [CODES.INVALID_IMAGE_URL]],
  [{ messageId: 11, ...offerOnly('ASIN-UNKNOWN', {}, 'B0UNKNOWN1') }, [CODES.UNKNOWN_ASIN]],
  [{ messageId: 12, sku: 'NEVER-LISTED', operationType: 'PATCH', productType: 'PRODUCT', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }] }] }, [CODES.SKU_NOT_FOUND]],
  [{ messageId: 13, ...fullListing('MISSING-ATTRS', { item_name: [{ value: 'A lamp', marketplace_id: DE }] }) }, [CODES.REQUIRED_ATTRIBUTE_MISSING, CODES.REQUIRED_ATTRIBUTE_MISSING]],
  [{ messageId: 14, ...offerOnly('CONTROL', { item_name: [{ value: 'Bell \u0007 mug', marketplace_id: DE }] }) }, [CODES.INVALID_CHARACTERS]],
  [{ messageId: 15, ...offerOnly('TOO-LONG', { item_name: [{ value: 'x'.repeat(201), marketplace_id: DE }] }) }, [CODES.VALUE_TOO_LONG]],
  [{ messageId: 1, ...offerOnly('DUPLICATE-ID') }, [CODES.DUPLICATE_MESSAGE_ID]],
  [{ messageId: 17, sku: 'BAD-OP', operationType: 'UPSERT', productType: 'PRODUCT', attributes: { item_name: [{ value: 'x' }] } }, [CODES.MESSAGE_SCHEMA]],
  [{ messageId: 18, sku: 'OK-1', operationType: 'PATCH', productType: 'PRODUCT', patches: [{ op: 'replace', path: '/attributes', value: [{ a: 1 }] }] }, [CODES.INVALID_PATCH_PATH]],
  [{ messageId: 19, ...offerOnly('CURRENCY', { purchasable_offer: [{ marketplace_id: DE, currency: 'USD', our_price: [{ schedule: [{ value_with_tax: 10 }] }] }] }) }, [CODES.INVALID_CURRENCY]],
  [{ messageId: 0, ...offerOnly('ZERO-ID') }, [CODES.MESSAGE_SCHEMA]],
  [{ messageId: 21, sku: 'DELETE-WITH-ATTRS', operationType: 'DELETE', attributes: { item_name: [{ value: 'x' }] } }, [CODES.MESSAGE_SCHEMA]],
  [{ messageId: 22, ...fullListing('FULL-EAN', { item_name: [{ value: 'Enamel mug', marketplace_id: DE }], brand: [{ value: 'Sellersync Home', marketplace_id: DE }], condition_type: [{ value: 'new_new', marketplace_id: DE }], externally_assigned_product_identifier: [{ type: 'ean', value: '4006381333931', marketplace_id: DE }] }) }, []],
  [{ messageId: 23, ...fullListing('FULL-NEW', { item_name: [{ value: 'Brand-new teapot', marketplace_id: DE }], brand: [{ value: 'Sellersync Home', marketplace_id: DE }], condition_type: [{ value: 'new_new', marketplace_id: DE }] }) }, []],
  [{ messageId: 24, sku: 'PATCH-NO-VALUE', operationType: 'PATCH', productType: 'PRODUCT', patches: [{ op: 'add', path: '/attributes/item_name', value: 'not an array' }] }, [CODES.MESSAGE_SCHEMA]],
];

async function runFeed(harness: Harness, messages: readonly unknown[], header?: Record<string, unknown>, marketplaceIds = [DE]): Promise<ListingsFeedReport> {
  const feed = await waitForFeed(harness.sp, await submitFeed(harness.sp, 'JSON_LISTINGS_FEED', listingsFeed(messages, header), JSON_CONTENT_TYPE, marketplaceIds));
  expect(feed.processingStatus).toBe('DONE');
  const report = JSON.parse(await feedResult(harness.sp, feed)) as ListingsFeedReport;
  expect(modelErrors(report, REPORT_SCHEMA)).toBe('');
  return report;
}

describe('JSON_LISTINGS_FEED', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ rateLimits: false });
  });
  afterAll(() => harness.sim.close());

  test('checks every message on its own: a bad-input corpus gets one issue per broken rule, with Amazon-like codes', async () => {
    const report = await runFeed(harness, CORPUS.map(([message]) => message));
    const expectedInvalid = CORPUS.filter(([, codes]) => codes.length > 0).length;
    // full listings without a main image are accepted (or refused for their errors) with a warning
    expect(report.summary).toMatchObject({ messagesProcessed: CORPUS.length, messagesAccepted: CORPUS.length - expectedInvalid, messagesInvalid: expectedInvalid, warnings: 3 });
    expect(report.summary.errors).toBe(report.issues.filter((issue) => issue.severity === 'ERROR').length);
    expect(report.issues.filter((issue) => issue.severity === 'WARNING').map((issue) => [issue.sku, issue.code, issue.attributeName])).toEqual([
      ['MISSING-ATTRS', CODES.MAIN_IMAGE_MISSING, 'main_product_image_locator'],
      ['FULL-EAN', CODES.MAIN_IMAGE_MISSING, 'main_product_image_locator'],
      ['FULL-NEW', CODES.MAIN_IMAGE_MISSING, 'main_product_image_locator'],
    ]);
    for (const [message, codes] of CORPUS) {
      const { messageId, sku } = message as { messageId: number; sku: string };
      if (messageId === 0) continue;
      const issues = report.issues.filter((issue) => issue.severity === 'ERROR' && issue.sku === sku && (codes[0] === CODES.DUPLICATE_MESSAGE_ID || issue.messageId === messageId));
      expect({ sku, codes: issues.map((issue) => issue.code).sort() }).toEqual({ sku, codes: [...codes].sort() });
    }
    const zeroId = report.issues.find((issue) => issue.sku === 'ZERO-ID')!;
    expect(zeroId.messageId).toBeUndefined();
    expect(zeroId.message).toMatch(/messageId/);
    const missing = report.issues.filter((issue) => issue.sku === 'MISSING-ATTRS' && issue.severity === 'ERROR');
    expect(missing.map((issue) => [issue.attributeName, issue.message])).toEqual([
      ['brand', "'brand' is required but not supplied."],
      ['condition_type', "'condition_type' is required but not supplied."],
    ]);
    expect(report.issues.find((issue) => issue.sku === 'NO-TYPE')?.message).toBe("'productType' is required but not supplied.");
    expect(report.issues.find((issue) => issue.sku === 'QTY-NEG')).toMatchObject({ attributeName: 'fulfillment_availability.quantity', severity: 'ERROR' });
    // Only accepted messages reach the listings.
    expect(harness.sim.state.offer('OK-1', DE)).toMatchObject({ price: '19.99', currency: 'EUR', quantity: 5, fulfillmentChannelCode: 'DEFAULT' });
    expect(harness.sim.state.listing('QTY-NEG', DE)).toBeUndefined();
    expect(harness.sim.state.listing('FULL-EAN', DE)).toMatchObject({ asin: 'B0SIM00001', productIdType: 'EAN', productId: '4006381333931' });
    const created = harness.sim.state.listing('FULL-NEW', DE)!;
    expect(created.asin).toMatch(/^B0NEW\d{5}$/);
    expect(harness.sim.state.catalog.find((item) => item.asin === created.asin)?.title).toBe('Brand-new teapot');
  });

  testWithSpecs("the simulator's schema checks agree with listings-feed-schema-v2 message by message", () => {
    for (const [message] of CORPUS) {
      const schemaValid = modelErrors({ header: { sellerId: 'X', version: '2.0' }, messages: [message] }, 'listings-feed-v2/listings-feed-schema-v2.json') === '';
      expect({ message, valid: parseListingsFeedMessage(message).ok }).toEqual({ message, valid: schemaValid });
    }
  });

  testWithSpecs("Amazon's example feed is accepted structurally", async () => {
    const example = JSON.parse(readFileSync(join(SPECS_DIR, 'listings-feed-v2/listings-feed-schema-v2.example.json'), 'utf8')) as { messages: unknown[]; header: Record<string, unknown> };
    const report = await runFeed(harness, example.messages, { issueLocale: 'en_US', report: example.header.report });
    expect(report.issues.filter((issue) => issue.code === CODES.MESSAGE_SCHEMA || issue.code === CODES.FEED_CANNOT_BE_PARSED)).toEqual([]);
    expect(report.summary.messagesProcessed).toBe(example.messages.length);
  });

  test('accepted messages are applied: UPDATE replaces, PARTIAL_UPDATE replaces named attributes, PATCH add/replace/merge/delete, DELETE removes', async () => {
    const { sim } = harness;
    sim.seed.listing({ sku: 'APPLY-1', marketplaceId: DE, asin: 'B0SIM00007', price: '10.00', quantity: 3 });
    sim.seed.listing({ sku: 'APPLY-2', marketplaceId: DE, asin: 'B0SIM00008', price: '5.00', quantity: 1 });
    sim.seed.listing({ sku: 'APPLY-3', marketplaceId: DE, asin: 'B0SIM00004', price: '8.00', quantity: 2 });
    const before = sim.state.listing('APPLY-1', DE)!;
    expect(before.attributes.fulfillment_availability).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 3 }]);
    const report = await runFeed(harness, [
      { messageId: 1, sku: 'APPLY-1', operationType: 'PATCH', productType: 'LAMP', patches: [{ op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 7, lead_time_to_ship_max_days: 2 }] }] },
      { messageId: 2, sku: 'APPLY-1', operationType: 'PATCH', productType: 'LAMP', patches: [{ op: 'merge', path: '/attributes/purchasable_offer', value: [{ marketplace_id: DE, our_price: [{ schedule: [{ value_with_tax: 12 }] }], discounted_price: [{ schedule: [{ value_with_tax: 9.5, start_at: '2026-12-01T00:00:00Z', end_at: '2026-12-24T00:00:00Z' }] }] }] }] },
      { messageId: 3, sku: 'APPLY-1', operationType: 'PATCH', productType: 'LAMP', patches: [{ op: 'add', path: '/attributes/main_product_image_locator', value: [{ media_location: 'https://images.example.com/lamp.jpg', marketplace_id: DE }] }, { op: 'add', path: '/attributes/bullet_point', value: [{ value: 'Dimmable', marketplace_id: DE }] }] },
      { messageId: 4, sku: 'APPLY-1', operationType: 'PATCH', productType: 'LAMP', patches: [{ op: 'delete', path: '/attributes/bullet_point' }] },
      { messageId: 5, sku: 'APPLY-1', operationType: 'PARTIAL_UPDATE', productType: 'LAMP', attributes: { item_name: [{ value: 'LED desk lamp, dimmable, black', marketplace_id: DE }] } },
      { messageId: 6, sku: 'APPLY-2', operationType: 'DELETE' },
      { messageId: 7, sku: 'APPLY-3', operationType: 'UPDATE', productType: 'BOTTLE', requirements: 'LISTING_OFFER_ONLY', attributes: { merchant_suggested_asin: [{ value: 'B0SIM00004', marketplace_id: DE }], condition_type: [{ value: 'used_good', marketplace_id: DE }] } },
      { messageId: 8, sku: 'APPLY-1', operationType: 'PATCH', productType: 'LAMP', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }] }, { op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 11 }] }] },
    ]);
    expect(report.summary).toMatchObject({ messagesProcessed: 8, messagesAccepted: 8, messagesInvalid: 0, errors: 0 });
    const listing = sim.state.listing('APPLY-1', DE)!;
    expect(listing.attributes.fulfillment_availability).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 11 }]);
    expect(listing.offer).toMatchObject({ price: '12.00', salePrice: '9.50', saleStartAt: '2026-12-01T00:00:00Z', saleEndAt: '2026-12-24T00:00:00Z', currency: 'EUR', quantity: 11 });
    expect(listing.attributes.main_product_image_locator).toEqual([{ media_location: 'https://images.example.com/lamp.jpg', marketplace_id: DE }]);
    expect(listing.attributes.bullet_point).toBeUndefined();
    expect(listing.attributes.item_name).toEqual([{ value: 'LED desk lamp, dimmable, black', marketplace_id: DE }]);
    expect(listing.productType).toBe('LAMP');
    expect(sim.state.listing('APPLY-2', DE)).toBeUndefined();
    const replaced = sim.state.listing('APPLY-3', DE)!;
    expect(Object.keys(replaced.attributes).sort()).toEqual(['condition_type', 'merchant_suggested_asin']);
    expect(replaced.offer.price).toBeUndefined();
    expect(replaced.status).toBe('Inactive');
  });

  test('a PATCH merge on a later message sees what an earlier message of the same feed applied', async () => {
    const report = await runFeed(harness, [
      { messageId: 1, ...offerOnly('ORDERED-1') },
      { messageId: 2, sku: 'ORDERED-1', operationType: 'PATCH', productType: 'DRINKING_CUP', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 42 }] }] },
    ]);
    expect(report.summary.messagesAccepted).toBe(2);
    expect(harness.sim.state.offer('ORDERED-1', DE)?.quantity).toBe(42);
  });

  test('a feed for two marketplaces applies each message to both', async () => {
    const message = offerOnly('TWO-MARKETS', { purchasable_offer: [{ currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: 7 }] }] }] });
    const report = await runFeed(harness, [{ messageId: 1, ...message }], undefined, [DE, FR]);
    expect(report.summary.messagesAccepted).toBe(1);
    expect(harness.sim.state.offer('TWO-MARKETS', DE)?.price).toBe('7.00');
    expect(harness.sim.state.offer('TWO-MARKETS', FR)?.price).toBe('7.00');
  });

  test('header.report.includedData adds the listings items to the report', async () => {
    const report = await runFeed(harness, [{ messageId: 1, ...offerOnly('WITH-ITEMS') }, { messageId: 2, ...offerOnly('BROKEN', price(-1)) }], { report: { includedData: ['summaries', 'offers', 'fulfillmentAvailability'], apiVersion: '2021-08-01' } });
    expect(report.header.report).toEqual({ includedData: ['summaries', 'offers', 'fulfillmentAvailability'], apiVersion: '2021-08-01' });
    expect(report.items).toHaveLength(1);
    expect(report.items![0]).toMatchObject({
      sku: 'WITH-ITEMS',
      summaries: [{ marketplaceId: DE, asin: 'B0SIM00001', productType: 'DRINKING_CUP', status: ['BUYABLE', 'DISCOVERABLE'] }],
      offers: [{ marketplaceId: DE, offerType: 'B2C', price: { currencyCode: 'EUR', amount: '19.99' } }],
      fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT', quantity: 5 }],
    });
    expect(report.summary.itemSummary).toEqual({ items: 1, errors: 0, warnings: 0 });
    for (const item of report.items!) expect(modelErrors(item, 'sp-api-models/listingsItems_2021-08-01.json', 'Item')).toBe('');
  });

  test.each([
    ['not JSON', '{"header":', /not valid JSON/],
    ['another seller', listingsFeed([{ messageId: 1, sku: 'A', operationType: 'DELETE' }], { sellerId: 'A1SOMEONEELSE' }), /does not match the seller/],
    ['a wrong version', listingsFeed([{ messageId: 1, sku: 'A', operationType: 'DELETE' }], { version: '1.0' }), /version must be "2.0"/],
    ['no messages', listingsFeed([]), /'messages' must be a non-empty array/],
    ['over 25,000 messages', listingsFeed(Array.from({ length: 25_001 }, (_, index) => ({ messageId: index + 1, sku: `S${index}`, operationType: 'DELETE' }))), /25001 messages; the maximum is 25000/],
  ])('a structurally invalid document (%s) ends DONE with one feed-level issue and nothing processed', async (_name, content, message) => {
    const feed = await waitForFeed(harness.sp, await submitFeed(harness.sp, 'JSON_LISTINGS_FEED', content, JSON_CONTENT_TYPE));
    expect(feed.processingStatus).toBe('DONE');
    const report = JSON.parse(await feedResult(harness.sp, feed)) as ListingsFeedReport;
    expect(modelErrors(report, REPORT_SCHEMA)).toBe('');
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toMatchObject({ code: CODES.FEED_CANNOT_BE_PARSED, severity: 'ERROR' });
    expect(report.issues[0]!.messageId).toBeUndefined();
    expect(report.issues[0]!.message).toMatch(message);
    expect(report.summary).toEqual({ errors: 1, warnings: 0, messagesProcessed: 0, messagesAccepted: 0, messagesInvalid: 0 });
  });
});
