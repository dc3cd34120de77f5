import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import knexFactory, { type Knex } from 'knex';
import { migrate } from '../database/migrate';
import type { ShopAdapter, ShopProduct } from '../shop-adapter';
import { createMemoryAdapter, type MemoryAdapter } from '../testing/memory-adapter';
import { buildCatalogIndex } from './catalog-index';
import type { MatchCandidate, MatchResult, ProductMappingStore } from './product-mapping';
import { createProductMappings } from './product-mappings';
import { createProductMatcher } from './product-matcher';

const DE = 'A1PA6795UKMFR9';
const FR = 'A13V1IB3VIYZZH';

let knex: Knex;
let mappings: ProductMappingStore;
let shop: MemoryAdapter;

beforeAll(async () => {
  knex = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  await migrate(knex);
  mappings = createProductMappings(knex, { accountId: 'acme' });
});

afterAll(async () => {
  await knex.destroy();
});

beforeEach(async () => {
  await knex('sellersync_product_mappings').delete();
  shop = createMemoryAdapter({
    products: [
      { productRef: 'mug', sku: 'MUG-RED', gtin: '4006381333931', asin: 'B00X4WHP5E', title: 'Red mug' },
      { productRef: 'cereal', sku: 'CEREAL', gtin: '036000291452', title: 'Cereal' },
      { productRef: 'book', sku: 'BOOK-1', gtin: '9780306406157', title: 'A book' },
      { productRef: 'hyphenated', sku: 'BOOK-2', gtin: 'ISBN 978-3-16-148410-0', title: 'Another book' },
      { productRef: 'shirt', variantRef: 'm', sku: 'SHIRT-M', gtin: '96385074', title: 'Shirt M' },
      { productRef: 'shirt', variantRef: 'l', sku: 'SHIRT-L', gtin: '96385074', title: 'Shirt L' },
      { productRef: 'twin-a', sku: 'TWIN', title: 'Twin A' },
      { productRef: 'twin-b', sku: 'TWIN', title: 'Twin B' },
      { productRef: 'bad', sku: 'BAD-GTIN', gtin: '4006381333932', title: 'Bad GTIN in the shop' },
      { productRef: 'asin-only', sku: 'OTHER-SKU', asin: 'B07XJWD8ZD', title: 'ASIN only' },
    ],
  });
});

const refOf = (result: MatchResult) => (result.ok ? `${result.product.productRef}${result.product.variantRef ? `/${result.product.variantRef}` : ''}:${result.rule}` : result.reason);

/** Runs every scenario through the lookup path and through the in-memory index, which must agree. */
async function matchBothWays(items: readonly MatchCandidate[], priority: 'asin-first' | 'sku-first' = 'sku-first'): Promise<string[]> {
  const lookup = await createProductMatcher({ adapter: shop, mappings, priority }).match(items);
  const bulk = await createProductMatcher({ adapter: shop, mappings, priority, bulkThreshold: 1, scanPageSize: 2 }).match(items);
  const indexed = await createProductMatcher({ adapter: shop, mappings, priority, catalogIndex: await buildCatalogIndex(shop) }).match(items);
  expect(bulk.map(refOf)).toEqual(lookup.map(refOf));
  expect(indexed.map(refOf)).toEqual(lookup.map(refOf));
  return lookup.map(refOf);
}

