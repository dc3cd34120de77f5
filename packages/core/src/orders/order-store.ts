import type { Knex } from 'knex';
import { chunk, toNullableNumber, toNumber, valueById, whereMarketplaces } from '../database/dialect';
import { resolveTableNames } from '../database/table-names';
import type { OrderStockLine } from './order-mapper';

/** An Amazon order item and the quantity ordered. */
export interface OrderItemQuantity {
  readonly orderItemId: string;
  readonly quantity: number;
}

/** Where an Amazon order stands in sellersync. */
export type ImportedOrderState = 'claimed' | 'imported' | 'skipped' | 'invalid' | 'failed';

/** What sellersync did to the shop's stock for an order. */
export type OrderStockState = 'none' | 'reserved' | 'committed' | 'released' | 'taken' | 'restored';

/** Acknowledgement of an order to Amazon (`POST_ORDER_ACKNOWLEDGEMENT_DATA`). */
export type OrderAckState = 'pending' | 'submitted' | 'acknowledged' | 'failed';

/** Shipment confirmation of a merchant-fulfilled order. */
export type OrderShipmentState = 'open' | 'confirmed' | 'closed';

/** One Amazon order as sellersync recorded it (one row per account and Amazon order id). */
export interface ImportedOrder {
  readonly id: number;
  readonly accountId: string;
  readonly marketplaceId: string;
  readonly amazonOrderId: string;
  readonly fulfilledBy: 'merchant' | 'amazon';
  readonly amazonStatus: string;
  /** Amazon's `lastUpdatedTime` of the state applied, in ms. */
  readonly amazonUpdatedAt: number;
  readonly state: ImportedOrderState;
  readonly shopOrderRef: string | null;
  readonly shopStatus: string | null;
  readonly stockState: OrderStockState;
  readonly stockLines: readonly OrderStockLine[];
  /** Every Amazon order item with the quantity ordered. */
  readonly orderItems: readonly OrderItemQuantity[];
  readonly claimedBy: string | null;
  readonly leaseUntil: number | null;
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  /**
   * The newest Amazon `lastUpdatedTime` an importer saw while another one held the row, when it is
   * newer than `amazonUpdatedAt`: an update still to apply (fetched with `getOrder` once the claim ends).
   */
  readonly seenUpdatedAt: number | null;
  /** Why it was skipped (`unmatched`, `fba-disabled`, ...). */
  readonly reason: string | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorMessage: string | null;
  readonly warnings: readonly string[];
  readonly ackState: OrderAckState | null;
  readonly ackFeedId: string | null;
  readonly ackMessageId: number | null;
  /** Acknowledgement submissions so far (counted when a run claims the row to send it). */
  readonly ackAttempts: number;
  /** When a failed acknowledgement may be sent again; `null` when due at once. */
  readonly ackNextAttemptAt: number | null;
  readonly shipmentState: OrderShipmentState | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The fields an importer writes when it settles an order it claimed. */
export interface ImportedOrderPatch {
  readonly marketplaceId?: string;
  readonly fulfilledBy?: 'merchant' | 'amazon';
  readonly amazonStatus?: string;
  readonly amazonUpdatedAt?: number;
  readonly state?: ImportedOrderState;
  readonly shopOrderRef?: string | null;
  readonly shopStatus?: string | null;
  readonly stockState?: OrderStockState;
  readonly stockLines?: readonly OrderStockLine[];
  readonly orderItems?: readonly OrderItemQuantity[];
  readonly attempts?: number;
  readonly nextAttemptAt?: number | null;
  readonly reason?: string | null;
  readonly lastErrorCode?: string | null;
  readonly lastErrorMessage?: string | null;
  readonly warnings?: readonly string[];
  readonly ackState?: OrderAckState | null;
  readonly shipmentState?: OrderShipmentState | null;
}

/** The acknowledgement side of a row. */
export interface AckPatch {
  readonly ackState?: OrderAckState | null;
  readonly ackFeedId?: string | null;
  readonly ackMessageId?: number | null;
  readonly ackNextAttemptAt?: number | null;
  readonly lastErrorCode?: string | null;
  readonly lastErrorMessage?: string | null;
}

function ackColumns(patch: AckPatch): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (patch.ackState !== undefined) columns['ack_state'] = patch.ackState;
  if (patch.ackFeedId !== undefined) columns['ack_feed_id'] = patch.ackFeedId;
  if (patch.ackMessageId !== undefined) columns['ack_message_id'] = patch.ackMessageId;
  if (patch.ackNextAttemptAt !== undefined) columns['ack_next_attempt_at'] = patch.ackNextAttemptAt;
  if (patch.lastErrorCode !== undefined) columns['last_error_code'] = patch.lastErrorCode;
  if (patch.lastErrorMessage !== undefined) columns['last_error_message'] = clip(patch.lastErrorMessage);
  return columns;
}

