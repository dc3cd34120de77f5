import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, startSimulator, type Simulator } from '@sellersync/sp-api-simulator';
import knexFactory, { type Knex } from 'knex';
import { createAmazonGateway, type AmazonGateway } from '../amazon-gateway';
import { decodeDocument, transferDocument } from '../amazon-gateway/document-transfer';
import { createGatewayAgent } from '../amazon-gateway/endpoint-agent';
import { migrate } from '../database/migrate';
import { resolveTableNames } from '../database/table-names';
import { SellerSyncError } from '../errors';
import type { ShopAdapter } from '../shop-adapter';
import { createMemoryAdapter, type MemoryAdapter } from '../testing/memory-adapter';
import { syncActiveListings, type ActiveListingsSyncOptions } from './active-listings-sync';
import { createMismatchLog } from './mismatch-log';
import { createProductMappings } from './product-mappings';

const DE = 'A1PA6795UKMFR9';
const FR = 'A13V1IB3VIYZZH';
const TIME_SCALE = 1000;

let sim: Simulator;
let gateway: AmazonGateway;
let knex: Knex;
let shop: MemoryAdapter;

const mappings = () => createProductMappings(knex, { accountId: 'acme' });
const mismatches = () => createMismatchLog(knex, { accountId: 'acme' });
const run = (options: Partial<ActiveListingsSyncOptions> = {}) =>
  syncActiveListings({ db: knex, gateway, adapter: shop, accountId: 'acme', marketplaceIds: [DE, FR], ...options });

beforeAll(async () => {
  sim = await startSimulator({
    timeScale: TIME_SCALE,
    seed: {
      listings: [
        { sku: 'MUG-1', marketplaceId: DE, asin: 'B0SIM00001', price: '12.99', quantity: 5 },
        { sku: 'MUG-1-FBA', marketplaceId: DE, asin: 'B0SIM00001', price: '13.99', fulfillmentChannel: 'AMAZON_EU' },
        { sku: 'AMZ-BOTTLE', marketplaceId: DE, asin: 'B0SIM00004', price: '19.00', quantity: 1 },
        // the accented title comes from the catalog and travels in windows-1252
        { sku: 'AMZ-RAMEKIN', marketplaceId: DE, asin: 'B0SIM00006', price: '24.50', quantity: 2, productIdType: 'EAN', productId: '4260987654320' },
        { sku: 'AMZ-SOCKS', marketplaceId: DE, asin: 'B0SIM00008', price: '9.99', quantity: 3, productIdType: 'EAN', productId: '5901234123457' },
        { sku: 'UNKNOWN-1', marketplaceId: DE, asin: 'B0SIM00002', price: '5.00', quantity: 1, title: 'Torchon coton, lot de 2 – « été »' },
        { sku: 'AMZ-LAMP', marketplaceId: DE, asin: 'B0SIM00007', price: '30.00', quantity: 1 },
        { sku: 'MUG-1', marketplaceId: FR, asin: 'B0SIM00001', price: '12.99', quantity: 4 },
      ],
    },
  });
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
  await knex(resolveTableNames().productMappings).delete();
  await knex(resolveTableNames().mismatches).delete();
  shop = createMemoryAdapter({
    products: [
      { productRef: 'mug', sku: 'MUG-1', title: 'Mug' },
      { productRef: 'bottle', sku: 'BOTTLE', asin: 'B0SIM00004', title: 'Bottle' },
      { productRef: 'ramekin', sku: 'RAMEKIN', gtin: '4260987654320', title: 'Ramekins' },
      { productRef: 'socks-a', sku: 'SOCKS-A', gtin: '5901234123457', title: 'Socks A' },
      { productRef: 'socks-b', sku: 'SOCKS-B', gtin: '5901234123457', title: 'Socks B' },
      { productRef: 'lamp', sku: 'LAMP', asin: 'B0SIM00007', title: 'Lamp' },
    ],
  });
});

