import { parse } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { DEFAULT_ACCOUNT_ID, skuProblem } from '../change-log';
import { decodeWindows1252 } from '../amazon-gateway/document-transfer';
import { chunk, isTransientLockError } from '../database/dialect';
import { SellerSyncError, describeValue, driverMessage } from '../errors';
import { MARKETPLACES, MARKETPLACE_ID_PATTERN } from '../marketplaces';
import type { ShopAdapter, ShopProduct } from '../shop-adapter';
import { productKey } from './catalog-index';
import { restoreCsvCell } from './csv-export';
import { parseAsin } from './product-identifier';
import type { FulfillmentChannel, ProductMappingInput, ProductMappingOutcome } from './product-mapping';
import { createProductMappings, normalizeMapping } from './product-mappings';

/** Why a CSV row was not stored. */
export type MappingCsvRejection =
  | 'unknown-internal-reference'
  | 'ambiguous-internal-reference'
  | 'unknown-marketplace'
  | 'duplicate-seller-sku'
  | 'bad-fulfilment'
  | 'invalid-sku'
  | 'invalid-asin'
  | 'malformed-row'
  | 'database-error';

/** The result of one data row. */
export interface MappingCsvRowResult {
  /** The line of the file where the row starts (1 = the first line, usually the header). */
  readonly line: number;
  readonly sellerSku: string | null;
  readonly marketplaceId: string | null;
  readonly outcome: ProductMappingOutcome | 'rejected';
  readonly reason?: MappingCsvRejection;
  /** For a rejected row: the line, column and rule. */
  readonly message?: string;
}

/** What {@link importMappingCsv} did. */
export interface MappingCsvImportResult {
  /**
   * `true` when the accepted rows were stored. In `all-or-nothing` mode a single rejected row stores
   * nothing: `committed` is `false` and the outcomes of the other rows say what would have happened.
   */
  readonly committed: boolean;
  readonly delimiter: ',' | ';';
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  /** One result per data row, in file order. */
  readonly rows: readonly MappingCsvRowResult[];
}

/** Options of {@link importMappingCsv}. */
export interface MappingCsvImportOptions {
  /** Where the mapping table is. */
  readonly db: Knex;
  /** Finds the shop product of each row's Internal Reference (the shop's product reference / SKU). */
  readonly adapter: ShopAdapter;
  readonly tablePrefix?: string;
  /** Default `"default"`. */
  readonly accountId?: string;
  /**
   * `all-or-nothing` (default): one transaction; any rejected row stores nothing. `row-by-row`: every
   * valid row is stored; rejected rows are reported and skipped.
   */
  readonly mode?: 'all-or-nothing' | 'row-by-row';
  /** The marketplaces rows may name (the account's). Default: every marketplace sellersync knows. */
  readonly marketplaceIds?: readonly string[];
  /** The marketplace of rows whose Marketplace cell is empty. Default: such rows are rejected. */
  readonly defaultMarketplaceId?: string;
  /**
   * The encoding of `input` bytes that start without a byte order mark. Default `utf-8`, read
   * strictly: bytes that are not UTF-8 are an `INVALID_CSV` error naming the line and this option,
   * never text with U+FFFD in it. `windows-1252` reads Excel's "CSV (semicolon)" and "CSV (comma)"
   * files saved in Western European locales. A BOM (UTF-8, UTF-16LE, UTF-16BE) always decides;
   * string input is already text and ignores this.
   */
  readonly encoding?: MappingCsvEncoding;
  /** The time source (ms since the epoch). Default `Date.now`. */
  readonly clock?: () => number;
}

/** The encodings {@link importMappingCsv} reads. */
export type MappingCsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

const CSV_ENCODINGS: readonly MappingCsvEncoding[] = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'];

type Column = 'title' | 'internalReference' | 'sellerSku' | 'marketplace' | 'fulfilment' | 'asin' | 'productRef' | 'variantRef';