/** What a new row starts with. */
export interface NewImportedOrder {
  readonly marketplaceId: string;
  readonly amazonOrderId: string;
  readonly fulfilledBy: 'merchant' | 'amazon';
  readonly amazonStatus: string;
  readonly amazonUpdatedAt: number;
}

/** The import cursor of one marketplace. */
export interface OrderCursor {
  readonly marketplaceId: string;
  /** Where the next search starts (ISO 8601). */
  readonly lastUpdatedAfter: string;
  /** A search in progress (stopped mid-way): its window and the token of its next page. */
  readonly windowAfter: string | null;
  readonly windowBefore: string | null;
  readonly pageToken: string | null;
  readonly pages: number;
}

interface OrderRow {
  id: number | string;
  account_id: string;
  marketplace_id: string;
  amazon_order_id: string;
  fulfilled_by: string;
  amazon_status: string;
  amazon_updated_at: number | string;
  state: string;
  shop_order_ref: string | null;
  shop_status: string | null;
  stock_state: string;
  stock_lines: string | null;
  order_items: string | null;
  claimed_by: string | null;
  lease_until: number | string | null;
  attempts: number | string;
  next_attempt_at: number | string | null;
  seen_updated_at: number | string | null;
  reason: string | null;
  last_error_code: string | null;
  last_error_message: string | null;
  warnings: string | null;
  ack_state: string | null;
  ack_feed_id: string | null;
  ack_message_id: number | string | null;
  ack_attempts: number | string | null;
  ack_next_attempt_at: number | string | null;
  shipment_state: string | null;
  created_at: number | string;
  updated_at: number | string;
}

const MAX_MESSAGE = 2000;
const clip = (text: string | null | undefined): string | null => (text == null ? null : text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text);

function parseJsonList<T>(text: string | null): T[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value as T[]) : [];
  } catch {
    return [];
  }
}

