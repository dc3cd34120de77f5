import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import {
  DEFAULT_CATALOG_SHARED_EAN,
  SIMULATOR_CREDENTIALS,
  SIMULATOR_SELLER_ID,
  startSimulator,
  type Simulator,
} from '@sellersync/sp-api-simulator';
import knexFactory, { type Knex } from 'knex';
import { createAmazonGateway, type AmazonGateway } from '../amazon-gateway';
import { createChangeLog } from '../change-log';
import { migrate } from '../database/migrate';
import { resolveTableNames } from '../database/table-names';
import { createMemoryAdapter, type MemoryAdapter } from '../testing/memory-adapter';
import { matchCatalog, type CatalogMatchingOptions } from './catalog-matching';
import { createMismatchLog } from './mismatch-log';
import { gs1CheckDigit } from './product-identifier';
import { createProductMappings } from './product-mappings';

const DE = 'A1PA6795UKMFR9';
const FR = 'A13V1IB3VIYZZH';
const TIME_SCALE = 1000;

let sim: Simulator;
let gateway: AmazonGateway;
let knex: Knex;
let shop: MemoryAdapter;

const tables = resolveTableNames();
const mappings = () => createProductMappings(knex, { accountId: 'acme' });
const mismatches = () => createMismatchLog(knex, { accountId: 'acme' });
const changes = () => createChangeLog(knex, { accountId: 'acme' });
const run = (options: Partial<CatalogMatchingOptions> = {}) =>
  matchCatalog({ db: knex, gateway, adapter: shop, accountId: 'acme', marketplaceIds: [DE], ...options });

beforeAll(async () => {
  // the default catalog: B0SIM00001 EAN 4006381333931, B0SIM00002 and B0SIM00003 share an EAN,
  // B0SIM00004 UPC 036000291452 / EAN 0036000291452, B0SIM00005 ISBN 9783161484100 / 316148410X, ...
  sim = await startSimulator({ timeScale: TIME_SCALE });
  gateway = createAmazonGateway({
    amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE, FR], ...SIMULATOR_CREDENTIALS, endpoint: sim.url },
    timeScale: TIME_SCALE,
    retry: { retries: 1 },
  });
  knex = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  await migrate(knex);
});

afterAll(async () => {
  await knex.destroy();
  await sim.close();
});

beforeEach(async () => {
  for (const table of [tables.productMappings, tables.mismatches, tables.changes]) await knex(table).delete();
  shop = createMemoryAdapter({
    products: [
      { productRef: 'mug', sku: 'MUG-1', gtin: '4006381333931', title: 'Mug' },
      { productRef: 'towel', sku: 'TOWEL', gtin: DEFAULT_CATALOG_SHARED_EAN, title: 'Tea towel' },
      { productRef: 'bottle', sku: 'BOTTLE', gtin: '036000291452', title: 'Bottle (UPC-A)' },
      { productRef: 'book', sku: 'BOOK', gtin: '3-16-148410-X', title: 'Book (ISBN-10)' },
      { productRef: 'unknown', sku: 'NOT-ON-AMAZON', gtin: '96385074', title: 'Not on Amazon' },
      { productRef: 'bad', sku: 'BAD-EAN', gtin: '4006381333932', title: 'Wrong check digit' },
      { productRef: 'has-asin', sku: 'HAS-ASIN', gtin: '4012345678901', asin: 'B0SIM00007', title: 'Already has its ASIN' },
      { productRef: 'no-gtin', sku: 'NO-GTIN', title: 'No GTIN' },
      { productRef: 'fr-only', sku: 'FR-ONLY', gtin: '5901234123457', marketplaceIds: [FR], title: 'Sold in France only' },
    ],
  });
});

