import type { Knex } from 'knex';
import { SellerSyncError } from '../errors';

/** The database engines sellersync supports. */
export type DatabaseEngine = 'sqlite' | 'postgres' | 'mysql';

/**
 * Tells which engine a knex instance or transaction talks to.
 * @throws SellerSyncError `UNSUPPORTED_DATABASE` for any other knex client.
 */
export function databaseEngine(db: Knex | Knex.Transaction): DatabaseEngine {
  const client = db.client as { dialect?: string; config?: { client?: unknown } };
  switch (client.dialect) {
    case 'sqlite3':
      return 'sqlite';
    case 'postgresql':
      return 'postgres';
    case 'mysql':
      return 'mysql';
    default:
      throw new SellerSyncError({
        code: 'UNSUPPORTED_DATABASE',
        message:
          `sellersync supports SQLite (better-sqlite3), PostgreSQL and MySQL/MariaDB; this knex instance uses ` +
          `"${String(client.dialect ?? client.config?.client)}".`,
        details: { field: 'client', rule: 'sqlite3, postgresql or mysql dialect', value: client.dialect },
      });
  }
}

/** Reads an integer column that a driver may return as a string (PostgreSQL `bigint`). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number(value);
  return Number.NaN;
}

/** Like {@link toNumber} but keeps SQL `NULL` as `null`. */
export function toNullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

/** Splits a list into chunks so no statement exceeds a driver's parameter limit. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

/**
 * A column value per row id in one UPDATE (`case id when 1 then 1 when 2 then 2 … end`), for the
 * message ids of a feed's rows. Integer literals, not bindings: PostgreSQL would type bound THEN
 * values as text.
 */
export function valueById(knex: Knex, entries: readonly { readonly id: number; readonly value: number }[]): Knex.Raw {
  const cases = entries.map((e) => `when ${Math.trunc(Number(e.id))} then ${Math.trunc(Number(e.value))}`).join(' ');
  return knex.raw(`case ?? ${cases} end`, ['id']);
}

/** Whether a driver error is a deadlock or serialisation failure that a retry resolves. */
export function isTransientLockError(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  if (!e) return false;
  // MySQL/MariaDB: ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT; PostgreSQL: deadlock_detected, serialization_failure
  return e.errno === 1213 || e.errno === 1205 || e.code === '40P01' || e.code === '40001' || e.code === 'SQLITE_BUSY';
}

/**
 * Runs `work` again (up to `attempts` times, with a short random pause) when the database aborts
 * it for a deadlock: InnoDB may pick any of two concurrent claimers as the victim.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientLockError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/**
 * Narrows `query` to rows of `marketplaceIds` (a partitioned worker's); with
 * `accountMarketplaceIds`, rows of marketplaces outside the account (ones it dropped, which no
 * partition owns) too. No `marketplaceIds`: every row.
 */
export function whereMarketplaces<Q extends Knex.QueryBuilder>(query: Q, marketplaceIds: readonly string[] | undefined, accountMarketplaceIds?: readonly string[]): Q {
  if (!marketplaceIds) return query;
  if (!accountMarketplaceIds) return query.whereIn('marketplace_id', [...marketplaceIds]) as Q;
  return query.where((q) => q.whereIn('marketplace_id', [...marketplaceIds]).orWhereNotIn('marketplace_id', [...accountMarketplaceIds])) as Q;
}