function toImportedOrder(row: OrderRow): ImportedOrder {
  return {
    id: toNumber(row.id),
    accountId: row.account_id,
    marketplaceId: row.marketplace_id,
    amazonOrderId: row.amazon_order_id,
    fulfilledBy: row.fulfilled_by === 'amazon' ? 'amazon' : 'merchant',
    amazonStatus: row.amazon_status,
    amazonUpdatedAt: toNumber(row.amazon_updated_at),
    state: row.state as ImportedOrderState,
    shopOrderRef: row.shop_order_ref,
    shopStatus: row.shop_status,
    stockState: row.stock_state as OrderStockState,
    stockLines: parseJsonList<OrderStockLine>(row.stock_lines),
    orderItems: parseJsonList<OrderItemQuantity>(row.order_items),
    claimedBy: row.claimed_by,
    leaseUntil: toNullableNumber(row.lease_until),
    attempts: toNumber(row.attempts),
    nextAttemptAt: toNullableNumber(row.next_attempt_at),
    seenUpdatedAt: toNullableNumber(row.seen_updated_at),
    reason: row.reason,
    lastErrorCode: row.last_error_code,
    lastErrorMessage: row.last_error_message,
    warnings: parseJsonList<string>(row.warnings),
    ackState: row.ack_state as OrderAckState | null,
    ackFeedId: row.ack_feed_id,
    ackMessageId: toNullableNumber(row.ack_message_id),
    ackAttempts: toNumber(row.ack_attempts ?? 0),
    ackNextAttemptAt: toNullableNumber(row.ack_next_attempt_at),
    shipmentState: row.shipment_state as OrderShipmentState | null,
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}

function patchColumns(patch: ImportedOrderPatch): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  const set = (column: string, value: unknown) => {
    if (value !== undefined) columns[column] = value;
  };
  set('marketplace_id', patch.marketplaceId);
  set('fulfilled_by', patch.fulfilledBy);
  set('amazon_status', patch.amazonStatus);
  set('amazon_updated_at', patch.amazonUpdatedAt);
  set('state', patch.state);
  set('shop_order_ref', patch.shopOrderRef);
  set('shop_status', patch.shopStatus);
  set('stock_state', patch.stockState);
  set('stock_lines', patch.stockLines === undefined ? undefined : JSON.stringify(patch.stockLines));
  set('order_items', patch.orderItems === undefined ? undefined : JSON.stringify(patch.orderItems));
  set('attempts', patch.attempts);
  set('next_attempt_at', patch.nextAttemptAt);
  set('reason', patch.reason);
  set('last_error_code', patch.lastErrorCode);
  set('last_error_message', patch.lastErrorMessage === undefined ? undefined : clip(patch.lastErrorMessage));
  set('warnings', patch.warnings === undefined ? undefined : patch.warnings.length === 0 ? null : JSON.stringify(patch.warnings.map((w) => clip(w))));
  set('ack_state', patch.ackState);
  set('shipment_state', patch.shipmentState);
  return columns;
}

/** Options of {@link createOrderStore}. */
export interface OrderStoreOptions {
  readonly tablePrefix?: string;
  readonly accountId: string;
  /**
   * The account's marketplaces, for a partitioned worker: the methods that take `marketplaceIds`
   * then also return rows of marketplaces outside this list (ones the account dropped, which no
   * partition owns), so they are still finished by some worker.
   */
  readonly accountMarketplaceIds?: readonly string[];
  /** ms since the epoch. Default `Date.now`. */
  readonly clock?: () => number;
}

/**
 * sellersync's record of imported orders for one account: the exactly-once guard of order import
 * (one row per account and Amazon order id, claimed with a lease before the shop order is
 * created), the import cursors and the order side of acknowledgements and shipments. Safe when
 * several importers share the database: a claim succeeds for one of them only.
 */