describe('matchCatalog (matching mode) against the simulator', () => {
  test('a unique ASIN is stored and an offer-only listing change queued; the shared EAN is ambiguous, never guessed', async () => {
    const summary = await run();
    expect(summary.marketplaces[0]).toEqual({
      marketplaceId: DE,
      candidates: 6,
      alreadyMatched: 0,
      searchCalls: 3,
      matched: 3,
      ambiguous: 1,
      notOnAmazon: 1,
      invalid: 1,
      conflicts: 0,
      error: null,
    });
    expect(summary.matched).toBe(3);

    const stored = Object.fromEntries((await mappings().list()).map((m) => [m.sellerSku, m]));
    expect(Object.keys(stored).sort()).toEqual(['BOOK', 'BOTTLE', 'MUG-1']);
    expect(stored['MUG-1']).toMatchObject({ accountId: 'acme', marketplaceId: DE, productRef: 'mug', asin: 'B0SIM00001', source: 'catalog-search', fulfillmentChannel: 'MFN' });
    expect(stored['BOTTLE']!.asin).toBe('B0SIM00004');
    expect(stored['BOOK']!.asin).toBe('B0SIM00005');

    const queued = await changes().list();
    expect(queued.map((c) => [c.sku, c.kind, c.marketplaceId, c.productRef, c.accountId]).sort()).toEqual([
      ['BOOK', 'listing', DE, 'book', 'acme'],
      ['BOTTLE', 'listing', DE, 'bottle', 'acme'],
      ['MUG-1', 'listing', DE, 'mug', 'acme'],
    ]);

    const logged = Object.fromEntries((await mismatches().list()).map((m) => [m.productRef, m]));
    expect(logged['towel']).toMatchObject({
      accountId: 'acme',
      marketplaceId: DE,
      source: 'catalog-search',
      reason: 'ambiguous',
      sellerSku: 'TOWEL',
      gtin: DEFAULT_CATALOG_SHARED_EAN,
      candidates: ['B0SIM00002', 'B0SIM00003'],
    });
    expect(logged['towel']!.message).toContain('nothing was guessed');
    expect(logged['unknown']).toMatchObject({ reason: 'not-on-amazon' });
    expect(logged['bad']).toMatchObject({ reason: 'invalid-identifier' });
    expect(logged['bad']!.message).toContain('check digit');
    expect(Object.keys(logged).sort()).toEqual(['bad', 'towel', 'unknown']);
    // EAN, UPC and ISBN searches: each type as parsed
    expect(sim.state.calls['catalogItems.searchCatalogItems']).toBeGreaterThanOrEqual(3);
  });

  test('a second run searches only what is still open, changes nothing matched, and keeps the log current', async () => {
    await run();
    const calls = sim.state.calls['catalogItems.searchCatalogItems'] ?? 0;
    shop.upsertProduct({ productRef: 'unknown', sku: 'NOT-ON-AMAZON', gtin: '5901234123457' });
    const again = await run();
    expect(again.marketplaces[0]).toMatchObject({ candidates: 6, alreadyMatched: 3, matched: 1, ambiguous: 1, notOnAmazon: 0, invalid: 1 });
    expect((sim.state.calls['catalogItems.searchCatalogItems'] ?? 0) - calls).toBe(1);
    expect((await mismatches().list()).map((m) => m.productRef).sort()).toEqual(['bad', 'towel']);
    expect((await mappings().findBySellerSkus(['NOT-ON-AMAZON']))[0]!.asin).toBe('B0SIM00008');
  });

  test('entries of a run in the same millisecond as the next are cleared once they match', async () => {
    const frozen = () => 5_000;
    await run({ clock: frozen });
    shop.upsertProduct({ productRef: 'unknown', sku: 'NOT-ON-AMAZON', gtin: '5901234123457' });
    await run({ clock: frozen });
    expect((await mismatches().list()).map((m) => m.productRef).sort()).toEqual(['bad', 'towel']);
  });

  test('an existing mapping gives the seller SKU; a seller SKU mapped to another product is a conflict', async () => {
    await mappings().upsert([
      { marketplaceId: DE, sellerSku: 'AMZ-MUG', fulfillmentChannel: 'AFN', productRef: 'mug', source: 'csv-import' },
      { marketplaceId: DE, sellerSku: 'BOTTLE', productRef: 'someone-else', source: 'manual' },
    ]);
    const summary = await run({ fulfillmentChannel: 'AFN' });
    expect(summary.marketplaces[0]).toMatchObject({ matched: 2, conflicts: 1 });
    // the CSV mapping got its ASIN and stays a CSV mapping
    expect((await mappings().findBySellerSkus(['AMZ-MUG']))[0]).toMatchObject({ asin: 'B0SIM00001', fulfillmentChannel: 'AFN', source: 'csv-import' });
    expect((await mappings().findBySellerSkus(['BOTTLE']))[0]).toMatchObject({ productRef: 'someone-else', asin: null });
    expect((await mismatches().list({ reason: 'sku-conflict' }))[0]).toMatchObject({ productRef: 'bottle', candidates: ['B0SIM00004'] });
    expect((await changes().list()).map((c) => c.sku).sort()).toEqual(['AMZ-MUG', 'BOOK']);
  });

  test('two shop products with one GTIN are ambiguous: neither gets the ASIN, no offer is queued', async () => {
    shop.upsertProduct({ productRef: 'mug-copy', sku: 'MUG-COPY', gtin: '400-6381-33393-1', title: 'Mug, entered twice' });
    // and a product that has the ASIN already shares the bottle's UPC (written as its EAN-13)
    shop.upsertProduct({ productRef: 'bottle-old', sku: 'BOTTLE-OLD', gtin: '0036000291452', asin: 'B0SIM00004', title: 'Old bottle' });
    const summary = await run();
    expect(summary.marketplaces[0]).toMatchObject({ candidates: 7, matched: 1, ambiguous: 4 });
    expect((await mappings().list()).map((m) => m.sellerSku)).toEqual(['BOOK']);
    expect((await changes().list()).map((c) => c.sku)).toEqual(['BOOK']);
    const logged = await mismatches().list({ reason: 'ambiguous' });
    const byRef = Object.fromEntries(logged.map((m) => [m.productRef, m]));
    expect(Object.keys(byRef).sort()).toEqual(['bottle', 'mug', 'mug-copy', 'towel']);
    expect(byRef['mug']!.candidates).toEqual(['mug', 'mug-copy']);
    expect(byRef['mug-copy']!.candidates).toEqual(['mug', 'mug-copy']);
    expect(byRef['mug']!.message).toContain('2 shop products carry this EAN (MUG-1, MUG-COPY); ASIN B0SIM00001 was given to none of them');
    expect(byRef['bottle']!.candidates).toEqual(['bottle', 'bottle-old']);
  });

  test('two shop products with one seller SKU are not both matched: the second is a conflict, the first keeps the mapping', async () => {
    // one batch (both EANs), and a UPC of the same SKU searched in another batch
    shop = createMemoryAdapter({
      products: [
        { productRef: 'a', sku: 'DUP', gtin: '4006381333931', title: 'Mug' },
        { productRef: 'b', sku: 'DUP', gtin: '5901234123457', title: 'Socks' },
        { productRef: 'c', sku: 'DUP', gtin: '036000291452', title: 'Bottle' },
      ],
    });
    const summary = await run();
    expect(summary.marketplaces[0]).toMatchObject({ candidates: 3, matched: 1, conflicts: 2, error: null });
    const stored = await mappings().list();
    expect(stored.map((m) => [m.sellerSku, m.productRef, m.asin])).toEqual([['DUP', 'a', 'B0SIM00001']]);
    expect((await changes().list()).map((c) => [c.sku, c.productRef])).toEqual([['DUP', 'a']]);
    const logged = await mismatches().list({ reason: 'sku-conflict' });
    expect(logged.map((m) => [m.productRef, m.candidates]).sort()).toEqual([
      ['b', ['B0SIM00008']],
      ['c', ['B0SIM00004']],
    ]);
    expect(logged.find((m) => m.productRef === 'b')!.message).toContain('seller SKU "DUP" was matched to product a (DUP) earlier in this run');
  });

  test('a GTIN two shop products carry in different written forms is ambiguous also when they land in different search batches', async () => {
    const ean = (i: number) => {
      const body = `44${String(i).padStart(10, '0')}`;
      return `${body}${gs1CheckDigit(body)}`;
    };
    const shared = ean(999);
    sim.seed.catalogItem({ asin: 'B0SPLIT001', title: 'Split', identifiers: { EAN: shared } });
    // "a" (hyphens: the adapter's lookup by written form cannot find it) goes in the first batch
    // of 20 identifiers with 19 fillers, "b" in the last one
    shop = createMemoryAdapter({
      products: [
        { productRef: 'a', sku: 'A', gtin: `${shared.slice(0, 7)}-${shared.slice(7)}`, title: 'A' },
        ...Array.from({ length: 20 }, (_, i) => ({ productRef: `f${i}`, sku: `F${i}`, gtin: ean(i) })),
        { productRef: 'b', sku: 'B', gtin: shared, title: 'B' },
      ],
    });
    const summary = await run({ scanPageSize: 5 });
    expect(summary.marketplaces[0]).toMatchObject({ candidates: 22, searchCalls: 2, matched: 0, ambiguous: 2, notOnAmazon: 20, error: null });
    expect(await mappings().list()).toEqual([]);
    expect(await changes().list()).toEqual([]);
    const logged = Object.fromEntries((await mismatches().list({ reason: 'ambiguous' })).map((m) => [m.productRef, m]));
    expect(Object.keys(logged).sort()).toEqual(['a', 'b']);
    expect(logged['a']!.candidates).toEqual(['a', 'b']);
    expect(logged['b']!.candidates).toEqual(['a', 'b']);
    expect(logged['b']!.message).toContain('2 shop products carry this EAN (B, A); ASIN B0SPLIT001 was given to none of them');
  });

  test('a batch whose answer spans pages: every page is read, also for the EAN of two ASINs', async () => {
    const ean = (i: number) => {
      const body = `43${String(i).padStart(10, '0')}`;
      return `${body}${gs1CheckDigit(body)}`;
    };
    // 19 EANs of one ASIN each and the EAN shared by two: 21 items for one call of 20 identifiers
    shop = createMemoryAdapter({ products: [{ productRef: 'towel', sku: 'TOWEL', gtin: DEFAULT_CATALOG_SHARED_EAN, title: 'Tea towel' }] });
    for (let i = 0; i < 19; i += 1) {
      sim.seed.catalogItem({ asin: `B0PAGE${String(i).padStart(4, '0')}`, title: `Page ${i}`, identifiers: { EAN: ean(i) } });
      shop.upsertProduct({ productRef: `page${i}`, sku: `PAGE-${i}`, gtin: ean(i) });
    }
    const before = sim.state.calls['catalogItems.searchCatalogItems'] ?? 0;
    const summary = await run();
    expect(summary.marketplaces[0]).toMatchObject({ candidates: 20, searchCalls: 2, matched: 19, ambiguous: 1, notOnAmazon: 0, error: null });
    expect((sim.state.calls['catalogItems.searchCatalogItems'] ?? 0) - before).toBe(2);
    expect((await mismatches().list())[0]).toMatchObject({ productRef: 'towel', reason: 'ambiguous', candidates: ['B0SIM00002', 'B0SIM00003'] });
    expect((await mappings().findBySellerSkus(['PAGE-18']))[0]!.asin).toBe('B0PAGE0018');
  });

  test('more than 20 identifiers go in batches of 20 under the rate limit', async () => {
    const ean = (i: number) => {
      const body = `42${String(i).padStart(10, '0')}`;
      return `${body}${gs1CheckDigit(body)}`;
    };
    for (let i = 0; i < 45; i += 1) {
      sim.seed.catalogItem({ asin: `B0BATCH${String(i).padStart(3, '0')}`, title: `Batch ${i}`, identifiers: { EAN: ean(i) } });
      shop.upsertProduct({ productRef: `batch${i}`, sku: `BATCH-${i}`, gtin: ean(i) });
    }
    const before = sim.state.calls['catalogItems.searchCatalogItems'] ?? 0;
    const summary = await run({ marketplaceIds: [FR] });
    // FR: the 45 batch products and the 6 others (the fr-only product is sold there too)
    expect(summary.marketplaces[0]).toMatchObject({ marketplaceId: FR, candidates: 52, matched: 49, error: null });
    const calls = (sim.state.calls['catalogItems.searchCatalogItems'] ?? 0) - before;
    // EAN: 49 distinct EANs → 3 calls; UPC: 1; ISBN: 1
    expect(calls).toBe(5);
    // the gateway's limiter kept every call under Amazon's 2/s: the simulator never had to answer 429
    expect(sim.state.throttled).toBe(0);
    expect(await mappings().count({ marketplaceId: FR })).toBe(49);
  });
});
