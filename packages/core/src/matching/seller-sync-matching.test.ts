import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, startSimulator, type Simulator } from '@sellersync/sp-api-simulator';
import knexFactory, { type Knex } from 'knex';
import { migrate } from '../database/migrate';
import { createSellerSync, type SellerSync } from '../sync';
import { createMemoryAdapter } from '../testing/memory-adapter';

const DE = 'A1PA6795UKMFR9';

let sim: Simulator;
let knex: Knex;
let sync: SellerSync;

beforeAll(async () => {
  sim = await startSimulator({
    timeScale: 1000,
    seed: { listings: [{ sku: 'AMZ-MUG', marketplaceId: DE, asin: 'B0SIM00001', price: '12.99', quantity: 5 }] },
  });
  knex = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  await migrate(knex);
  sync = createSellerSync({
    db: knex,
    shop: createMemoryAdapter({
      products: [
        { productRef: 'mug', sku: 'MUG-1', title: 'Mug' },
        { productRef: 'bottle', sku: 'BOTTLE', gtin: '036000291452', title: 'Bottle' },
      ],
    }),
    accountId: 'acme',
    amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: sim.url },
    gateway: { timeScale: 1000 },
    matching: { priority: 'asin-first' },
  });
});

afterAll(async () => {
  await knex.destroy();
  await sim.close();
});

describe('catalog matching on the sync object', () => {
  test("CSV map, listings report and matching mode run on the sync's tables, account and gateway", async () => {
    const csv = await sync.importMappingCsv('Title;Internal Reference;Seller SKU;Marketplace;Fulfilment\r\nMug;MUG-1;AMZ-MUG;DE;MFN\r\nMug FR;MUG-1;AMZ-MUG;FR;MFN\r\n', {
      mode: 'row-by-row',
    });
    // FR is not one of this account's marketplaces
    expect(csv.rows.map((r) => (r.outcome === 'rejected' ? r.reason : r.outcome))).toEqual(['created', 'unknown-marketplace']);

    const report = await sync.syncActiveListings();
    expect(report.marketplaces[0]).toMatchObject({ marketplaceId: DE, rows: 1, matched: 1, byRule: { mapping: 1 }, error: null });

    const search = await sync.matchCatalog();
    expect(search.marketplaces[0]).toMatchObject({ matched: 1, candidates: 1 });

    const mappings = await sync.mappings.list();
    expect(mappings.map((m) => [m.accountId, m.sellerSku, m.asin, m.source])).toEqual([
      ['acme', 'AMZ-MUG', 'B0SIM00001', 'csv-import'],
      ['acme', 'BOTTLE', 'B0SIM00004', 'catalog-search'],
    ]);
    expect(await sync.mismatches.count()).toBe(0);
    expect((await sync.changeLog.list()).map((c) => [c.sku, c.kind])).toEqual([['BOTTLE', 'listing']]);
    expect(sync.gateway.stats().calls['catalogItems.searchCatalogItems']).toBe(1);
  });

  test("the sync object's importMappingCsv passes encoding: a windows-1252 file is read, not refused", async () => {
    // "Tasse grün" in windows-1252: ü = FC, not valid UTF-8
    const bytes = Buffer.from('Title;Internal Reference;Seller SKU;Marketplace;Fulfilment\r\nTasse gr\u00fcn;BOTTLE;AMZ-BOTTLE;DE;MFN\r\n', 'latin1');
    await expect(sync.importMappingCsv(bytes)).rejects.toMatchObject({ code: 'INVALID_CSV' });
    const result = await sync.importMappingCsv(bytes, { encoding: 'windows-1252' });
    expect(result.rows.map((r) => r.outcome)).toEqual(['created']);
    expect((await sync.mappings.findBySellerSkus(['AMZ-BOTTLE']))[0]?.title).toBe('Tasse grün');
  });
});
