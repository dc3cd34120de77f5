import type { Knex } from 'knex';
import { DEFAULT_ACCOUNT_ID } from '../change-log';
import { chunk, toNumber } from '../database/dialect';
import { resolveTableNames } from '../database/table-names';
import { SellerSyncError, driverMessage } from '../errors';
import { toCsv } from './csv-export';
import { MAX_STORED_TEXT, storableText } from './stored-text';

/** Which step recorded a mismatch. */
export type MismatchSource = 'listings-report' | 'catalog-search';

/**
 * Why a listing or a shop product could not be matched: `not-found` (no shop product),
 * `ambiguous` (several shop products, or several ASINs for one identifier; never guessed),
 * `invalid-identifier` (a bad GTIN or ASIN), `not-on-amazon` (catalog search found no ASIN),
 * `invalid-sku` (the SKU breaks Amazon's rules), `sku-conflict` (the seller SKU is mapped to another
 * product), `create-failed` (the shop refused to create the missing product), `missing-price` (a
 * listing to create in the shop has no usable price, so it was not created).
 */
export type MismatchReason =
  | 'not-found'
  | 'ambiguous'
  | 'invalid-identifier'
  | 'not-on-amazon'
  | 'invalid-sku'
  | 'sku-conflict'
  | 'create-failed'
  | 'missing-price';

/** One entry of the mismatch log. */
export interface Mismatch {
  readonly id: number;
  readonly accountId: string;
  readonly marketplaceId: string;
  readonly source: MismatchSource;
  readonly sellerSku: string | null;
  readonly asin: string | null;
  readonly gtin: string | null;
  readonly productRef: string | null;
  readonly variantRef: string | null;
  /** Clipped to `MAX_STORED_TEXT` (16,000) characters, as the message is. */
  readonly title: string | null;
  readonly reason: MismatchReason;
  /** What went wrong and what to do, naming the item. */
  readonly message: string;
  /** For `ambiguous`: the competing shop products or ASINs (the first 50). */
  readonly candidates: readonly string[];
  /** When it was first recorded. */
  readonly createdAt: Date;
  /** When the last sync recorded it again. */
  readonly updatedAt: Date;
}

/** A mismatch to record; the account is the log's. */
export interface MismatchInput {
  readonly marketplaceId: string;
  readonly source: MismatchSource;
  readonly sellerSku?: string | null;
  readonly asin?: string | null;
  readonly gtin?: string | null;
  readonly productRef?: string | null;
  readonly variantRef?: string | null;
  readonly title?: string | null;
  readonly reason: MismatchReason;
  readonly message: string;
  readonly candidates?: readonly string[];
}

/** Which mismatches to list, count or clear. */
export interface MismatchFilter {
  readonly marketplaceId?: string;
  readonly source?: MismatchSource;
  readonly reason?: MismatchReason;
  /** Only these ids. */
  readonly ids?: readonly number[];
}

/**
 * The log of listings and shop products that could not be matched, for the host to show and
 * clear. One entry per (account, marketplace, source, item): recording the same item again updates
 * it. Every entry names its seller account and marketplace.
 */
export interface MismatchLog {
  readonly accountId: string;
  /** Records or refreshes entries; returns how many. */
  record(entries: readonly MismatchInput[]): Promise<number>;
  /** Entries, oldest first. */
  list(options?: MismatchFilter & { readonly limit?: number; readonly offset?: number }): Promise<Mismatch[]>;
  count(filter?: MismatchFilter): Promise<number>;
  /** Removes entries (all of this account when no filter is given); returns how many. */
  clear(filter?: MismatchFilter): Promise<number>;
  /**
   * Removes the entries of a source and marketplace not recorded again since `before` (the start of
   * a sync that saw every item): items that match now leave the log.
   */
  clearStale(options: { readonly marketplaceId: string; readonly source: MismatchSource; readonly before: Date }): Promise<number>;
  /** The log as CSV; cells that a spreadsheet would run as formulas are prefixed with `'`. */
  exportCsv(filter?: MismatchFilter): Promise<string>;
}

