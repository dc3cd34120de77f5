import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import knexFactory, { type Knex } from 'knex';
import { migrate } from '../database/migrate';
import { resolveTableNames } from '../database/table-names';
import { SellerSyncError } from '../errors';
import { describeEachEngine, dropTables, uniquePrefix } from '../test-support/database-engines';
import { createMemoryAdapter, type MemoryAdapter } from '../testing/memory-adapter';
import { detectCsvDelimiter, importMappingCsv, resolveMarketplace, type MappingCsvImportOptions } from './mapping-csv-import';
import { createProductMappings } from './product-mappings';
import { MAX_STORED_TEXT } from './stored-text';

const DE = 'A1PA6795UKMFR9';
const FR = 'A13V1IB3VIYZZH';
const GB = 'A1F83G8C2ARO7P';
const US = 'ATVPDKIKX0DER';
const HEADER = 'Title,Internal Reference,Seller SKU,Marketplace,Fulfilment';

function shopWith(count = 0): MemoryAdapter {
  return createMemoryAdapter({
    products: [
      { productRef: 'mug', sku: 'MUG-RED', title: 'Red mug' },
      { productRef: 'shirt', variantRef: 'm', sku: 'SHIRT-M' },
      { productRef: 'twin-a', sku: 'TWIN' },
      { productRef: 'twin-b', sku: 'TWIN' },
      ...Array.from({ length: count }, (_, i) => ({ productRef: `bulk${i}`, sku: `REF-${i}` })),
    ],
  });
}

