import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { migrate } from '../database/migrate';
import { resolveTableNames } from '../database/table-names';
import { SellerSyncError } from '../errors';
import { describeEachEngine, dropTables, uniquePrefix } from '../test-support/database-engines';
import { createMismatchLog } from './mismatch-log';
import { createProductMappings } from './product-mappings';
import { MAX_STORED_TEXT } from './stored-text';

const DE = 'A1PA6795UKMFR9';
const FR = 'A13V1IB3VIYZZH';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describeEachEngine('product mappings', (engine) => {
  let knex: Knex;
  let prefix: string;
  let table: string;

  beforeAll(async () => {
    knex = engine.connect(4);
    prefix = uniquePrefix('pm');
    table = resolveTableNames(prefix).productMappings;
    await migrate(knex, { tablePrefix: prefix });
  });

  afterAll(async () => {
    await dropTables(knex, prefix);
    await knex.destroy();
  });

  beforeEach(async () => {
    await knex(table).delete();
    await knex(resolveTableNames(prefix).mismatches).delete();
  });

  const store = (accountId = 'acme') => createProductMappings(knex, { tablePrefix: prefix, accountId });

  test('a seller SKU is unique per account and marketplace: the database refuses a second row', async () => {
    await store().upsert([{ marketplaceId: DE, sellerSku: 'MUG-1', productRef: 'p1', source: 'manual' }]);
    const row = {
      account_id: 'acme',
      marketplace_id: DE,
      seller_sku: 'MUG-1',
      fulfillment_channel: 'AFN',
      product_ref: 'p2',
      source: 'manual',
      created_at: 1,
      updated_at: 1,
    };
    const error = await rejection(knex(table).insert(row));
    expect(String((error as Error).message)).toMatch(/unique|duplicate/i);
    // other marketplace, other account, other case: allowed
    await knex(table).insert({ ...row, marketplace_id: FR });
    await knex(table).insert({ ...row, account_id: 'other' });
    await knex(table).insert({ ...row, seller_sku: 'mug-1' });
    await knex(table).insert({ ...row, seller_sku: 'MUG-1 ' });
    expect(await knex(table).count({ n: '*' }).then((r) => Number(r[0]!.n))).toBe(5);
  });

  test('several seller SKUs (marketplaces, AFN and MFN) map one product; upsert reports created, updated, unchanged', async () => {
    const first = await store().upsert([
      { marketplaceId: DE, sellerSku: 'MUG-1', productRef: 'p1', source: 'csv-import', asin: 'b00x4whp5e' },
      { marketplaceId: DE, sellerSku: 'MUG-1-FBA', fulfillmentChannel: 'AFN', productRef: 'p1', source: 'csv-import' },
      { marketplaceId: FR, sellerSku: 'MUG-1', productRef: 'p1', source: 'csv-import' },
      { marketplaceId: DE, sellerSku: 'SHIRT-M', productRef: 'p2', variantRef: 'v-m', source: 'csv-import', title: '=HYPERLINK("x")' },
    ]);
    expect(first).toMatchObject({ created: 4, updated: 0, unchanged: 0 });
    const again = await store().upsert([
      { marketplaceId: DE, sellerSku: 'MUG-1', productRef: 'p1', source: 'csv-import', asin: 'B00X4WHP5E' },
      { marketplaceId: DE, sellerSku: 'SHIRT-M', productRef: 'p2', variantRef: 'v-l', source: 'csv-import', title: '=HYPERLINK("x")' },
      { marketplaceId: DE, sellerSku: 'NEW', productRef: 'p3', source: 'manual' },
    ]);
    expect(again).toEqual({ created: 1, updated: 1, unchanged: 1, outcomes: ['unchanged', 'updated', 'created'] });

    const byProduct = await store().findByProduct('p1');
    expect(byProduct.map((m) => [m.marketplaceId, m.sellerSku, m.fulfillmentChannel])).toEqual([
      [DE, 'MUG-1', 'MFN'],
      [DE, 'MUG-1-FBA', 'AFN'],
      [FR, 'MUG-1', 'MFN'],
    ]);
    expect(byProduct[0]).toMatchObject({ accountId: 'acme', asin: 'B00X4WHP5E', source: 'csv-import', variantRef: null });
    expect(byProduct[0]!.createdAt).toBeInstanceOf(Date);
    expect(await store().findByProduct('p2', 'v-l')).toHaveLength(1);
    expect(await store().findByProduct('p2', null)).toHaveLength(0);
    expect(await store().findByProduct('p2', 'v-m')).toHaveLength(0);
    expect((await store().findBySellerSkus(['MUG-1', 'nope'])).map((m) => m.marketplaceId)).toEqual([DE, FR]);
    expect(await store().findBySellerSkus(['MUG-1'], FR)).toHaveLength(1);
    expect((await store().findByAsins(['b00x4whp5e'], DE)).map((m) => m.sellerSku)).toEqual(['MUG-1']);
    expect(await store().findByProductRefs(['p1', 'p2'], DE)).toHaveLength(3);
    expect(await store().findBySellerSkus([])).toEqual([]);
    // a formula-like title is stored as the text it is
    expect((await store().findBySellerSkus(['SHIRT-M']))[0]!.title).toBe('=HYPERLINK("x")');
    // another account sees nothing of acme's
    expect(await store('other').list()).toEqual([]);
    expect(await store().count({ marketplaceId: DE })).toBe(4);
  });

  const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  test('titles beyond MAX_STORED_TEXT are clipped to fit a MariaDB TEXT (65,535 bytes), never split inside a character', async () => {
    const euro = '€'.repeat(70_000); // 210,000 bytes in UTF-8
    const emoji = '😀'.repeat(40_000); // 80,000 code units, 160,000 bytes
    expect(await store().upsert([
      { marketplaceId: DE, sellerSku: 'EURO', productRef: 'p1', source: 'listings-report', title: euro },
      { marketplaceId: DE, sellerSku: 'EMOJI', productRef: 'p2', source: 'listings-report', title: emoji },
    ])).toMatchObject({ created: 2 });
    const [stored, smile] = await store().findBySellerSkus(['EURO', 'EMOJI']);
    expect(stored!.title).toBe(`${'€'.repeat(MAX_STORED_TEXT - 1)}…`);
    expect(smile!.title!.length).toBeLessThanOrEqual(MAX_STORED_TEXT);
    expect(smile!.title).toMatch(/^(😀)+…$/);
    expect(smile!.title).not.toMatch(loneSurrogate);
    // the clipped title is what a second import compares with: unchanged
    expect(await store().upsert([{ marketplaceId: DE, sellerSku: 'EURO', productRef: 'p1', source: 'listings-report', title: euro }])).toMatchObject({ unchanged: 1 });
  });

  test('a statement the database refuses is DATABASE_ERROR without the SQL; the driver error is the cause', async () => {
    const missing = createProductMappings(knex, { tablePrefix: `${prefix}gone_`, accountId: 'acme' });
    const error = await rejection(missing.upsert([{ marketplaceId: DE, sellerSku: 'A', productRef: 'p', source: 'manual', title: 'x'.repeat(10_000) }]));
    expect(SellerSyncError.isInstance(error) && error.code).toBe('DATABASE_ERROR');
    expect((error as Error).message).toContain('Has migrate() run');
    expect((error as Error).message).not.toMatch(/select|xxxxxxxxxx/i);
    const table = resolveTableNames(prefix).productMappings;
    if (engine.name === 'sqlite')
      await knex.raw(`create trigger ${prefix}refuse before insert on ${table} begin select raise(abort, 'refused'); end`);
    else await knex.raw(`alter table ${table} add constraint ${prefix}refuse check (title is null or title <> 'REFUSED')`);
    try {
      const refused = await rejection(store().upsert([{ marketplaceId: DE, sellerSku: 'R', productRef: 'p', source: 'manual', title: 'REFUSED' }]));
      expect(SellerSyncError.isInstance(refused) && refused.code).toBe('DATABASE_ERROR');
      expect((refused as Error).message).toMatch(/^Could not store 1 mapping\(s\) of A1PA6795UKMFR9 \(seller SKU "R"\): /);
      expect((refused as Error).message).not.toMatch(/insert into/i);
      expect(String(((refused as SellerSyncError).cause as Error).message)).toMatch(/insert into/i);
    } finally {
      await knex.raw(engine.name === 'sqlite' ? `drop trigger ${prefix}refuse` : `alter table ${table} drop constraint ${prefix}refuse`);
    }
  });

  test('a repeated key in one call: the last one wins', async () => {
    const result = await store().upsert([
      { marketplaceId: DE, sellerSku: 'A', productRef: 'p1', source: 'manual' },
      { marketplaceId: DE, sellerSku: 'A', productRef: 'p2', source: 'manual' },
    ]);
    expect(result.outcomes).toEqual(['unchanged', 'created']);
    expect((await store().findBySellerSkus(['A']))[0]!.productRef).toBe('p2');
  });

  test('invalid mappings are refused with INVALID_MAPPING naming SKU and field; nothing is written', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ marketplaceId: 'DE', sellerSku: 'A', productRef: 'p', source: 'manual' }, 'marketplaceId'],
      [{ marketplaceId: DE, sellerSku: 'x'.repeat(41), productRef: 'p', source: 'manual' }, 'sellerSku'],
      [{ marketplaceId: DE, sellerSku: 'A\tB', productRef: 'p', source: 'manual' }, 'sellerSku'],
      [{ marketplaceId: DE, sellerSku: 'A', productRef: '', source: 'manual' }, 'productRef'],
      [{ marketplaceId: DE, sellerSku: 'A', productRef: 'p', fulfillmentChannel: 'FBA', source: 'manual' }, 'fulfillmentChannel'],
      [{ marketplaceId: DE, sellerSku: 'A', productRef: 'p', asin: 'X123', source: 'manual' }, 'asin'],
      [{ marketplaceId: DE, sellerSku: 'A', productRef: 'p', source: 'guess' }, 'source'],
    ];
    for (const [input, field] of cases) {
      const error = await rejection(
        store().upsert([{ marketplaceId: DE, sellerSku: 'OK', productRef: 'p', source: 'manual' }, input as never]),
      );
      expect(SellerSyncError.isInstance(error)).toBe(true);
      expect((error as SellerSyncError).code).toBe('INVALID_MAPPING');
      expect((error as SellerSyncError).details.field).toBe(field);
    }
    expect(await store().count()).toBe(0);
  });

  test('concurrent upserts of one seller SKU leave one row', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => store().upsert([{ marketplaceId: DE, sellerSku: 'RACE', productRef: `p${i}`, source: 'manual' }])),
    );
    expect(await store().findBySellerSkus(['RACE'])).toHaveLength(1);
  });

  test('writes inside a rolled-back transaction leave nothing', async () => {
    await expect(
      knex.transaction(async (trx) => {
        await createProductMappings(trx, { tablePrefix: prefix, accountId: 'acme' }).upsert([
          { marketplaceId: DE, sellerSku: 'TX', productRef: 'p', source: 'manual' },
        ]);
        throw new Error('host rolled back');
      }),
    ).rejects.toThrow('host rolled back');
    expect(await store().count()).toBe(0);
  });

  test('remove, list paging and the CSV export with formula cells neutralised', async () => {
    await store().upsert(
      Array.from({ length: 12 }, (_, i) => ({ marketplaceId: DE, sellerSku: `S${i}`, productRef: `p${i}`, source: 'manual' as const })),
    );
    await store().upsert([
      { marketplaceId: FR, sellerSku: '-10', productRef: '+p', source: 'manual', title: '@SUM(A1); "quoted", yes' },
      { marketplaceId: FR, sellerSku: '=1+1', productRef: 'q', source: 'manual', title: 'Tasse à café' },
    ]);
    const firstPage = await store().list({ limit: 5 });
    const next = await store().list({ limit: 5, afterId: firstPage[4]!.id });
    expect(next[0]!.sellerSku).toBe('S5');
    expect(await store().remove([{ marketplaceId: DE, sellerSku: 'S0' }, { marketplaceId: DE, sellerSku: 'nope' }])).toBe(1);
    const csv = await store().exportCsv({ marketplaceId: FR });
    const lines = csv.split('\r\n');
    // the import's columns first, so the file can be imported again; then the product and bookkeeping
    expect(lines[0]).toBe('Title,Internal Reference,Seller SKU,Marketplace,Fulfilment,ASIN,Product Ref,Variant Ref,Source,Account,Updated At');
    expect(lines[1]).toMatch(/^"'@SUM\(A1\); ""quoted"", yes",,'-10,A13V1IB3VIYZZH,MFN,,'\+p,,manual,acme,\d{4}-/);
    expect(lines[2]).toMatch(/^Tasse à café,,'=1\+1,A13V1IB3VIYZZH,MFN,,q,,manual,acme,/);
    expect(lines).toHaveLength(4);
  });

  describe('mismatch log', () => {
    const log = (accountId = 'acme', clock?: () => number) => createMismatchLog(knex, { tablePrefix: prefix, accountId, clock });

    test('records, refreshes the same item, lists, exports and clears', async () => {
      let now = 1_000;
      const clock = () => now;
      await log('acme', clock).record([
        { marketplaceId: DE, source: 'listings-report', sellerSku: 'X1', asin: 'B00X4WHP5E', title: '=cmd|calc', reason: 'not-found', message: 'no product' },
        { marketplaceId: DE, source: 'listings-report', sellerSku: 'X2', reason: 'ambiguous', message: 'two', candidates: ['p1', 'p2'] },
        { marketplaceId: DE, source: 'catalog-search', productRef: 'p9', gtin: '4006381333931', reason: 'not-on-amazon', message: 'none' },
      ]);
      now = 2_000;
      await log('acme', clock).record([{ marketplaceId: DE, source: 'listings-report', sellerSku: 'X1', reason: 'invalid-identifier', message: 'bad' }]);
      const all = await log().list();
      expect(all).toHaveLength(3);
      expect(all[0]).toMatchObject({ accountId: 'acme', marketplaceId: DE, sellerSku: 'X1', reason: 'invalid-identifier', message: 'bad' });
      expect(all[0]!.createdAt.getTime()).toBe(1_000);
      expect(all[0]!.updatedAt.getTime()).toBe(2_000);
      expect(all[1]!.candidates).toEqual(['p1', 'p2']);
      expect(await log().count({ reason: 'ambiguous' })).toBe(1);
      expect(await log('other').count()).toBe(0);

      const csv = await log().exportCsv({ source: 'listings-report' });
      expect(csv).toContain('acme,A1PA6795UKMFR9,listings-report,invalid-identifier,X1');
      expect(csv).not.toMatch(/(^|,)=/m);

      // X2 and p9 were not recorded again since 2000: stale for their source
      expect(await log().clearStale({ marketplaceId: DE, source: 'listings-report', before: new Date(2_000) })).toBe(1);
      expect(await log().count()).toBe(2);
      expect(await log().clear({ source: 'catalog-search' })).toBe(1);
      expect(await log().clear()).toBe(1);
      expect(await log().count()).toBe(0);
    });

    test('hostile report text (NUL, very long SKU) is stored, not fatal', async () => {
      await log().record([
        { marketplaceId: DE, source: 'listings-report', sellerSku: `NUL\u0000${'x'.repeat(60)}`, title: 'a\u0000b', reason: 'invalid-sku', message: 'm\u0000' },
      ]);
      const [entry] = await log().list();
      expect(entry!.title).toBe('a\uFFFDb');
      expect(entry!.sellerSku).toHaveLength(40);
    });

    test('a 70,000-character title, a huge message and 200 candidates are clipped to what the columns hold', async () => {
      await log().record([
        {
          marketplaceId: DE,
          source: 'listings-report',
          sellerSku: 'LONG',
          title: '€'.repeat(70_000),
          reason: 'ambiguous',
          message: `m${'é'.repeat(100_000)}`,
          candidates: Array.from({ length: 200 }, (_, i) => `product-${i}`),
        },
      ]);
      const [entry] = await log().list();
      expect(entry!.title).toBe(`${'€'.repeat(MAX_STORED_TEXT - 1)}…`);
      expect(entry!.message).toHaveLength(MAX_STORED_TEXT);
      expect(entry!.candidates).toHaveLength(50);
      expect(entry!.candidates[49]).toBe('product-49');
    });

    test('the export neutralises formula titles', async () => {
      await log().record([{ marketplaceId: DE, source: 'listings-report', sellerSku: 'F', title: '=HYPERLINK("http://evil")', reason: 'not-found', message: 'm' }]);
      const csv = await log().exportCsv();
      expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    });
  });
});
