import type { Knex } from 'knex';
import { chunk, toNullableNumber, toNumber, valueById, whereMarketplaces } from '../database/dialect';
import { resolveTableNames } from '../database/table-names';

/**
 * Where a package stands: `pending` (to send), `sending` (a run holds it), `submitted` (in a bulk
 * feed Amazon has not finished), `confirmed`, `rejected` (Amazon refused it: not retried), `failed`
 * (retryable failure; retried while `nextAttemptAt` is set).
 */
export type ShipmentPackageState = 'pending' | 'sending' | 'submitted' | 'confirmed' | 'rejected' | 'failed';

/** One shop package of one Amazon order, as sellersync confirms it. */
export interface ShipmentPackage {
  /** Also the package's `packageReferenceId` at Amazon. */
  readonly id: number;
  readonly accountId: string;
  readonly marketplaceId: string;
  readonly amazonOrderId: string;
  readonly shopOrderRef: string;
  /** The shop's package id. */
  readonly packageId: string;
  readonly carrierCode: string;
  readonly carrierName: string | null;
  readonly shippingMethod: string | null;
  readonly trackingNumber: string;
  readonly shipDate: number;
  readonly items: readonly { readonly orderItemId: string; readonly quantity: number }[];
  readonly state: ShipmentPackageState;
  readonly mode: 'per-package' | 'bulk-feed';
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly feedId: string | null;
  readonly feedMessageId: number | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorMessage: string | null;
  readonly confirmedAt: number | null;
  /** When the row last changed (for a `submitted` package: when its feed was submitted). */
  readonly updatedAt: number;
}

/** A package to record. */
export type NewShipmentPackage = Pick<
  ShipmentPackage,
  'marketplaceId' | 'amazonOrderId' | 'shopOrderRef' | 'packageId' | 'carrierCode' | 'carrierName' | 'shippingMethod' | 'trackingNumber' | 'shipDate' | 'items' | 'mode'
>;

interface PackageRow {
  id: number | string;
  account_id: string;
  marketplace_id: string;
  amazon_order_id: string;
  shop_order_ref: string;
  package_id: string;
  carrier_code: string;
  carrier_name: string | null;
  shipping_method: string | null;
  tracking_number: string;
  ship_date: number | string;
  items: string;
  state: string;
  mode: string;
  attempts: number | string;
  next_attempt_at: number | string | null;
  feed_id: string | null;
  feed_message_id: number | string | null;
  last_error_code: string | null;
  last_error_message: string | null;
  confirmed_at: number | string | null;
  updated_at: number | string;
}

function toPackage(row: PackageRow): ShipmentPackage {
  let items: ShipmentPackage['items'] = [];
  try {
    items = JSON.parse(row.items) as ShipmentPackage['items'];
  } catch {
    items = [];
  }
  return {
    id: toNumber(row.id),
    accountId: row.account_id,
    marketplaceId: row.marketplace_id,
    amazonOrderId: row.amazon_order_id,
    shopOrderRef: row.shop_order_ref,
    packageId: row.package_id,
    carrierCode: row.carrier_code,
    carrierName: row.carrier_name,
    shippingMethod: row.shipping_method,
    trackingNumber: row.tracking_number,
    shipDate: toNumber(row.ship_date),
    items,
    state: row.state as ShipmentPackageState,
    mode: row.mode === 'bulk-feed' ? 'bulk-feed' : 'per-package',
    attempts: toNumber(row.attempts),
    nextAttemptAt: toNullableNumber(row.next_attempt_at),
    feedId: row.feed_id,
    feedMessageId: toNullableNumber(row.feed_message_id),
    lastErrorCode: row.last_error_code,
    lastErrorMessage: row.last_error_message,
    confirmedAt: toNullableNumber(row.confirmed_at),
    updatedAt: toNumber(row.updated_at),
  };
}

/** A change of packages' state. */
export interface ShipmentPackagePatch {
  readonly state?: ShipmentPackageState;
  readonly attempts?: number;
  readonly nextAttemptAt?: number | null;
  readonly feedId?: string | null;
  readonly feedMessageId?: number | null;
  readonly lastErrorCode?: string | null;
  readonly lastErrorMessage?: string | null;
  readonly confirmedAt?: number | null;
}

function columns(patch: ShipmentPackagePatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (column: string, value: unknown) => {
    if (value !== undefined) out[column] = value;
  };
  set('state', patch.state);
  set('attempts', patch.attempts);
  set('next_attempt_at', patch.nextAttemptAt);
  set('feed_id', patch.feedId);
  set('feed_message_id', patch.feedMessageId);
  set('last_error_code', patch.lastErrorCode);
  set('last_error_message', patch.lastErrorMessage == null ? patch.lastErrorMessage : patch.lastErrorMessage.slice(0, 2000));
  set('confirmed_at', patch.confirmedAt);
  return out;
}

