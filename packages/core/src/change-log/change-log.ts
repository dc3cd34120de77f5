import type { Knex } from 'knex';
import { SellerSyncError } from '../errors';
import { chunk, databaseEngine, retryOnDeadlock, toNullableNumber, toNumber, type DatabaseEngine } from '../database/dialect';
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

/**
 * Which entries of the account a worker works on: with work partitioned by marketplace
 * (`createSellerSync({ partition })`), its own marketplaces' entries, the entries for every
 * marketplace (`"*"`, which a partitioned worker expands), and optionally those of marketplaces the
 * account no longer has.
 */
export interface ChangeScope {
  /** Only entries for these marketplaces and for every marketplace (`"*"`). Default: every entry of the account. */
  readonly marketplaceIds?: readonly string[];
  /**
   * With `marketplaceIds`: the account's marketplaces (`amazon.marketplaceIds`). Entries for a
   * marketplace not among them (one the account dropped, which no partition owns: withdrawals)
   * are in the scope too. Default: not included.
   */
  readonly accountMarketplaceIds?: readonly string[];
}

/** Options of {@link ChangeLogStore.claim}. */
export interface ClaimOptions extends ChangeScope {
  /** Who claims: any stable name of the worker process (host name and pid, say). */
  readonly workerId: string;
  /** Most entries to claim. */
  readonly limit: number;
  /** How long the claim holds; after that another worker may take the entries over. */
  readonly leaseMs: number;
  /** Only entries of these kinds. Default: all. */
  readonly kinds?: readonly ChangeKind[];
}

/** What {@link ChangeLogStore.expand} did with the `"*"` entries it was given. */
export interface ExpandResult {
  /** `"*"` entries expanded and removed (their version was still the one claimed). */
  readonly acknowledged: number;
  /** `"*"` entries expanded but changed meanwhile: left pending, unclaimed and due, for their newer version. */
  readonly superseded: number;
  /** Entries written for single marketplaces (created, or coalesced with one already queued). */
  readonly entries: number;
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
  /**
   * Expands claimed entries for every marketplace (`"*"`) into one entry per marketplace, as a worker
   * partitioned by marketplace does before it sends anything (the other marketplaces' entries wait
   * for their own workers). In one transaction: each claim is queued for every marketplace of
   * `marketplaceIds` (and of `extra(claim)`) with its SKU, kind and product reference, coalescing
   * with an entry already queued there as `enqueueChange` does (version + 1, pending and due at
   * once, attempts reset; the entry keeps the newer of both queue times and the older creation
   * time, so the build orders changes as it would have the `"*"` one); and the `"*"` entry is
   * acknowledged for the version claimed: removed, or, when it changed meanwhile, left pending for its
   * newer version (released only if still held by the claim's `claimedBy`), which a later claim
   * expands again. The acknowledgement never commits without the expanded entries: a crash at any
   * point leaves either the claimed `"*"` entry (claimable again once its lease ends) or every
   * expanded entry. A few statements per call (one upsert per 10,000 entries), not one per entry.
   * @throws SellerSyncError `INVALID_OPTIONS` when a claim is not a `"*"` entry or no marketplace is given.
   */
  expand(
    claims: readonly ClaimedChange[],
    marketplaceIds: readonly string[],
    extra?: (claim: ClaimedChange) => readonly string[],
  ): Promise<ExpandResult>;
  /** Clears every expired lease of this account (workers that crashed); returns how many. */
  reclaimExpired(): Promise<number>;
  /** Makes failed entries (all, or those ids) due now again, as a host's "retry" button does. */
  retry(ids?: readonly number[]): Promise<number>;
  /**
   * Counts the account's entries, or (with `scope.marketplaceIds`) only those of a partitioned
   * worker's marketplaces, the `"*"` ones it would expand and (with `scope.accountMarketplaceIds`)
   * those of marketplaces the account dropped: what that worker's `untilDrained` waits for.
   */
  stats(scope?: ChangeScope): Promise<ChangeLogStats>;
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
/** Entries per upsert of an expansion (one JSON parameter each): well under MariaDB's 16 MB packet. */
const EXPANDED_PER_STATEMENT = 10_000;
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