describe('syncActiveListings against the simulator', () => {
  test('matches every row of each marketplace, stores mappings, logs the rest; titles keep their accents', async () => {
    await mappings().upsert([
      { marketplaceId: DE, sellerSku: 'AMZ-LAMP', productRef: 'mug', source: 'csv-import', title: 'from the CSV' },
      { marketplaceId: DE, sellerSku: 'MUG-1-FBA', productRef: 'mug', source: 'manual' },
    ]);
    const summary = await run();
    const [de, fr] = summary.marketplaces;
    expect(de).toMatchObject({
      marketplaceId: DE,
      rows: 7,
      matched: 4,
      byRule: { 'seller-sku': 1, asin: 1, gtin: 1, mapping: 1 },
      mismatched: 3,
      byReason: { ambiguous: 1, 'not-found': 1, 'sku-conflict': 1 },
      error: null,
    });
    expect(de!.reportId).toEqual(expect.any(String));
    expect(fr).toMatchObject({ marketplaceId: FR, rows: 1, matched: 1, mismatched: 0, error: null });
    expect(summary).toMatchObject({ accountId: 'acme', rows: 8, matched: 5, mismatched: 3, productsCreated: 0 });

    const stored = await mappings().list();
    const bySku = Object.fromEntries(stored.map((m) => [`${m.marketplaceId === DE ? 'DE' : 'FR'}:${m.sellerSku}`, m]));
    expect(bySku['DE:MUG-1']).toMatchObject({ productRef: 'mug', asin: 'B0SIM00001', fulfillmentChannel: 'MFN', source: 'listings-report', accountId: 'acme' });
    // the FBA SKU is unknown to the shop and found through the mapping table; the report sets its channel
    expect(bySku['DE:MUG-1-FBA']).toMatchObject({ productRef: 'mug', source: 'manual', fulfillmentChannel: 'AFN', asin: 'B0SIM00001' });
    expect(bySku['DE:AMZ-BOTTLE']).toMatchObject({ productRef: 'bottle', asin: 'B0SIM00004' });
    expect(bySku['DE:AMZ-RAMEKIN']).toMatchObject({ productRef: 'ramekin', title: 'Crème brûlée ramekins — Édition spéciale' });
    expect(bySku['FR:MUG-1']).toMatchObject({ productRef: 'mug', marketplaceId: FR });
    // the CSV mapping was kept, not overwritten by the ASIN match
    expect(bySku['DE:AMZ-LAMP']).toMatchObject({ productRef: 'mug', source: 'csv-import', title: 'from the CSV' });

    const logged = await mismatches().list();
    expect(logged.map((m) => [m.sellerSku, m.reason]).sort()).toEqual([
      ['AMZ-LAMP', 'sku-conflict'],
      ['AMZ-SOCKS', 'ambiguous'],
      ['UNKNOWN-1', 'not-found'],
    ]);
    const socks = logged.find((m) => m.reason === 'ambiguous')!;
    expect(socks).toMatchObject({ accountId: 'acme', marketplaceId: DE, asin: 'B0SIM00008', gtin: '5901234123457', source: 'listings-report' });
    expect(socks.candidates).toEqual(['socks-a', 'socks-b']);
    expect(logged.find((m) => m.reason === 'not-found')).toMatchObject({ title: 'Torchon coton, lot de 2 – « été »' });
    expect(logged.find((m) => m.reason === 'not-found')!.message).toContain('UNKNOWN-1');
    const reports = sim.state.reports.filter((r) => r.reportType === 'GET_MERCHANT_LISTINGS_ALL_DATA');
    expect(reports).toHaveLength(2);
    // the report really travelled in windows-1252: the accents above survived a decode, not a pass-through
    expect(reports[0]!.document?.contentType).toMatch(/charset=cp1252/i);
  });

  test('a second run changes nothing; fixed rows leave the mismatch log; AFN listings map with their channel', async () => {
    await run({ marketplaceIds: [DE] });
    expect(await mismatches().count()).toBe(3);
    shop.upsertProduct({ productRef: 'mug-fba', sku: 'MUG-1-FBA', title: 'Mug (FBA stock)' });
    shop.removeProduct('SOCKS-B');
    const again = await run({ marketplaceIds: [DE] });
    expect(again.marketplaces[0]).toMatchObject({ matched: 6, mismatched: 1, mappings: { created: 2, updated: 0, unchanged: 4 } });
    expect((await mismatches().list()).map((m) => m.sellerSku)).toEqual(['UNKNOWN-1']);
    expect((await mappings().findBySellerSkus(['MUG-1-FBA']))[0]).toMatchObject({ productRef: 'mug-fba', fulfillmentChannel: 'AFN' });
  });

  test('entries of a run that ended in the same millisecond as the next one started are cleared too', async () => {
    const frozen = () => 1_000_000;
    await run({ marketplaceIds: [DE], clock: frozen });
    shop.upsertProduct({ productRef: 'mug-fba', sku: 'MUG-1-FBA', title: 'Mug (FBA stock)' });
    shop.removeProduct('SOCKS-B');
    await run({ marketplaceIds: [DE], clock: frozen });
    expect((await mismatches().list()).map((m) => m.sellerSku)).toEqual(['UNKNOWN-1']);
    await run({ marketplaceIds: [DE], clock: frozen });
    expect(await mismatches().count()).toBe(1);
  });

  test('createMissingProducts creates the shop products of unmatched listings (price and stock from the report)', async () => {
    const summary = await run({ marketplaceIds: [DE], createMissingProducts: true, defaultCategoryRef: 'amazon-imports' });
    expect(summary.productsCreated).toBe(2);
    const created = shop.getProduct('UNKNOWN-1');
    expect(created).toMatchObject({ title: 'Torchon coton, lot de 2 – « été »', asin: 'B0SIM00002', quantity: 1, price: { amount: 500, currency: 'EUR' } });
    expect(shop.getProduct('MUG-1-FBA')).toMatchObject({ quantity: 0, price: { amount: 1399, currency: 'EUR' } });
    expect((await mappings().findBySellerSkus(['UNKNOWN-1']))[0]).toMatchObject({ productRef: created!.productRef, asin: 'B0SIM00002' });
    expect((await mismatches().list()).map((m) => m.reason)).toEqual(['ambiguous']);
  });

  test('createMissingProducts without the capability is refused up front', async () => {
    shop = createMemoryAdapter({ capabilities: { createProducts: false } });
    let caught: unknown;
    try {
      await run({ createMissingProducts: true });
    } catch (error) {
      caught = error;
    }
    expect(SellerSyncError.isInstance(caught) && caught.code).toBe('UNSUPPORTED_CAPABILITY');
  });

  test('a marketplace whose report call fails is reported; the others still run', async () => {
    const noRetry = createAmazonGateway({
      amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE, FR], ...SIMULATOR_CREDENTIALS, endpoint: sim.url },
      timeScale: TIME_SCALE,
      retry: { retries: 0 },
    });
    // Amazon answers 5xx to DE's createReport only
    const failingDe: AmazonGateway = {
      ...noRetry,
      async createReport(input) {
        const failing = input.marketplaceIds[0] === DE;
        if (failing) sim.setFaults({ operations: { 'reports.createReport': { serverErrorRate: 1 } } });
        try {
          return await noRetry.createReport(input);
        } finally {
          if (failing) sim.setFaults({ operations: { 'reports.createReport': { serverErrorRate: 0 } } });
        }
      },
    };
    const summary = await run({ gateway: failingDe });
    const [de, fr] = summary.marketplaces;
    expect(de).toMatchObject({ marketplaceId: DE, reportId: null, rows: 0, error: { code: 'AMAZON_UNAVAILABLE' } });
    expect(fr).toMatchObject({ marketplaceId: FR, rows: 1, matched: 1, error: null });
    expect(fr!.reportId).toEqual(expect.any(String));
    expect(summary).toMatchObject({ rows: 1, matched: 1 });
    expect((await mappings().list()).map((m) => [m.marketplaceId, m.sellerSku])).toEqual([[FR, 'MUG-1']]);
  });
});