/** Counts of an account's packages by state. */
export type ShipmentPackageCounts = Readonly<Record<ShipmentPackageState, number>>;

/**
 * The shipment packages of one account: one row per account, Amazon order and shop package,
 * whose id is the package's stable `packageReferenceId`. Claims use leases so two runs never send
 * the same package at once, and a run that crashed after Amazon answered re-sends the same
 * reference (an edit at Amazon, never a second package).
 */
export interface ShipmentStore {
  /** Records packages not recorded yet (others are left as they are). */
  record(packages: readonly NewShipmentPackage[]): Promise<void>;
  /** The packages of these orders. */
  listByOrders(amazonOrderIds: readonly string[]): Promise<ShipmentPackage[]>;
  /**
   * Claims up to `limit` packages due to be sent, counting the attempt: pending, failed and due for
   * a retry, or held by a run whose lease expired, each with fewer than `maxAttempts` attempts.
   * Oldest first. `marketplaceIds`: only packages of these marketplaces (a partitioned worker's).
   */
  claimDue(claimant: string, leaseMs: number, maxAttempts: number, limit: number, marketplaceIds?: readonly string[]): Promise<ShipmentPackage[]>;
  /** Extends the lease of packages `claimant` still holds. */
  renew(ids: readonly number[], claimant: string, leaseMs: number): Promise<void>;
  /**
   * Marks packages whose claim expired after `maxAttempts` attempts (sent, then the run died each
   * time) `failed` for a person (`SHIPMENT_ABANDONED`) and returns them.
   */
  abandonExpired(maxAttempts: number, marketplaceIds?: readonly string[]): Promise<ShipmentPackage[]>;
  /** Records the bulk feed and message id of packages `claimant` holds (`submitted`), ending its claim. */
  markSubmitted(claimant: string, feedId: string, messages: readonly { readonly id: number; readonly messageId: number }[]): Promise<void>;
  /** Writes `patch` to packages `claimant` holds and ends its claim. */
  settle(ids: readonly number[], claimant: string, patch: ShipmentPackagePatch): Promise<number>;
  /** Writes `patch` to packages no run holds. */
  update(ids: readonly number[], patch: ShipmentPackagePatch): Promise<number>;
  /**
   * Writes a feed's result to its packages that are still `submitted` in that feed (a package
   * another run settled and sent again meanwhile is left alone). Returns how many it changed.
   */
  updateSubmitted(feedId: string, ids: readonly number[], patch: ShipmentPackagePatch): Promise<number>;
  /** Feed ids of bulk feeds submitted and not yet settled (of these marketplaces: a feed names one). */
  listSubmittedFeeds(marketplaceIds?: readonly string[]): Promise<string[]>;
  listByFeed(feedId: string): Promise<ShipmentPackage[]>;
  counts(): Promise<ShipmentPackageCounts>;
}

/** Opens the shipment packages of `accountId` (run `migrate` first). */
/**
 * `accountMarketplaceIds`, for a partitioned worker: the methods that take `marketplaceIds` then
 * also return packages of marketplaces outside this list (ones the account dropped, which no
 * partition owns).
 */