  // MySQL/MariaDB: the store's writes run at READ COMMITTED, so InnoDB locks only the rows they
  // change, never the gap next to them (REPEATABLE READ, the default, locked the index gap after
  // the last id: a host's save inserting there waited, and was often chosen as a deadlock victim)
  const isolation: Knex.TransactionConfig | undefined = engine === 'mysql' ? { isolationLevel: 'read committed' } : undefined;
  const transact = <T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> => knex.transaction(work, isolation);
  /** One statement: on MySQL/MariaDB in its own READ COMMITTED transaction, elsewhere as it is. */
  const single = <T>(work: (db: Knex | Knex.Transaction) => Promise<T>): Promise<T> => (isolation ? transact(work) : work(knex));

  /**
   * Locks these entries in enqueueChange's key order (marketplace, SKU, kind), before a statement
   * that changes them in id order: a host's save of the same SKUs locks them in key order too, so
   * the two never wait for each other crosswise.
   */
  const lockInKeyOrder = async (trx: Knex.Transaction, claims: readonly ClaimedChange[]) => {
    if (engine === 'sqlite' || claims.length === 0) return;
    const key = (c: ClaimedChange) => `${c.marketplaceId}\u0000${c.sku}\u0000${c.kind}`;
    if (engine === 'postgres') {
      const ordered = [...claims].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).map((c) => c.id);
      await trx.raw(`select t.id from unnest(?::bigint[]) with ordinality as u(id, ord) join "${table}" as t on t.id = u.id order by u.ord for update of t`, [ordered]);
    } else {
      // InnoDB locks rows in the order it reads them: through the key index, in its (binary) order
      const skus = [...new Set(claims.map((c) => c.sku))].sort();
      const kinds = [...new Set(claims.map((c) => c.kind))];
      for (const part of chunk(skus, 1000))
        await trx.raw(
          `select id from \`${table}\` force index (\`${table}_key\`) where account_id = ? and marketplace_id = ? and sku in (${part.map(() => '?').join(', ')}) and kind in (${kinds.map(() => '?').join(', ')}) order by sku, kind for update`,
          [accountId, ALL_MARKETPLACES, ...part, ...kinds],
        );
    }
  };

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

  const inScope = (query: Knex.QueryBuilder, scope: ChangeScope) => {
    const own = scope.marketplaceIds;
    if (!own) return query;
    const account = scope.accountMarketplaceIds;
    return query.andWhere((q) => {
      q.whereIn('marketplace_id', [ALL_MARKETPLACES, ...own]);
      if (account && account.length > 0) q.orWhereNotIn('marketplace_id', [ALL_MARKETPLACES, ...account]);
    });
  };

  const candidates = (db: Knex | Knex.Transaction, claim: ClaimOptions, now: number) => {
    const query = db(table)
      .select('id')
      .where('account_id', accountId)
      .andWhere('next_attempt_at', '<=', now)
      .andWhere((q) => q.whereNull('claimed_by').orWhere('lease_until', '<=', now));
    inScope(query, claim);
    if (claim.kinds) query.whereIn('kind', [...claim.kinds]);
    return query.orderBy('id').limit(claim.limit);
  };

  return {
    accountId,

    async claim(claim) {
      validateClaim(claim);
      const now = clock();
      // whole milliseconds: the columns are integers
      const leaseUntil = now + Math.round(claim.leaseMs);
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
        rows = await retryOnDeadlock(() => transact(async (trx) => {
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
      const leaseUntil = clock() + Math.round(leaseMs);
      for (const part of chunk(claims, PAIRS_PER_STATEMENT)) {
        extended += await single((db) =>
          claimedPairs(db(table).where('claimed_by', workerId), part, 'claimed_version', 'any').update({
            lease_until: leaseUntil,
          }),
        );
      }
      return extended;
    },

    async acknowledge(claims) {
      let acknowledged = 0;
      let superseded = 0;
      for (const part of chunk(claims, PAIRS_PER_STATEMENT)) {
        const result = await retryOnDeadlock(() =>
          transact(async (trx) => {
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
        const result = await retryOnDeadlock(() => transact(async (trx) => {
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
            const next = failure.retryable ? now + Math.round(failure.retryAfterMs ?? backoffMs(attempts)) : null;
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
      const due = clock() + Math.round(releaseOptions.delayMs ?? 0);
      let released = 0;
      for (const part of chunk(claims, PAIRS_PER_STATEMENT)) {
        released += await single((db) =>
          claimedPairs(db(table), part, 'claimed_version').update({
            // an entry changed meanwhile is due at once for its newer version
            next_attempt_at: knex.raw('case when version = claimed_version then ? else next_attempt_at end', [due]),
            claimed_by: null,
            lease_until: null,
            claimed_version: null,
          }),
        );
      }
      return released;
    },

    async expand(claims, marketplaceIds, extra) {
      const stars = claims.filter((claim) => claim.marketplaceId === ALL_MARKETPLACES);
      if (stars.length !== claims.length || marketplaceIds.length === 0 || marketplaceIds.includes(ALL_MARKETPLACES))
        throw new SellerSyncError({
          code: 'INVALID_OPTIONS',
          message: 'expand: every claim must be an entry for every marketplace ("*"), and marketplaceIds must list at least one marketplace (not "*").',
          details: { field: 'expand', rule: '"*" claims and marketplace ids' },
        });
      if (claims.length === 0) return { acknowledged: 0, superseded: 0, entries: 0 };
      // in enqueueChange's key order, so an expansion and a host's save lock shared rows in the same order
      const rows: ExpandedRow[] = [];
      for (const claim of claims)
        for (const marketplaceId of new Set([...marketplaceIds, ...(extra?.(claim) ?? [])]))
          if (marketplaceId !== ALL_MARKETPLACES)
            rows.push({
              m: marketplaceId,
              s: claim.sku,
              k: claim.kind,
              // left out rather than null: MariaDB's JSON_TABLE may read a JSON null as the text "null"
              ...(claim.productRef === null ? {} : { p: claim.productRef }),
              c: claim.createdAt.getTime(),
              u: claim.updatedAt.getTime(),
            });
      const key = (row: ExpandedRow) => `${row.m}\u0000${row.s}\u0000${row.k}`;
      rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      const sql = expandStatement(engine, table);
      const writeExpanded = async (trx: Knex.Transaction) => {
        const now = clock();
        for (const part of chunk(rows, EXPANDED_PER_STATEMENT)) await trx.raw(sql, [accountId, now, JSON.stringify(part)]);
      };
      const settleStars = async (trx: Knex.Transaction) => {
        // the "*" rows are locked in enqueueChange's key order first, as a host's save of them is
        let acknowledged = 0;
        let superseded = 0;
        await lockInKeyOrder(trx, claims);
        for (const part of chunk(claims, PAIRS_PER_STATEMENT)) {
          acknowledged += await claimedPairs(trx(table), part, 'version', 'any').delete();
          superseded += await claimedPairs(trx(table), part, 'claimed_version').update({
            claimed_by: null,
            lease_until: null,
            claimed_version: null,
            status: 'pending',
            next_attempt_at: clock(),
          });
        }
        return { acknowledged, superseded };
      };
      // MySQL/MariaDB: two transactions, the expanded entries first. In one, the delete of the "*"
      // rows and the inserts beside a host's save of them could still deadlock through InnoDB's
      // locks on the index gap between the "*" rows and the others (the host's save keeps its own
      // isolation), and the host's save was often the victim. A stop in between leaves the "*"
      // entry as well, which is expanded again (coalescing): nothing is lost either way.
      const result =
        engine === 'mysql'
          ? await retryOnDeadlock(() => transact(writeExpanded)).then(() => retryOnDeadlock(() => transact(settleStars)))
          : await retryOnDeadlock(() =>
              transact(async (trx) => {
                // the "*" rows first: they come first in enqueueChange's key order too
                const settled = await settleStars(trx);
                await writeExpanded(trx);
                return settled;
              }),
            );
      return { ...result, entries: rows.length };
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

    async stats(scope = {}) {
      const now = clock();
      const live = 'claimed_by is not null and lease_until > ?';
      const free = '(claimed_by is null or lease_until <= ?)';
      const [row] = (await inScope(knex(table).where('account_id', accountId), scope)
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

/** One entry of an expansion, as the upsert reads it from its JSON parameter. */
interface ExpandedRow {
  readonly m: string;
  readonly s: string;
  readonly k: string;
  readonly p?: string;
  /** The `"*"` entry's creation and last change (ms). */
  readonly c: number;
  readonly u: number;
}

const expandStatements = new Map<string, string>();

/**
 * The upsert of an expansion: `enqueueChange`'s JSON statement, except that the times come from
 * the `"*"` entry (the newer `updated_at` and older `created_at` of both rows win), so staleness and
 * delete-versus-offer decisions see the time the shop queued the change, not the expansion's.
 */
function expandStatement(engine: DatabaseEngine, table: string): string {
  const cacheKey = `${engine}\u0000${table}`;
  const cached = expandStatements.get(cacheKey);
  if (cached !== undefined) return cached;
  const columns = 'account_id, marketplace_id, sku, kind, product_ref, version, status, attempts, next_attempt_at, created_at, updated_at';
  let sql: string;
  switch (engine) {
    case 'postgres':
      sql =
        `insert into "${table}" (${columns}) ` +
        `select ?::text, x.m, x.s, x.k, x.p, 1, 'pending', 0, ?::bigint, x.c, x.u ` +
        `from json_to_recordset(?::json) as x(m text, s text, k text, p text, c bigint, u bigint) ` +
        `on conflict (account_id, marketplace_id, sku, kind) do update set ` +
        `version = "${table}".version + 1, product_ref = coalesce(excluded.product_ref, "${table}".product_ref), ` +
        `status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, ` +
        `created_at = least("${table}".created_at, excluded.created_at), updated_at = greatest("${table}".updated_at, excluded.updated_at)`;
      break;
    case 'sqlite':
      sql =
        `insert into "${table}" (${columns}) ` +
        `select ?, json_extract(value, '$.m'), json_extract(value, '$.s'), json_extract(value, '$.k'), json_extract(value, '$.p'), ` +
        `1, 'pending', 0, ?, json_extract(value, '$.c'), json_extract(value, '$.u') ` +
        // "where true" resolves SQLite's parsing ambiguity of INSERT … SELECT … ON CONFLICT
        `from json_each(?) where true ` +
        `on conflict (account_id, marketplace_id, sku, kind) do update set ` +
        `version = version + 1, product_ref = coalesce(excluded.product_ref, product_ref), ` +
        `status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, ` +
        `created_at = min(created_at, excluded.created_at), updated_at = max(updated_at, excluded.updated_at)`;
      break;
    case 'mysql':
      sql =
        `insert into \`${table}\` (${columns}) ` +
        `select ?, j.m, j.s, j.k, j.p, 1, 'pending', 0, ?, j.c, j.u ` +
        `from json_table(?, '$[*]' columns (` +
        `m varchar(32) character set utf8mb4 path '$.m', s varchar(40) character set utf8mb4 path '$.s', ` +
        `k varchar(16) character set utf8mb4 path '$.k', p varchar(191) character set utf8mb4 path '$.p', ` +
        `c bigint path '$.c', u bigint path '$.u')) as j ` +
        `on duplicate key update version = version + 1, product_ref = coalesce(values(product_ref), product_ref), ` +
        `status = 'pending', attempts = 0, next_attempt_at = values(next_attempt_at), ` +
        `created_at = least(created_at, values(created_at)), updated_at = greatest(updated_at, values(updated_at))`;
      break;
  }
  expandStatements.set(cacheKey, sql);
  return sql;
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
