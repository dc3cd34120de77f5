import type { Knex } from 'knex';
import { SellerSyncError, describeValue, driverMessage } from '../errors';
import { databaseEngine, type DatabaseEngine } from '../database/dialect';
import { resolveTableNames } from '../database/table-names';
import type { ChangeInput } from './change';
import { normalizeChange, type NormalizedChange } from './validate-change';

/** Options of {@link enqueueChange}. */
export interface EnqueueChangeOptions {
  /** Prefix of sellersync's tables, as given to `migrate`. Default `sellersync_`. */
  readonly tablePrefix?: string;
  /**
   * What an invalid change does. `'throw'` (default): the call throws `INVALID_CHANGE` and queues
   * nothing, so the host sees the problem at save time. `'skip'`: the invalid changes are left out
   * and returned in {@link EnqueueChangeResult.rejected}; the valid ones are queued, in the same
   * single round trip. Bulk hosts (a catalog import) that must not lose 9,999 changes to one
   * legacy SKU use `'skip'`.
   */
  readonly onInvalid?: 'throw' | 'skip';
}

/** A change {@link enqueueChange} left out (option `onInvalid: 'skip'`). */
export interface RejectedChange {
  /** Its position in the array given. */
  readonly index: number;
  /** The change as given. */
  readonly change: unknown;
  /** `INVALID_CHANGE`, whose `details` name the `item`, `field`, `rule` and offending `value`. */
  readonly error: SellerSyncError;
}

/** What {@link enqueueChange} stored. */
export interface EnqueueChangeResult {
  /** Distinct change-log entries created or bumped (changes of one key in one call count once). */
  readonly entries: number;
  /** The invalid changes left out, in input order; always empty unless `onInvalid` is `'skip'`. */
  readonly rejected: readonly RejectedChange[];
}

/** Up to this many changes go as bound values; more go as one JSON parameter. */
const MAX_BOUND_ROWS = 50;

const tables = new Map<string, string>();
const statements = new Map<string, string>();

function tableName(prefix: string | undefined): string {
  let table = tables.get(prefix ?? '');
  if (table === undefined) {
    table = resolveTableNames(prefix).changes;
    tables.set(prefix ?? '', table);
  }
  return table;
}

/**
 * Queues changes from a shop save hook, inside the shop's own transaction (transactional outbox):
 * if the transaction rolls back, nothing is queued; once it commits, the change is delivered
 * eventually. Changes of one (account, marketplace, SKU, kind) coalesce into one entry whose version
 * goes up with every change, so a change that arrives while an older state is in flight is not lost.
 *
 * One database round trip per call, whatever the number of changes (none when no change is
 * valid). Every change is validated before anything is written.
 *
 * @param db the host's transaction (recommended) or knex instance.
 * @throws SellerSyncError `INVALID_CHANGE` naming the SKU, field and rule (unless `onInvalid` is
 *   `'skip'`); nothing is written then. `DATABASE_ERROR` (retryable) when the statement fails;
 *   nothing is queued. What becomes of the host's transaction depends on the engine: PostgreSQL
 *   aborts it (every later statement fails until it rolls back); MySQL/MariaDB undo only the failed
 *   statement and keep it open, except after a deadlock, which rolls the whole transaction back;
 *   SQLite undoes only the statement, except after errors such as SQLITE_FULL, SQLITE_IOERR or
 *   SQLITE_BUSY, which may roll the whole transaction back. Roll the save back (or retry it whole)
 *   in every case: committed without its change, the save is not queued (a later `reconcile()`
 *   may find an offer change, nothing else).
 */
export async function enqueueChange(
  db: Knex | Knex.Transaction,
  changes: ChangeInput | readonly ChangeInput[],
  options: EnqueueChangeOptions = {},
): Promise<EnqueueChangeResult> {
  const list: readonly ChangeInput[] = Array.isArray(changes) ? changes : [changes as ChangeInput];
  const onInvalid = options.onInvalid ?? 'throw';
  if (onInvalid !== 'throw' && onInvalid !== 'skip')
    throw new SellerSyncError({
      code: 'INVALID_OPTIONS',
      message: `enqueueChange option onInvalid must be "throw" or "skip"; got ${describeValue(onInvalid)}.`,
      details: { field: 'onInvalid', rule: '"throw" or "skip"', value: onInvalid },
    });
  const valid: NormalizedChange[] = [];
  const rejected: RejectedChange[] = [];
  list.forEach((change, index) => {
    try {
      valid.push(normalizeChange(change, index));
    } catch (error) {
      if (onInvalid === 'throw' || !SellerSyncError.isInstance(error)) throw error;
      rejected.push({ index, change, error });
    }
  });
  if (valid.length === 0) return { entries: 0, rejected };
  const rows = coalesce(valid);
  const engine = databaseEngine(db);
  const table = tableName(options.tablePrefix);
  const now = Date.now();
  let sql: string;
  let bindings: Knex.RawBinding[];
  if (rows.length <= MAX_BOUND_ROWS) {
    // few rows (a save hook): bound values, which the engines plan fastest
    sql = upsertStatement(engine, table, rows.length);
    bindings = [];
    for (const row of rows) bindings.push(row.accountId, row.marketplaceId, row.sku, row.kind, row.productRef, now, now, now);
  } else {
    // many rows: one JSON parameter, so no driver limit on bound parameters is ever met
    sql = upsertStatement(engine, table, 'json');
    bindings = [
      now,
      now,
      now,
      JSON.stringify(
        rows.map((row) =>
          row.productRef === null
            ? { a: row.accountId, m: row.marketplaceId, s: row.sku, k: row.kind }
            : { a: row.accountId, m: row.marketplaceId, s: row.sku, k: row.kind, p: row.productRef },
        ),
      ),
    ];
  }
  try {
    await db.raw(sql, bindings);
  } catch (error) {
    throw new SellerSyncError({
      code: 'DATABASE_ERROR',
      message:
        `Could not queue ${rows.length} change(s): ${driverMessage(error)}. ` +
        `Has migrate() run for table prefix "${options.tablePrefix ?? 'sellersync_'}"?`,
      details: { item: rows[0]?.sku },
      cause: error,
      isRetryable: true,
    });
  }
  return { entries: rows.length, rejected };
}