describe('createMissingProducts with a shop whose createProduct is a plain insert', () => {
  let ownSim: Simulator;
  let ownGateway: AmazonGateway;
  const created = '2026-01-01T00:00:00Z';

  beforeAll(async () => {
    ownSim = await startSimulator({
      timeScale: TIME_SCALE,
      seed: {
        listings: [
          // the normal EU case: one listing in DE and FR; and its FBA twin (same ASIN, another SKU)
          { sku: 'NEW-1', marketplaceId: DE, asin: 'B0SIM00006', price: '24.50', quantity: 2, createdDate: created },
          { sku: 'NEW-1-FBA', marketplaceId: DE, asin: 'B0SIM00006', price: '25.00', fulfillmentChannel: 'AMAZON_EU', createdDate: '2026-01-02T00:00:00Z' },
          { sku: 'NEW-1', marketplaceId: FR, asin: 'B0SIM00006', price: '24.50', quantity: 3, createdDate: created },
        ],
      },
    });
    ownGateway = createAmazonGateway({
      amazon: { region: 'eu', sellerId: SIMULATOR_SELLER_ID, marketplaceIds: [DE, FR], ...SIMULATOR_CREDENTIALS, endpoint: ownSim.url },
      timeScale: TIME_SCALE,
      retry: { retries: 1 },
    });
  });

  afterAll(async () => {
    await ownSim.close();
  });

  function insertingShop() {
    const memory = createMemoryAdapter({ products: [{ productRef: 'mug', sku: 'MUG-1', title: 'Mug' }] });
    const calls: string[] = [];
    const adapter: ShopAdapter = {
      ...memory,
      // not an upsert: the same SKU twice makes two products, as an INSERT does
      async createProduct(draft) {
        calls.push(draft.sku);
        const product = memory.upsertProduct({ productRef: `created-${calls.length}`, sku: draft.sku, title: draft.title, asin: draft.asin, price: draft.price, quantity: draft.quantity });
        return { productRef: product.productRef, variantRef: product.variantRef };
      },
    };
    return { adapter, memory, calls };
  }

  test.each([
    ['looked up (small report)', 2000],
    ['matched against one catalog scan (large report)', 1],
  ])('%s: DE + FR and MFN + FBA of one ASIN make one shop product with three mappings', async (_path, bulkThreshold) => {
    const { adapter, memory, calls } = insertingShop();
    const summary = await syncActiveListings({ db: knex, gateway: ownGateway, adapter, accountId: 'acme', marketplaceIds: [DE, FR], createMissingProducts: true, bulkThreshold });
    expect(calls).toEqual(['NEW-1']);
    expect(summary).toMatchObject({ rows: 3, matched: 3, mismatched: 0, productsCreated: 1 });
    expect(memory.listProducts().filter((p) => p.sku.startsWith('NEW-1'))).toHaveLength(1);
    const stored = (await mappings().list()).map((m) => [m.marketplaceId === DE ? 'DE' : 'FR', m.sellerSku, m.productRef, m.fulfillmentChannel]);
    expect(stored.sort()).toEqual([
      ['DE', 'NEW-1', 'created-1', 'MFN'],
      ['DE', 'NEW-1-FBA', 'created-1', 'AFN'],
      ['FR', 'NEW-1', 'created-1', 'MFN'],
    ]);
  });

  test('a listing without a usable price is reported and not created at 0', async () => {
    const { adapter, calls } = insertingShop();
    const header = 'item-name\tseller-sku\tprice\tquantity\tasin1\tfulfillment-channel\tstatus';
    const report = `${header}\nPriced\tPRICED\t9.90\t1\tB0SIM00006\tDEFAULT\tActive\nNo price\tNO-PRICE\t\t1\tB0SIM00007\tDEFAULT\tInactive\nBad price\tBAD-PRICE\t9,90\t1\tB0SIM00008\tDEFAULT\tActive\n`;
    // the report as Amazon sends it for listings without an offer: the price cell empty
    const withReport: AmazonGateway = { ...ownGateway, downloadDocument: async () => report };
    const summary = await syncActiveListings({ db: knex, gateway: withReport, adapter, accountId: 'acme', marketplaceIds: [DE], createMissingProducts: true });
    expect(calls).toEqual(['PRICED']);
    expect(summary.marketplaces[0]).toMatchObject({ productsCreated: 1, mismatched: 2, byReason: { 'missing-price': 2 } });
    const logged = await mismatches().list({ reason: 'missing-price' });
    expect(logged.map((m) => m.sellerSku).sort()).toEqual(['BAD-PRICE', 'NO-PRICE']);
    expect(logged.find((m) => m.sellerSku === 'NO-PRICE')!.message).toContain('price "" is missing');
  });
});

