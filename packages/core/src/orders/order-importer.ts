import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { max as latest, sub } from 'date-fns';
import type { Knex } from 'knex';
import type { AmazonFulfillmentStatus, AmazonGateway, AmazonOrder, AmazonOrderIncludedData, SearchOrdersQuery } from '../amazon-gateway';
import { enqueueChange, type ChangeInput } from '../change-log';
import { SellerSyncError } from '../errors';
import { createSafeLogger, type Logger, type SafeLogger } from '../logger';
import { createProductMappings, createProductMatcher, type MatchResult, type ProductMatcher } from '../matching';
import { hasCapability, requireCapability, type ShopAdapter } from '../shop-adapter';
import { XML_FEED_CONTENT_TYPE, parseProcessingReport, readProcessingOutcome } from './amazon-xml-feed';
import { groupBy } from './group-by';
import { keepLeaseAlive } from './keep-lease-alive';
import { buildOrderAcknowledgementFeed, ORDER_ACKNOWLEDGEMENT_FEED_TYPE } from './order-acknowledgement-feed';
import {
  amazonOrderStatus,
  isFbaOrder,
  mapAmazonOrder,
  orderLineCandidates,
  type OrderStockLine,
} from './order-mapper';
import {
  SUMMARY_LIST_LIMIT,
  createOrderImportRuns,
  type MarketplaceImportReport,
  type OrderErrorReport,
  type OrderImportRuns,
  type OrderImportSummary,
  type OrderSkipReason,
  type OrderWarningReport,
  type SkippedOrderReport,
} from './order-import-runs';
import { createOrderStore, type AckPatch, type ImportedOrder, type ImportedOrderPatch, type OrderStockState, type OrderStore } from './order-store';
import { resolveOrdersOptions, type OrdersOptions, type ResolvedOrdersOptions } from './orders-options';
import { validateAmazonOrder } from './validate-amazon-order';

/**
 * What `searchOrders` and `getOrder` ask Amazon to include, so no per-order call is needed; PAYMENT
 * carries the payment method that `payment.methodMap` maps.
 */
export const ORDER_INCLUDED_DATA: readonly AmazonOrderIncludedData[] = ['BUYER', 'RECIPIENT', 'PROCEEDS', 'FULFILLMENT', 'PACKAGES', 'PAYMENT'];

/** Options of {@link createOrderImporter}. */
export interface OrderImporterOptions {
  /** Where sellersync's tables are (run `migrate` first). */
  readonly db: Knex;
  readonly shop: ShopAdapter;
  readonly gateway: AmazonGateway;
  /** The seller account the orders belong to. */
  readonly accountId: string;
  readonly tablePrefix?: string;
  readonly orders?: OrdersOptions;
  /**
   * The marketplaces this worker works on (`createSellerSync({ partition })`), among the gateway's
   * (the account's). Orders are imported from them by default (`orders.marketplaceIds` must be among
   * them), and only their orders are resumed, retried and acknowledged, so partitioned workers never
   * spend one `searchOrders`/`getOrder` quota twice. Default: every marketplace of the account.
   */
  readonly partition?: readonly string[];
  /** A stable name of this worker process. Default: host name and process id. */
  readonly workerId?: string;
  readonly logger?: Logger;
  /** ms since the epoch. Default `Date.now`. */
  readonly clock?: () => number;
  /** The product matcher. Default: `createProductMatcher` over the shop and the mapping table, with `orders.matchBy`. */
  readonly matcher?: ProductMatcher;
}

/** Options of one import run. */
export interface ImportOrdersRunOptions {
  /**
   * Stops the run between two orders. The cursor stays at the page in progress, so the next run
   * resumes there: orders already imported are recognised, none is skipped.
   */
  readonly signal?: AbortSignal;
}

/** Imports one account's Amazon orders into the shop; see {@link createOrderImporter}. */
export interface OrderImporter {
  readonly options: ResolvedOrdersOptions;
  readonly store: OrderStore;
  readonly runs: OrderImportRuns;
  /** One import run: retries due, every marketplace's new updates, acknowledgements. */
  importOrders(options?: ImportOrdersRunOptions): Promise<OrderImportSummary>;
  /**
   * The summary of the latest run that ended, with the runs still in progress in `running` (the
   * latest running one before any has ended), or `null` before the first.
   */
  lastSummary(): Promise<OrderImportSummary | null>;
}

type StockIntent = 'hold' | 'sell' | 'return';

/** What an Amazon status means for the shop's stock. */
function stockIntent(status: AmazonFulfillmentStatus): StockIntent {
  switch (status) {
    case 'PENDING':
    case 'PENDING_AVAILABILITY':
      return 'hold';
    case 'CANCELLED':
    case 'UNFULFILLABLE':
      return 'return';
    default:
      return 'sell';
  }
}

const isCancelled = (status: string) => status === 'CANCELLED' || status === 'UNFULFILLABLE';

/** Whether a stock step from `before` to `after` changed the sellable quantity (committing a reservation does not). */
const sellableMoved = (before: OrderStockState, after: OrderStockState) => before !== after && !(before === 'reserved' && after === 'committed');

/** A claim whose lease ran out: its importer crashed or stopped. */
const isAbandoned = (row: ImportedOrder, now: number) => row.claimedBy !== null && row.leaseUntil !== null && row.leaseUntil <= now;

interface RunState {
  readonly claimant: string;
  seen: number;
  imported: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  readonly skippedOrders: SkippedOrderReport[];
  readonly errors: OrderErrorReport[];
  readonly warnings: OrderWarningReport[];
  readonly acknowledgements: { submitted: number; acknowledged: number; failed: number };
}

const pushCapped = <T>(list: T[], item: T) => {
  if (list.length < SUMMARY_LIST_LIMIT) list.push(item);
};