const HEADER_NAMES: Readonly<Record<string, Column>> = {
  title: 'title',
  internalreference: 'internalReference',
  sellersku: 'sellerSku',
  marketplace: 'marketplace',
  fulfilment: 'fulfilment',
  fulfillment: 'fulfilment',
  fulfilmentchannel: 'fulfilment',
  fulfillmentchannel: 'fulfilment',
  asin: 'asin',
  productref: 'productRef',
  variantref: 'variantRef',
};
// columns of the mapping export that an import of it does not need
const IGNORED_HEADERS = new Set(['source', 'account', 'updatedat']);
const REQUIRED: readonly Column[] = ['title', 'internalReference', 'sellerSku', 'marketplace', 'fulfilment'];
const SPELLED: Readonly<Record<Column, string>> = {
  title: 'Title',
  internalReference: 'Internal Reference',
  sellerSku: 'Seller SKU',
  marketplace: 'Marketplace',
  fulfilment: 'Fulfilment',
  asin: 'ASIN',
  productRef: 'Product Ref',
  variantRef: 'Variant Ref',
};

const DOMAINS: Readonly<Record<string, string>> = {
  com: 'US', ca: 'CA', 'com.mx': 'MX', 'com.br': 'BR', 'co.uk': 'GB', de: 'DE', fr: 'FR', it: 'IT', es: 'ES', nl: 'NL', se: 'SE',
  pl: 'PL', 'com.be': 'BE', ie: 'IE', 'com.tr': 'TR', ae: 'AE', sa: 'SA', eg: 'EG', in: 'IN', 'co.za': 'ZA', 'co.jp': 'JP',
  'com.au': 'AU', sg: 'SG',
};

function csvError(message: string, details: Record<string, unknown> = {}, cause?: unknown): SellerSyncError {
  return new SellerSyncError({ code: 'INVALID_CSV', message, details: { item: 'mapping CSV', ...details }, cause });
}

const ENCODING_HINT =
  'Save the file as "CSV UTF-8" (Excel) or UTF-8 (LibreOffice), or pass options.encoding ' +
  `(${CSV_ENCODINGS.map((e) => `'${e}'`).join(', ')}; Excel's "CSV (semicolon)" in Western European locales is 'windows-1252')`;

/** The text of the file: by its BOM, else `encoding` (strict UTF-8 by default). */
function decode(input: string | Uint8Array, encoding: MappingCsvEncoding | undefined): string {
  if (typeof input === 'string') return input;
  if (encoding !== undefined && !CSV_ENCODINGS.includes(encoding))
    throw new SellerSyncError({
      code: 'INVALID_OPTIONS',
      message: `importMappingCsv: encoding must be one of ${CSV_ENCODINGS.join(', ')}; got ${describeValue(encoding)}.`,
      details: { field: 'encoding', rule: CSV_ENCODINGS.join(', '), value: encoding },
    });
  const [a, b, c] = input;
  if (a === 0xef && b === 0xbb && c === 0xbf) return strictUtf8(input.subarray(3));
  if (a === 0xff && b === 0xfe) return new TextDecoder('utf-16le').decode(input.subarray(2));
  if (a === 0xfe && b === 0xff) return new TextDecoder('utf-16be').decode(input.subarray(2));
  switch (encoding ?? 'utf-8') {
    case 'windows-1252':
      return decodeWindows1252(input);
    case 'utf-16le':
      return new TextDecoder('utf-16le').decode(input);
    case 'utf-16be':
      return new TextDecoder('utf-16be').decode(input);
    default: {
      // UTF-16 without its BOM: every other byte of Latin text is NUL
      const head = input.subarray(0, 200);
      if (head.length > 0 && head.filter((byte) => byte === 0).length * 4 >= head.length)
        throw csvError(`The mapping CSV starts with NUL bytes: it looks like UTF-16 without a byte order mark, not UTF-8. ${ENCODING_HINT}.`, {
          line: 1,
          field: 'encoding',
          rule: 'UTF-8, or the encoding option',
        });
      return strictUtf8(input);
    }
  }
}

function strictUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    // line breaks are single bytes in UTF-8, so the first line that fails is where the bad byte is
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let line = 1;
    for (let start = 0; start < bytes.length; line += 1) {
      let end = bytes.indexOf(0x0a, start);
      end = end === -1 ? bytes.length : end + 1;
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        break;
      }
      start = end;
    }
    throw csvError(`The mapping CSV is not UTF-8: line ${line} holds bytes that are not valid UTF-8 (an accented letter saved in another encoding?). ${ENCODING_HINT}.`, {
      line,
      field: 'encoding',
      rule: 'UTF-8, or the encoding option',
    }, error);
  }
}