describe('createProductMatcher', () => {
  test('each rule finds its product; results come in input order', async () => {
    expect(
      await matchBothWays([
        { sellerSku: 'MUG-RED', marketplaceId: DE },
        { asin: 'b07xjwd8zd', marketplaceId: DE },
        { gtin: '0036000291452', marketplaceId: DE },
        { gtin: '0-306-40615-2', marketplaceId: DE },
        { sellerSku: 'UNKNOWN', gtin: '978 0 306 40615 7', marketplaceId: DE },
        { sellerSku: 'UNKNOWN', marketplaceId: DE },
      ]),
    ).toEqual(['mug:seller-sku', 'asin-only:asin', 'cereal:gtin', 'book:gtin', 'book:gtin', 'not-found']);
  });

  test('a GTIN the shop stores with hyphens or a label is found by bulk matching (lookups compare digit forms)', async () => {
    const items = [{ gtin: '316148410X', marketplaceId: DE }];
    expect((await createProductMatcher({ adapter: shop, mappings, bulkThreshold: 1 }).match(items)).map(refOf)).toEqual(['hyphenated:gtin']);
    expect((await createProductMatcher({ adapter: shop, mappings }).match(items)).map(refOf)).toEqual(['not-found']);
  });

  test('priority decides between a SKU and an ASIN that name different products', async () => {
    const item: MatchCandidate = { sellerSku: 'MUG-RED', asin: 'B07XJWD8ZD', marketplaceId: DE };
    expect(await matchBothWays([item], 'sku-first')).toEqual(['mug:seller-sku']);
    expect(await matchBothWays([item], 'asin-first')).toEqual(['asin-only:asin']);
  });

  test('the mapping table maps seller SKUs the shop does not know, per marketplace; variants are kept apart', async () => {
    await mappings.upsert([
      { marketplaceId: DE, sellerSku: 'AMZ-MUG-FBA', fulfillmentChannel: 'AFN', productRef: 'mug', source: 'manual' },
      { marketplaceId: DE, sellerSku: 'AMZ-SHIRT-L', productRef: 'shirt', variantRef: 'l', source: 'manual', asin: 'B0SHIRTL01' },
      { marketplaceId: DE, sellerSku: 'GONE', productRef: 'deleted-product', source: 'manual' },
    ]);
    expect(
      await matchBothWays([
        { sellerSku: 'AMZ-MUG-FBA', marketplaceId: DE, fulfillmentChannel: 'AFN' },
        { sellerSku: 'AMZ-MUG-FBA', marketplaceId: FR },
        { sellerSku: 'AMZ-SHIRT-L', marketplaceId: DE },
        { asin: 'B0SHIRTL01', marketplaceId: DE },
        { sellerSku: 'GONE', marketplaceId: DE },
      ]),
    ).toEqual(['mug:mapping', 'not-found', 'shirt/l:mapping', 'shirt/l:mapping', 'not-found']);
  });

  test('several products sharing a GTIN or a SKU are ambiguous, with the candidates; never guessed', async () => {
    const results = await createProductMatcher({ adapter: shop, mappings }).match([
      { gtin: '96385074', marketplaceId: DE },
      { sellerSku: 'TWIN', marketplaceId: DE },
    ]);
    expect(results.map(refOf)).toEqual(['ambiguous', 'ambiguous']);
    const [first] = results;
    if (first?.ok !== false) throw new Error('expected a failure');
    expect(first.candidates?.map((p: ShopProduct) => p.sku).sort()).toEqual(['SHIRT-L', 'SHIRT-M']);
    expect(first.message).toContain('96385074');
    expect(first.message).toContain('2 shop products share its GTIN');
    expect(await matchBothWays([{ gtin: '96385074', marketplaceId: DE }, { sellerSku: 'TWIN', marketplaceId: DE }])).toEqual(['ambiguous', 'ambiguous']);
  });

  test('a later unique rule settles an ambiguity only when it names one of the candidates', async () => {
    await mappings.upsert([
      { marketplaceId: DE, sellerSku: 'SHIRT-XX', productRef: 'shirt', variantRef: 'm', source: 'manual' },
      { marketplaceId: DE, sellerSku: 'CONFLICT', productRef: 'mug', source: 'manual' },
    ]);
    expect(
      await matchBothWays([
        // GTIN alone is ambiguous (M and L) but the seller SKU is the shop SKU of M
        { sellerSku: 'SHIRT-M', gtin: '96385074', marketplaceId: DE },
        // SKU TWIN is ambiguous and the GTIN names neither twin: a conflict, not a guess
        { sellerSku: 'TWIN', gtin: '4006381333931', marketplaceId: DE },
        { sellerSku: 'SHIRT-XX', gtin: '96385074', marketplaceId: DE },
      ]),
    ).toEqual(['shirt/m:seller-sku', 'ambiguous', 'shirt/m:mapping']);
    const [conflict] = await createProductMatcher({ adapter: shop, mappings }).match([{ sellerSku: 'TWIN', asin: 'B00X4WHP5E', marketplaceId: DE }]);
    expect(conflict).toMatchObject({ ok: false, reason: 'ambiguous' });
  });

  test('invalid identifiers are reported and never matched, neither on the Amazon side nor in the shop', async () => {
    const results = await createProductMatcher({ adapter: shop, mappings }).match([
      { gtin: '4006381333932', marketplaceId: DE },
      { asin: 'XYZ', marketplaceId: DE },
      { sellerSku: 'MUG-RED', gtin: 'garbage', marketplaceId: DE },
      { marketplaceId: DE },
    ]);
    expect(results.map(refOf)).toEqual(['invalid-identifier', 'invalid-identifier', 'mug:seller-sku', 'not-found']);
    expect(results[0]!.ok === false && results[0]!.message).toContain('check digit should be 1');
    // the shop's own invalid GTIN 4006381333932 never matches, even when Amazon sends the same digits
    expect(await matchBothWays([{ gtin: '4006381333932', sellerSku: 'X', marketplaceId: DE }])).toEqual(['invalid-identifier']);
  });

  test('few items are looked up (no catalog scan); many are matched from one scan', async () => {
    const calls = { scan: 0, bySku: 0, find: 0 };
    const counting: ShopAdapter = {
      ...shop,
      scanCatalog: (options) => {
        calls.scan += 1;
        return shop.scanCatalog(options);
      },
      getProductsBySku: (skus) => {
        calls.bySku += 1;
        return shop.getProductsBySku(skus);
      },
      findProducts: (query) => {
        calls.find += 1;
        return shop.findProducts(query);
      },
    };
    const matcher = createProductMatcher({ adapter: counting, mappings, bulkThreshold: 10 });
    await matcher.match([{ sellerSku: 'MUG-RED', marketplaceId: DE }]);
    expect(calls).toEqual({ scan: 0, bySku: 1, find: 0 });
    const many = Array.from({ length: 10 }, (_, i) => ({ sellerSku: i === 0 ? 'CEREAL' : `NONE-${i}`, marketplaceId: DE }));
    const results = await matcher.match(many);
    expect(calls.scan).toBe(1);
    expect(calls.bySku).toBe(1);
    expect(results.map(refOf).slice(0, 2)).toEqual(['cereal:seller-sku', 'not-found']);
    expect(await matcher.match([])).toEqual([]);
  });
});
