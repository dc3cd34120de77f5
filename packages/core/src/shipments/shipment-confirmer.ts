import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import { AmazonCallError, type AmazonFeed, type AmazonGateway } from '../amazon-gateway';
import { SellerSyncError } from '../errors';
import { createSafeLogger, type Logger, type SafeLogger } from '../logger';
import { XML_FEED_CONTENT_TYPE, parseProcessingReport, readProcessingOutcome } from '../orders/amazon-xml-feed';
import { groupBy } from '../orders/group-by';
import { keepLeaseAlive } from '../orders/keep-lease-alive';
import { createOrderStore, type ImportedOrder, type OrderStore } from '../orders/order-store';
import { requireCapability, type ShopAdapter, type ShopShipment } from '../shop-adapter';
import { resolveAmazonCarrier } from './amazon-carrier-codes';
import { ORDER_FULFILLMENT_FEED_TYPE, buildOrderFulfillmentFeed, checkOrderFulfillment, type OrderFulfillment } from './order-fulfillment-feed';
import { createShipmentStore, type NewShipmentPackage, type ShipmentPackage, type ShipmentPackageCounts, type ShipmentPackagePatch, type ShipmentStore } from './shipment-store';
import { resolveShipmentsOptions, type ResolvedShipmentsOptions, type ShipmentsOptions } from './shipments-options';

/** Options of {@link createShipmentConfirmer}. */
export interface ShipmentConfirmerOptions {
  readonly db: Knex;
  readonly shop: ShopAdapter;
  readonly gateway: AmazonGateway;
  readonly accountId: string;
  readonly tablePrefix?: string;
  readonly shipments?: ShipmentsOptions;
  /**
   * Only orders and packages of these marketplaces (a partitioned worker's,
   * `createSellerSync({ partition })`): the shop is asked about them only, and only their packages
   * are confirmed. Default: every marketplace of the account.
   */
  readonly marketplaceIds?: readonly string[];
  readonly workerId?: string;
  readonly logger?: Logger;
  /** ms since the epoch. Default `Date.now`. */
  readonly clock?: () => number;
}

/** A package a run could not confirm. */
export interface ShipmentProblem {
  readonly amazonOrderId: string;
  readonly shopOrderRef: string;
  readonly packageId: string;
  readonly packageReferenceId: string;
  /** `rejected`: Amazon (or the schema) refused it, not retried. `failed`: retried later unless `willRetry` is false. */
  readonly state: 'rejected' | 'failed';
  readonly code: string;
  readonly message: string;
  readonly willRetry: boolean;
}

/** A failure of a run that is not one package's. */
export interface ShipmentRunError {
  /** `feeds` (reading bulk feed results), `discover` (asking the shop), `send`, `settle` (order and package bookkeeping). */
  readonly stage: 'feeds' | 'discover' | 'send' | 'settle';
  /** The bulk feed concerned, if any. */
  readonly feedId: string | null;
  /**
   * sellersync's code (`AMAZON_CALL_FAILED`, `FEED_STUCK`, ...); `SHOP_ADAPTER_FAILED` for the
   * shop's own errors (its `listShipments`, stage `discover`); `DATABASE_ERROR` for any other error,
   * which is the database's (sellersync's tables), in any stage.
   */
  readonly code: string;
  readonly message: string;
}

/** What one `confirmShipments()` run did. */
export interface ShipmentConfirmationSummary {
  readonly accountId: string;
  readonly mode: 'per-package' | 'bulk-feed';
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** Shop orders the shop reported shipped in this run. */
  readonly ordersShipped: number;
  /** Packages seen for the first time. */
  readonly packagesRecorded: number;
  /** Packages Amazon confirmed (per package: at once; bulk: when a feed result was read). */
  readonly confirmed: number;
  readonly rejected: number;
  readonly failed: number;
  /** Bulk feeds submitted in this run. */
  readonly feedsSubmitted: number;
  /** Orders closed without a confirmation: already shipped at Amazon by other means. */
  readonly alreadyShipped: number;
  readonly problems: readonly ShipmentProblem[];
  /**
   * Trouble not tied to one package; the run went on past each: a feed whose status or report could
   * not be read (checked again next run), or a stage that stopped (the shop or the database failed).
   */
  readonly errors: readonly ShipmentRunError[];
  /** Every package of the account by state, after the run. */
  readonly packages: ShipmentPackageCounts;
}

