import type { Knex } from 'knex';
import { SellerSyncError } from '../errors';
import { chunk, databaseEngine, retryOnDeadlock, toNullableNumber, toNumber } from '../database/dialect';
import { resolveTableNames } from '../database/table-names';
import {
  ALL_MARKETPLACES,
  DEFAULT_ACCOUNT_ID,
  type ChangeClaim,
  type ChangeKind,
  type ChangeLogEntry,
  type ChangeStatus,
  type ClaimedChange,
} from './change';

/** Options of {@link createChangeLog}. */
export interface ChangeLogOptions {
  /** Prefix of sellersync's tables, as given to `migrate`. Default `sellersync_`. */
  readonly tablePrefix?: string;
  /** The seller account whose entries this store works on. Default `"default"`. */
  readonly accountId?: string;
  /** The time source (ms since the epoch); tests pass a fake one. Default `Date.now`. */
  readonly clock?: () => number;
  /** Backoff of retryable failures: `baseMs · 2^(attempts-1)`, at most `maxMs`, ± `jitter`. */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number; readonly jitter?: number };
}

/** Options of {@link ChangeLogStore.claim}. */
export interface ClaimOptions {
  /** Who claims: any stable name of the worker process (host name and pid, say). */
  readonly workerId: string;
  /** Most entries to claim. */
  readonly limit: number;
  /** How long the claim holds; after that another worker may take the entries over. */
  readonly leaseMs: number;
  /** Only entries for these marketplaces (and for every marketplace, `"*"`). Default: all. */
  readonly marketplaceIds?: readonly string[];
  /** Only entries of these kinds. Default: all. */
  readonly kinds?: readonly ChangeKind[];
}

/** A failed attempt at delivering a claimed entry. */
export interface ChangeFailure extends ChangeClaim {
  /** A stable code: sellersync's (`INVALID_LISTING`) or Amazon's (`90220`). */
  readonly code: string;
  /** What went wrong, as the host shows it: names the SKU, field and rule. */
  readonly message: string;
  /**
   * `true`: try again after a backoff (a FATAL feed, a timeout). `false`: park the entry until
   * the shop changes it again or {@link ChangeLogStore.retry} is called (invalid data).
   */
  readonly retryable: boolean;
  /** Overrides the backoff for this failure. */
  readonly retryAfterMs?: number;
}

/** Counts of one account's change log. */
export interface ChangeLogStats {
  /** Waiting to be sent (due now or later), not claimed. */
  readonly pending: number;
  /** Pending and due now. */
  readonly due: number;
  /** Claimed by a worker whose lease has not expired. */
  readonly inFlight: number;
  /** Failed and not claimed (retrying later, or parked). */
  readonly failed: number;
  /** Failed and parked until the shop changes them again. */
  readonly parked: number;
  readonly total: number;
  /** Age in ms of the oldest undelivered entry, or `null` when the log is empty. */
  readonly oldestAgeMs: number | null;
}

/** Options of {@link ChangeLogStore.list}. */
export interface ListChangesOptions {
  readonly status?: ChangeStatus | 'in_flight';
  readonly skus?: readonly string[];
  readonly limit?: number;
  readonly offset?: number;
}

/**
 * The change log as the sync works on it. Every method is safe under concurrency: several workers
 * (processes or machines) may share one PostgreSQL or MySQL/MariaDB database; on SQLite, writes
 * are serialised by the single connection.
 */
