import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LISTINGS_ISSUE_CODES as CODES } from './listings-issue-codes';
import { modelErrors } from '../test-support/amazon-models';
import { startHarness, type Harness } from '../test-support/harness';
import { DE, rejectionOf } from '../test-support/sp-client';

const MODEL = 'sp-api-models/listingsItems_2021-08-01.json';
const FR = 'A13V1IB3VIYZZH';

interface Submission {
  sku: string;
  status: string;
  submissionId: string;
  issues?: { code: string; message: string; severity: string; attributeNames?: string[] }[];
  identifiers?: { marketplaceId: string; asin: string }[];
}

const offerAttributes = (asin: string, quantity: number, price: number) => ({
  merchant_suggested_asin: [{ value: asin, marketplace_id: DE }],
  condition_type: [{ value: 'new_new', marketplace_id: DE }],
  purchasable_offer: [{ marketplace_id: DE, currency: 'EUR', audience: 'ALL', our_price: [{ schedule: [{ value_with_tax: price }] }] }],
  fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity }],
});

describe('Listings Items 2021-08-01', () => {
  let harness: Harness;
  let sellerId: string;
  beforeAll(async () => {
    harness = await startHarness({ rateLimits: false });
    sellerId = harness.sim.sellerId;
  });
  afterAll(() => harness.sim.close());

  const put = (sku: string, body: Record<string, unknown>, query: Record<string, unknown> = {}) =>
    harness.sp.callAPI({ operation: 'listingsItems.putListingsItem', path: { sellerId, sku }, query: { marketplaceIds: [DE], includedData: ['issues', 'identifiers'], ...query }, body }) as Promise<Submission>;
  const patch = (sku: string, patches: unknown[], query: Record<string, unknown> = {}) =>
    harness.sp.callAPI({ operation: 'listingsItems.patchListingsItem', path: { sellerId, sku }, query: { marketplaceIds: [DE], ...query }, body: { productType: 'DRINKING_CUP', patches } }) as Promise<Submission>;
  const get = (sku: string, includedData: string[] = ['summaries']) =>
    harness.sp.callAPI({ operation: 'listingsItems.getListingsItem', path: { sellerId, sku }, query: { marketplaceIds: [DE], includedData } }) as Promise<Record<string, unknown>>;

  test('putListingsItem creates an offer on an existing ASIN (ACCEPTED) and getListingsItem returns every data set', async () => {
    const submission = await put('MUG-1', { productType: 'DRINKING_CUP', requirements: 'LISTING_OFFER_ONLY', attributes: offerAttributes('B0SIM00001', 5, 19.99) });
    expect(modelErrors(submission, MODEL, 'ListingsItemSubmissionResponse')).toBe('');
    expect(submission).toMatchObject({ sku: 'MUG-1', status: 'ACCEPTED', issues: [], identifiers: [{ marketplaceId: DE, asin: 'B0SIM00001' }] });
    const item = await get('MUG-1', ['summaries', 'attributes', 'issues', 'offers', 'fulfillmentAvailability', 'procurement', 'relationships', 'productTypes']);
    expect(modelErrors(item, MODEL, 'Item')).toBe('');
    expect(item).toMatchObject({
      sku: 'MUG-1',
      summaries: [{ marketplaceId: DE, asin: 'B0SIM00001', productType: 'DRINKING_CUP', conditionType: 'new_new', status: ['BUYABLE', 'DISCOVERABLE'] }],
      offers: [{ marketplaceId: DE, offerType: 'B2C', price: { currencyCode: 'EUR', amount: '19.99' } }],
      fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT', quantity: 5 }],
      productTypes: [{ marketplaceId: DE, productType: 'DRINKING_CUP' }],
    });
    expect((item.attributes as Record<string, unknown>).merchant_suggested_asin).toEqual([{ value: 'B0SIM00001', marketplace_id: DE }]);
    expect(Object.keys(await get('MUG-1'))).toEqual(['sku', 'summaries']);
  });

  test('the same per-SKU rules as the feed: an invalid submission is INVALID with issues and changes nothing', async () => {
    const invalid = await put('MUG-1', { productType: 'DRINKING_CUP', requirements: 'LISTING_OFFER_ONLY', attributes: { ...offerAttributes('B0SIM00001', -2, 0), main_product_image_locator: [{ media_location: 'ftp://x/y.jpg' }] } });
    expect(modelErrors(invalid, MODEL, 'ListingsItemSubmissionResponse')).toBe('');
    expect(invalid.status).toBe('INVALID');
    expect(invalid.identifiers).toEqual([]);
    expect(invalid.issues!.map((issue) => issue.code).sort()).toEqual([CODES.INVALID_QUANTITY, CODES.INVALID_PRICE, CODES.INVALID_IMAGE_URL].sort());
    expect(harness.sim.state.offer('MUG-1', DE)).toMatchObject({ quantity: 5, price: '19.99' });
    const missing = await put('NEW-PRODUCT', { productType: 'HOME', attributes: { item_name: [{ value: 'Bowl', marketplace_id: DE }] } });
    expect(missing.issues!.map((issue) => [issue.code, issue.severity, issue.attributeNames])).toEqual([
      [CODES.REQUIRED_ATTRIBUTE_MISSING, 'ERROR', ['brand']],
      [CODES.REQUIRED_ATTRIBUTE_MISSING, 'ERROR', ['condition_type']],
      [CODES.MAIN_IMAGE_MISSING, 'WARNING', ['main_product_image_locator']],
    ]);
    // warnings alone do not refuse: the listing is created and the warning comes with the acceptance
    const warned = await put('NEW-PRODUCT', {
      productType: 'HOME',
      attributes: { item_name: [{ value: 'Bowl', marketplace_id: DE }], brand: [{ value: 'B', marketplace_id: DE }], condition_type: [{ value: 'new_new', marketplace_id: DE }] },
    });
    expect(modelErrors(warned, MODEL, 'ListingsItemSubmissionResponse')).toBe('');
    expect(warned).toMatchObject({ status: 'ACCEPTED', issues: [{ code: CODES.MAIN_IMAGE_MISSING, severity: 'WARNING' }] });
    expect(harness.sim.state.listing('NEW-PRODUCT', DE)).toBeDefined();
    const tooLong = await put('X'.repeat(41), { productType: 'DRINKING_CUP', requirements: 'LISTING_OFFER_ONLY', attributes: offerAttributes('B0SIM00001', 1, 1) });
    expect(tooLong.issues!.map((issue) => issue.code)).toEqual([CODES.SKU_TOO_LONG]);
  });

  test('mode=VALIDATION_PREVIEW validates without applying', async () => {
    const valid = await put('PREVIEW-1', { productType: 'DRINKING_CUP', requirements: 'LISTING_OFFER_ONLY', attributes: offerAttributes('B0SIM00002', 1, 3) }, { mode: 'VALIDATION_PREVIEW' });
    expect(valid).toMatchObject({ status: 'VALID', identifiers: [{ marketplaceId: DE, asin: 'B0SIM00002' }] });
    expect(harness.sim.state.listing('PREVIEW-1', DE)).toBeUndefined();
    const invalid = await put('PREVIEW-1', { productType: 'DRINKING_CUP', requirements: 'LISTING_OFFER_ONLY', attributes: offerAttributes('B0NOTHERE1', 1, 3) }, { mode: 'VALIDATION_PREVIEW' });
    expect(invalid.status).toBe('INVALID');
    expect(invalid.issues![0]!.code).toBe(CODES.UNKNOWN_ASIN);
    const patchPreview = await patch('MUG-1', [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 99 }] }], { mode: 'VALIDATION_PREVIEW' });
    expect(patchPreview.status).toBe('VALID');
    expect(harness.sim.state.offer('MUG-1', DE)?.quantity).toBe(5);
  });

  test('patchListingsItem applies add/replace/merge/delete and refuses a SKU that has no listing', async () => {
    const accepted = await patch('MUG-1', [
      { op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 8 }] },
      { op: 'replace', path: '/attributes/purchasable_offer', value: [{ marketplace_id: DE, currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: 21.5 }] }], discounted_price: [{ schedule: [{ value_with_tax: 18, start_at: '2026-12-01T00:00:00Z', end_at: '2026-12-31T00:00:00Z' }] }] }] },
      { op: 'add', path: '/attributes/generic_keyword', value: [{ value: 'mug enamel camping', marketplace_id: DE }] },
      { op: 'delete', path: '/attributes/generic_keyword', value: [{ marketplace_id: DE }] },
    ]);
    expect(accepted).toMatchObject({ status: 'ACCEPTED', issues: [] });
    expect(harness.sim.state.offer('MUG-1', DE)).toMatchObject({ quantity: 8, price: '21.50', salePrice: '18.00', saleStartAt: '2026-12-01T00:00:00Z', saleEndAt: '2026-12-31T00:00:00Z' });
    expect(harness.sim.state.listing('MUG-1', DE)!.attributes.generic_keyword).toBeUndefined();
    const missing = await patch('NO-SUCH-SKU', [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }] }]);
    expect(missing.status).toBe('INVALID');
    expect(missing.issues!.map((issue) => issue.code)).toEqual([CODES.SKU_NOT_FOUND]);
  });

  test('merge updates the entry with the same selector field by field, keeps what it leaves out, drops explicit nulls, and needs its selector', async () => {
    await put('MERGE-1', { productType: 'DRINKING_CUP', requirements: 'LISTING_OFFER_ONLY', attributes: offerAttributes('B0SIM00001', 4, 12) });
    // handling time and a restock date set in Seller Central
    const setInSellerCentral = await patch('MERGE-1', [
      { op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', lead_time_to_ship_max_days: 3, restock_date: '2026-12-20' }] },
    ]);
    expect(setInSellerCentral.status).toBe('ACCEPTED');
    expect((await patch('MERGE-1', [{ op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 9, restock_date: null }] }])).status).toBe('ACCEPTED');
    expect(harness.sim.state.listing('MERGE-1', DE)!.attributes.fulfillment_availability).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 9, lead_time_to_ship_max_days: 3 }]);
    // replace, by contrast, drops the lead time
    await patch('MERGE-1', [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 7 }] }]);
    expect(harness.sim.state.listing('MERGE-1', DE)!.attributes.fulfillment_availability).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 7 }]);
    const noSelector = await patch('MERGE-1', [{ op: 'merge', path: '/attributes/fulfillment_availability', value: [{ quantity: 1 }] }]);
    expect(noSelector.status).toBe('INVALID');
    expect(noSelector.issues!.map((issue) => issue.code)).toEqual([CODES.MERGE_SELECTOR_MISSING]);
    expect(harness.sim.state.offer('MERGE-1', DE)?.quantity).toBe(7);
  });

  test('deleteListingsItem removes the listing; getListingsItem then answers 404', async () => {
    await put('DELETE-ME', { productType: 'DRINKING_CUP', requirements: 'LISTING_OFFER_ONLY', attributes: offerAttributes('B0SIM00001', 1, 2) });
    const deleted = (await harness.sp.callAPI({ operation: 'listingsItems.deleteListingsItem', path: { sellerId, sku: 'DELETE-ME' }, query: { marketplaceIds: [DE] } })) as Submission;
    expect(modelErrors(deleted, MODEL, 'ListingsItemSubmissionResponse')).toBe('');
    expect(deleted.status).toBe('ACCEPTED');
    const error = await rejectionOf(get('DELETE-ME'));
    expect(error).toMatchObject({ code: 'NOT_FOUND' });
  });

  test('SKUs with reserved characters travel percent-encoded in the path', async () => {
    const sku = "Odd SKU/1 (é)+*'!";
    expect((await put(sku, { productType: 'DRINKING_CUP', requirements: 'LISTING_OFFER_ONLY', attributes: offerAttributes('B0SIM00001', 1, 2) })).status).toBe('ACCEPTED');
    expect((await get(sku)).sku).toBe(sku);
  });

  test('searchListingsItems finds by SKU, ASIN and EAN, pages at most 20, and checks its parameters', async () => {
    for (let i = 0; i < 5; i += 1) harness.sim.seed.listing({ sku: `SEARCH-${i}`, marketplaceId: DE, asin: 'B0SIM00006', price: '9.99', quantity: i });
    const search = (query: Record<string, unknown>) =>
      harness.sp.callAPI({ operation: 'listingsItems.searchListingsItems', path: { sellerId }, query: { marketplaceIds: [DE], ...query } }) as Promise<{ numberOfResults: number; items: { sku: string }[]; pagination?: { nextToken?: string } }>;
    const bySku = await search({ identifiers: ['SEARCH-1', 'SEARCH-3', 'NOPE'], identifiersType: 'SKU', includedData: ['summaries', 'offers'] });
    expect(modelErrors(bySku, MODEL, 'ItemSearchResults')).toBe('');
    expect(bySku.items.map((item) => item.sku).sort()).toEqual(['SEARCH-1', 'SEARCH-3']);
    const byAsin = await search({ identifiers: ['B0SIM00006'], identifiersType: 'ASIN', pageSize: 2, sortBy: 'sku', sortOrder: 'ASC' });
    expect(byAsin.numberOfResults).toBe(5);
    expect(byAsin.items.map((item) => item.sku)).toEqual(['SEARCH-0', 'SEARCH-1']);
    const next = await search({ identifiers: ['B0SIM00006'], identifiersType: 'ASIN', pageSize: 2, sortBy: 'sku', sortOrder: 'ASC', pageToken: byAsin.pagination!.nextToken });
    expect(next.items.map((item) => item.sku)).toEqual(['SEARCH-2', 'SEARCH-3']);
    const byEan = await search({ identifiers: ['4260987654320'], identifiersType: 'EAN' });
    expect(byEan.numberOfResults).toBe(5);
    const buyable = await search({ identifiers: ['B0SIM00006'], identifiersType: 'ASIN', withStatus: ['BUYABLE'] });
    expect(buyable.numberOfResults).toBe(4);
    expect(await rejectionOf(search({ pageSize: 21 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rejectionOf(search({ identifiers: ['A'] }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rejectionOf(search({ identifiers: Array.from({ length: 21 }, (_, i) => `S${i}`), identifiersType: 'SKU' }))).toMatchObject({ code: 'BAD_REQUEST' });
  });

  test('bad requests get 400 BAD_REQUEST; another seller id gets 403', async () => {
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'listingsItems.getListingsItem', path: { sellerId, sku: 'MUG-1' }, query: {} }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rejectionOf(put('MUG-1', { productType: 'DRINKING_CUP', attributes: {} }, { marketplaceIds: [DE, FR] }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rejectionOf(put('MUG-1', { attributes: {} }))).toMatchObject({ code: 'BAD_REQUEST', message: "'productType' is required." });
    expect(await rejectionOf(patch('MUG-1', []))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'listingsItems.getListingsItem', path: { sellerId: 'A1SOMEONEELSE', sku: 'MUG-1' }, query: { marketplaceIds: [DE] } }))).toMatchObject({ code: 'Unauthorized' });
  });
});