/** Options of {@link createMismatchLog}. */
export interface MismatchLogOptions {
  readonly tablePrefix?: string;
  /** Default `"default"`. */
  readonly accountId?: string;
  /** The time source (ms since the epoch). Default `Date.now`. */
  readonly clock?: () => number;
}

interface MismatchRow {
  id: number | string;
  account_id: string;
  marketplace_id: string;
  source: string;
  item_key: string;
  seller_sku: string | null;
  asin: string | null;
  gtin: string | null;
  product_ref: string | null;
  variant_ref: string | null;
  title: string | null;
  reason: string;
  message: string;
  candidates: string | null;
  created_at: number | string;
  updated_at: number | string;
}

function fromRow(row: MismatchRow): Mismatch {
  return {
    id: toNumber(row.id),
    accountId: row.account_id,
    marketplaceId: row.marketplace_id,
    source: row.source as MismatchSource,
    sellerSku: row.seller_sku,
    asin: row.asin,
    gtin: row.gtin,
    productRef: row.product_ref,
    variantRef: row.variant_ref,
    title: row.title,
    reason: row.reason as MismatchReason,
    message: row.message,
    candidates: row.candidates ? (JSON.parse(row.candidates) as string[]) : [],
    createdAt: new Date(toNumber(row.created_at)),
    updatedAt: new Date(toNumber(row.updated_at)),
  };
}

// report data is untrusted: clipped to the columns, NUL replaced (PostgreSQL text cannot hold it)
const clip = (value: string | null | undefined, length: number) => (value === null || value === undefined ? null : storableText(value, length));
const MAX_CANDIDATES = 50;

function itemKey(entry: MismatchInput): string {
  const key =
    entry.sellerSku !== null && entry.sellerSku !== undefined && entry.source === 'listings-report'
      ? `sku:${entry.sellerSku}`
      : entry.productRef !== null && entry.productRef !== undefined
        ? `product:${entry.productRef}\u001f${entry.variantRef ?? ''}`
        : `other:${entry.sellerSku ?? ''}\u001f${entry.asin ?? ''}\u001f${entry.gtin ?? ''}`;
  return storableText(key, 400);
}

/**
 * The mismatch log of one sync run over one marketplace and source: its entries are stamped later
 * than every entry already there, so `clearStale()` removes exactly the entries this run did not
 * record again, also when the previous run wrote in the same millisecond (or under a frozen test
 * clock).
 */
export async function startMismatchRun(
  db: Knex | Knex.Transaction,
  options: MismatchLogOptions & { readonly marketplaceId: string; readonly source: MismatchSource },
): Promise<{ readonly log: MismatchLog; clearStale(): Promise<number> }> {
  const clock = options.clock ?? Date.now;
  const [row] = await db(resolveTableNames(options.tablePrefix).mismatches)
    .where({ account_id: options.accountId ?? DEFAULT_ACCOUNT_ID, marketplace_id: options.marketplaceId, source: options.source })
    .max({ last: 'updated_at' });
  const last = (row as { last?: unknown } | undefined)?.last;
  const started = Math.max(clock(), last === null || last === undefined ? 0 : toNumber(last as number | string));
  const log = createMismatchLog(db, { ...options, clock: () => Math.max(clock(), started + 1) });
  return { log, clearStale: () => log.clearStale({ marketplaceId: options.marketplaceId, source: options.source, before: new Date(started + 1) }) };
}