// Excel writes (and reads) "sep=;" as the first line to name the separator
const SEPARATOR_LINE = /^(\uFEFF?)[ \t]*"?sep=([,;])"?[ \t]*(?=\r\n|\n|\r|$)/i;

/**
 * Comma or semicolon: the one a leading Excel `sep=` line names, else whichever the header line uses
 * more (outside quotes).
 */
export function detectCsvDelimiter(text: string): ',' | ';' {
  const named = SEPARATOR_LINE.exec(text);
  if (named) return named[2] as ',' | ';';
  const body = text.replace(/^\uFEFF/, '').replace(/^(?:[ \t]*(?:\r\n|\n|\r))+/, '');
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let index = 0; index < body.length; index += 1) {
    const char = body[index];
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && char === ',') commas += 1;
    else if (!quoted && char === ';') semicolons += 1;
  }
  if (commas === 0 && semicolons === 0)
    throw csvError(
      `The mapping CSV's header line has no comma or semicolon: expected the columns ${REQUIRED.map((c) => SPELLED[c]).join(', ')} separated by "," or ";".`,
      { field: 'header', rule: 'comma- or semicolon-separated columns' },
    );
  return semicolons > commas ? ';' : ',';
}

// "Fulfilment (AFN/MFN)", as the column is often written, is the Fulfilment column
const headerKey = (cell: string) =>
  cell
    .replace(/^\uFEFF/, '')
    .replace(/\s*\([^)]*\)\s*$/, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

function readHeader(cells: readonly string[], line: number): Map<Column, number> {
  const columns = new Map<Column, number>();
  const unknown: string[] = [];
  cells.forEach((cell, index) => {
    if (cell.trim() === '' || IGNORED_HEADERS.has(headerKey(cell))) return;
    const column = HEADER_NAMES[headerKey(cell)];
    if (column === undefined) unknown.push(cell);
    else if (columns.has(column)) throw csvError(`The mapping CSV names the column "${SPELLED[column]}" twice (line ${line}).`, { line, field: SPELLED[column], rule: 'each column once' });
    else columns.set(column, index);
  });
  const missing = REQUIRED.filter((column) => !columns.has(column));
  if (missing.length > 0 || unknown.length > 0) {
    const problems = [
      missing.length > 0 ? `missing ${missing.map((c) => `"${SPELLED[c]}"`).join(', ')}` : null,
      unknown.length > 0 ? `unexpected ${unknown.map((c) => describeValue(c, 40)).join(', ')}` : null,
    ].filter(Boolean);
    throw csvError(
      `The mapping CSV's header (line ${line}) is wrong: ${problems.join('; ')}. Expected the columns Title, Internal Reference, Seller SKU, ` +
        `Marketplace, Fulfilment (and optionally ASIN, Product Ref, Variant Ref); found ${cells.map((c) => describeValue(c, 30)).join(', ')}.`,
      { line, field: 'header', rule: 'Title, Internal Reference, Seller SKU, Marketplace, Fulfilment', value: cells.slice(0, 10) },
    );
  }
  return columns;
}

/** The marketplace id of a Marketplace cell: an id, a country code (`DE`, `UK`) or a domain (`amazon.de`). */
export function resolveMarketplace(cell: string): string | null {
  const value = cell.trim();
  if (MARKETPLACE_ID_PATTERN.test(value)) return MARKETPLACES.has(value) ? value : null;
  let country = value.toUpperCase();
  const domain = /^(?:https?:\/\/)?(?:www\.)?amazon\.([a-z.]+)\/?$/i.exec(value);
  if (domain) country = DOMAINS[domain[1]!.toLowerCase()] ?? '';
  if (country === 'UK') country = 'GB';
  for (const info of MARKETPLACES.values()) if (info.country === country) return info.id;
  return null;
}

function readFulfilment(cell: string): FulfillmentChannel | null {
  const value = cell.trim().toUpperCase();
  if (value === '' || value === 'MFN' || value === 'FBM') return 'MFN';
  if (value === 'AFN' || value === 'FBA') return 'AFN';
  return null;
}

