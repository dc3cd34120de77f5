import type { Knex } from 'knex';
import { toNullableNumber, toNumber } from '../database/dialect';
import { resolveTableNames } from '../database/table-names';

/** Why an order was not imported, although nothing was wrong with it. */
export type OrderSkipReason =
  /** Lines match no shop product and `importUnmatched` is off. */
  | 'unmatched'
  /** Lines of a merchant-fulfilled order match an inactive product or one short of stock, and `importUnavailable` is off. */
  | 'unavailable'
  /** An FBA order and `importFba` is off. */
  | 'fba-disabled'
  /** Cancelled before sellersync first saw it: there is nothing to fulfil. */
  | 'cancelled-before-import'
  /** An Amazon Multi-Channel Fulfillment order placed outside Amazon (`salesChannel NON_AMAZON`), often by this very shop. */
  | 'non-amazon-channel'
  /** From a marketplace this account does not import. */
  | 'marketplace-not-imported';

/** An order a run did not import, with the reason. */
export interface SkippedOrderReport {
  readonly amazonOrderId: string;
  readonly marketplaceId: string;
  readonly reason: OrderSkipReason;
  readonly message: string;
}

/** An order a run could not import or update. */
export interface OrderErrorReport {
  /** `null` when Amazon sent an order without id. */
  readonly amazonOrderId: string | null;
  readonly marketplaceId: string;
  /** `INVALID_ORDER` (malformed data), `SHOP_ADAPTER_FAILED`, an Amazon error code, ... */
  readonly code: string;
  readonly message: string;
  /** Whether a later run tries again by itself. */
  readonly willRetry: boolean;
}

/** Something staff should see on an imported order (a total mismatch, unmatched lines, ...). */
export interface OrderWarningReport {
  readonly amazonOrderId: string;
  readonly message: string;
}