/** The mismatch log of one seller account (see {@link MismatchLog}). */
export function createMismatchLog(db: Knex | Knex.Transaction, options: MismatchLogOptions = {}): MismatchLog {
  const table = resolveTableNames(options.tablePrefix).mismatches;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const clock = options.clock ?? Date.now;

  const filtered = (filter: MismatchFilter = {}) => {
    const query = db<MismatchRow>(table).where('account_id', accountId);
    if (filter.marketplaceId !== undefined) query.andWhere('marketplace_id', filter.marketplaceId);
    if (filter.source !== undefined) query.andWhere('source', filter.source);
    if (filter.reason !== undefined) query.andWhere('reason', filter.reason);
    if (filter.ids !== undefined) query.whereIn('id', filter.ids.length > 0 ? [...filter.ids] : [-1]);
    return query;
  };

  const log: MismatchLog = {
    accountId,

    async record(entries) {
      const now = clock();
      const byKey = new Map<string, Record<string, unknown>>();
      for (const entry of entries) {
        const key = itemKey(entry);
        byKey.set(`${entry.marketplaceId}\u0000${entry.source}\u0000${key}`, {
          account_id: accountId,
          marketplace_id: entry.marketplaceId,
          source: entry.source,
          item_key: key,
          seller_sku: clip(entry.sellerSku, 40),
          asin: clip(entry.asin, 10),
          gtin: clip(entry.gtin, 64),
          product_ref: clip(entry.productRef, 191),
          variant_ref: clip(entry.variantRef, 191),
          title: clip(entry.title, MAX_STORED_TEXT),
          reason: entry.reason,
          message: storableText(entry.message),
          candidates: entry.candidates && entry.candidates.length > 0 ? JSON.stringify(entry.candidates.slice(0, MAX_CANDIDATES).map((c) => storableText(c, 200))) : null,
          created_at: now,
          updated_at: now,
        });
      }
      for (const part of chunk([...byKey.values()], 300))
        try {
          await db(table)
            .insert(part)
            .onConflict(['account_id', 'marketplace_id', 'source', 'item_key'])
            .merge(['seller_sku', 'asin', 'gtin', 'product_ref', 'variant_ref', 'title', 'reason', 'message', 'candidates', 'updated_at']);
        } catch (error) {
          throw new SellerSyncError({
            code: 'DATABASE_ERROR',
            message: `Could not record ${part.length} mismatch(es) of ${String(part[0]!.marketplace_id)}: ${driverMessage(error)}.`,
            details: { item: String(part[0]!.item_key), field: 'mismatch', rule: 'the database accepts the row' },
            cause: error,
          });
        }
      return byKey.size;
    },

    async list(listOptions = {}) {
      const rows = await filtered(listOptions)
        .orderBy('id')
        .limit(listOptions.limit ?? 1000)
        .offset(listOptions.offset ?? 0)
        .select('*');
      return rows.map(fromRow);
    },

    async count(filter) {
      const [row] = await filtered(filter).count({ n: '*' });
      return toNumber((row as { n: unknown } | undefined)?.n ?? 0);
    },

    clear: async (filter) => filtered(filter).delete(),

    clearStale: async ({ marketplaceId, source, before }) =>
      filtered({ marketplaceId, source }).andWhere('updated_at', '<', before.getTime()).delete(),

    async exportCsv(filter) {
      const rows: (string | null)[][] = [];
      for (let offset = 0; ; offset += 5000) {
        const page = await log.list({ ...filter, limit: 5000, offset });
        for (const m of page)
          rows.push([
            m.accountId,
            m.marketplaceId,
            m.source,
            m.reason,
            m.sellerSku,
            m.asin,
            m.gtin,
            m.productRef,
            m.variantRef,
            m.title,
            m.message,
            m.candidates.join(' '),
            m.updatedAt.toISOString(),
          ]);
        if (page.length < 5000) break;
      }
      return toCsv(
        ['Account', 'Marketplace', 'Source', 'Reason', 'Seller SKU', 'ASIN', 'GTIN', 'Product Ref', 'Variant Ref', 'Title', 'Message', 'Candidates', 'Updated At'],
        rows,
      );
    },
  };
  return log;
}