/** Confirms shipped shop orders to Amazon; see {@link createShipmentConfirmer}. */
export interface ShipmentConfirmer {
  readonly options: ResolvedShipmentsOptions;
  readonly store: ShipmentStore;
  confirmShipments(): Promise<ShipmentConfirmationSummary>;
  /** The summary of the latest run in this process, or `null`. */
  lastSummary(): ShipmentConfirmationSummary | null;
}

const PROBLEM_LIMIT = 1000;

/** How long an order shipped in part stays open after its last confirmed package: the shop is asked about it at every run meanwhile. */
const PARTIAL_OPEN_MS = 30 * 24 * 60 * 60_000;

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Confirms the shipments of imported merchant-fulfilled orders. Each run asks the shop
 * (`listShipments`) which orders not yet confirmed reached a shipped status, records each package
 * once with a stable numeric `packageReferenceId`, and confirms it: `confirmShipment` per package
 * (default) or one `POST_ORDER_FULFILLMENT_DATA` feed per marketplace. Repeated runs never confirm
 * a package twice; a run that crashed after Amazon answered re-sends the same reference, which
 * Amazon treats as an edit of that package. Retryable failures (429, 5xx, network) are retried
 * with backoff up to `maxAttempts`; a 400 (a cancelled or invalid order) is recorded as rejected and
 * not retried.
 */