export interface ChangeLogStore {
  readonly accountId: string;
  /**
   * Claims up to `limit` due entries that no live lease holds, oldest first, and leases them to
   * `workerId` for `leaseMs`. Two concurrent claims MUST never return the same entry while its lease
   * runs (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MySQL/MariaDB). Entries whose lease expired
   * (a crashed worker) are claimable again. Returns `[]` when nothing is due; ordered by id.
   */
  claim(options: ClaimOptions): Promise<ClaimedChange[]>;
  /** Extends the lease of entries still claimed by `workerId`; returns how many were extended. */
  extendLease(claims: readonly ChangeClaim[], workerId: string, leaseMs: number): Promise<number>;
  /**
   * Settles delivered entries: an entry is removed only if its version is still the one claimed
   * (whoever holds it now: that content was delivered). An entry changed meanwhile stays, unclaimed
   * and due at once, for its newer version (`superseded`); when the claim names its `claimedBy`,
   * that MUST only happen while the entry is still claimed by that worker, never to another
   * worker's live claim. Idempotent: acknowledging twice removes nothing more.
   */
  acknowledge(claims: readonly ChangeClaim[]): Promise<{ acknowledged: number; superseded: number }>;
  /**
   * Records failures: error code and message, one more attempt, and the next attempt after a
   * backoff (retryable) or never until the next change (not retryable). An entry changed since
   * its claim keeps the error text but stays pending for its newer version. A failure naming its
   * `claimedBy` MUST NOT change an entry that another worker holds now (it counts in neither total).
   */
  fail(failures: readonly ChangeFailure[]): Promise<{ failed: number; superseded: number }>;
  /**
   * Gives claimed entries back without counting an attempt, due after `delayMs` (default 0).
   * A claim naming its `claimedBy` MUST NOT free an entry another worker holds now. Returns how
   * many entries were given back.
   */
  release(claims: readonly ChangeClaim[], options?: { delayMs?: number }): Promise<number>;
  /** Clears every expired lease of this account (workers that crashed); returns how many. */
  reclaimExpired(): Promise<number>;
  /** Makes failed entries (all, or those ids) due now again, as a host's "retry" button does. */
  retry(ids?: readonly number[]): Promise<number>;
  stats(): Promise<ChangeLogStats>;
  /** Lists entries for display, failed ones with their error text; ordered by id. */
  list(options?: ListChangesOptions): Promise<ChangeLogEntry[]>;
}