/** A failure's stable code: sellersync's, or `fallback` for anything else (a shop adapter's own error). */
function errorCode(error: unknown, fallback = 'SHOP_ADAPTER_FAILED'): string {
  return SellerSyncError.isInstance(error) ? error.code : fallback;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Imports Amazon orders (Orders 2026-01-01 `searchOrders`) into the shop through its adapter,
 * exactly once per Amazon order id:
 *
 * - per marketplace, incrementally by `lastUpdatedAfter` from a stored cursor (the window's
 *   `lastUpdatedBefore` minus an overlap), every page, with buyer, recipient, proceeds,
 *   fulfilment and packages included so no per-order call is needed;
 * - each order's row is claimed (with a lease) before `createOrder`, which is idempotent by the
 *   Amazon order id as a second guard, so racing importers create each order once and a crash
 *   between the two is resumed by the next run;
 * - later updates change the shop status and stock, never create a second order; updates not
 *   newer than the one applied are ignored;
 * - Pending merchant-fulfilled orders reserve stock, which becomes the sale when Amazon moves the
 *   order on and comes back if it is cancelled; FBA orders never move stock;
 * - stock it moved is queued as an `offer` change of the shop SKUs (every marketplace of the
 *   account, `queueStockChanges`) before the order's row is settled, so a crash in between is
 *   repeated by whoever takes the claim over;
 * - malformed orders are reported with the reason and the rest imports; every run's summary is
 *   kept for `status()`.
 */
export function createOrderImporter(importerOptions: OrderImporterOptions): OrderImporter {
  const { db, shop, gateway, accountId } = importerOptions;
  const options = resolveOrdersOptions(importerOptions.orders, gateway.marketplaceIds, importerOptions.partition);
  /**
   * The rows a partitioned importer resumes, retries and acknowledges: its partition's (a filter of
   * the store's), else all. Its partition's, not only those it searches (`orders.marketplaceIds`
   * may be narrower): no other worker would finish them.
   */
  const partition = importerOptions.partition;
  const own = partition ? gateway.marketplaceIds.filter((id) => partition.includes(id)) : undefined;
  const clock = importerOptions.clock ?? Date.now;
  const logger: SafeLogger = createSafeLogger(importerOptions.logger);
  const workerId = importerOptions.workerId ?? `${hostname()}:${process.pid}`;
  // a partitioned importer also finishes the orders of marketplaces the account dropped (no partition owns them)
  const store = createOrderStore(db, { tablePrefix: importerOptions.tablePrefix, accountId, clock, accountMarketplaceIds: partition ? gateway.marketplaceIds : undefined });
  const runs = createOrderImportRuns(db, { tablePrefix: importerOptions.tablePrefix, accountId });
  let matcher = importerOptions.matcher;
  const getMatcher = (): ProductMatcher => {
    matcher ??= createProductMatcher({
      adapter: shop,
      mappings: createProductMappings(db, { tablePrefix: importerOptions.tablePrefix, accountId }),
      priority: options.matchBy,
    });
    return matcher;
  };
  const useReservations = () => hasCapability(shop, 'stockReservations');
  const reservationId = (amazonOrderId: string) => `amazon:${accountId}:${amazonOrderId}`;
  const movementId = (amazonOrderId: string, line: OrderStockLine, kind: 'take' | 'restore') =>
    `amazon:${accountId}:${amazonOrderId}:${line.orderItemId}:${kind}`;
  let placeholderRef: Promise<{ productRef: string }> | null = null;
  const placeholder = hasCapability(shop, 'placeholderProduct')
    ? () => {
        placeholderRef ??= shop.ensurePlaceholderProduct!({ key: 'amazon-fba', name: options.fbaPlaceholderName }).catch((error: unknown) => {
          placeholderRef = null;
          throw error;
        });
        return placeholderRef;
      }
    : null;

  const retryDelay = (attempts: number) => Math.min(24 * 3600_000, options.retryBaseMs * 2 ** Math.max(0, attempts - 1));

  /** Moves the shop's stock from `current` to what `status` needs; every step is idempotent by id. */
  async function moveStock(
    amazonOrderId: string,
    current: OrderStockState,
    status: AmazonFulfillmentStatus,
    lines: readonly OrderStockLine[],
    warnings: string[],
    uncertain = false,
  ): Promise<OrderStockState> {
    // stock given back is final: a cancelled order never takes stock again
    if (current === 'released' || current === 'restored') return current;
    const intent = stockIntent(status);
    // after a crash stock may have moved before the row recorded it: take (idempotent) and give back, netting zero either way
    if (current === 'none' && intent === 'return' && uncertain && lines.length > 0) {
      const taken = await moveStock(amazonOrderId, 'none', 'UNSHIPPED', lines, warnings);
      return moveStock(amazonOrderId, taken, status, lines, warnings);
    }
    const reservations = current === 'reserved' || current === 'committed' || (current === 'none' && useReservations());
    if (reservations) {
      const id = reservationId(amazonOrderId);
      const reservation = { reservationId: id, lines: lines.map((l) => ({ productRef: l.productRef, variantRef: l.variantRef, quantity: l.quantity })) };
      if (current === 'none' && intent === 'return') return 'none';
      if (current === 'none') await shop.reserveStock!(reservation);
      if (intent === 'hold') return current === 'committed' ? 'committed' : 'reserved';
      if (intent === 'sell') {
        await shop.commitStockReservation!(id);
        return 'committed';
      }
      await shop.releaseStockReservation!(id);
      return 'released';
    }
    if (current === 'none' && intent === 'return') return 'none';
    if (current === 'none') {
      const result = await shop.adjustStock!(lines.map((l) => ({ movementId: movementId(amazonOrderId, l, 'take'), productRef: l.productRef, variantRef: l.variantRef, delta: -l.quantity })));
      if (result.unknown.length > 0) warnings.push(`Stock not taken for unknown products (movements ${result.unknown.join(', ')}).`);
      return 'taken';
    }
    if (intent !== 'return') return current;
    const result = await shop.adjustStock!(lines.map((l) => ({ movementId: movementId(amazonOrderId, l, 'restore'), productRef: l.productRef, variantRef: l.variantRef, delta: l.quantity })));
    if (result.unknown.length > 0) warnings.push(`Stock not given back for unknown products (movements ${result.unknown.join(', ')}).`);
    return 'restored';
  }

  /**
   * Queues an `offer` change (every marketplace of the account) of the shop SKUs of `lines`, one
   * statement per order, after their sellable stock moved from `before` to `after`. Runs before the
   * row is settled: a process that dies between the stock step and this call leaves its claim, and
   * the importer that takes it over repeats the (idempotent) stock step and this call. `current`:
   * look the SKUs up in the shop now (an update, maybe long after the import; the SKU may have been
   * renamed) rather than use the ones the lines were imported with.
   */
  async function queueStockChanges(lines: readonly OrderStockLine[], before: OrderStockState, after: OrderStockState, warnings: string[], current: boolean) {
    if (!options.queueStockChanges || lines.length === 0 || !sellableMoved(before, after)) return;
    let skus: { sku: string; productRef: string }[];
    if (current) {
      const wanted = new Set(lines.map((l) => JSON.stringify([l.productRef, l.variantRef])));
      const products = await shop.findProducts({ productRefs: [...new Set(lines.map((l) => l.productRef))] });
      skus = products.filter((p) => wanted.has(JSON.stringify([p.productRef, p.variantRef]))).map((p) => ({ sku: p.sku, productRef: p.productRef }));
    } else skus = lines.flatMap((l) => (l.sku === undefined ? [] : [{ sku: l.sku, productRef: l.productRef }]));
    if (skus.length === 0) return;
    const changes: ChangeInput[] = skus.map(({ sku, productRef }) => ({ sku, kind: 'offer', productRef, accountId }));
    const { rejected } = await enqueueChange(db, changes, { tablePrefix: importerOptions.tablePrefix, onInvalid: 'skip' });
    for (const { error } of rejected)
      warnings.push(`The stock this order moved is not queued for Amazon: ${error.message}`);
  }

  function skipReasonFor(order: AmazonOrder, marketplaceId: string, isNew: boolean): { reason: OrderSkipReason; message: string } | null {
    if (order.salesChannel?.channelName === 'NON_AMAZON')
      return { reason: 'non-amazon-channel', message: `Amazon order ${order.orderId} is a Multi-Channel Fulfillment order placed outside Amazon; it is not imported.` };
    if (isFbaOrder(order) && !options.importFba)
      return { reason: 'fba-disabled', message: `Amazon order ${order.orderId} is fulfilled by Amazon (FBA) and importFba is off.` };
    const orderMarketplace = order.salesChannel?.marketplaceId ?? marketplaceId;
    // an order the shop has is finished (status, stock) whatever the marketplace: only new ones are skipped
    if (isNew && !options.marketplaceIds.includes(orderMarketplace))
      return { reason: 'marketplace-not-imported', message: `Amazon order ${order.orderId} is from marketplace ${orderMarketplace}, which this account does not import.` };
    if (isNew && isCancelled(amazonOrderStatus(order)))
      return { reason: 'cancelled-before-import', message: `Amazon order ${order.orderId} was cancelled before it was imported; there is nothing to fulfil.` };
    return null;
  }

  /** The shop's order of an Amazon order, or `null` (also when the shop cannot say: the caller goes on as if absent). */
  async function findShopOrder(amazonOrderId: string): Promise<{ orderRef: string } | null> {
    try {
      return await shop.findOrderByExternalId!(amazonOrderId);
    } catch (error) {
      logger.warn({ amazonOrderId, code: errorCode(error) }, `Looking up the shop order of Amazon order ${amazonOrderId} failed: ${logger.redact(errorMessage(error))}`);
      return null;
    }
  }

  function reportError(run: RunState, amazonOrderId: string | null, marketplaceId: string, code: string, message: string, willRetry: boolean) {
    run.failed += 1;
    const report: OrderErrorReport = { amazonOrderId, marketplaceId, code, message: logger.redact(message), willRetry };
    pushCapped(run.errors, report);
    logger.warn({ amazonOrderId, marketplaceId, code }, report.message);
  }

  function recordError(run: RunState, amazonOrderId: string | null, marketplaceId: string, error: unknown, willRetry: boolean) {
    reportError(run, amazonOrderId, marketplaceId, errorCode(error), errorMessage(error), willRetry);
  }

  /**
   * Creates the shop order of an order this run holds the claim of (new, skipped before, failed, or
   * taken over). `matches`: the matcher's answers for its lines, `null` when the page did not ask.
   * `inserted`: this run inserted the row just now, so nothing can have moved stock yet, with what
   * it knows of the shop order (`inShop`: asked only for an order Amazon cancelled).
   */
  async function importClaimed(
    run: RunState,
    order: AmazonOrder,
    row: ImportedOrder,
    matches: readonly MatchResult[] | null,
    marketplaceId: string,
    inserted: { readonly inShop: boolean } | null = null,
  ) {
    const status = amazonOrderStatus(order);
    const base: ImportedOrderPatch = {
      marketplaceId: order.salesChannel?.marketplaceId ?? marketplaceId,
      fulfilledBy: isFbaOrder(order) ? 'amazon' : 'merchant',
      amazonStatus: status,
      amazonUpdatedAt: Date.parse(order.lastUpdatedTime),
    };
    let createdRef: string | null = null;
    const settleSkipped = async (skip: { readonly reason: OrderSkipReason; readonly message: string }) => {
      await store.settle(row.id, run.claimant, { ...base, state: 'skipped', reason: skip.reason, nextAttemptAt: null, attempts: 0, lastErrorCode: null, lastErrorMessage: null });
      run.skipped += 1;
      pushCapped(run.skippedOrders, { amazonOrderId: order.orderId, marketplaceId: base.marketplaceId!, reason: skip.reason, message: skip.message });
    };
    try {
      // an earlier attempt (failed, or crashed after createOrder) or the shop itself may have created the shop order already;
      // of a row inserted just now the shop is asked only when its answer changes what is done (createOrder finds it anyway)
      let inShop = inserted ? inserted.inShop : row.shopOrderRef !== null || (await shop.findOrderByExternalId!(order.orderId)) !== null;
      const skip = skipReasonFor(order, marketplaceId, !inShop);
      if (skip) return await settleSkipped(skip);
      const lineMatches = matches ?? (await matchPage([order], marketplaceId))[0] ?? [];
      // a shop order that exists is finished, never skipped by option; availability is judged only while nothing can have moved stock
      const map = () => mapAmazonOrder(order, { accountId, options, matches: lineMatches, marketplaceId, placeholder, inShop, checkAvailability: !inShop && row.stockState === 'none' });
      let mapped = await map();
      if (mapped.outcome === 'skip' && inserted && !inShop && (await shop.findOrderByExternalId!(order.orderId)) !== null) {
        // the shop has it although sellersync had no record (an earlier install, a restored database)
        inShop = true;
        mapped = await map();
      }
      if (mapped.outcome === 'skip') return await settleSkipped(mapped);
      // stock may have moved before the row recorded it
      const uncertain = !inserted || inShop;
      const created = await shop.createOrder!(mapped.draft);
      createdRef = created.orderRef;
      const warnings = [...mapped.warnings];
      const fba = mapped.fulfilledBy === 'amazon';
      const stockLines = fba ? [] : mapped.stockLines;
      const stockState = fba ? 'none' : await moveStock(order.orderId, row.stockState, status, stockLines, warnings, uncertain);
      if (created.status !== mapped.draft.status && !created.created) await shop.updateOrderStatus!(created.orderRef, mapped.draft.status);
      await queueStockChanges(stockLines, row.stockState, stockState, warnings, false);
      const settled = await store.settle(row.id, run.claimant, {
        ...base,
        state: 'imported',
        shopOrderRef: created.orderRef,
        shopStatus: mapped.draft.status,
        stockState,
        stockLines,
        orderItems: order.orderItems.map((item) => ({ orderItemId: item.orderItemId, quantity: item.quantityOrdered })),
        warnings,
        reason: null,
        attempts: 0,
        nextAttemptAt: null,
        lastErrorCode: null,
        lastErrorMessage: null,
        ackState: options.acknowledge && !fba ? 'pending' : null,
        shipmentState: fba ? null : isCancelled(status) || status === 'SHIPPED' ? 'closed' : 'open',
      });
      if (!settled) logger.warn({ amazonOrderId: order.orderId }, `Amazon order ${order.orderId}: another importer took the order over; it keeps the one shop order ${created.orderRef}.`);
      run.imported += 1;
      for (const message of warnings) pushCapped(run.warnings, { amazonOrderId: order.orderId, message });
    } catch (error) {
      // counted when the row was claimed
      const attempts = row.attempts;
      const willRetry = attempts < options.maxAttempts;
      // failed, not skipped or invalid: the retry then knows a shop order may exist
      await store.settle(row.id, run.claimant, {
        state: 'failed',
        ...(createdRef !== null ? { shopOrderRef: createdRef } : {}),
        attempts,
        nextAttemptAt: willRetry ? clock() + retryDelay(attempts) : null,
        lastErrorCode: errorCode(error),
        lastErrorMessage: logger.redact(errorMessage(error)),
      });
      recordError(run, order.orderId, marketplaceId, error, willRetry);
    }
  }

  /** Applies a newer Amazon state to an imported order: status and stock, never a second order. */
  async function updateClaimed(run: RunState, order: AmazonOrder, row: ImportedOrder) {
    const status = amazonOrderStatus(order);
    const updatedAt = Date.parse(order.lastUpdatedTime);
    try {
      if (status === row.amazonStatus) {
        await store.settle(row.id, run.claimant, { amazonUpdatedAt: Math.max(updatedAt, row.amazonUpdatedAt), attempts: 0, nextAttemptAt: null, lastErrorCode: null, lastErrorMessage: null });
        run.unchanged += 1;
        return;
      }
      const fba = row.fulfilledBy === 'amazon';
      const shopStatus = (fba ? options.fbaStatusMap : options.statusMap)[status];
      const warnings: string[] = [];
      const stockState = fba ? 'none' : await moveStock(order.orderId, row.stockState, status, row.stockLines, warnings);
      if (row.shopOrderRef !== null && shopStatus !== row.shopStatus) await shop.updateOrderStatus!(row.shopOrderRef, shopStatus);
      await queueStockChanges(row.stockLines, row.stockState, stockState, warnings, true);
      await store.settle(row.id, run.claimant, {
        amazonStatus: status,
        amazonUpdatedAt: Math.max(updatedAt, row.amazonUpdatedAt),
        shopStatus,
        stockState,
        warnings: [...row.warnings, ...warnings],
        attempts: 0,
        nextAttemptAt: null,
        lastErrorCode: null,
        lastErrorMessage: null,
        // cancelled, or shipped in full at Amazon: nothing is left to confirm
        ...((isCancelled(status) || status === 'SHIPPED') && row.shipmentState === 'open' ? { shipmentState: 'closed' as const } : {}),
        ...(isCancelled(status) && row.ackState === 'pending' ? { ackState: null } : {}),
      });
      run.updated += 1;
      for (const message of warnings) pushCapped(run.warnings, { amazonOrderId: order.orderId, message });
    } catch (error) {
      const attempts = row.attempts;
      const willRetry = attempts < options.maxAttempts;
      await store.settle(row.id, run.claimant, {
        attempts,
        nextAttemptAt: willRetry ? clock() + retryDelay(attempts) : null,
        lastErrorCode: errorCode(error),
        lastErrorMessage: logger.redact(errorMessage(error)),
      });
      recordError(run, order.orderId, row.marketplaceId, error, willRetry);
    }
  }

  /**
   * Whether a row needs work for Amazon's state of `updatedAt`: a newer update, a retry due, an
   * unfinished import this run holds the claim of (`held`: that claim counted an attempt), or a
   * crashed importer's claim, in any state (finished, or at least ended). Within `maxAttempts`: an
   * expired claim that spent them is left to `abandonExpired`.
   */
  function needsWork(row: ImportedOrder, updatedAt: number, now: number, held: boolean): boolean {
    const attempts = held ? row.attempts - 1 : row.attempts;
    return (
      updatedAt > row.amazonUpdatedAt ||
      (row.nextAttemptAt !== null && row.nextAttemptAt <= now && attempts < options.maxAttempts) ||
      (held ? row.state === 'claimed' : isAbandoned(row, now) && attempts < options.maxAttempts)
    );
  }

  /**
   * Decides what an order needs and does it; `row` is sellersync's record, if any. `resumed`: the
   * row was due for work (`listResumable`) and the order was fetched for it.
   */
  async function processOrder(run: RunState, order: AmazonOrder, row: ImportedOrder | undefined, matches: readonly MatchResult[] | null, marketplaceId: string, resumed = false) {
    run.seen += 1;
    const problem = validateAmazonOrder(order);
    const orderId = typeof order?.orderId === 'string' && order.orderId !== '' ? order.orderId : null;
    if (problem && row && resumed) {
      // the work the row is due for (an expired claim, a retry, an update seen) cannot be done with
      // this data: an attempt, backed off, or every run would fetch the order again
      const attempts = row.attempts + 1;
      const willRetry = attempts < options.maxAttempts;
      await store.settleUnheld(row.id, {
        ...(row.state === 'claimed' || row.state === 'failed' ? { state: 'invalid' as const } : {}),
        attempts,
        nextAttemptAt: willRetry ? clock() + retryDelay(attempts) : null,
        lastErrorCode: problem.code,
        lastErrorMessage: problem.message,
      });
      recordError(run, orderId, marketplaceId, problem, willRetry);
      return;
    }
    if (problem) {
      // a claim a crashed importer left on an order whose data is bad now: end it, or every run would fetch it again
      if (row && isAbandoned(row, clock()))
        await store.settleUnheld(row.id, {
          ...(row.state === 'claimed' || row.state === 'failed' ? { state: 'invalid' as const } : {}),
          lastErrorCode: problem.code,
          lastErrorMessage: problem.message,
        });
      const problemTime = Date.parse(order.lastUpdatedTime);
      if (row && !Number.isNaN(problemTime) && problemTime <= row.amazonUpdatedAt) {
        // the same bad data seen again (overlapping windows) was reported when it arrived
        run.unchanged += 1;
        return;
      }
      if (row && row.state === 'invalid' && !Number.isNaN(problemTime))
        await store.update([row.id], { amazonUpdatedAt: problemTime, lastErrorCode: problem.code, lastErrorMessage: problem.message });
      if (orderId !== null && !row && problem.details.field !== 'orderId' && problem.details.field !== 'lastUpdatedTime') {
        await store.recordNew(
          { marketplaceId, amazonOrderId: orderId, fulfilledBy: isFbaOrder(order) ? 'amazon' : 'merchant', amazonStatus: order.fulfillment?.fulfillmentStatus ?? 'PENDING', amazonUpdatedAt: Date.parse(order.lastUpdatedTime) },
          { state: 'invalid', lastErrorCode: problem.code, lastErrorMessage: problem.message },
        );
      }
      recordError(run, orderId, marketplaceId, problem, false);
      return;
    }
    const updatedAt = Date.parse(order.lastUpdatedTime);
    const now = clock();
    if (!row) {
      const skip = skipReasonFor(order, marketplaceId, true);
      const fresh = {
        marketplaceId: order.salesChannel?.marketplaceId ?? marketplaceId,
        amazonOrderId: order.orderId,
        fulfilledBy: isFbaOrder(order) ? ('amazon' as const) : ('merchant' as const),
        amazonStatus: amazonOrderStatus(order),
        amazonUpdatedAt: updatedAt,
      };
      // a cancelled order sellersync never saw may still be in the shop (its record was lost): then it is cancelled there
      const inShop = skip?.reason === 'cancelled-before-import' ? await findShopOrder(order.orderId) : null;
      if (skip && inShop === null) {
        await store.recordNew(fresh, { state: 'skipped', reason: skip.reason });
        run.skipped += 1;
        pushCapped(run.skippedOrders, { amazonOrderId: order.orderId, marketplaceId: fresh.marketplaceId, ...skip });
        return;
      }
      const claimed = await store.claimNew(fresh, run.claimant, options.leaseMs);
      if (!claimed) {
        // another importer inserted it first and is working on it; if it holds an older state, this one is applied after it
        await store.markSeen(order.orderId, updatedAt);
        run.unchanged += 1;
        return;
      }
      await importClaimed(run, order, claimed, matches, marketplaceId, { inShop: inShop !== null });
      return;
    }
    if (!needsWork(row, updatedAt, now, false)) {
      run.unchanged += 1;
      return;
    }
    if (!(await store.claim(row.id, run.claimant, options.leaseMs))) {
      // another importer holds the order (maybe applying an older state, maybe dead): this update is applied after its claim
      if (updatedAt > row.amazonUpdatedAt) await store.markSeen(order.orderId, updatedAt);
      run.unchanged += 1;
      return;
    }
    // another importer may have applied this very update between our read and our claim
    const fresh = await store.get(order.orderId);
    if (!fresh || !needsWork(fresh, updatedAt, now, true)) {
      // nothing was attempted: the attempt the claim counted is taken back
      if (fresh) await store.settle(fresh.id, run.claimant, { attempts: Math.max(0, fresh.attempts - 1) });
      run.unchanged += 1;
      return;
    }
    if (fresh.state === 'imported') await updateClaimed(run, order, fresh);
    else await importClaimed(run, order, fresh, matches, marketplaceId);
  }

  /** Matches the lines of a page of orders in one matcher call; orders not `wanted` (or malformed) get `null`. */
  async function matchPage(orders: readonly AmazonOrder[], marketplaceId: string, wanted?: readonly boolean[]): Promise<(MatchResult[] | null)[]> {
    const sound = orders.map((order, index) => (wanted?.[index] ?? true) && validateAmazonOrder(order) === null);
    const candidates = orders.flatMap((order, index) => (sound[index] ? orderLineCandidates(order, marketplaceId) : []));
    const results = candidates.length === 0 ? [] : await getMatcher().match(candidates);
    let offset = 0;
    return orders.map((order, index) => {
      if (!sound[index]) return null;
      const slice = results.slice(offset, offset + order.orderItems.length);
      offset += order.orderItems.length;
      return slice;
    });
  }

  async function processPage(run: RunState, orders: readonly AmazonOrder[], marketplaceId: string, signal: AbortSignal | undefined): Promise<boolean> {
    const rows = await store.getMany(orders.map((o) => o?.orderId).filter((id): id is string => typeof id === 'string'));
    // only orders that may need the shop are matched (one that turns out to need it is matched on its own)
    const now = clock();
    const wanted = orders.map((order) => {
      const row = typeof order?.orderId === 'string' ? rows.get(order.orderId) : undefined;
      return !row || needsWork(row, Date.parse(order.lastUpdatedTime), now, false);
    });
    const matches = await matchPage(orders, marketplaceId, wanted);
    for (const [index, order] of orders.entries()) {
      if (signal?.aborted) return false;
      await processOrder(run, order, typeof order?.orderId === 'string' ? rows.get(order.orderId) : undefined, matches[index] ?? null, marketplaceId);
    }
    return true;
  }

  /** Orders whose import was interrupted (expired claims) or failed and is due again: fetched one by one. */
  async function resume(run: RunState, signal: AbortSignal | undefined) {
    for (const row of await store.abandonExpired(options.maxAttempts, own))
      reportError(run, row.amazonOrderId, row.marketplaceId, 'ORDER_ABANDONED', `Amazon order ${row.amazonOrderId}: its import or update was started ${row.attempts} time(s) and the importer stopped each time (a crash, a killed process); left for a person: check its shop order and stock. A later update from Amazon is applied as usual.`, false);
    const rows = await store.listResumable(options.maxAttempts, 100, own);
    for (const row of rows) {
      if (signal?.aborted) return;
      let order: AmazonOrder;
      try {
        order = await gateway.getOrder(row.amazonOrderId, { includedData: ORDER_INCLUDED_DATA });
      } catch (error) {
        // backed off either way, so rows Amazon keeps refusing never crowd out the others; a refusal
        // (404, 400) counts as an attempt, a throttled or unavailable Amazon does not
        const retryable = SellerSyncError.isInstance(error) && error.isRetryable;
        const attempts = retryable ? row.attempts : row.attempts + 1;
        const willRetry = attempts < options.maxAttempts;
        await store.settleUnheld(row.id, {
          ...(row.state === 'claimed' ? { state: 'failed' as const } : {}),
          attempts,
          nextAttemptAt: willRetry ? clock() + retryDelay(Math.max(1, attempts)) : null,
          lastErrorCode: errorCode(error, 'AMAZON_CALL_FAILED'),
          lastErrorMessage: logger.redact(errorMessage(error)),
        });
        recordError(run, row.amazonOrderId, row.marketplaceId, error, willRetry);
        continue;
      }
      // matched only once it turns out to need the shop
      await processOrder(run, order, row, null, row.marketplaceId, true);
    }
  }

  async function importMarketplace(run: RunState, marketplaceId: string, signal: AbortSignal | undefined): Promise<MarketplaceImportReport> {
    const cursor = await store.getCursor(marketplaceId);
    const startedAt = new Date(clock());
    const resuming = cursor?.pageToken != null && cursor.windowAfter !== null;
    const windowAfter = resuming ? cursor.windowAfter! : (cursor?.lastUpdatedAfter ?? sub(startedAt, options.lookBack).toISOString());
    let windowBefore = resuming ? cursor.windowBefore : null;
    let pageToken: string | undefined = resuming ? cursor.pageToken! : undefined;
    let pages = resuming ? cursor.pages : 0;
    let orders = 0;
    const baseQuery: SearchOrdersQuery = {
      lastUpdatedAfter: windowAfter,
      marketplaceIds: [marketplaceId],
      maxResultsPerPage: options.pageSize,
      includedData: ORDER_INCLUDED_DATA,
    };
    try {
      for (;;) {
        if (signal?.aborted) return { marketplaceId, pages, orders, nextLastUpdatedAfter: null, error: null };
        let response;
        try {
          response = await gateway.searchOrders({ ...baseQuery, ...(pageToken !== undefined ? { paginationToken: pageToken } : {}) });
        } catch (error) {
          // an expired or refused page token: read the whole window again (orders seen are recognised)
          if (pageToken === undefined || !SellerSyncError.isInstance(error) || (error as { status?: unknown }).status !== 400) throw error;
          logger.warn({ marketplaceId }, `Amazon refused the stored page token of marketplace ${marketplaceId}; the window since ${windowAfter} is read again.`);
          pageToken = undefined;
          pages = 0;
          continue;
        }
        windowBefore ??= response.lastUpdatedBefore ?? startedAt.toISOString();
        pages += 1;
        orders += response.orders.length;
        const complete = await processPage(run, response.orders, marketplaceId, signal);
        if (!complete) {
          // keep the token of this page: the next run reads it again and recognises what was done
          if (pageToken !== undefined)
            await store.saveCursor({ marketplaceId, lastUpdatedAfter: cursor?.lastUpdatedAfter ?? windowAfter, windowAfter, windowBefore, pageToken, pages: pages - 1 });
          else if (cursor === null)
            await store.saveCursor({ marketplaceId, lastUpdatedAfter: windowAfter, windowAfter: null, windowBefore: null, pageToken: null, pages: 0 });
          return { marketplaceId, pages, orders, nextLastUpdatedAfter: null, error: null };
        }
        const next = response.pagination?.nextToken;
        if (next) {
          pageToken = next;
          await store.saveCursor({ marketplaceId, lastUpdatedAfter: cursor?.lastUpdatedAfter ?? windowAfter, windowAfter, windowBefore, pageToken, pages });
          continue;
        }
        const nextAfter = latest([sub(new Date(windowBefore), options.overlap), new Date(windowAfter)]).toISOString();
        await store.saveCursor({ marketplaceId, lastUpdatedAfter: nextAfter, windowAfter: null, windowBefore: null, pageToken: null, pages: 0 });
        return { marketplaceId, pages, orders, nextLastUpdatedAfter: nextAfter, error: null };
      }
    } catch (error) {
      const code = errorCode(error, 'DATABASE_ERROR');
      const message = logger.redact(errorMessage(error));
      logger.error({ marketplaceId, code }, `Order import of marketplace ${marketplaceId} stopped: ${message}`);
      return { marketplaceId, pages, orders, nextLastUpdatedAfter: null, error: { code, message } };
    }
  }

  /** Acknowledgements Amazon did not apply go back to pending with a backoff, or fail once `maxAttempts` submissions are spent. */
  async function retryAcknowledgements(run: RunState, rows: readonly ImportedOrder[], code: string, message: string, write: (ids: number[], patch: AckPatch) => Promise<unknown>) {
    const retry = rows.filter((r) => r.ackAttempts < options.maxAttempts);
    const spent = rows.filter((r) => r.ackAttempts >= options.maxAttempts);
    const now = clock();
    // one statement per backoff: rows with the same attempts share the patch
    for (const [attempts, group] of groupBy(retry, (r) => r.ackAttempts))
      await write(group.map((r) => r.id), { ackState: 'pending', ackFeedId: null, ackMessageId: null, ackNextAttemptAt: now + retryDelay(attempts), lastErrorCode: code, lastErrorMessage: message });
    if (spent.length > 0) await write(spent.map((r) => r.id), { ackState: 'failed', ackFeedId: null, ackMessageId: null, ackNextAttemptAt: null, lastErrorCode: code, lastErrorMessage: message });
    const marketplaceId = rows[0]?.marketplaceId ?? '*';
    if (retry.length > 0) pushCapped(run.errors, { amazonOrderId: null, marketplaceId, code, message: `Order acknowledgement of ${retry.length} order(s): ${message}`, willRetry: true });
    if (spent.length > 0)
      pushCapped(run.errors, { amazonOrderId: null, marketplaceId, code, message: `Order acknowledgement of ${spent.length} order(s) given up after ${options.maxAttempts} submissions: ${message}`, willRetry: false });
  }

  /** Reads the result of one submitted acknowledgement feed, if Amazon finished it. */
  async function settleAcknowledgementFeed(run: RunState, feedId: string, wait: boolean) {
    const feed = wait ? await gateway.waitForFeed(feedId) : await gateway.getFeed(feedId);
    if (feed.processingStatus === 'IN_QUEUE' || feed.processingStatus === 'IN_PROGRESS') return;
    const rows = await store.listByAckFeed(feedId);
    const write = (ids: number[], patch: AckPatch) => store.updateAckFeed(feedId, ids, patch);
    if (feed.processingStatus !== 'DONE') {
      // FATAL or CANCELLED: nothing was applied; send these orders again
      await retryAcknowledgements(run, rows, `FEED_${feed.processingStatus}`, `Feed ${feedId} ended ${feed.processingStatus}; the orders are acknowledged again.`, write);
      return;
    }
    const report = parseProcessingReport(await gateway.getFeedResult(feed));
    const outcome = readProcessingOutcome(report, Math.max(0, ...rows.map((r) => r.ackMessageId ?? 0)), feedId);
    const ok = rows.filter((r) => outcome.applied(r.ackMessageId ?? -1));
    const bad = rows.filter((r) => outcome.refused.has(r.ackMessageId ?? -1));
    const unapplied = rows.filter((r) => !outcome.applied(r.ackMessageId ?? -1) && !outcome.refused.has(r.ackMessageId ?? -1));
    const acknowledged = await write(ok.map((r) => r.id), { ackState: 'acknowledged' });
    // not processed by Amazon: these orders are acknowledged again
    if (unapplied.length > 0) await retryAcknowledgements(run, unapplied, outcome.incomplete!.code, outcome.incomplete!.message, write);
    for (const row of bad) {
      const result = outcome.refused.get(row.ackMessageId ?? -1)!;
      await write([row.id], { ackState: 'failed', lastErrorCode: `AMAZON_${result.messageCode}`.slice(0, 64), lastErrorMessage: `Acknowledgement refused: ${result.description}` });
      pushCapped(run.warnings, { amazonOrderId: row.amazonOrderId, message: `Amazon refused the acknowledgement (${result.messageCode}): ${result.description}` });
    }
    run.acknowledgements.acknowledged += acknowledged;
    run.acknowledgements.failed += bad.length;
  }

  /** Reads the results of submitted acknowledgement feeds that Amazon finished; one feed's trouble never stops the others. */
  async function settleAcknowledgements(run: RunState, wait: boolean) {
    for (const feedId of await store.listAckFeeds(own)) {
      try {
        await settleAcknowledgementFeed(run, feedId, wait);
      } catch (error) {
        const code = errorCode(error, 'AMAZON_CALL_FAILED');
        const message = `Acknowledgement feed ${feedId} could not be settled: ${logger.redact(errorMessage(error))} It is checked again by the next run.`;
        logger.warn({ feedId, code }, message);
        pushCapped(run.errors, { amazonOrderId: null, marketplaceId: '*', code, message, willRetry: true });
      }
    }
  }

  /**
   * Sends one acknowledgement feed per marketplace for imported orders not yet acknowledged. The
   * rows are claimed first and their lease renewed while the feeds are sent, so concurrent importers
   * never put an order in two feeds.
   */
  async function submitAcknowledgements(run: RunState) {
    for (;;) {
      const pending = await store.claimAckPending(run.claimant, options.leaseMs, options.maxAttempts, 5000, own);
      if (pending.length === 0) return;
      const ids = pending.map((row) => row.id);
      const stop = keepLeaseAlive(() => store.renewAck(run.claimant, ids, options.leaseMs), options.leaseMs, (error) =>
        logger.warn({ code: errorCode(error, 'DATABASE_ERROR') }, `Renewing the lease of ${ids.length} acknowledgement(s) failed: ${logger.redact(errorMessage(error))}`),
      );
      try {
        await sendAcknowledgements(run, pending);
      } finally {
        stop();
      }
      if (pending.length < 5000) return;
    }
  }

  /** One acknowledgement feed per marketplace for claimed rows. */
  async function sendAcknowledgements(run: RunState, pending: readonly ImportedOrder[]) {
    for (const [marketplaceId, rows] of groupBy(pending, (row) => row.marketplaceId)) {
      try {
        const content = buildOrderAcknowledgementFeed(
          gateway.sellerId,
          rows.map((row) => ({
            amazonOrderId: row.amazonOrderId,
            // a shop id the schema refuses (over 50 characters) is left out rather than failing the acknowledgement
            merchantOrderId: row.shopOrderRef !== null && row.shopOrderRef.length <= 50 && !/[\t\r\n]/.test(row.shopOrderRef) ? row.shopOrderRef : null,
          })),
        );
        const { feedId } = await gateway.submitFeed({ feedType: ORDER_ACKNOWLEDGEMENT_FEED_TYPE, marketplaceIds: [marketplaceId], content, contentType: XML_FEED_CONTENT_TYPE });
        await store.markAckSubmitted(run.claimant, feedId, rows.map((row, index) => ({ id: row.id, messageId: index + 1 })));
        run.acknowledgements.submitted += 1;
      } catch (error) {
        const message = `Order acknowledgement could not be sent: ${logger.redact(errorMessage(error))}`;
        logger.warn({ marketplaceId, code: errorCode(error, 'AMAZON_CALL_FAILED') }, message);
        await retryAcknowledgements(run, rows, errorCode(error, 'AMAZON_CALL_FAILED'), message, (ids, patch) => store.releaseAck(run.claimant, ids, patch));
      }
    }
  }

  return {
    options,
    store,
    runs,

    async importOrders(runOptions = {}) {
      requireCapability(shop, 'orders', 'order import', 'orders.enabled (set it to false)');
      const startedAt = clock();
      // a run whose heartbeat stopped for a whole lease has lost its process; its orders are resumed by their expired claims
      await runs.closeAbandoned(startedAt - options.leaseMs, startedAt);
      const runId = await runs.start({ marketplaceIds: options.marketplaceIds, workerId, startedAt });
      const stopHeartbeat = keepLeaseAlive(() => runs.heartbeat(runId, clock()), options.leaseMs, (error) =>
        logger.warn({ runId, code: errorCode(error, 'DATABASE_ERROR') }, `Order import run ${runId}: the heartbeat failed: ${logger.redact(errorMessage(error))}`),
      );
      const run: RunState = {
        claimant: `${workerId}#${runId}:${randomBytes(4).toString('hex')}`.slice(-191),
        seen: 0,
        imported: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        failed: 0,
        skippedOrders: [],
        errors: [],
        warnings: [],
        acknowledgements: { submitted: 0, acknowledged: 0, failed: 0 },
      };
      const signal = runOptions.signal;
      const marketplaces: MarketplaceImportReport[] = [];
      let runError: { code: string; message: string } | null = null;
      // acknowledgements are a courtesy to Amazon: their failures are reported, never stop the import
      const acknowledging = async (work: () => Promise<void>) => {
        try {
          await work();
        } catch (error) {
          const message = logger.redact(errorMessage(error));
          logger.warn({ code: errorCode(error, 'AMAZON_CALL_FAILED') }, `Order acknowledgement failed: ${message}`);
          pushCapped(run.errors, { amazonOrderId: null, marketplaceId: '*', code: errorCode(error, 'AMAZON_CALL_FAILED'), message: `Order acknowledgement failed: ${message}`, willRetry: true });
        }
      };
      try {
        if (options.acknowledge) await acknowledging(() => settleAcknowledgements(run, false));
        await resume(run, signal);
        for (const marketplaceId of options.marketplaceIds) {
          if (signal?.aborted) break;
          marketplaces.push(await importMarketplace(run, marketplaceId, signal));
        }
        if (options.acknowledge && !signal?.aborted)
          await acknowledging(async () => {
            await submitAcknowledgements(run);
            if (options.waitForFeeds) await settleAcknowledgements(run, true);
          });
      } catch (error) {
        runError = { code: errorCode(error, 'DATABASE_ERROR'), message: logger.redact(errorMessage(error)) };
        logger.error({ code: runError.code }, `Order import stopped: ${runError.message}`);
      }
      stopHeartbeat();
      if (runError) marketplaces.push({ marketplaceId: '*', pages: 0, orders: 0, nextLastUpdatedAfter: null, error: runError });
      const summary: OrderImportSummary = {
        runId,
        accountId,
        marketplaceIds: options.marketplaceIds,
        status: marketplaces.some((m) => m.error !== null) ? 'failed' : signal?.aborted ? 'aborted' : 'finished',
        startedAt: new Date(startedAt),
        finishedAt: new Date(clock()),
        seen: run.seen,
        imported: run.imported,
        updated: run.updated,
        unchanged: run.unchanged,
        skipped: run.skipped,
        failed: run.failed,
        skippedOrders: run.skippedOrders,
        errors: run.errors,
        warnings: run.warnings,
        marketplaces,
        acknowledgements: run.acknowledgements,
      };
      await runs.finish(summary);
      logger.info(
        { runId, imported: summary.imported, updated: summary.updated, skipped: summary.skipped, failed: summary.failed, status: summary.status },
        `Order import ${summary.status}: ${summary.imported} imported, ${summary.updated} updated, ${summary.skipped} skipped, ${summary.failed} failed.`,
      );
      return summary;
    },

    lastSummary: () => runs.last(),
  };
}