describe('createMissingProducts and existing mappings whose product the shop no longer returns', () => {
  const header = 'item-name\tseller-sku\tasin1\tprice\tquantity\tfulfillment-channel';
  const reportGateway = (text: string): AmazonGateway =>
    ({
      createReport: async () => ({ reportId: 'r1' }),
      waitForReport: async () => ({ reportId: 'r1', processingStatus: 'DONE', reportDocumentId: 'd1' }),
      getReportDocument: async () => ({ reportDocumentId: 'd1', url: 'x' }),
      downloadDocument: async () => text,
    }) as unknown as AmazonGateway;

  test.each([['csv-import' as const], ['manual' as const]])('a %s mapping is kept: nothing is created, the mismatch names the mapped product', async (source) => {
    await mappings().upsert([{ marketplaceId: DE, sellerSku: 'AMZ-X', productRef: 'gone', variantRef: 'v1', source, title: 'explicit' }]);
    const report = `${header}\nThing\tAMZ-X\tB00X4WHP5E\t10.00\t1\tDEFAULT\n`;
    const summary = await syncActiveListings({ db: knex, gateway: reportGateway(report), adapter: shop, accountId: 'acme', marketplaceIds: [DE], createMissingProducts: true });
    expect(summary.marketplaces[0]).toMatchObject({ rows: 1, matched: 0, productsCreated: 0, mismatched: 1, byReason: { 'sku-conflict': 1 } });
    expect(shop.getProduct('AMZ-X')).toBeUndefined();
    expect((await mappings().findBySellerSkus(['AMZ-X'], DE))[0]).toMatchObject({ productRef: 'gone', variantRef: 'v1', source, title: 'explicit', asin: null });
    const [logged] = await mismatches().list();
    expect(logged).toMatchObject({ reason: 'sku-conflict', sellerSku: 'AMZ-X', candidates: ['gone'] });
    expect(logged!.message).toContain(`the ${source} mapping names product gone/v1, which the shop no longer returns; no product was created`);
  });

  test('a mapping of the report or of matching mode gets the created product and keeps its source', async () => {
    await mappings().upsert([{ marketplaceId: DE, sellerSku: 'AMZ-Y', productRef: 'gone', source: 'catalog-search', title: 'old title' }]);
    const report = `${header}\n\tAMZ-Y\tB00X4WHP5E\t10.00\t1\tDEFAULT\n`;
    const summary = await syncActiveListings({ db: knex, gateway: reportGateway(report), adapter: shop, accountId: 'acme', marketplaceIds: [DE], createMissingProducts: true });
    expect(summary.marketplaces[0]).toMatchObject({ matched: 1, productsCreated: 1, mismatched: 0 });
    const created = shop.getProduct('AMZ-Y');
    expect(created).toBeDefined();
    expect((await mappings().findBySellerSkus(['AMZ-Y'], DE))[0]).toMatchObject({
      productRef: created!.productRef,
      asin: 'B00X4WHP5E',
      source: 'catalog-search',
      title: 'old title',
    });
  });
});