export interface OrderStore {
  readonly accountId: string;
  /** The rows of these Amazon order ids (missing ones are absent). */
  getMany(amazonOrderIds: readonly string[]): Promise<Map<string, ImportedOrder>>;
  get(amazonOrderId: string): Promise<ImportedOrder | null>;
  /**
   * Inserts the row of an order never seen, claimed by `claimant` for `leaseMs`, its first attempt
   * counted. Returns the row when this call created it, `null` when another importer's row was there
   * first.
   */
  claimNew(order: NewImportedOrder, claimant: string, leaseMs: number): Promise<ImportedOrder | null>;
  /** Inserts a row that is settled at once (skipped or invalid) unless a row exists already. */
  recordNew(order: NewImportedOrder, patch: ImportedOrderPatch): Promise<void>;
  /**
   * Claims an existing row unless another importer's lease on it is live, counting the attempt (so
   * an order whose import kills the process runs out of attempts too). Returns whether it did.
   */
  claim(id: number, claimant: string, leaseMs: number): Promise<boolean>;
  /**
   * Writes `patch` and ends the claim, if `claimant` still holds it. Returns whether it did. A patch
   * with `amazonUpdatedAt` clears `seenUpdatedAt` when it covers it.
   */
  settle(id: number, claimant: string, patch: ImportedOrderPatch): Promise<boolean>;
  /**
   * Writes `patch` to a row no live claim holds, ending a claim whose lease expired. Returns whether
   * it did (`false` when another importer holds the row now).
   */
  settleUnheld(id: number, patch: ImportedOrderPatch): Promise<boolean>;
  /**
   * Records that Amazon has an update of the order newer than the one applied, seen while another
   * importer held the row, so it is applied once that claim ends (`listResumable`). Keeps the newest
   * time; does nothing when the row already holds that update.
   */
  markSeen(amazonOrderId: string, updatedAt: number): Promise<void>;
  /**
   * Rows to work on again, oldest first, each with fewer than `maxAttempts` attempts: claims whose
   * lease expired in any state (an importer crashed while creating or updating the order), failures
   * due for a retry, and rows with an update seen but not applied, once no live claim holds them and
   * their backoff is over.
   */
  listResumable(maxAttempts: number, limit: number, marketplaceIds?: readonly string[]): Promise<ImportedOrder[]>;
  /**
   * Ends the expired claims of rows that spent `maxAttempts` attempts (the importer stopped each
   * time) and leaves them for a person: `ORDER_ABANDONED`, no retry; a row never imported becomes
   * `failed`, so a later update still finds its shop order. Returns them as they were.
   */
  abandonExpired(maxAttempts: number, marketplaceIds?: readonly string[]): Promise<ImportedOrder[]>;
  /** Writes fields of rows no importer holds (acknowledgement and shipment bookkeeping). */
  update(ids: readonly number[], patch: ImportedOrderPatch & { readonly ackFeedId?: string | null; readonly ackMessageId?: number | null }): Promise<number>;
  /**
   * Claims up to `limit` acknowledgements due to be sent (pending, backoff over, fewer than
   * `maxAttempts` submissions, no live claim), counting the attempt; oldest first. Of two importers
   * only one claims each row, so an acknowledgement is never in two feeds at once. Acknowledgements
   * whose claims expired `maxAttempts` times (the process died after sending) are marked `failed`.
   */
  claimAckPending(claimant: string, leaseMs: number, maxAttempts: number, limit: number, marketplaceIds?: readonly string[]): Promise<ImportedOrder[]>;
  /** Extends the lease of acknowledgements `claimant` still holds. */
  renewAck(claimant: string, ids: readonly number[], leaseMs: number): Promise<void>;
  /** Records the feed and message id of acknowledgements `claimant` holds, and ends its claim. */
  markAckSubmitted(claimant: string, feedId: string, messages: readonly { readonly id: number; readonly messageId: number }[]): Promise<void>;
  /** Writes `patch` to acknowledgements `claimant` holds and ends its claim (a failed submission). */
  releaseAck(claimant: string, ids: readonly number[], patch: AckPatch): Promise<void>;
  /** Writes a feed's result to its acknowledgements still `submitted` in that feed. */
  updateAckFeed(feedId: string, ids: readonly number[], patch: AckPatch): Promise<number>;
  /** Feed ids of acknowledgements submitted and not yet settled. */
  listAckFeeds(marketplaceIds?: readonly string[]): Promise<string[]>;
  listByAckFeed(feedId: string): Promise<ImportedOrder[]>;
  /** Imported merchant-fulfilled orders whose shipment is not fully confirmed, by id after `afterId`. */
  listShipmentOpen(afterId: number, limit: number, marketplaceIds?: readonly string[]): Promise<ImportedOrder[]>;
  getCursor(marketplaceId: string): Promise<OrderCursor | null>;
  saveCursor(cursor: OrderCursor): Promise<void>;
}