export function createShipmentStore(
  knex: Knex,
  options: { readonly tablePrefix?: string; readonly accountId: string; readonly clock?: () => number; readonly accountMarketplaceIds?: readonly string[] },
): ShipmentStore {
  const table = resolveTableNames(options.tablePrefix).shipmentPackages;
  const accountId = options.accountId;
  const clock = options.clock ?? Date.now;
  const rows = () => knex(table).where('account_id', accountId);
  const of = (marketplaceIds: readonly string[] | undefined) => whereMarketplaces(rows(), marketplaceIds, options.accountMarketplaceIds);
  return {
    async record(packages) {
      const now = clock();
      for (const part of chunk(packages, 200)) {
        if (part.length === 0) continue;
        await knex(table)
          .insert(
            part.map((p) => ({
              account_id: accountId,
              marketplace_id: p.marketplaceId,
              amazon_order_id: p.amazonOrderId,
              shop_order_ref: p.shopOrderRef,
              package_id: p.packageId,
              carrier_code: p.carrierCode,
              carrier_name: p.carrierName,
              shipping_method: p.shippingMethod,
              tracking_number: p.trackingNumber,
              ship_date: p.shipDate,
              items: JSON.stringify(p.items),
              state: 'pending',
              mode: p.mode,
              attempts: 0,
              next_attempt_at: now,
              created_at: now,
              updated_at: now,
            })),
          )
          .onConflict(['account_id', 'amazon_order_id', 'package_id'])
          .ignore();
      }
    },

    async listByOrders(amazonOrderIds) {
      const out: ShipmentPackage[] = [];
      for (const ids of chunk([...new Set(amazonOrderIds)], 500))
        if (ids.length > 0) out.push(...((await rows().whereIn('amazon_order_id', ids).orderBy('id')) as PackageRow[]).map(toPackage));
      return out;
    },

    async claimDue(claimant, leaseMs, maxAttempts, limit, marketplaceIds) {
      const now = clock();
      const due = of(marketplaceIds)
        .select('id')
        .andWhere((q) =>
          q
            .where((p) => p.whereIn('state', ['pending', 'failed']).andWhere('next_attempt_at', '<=', now).andWhere('attempts', '<', maxAttempts))
            .orWhere((s) => s.where('state', 'sending').andWhere('lease_until', '<=', now).andWhere('attempts', '<', maxAttempts)),
        )
        .orderBy('id')
        .limit(limit);
      const ids = ((await due) as { id: number | string }[]).map((row) => toNumber(row.id));
      if (ids.length === 0) return [];
      // the state condition again: of two runs that picked the same ids, only one update matches each row
      await rows()
        .whereIn('id', ids)
        .andWhere((q) =>
          q
            .where((p) => p.whereIn('state', ['pending', 'failed']).andWhere('next_attempt_at', '<=', now))
            .orWhere((s) => s.where('state', 'sending').andWhere('lease_until', '<=', now)),
        )
        // counted now, so a package whose sending kills the process runs out of attempts too
        .update({ state: 'sending', claimed_by: claimant, lease_until: now + leaseMs, attempts: knex.raw('attempts + 1'), updated_at: now });
      return ((await rows().whereIn('id', ids).andWhere({ claimed_by: claimant, state: 'sending' }).orderBy('id')) as PackageRow[]).map(toPackage);
    },

    async renew(ids, claimant, leaseMs) {
      const now = clock();
      for (const part of chunk(ids, 500))
        if (part.length > 0) await rows().whereIn('id', part).andWhere({ claimed_by: claimant, state: 'sending' }).update({ lease_until: now + leaseMs });
    },

    async abandonExpired(maxAttempts, marketplaceIds) {
      const now = clock();
      const expired = (q: Knex.QueryBuilder) => q.where('state', 'sending').andWhere('lease_until', '<=', now).andWhere('attempts', '>=', maxAttempts);
      const found = ((await expired(of(marketplaceIds)).orderBy('id').limit(1000)) as PackageRow[]).map(toPackage);
      if (found.length === 0) return [];
      const ids = found.map((p) => p.id);
      const message = `Sent ${maxAttempts} time(s) without the outcome being recorded (the run stopped each time); left for a person.`;
      await expired(rows().whereIn('id', ids)).update({ state: 'failed', claimed_by: null, lease_until: null, next_attempt_at: null, last_error_code: 'SHIPMENT_ABANDONED', last_error_message: message, updated_at: now });
      return found;
    },

    async markSubmitted(claimant, feedId, messages) {
      const now = clock();
      for (const part of chunk(messages, 500)) {
        if (part.length === 0) continue;
        await rows()
          .whereIn('id', part.map((m) => m.id))
          .andWhere('claimed_by', claimant)
          .update({ state: 'submitted', feed_id: feedId, feed_message_id: valueById(knex, part.map((m) => ({ id: m.id, value: m.messageId }))), next_attempt_at: null, claimed_by: null, lease_until: null, updated_at: now });
      }
    },

    async settle(ids, claimant, patch) {
      let changed = 0;
      for (const part of chunk(ids, 500))
        changed += Number(
          await rows()
            .whereIn('id', part)
            .andWhere('claimed_by', claimant)
            .update({ ...columns(patch), claimed_by: null, lease_until: null, updated_at: clock() }),
        );
      return changed;
    },

    async update(ids, patch) {
      let changed = 0;
      for (const part of chunk(ids, 500)) changed += Number(await rows().whereIn('id', part).update({ ...columns(patch), updated_at: clock() }));
      return changed;
    },

    async updateSubmitted(feedId, ids, patch) {
      let changed = 0;
      for (const part of chunk(ids, 500))
        if (part.length > 0) changed += Number(await rows().whereIn('id', part).andWhere({ state: 'submitted', feed_id: feedId }).update({ ...columns(patch), updated_at: clock() }));
      return changed;
    },

    async listSubmittedFeeds(marketplaceIds) {
      const list = (await of(marketplaceIds).where('state', 'submitted').whereNotNull('feed_id').distinct('feed_id')) as { feed_id: string }[];
      return list.map((row) => row.feed_id);
    },

    async listByFeed(feedId) {
      return ((await rows().where({ feed_id: feedId, state: 'submitted' }).orderBy('id')) as PackageRow[]).map(toPackage);
    },

    async counts() {
      const list = (await rows().select('state').count({ n: '*' }).groupBy('state')) as { state: string; n: number | string }[];
      const out: Record<ShipmentPackageState, number> = { pending: 0, sending: 0, submitted: 0, confirmed: 0, rejected: 0, failed: 0 };
      for (const row of list) if (row.state in out) out[row.state as ShipmentPackageState] = toNumber(row.n);
      return out;
    },
  };
}