describe('listings reports in the encoding of their marketplace', () => {
  const JP = 'A1VC38T7YXB528';
  const TR = 'A33AVAJ2PDY3EV';
  let ownSim: Simulator;
  let eu: AmazonGateway;
  let fe: AmazonGateway;

  beforeAll(async () => {
    ownSim = await startSimulator({
      timeScale: TIME_SCALE,
      seed: {
        listings: [
          { sku: 'CAFÉ-1', marketplaceId: DE, asin: 'B0SIM00006', price: '4.50', quantity: 1, title: 'Café crème – 250 g' },
          { sku: 'JP-MUG', marketplaceId: JP, asin: 'B0SIM00001', price: '1200', quantity: 3, title: '琺瑯マグカップ' },
          { sku: 'JP-カップ', marketplaceId: JP, asin: 'B0SIM00002', price: '800', quantity: 1, title: '湯呑み「限定」' },
          { sku: 'ÇAY-1', marketplaceId: TR, asin: 'B0SIM00004', price: '99.90', quantity: 2, title: 'Çay bardağı – 6 adet' },
        ],
      },
    });
    const gatewayFor = (region: 'eu' | 'fe', marketplaceIds: string[]) =>
      createAmazonGateway({
        amazon: { region, sellerId: SIMULATOR_SELLER_ID, marketplaceIds, ...SIMULATOR_CREDENTIALS, endpoint: ownSim.url },
        timeScale: TIME_SCALE,
        retry: { retries: 1 },
      });
    eu = gatewayFor('eu', [DE, TR]);
    fe = gatewayFor('fe', [JP]);
  });

  afterAll(async () => {
    await ownSim.close();
  });

  beforeEach(() => {
    shop = createMemoryAdapter({
      products: [
        { productRef: 'cafe', sku: 'CAFÉ-1', title: 'Café' },
        { productRef: 'jp-mug', sku: 'JP-MUG', title: 'Mug' },
        { productRef: 'cay', sku: 'ÇAY-1', title: 'Tea glasses' },
      ],
    });
  });

  const contentTypeOf = (marketplaceId: string) => ownSim.state.reports.filter((r) => r.marketplaceIds[0] === marketplaceId).at(-1)?.document?.contentType;

  test('Amazon.co.jp: a Windows-31J report with Japanese column names', async () => {
    const summary = await syncActiveListings({ db: knex, gateway: fe, adapter: shop, accountId: 'acme', marketplaceIds: [JP] });
    expect(contentTypeOf(JP)).toBe('text/plain;charset=Windows-31J');
    expect(summary.marketplaces[0]).toMatchObject({ rows: 2, matched: 1, byRule: { 'seller-sku': 1 }, mismatched: 1, byReason: { 'not-found': 1 }, error: null });
    expect((await mappings().findBySellerSkus(['JP-MUG'], JP))[0]).toMatchObject({ productRef: 'jp-mug', asin: 'B0SIM00001', title: '琺瑯マグカップ' });
    expect((await mismatches().list())[0]).toMatchObject({ sellerSku: 'JP-カップ', asin: 'B0SIM00002', title: '湯呑み「限定」', reason: 'not-found' });
  });

  test('a UTF-8 marketplace', async () => {
    const summary = await syncActiveListings({ db: knex, gateway: eu, adapter: shop, accountId: 'acme', marketplaceIds: [TR] });
    expect(contentTypeOf(TR)).toBe('text/plain;charset=UTF-8');
    expect(summary.marketplaces[0]).toMatchObject({ rows: 1, matched: 1, mismatched: 0 });
    expect((await mappings().findBySellerSkus(['ÇAY-1'], TR))[0]).toMatchObject({ productRef: 'cay', title: 'Çay bardağı – 6 adet' });
  });

  test("a document whose Content-Type names no charset is decoded in the marketplace's usual encoding", async () => {
    const agent = createGatewayAgent(ownSim.url, 10_000);
    const asked: unknown[] = [];
    // the simulator's bytes, served as Amazon would without a charset in the Content-Type
    const unlabelled = (gateway: AmazonGateway): AmazonGateway => ({
      ...gateway,
      async downloadDocument(document, options) {
        asked.push(options);
        const answer = await transferDocument(agent, { method: 'GET', url: document.url, timeoutMs: 10_000 });
        return decodeDocument({ ...answer, headers: { ...answer.headers, 'content-type': 'text/plain' } }, { compressed: false, ...options });
      },
    });
    try {
      const de = await syncActiveListings({ db: knex, gateway: unlabelled(eu), adapter: shop, accountId: 'acme', marketplaceIds: [DE] });
      const jp = await syncActiveListings({ db: knex, gateway: unlabelled(fe), adapter: shop, accountId: 'acme', marketplaceIds: [JP] });
      expect(asked).toEqual([{ defaultCharset: 'windows-1252' }, { defaultCharset: 'shift_jis' }]);
      expect(de.marketplaces[0]).toMatchObject({ rows: 1, matched: 1, byRule: { 'seller-sku': 1 }, mismatched: 0 });
      expect((await mappings().findBySellerSkus(['CAFÉ-1'], DE))[0]).toMatchObject({ productRef: 'cafe', title: 'Café crème – 250 g' });
      expect(jp.marketplaces[0]).toMatchObject({ rows: 2, matched: 1 });
      expect((await mismatches().list())[0]).toMatchObject({ sellerSku: 'JP-カップ', title: '湯呑み「限定」' });
    } finally {
      agent.destroy();
    }
  });

  test('a seller SKU the charset cannot decode is reported naming the encoding, never stored', async () => {
    // windows-1252 bytes read as UTF-8: É is not valid UTF-8
    const summary = await syncActiveListings({ db: knex, gateway: eu, adapter: shop, accountId: 'acme', marketplaceIds: [DE], charset: 'utf-8' });
    expect(summary.marketplaces[0]).toMatchObject({ rows: 1, matched: 0, mismatched: 1, byReason: { 'invalid-sku': 1 } });
    expect(await mappings().count()).toBe(0);
    const [logged] = await mismatches().list();
    expect(logged!.sellerSku).toBe('CAF\uFFFD-1');
    expect(logged!.message).toContain('the charset utf-8 (options.charset) cannot decode');
    expect(logged!.message).toContain('matching.reportCharset');
  });
});