/** Opens the order store over `knex` (run `migrate` first). */
export function createOrderStore(knex: Knex, options: OrderStoreOptions): OrderStore {
  const tables = resolveTableNames(options.tablePrefix);
  const table = tables.orders;
  const accountId = options.accountId;
  const clock = options.clock ?? Date.now;
  const rows = () => knex(table).where('account_id', accountId);
  // a partitioned worker's rows: those of its marketplaces
  const of = (marketplaceIds: readonly string[] | undefined) => whereMarketplaces(rows(), marketplaceIds, options.accountMarketplaceIds);
  // an update written with its time clears the marker of an update seen but not applied, once it covers it
  const seenCovered = (patch: ImportedOrderPatch): Record<string, unknown> =>
    patch.amazonUpdatedAt === undefined
      ? {}
      : { seen_updated_at: knex.raw('case when ?? <= ? then null else ?? end', ['seen_updated_at', patch.amazonUpdatedAt, 'seen_updated_at']) };

  const newRow = (order: NewImportedOrder, now: number): Record<string, unknown> => ({
    account_id: accountId,
    marketplace_id: order.marketplaceId,
    amazon_order_id: order.amazonOrderId,
    fulfilled_by: order.fulfilledBy,
    amazon_status: order.amazonStatus,
    amazon_updated_at: order.amazonUpdatedAt,
    stock_state: 'none',
    attempts: 0,
    created_at: now,
    updated_at: now,
  });

  const store: OrderStore = {
    accountId,

    async getMany(amazonOrderIds) {
      const out = new Map<string, ImportedOrder>();
      for (const ids of chunk([...new Set(amazonOrderIds)], 500)) {
        if (ids.length === 0) continue;
        for (const row of (await rows().whereIn('amazon_order_id', ids)) as OrderRow[]) out.set(row.amazon_order_id, toImportedOrder(row));
      }
      return out;
    },

    async get(amazonOrderId) {
      const row = (await rows().where('amazon_order_id', amazonOrderId).first()) as OrderRow | undefined;
      return row ? toImportedOrder(row) : null;
    },

    async claimNew(order, claimant, leaseMs) {
      const now = clock();
      await knex(table)
        .insert({ ...newRow(order, now), state: 'claimed', claimed_by: claimant, lease_until: now + leaseMs, attempts: 1 })
        .onConflict(['account_id', 'amazon_order_id'])
        .ignore();
      // the claimant names one run of one importer, so only the run that inserted the row sees itself here
      const row = await store.get(order.amazonOrderId);
      return row !== null && row.state === 'claimed' && row.claimedBy === claimant ? row : null;
    },

    async recordNew(order, patch) {
      const now = clock();
      await knex(table)
        .insert({ ...newRow(order, now), state: 'skipped', ...patchColumns(patch) })
        .onConflict(['account_id', 'amazon_order_id'])
        .ignore();
    },

    async claim(id, claimant, leaseMs) {
      const now = clock();
      const changed = await knex(table)
        .where({ id, account_id: accountId })
        .andWhere((q) => q.whereNull('claimed_by').orWhere('lease_until', '<=', now))
        .update({ claimed_by: claimant, lease_until: now + leaseMs, attempts: knex.raw('?? + 1', ['attempts']), updated_at: now });
      return Number(changed) === 1;
    },

    async settle(id, claimant, patch) {
      const changed = await knex(table)
        .where({ id, account_id: accountId, claimed_by: claimant })
        .update({ ...patchColumns(patch), ...seenCovered(patch), claimed_by: null, lease_until: null, updated_at: clock() });
      return Number(changed) === 1;
    },

    async settleUnheld(id, patch) {
      const now = clock();
      const changed = await knex(table)
        .where({ id, account_id: accountId })
        .andWhere((q) => q.whereNull('claimed_by').orWhere('lease_until', '<=', now))
        .update({ ...patchColumns(patch), ...seenCovered(patch), claimed_by: null, lease_until: null, updated_at: now });
      return Number(changed) === 1;
    },

    async markSeen(amazonOrderId, updatedAt) {
      await rows()
        .where('amazon_order_id', amazonOrderId)
        .andWhere('amazon_updated_at', '<', updatedAt)
        .andWhere((q) => q.whereNull('seen_updated_at').orWhere('seen_updated_at', '<', updatedAt))
        .update({ seen_updated_at: updatedAt, updated_at: clock() });
    },

    async listResumable(maxAttempts, limit, marketplaceIds) {
      const now = clock();
      const unheld = (q: Knex.QueryBuilder) => q.whereNull('claimed_by').orWhere('lease_until', '<=', now);
      const list = (await of(marketplaceIds)
        .andWhere((q) =>
          q
            .where((c) => c.whereNotNull('claimed_by').andWhere('lease_until', '<=', now).andWhere('attempts', '<', maxAttempts))
            .orWhere((f) => f.whereNotNull('next_attempt_at').andWhere('next_attempt_at', '<=', now).andWhere('attempts', '<', maxAttempts).andWhere(unheld))
            .orWhere((s) =>
              s
                .whereNotNull('seen_updated_at')
                .andWhereRaw('?? > ??', ['seen_updated_at', 'amazon_updated_at'])
                .andWhere('attempts', '<', maxAttempts)
                .andWhere((d) => d.whereNull('next_attempt_at').orWhere('next_attempt_at', '<=', now))
                .andWhere(unheld),
            ),
        )
        .orderBy('id')
        .limit(limit)) as OrderRow[];
      return list.map(toImportedOrder);
    },

    async abandonExpired(maxAttempts, marketplaceIds) {
      const now = clock();
      const expired = (q: Knex.QueryBuilder) => q.whereNotNull('claimed_by').andWhere('lease_until', '<=', now).andWhere('attempts', '>=', maxAttempts);
      const found = ((await expired(of(marketplaceIds)).orderBy('id').limit(1000)) as OrderRow[]).map(toImportedOrder);
      if (found.length === 0) return [];
      const message = `Its import or update was started ${maxAttempts} time(s) and the importer stopped each time (a crash, a killed process); left for a person: check its shop order and stock.`;
      for (const part of chunk(found.map((row) => row.id), 500))
        await expired(rows().whereIn('id', part)).update({
          state: knex.raw('case when ?? = ? then ? else ?? end', ['state', 'claimed', 'failed', 'state']),
          claimed_by: null,
          lease_until: null,
          next_attempt_at: null,
          last_error_code: 'ORDER_ABANDONED',
          last_error_message: message,
          updated_at: now,
        });
      return found;
    },

    async update(ids, patch) {
      let changed = 0;
      const columns = { ...patchColumns(patch), updated_at: clock() } as Record<string, unknown>;
      if (patch.ackFeedId !== undefined) columns['ack_feed_id'] = patch.ackFeedId;
      if (patch.ackMessageId !== undefined) columns['ack_message_id'] = patch.ackMessageId;
      for (const part of chunk(ids, 500)) changed += Number(await rows().whereIn('id', part).update(columns));
      return changed;
    },

    async claimAckPending(claimant, leaseMs, maxAttempts, limit, marketplaceIds) {
      const now = clock();
      const unheld = (q: Knex.QueryBuilder) => q.whereNull('ack_claimed_by').orWhere('ack_lease_until', '<=', now);
      await of(marketplaceIds)
        .where({ ack_state: 'pending' })
        .whereNotNull('ack_claimed_by')
        .andWhere('ack_lease_until', '<=', now)
        .andWhere('ack_attempts', '>=', maxAttempts)
        .update({
          ack_state: 'failed',
          ack_claimed_by: null,
          ack_lease_until: null,
          last_error_code: 'ACKNOWLEDGEMENT_ABANDONED',
          last_error_message: `The acknowledgement was sent ${maxAttempts} times without its outcome being recorded (the importer stopped each time); it is left for a person.`,
          updated_at: now,
        });
      const due = (q: Knex.QueryBuilder) =>
        q
          .where({ ack_state: 'pending', state: 'imported' })
          .andWhere('ack_attempts', '<', maxAttempts)
          .andWhere((d) => d.whereNull('ack_next_attempt_at').orWhere('ack_next_attempt_at', '<=', now))
          .andWhere(unheld);
      const ids = ((await due(of(marketplaceIds).select('id')).orderBy('id').limit(limit)) as { id: number | string }[]).map((r) => toNumber(r.id));
      if (ids.length === 0) return [];
      for (const part of chunk(ids, 500))
        await due(rows().whereIn('id', part)).update({ ack_claimed_by: claimant, ack_lease_until: now + leaseMs, ack_attempts: knex.raw('ack_attempts + 1'), updated_at: now });
      const claimed: ImportedOrder[] = [];
      for (const part of chunk(ids, 500))
        claimed.push(...((await rows().whereIn('id', part).andWhere({ ack_claimed_by: claimant, ack_state: 'pending' }).orderBy('id')) as OrderRow[]).map(toImportedOrder));
      return claimed;
    },

    async renewAck(claimant, ids, leaseMs) {
      const now = clock();
      for (const part of chunk(ids, 500))
        if (part.length > 0) await rows().whereIn('id', part).andWhere({ ack_claimed_by: claimant, ack_state: 'pending' }).update({ ack_lease_until: now + leaseMs });
    },

    async markAckSubmitted(claimant, feedId, messages) {
      const now = clock();
      for (const part of chunk(messages, 500)) {
        if (part.length === 0) continue;
        await rows()
          .whereIn('id', part.map((m) => m.id))
          .andWhere('ack_claimed_by', claimant)
          .update({
            ack_state: 'submitted',
            ack_feed_id: feedId,
            ack_message_id: valueById(knex, part.map((m) => ({ id: m.id, value: m.messageId }))),
            ack_claimed_by: null,
            ack_lease_until: null,
            updated_at: now,
          });
      }
    },

    async releaseAck(claimant, ids, patch) {
      for (const part of chunk(ids, 500))
        if (part.length > 0)
          await rows().whereIn('id', part).andWhere('ack_claimed_by', claimant).update({ ...ackColumns(patch), ack_claimed_by: null, ack_lease_until: null, updated_at: clock() });
    },

    async updateAckFeed(feedId, ids, patch) {
      let changed = 0;
      for (const part of chunk(ids, 500))
        if (part.length > 0) changed += Number(await rows().whereIn('id', part).andWhere({ ack_state: 'submitted', ack_feed_id: feedId }).update({ ...ackColumns(patch), updated_at: clock() }));
      return changed;
    },

    async listAckFeeds(marketplaceIds) {
      const list = (await of(marketplaceIds).where('ack_state', 'submitted').whereNotNull('ack_feed_id').distinct('ack_feed_id')) as { ack_feed_id: string }[];
      return list.map((row) => row.ack_feed_id);
    },

    async listByAckFeed(feedId) {
      return ((await rows().where({ ack_feed_id: feedId, ack_state: 'submitted' }).orderBy('id')) as OrderRow[]).map(toImportedOrder);
    },

    async listShipmentOpen(afterId, limit, marketplaceIds) {
      return ((await of(marketplaceIds)
        .where({ shipment_state: 'open', state: 'imported', fulfilled_by: 'merchant' })
        .andWhere('id', '>', afterId)
        .orderBy('id')
        .limit(limit)) as OrderRow[]).map(toImportedOrder);
    },

    async getCursor(marketplaceId) {
      const row = (await knex(tables.orderCursors).where({ account_id: accountId, marketplace_id: marketplaceId }).first()) as
        | { marketplace_id: string; last_updated_after: string; window_after: string | null; window_before: string | null; page_token: string | null; pages: number | string }
        | undefined;
      if (!row) return null;
      return {
        marketplaceId: row.marketplace_id,
        lastUpdatedAfter: row.last_updated_after,
        windowAfter: row.window_after,
        windowBefore: row.window_before,
        pageToken: row.page_token,
        pages: toNumber(row.pages),
      };
    },

    async saveCursor(cursor) {
      const values = {
        last_updated_after: cursor.lastUpdatedAfter,
        window_after: cursor.windowAfter,
        window_before: cursor.windowBefore,
        page_token: cursor.pageToken,
        pages: cursor.pages,
        updated_at: clock(),
      };
      await knex(tables.orderCursors)
        .insert({ account_id: accountId, marketplace_id: cursor.marketplaceId, ...values })
        .onConflict(['account_id', 'marketplace_id'])
        .merge(values);
    },
  };
  return store;
}