/**
 * One row per key, in key order: concurrent host transactions then lock the rows they share in
 * the same order, so two saves of overlapping SKUs wait for each other instead of deadlocking
 * (enqueueChange runs in the host's transaction and cannot retry it).
 */
function coalesce(changes: readonly NormalizedChange[]): NormalizedChange[] {
  if (changes.length === 1) return [changes[0]!];
  const byKey = new Map<string, NormalizedChange>();
  for (const change of changes) {
    const key = `${change.accountId}\u0000${change.marketplaceId}\u0000${change.sku}\u0000${change.kind}`;
    const previous = byKey.get(key);
    byKey.set(key, previous && change.productRef === null ? { ...change, productRef: previous.productRef } : change);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, change]) => change);
}

/**
 * One upsert statement per engine: either `rows` bound value tuples, or (`'json'`) the changes read
 * from a single JSON parameter so a call is one round trip whatever its length.
 */
function upsertStatement(engine: DatabaseEngine, table: string, rows: number | 'json'): string {
  const key = `${engine}\u0000${table}\u0000${rows}`;
  const cached = statements.get(key);
  if (cached !== undefined) return cached;
  const columns = 'account_id, marketplace_id, sku, kind, product_ref, version, status, attempts, next_attempt_at, created_at, updated_at';
  const tuple = "(?, ?, ?, ?, ?, 1, 'pending', 0, ?, ?, ?)";
  const values = rows === 'json' ? '' : `values ${Array.from({ length: rows }, () => tuple).join(', ')}`;
  let sql: string;
  switch (engine) {
    case 'postgres':
      sql =
        `insert into "${table}" (${columns}) ` +
        (rows === 'json'
          ? `select x.a, x.m, x.s, x.k, x.p, 1, 'pending', 0, ?::bigint, ?::bigint, ?::bigint ` +
            `from json_to_recordset(?::json) as x(a text, m text, s text, k text, p text) `
          : `${values} `) +
        `on conflict (account_id, marketplace_id, sku, kind) do update set ` +
        `version = "${table}".version + 1, product_ref = coalesce(excluded.product_ref, "${table}".product_ref), ` +
        `status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`;
      break;
    case 'sqlite':
      sql =
        `insert into "${table}" (${columns}) ` +
        (rows === 'json'
          ? `select json_extract(value, '$.a'), json_extract(value, '$.m'), json_extract(value, '$.s'), ` +
            `json_extract(value, '$.k'), json_extract(value, '$.p'), 1, 'pending', 0, ?, ?, ? ` +
            // "where true" resolves SQLite's parsing ambiguity of INSERT … SELECT … ON CONFLICT
            `from json_each(?) where true `
          : `${values} `) +
        `on conflict (account_id, marketplace_id, sku, kind) do update set ` +
        `version = version + 1, product_ref = coalesce(excluded.product_ref, product_ref), ` +
        `status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`;
      break;
    case 'mysql':
      sql =
        `insert into \`${table}\` (${columns}) ` +
        (rows === 'json'
          ? `select j.a, j.m, j.s, j.k, j.p, 1, 'pending', 0, ?, ?, ? ` +
            `from json_table(?, '$[*]' columns (` +
            `a varchar(64) character set utf8mb4 path '$.a', m varchar(32) character set utf8mb4 path '$.m', ` +
            `s varchar(40) character set utf8mb4 path '$.s', k varchar(16) character set utf8mb4 path '$.k', ` +
            `p varchar(191) character set utf8mb4 path '$.p')) as j `
          : `${values} `) +
        `on duplicate key update version = version + 1, product_ref = coalesce(values(product_ref), product_ref), ` +
        `status = 'pending', attempts = 0, next_attempt_at = values(next_attempt_at), updated_at = values(updated_at)`;
      break;
  }
  statements.set(key, sql);
  return sql;
}