async function csvError(promise: Promise<unknown>): Promise<SellerSyncError> {
  try {
    await promise;
  } catch (error) {
    if (SellerSyncError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected INVALID_CSV');
}

describe('mapping CSV import (SQLite)', () => {
  let knex: Knex;
  let shop: MemoryAdapter;
  const mappings = () => createProductMappings(knex, { accountId: 'acme' });
  const run = (text: string | Uint8Array, options: Partial<MappingCsvImportOptions> = {}) =>
    importMappingCsv(text, { db: knex, adapter: shop, accountId: 'acme', marketplaceIds: [DE, FR, GB], ...options });

  beforeAll(async () => {
    knex = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    await migrate(knex);
  });
  afterAll(async () => {
    await knex.destroy();
  });
  beforeEach(async () => {
    await knex(resolveTableNames().productMappings).delete();
    shop = shopWith();
  });

  test('BOM, CRLF, comma: rows are created; the same file again is unchanged; a change is an update', async () => {
    const text = `\uFEFF${HEADER}\r\nRed mug,MUG-RED,AMZ-MUG,DE,MFN\r\nRed mug FBA,MUG-RED,AMZ-MUG-FBA,A1PA6795UKMFR9,AFN\r\nShirt,SHIRT-M,AMZ-SHIRT,uk,mfn\r\n`;
    const first = await run(text);
    expect(first).toMatchObject({ committed: true, delimiter: ',', created: 3, updated: 0, unchanged: 0, rejected: 0 });
    expect(first.rows.map((r) => [r.line, r.sellerSku, r.marketplaceId, r.outcome])).toEqual([
      [2, 'AMZ-MUG', DE, 'created'],
      [3, 'AMZ-MUG-FBA', DE, 'created'],
      [4, 'AMZ-SHIRT', GB, 'created'],
    ]);
    const stored = await mappings().findByProduct('mug');
    expect(stored.map((m) => [m.sellerSku, m.fulfillmentChannel, m.source, m.title, m.accountId])).toEqual([
      ['AMZ-MUG', 'MFN', 'csv-import', 'Red mug', 'acme'],
      ['AMZ-MUG-FBA', 'AFN', 'csv-import', 'Red mug FBA', 'acme'],
    ]);
    expect((await mappings().findBySellerSkus(['AMZ-SHIRT']))[0]).toMatchObject({ productRef: 'shirt', variantRef: 'm' });

    expect(await run(text)).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    const changed = await run(`${HEADER}\nRed mug,MUG-RED,AMZ-MUG,DE,AFN\n`);
    expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
  });

  test('semicolons, quoted fields with separators, quotes and line breaks, blank lines, CRLF/LF/CR mixed', async () => {
    const text =
      `\r\n\n"Title";"Internal Reference";"Seller SKU";"Marketplace";"Fulfilment"\r\n` +
      `"Mug; red, large";MUG-RED;A-1;DE;MFN\n` +
      `\n` +
      `"Multi\r\nline ""quoted"" title";MUG-RED;A-2;FR;AFN\r` +
      `;;;;\r\n` +
      `   \n` +
      `Plain;SHIRT-M;A-3;amazon.co.uk;\n`;
    expect(detectCsvDelimiter(text)).toBe(';');
    const result = await run(text);
    expect(result.rejected).toBe(0);
    expect(result.rows.map((r) => [r.line, r.sellerSku, r.marketplaceId, r.outcome])).toEqual([
      [4, 'A-1', DE, 'created'],
      [6, 'A-2', FR, 'created'],
      [10, 'A-3', GB, 'created'],
    ]);
    const [a1, a2, a3] = await mappings().findBySellerSkus(['A-1', 'A-2', 'A-3']);
    expect(a1!.title).toBe('Mug; red, large');
    expect(a2!.title).toBe('Multi\r\nline "quoted" title');
    expect(a2!.fulfillmentChannel).toBe('AFN');
    expect(a3!.fulfillmentChannel).toBe('MFN');
  });

  test('header names are matched loosely (case, spaces, American spelling) and an ASIN column is optional', async () => {
    const result = await run(`seller sku,TITLE,internal_reference,fulfillment,marketplace,ASIN\nS-1,T,MUG-RED,afn,de,b00x4whp5e\n`);
    expect(result.created).toBe(1);
    expect((await mappings().findBySellerSkus(['S-1']))[0]).toMatchObject({ asin: 'B00X4WHP5E', fulfillmentChannel: 'AFN', title: 'T' });
  });

  test('wrong, missing, repeated or absent headers are a clear INVALID_CSV error; nothing is stored', async () => {
    const missing = await csvError(run('Title,Internal Reference,Seller SKU,Marketplace\nx,MUG-RED,S,DE\n'));
    expect(missing.code).toBe('INVALID_CSV');
    expect(missing.message).toContain('missing "Fulfilment"');
    const wrong = await csvError(run('Titel,Interne Referenz,Seller SKU,Marketplace,Fulfilment\n'));
    expect(wrong.message).toContain('missing "Title", "Internal Reference"');
    expect(wrong.message).toContain('unexpected "Titel", "Interne Referenz"');
    expect(wrong.details.line).toBe(1);
    const dataFirst = await csvError(run('Red mug,MUG-RED,AMZ-MUG,DE,MFN\n'));
    expect(dataFirst.message).toContain('header (line 1) is wrong');
    const twice = await csvError(run(`${HEADER},Seller SKU\n`));
    expect(twice.message).toContain('"Seller SKU" twice');
    const tabs = await csvError(run('Title\tInternal Reference\tSeller SKU\tMarketplace\tFulfilment\n'));
    expect(tabs.message).toContain('no comma or semicolon');
    expect((await csvError(run(''))).message).toContain('empty');
    expect((await csvError(run('\uFEFF\r\n  \n'))).message).toContain('empty');
    const unclosed = await csvError(run(`${HEADER}\n"Mug,MUG-RED,S,DE,MFN\nnext,MUG-RED,T,DE,MFN\n`));
    expect(unclosed.message).toMatch(/cannot be read.*quote/i);
    expect(await mappings().count()).toBe(0);
    // only a header: nothing to do
    expect(await run(`${HEADER}\r\n`)).toMatchObject({ committed: true, rows: [] });
  });

  const hostile =
    `${HEADER}\n` +
    `"=cmd|' /C calc'!A0",MUG-RED,=1+1,DE,MFN\n` + // formula title and formula SKU: stored as text
    `+SUM(A1),MUG-RED,+SKU,DE,MFN\n` +
    `-2,MUG-RED,-SKU,DE,MFN\n` +
    `@x,MUG-RED,@SKU,DE,MFN\n` +
    `tab,MUG-RED,"\tTAB",DE,MFN\n` + // control character: invalid SKU
    `cr,MUG-RED,"CR\r",DE,MFN\n` +
    `long,MUG-RED,${'L'.repeat(41)},DE,MFN\n` +
    `empty sku,MUG-RED,,DE,MFN\n` +
    `unknown ref,NO-SUCH-REF,U-1,DE,MFN\n` +
    `no ref,,U-2,DE,MFN\n` +
    `ambiguous ref,TWIN,U-3,DE,MFN\n` +
    `bad market,MUG-RED,U-4,XX,MFN\n` +
    `unknown id,MUG-RED,U-5,A9999999999999,MFN\n` +
    `not the account's,MUG-RED,U-6,US,MFN\n` +
    `bad channel,MUG-RED,U-7,DE,FBX\n` +
    `dup,MUG-RED,=1+1,DE,AFN\n` +
    `short,MUG-RED,U-8\n` +
    `"nul \u0000 title",MUG-RED,U-10,DE,MFN\r` +
    `ok,SHIRT-M,"OK-1",DE,MFN\n`;

  test('hostile and malformed rows: each rejected with its reason and line; formula cells are stored as text', async () => {
    const result = await run(hostile, { mode: 'row-by-row' });
    const byLine = Object.fromEntries(result.rows.map((r) => [r.line, r.outcome === 'rejected' ? r.reason : r.outcome]));
    // the quoted CR of line 7 ends a line: the rows after it start one line later
    expect(byLine).toEqual({
      2: 'created',
      3: 'created',
      4: 'created',
      5: 'created',
      6: 'invalid-sku',
      7: 'invalid-sku',
      9: 'invalid-sku',
      10: 'invalid-sku',
      11: 'unknown-internal-reference',
      12: 'unknown-internal-reference',
      13: 'ambiguous-internal-reference',
      14: 'unknown-marketplace',
      15: 'unknown-marketplace',
      16: 'unknown-marketplace',
      17: 'bad-fulfilment',
      18: 'duplicate-seller-sku',
      19: 'malformed-row',
      20: 'created',
      21: 'created',
    });
    expect(result.committed).toBe(true);
    const messages = result.rows.filter((r) => r.outcome === 'rejected').map((r) => r.message);
    expect(messages).toContain('Line 18: seller SKU "=1+1" in A1PA6795UKMFR9 is already mapped on line 2; a seller SKU maps one product.');
    expect(messages.find((m) => m?.startsWith('Line 16'))).toContain("not one of this account's marketplaces");
    expect(messages.find((m) => m?.startsWith('Line 6'))).toContain('control characters');
    expect(messages.find((m) => m?.startsWith('Line 10'))).toContain('1 to 40 characters');

    const formula = (await mappings().findBySellerSkus(['=1+1']))[0]!;
    expect(formula.title).toBe("=cmd|' /C calc'!A0");
    expect(formula.fulfillmentChannel).toBe('MFN');
    expect((await mappings().findBySellerSkus(['U-10']))[0]!.title).toBe('nul \uFFFD title');
    const csv = await mappings().exportCsv();
    expect(csv).toContain(`\r\n'=cmd|' /C calc'!A0,,'=1+1,${DE},MFN,,mug,,csv-import,acme,`);
    expect(csv).toContain(`\r\n'+SUM(A1),,'+SKU,${DE},MFN,,mug,,`);
    expect(csv).toContain(`\r\n'-2,,'-SKU,${DE},MFN,,mug,,`);
    expect(csv).toContain(`\r\n'@x,,'@SKU,${DE},MFN,,mug,,`);
    // no cell of the export starts with a formula character
    for (const line of csv.trim().split('\r\n')) for (const cell of line.split(',')) expect(cell).not.toMatch(/^"?[=+\-@\t\r]/);
  });

  test('a row with more non-empty cells than the header is malformed (an unquoted separator), empty trailing cells are not', async () => {
    const result = await run(`${HEADER}\nMug, red, 350 ml,MUG-RED,S-1,DE,MFN\nt,MUG-RED,S-2,DE,MFN,,\n`, { mode: 'row-by-row' });
    expect(result.rows.map((r) => r.reason ?? r.outcome)).toEqual(['malformed-row', 'created']);
    expect(result.rows[0]!.message).toBe('Line 2: has 2 non-empty cell(s) beyond the header\'s 5 columns; a cell holds an unquoted "," (quote it) or the row is shifted.');
    expect(await mappings().findBySellerSkus(['S-1', ' red'])).toEqual([]);
  });

  test('an unbalanced leading quote that swallows the next line rejects the row naming both lines; nothing is lost silently', async () => {
    const text = `${HEADER}\n"Cosy mug,MUG-RED,S-2,DE,MFN\nShirt 12" wide,SHIRT-M,S-3,DE,MFN\nt,MUG-RED,S-4,DE,MFN\n`;
    const result = await run(text, { mode: 'row-by-row' });
    expect(result.rows.map((r) => [r.line, r.sellerSku, r.reason ?? r.outcome])).toEqual([
      [2, null, 'malformed-row'],
      [4, 'S-4', 'created'],
    ]);
    expect(result.rows[0]!.message).toBe(
      'Line 2: a quoted cell opens on line 2 and is closed on line 3 by a quote followed by other text, so lines 2, 3 ' +
        '("\\"Cosy mug,MUG-RED,S-2,DE,MFN", "Shirt 12\\" wide,SHIRT-M,S-3,DE,MFN") were read as one row; none of them was stored. ' +
        'Quote the whole cell and double the quotes inside it ("Pan 12"" wide"), or remove the stray quote.',
    );
    expect((await mappings().list()).map((m) => m.sellerSku)).toEqual(['S-4']);
    // all-or-nothing: the rejected row stores nothing at all
    await knex(resolveTableNames().productMappings).delete();
    expect(await run(text)).toMatchObject({ committed: false, rejected: 1 });
    expect(await mappings().count()).toBe(0);
    // semicolons, CRLF and a BOM: the same; the lines are counted as the file's
    const semicolons = `\uFEFF${HEADER.replace(/,/g, ';')}\r\n\r\n"Cosy mug;MUG-RED;S-2;DE;MFN\r\nline two\r\nShirt 12" wide;SHIRT-M;S-3;DE;MFN\r\n`;
    const [rejected] = (await run(semicolons, { mode: 'row-by-row' })).rows;
    expect(rejected).toMatchObject({ line: 3, reason: 'malformed-row' });
    expect(rejected!.message).toContain('closed on line 5 by a quote followed by other text, so lines 3, 4, 5 ');
  });

  test('inch marks in unquoted cells, a stray quote within one line and quoted multi-line cells still import', async () => {
    const text =
      `${HEADER}\n` +
      `Pan 12" wide,MUG-RED,S-1,DE,MFN\n` +
      `"Best" mug 10",MUG-RED,S-2,DE,MFN\n` +
      `"Two\nlines, ""quoted""",SHIRT-M,S-3,DE,MFN\n` +
      `"",SHIRT-M,S-4,DE,"MFN"`;
    const result = await run(text, { mode: 'row-by-row' });
    expect(result).toMatchObject({ committed: true, created: 4, rejected: 0 });
    const titles = Object.fromEntries((await mappings().list()).map((m) => [m.sellerSku, m.title]));
    expect(titles).toEqual({ 'S-1': 'Pan 12" wide', 'S-2': '"Best" mug 10"', 'S-3': 'Two\nlines, "quoted"', 'S-4': null });
  });

  test('a seller SKU is a duplicate only of a row that was stored, not of one rejected for another reason', async () => {
    const result = await run(`${HEADER}\nt,NO-SUCH-REF,D-1,DE,MFN\nt,MUG-RED,D-1,DE,MFN\nt,SHIRT-M,D-1,DE,MFN\nt,SHIRT-M,D-1,FR,MFN\n`, { mode: 'row-by-row' });
    expect(result.rows.map((r) => [r.line, r.reason ?? r.outcome])).toEqual([
      [2, 'unknown-internal-reference'],
      [3, 'created'],
      [4, 'duplicate-seller-sku'],
      [5, 'created'],
    ]);
    expect(result.rows[2]!.message).toContain('already mapped on line 3');
    expect((await mappings().findBySellerSkus(['D-1'], DE))[0]!.productRef).toBe('mug');
  });

  test('the header "Fulfilment (AFN/MFN)" and Excel\'s "sep=;" first line are understood; lines keep their numbers', async () => {
    const text = `\uFEFFsep=;\r\nTitle;Internal Reference;Seller SKU;Marketplace;Fulfilment (AFN/MFN)\r\nMug, red;MUG-RED;S-1;DE;AFN\r\n`;
    expect(detectCsvDelimiter(text)).toBe(';');
    const result = await run(text);
    expect(result).toMatchObject({ committed: true, delimiter: ';', created: 1 });
    expect(result.rows[0]).toMatchObject({ line: 3, sellerSku: 'S-1' });
    expect((await mappings().findBySellerSkus(['S-1']))[0]).toMatchObject({ title: 'Mug, red', fulfillmentChannel: 'AFN' });
    expect(await run(`"sep=,"\nTitle,Internal Reference,Seller SKU,Marketplace,Fulfillment (FBA/FBM)\nt,SHIRT-M,S-2,FR,FBA\n`)).toMatchObject({ delimiter: ',', created: 1 });
  });

  test('the mapping export imports again into the same mappings; formula neutralisation is undone exactly', async () => {
    const text =
      `${HEADER},ASIN\n` +
      `"=cmd|' /C calc'!A0",MUG-RED,=1+1,DE,MFN,B00X4WHP5E\n` +
      `-2,MUG-RED,-SKU,FR,AFN,\n` +
      `"'=already quoted",SHIRT-M,+SKU,GB,MFN,\n` +
      `'plain,SHIRT-M,'SKU,DE,MFN,\n` +
      `"Tasse à café; ""XL""",MUG-RED,CAFÉ-1,DE,MFN,\n`;
    expect(await run(text)).toMatchObject({ committed: true, created: 5 });
    // a title that really starts with an apostrophe and "=" (stored through the API)
    await mappings().upsert([{ marketplaceId: FR, sellerSku: 'APOS', productRef: 'mug', source: 'manual', title: "'=literal" }]);
    const before = (await mappings().list()).map((m) => [m.marketplaceId, m.sellerSku, m.fulfillmentChannel, m.productRef, m.variantRef, m.asin, m.title]);
    const exported = await mappings().exportCsv();
    // no cell of the export would run as a formula
    for (const line of exported.trim().split('\r\n')) for (const cell of line.split(',')) expect(cell).not.toMatch(/^"?[=+\-@\t\r]/);
    await knex(resolveTableNames().productMappings).delete();
    const again = await run(exported);
    expect(again).toMatchObject({ committed: true, created: 6, rejected: 0 });
    const after = (await mappings().list()).map((m) => [m.marketplaceId, m.sellerSku, m.fulfillmentChannel, m.productRef, m.variantRef, m.asin, m.title]);
    expect(after.sort()).toEqual(before.sort());
    const bySku = Object.fromEntries(after.map((m) => [m[1], m[6]]));
    // in a file, "'=" is the neutralised "=" (as the export writes it); "'" before anything else stays
    expect(bySku).toEqual({ '=1+1': "=cmd|' /C calc'!A0", '-SKU': '-2', '+SKU': '=already quoted', "'SKU": "'plain", 'CAFÉ-1': 'Tasse à café; "XL"', APOS: "'=literal" });
    // and once more: an unchanged table
    expect(await run(exported)).toMatchObject({ created: 0, updated: 0, unchanged: 6 });
  });

  test('an invalid ASIN cell rejects its row', async () => {
    const result = await run(`${HEADER},ASIN\nt,MUG-RED,S-1,DE,MFN,B0NOPE\nt,MUG-RED,S-2,DE,MFN,\n`, { mode: 'row-by-row' });
    expect(result.rows.map((r) => r.reason ?? r.outcome)).toEqual(['invalid-asin', 'created']);
  });

  test('all-or-nothing: one rejected row stores nothing, the outcomes say what would have happened', async () => {
    const result = await run(hostile);
    expect(result.committed).toBe(false);
    expect(result.rejected).toBe(13);
    expect(result.created).toBe(6);
    expect(await mappings().count()).toBe(0);
    const good = await run(`${HEADER}\nt,MUG-RED,S-1,DE,MFN\nt,SHIRT-M,S-2,FR,AFN\n`);
    expect(good).toMatchObject({ committed: true, created: 2 });
    expect(await mappings().count()).toBe(2);
  });

  test('bytes: UTF-8 with BOM; a marketplace default for empty cells', async () => {
    const bytes = new TextEncoder().encode(`\uFEFF${HEADER}\nTasse à café,MUG-RED,S-1,,MFN\n`);
    const result = await run(bytes, { defaultMarketplaceId: FR });
    expect(result.rows[0]).toMatchObject({ marketplaceId: FR, outcome: 'created' });
    expect((await mappings().findBySellerSkus(['S-1']))[0]!.title).toBe('Tasse à café');
    expect((await run(`${HEADER}\nt,MUG-RED,S-2,,MFN\n`)).rows[0]).toMatchObject({ reason: 'unknown-marketplace' });
  });

  // Excel's "CSV (semicolon)" in a German or French locale: windows-1252, no BOM
  const cp1252 = (text: string) => Buffer.from([...text].map((char) => (char === '€' ? 0x80 : char === '–' ? 0x96 : char.charCodeAt(0))));
  const excelExport = cp1252('Title;Internal Reference;Seller SKU;Marketplace;Fulfilment\r\nTasse à café – 5 €;MUG-RED;CAFÉ-1;DE;MFN\r\nHemd;SHIRT-M;GRÖSSE-M;FR;AFN\r\n');

  test('windows-1252 bytes (Excel semicolon export) are INVALID_CSV naming the encoding and the option; with encoding they import', async () => {
    const refused = await csvError(run(excelExport));
    expect(refused.code).toBe('INVALID_CSV');
    expect(refused.message).toContain('not UTF-8: line 2');
    expect(refused.message).toContain('options.encoding');
    expect(refused.message).toContain("'windows-1252'");
    expect(refused.details).toMatchObject({ line: 2, field: 'encoding' });
    expect(await mappings().count()).toBe(0);

    const result = await run(excelExport, { encoding: 'windows-1252' });
    expect(result).toMatchObject({ committed: true, delimiter: ';', created: 2, rejected: 0 });
    expect((await mappings().findBySellerSkus(['CAFÉ-1']))[0]).toMatchObject({ productRef: 'mug', title: 'Tasse à café – 5 €' });
    expect((await mappings().findBySellerSkus(['GRÖSSE-M']))[0]).toMatchObject({ productRef: 'shirt', marketplaceId: FR });
  });

  test('UTF-16 with a BOM (LE and BE) is read; UTF-16 without one is INVALID_CSV, not rows of garbage', async () => {
    const text = `${HEADER}\r\nTasse à café,MUG-RED,CAFÉ-1,DE,MFN\r\n`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(await run(le)).toMatchObject({ committed: true, created: 1 });
    expect((await mappings().findBySellerSkus(['CAFÉ-1']))[0]!.title).toBe('Tasse à café');
    const be = Buffer.from([0xfe, 0xff, ...Buffer.from(text.replace('CAFÉ-1', 'CAFÉ-2'), 'utf16le').swap16()]);
    expect(await run(be)).toMatchObject({ committed: true, created: 1 });
    expect(await mappings().count()).toBe(2);
    const bare = await csvError(run(Buffer.from(text, 'utf16le')));
    expect(bare.message).toContain('looks like UTF-16 without a byte order mark');
    expect(bare.message).toContain('options.encoding');
    expect((await csvError(run(Buffer.from('x'), { encoding: 'latin9' as never }))).code).toBe('INVALID_OPTIONS');
  });

  test('UTF-8 bytes without a BOM keep their accents', async () => {
    expect(await run(new TextEncoder().encode(`${HEADER}\nTasse à café,MUG-RED,CAFÉ-1,DE,MFN\n`))).toMatchObject({ created: 1 });
    expect((await mappings().findBySellerSkus(['CAFÉ-1']))[0]!.title).toBe('Tasse à café');
  });

  test('a 10 MB file generated here imports completely', async () => {
    shop = shopWith(20_000);
    const lines = [HEADER];
    const padding = 'x'.repeat(440);
    for (let i = 0; i < 22_000; i += 1) lines.push(`"Product ${i} ${padding}",REF-${i % 20_000},AMZ-${i},${i % 2 === 0 ? 'DE' : 'FR'},${i % 3 === 0 ? 'AFN' : 'MFN'}`);
    // files edited on two systems: CRLF and LF mixed
    const text = lines.map((line, i) => `${line}${i % 7 === 0 ? '\n' : '\r\n'}`).join('');
    expect(text.length).toBeGreaterThan(10 * 1024 * 1024);
    const result = await run(text);
    expect(result).toMatchObject({ committed: true, created: 22_000, rejected: 0 });
    expect(await mappings().count()).toBe(22_000);
    expect(await mappings().count({ marketplaceId: FR })).toBe(11_000);
  });

  test('marketplace cells: ids, country codes and Amazon domains', () => {
    expect(resolveMarketplace('A1PA6795UKMFR9')).toBe(DE);
    expect(resolveMarketplace(' de ')).toBe(DE);
    expect(resolveMarketplace('UK')).toBe(GB);
    expect(resolveMarketplace('GB')).toBe(GB);
    expect(resolveMarketplace('www.amazon.com')).toBe(US);
    expect(resolveMarketplace('https://www.amazon.co.uk/')).toBe(GB);
    expect(resolveMarketplace('A9999999999999')).toBeNull();
    expect(resolveMarketplace('Germany')).toBeNull();
    expect(resolveMarketplace('amazon.xyz')).toBeNull();
  });
});

describeEachEngine('mapping CSV import, transactions', (engine) => {
  let knex: Knex;
  let prefix: string;
  beforeAll(async () => {
    knex = engine.connect(2);
    prefix = uniquePrefix('csv');
    await migrate(knex, { tablePrefix: prefix });
  });
  afterAll(async () => {
    await dropTables(knex, prefix);
    await knex.destroy();
  });

  test('all-or-nothing rolls back on a rejected row; row-by-row keeps the good rows', async () => {
    const shop = shopWith();
    const text = `${HEADER}\nt,MUG-RED,S-1,DE,MFN\nt,NO-SUCH,S-2,DE,MFN\nt,SHIRT-M,S-3,DE,AFN\n`;
    const options = { db: knex, adapter: shop, tablePrefix: prefix, accountId: 'acme' } as const;
    const store = createProductMappings(knex, { tablePrefix: prefix, accountId: 'acme' });
    expect(await importMappingCsv(text, options)).toMatchObject({ committed: false, rejected: 1 });
    expect(await store.count()).toBe(0);
    expect(await importMappingCsv(text, { ...options, mode: 'row-by-row' })).toMatchObject({ committed: true, created: 2, rejected: 1 });
    expect((await store.list()).map((m) => m.sellerSku)).toEqual(['S-1', 'S-3']);
  });

  test('a 70,000-character title is clipped and stored; a row the database refuses is rejected alone, its chunk rolled back first; no SQL in any message', async () => {
    const table = resolveTableNames(prefix).productMappings;
    // a row that passes validation but the database refuses: a CHECK constraint (a trigger on SQLite)
    if (engine.name === 'sqlite')
      await knex.raw(`create trigger ${prefix}poison before insert on ${table} when new.title = 'POISON' begin select raise(abort, 'poisoned title'); end`);
    else await knex.raw(`alter table ${table} add constraint ${prefix}poison check (title is null or title <> 'POISON')`);
    try {
      await knex(table).delete();
      const shop = createMemoryAdapter({ products: Array.from({ length: 1200 }, (_, i) => ({ productRef: `p${i}`, sku: `REF-${i}` })) });
      const long = '€'.repeat(70_000); // 210,000 UTF-8 bytes, three times what a MariaDB TEXT holds
      const lines = [HEADER];
      for (let i = 0; i < 1200; i += 1) lines.push(`${i === 700 ? 'POISON' : i === 900 ? long : `t${i}`},REF-${i},S-${i},DE,MFN`);
      const text = lines.join('\n');
      const options = { db: knex, adapter: shop, tablePrefix: prefix, accountId: 'acme' } as const;
      const store = createProductMappings(knex, { tablePrefix: prefix, accountId: 'acme' });
      const noSql = (message: string | undefined) => {
        expect(message).not.toMatch(/insert into|select |values \(/i);
        expect(message!.length).toBeLessThan(500);
      };

      const all = await importMappingCsv(text, options);
      expect(all).toMatchObject({ committed: false, created: 1199, rejected: 1 });
      expect(all.rows[700]).toMatchObject({ line: 702, outcome: 'rejected', reason: 'database-error', sellerSku: 'S-700' });
      noSql(all.rows[700]!.message);
      expect(await store.count()).toBe(0);

      const byRow = await importMappingCsv(text, { ...options, mode: 'row-by-row' });
      // the counts are what is stored: the first chunk's 999 good rows were rolled back before the retry
      expect(byRow).toMatchObject({ committed: true, created: 1199, unchanged: 0, rejected: 1 });
      expect(byRow.rows[700]).toMatchObject({ reason: 'database-error' });
      noSql(byRow.rows[700]!.message);
      expect(await store.count()).toBe(1199);
      const clipped = (await store.findBySellerSkus(['S-900']))[0]!.title!;
      expect(clipped).toHaveLength(MAX_STORED_TEXT);
      expect(clipped.endsWith('€…')).toBe(true);
      expect(await importMappingCsv(text, { ...options, mode: 'row-by-row' })).toMatchObject({ created: 0, unchanged: 1199, rejected: 1 });
    } finally {
      if (engine.name === 'sqlite') await knex.raw(`drop trigger ${prefix}poison`);
      else if (engine.name === 'mysql') await knex.raw(`alter table ${table} drop constraint ${prefix}poison`);
      else await knex.raw(`alter table ${table} drop constraint ${prefix}poison`);
      await knex(table).delete();
    }
  });
});

describeEachEngine(
  'mapping CSV import, a deadlock with another writer',
  (engine) => {
    let knex: Knex;
    let other: Knex;
    let prefix: string;
    beforeAll(async () => {
      knex = engine.connect(2);
      other = engine.connect(1);
      prefix = uniquePrefix('csvdl');
      await migrate(knex, { tablePrefix: prefix });
    });
    afterAll(async () => {
      await dropTables(knex, prefix);
      await other.destroy();
      await knex.destroy();
    });

    /** Whether a statement on `table` waits for a row lock. */
    async function someoneWaitsOn(table: string): Promise<boolean> {
      if (engine.name === 'postgres') {
        const result = (await knex.raw(`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like ?`, [`%${table}%`])) as { rows: { n: string }[] };
        return Number(result.rows[0]?.n) > 0;
      }
      // MariaDB 10.11's information_schema.innodb_trx does not list the waiting transaction; the status does
      const [[status]] = (await knex.raw('show engine innodb status')) as unknown as [[{ Status: string }]];
      return status.Status.split('---TRANSACTION').some((transaction) => transaction.includes('LOCK WAIT') && transaction.includes(table));
    }

    async function untilSomeoneWaitsOn(table: string): Promise<void> {
      for (let waited = 0; waited < 10_000; waited += 20) {
        if (await someoneWaitsOn(table)) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no statement on ${table} waited for a lock within 10 s`);
    }

    test('all-or-nothing picked as the deadlock victim runs again whole: a rejected row still stores nothing', async () => {
      const table = resolveTableNames(prefix).productMappings;
      const shop = shopWith();
      const mappings = (db: Knex | Knex.Transaction, accountId = 'acme') => createProductMappings(db, { tablePrefix: prefix, accountId });
      const mapping = (sellerSku: string, productRef: string, fulfillmentChannel: 'AFN' | 'MFN') =>
        ({ marketplaceId: DE, sellerSku, productRef, variantRef: null, fulfillmentChannel, asin: null, source: 'csv-import' as const, title: null });
      await mappings(knex).upsert([mapping('DL-1', 'mug', 'MFN')]);

      // the other writer changes DL-1 and, to be the heavier transaction InnoDB keeps, 30 rows of another account
      const writer = await other.transaction();
      let writerOutcome = 'pending';
      try {
        await mappings(writer, 'heavy').upsert(Array.from({ length: 30 }, (_, i) => mapping(`H-${i}`, 'mug', 'MFN')));
        await mappings(writer).upsert([mapping('DL-1', 'mug', 'AFN')]);
        // the import inserts DL-2, then waits for DL-1; NO-SUCH makes it roll back in the end
        const importing = importMappingCsv(`${HEADER}\nt,SHIRT-M,DL-2,DE,MFN\nt,MUG-RED,DL-1,DE,MFN\nt,NO-SUCH,DL-3,DE,MFN\n`, {
          db: knex,
          adapter: shop,
          tablePrefix: prefix,
          accountId: 'acme',
        });
        await untilSomeoneWaitsOn(table);
        // the other writer now waits for the import's DL-2: a deadlock, and the database aborts the import
        writerOutcome = await mappings(writer).upsert([mapping('DL-2', 'mug', 'AFN')]).then(
          () => 'stored',
          (error: unknown) => `failed: ${(error as Error).message}`,
        );
        await writer.rollback();
        const result = await importing;
        expect(writerOutcome).toBe('stored');
        expect(result).toMatchObject({ committed: false, created: 1, updated: 1, rejected: 1 });
      } finally {
        if (!writer.isCompleted()) await writer.rollback();
      }
      // nothing of the import is stored, and DL-1 is as it was
      expect((await mappings(knex).list()).map((m) => [m.sellerSku, m.fulfillmentChannel])).toEqual([['DL-1', 'MFN']]);
      expect(await mappings(knex, 'heavy').count()).toBe(0);
    });
  },
  { serversOnly: true },
);
