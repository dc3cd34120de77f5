import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEFAULT_CATALOG_SHARED_EAN } from './default-catalog';
import { modelErrors } from '../test-support/amazon-models';
import { startHarness, type Harness } from '../test-support/harness';
import { DE, rejectionOf } from '../test-support/sp-client';

const MODEL = 'sp-api-models/catalogItems_2022-04-01.json';
interface SearchResult {
  numberOfResults: number;
  pagination?: { nextToken?: string };
  items: { asin: string; identifiers?: { identifiers: { identifierType: string; identifier: string }[] }[]; summaries?: { itemName: string; brand?: string }[]; productTypes?: { productType: string }[] }[];
}

describe('Catalog Items 2022-04-01', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ rateLimits: false });
  });
  afterAll(() => harness.sim.close());

  const search = (query: Record<string, unknown>) => harness.sp.callAPI({ operation: 'catalogItems.searchCatalogItems', query: { marketplaceIds: [DE], ...query } }) as Promise<SearchResult>;

  test('finds ASINs by EAN with identifiers, summaries and product types; the default seed shares one EAN between two ASINs', async () => {
    const result = await search({ identifiers: [DEFAULT_CATALOG_SHARED_EAN, '4006381333931', '4000000000013'], identifiersType: 'EAN', includedData: ['identifiers', 'summaries', 'productTypes'] });
    expect(modelErrors(result, MODEL, 'ItemSearchResults')).toBe('');
    expect(result.numberOfResults).toBe(3);
    expect(result.items.map((item) => item.asin)).toEqual(['B0SIM00002', 'B0SIM00003', 'B0SIM00001']);
    expect(result.items[0]).toEqual({
      asin: 'B0SIM00002',
      identifiers: [{ marketplaceId: DE, identifiers: [{ identifierType: 'EAN', identifier: DEFAULT_CATALOG_SHARED_EAN }] }],
      summaries: [{ marketplaceId: DE, brand: 'Sellersync Home', itemClassification: 'BASE_PRODUCT', itemName: 'Cotton tea towel, set of 2' }],
      productTypes: [{ marketplaceId: DE, productType: 'KITCHEN_TOWEL' }],
    });
  });

  test.each([
    ['UPC', '036000291452', ['B0SIM00004']],
    ['ISBN', '316148410X', ['B0SIM00005']],
    ['ISBN', '9783161484100', ['B0SIM00005']],
    ['GTIN', '0036000291452', ['B0SIM00004']],
    ['ASIN', 'B0SIM00007', ['B0SIM00007']],
    ['EAN', '4006381333932', []],
  ])('identifiersType %s %s → %j (exact match, no check-digit logic)', async (identifiersType, identifier, asins) => {
    const result = await search({ identifiers: [identifier], identifiersType });
    expect(result.items.map((item) => item.asin)).toEqual(asins);
    expect(Object.keys(result.items[0] ?? { asin: '', summaries: [] })).toEqual(['asin', 'summaries']);
  });

  test('finds by the seller SKU of a listing, and seeded items become searchable', async () => {
    harness.sim.seed.catalogItem({ asin: 'B0TESTABCD', marketplaceId: DE, title: 'Seeded in a test', identifiers: { EAN: '4012345678901' } });
    expect((await search({ identifiers: ['4012345678901'], identifiersType: 'EAN' })).items.map((item) => item.asin)).toEqual(['B0SIM00007', 'B0TESTABCD']);
    expect((await search({ identifiers: ['4012345678901'], identifiersType: 'EAN', marketplaceIds: ['A13V1IB3VIYZZH'] })).items.map((item) => item.asin)).toEqual(['B0SIM00007']);
    harness.sim.seed.listing({ sku: 'MY-SKU', marketplaceId: DE, asin: 'B0SIM00008', price: '3.00', quantity: 1 });
    const bySku = await search({ identifiers: ['MY-SKU'], identifiersType: 'SKU', sellerId: harness.sim.sellerId });
    expect(bySku.items.map((item) => item.asin)).toEqual(['B0SIM00008']);
  });

  test('pages with pageSize and pageToken', async () => {
    const first = await search({ identifiers: ['B0SIM00001', 'B0SIM00002', 'B0SIM00003'], identifiersType: 'ASIN', pageSize: 2 });
    expect(first.numberOfResults).toBe(3);
    expect(first.items).toHaveLength(2);
    const second = await search({ identifiers: ['B0SIM00001', 'B0SIM00002', 'B0SIM00003'], identifiersType: 'ASIN', pageSize: 2, pageToken: first.pagination!.nextToken });
    expect(second.items.map((item) => item.asin)).toEqual(['B0SIM00003']);
    expect(second.pagination?.nextToken).toBeUndefined();
  });

  test('rejects what Amazon rejects: not exactly one marketplace, over 20 identifiers, identifiers without a type', async () => {
    const cases = [
      { identifiers: ['B0SIM00001'], identifiersType: 'ASIN', marketplaceIds: [DE, 'A13V1IB3VIYZZH'] },
      { identifiers: ['B0SIM00001'], identifiersType: 'ASIN', marketplaceIds: [] },
      { identifiers: Array.from({ length: 21 }, (_, i) => `B0SIM0000${i % 9}`), identifiersType: 'ASIN' },
      { identifiers: ['B0SIM00001'] },
      { identifiers: ['B0SIM00001'], identifiersType: 'PZN' },
      { identifiers: ['B0SIM00001'], identifiersType: 'ASIN', pageSize: 21 },
      { identifiers: ['MY-SKU'], identifiersType: 'SKU' },
      {},
    ];
    for (const query of cases) {
      const error = await rejectionOf(search(query));
      expect({ query, code: error.code }).toEqual({ query, code: 'InvalidInput' });
    }
  });

  test('getCatalogItem returns one ASIN or 404', async () => {
    const item = await harness.sp.callAPI({ operation: 'catalogItems.getCatalogItem', path: { asin: 'B0SIM00006' }, query: { marketplaceIds: [DE], includedData: ['summaries', 'attributes'] } });
    expect(modelErrors(item, MODEL, 'Item')).toBe('');
    expect(item).toMatchObject({ asin: 'B0SIM00006', summaries: [{ itemName: 'Crème brûlée ramekins — Édition spéciale' }] });
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'catalogItems.getCatalogItem', path: { asin: 'B0NOTHERE1' }, query: { marketplaceIds: [DE] } }))).toMatchObject({ code: 'NotFound' });
  });
});