/** Per marketplace: pages read and orders seen, and where the next run starts. */
export interface MarketplaceImportReport {
  readonly marketplaceId: string;
  readonly pages: number;
  readonly orders: number;
  /** `lastUpdatedAfter` of the next run (ISO 8601). */
  readonly nextLastUpdatedAfter: string | null;
  /** Set when the search of this marketplace failed; its cursor did not move. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** An import run that has not finished (another worker's, or this process's in progress). */
export interface OrderImportRunInProgress {
  readonly runId: number;
  readonly workerId: string;
  readonly startedAt: Date;
  /** When the run last said it is alive (every third of `leaseMs`). */
  readonly heartbeatAt: Date;
}

/** What one run of `importOrders()` did for one account; `status()` shows the last one. */
export interface OrderImportSummary {
  readonly runId: number;
  readonly accountId: string;
  readonly marketplaceIds: readonly string[];
  /**
   * `finished`; `aborted` (stopped by its signal, resumed by the next run); `failed` (a search
   * failed); `abandoned` (its process stopped without finishing: closed by a later run, which also
   * resumes its orders); `running` (only when no run has ended yet).
   */
  readonly status: 'running' | 'finished' | 'aborted' | 'failed' | 'abandoned';
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  /** Orders read from Amazon (searches and retries). */
  readonly seen: number;
  /** Shop orders created. */
  readonly imported: number;
  /** Shop orders whose status (and stock) changed after an Amazon update. */
  readonly updated: number;
  /** Orders seen again without a change that matters (overlapping windows, older updates). */
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  /** Orders not imported, with the reason (at most 1000 listed). */
  readonly skippedOrders: readonly SkippedOrderReport[];
  /** Orders that failed (at most 1000 listed). */
  readonly errors: readonly OrderErrorReport[];
  /** Warnings on imported orders (at most 1000 listed). */
  readonly warnings: readonly OrderWarningReport[];
  readonly marketplaces: readonly MarketplaceImportReport[];
  /** Order acknowledgements: feeds submitted, orders acknowledged and refused by Amazon in this run. */
  readonly acknowledgements: { readonly submitted: number; readonly acknowledged: number; readonly failed: number };
  /** In `status()` (`lastSummary()`): runs of the account still in progress, oldest first; empty when none. */
  readonly running?: readonly OrderImportRunInProgress[];
}

/** Most entries of each list kept in a summary. */
export const SUMMARY_LIST_LIMIT = 1000;

interface RunRow {
  id: number | string;
  account_id: string;
  marketplace_ids: string;
  status: string;
  started_at: number | string;
  finished_at: number | string | null;
  worker_id: string;
  heartbeat_at: number | string | null;
  seen: number | string;
  imported: number | string;
  updated: number | string;
  unchanged: number | string;
  skipped: number | string;
  failed: number | string;
  details: string | null;
}

interface RunDetails {
  skippedOrders?: SkippedOrderReport[];
  errors?: OrderErrorReport[];
  warnings?: OrderWarningReport[];
  marketplaces?: MarketplaceImportReport[];
  acknowledgements?: OrderImportSummary['acknowledgements'];
}

/** The import runs of one account (`orderImportRuns`). */
export interface OrderImportRuns {
  /** Records the start of a run; returns its id. */
  start(input: { readonly marketplaceIds: readonly string[]; readonly workerId: string; readonly startedAt: number }): Promise<number>;
  /** Writes the outcome of a run. */
  finish(summary: OrderImportSummary): Promise<void>;
  /** Records that a running run is alive. */
  heartbeat(runId: number, now: number): Promise<void>;
  /**
   * Closes runs still `running` whose last heartbeat is older than `staleBefore` (their process
   * stopped) as `abandoned`; returns how many.
   */
  closeAbandoned(staleBefore: number, now: number): Promise<number>;
  /**
   * The latest run that ended (finished, aborted, failed or abandoned) with the runs in progress in
   * `running`; the latest running run when none has ended yet; `null` before the first.
   */
  last(): Promise<OrderImportSummary | null>;
}

/** Opens the import runs of `accountId`. */
export function createOrderImportRuns(knex: Knex, options: { readonly tablePrefix?: string; readonly accountId: string }): OrderImportRuns {
  const table = resolveTableNames(options.tablePrefix).orderImportRuns;
  const accountId = options.accountId;
  return {
    async start({ marketplaceIds, workerId, startedAt }) {
      const query = knex(table).insert({
        account_id: accountId,
        marketplace_ids: marketplaceIds.join(','),
        worker_id: workerId.slice(0, 191),
        status: 'running',
        started_at: startedAt,
        heartbeat_at: startedAt,
      });
      const [inserted] = (knex.client as { dialect?: string }).dialect === 'postgresql' ? await query.returning('id') : await query;
      return toNumber(typeof inserted === 'object' && inserted !== null ? (inserted as { id: unknown }).id : inserted);
    },

    async finish(summary) {
      const details: RunDetails = {
        skippedOrders: summary.skippedOrders.slice(0, SUMMARY_LIST_LIMIT),
        errors: summary.errors.slice(0, SUMMARY_LIST_LIMIT),
        warnings: summary.warnings.slice(0, SUMMARY_LIST_LIMIT),
        marketplaces: [...summary.marketplaces],
        acknowledgements: summary.acknowledgements,
      };
      const runError = summary.marketplaces.find((m) => m.error !== null)?.error ?? null;
      await knex(table)
        .where({ id: summary.runId, account_id: accountId })
        .update({
          status: summary.status,
          finished_at: summary.finishedAt?.getTime() ?? null,
          seen: summary.seen,
          imported: summary.imported,
          updated: summary.updated,
          unchanged: summary.unchanged,
          skipped: summary.skipped,
          failed: summary.failed,
          details: JSON.stringify(details),
          error_code: runError?.code.slice(0, 64) ?? null,
          error_message: runError?.message ?? null,
        });
    },

    async heartbeat(runId, now) {
      await knex(table).where({ id: runId, account_id: accountId, status: 'running' }).update({ heartbeat_at: now });
    },

    async closeAbandoned(staleBefore, now) {
      const changed = await knex(table)
        .where({ account_id: accountId, status: 'running' })
        .andWhere((q) => q.where('heartbeat_at', '<', staleBefore).orWhere((n) => n.whereNull('heartbeat_at').andWhere('started_at', '<', staleBefore)))
        .update({
          status: 'abandoned',
          finished_at: now,
          error_code: 'ORDER_IMPORT_ABANDONED',
          error_message: 'The run stopped without finishing (its process ended); a later run closed it and resumes its orders.',
        });
      return Number(changed);
    },

    async last() {
      const inProgress = ((await knex(table).where({ account_id: accountId, status: 'running' }).orderBy('id')) as RunRow[]).map((r) => ({
        runId: toNumber(r.id),
        workerId: r.worker_id,
        startedAt: new Date(toNumber(r.started_at)),
        heartbeatAt: new Date(toNumber(r.heartbeat_at ?? r.started_at)),
      }));
      const ended = (await knex(table).where('account_id', accountId).whereNot('status', 'running').orderBy('id', 'desc').first()) as RunRow | undefined;
      const row = ended ?? ((await knex(table).where('account_id', accountId).orderBy('id', 'desc').first()) as RunRow | undefined);
      if (!row) return null;
      let details: RunDetails = {};
      try {
        details = row.details ? (JSON.parse(row.details) as RunDetails) : {};
      } catch {
        details = {};
      }
      const finishedAt = toNullableNumber(row.finished_at);
      return {
        runId: toNumber(row.id),
        accountId: row.account_id,
        marketplaceIds: row.marketplace_ids === '' ? [] : row.marketplace_ids.split(','),
        status: row.status as OrderImportSummary['status'],
        startedAt: new Date(toNumber(row.started_at)),
        finishedAt: finishedAt === null ? null : new Date(finishedAt),
        seen: toNumber(row.seen),
        imported: toNumber(row.imported),
        updated: toNumber(row.updated),
        unchanged: toNumber(row.unchanged),
        skipped: toNumber(row.skipped),
        failed: toNumber(row.failed),
        skippedOrders: details.skippedOrders ?? [],
        errors: details.errors ?? [],
        warnings: details.warnings ?? [],
        marketplaces: details.marketplaces ?? [],
        acknowledgements: details.acknowledgements ?? { submitted: 0, acknowledged: 0, failed: 0 },
        running: inProgress,
      };
    },
  };
}