/** Maps a byte offset to its 1-based line; CRLF, LF and CR each end a line. */
function lineLocator(buffer: Uint8Array): (offset: number) => number {
  const starts: number[] = [0];
  for (let index = 0; index < buffer.length; index += 1) {
    const byte = buffer[index];
    if (byte === 0x0a || (byte === 0x0d && buffer[index + 1] !== 0x0a)) starts.push(index + 1);
  }
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

/**
 * Where a record's quoting went wrong so that rows may have been swallowed: the byte offsets of the
 * opening quote and of a closing quote that is followed by neither the separator, a line break nor
 * the end, for a quoted cell that spans a line break. csv-parse's `relax_quotes` (kept so that
 * inch marks in unquoted cells work) reads such a cell on through the following lines, so the rows
 * on them silently become part of one cell. A stray closing quote within one line loses nothing
 * (the cell keeps its text as written) and is left alone. `start`..`end` are the record's bytes.
 */
function swallowingQuote(buffer: Uint8Array, start: number, end: number, delimiter: number): { readonly open: number; readonly close: number } | null {
  const QUOTE = 0x22;
  const CR = 0x0d;
  const LF = 0x0a;
  let index = start;
  // csv-parse drops a UTF-8 BOM at the start of the file
  if (index === 0 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) index = 3;
  let fieldStart = true;
  while (index < end) {
    const byte = buffer[index]!;
    if (fieldStart && byte === QUOTE) {
      const open = index;
      let spansLines = false;
      index += 1;
      for (;;) {
        if (index >= end) return null; // unclosed: csv-parse fails with an error of its own
        const inner = buffer[index]!;
        if (inner === CR || inner === LF) spansLines = true;
        else if (inner === QUOTE) {
          const next = index + 1 < end ? buffer[index + 1]! : null;
          if (next === QUOTE) index += 1; // an escaped quote
          else if (next === null || next === delimiter || next === CR || next === LF) break;
          else if (spansLines) return { open, close: index };
          else {
            // closed early within one line: csv-parse reads the rest of the cell as unquoted text
            index += 1;
            while (index < end && buffer[index] !== delimiter && buffer[index] !== CR && buffer[index] !== LF) index += 1;
            index -= 1;
            break;
          }
        }
        index += 1;
      }
      index += 1;
      fieldStart = false;
      continue;
    }
    if (byte === CR || byte === LF) return null; // the end of the record
    fieldStart = byte === delimiter;
    index += 1;
  }
  return null;
}

/** How often an all-or-nothing import runs when the database rolls it back for a deadlock. */
const IMPORT_ATTEMPTS = 4;

/** A deadlock or lock timeout, as the driver reports it or as the cause of the store's DATABASE_ERROR. */
function isTransientLockFailure(error: unknown): boolean {
  return isTransientLockError(error) || (SellerSyncError.isInstance(error) && isTransientLockError(error.cause));
}

function lockedOut(error: unknown, attempts: number): SellerSyncError {
  const cause = SellerSyncError.isInstance(error) && error.cause !== undefined ? error.cause : error;
  return new SellerSyncError({
    code: 'DATABASE_ERROR',
    message:
      `The mapping import was rolled back by the database ${attempts} times (${driverMessage(cause)}); nothing was stored. ` +
      `Other writers hold the same mappings: import again once they are done, or use mode 'row-by-row'.`,
    details: { item: 'mapping CSV', field: 'transaction', rule: 'the database completes the transaction' },
    cause,
    isRetryable: true,
  });
}

interface PendingRow {
  readonly index: number;
  readonly line: number;
  readonly internalReference: string;
  /** From the Product Ref / Variant Ref columns (a mapping export), used when Internal Reference is empty. */
  readonly productRef: string;
  readonly variantRef: string | null;
  readonly mapping: Omit<ProductMappingInput, 'productRef' | 'variantRef'>;
}

/**
 * Imports a seller's mapping CSV (columns Title, Internal Reference, Seller SKU, Marketplace,
 * Fulfilment; optional ASIN): UTF-8 with or without BOM, UTF-16 with BOM, or the `encoding` given
 * (`windows-1252` for Excel's semicolon files), comma or semicolon (detected from the
 * header), quoted fields, blank lines and any mix of CRLF, LF and CR. Internal Reference is the
 * shop's product reference (its SKU), looked up through the adapter. Marketplace is an id
 * (`A1PA6795UKMFR9`), a country code (`DE`, `UK`) or a domain (`amazon.de`); Fulfilment is AFN or
 * MFN (FBA/FBM accepted; empty = MFN). Cells are stored as the text they are: a title starting with
 * `=` is never evaluated, and every export neutralises it.
 *
 * In `all-or-nothing` mode a deadlock or lock timeout (concurrent writers of the same mappings)
 * runs the whole import again, up to 4 times: MySQL/MariaDB roll the whole transaction back on a
 * deadlock, so no row is ever retried alone outside it.
 *
 * @throws SellerSyncError `INVALID_CSV` when the file cannot be read as a mapping CSV (bytes not in
 *   its encoding, wrong or missing headers, an unclosed quote); rows with bad values are rejected
 *   one by one instead. `DATABASE_ERROR` (retryable) when an `all-or-nothing` import is still
 *   rolled back for a deadlock after its last attempt; nothing is stored then.
 */
export async function importMappingCsv(input: string | Uint8Array, options: MappingCsvImportOptions): Promise<MappingCsvImportResult> {
  const mode = options.mode ?? 'all-or-nothing';
  let text = decode(input, options.encoding);
  if (text.replace(/^\uFEFF/, '').trim() === '') throw csvError('The mapping CSV is empty: expected a header line and rows.', { rule: 'not empty' });
  const delimiter = detectCsvDelimiter(text);
  // the sep= line is blanked, not removed, so that line numbers stay the file's
  text = text.replace(SEPARATOR_LINE, '$1');
  // parsed from bytes so that csv-parse's byte offsets give line numbers (its own line count
  // counts a quoted CRLF twice)
  const buffer = Buffer.from(text, 'utf8');
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parse(buffer, {
      bom: true,
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    const lines = (error as { lines?: number }).lines;
    throw csvError(
      `The mapping CSV cannot be read${lines ? ` near line ${lines}` : ''}: ${(error as Error).message}. Check for an unclosed quote.`,
      { line: lines, rule: 'RFC 4180 quoting' },
      error,
    );
  }
  const lineAt = lineLocator(buffer);

  const allowed = options.marketplaceIds ? new Set(options.marketplaceIds) : null;
  const rows: MappingCsvRowResult[] = [];
  const pending: PendingRow[] = [];
  let columns: Map<Column, number> | null = null;
  let headerLength = 0;
  let previousEnd = 0;
  const reject = (line: number, reason: MappingCsvRejection, message: string, sellerSku: string | null = null, marketplaceId: string | null = null) =>
    rows.push({ line, sellerSku, marketplaceId, outcome: 'rejected', reason, message: `Line ${line}: ${message}` });

  for (const { record, info } of records) {
    let start = previousEnd;
    while (buffer[start] === 0x0a || buffer[start] === 0x0d) start += 1;
    const line = lineAt(start);
    previousEnd = info.bytes;
    if (record.every((cell) => cell.trim() === '')) continue;
    const stray = columns === null ? null : swallowingQuote(buffer, start, info.bytes, delimiter.charCodeAt(0));
    if (stray !== null) {
      const closeLine = lineAt(stray.close);
      const lines = Array.from({ length: closeLine - line + 1 }, (_, i) => line + i);
      let closeEnd = stray.close;
      while (closeEnd < info.bytes && buffer[closeEnd] !== 0x0a && buffer[closeEnd] !== 0x0d) closeEnd += 1;
      const shown = buffer
        .subarray(start, closeEnd)
        .toString('utf8')
        .split(/\r\n|\n|\r/)
        .map((text) => describeValue(text, 50));
      reject(
        line,
        'malformed-row',
        `a quoted cell opens on line ${line} and is closed on line ${closeLine} by a quote followed by other text, so lines ${lines.join(', ')} ` +
          `(${shown.join(', ')}) were read as one row; none of them was stored. Quote the whole cell and double the quotes inside it ` +
          `("Pan 12"" wide"), or remove the stray quote.`,
      );
      continue;
    }
    if (columns === null) {
      columns = readHeader(record, line);
      headerLength = record.length;
      continue;
    }
    const cell = (column: Column) => {
      const index = columns!.get(column);
      // the export neutralised formula-like cells with a leading '
      return index === undefined ? '' : restoreCsvCell(record[index] ?? '');
    };
    const width = Math.max(...columns.values()) + 1;
    const rawSku = cell('sellerSku');
    const sellerSku = rawSku.replace(/^ +| +$/g, '');
    if (record.length < width) {
      reject(line, 'malformed-row', `has ${record.length} cells, the header has ${width}; the row is cut short or uses another separator.`, sellerSku || null);
      continue;
    }
    const extra = record.slice(headerLength).filter((value) => value.trim() !== '').length;
    if (extra > 0) {
      reject(
        line,
        'malformed-row',
        `has ${extra} non-empty cell(s) beyond the header's ${headerLength} columns; a cell holds an unquoted "${delimiter}" (quote it) or the row is shifted.`,
        sellerSku || null,
      );
      continue;
    }
    const skuRule = skuProblem(sellerSku);
    if (skuRule) {
      reject(line, 'invalid-sku', `Seller SKU ${describeValue(rawSku)} ${skuRule}.`, sellerSku || null);
      continue;
    }
    const marketplaceCell = cell('marketplace');
    const marketplaceId = marketplaceCell.trim() === '' ? (options.defaultMarketplaceId ?? null) : resolveMarketplace(marketplaceCell);
    if (marketplaceId === null || (allowed !== null && !allowed.has(marketplaceId))) {
      reject(
        line,
        'unknown-marketplace',
        `Marketplace ${describeValue(marketplaceCell)} is ${marketplaceId === null ? 'not a marketplace id, country code or Amazon domain sellersync knows' : "not one of this account's marketplaces"}` +
          ` (seller SKU ${describeValue(sellerSku)}).`,
        sellerSku,
      );
      continue;
    }
    const fulfillmentChannel = readFulfilment(cell('fulfilment'));
    if (fulfillmentChannel === null) {
      reject(line, 'bad-fulfilment', `Fulfilment ${describeValue(cell('fulfilment'))} must be AFN or MFN (seller SKU ${describeValue(sellerSku)}).`, sellerSku, marketplaceId);
      continue;
    }
    let asin: string | null = null;
    if (cell('asin').trim() !== '') {
      const parsed = parseAsin(cell('asin'));
      if (!parsed.ok) {
        reject(line, 'invalid-asin', `${parsed.message} (seller SKU ${describeValue(sellerSku)}).`, sellerSku, marketplaceId);
        continue;
      }
      asin = parsed.value;
    }
    const internalReference = cell('internalReference').trim();
    const title = cell('title');
    const variantCell = cell('variantRef').trim();
    pending.push({
      index: rows.length,
      line,
      internalReference,
      productRef: cell('productRef').trim(),
      variantRef: variantCell === '' ? null : variantCell,
      mapping: { marketplaceId, sellerSku, fulfillmentChannel, asin, source: 'csv-import', title: title === '' ? null : title },
    });
    rows.push({ line, sellerSku, marketplaceId, outcome: 'unchanged' });
  }
  if (columns === null) throw csvError('The mapping CSV has no header line.', { field: 'header' });

  // the shop products of the internal references (the shop SKUs), or of the product refs of an export
  const products = new Map<string, ShopProduct[]>();
  const references = [...new Set(pending.map((row) => row.internalReference).filter((ref) => ref !== ''))];
  for (const part of chunk(references, 500))
    for (const product of await options.adapter.getProductsBySku(part)) products.set(product.sku, [...(products.get(product.sku) ?? []), product]);
  const byRef = new Map<string, ShopProduct>();
  const refs = [...new Set(pending.filter((row) => row.internalReference === '' && row.productRef !== '').map((row) => row.productRef))];
  for (const part of chunk(refs, 500))
    for (const product of await options.adapter.findProducts({ productRefs: part })) byRef.set(productKey(product.productRef, product.variantRef), product);

  const writes: { row: PendingRow; mapping: ProductMappingInput }[] = [];
  // a seller SKU is taken by the first row that is stored, not by a row rejected for another reason
  const seen = new Map<string, number>();
  for (const row of pending) {
    const byProductRef = row.internalReference === '' && row.productRef !== '';
    const found = byProductRef ? [byRef.get(productKey(row.productRef, row.variantRef))].filter((p): p is ShopProduct => p !== undefined) : (products.get(row.internalReference) ?? []);
    const sku = describeValue(row.mapping.sellerSku);
    const fail = (reason: MappingCsvRejection, message: string) => {
      rows[row.index] = { ...rows[row.index]!, outcome: 'rejected', reason, message: `Line ${row.line}: ${message}` };
    };
    if (found.length === 0) {
      fail(
        'unknown-internal-reference',
        byProductRef
          ? `Product Ref ${describeValue(row.productRef)}${row.variantRef === null ? '' : ` / Variant Ref ${describeValue(row.variantRef)}`} is not a product of the shop (seller SKU ${sku}).`
          : `Internal Reference ${describeValue(row.internalReference)} is ${row.internalReference === '' ? 'empty' : 'not a product reference of the shop'} (seller SKU ${sku}).`,
      );
      continue;
    }
    if (found.length > 1) {
      fail('ambiguous-internal-reference', `Internal Reference ${describeValue(row.internalReference)} names ${found.length} shop products (seller SKU ${sku}); make the shop reference unique.`);
      continue;
    }
    const mapping: ProductMappingInput = { ...row.mapping, productRef: found[0]!.productRef, variantRef: found[0]!.variantRef };
    try {
      normalizeMapping(mapping);
    } catch (error) {
      const field = (error as SellerSyncError).details?.field;
      fail(field === 'sellerSku' ? 'invalid-sku' : 'malformed-row', (error as Error).message);
      continue;
    }
    const key = `${row.mapping.marketplaceId}\u0000${row.mapping.sellerSku}`;
    const first = seen.get(key);
    if (first !== undefined) {
      fail('duplicate-seller-sku', `seller SKU ${sku} in ${row.mapping.marketplaceId} is already mapped on line ${first}; a seller SKU maps one product.`);
      continue;
    }
    seen.set(key, row.line);
    writes.push({ row, mapping });
  }

  const store = (db: Knex | Knex.Transaction) =>
    createProductMappings(db, { tablePrefix: options.tablePrefix, accountId: options.accountId ?? DEFAULT_ACCOUNT_ID, clock: options.clock });
  const record = (part: readonly { row: PendingRow }[], outcomes: readonly ProductMappingOutcome[]) =>
    part.forEach(({ row }, index) => {
      rows[row.index] = { ...rows[row.index]!, outcome: outcomes[index]! };
    });
  // each chunk in a transaction (a savepoint inside all-or-nothing's): a row the database refuses
  // rolls its chunk back whole, so the row-by-row retry sees none of it stored and its outcomes
  // are what the database now holds
  const writeAll = async (db: Knex | Knex.Transaction, allOrNothing: boolean) => {
    for (const part of chunk(writes, 1000)) {
      try {
        await db.transaction(async (trx) => record(part, (await store(trx).upsert(part.map((w) => w.mapping))).outcomes));
      } catch (error) {
        // MySQL/MariaDB roll the whole transaction back on a deadlock, savepoints included: rows
        // retried one by one would then be stored in autocommit, outside the import's transaction
        if (allOrNothing && isTransientLockFailure(error)) throw error;
        for (const write of part) {
          try {
            await db.transaction(async (trx) => record([write], (await store(trx).upsert([write.mapping])).outcomes));
          } catch (error) {
            rows[write.row.index] = {
              ...rows[write.row.index]!,
              outcome: 'rejected',
              reason: 'database-error',
              message: `Line ${write.row.line}: the database refused seller SKU ${describeValue(write.mapping.sellerSku)}: ${driverMessage(SellerSyncError.isInstance(error) && error.cause !== undefined ? error.cause : error)}`,
            };
          }
        }
      }
    }
  };
  const rejectedNow = () => rows.some((row) => row.outcome === 'rejected');

  let committed = true;
  if (mode === 'all-or-nothing') {
    const rollback = Symbol('rollback');
    const validated = [...rows];
    for (let attempt = 1; ; attempt += 1) {
      try {
        await options.db.transaction(async (trx) => {
          await writeAll(trx, true);
          if (rejectedNow()) throw rollback;
        });
        break;
      } catch (error) {
        if (error === rollback) {
          committed = false;
          break;
        }
        if (!isTransientLockFailure(error)) throw error;
        if (attempt >= IMPORT_ATTEMPTS) throw lockedOut(error, attempt);
        // the database rolled the whole import back: run it again from the validated rows
        validated.forEach((row, index) => (rows[index] = row));
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
      }
    }
  } else await writeAll(options.db, false);
  const count = (outcome: MappingCsvRowResult['outcome']) => rows.filter((row) => row.outcome === outcome).length;
  return {
    committed,
    delimiter,
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    rejected: count('rejected'),
    rows,
  };
}