interface ChangeRow {
  id: number | string;
  account_id: string;
  marketplace_id: string;
  sku: string;
  kind: string;
  product_ref: string | null;
  version: number | string;
  status: string;
  attempts: number | string;
  next_attempt_at: number | string | null;
  claimed_by: string | null;
  lease_until: number | string | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

const PAIRS_PER_STATEMENT = 400;
const MAX_ERROR_MESSAGE = 2000;

/**
 * Opens the change-log store over `knex` (a knex instance, not a transaction: claims run their
 * own transactions). Call `migrate` first.
 */
export function createChangeLog(knex: Knex, options: ChangeLogOptions = {}): ChangeLogStore {
  const table = resolveTableNames(options.tablePrefix).changes;
  const engine = databaseEngine(knex);
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const clock = options.clock ?? Date.now;
  const baseMs = options.backoff?.baseMs ?? 30_000;
  const maxMs = options.backoff?.maxMs ?? 60 * 60_000;
  const jitter = options.backoff?.jitter ?? 0.2;

  const backoffMs = (attempts: number): number => {
    const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(raw * (1 - jitter + Math.random() * 2 * jitter));
  };

  // `id in (...)` first keeps the statement on the primary key, so InnoDB locks only these rows.
  // `holder`: only rows still claimed by the worker a claim names (when it names one).
  const claimedPairs = (
    query: Knex.QueryBuilder,
    claims: readonly ChangeClaim[],
    column: 'version' | 'claimed_version',
    holder: 'any' | 'claimer' = 'claimer',
  ) =>
    query.whereIn('id', claims.map((claim) => claim.id)).andWhere((q) => {
      for (const claim of claims)
        q.orWhere((inner) => {
          inner.where('id', claim.id).andWhere(column, claim.version);
          if (holder === 'claimer' && typeof claim.claimedBy === 'string') inner.andWhere('claimed_by', claim.claimedBy);
        });
    });

  const candidates = (db: Knex | Knex.Transaction, claim: ClaimOptions, now: number) => {
    const query = db(table)
      .select('id')
      .where('account_id', accountId)
      .andWhere('next_attempt_at', '<=', now)
      .andWhere((q) => q.whereNull('claimed_by').orWhere('lease_until', '<=', now));
    if (claim.marketplaceIds) query.whereIn('marketplace_id', [ALL_MARKETPLACES, ...claim.marketplaceIds]);
    if (claim.kinds) query.whereIn('kind', [...claim.kinds]);
    return query.orderBy('id').limit(claim.limit);
  };

  return {
    accountId,

    async claim(claim) {
      validateClaim(claim);
      const now = clock();
      const leaseUntil = now + claim.leaseMs;
      let rows: ChangeRow[];
      if (engine === 'postgres') {
        const inner = candidates(knex, claim, now).forUpdate().skipLocked().toSQL();
        const result = await knex.raw(
          `with c as (${inner.sql}) update "${table}" as t set claimed_by = ?, lease_until = ?, claimed_version = t.version ` +
            `from c where t.id = c.id returning t.*`,
          [...inner.bindings, claim.workerId, leaseUntil],
        );
        rows = (result as { rows: ChangeRow[] }).rows;
      } else if (engine === 'sqlite') {
        const inner = candidates(knex, claim, now).toSQL();
        rows = (await knex.raw(
          `update "${table}" set claimed_by = ?, lease_until = ?, claimed_version = version where id in (${inner.sql}) returning *`,
          [claim.workerId, leaseUntil, ...inner.bindings],
        )) as ChangeRow[];
      } else {
        rows = await retryOnDeadlock(() => knex.transaction(async (trx) => {
          const ids = (await candidates(trx, claim, now).forUpdate().skipLocked()).map((row: { id: unknown }) => toNumber(row.id));
          if (ids.length === 0) return [];
          await trx(table)
            .whereIn('id', ids)
            .update({ claimed_by: claim.workerId, lease_until: leaseUntil, claimed_version: trx.raw('version') });
          return (await trx(table).whereIn('id', ids)) as ChangeRow[];
        }));
      }
      return rows.map(toEntry).sort((a, b) => a.id - b.id);
    },

    async extendLease(claims, workerId, leaseMs) {
      let extended = 0;
      const leaseUntil = clock() + leaseMs;
      for (const part of chunk(claims, PAIRS_PER_STATEMENT)) {
        extended += await claimedPairs(knex(table).where('claimed_by', workerId), part, 'claimed_version', 'any').update({
          lease_until: leaseUntil,
        });
      }
      return extended;
    },

    async acknowledge(claims) {
      let acknowledged = 0;
      let superseded = 0;
      for (const part of chunk(claims, PAIRS_PER_STATEMENT)) {
        const result = await retryOnDeadlock(() =>
          knex.transaction(async (trx) => {
            // an equal version was delivered, whoever holds the entry now
            const removed = await claimedPairs(trx(table), part, 'version', 'any').delete();
            const kept = await claimedPairs(trx(table), part, 'claimed_version').update({
              claimed_by: null,
              lease_until: null,
              claimed_version: null,
              status: 'pending',
              next_attempt_at: clock(),
            });
            return { removed, kept };
          }),
        );
        acknowledged += result.removed;
        superseded += result.kept;
      }
      return { acknowledged, superseded };
    },

    async fail(failures) {
      let failed = 0;
      let superseded = 0;
      for (const part of chunk(failures, PAIRS_PER_STATEMENT)) {
        const result = await retryOnDeadlock(() => knex.transaction(async (trx) => {
          let failedHere = 0;
          let supersededHere = 0;
          const attemptsById = new Map<number, number>();
          for (const row of (await trx(table).select('id', 'attempts').whereIn('id', part.map((f) => f.id))) as ChangeRow[])
            attemptsById.set(toNumber(row.id), toNumber(row.attempts));
          const now = clock();
          for (const failure of part) {
            const error = {
              last_error_code: String(failure.code).slice(0, 64),
              last_error_message: String(failure.message).slice(0, MAX_ERROR_MESSAGE),
              last_error_at: now,
            };
            const attempts = (attemptsById.get(failure.id) ?? 0) + 1;
            const next = failure.retryable ? now + (failure.retryAfterMs ?? backoffMs(attempts)) : null;
            const held = typeof failure.claimedBy === 'string' ? { claimed_by: failure.claimedBy } : {};
            const count = await trx(table).where({ id: failure.id, version: failure.version, ...held }).update({
              ...error,
              status: 'failed',
              attempts,
              next_attempt_at: next,
              claimed_by: null,
              lease_until: null,
              claimed_version: null,
            });
            if (count > 0) failedHere += count;
            else
              supersededHere += await trx(table)
                .where({ id: failure.id, claimed_version: failure.version, ...held })
                .update({ ...error, claimed_by: null, lease_until: null, claimed_version: null });
          }
          return { failedHere, supersededHere };
        }));
        failed += result.failedHere;
        superseded += result.supersededHere;
      }
      return { failed, superseded };
    },

    async release(claims, releaseOptions = {}) {
      const due = clock() + (releaseOptions.delayMs ?? 0);
      let released = 0;
      for (const part of chunk(claims, PAIRS_PER_STATEMENT)) {
        released += await claimedPairs(knex(table), part, 'claimed_version').update({
          // an entry changed meanwhile is due at once for its newer version
          next_attempt_at: knex.raw('case when version = claimed_version then ? else next_attempt_at end', [due]),
          claimed_by: null,
          lease_until: null,
          claimed_version: null,
        });
      }
      return released;
    },

    async reclaimExpired() {
      return knex(table)
        .where('account_id', accountId)
        .whereNotNull('claimed_by')
        .andWhere('lease_until', '<=', clock())
        .update({ claimed_by: null, lease_until: null, claimed_version: null });
    },

    async retry(ids) {
      const query = knex(table).where({ account_id: accountId, status: 'failed' });
      if (ids) query.whereIn('id', [...ids]);
      return query.update({ status: 'pending', attempts: 0, next_attempt_at: clock() });
    },

    async stats() {
      const now = clock();
      const live = 'claimed_by is not null and lease_until > ?';
      const free = '(claimed_by is null or lease_until <= ?)';
      const [row] = (await knex(table)
        .where('account_id', accountId)
        .select(
          knex.raw(`sum(case when status = 'pending' and ${free} then 1 else 0 end) as pending`, [now]),
          knex.raw(`sum(case when status = 'pending' and ${free} and next_attempt_at <= ? then 1 else 0 end) as due`, [now, now]),
          knex.raw(`sum(case when ${live} then 1 else 0 end) as in_flight`, [now]),
          knex.raw(`sum(case when status = 'failed' and ${free} then 1 else 0 end) as failed`, [now]),
          knex.raw(`sum(case when status = 'failed' and next_attempt_at is null and ${free} then 1 else 0 end) as parked`, [now]),
          knex.raw('count(*) as total'),
          knex.raw('min(created_at) as oldest'),
        )) as Array<Record<string, unknown>>;
      const oldest = toNullableNumber(row?.['oldest']);
      return {
        pending: toNumber(row?.['pending'] ?? 0) || 0,
        due: toNumber(row?.['due'] ?? 0) || 0,
        inFlight: toNumber(row?.['in_flight'] ?? 0) || 0,
        failed: toNumber(row?.['failed'] ?? 0) || 0,
        parked: toNumber(row?.['parked'] ?? 0) || 0,
        total: toNumber(row?.['total'] ?? 0) || 0,
        oldestAgeMs: oldest === null ? null : Math.max(0, now - oldest),
      };
    },

    async list(listOptions = {}) {
      const now = clock();
      const query = knex(table).where('account_id', accountId);
      if (listOptions.status === 'in_flight') query.whereNotNull('claimed_by').andWhere('lease_until', '>', now);
      else if (listOptions.status)
        query.where('status', listOptions.status).andWhere((q) => q.whereNull('claimed_by').orWhere('lease_until', '<=', now));
      if (listOptions.skus) query.whereIn('sku', [...listOptions.skus]);
      const rows = (await query
        .orderBy('id')
        .limit(listOptions.limit ?? 100)
        .offset(listOptions.offset ?? 0)) as ChangeRow[];
      return rows.map(toEntry);
    },
  };
}

function validateClaim(claim: ClaimOptions): void {
  const problems: string[] = [];
  if (typeof claim.workerId !== 'string' || claim.workerId.length === 0 || claim.workerId.length > 191)
    problems.push('workerId must be 1 to 191 characters');
  if (!Number.isInteger(claim.limit) || claim.limit < 1) problems.push('limit must be a whole number ≥ 1');
  if (!Number.isFinite(claim.leaseMs) || claim.leaseMs <= 0) problems.push('leaseMs must be a positive number');
  if (problems.length > 0)
    throw new SellerSyncError({
      code: 'INVALID_OPTIONS',
      message: `Invalid claim: ${problems.join('; ')}.`,
      details: { field: 'claim', rule: problems.join('; ') },
    });
}

function toDate(value: unknown): Date | null {
  const ms = toNullableNumber(value);
  return ms === null ? null : new Date(ms);
}

function toEntry(row: ChangeRow): ChangeLogEntry {
  return {
    id: toNumber(row.id),
    accountId: row.account_id,
    marketplaceId: row.marketplace_id,
    sku: row.sku,
    kind: row.kind as ChangeKind,
    productRef: row.product_ref,
    version: toNumber(row.version),
    status: row.status as ChangeStatus,
    attempts: toNumber(row.attempts),
    nextAttemptAt: toDate(row.next_attempt_at),
    claimedBy: row.claimed_by,
    leaseUntil: toDate(row.lease_until),
    lastError:
      row.last_error_code === null
        ? null
        : { code: row.last_error_code, message: row.last_error_message ?? '', at: new Date(toNumber(row.last_error_at)) },
    createdAt: new Date(toNumber(row.created_at)),
    updatedAt: new Date(toNumber(row.updated_at)),
  };
}