export function createShipmentConfirmer(confirmerOptions: ShipmentConfirmerOptions): ShipmentConfirmer {
  const { db, shop, gateway, accountId } = confirmerOptions;
  const options = resolveShipmentsOptions(confirmerOptions.shipments);
  const own = confirmerOptions.marketplaceIds;
  const clock = confirmerOptions.clock ?? Date.now;
  const logger: SafeLogger = createSafeLogger(confirmerOptions.logger);
  const workerId = confirmerOptions.workerId ?? `${hostname()}:${process.pid}`;
  // a partitioned worker also finishes the orders of marketplaces the account dropped (no partition owns them)
  const accountMarketplaceIds = own ? gateway.marketplaceIds : undefined;
  const orders: OrderStore = createOrderStore(db, { tablePrefix: confirmerOptions.tablePrefix, accountId, clock, accountMarketplaceIds });
  const store = createShipmentStore(db, { tablePrefix: confirmerOptions.tablePrefix, accountId, clock, accountMarketplaceIds });
  let last: ShipmentConfirmationSummary | null = null;

  const retryDelay = (attempts: number) => Math.min(24 * 3600_000, options.retryBaseMs * 2 ** Math.max(0, attempts - 1));

  interface RunState {
    readonly claimant: string;
    ordersShipped: number;
    packagesRecorded: number;
    confirmed: number;
    rejected: number;
    failed: number;
    feedsSubmitted: number;
    alreadyShipped: number;
    readonly problems: ShipmentProblem[];
    readonly errors: ShipmentRunError[];
  }

  const runError = (run: RunState, name: ShipmentRunError['stage'], feedId: string | null, error: unknown, message: string) => {
    // the shop's errors are named where the shop is called (discover); what else fails is the database
    const code = SellerSyncError.isInstance(error) ? error.code : 'DATABASE_ERROR';
    if (run.errors.length < PROBLEM_LIMIT) run.errors.push({ stage: name, feedId, code, message });
    logger.error({ stage: name, feedId, code }, message);
  };

  const problem = (run: RunState, pkg: ShipmentPackage, state: 'rejected' | 'failed', code: string, message: string, willRetry: boolean) => {
    if (state === 'rejected') run.rejected += 1;
    else run.failed += 1;
    if (run.problems.length < PROBLEM_LIMIT)
      run.problems.push({ amazonOrderId: pkg.amazonOrderId, shopOrderRef: pkg.shopOrderRef, packageId: pkg.packageId, packageReferenceId: String(pkg.id), state, code, message, willRetry });
    logger.warn({ amazonOrderId: pkg.amazonOrderId, packageReferenceId: pkg.id, code }, message);
  };

  /** The Amazon items of a package: its lines, or every item of the order when the shop gives none. */
  function packageItems(order: ImportedOrder, lines: ShopShipment['packages'][number]['lines']): { orderItemId: string; quantity: number }[] {
    if (lines === null || lines.length === 0) return order.orderItems.filter((item) => item.quantity > 0).map((item) => ({ ...item }));
    return lines.filter((line) => line.quantity > 0).map((line) => ({ orderItemId: line.externalLineId, quantity: line.quantity }));
  }

  /** Asks the shop which open orders shipped and records their packages; closes orders with nothing left to do. */
  async function discover(run: RunState, touched: Set<string>) {
    let afterId = 0;
    for (;;) {
      const open = await orders.listShipmentOpen(afterId, options.batchSize, own);
      if (open.length === 0) return;
      afterId = open.at(-1)!.id;
      const byRef = new Map(open.filter((o) => o.shopOrderRef !== null).map((o) => [o.shopOrderRef!, o]));
      const shipments = await shop.listShipments!({ orderRefs: [...byRef.keys()], shippedStatuses: options.shippedStatuses }).catch((error: unknown) => {
        throw SellerSyncError.isInstance(error) ? error : new SellerSyncError({ code: 'SHOP_ADAPTER_FAILED', message: errorMessage(error), cause: error });
      });
      const recorded = await store.listByOrders(shipments.map((s) => byRef.get(s.orderRef)?.amazonOrderId).filter((id): id is string => id !== undefined));
      const known = new Set(recorded.map((p) => `${p.amazonOrderId}\u0000${p.packageId}`));
      const fresh: NewShipmentPackage[] = [];
      const closeAsShipped: number[] = [];
      for (const shipment of shipments) {
        const order = byRef.get(shipment.orderRef);
        if (!order) continue;
        run.ordersShipped += 1;
        // settled at the end of the run, also when every package was recorded before (a run that stopped early)
        touched.add(order.amazonOrderId);
        const ours = recorded.filter((p) => p.amazonOrderId === order.amazonOrderId);
        // Amazon shows it shipped and sellersync never confirmed a package: someone confirmed it elsewhere
        if (order.amazonStatus === 'SHIPPED' && ours.length === 0) {
          closeAsShipped.push(order.id);
          continue;
        }
        for (const pkg of shipment.packages) {
          if (known.has(`${order.amazonOrderId}\u0000${pkg.packageId}`)) continue;
          const carrier = resolveAmazonCarrier(pkg.carrier, options.carrierMap);
          fresh.push({
            marketplaceId: order.marketplaceId,
            amazonOrderId: order.amazonOrderId,
            shopOrderRef: shipment.orderRef,
            packageId: pkg.packageId,
            carrierCode: carrier.carrierCode,
            carrierName: carrier.carrierName,
            shippingMethod: pkg.shippingMethod,
            trackingNumber: pkg.trackingNumber,
            shipDate: shipment.shippedAt.getTime(),
            items: packageItems(order, pkg.lines),
            mode: options.mode,
          });
        }
      }
      if (fresh.length > 0) {
        await store.record(fresh);
        run.packagesRecorded += fresh.length;
      }
      if (closeAsShipped.length > 0) {
        await orders.update(closeAsShipped, { shipmentState: 'closed' });
        run.alreadyShipped += closeAsShipped.length;
      }
      if (open.length < options.batchSize) return;
    }
  }

  /** Whether confirmed packages carry every item of the order in full (no item list known: yes). */
  function coversOrder(order: ImportedOrder, packages: readonly ShipmentPackage[]): boolean {
    const shipped = new Map<string, number>();
    for (const pkg of packages) for (const item of pkg.items) shipped.set(item.orderItemId, (shipped.get(item.orderItemId) ?? 0) + item.quantity);
    return order.orderItems.every((item) => item.quantity <= 0 || (shipped.get(item.orderItemId) ?? 0) >= item.quantity);
  }

  /**
   * Marks orders whose packages are all settled: confirmed when every one is and they carry the
   * whole order (or Amazon shows it shipped or cancelled), else closed. An order whose confirmed
   * packages carry only part of it stays open: the shop is asked again, for the package of a
   * backordered item that ships later.
   */
  async function settleOrders(amazonOrderIds: readonly string[]) {
    if (amazonOrderIds.length === 0) return;
    const packages = await store.listByOrders(amazonOrderIds);
    const rows = await orders.getMany(amazonOrderIds);
    const confirmed: number[] = [];
    const closed: number[] = [];
    for (const [orderId, row] of rows) {
      if (row.shipmentState !== 'open') continue;
      const mine = packages.filter((p) => p.amazonOrderId === orderId);
      const settled = mine.every((p) => p.state === 'confirmed' || p.state === 'rejected' || (p.state === 'failed' && p.nextAttemptAt === null));
      if (mine.length === 0 || !settled) continue;
      if (!mine.every((p) => p.state === 'confirmed')) closed.push(row.id);
      else if (coversOrder(row, mine) || row.amazonStatus === 'SHIPPED' || row.amazonStatus === 'CANCELLED' || clock() - Math.max(...mine.map((p) => p.confirmedAt ?? 0)) > PARTIAL_OPEN_MS)
        confirmed.push(row.id);
    }
    if (confirmed.length > 0) await orders.update(confirmed, { shipmentState: 'confirmed' });
    if (closed.length > 0) await orders.update(closed, { shipmentState: 'closed' });
  }

  const toFulfillment = (pkg: ShipmentPackage): OrderFulfillment => ({
    amazonOrderId: pkg.amazonOrderId,
    merchantFulfillmentId: String(pkg.id),
    fulfillmentDate: new Date(pkg.shipDate),
    carrierCode: pkg.carrierCode,
    carrierName: pkg.carrierName,
    shippingMethod: pkg.shippingMethod,
    trackingNumber: pkg.trackingNumber,
    items: pkg.items,
  });

  /** Refuses packages Amazon's schema would refuse; returns the ones fit to send. */
  async function checkPackages(run: RunState, packages: readonly ShipmentPackage[]): Promise<ShipmentPackage[]> {
    const fit: ShipmentPackage[] = [];
    for (const pkg of packages) {
      try {
        checkOrderFulfillment(toFulfillment(pkg));
        if (pkg.items.length === 0) throw new SellerSyncError({ code: 'INVALID_SHIPMENT', message: `Amazon order ${pkg.amazonOrderId}, package ${pkg.packageId}: no items to confirm.`, details: { item: pkg.amazonOrderId, field: 'orderItems', rule: 'at least one' } });
        fit.push(pkg);
      } catch (error) {
        const e = error as SellerSyncError;
        await store.settle([pkg.id], run.claimant, { state: 'rejected', nextAttemptAt: null, lastErrorCode: e.code, lastErrorMessage: e.message });
        problem(run, pkg, 'rejected', e.code, e.message, false);
      }
    }
    return fit;
  }

  /**
   * Records a retryable failure shared by `packages`: `failed`, due again `delay(attempts)` later
   * while attempts remain, in one statement per attempt count. `write`: the claim's `settle`, or a
   * submitted feed's `updateSubmitted`.
   */
  async function failAll(
    run: RunState,
    packages: readonly ShipmentPackage[],
    code: string,
    message: string,
    write: (ids: number[], patch: ShipmentPackagePatch) => Promise<unknown>,
    delay: (attempts: number) => number = retryDelay,
  ) {
    const now = clock();
    // attempts were counted when the packages were claimed
    for (const [attempts, group] of groupBy(packages, (pkg) => pkg.attempts)) {
      const willRetry = attempts < options.maxAttempts;
      await write(group.map((pkg) => pkg.id), { state: 'failed', feedId: null, feedMessageId: null, nextAttemptAt: willRetry ? now + delay(attempts) : null, lastErrorCode: code, lastErrorMessage: message });
      for (const pkg of group) problem(run, pkg, 'failed', code, `Amazon order ${pkg.amazonOrderId}, package ${pkg.packageId}: ${message}`, willRetry);
    }
  }

  /**
   * Records a failed confirmation of packages this run holds. `feedLevel`: the failure was the bulk
   * feed's (createFeedDocument, upload, createFeed), which says nothing about the packages: always retried.
   */
  async function fail(run: RunState, packages: readonly ShipmentPackage[], error: unknown, feedLevel = false) {
    // a 400 or 404 to confirmShipment says the order cannot take this confirmation (cancelled, unknown): retrying changes nothing
    const refused =
      !feedLevel && (error instanceof AmazonCallError ? error.status === 400 || error.status === 404 : SellerSyncError.isInstance(error) && error.code === 'INVALID_SHIPMENT');
    const code = error instanceof AmazonCallError ? (error.amazonCode ?? error.code) : SellerSyncError.isInstance(error) ? error.code : 'AMAZON_CALL_FAILED';
    const message = logger.redact(error instanceof Error ? error.message : String(error));
    const settle = (ids: number[], patch: ShipmentPackagePatch) => store.settle(ids, run.claimant, patch);
    if (!refused) return failAll(run, packages, code, message, settle);
    await settle(packages.map((pkg) => pkg.id), { state: 'rejected', nextAttemptAt: null, lastErrorCode: code, lastErrorMessage: message });
    for (const pkg of packages) problem(run, pkg, 'rejected', code, message, false);
  }

  /** Keeps the packages a run holds claimed until `stop()`, so a batch slower than one lease is never sent twice. */
  const keepClaimed = (run: RunState, ids: readonly number[]): (() => void) =>
    keepLeaseAlive(() => store.renew(ids, run.claimant, options.leaseMs), options.leaseMs, (error) =>
      logger.warn({ code: SellerSyncError.isInstance(error) ? error.code : 'DATABASE_ERROR' }, `Renewing the lease of ${ids.length} package(s) failed: ${logger.redact(errorMessage(error))}`),
    );

  /** Packages whose claims expired `maxAttempts` times (the process died while sending them) are left for a person. */
  async function abandonExpired(run: RunState, touched: Set<string>) {
    for (const pkg of await store.abandonExpired(options.maxAttempts, own)) {
      touched.add(pkg.amazonOrderId);
      problem(run, pkg, 'failed', 'SHIPMENT_ABANDONED', `Amazon order ${pkg.amazonOrderId}, package ${pkg.packageId}: sent ${pkg.attempts} time(s) without the outcome being recorded (the run stopped each time); left for a person.`, false);
    }
  }

  async function sendPerPackage(run: RunState, touched: Set<string>) {
    for (;;) {
      const claimed = await store.claimDue(run.claimant, options.leaseMs, options.maxAttempts, 100, own);
      if (claimed.length === 0) return;
      const stop = keepClaimed(run, claimed.map((p) => p.id));
      try {
        await confirmEach(run, claimed, touched);
      } finally {
        stop();
      }
      for (const pkg of claimed) touched.add(pkg.amazonOrderId);
      if (claimed.length < 100) return;
    }
  }

  /** Confirms claimed packages one by one with `confirmShipment`. */
  async function confirmEach(run: RunState, claimed: readonly ShipmentPackage[], touched: Set<string>) {
    for (const pkg of await checkPackages(run, claimed)) {
      touched.add(pkg.amazonOrderId);
      try {
        await gateway.confirmShipment(pkg.amazonOrderId, {
          marketplaceId: pkg.marketplaceId,
          packageDetail: {
            packageReferenceId: String(pkg.id),
            carrierCode: pkg.carrierCode,
            ...(pkg.carrierCode === 'Other' ? { carrierName: pkg.carrierName ?? 'Other' } : {}),
            ...(pkg.shippingMethod !== null ? { shippingMethod: pkg.shippingMethod } : {}),
            trackingNumber: pkg.trackingNumber,
            shipDate: new Date(pkg.shipDate).toISOString(),
            orderItems: pkg.items,
          },
        });
      } catch (error) {
        await fail(run, [pkg], error);
        continue;
      }
      await store.settle([pkg.id], run.claimant, { state: 'confirmed', nextAttemptAt: null, confirmedAt: clock(), lastErrorCode: null, lastErrorMessage: null });
      run.confirmed += 1;
    }
  }

  async function sendBulk(run: RunState, touched: Set<string>) {
    for (;;) {
      const claimed = await store.claimDue(run.claimant, options.leaseMs, options.maxAttempts, 10_000, own);
      if (claimed.length === 0) return;
      for (const pkg of claimed) touched.add(pkg.amazonOrderId);
      const stop = keepClaimed(run, claimed.map((p) => p.id));
      try {
        const fit = await checkPackages(run, claimed);
        for (const [marketplaceId, packages] of groupBy(fit, (pkg) => pkg.marketplaceId)) {
          let feedId: string;
          try {
            const content = buildOrderFulfillmentFeed(gateway.sellerId, packages.map(toFulfillment));
            feedId = (await gateway.submitFeed({ feedType: ORDER_FULFILLMENT_FEED_TYPE, marketplaceIds: [marketplaceId], content, contentType: XML_FEED_CONTENT_TYPE })).feedId;
          } catch (error) {
            await fail(run, packages, error, true);
            continue;
          }
          // a crash before this leaves the packages claimed: after the lease they go out again under the same references (an edit)
          await store.markSubmitted(run.claimant, feedId, packages.map((pkg, index) => ({ id: pkg.id, messageId: index + 1 })));
          run.feedsSubmitted += 1;
        }
      } finally {
        stop();
      }
      if (claimed.length < 10_000) return;
    }
  }

  /** Sends the packages of a feed sellersync gives up on back to due (same references: an edit at Amazon if it applied them after all). */
  const sendAgain = (run: RunState, feedId: string, packages: readonly ShipmentPackage[], code: string, reason: string) =>
    failAll(run, packages, code, reason, (ids, patch) => store.updateSubmitted(feedId, ids, patch), () => 0);

  /** Reads the processing report of one bulk feed Amazon finished, or gives up on one stuck too long. */
  async function settleFeed(run: RunState, feedId: string, wait: boolean, touched: Set<string>) {
    const packages = await store.listByFeed(feedId);
    if (packages.length === 0) return;
    for (const pkg of packages) touched.add(pkg.amazonOrderId);
    const submittedAt = Math.min(...packages.map((p) => p.updatedAt));
    const overdue = clock() - submittedAt > options.feedTimeoutMs;
    let feed: AmazonFeed;
    try {
      feed = wait ? await gateway.waitForFeed(feedId) : await gateway.getFeed(feedId);
      if (feed.processingStatus === 'IN_QUEUE' || feed.processingStatus === 'IN_PROGRESS') {
        if (!overdue) return;
        // Amazon only cancels feeds still in the queue; one in progress is left to finish or not
        if (feed.processingStatus === 'IN_QUEUE') await gateway.cancelFeed(feedId).catch(() => undefined);
        const hours = Math.round(options.feedTimeoutMs / 360_000) / 10;
        await sendAgain(run, feedId, packages, 'FEED_STUCK', `feed ${feedId} was still ${feed.processingStatus} ${hours} h after it was submitted; the package is sent again.`);
        return;
      }
      if (feed.processingStatus !== 'DONE') {
        // nothing of a FATAL or cancelled feed was applied: send the packages again (same references)
        await sendAgain(run, feedId, packages, `FEED_${feed.processingStatus}`, `feed ${feedId} ended ${feed.processingStatus}.`);
        return;
      }
      const report = parseProcessingReport(await gateway.getFeedResult(feed));
      // The feed's message count is read back as the highest message id still submitted, so the
      // verdicts are written in message order: a run that stops part-way (or a second worker reading
      // meanwhile) still finds the last message submitted, and so the same count
      const ordered = [...packages].sort((a, b) => (a.feedMessageId ?? 0) - (b.feedMessageId ?? 0));
      const outcome = readProcessingOutcome(report, Math.max(0, ...packages.map((p) => p.feedMessageId ?? 0)), feedId);
      const verdictOf = (pkg: ShipmentPackage) => {
        const messageId = pkg.feedMessageId ?? -1;
        if (outcome.applied(messageId)) return 'applied' as const;
        // not named while Amazon did not process the document as a whole: not applied
        return outcome.refused.has(messageId) ? ('refused' as const) : ('unapplied' as const);
      };
      for (let start = 0; start < ordered.length; ) {
        const verdict = verdictOf(ordered[start]!);
        let end = start + 1;
        while (end < ordered.length && verdictOf(ordered[end]!) === verdict) end += 1;
        const group = ordered.slice(start, end);
        start = end;
        if (verdict === 'applied') {
          run.confirmed += await store.updateSubmitted(feedId, group.map((pkg) => pkg.id), { state: 'confirmed', confirmedAt: clock(), lastErrorCode: null, lastErrorMessage: null });
        } else if (verdict === 'unapplied') {
          await failAll(run, group, outcome.incomplete!.code, outcome.incomplete!.message, (ids, patch) => store.updateSubmitted(feedId, ids, patch));
        } else {
          for (const pkg of group) {
            const result = outcome.refused.get(pkg.feedMessageId ?? -1)!;
            const message = `Amazon order ${pkg.amazonOrderId}, package ${pkg.packageId}: Amazon refused it (${result.messageCode}): ${result.description}`;
            await store.updateSubmitted(feedId, [pkg.id], { state: 'rejected', nextAttemptAt: null, lastErrorCode: `AMAZON_${result.messageCode}`.slice(0, 64), lastErrorMessage: message });
            problem(run, pkg, 'rejected', `AMAZON_${result.messageCode}`, message, false);
          }
        }
      }
    } catch (error) {
      // a feed whose status or report cannot be read is checked again by the next run, until it is overdue
      const message = logger.redact(errorMessage(error));
      if (overdue) {
        await sendAgain(run, feedId, packages, 'FEED_STUCK', `the status or report of feed ${feedId} could not be read for ${Math.round(options.feedTimeoutMs / 360_000) / 10} h (${message}); the package is sent again.`);
        return;
      }
      runError(run, 'feeds', feedId, error, `Feed ${feedId} could not be settled: ${message} It is checked again by the next run.`);
    }
  }

  /** Reads the processing reports of bulk feeds Amazon finished; one feed's trouble never stops the others. */
  async function settleFeeds(run: RunState, wait: boolean, touched: Set<string>) {
    for (const feedId of await store.listSubmittedFeeds(own)) await settleFeed(run, feedId, wait, touched);
  }

  /** Runs one stage of a run; a failure is recorded in the summary and the run goes on. */
  async function stage(run: RunState, name: ShipmentRunError['stage'], work: () => Promise<void>) {
    try {
      await work();
    } catch (error) {
      runError(run, name, null, error, `Shipment confirmation (${name}) stopped: ${logger.redact(errorMessage(error))}`);
    }
  }

  return {
    options,
    store,
    lastSummary: () => last,

    async confirmShipments() {
      requireCapability(shop, 'shipments', 'shipment confirmation', 'shipments.enabled (set it to false)');
      const startedAt = clock();
      const run: RunState = {
        claimant: `${workerId}#${randomBytes(6).toString('hex')}`.slice(-191),
        ordersShipped: 0,
        packagesRecorded: 0,
        confirmed: 0,
        rejected: 0,
        failed: 0,
        feedsSubmitted: 0,
        alreadyShipped: 0,
        problems: [],
        errors: [],
      };
      const touched = new Set<string>();
      await stage(run, 'feeds', () => settleFeeds(run, false, touched));
      await stage(run, 'discover', () => discover(run, touched));
      await stage(run, 'send', async () => {
        await abandonExpired(run, touched);
        await (options.mode === 'per-package' ? sendPerPackage(run, touched) : sendBulk(run, touched));
      });
      if (options.waitForFeeds) await stage(run, 'feeds', () => settleFeeds(run, true, touched));
      await stage(run, 'settle', () => settleOrders([...touched]));
      let packages: ShipmentPackageCounts = { pending: 0, sending: 0, submitted: 0, confirmed: 0, rejected: 0, failed: 0 };
      await stage(run, 'settle', async () => {
        packages = await store.counts();
      });
      const summary: ShipmentConfirmationSummary = {
        accountId,
        mode: options.mode,
        startedAt: new Date(startedAt),
        finishedAt: new Date(clock()),
        ordersShipped: run.ordersShipped,
        packagesRecorded: run.packagesRecorded,
        confirmed: run.confirmed,
        rejected: run.rejected,
        failed: run.failed,
        feedsSubmitted: run.feedsSubmitted,
        alreadyShipped: run.alreadyShipped,
        problems: run.problems,
        errors: run.errors,
        packages,
      };
      last = summary;
      logger.info(
        { confirmed: summary.confirmed, rejected: summary.rejected, failed: summary.failed, feeds: summary.feedsSubmitted },
        `Shipment confirmation: ${summary.confirmed} confirmed, ${summary.rejected} rejected, ${summary.failed} failed.`,
      );
      return summary;
    },
  };
}
