import { hostname } from 'node:os';
import { createChangeLog, DEFAULT_ACCOUNT_ID, type ChangeLogStats, type ChangeLogStore } from '../change-log';
import { createAmazonGateway, type AmazonGateway } from '../amazon-gateway';
import {
  createListingsSync,
  resolveListingsOptions,
  type FeedPreview,
  type ListingsStatus,
  type PreviewFeedOptions,
  type PushListingsOptions,
  type PushListingsResult,
  type ReconcileOptions,
  type ReconcileResult,
} from '../listings';
import { createSafeLogger, type SafeLogger } from '../logger';
import { createOrderImporter, type ImportOrdersRunOptions, type OrderImportSummary } from '../orders';
import { hasCapability } from '../shop-adapter';
import { createShipmentConfirmer, type ShipmentConfirmationSummary, type ShipmentPackageCounts } from '../shipments';
import {
  createMismatchLog,
  createProductMappings,
  importMappingCsv,
  matchCatalog,
  syncActiveListings,
  type ActiveListingsSyncOptions,
  type ActiveListingsSyncSummary,
  type CatalogMatchingOptions,
  type CatalogMatchingSummary,
  type MappingCsvImportOptions,
  type MappingCsvImportResult,
  type MismatchLog,
  type ProductMappingStore,
} from '../matching';
import { SellerSyncError } from '../errors';
import { validateSellerSyncOptions, type SellerSyncOptions } from './seller-sync-options';

/** What `status()` reports. */
export interface SellerSyncStatus {
  readonly accountId: string;
  readonly sellerId: string;
  readonly marketplaceIds: readonly string[];
  /**
   * The change log: pending, in flight, failed, age of the oldest entry. Of the whole account, also
   * on a partitioned worker (its own share: `changeLog.stats({ marketplaceIds, accountMarketplaceIds })`).
   */
  readonly queue: ChangeLogStats;
  /** Listing feeds in flight and the last finished ones with their per-SKU errors and warnings. */
  readonly listings: ListingsStatus;
  /**
   * The latest order import run that ended (imported, updated, skipped with reasons, errors), with
   * `running` listing runs still in progress; `null` before the first run.
   */
  readonly orders: OrderImportSummary | null;
  /** Shipment packages by state, and the last confirmation run of this process. */
  readonly shipments: { readonly packages: ShipmentPackageCounts; readonly lastRun: ShipmentConfirmationSummary | null };
}

/** A step of `runOnce`. */
export type TickStep = 'listings' | 'orders' | 'shipments';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The error `runOnce` throws when steps failed: each step's code and message in order, causes kept. */
function tickFailed(failures: readonly { readonly step: TickStep; readonly error: unknown }[]): SellerSyncError {
  const described = failures.map(({ step, error }) => {
    const known = SellerSyncError.isInstance(error);
    return {
      step,
      code: known ? error.code : 'UNEXPECTED',
      message: clip(error instanceof Error ? error.message : String(error), 500),
      isRetryable: known ? error.isRetryable : true,
    };
  });
  return new SellerSyncError({
    code: 'SYNC_TICK_FAILED',
    message: `runOnce: ${described.map((f) => `${f.step} failed (${f.code}: ${f.message})`).join('; ')}. The other steps ran; the next tick tries again.`,
    details: { failures: described },
    cause: failures.length === 1 ? failures[0]!.error : new AggregateError(failures.map((f) => f.error), 'several steps of runOnce failed'),
    isRetryable: described.every((f) => f.isRetryable),
  });
}

/** One sync object per Amazon seller account: listings, matching, orders and shipments (README, docs/architecture.md). */
export interface SellerSync {
  readonly accountId: string;
  /** The change log of this account, for hosts that show or retry failed entries. */
  readonly changeLog: ChangeLogStore;
  /** The one gateway through which this account calls Amazon (feeds, listings, catalog, orders). */
  readonly gateway: AmazonGateway;
  /**
   * One scheduler tick: `pushListings()`, then `importOrders()`, then `confirmShipments()` (the last
   * two when the shop declares the `orders` / `shipments` capability). Every step runs even when an
   * earlier one throws: a shop that cannot be read for listings still gets its orders.
   * @throws SellerSyncError `SYNC_TICK_FAILED` after the last step when any step failed;
   *   `details.failures` lists `{ step, code, message, isRetryable }` per failed step (`listings`,
   *   `orders`, `shipments`), `cause` is the step's error (an `AggregateError` of them when several
   *   failed), and `isRetryable` is true when every failure is. The next tick tries again.
   */
  runOnce(): Promise<void>;
  /**
   * Drains the change log into `JSON_LISTINGS_FEED` feeds: polls feeds in flight, reads finished
   * reports (acknowledging accepted entries, failing rejected ones with Amazon's message), then
   * claims and submits new work within the feed quota. One pass, or until drained.
   */
  pushListings(options?: PushListingsOptions): Promise<PushListingsResult>;
  /**
   * Imports new and updated Amazon orders into the shop, exactly once per Amazon order id (see
   * docs/orders.md); returns the run's summary, or `null` when `orders.enabled` is false.
   */
  importOrders(options?: ImportOrdersRunOptions): Promise<OrderImportSummary | null>;
  /**
   * Confirms shipped shop orders to Amazon, each package once (see docs/shipments.md); returns the
   * run's summary, or `null` when `shipments.enabled` is false.
   */
  confirmShipments(): Promise<ShipmentConfirmationSummary | null>;
  /**
   * Scans the shop and queues the offers that differ from what Amazon last accepted (stock changed
   * outside the save hooks); unchanged offers are never sent again. A partitioned worker compares
   * its own marketplaces only.
   */
  reconcile(options?: ReconcileOptions): Promise<ReconcileResult>;
  /** The exact documents that would be sent for these SKUs, and what would be rejected and why. */
  previewFeed(options: PreviewFeedOptions): Promise<FeedPreview>;
  status(): Promise<SellerSyncStatus>;
  /** The mapping table of this account: seller SKUs ↔ shop products per marketplace. */
  readonly mappings: ProductMappingStore;
  /** Listings and shop products that could not be matched, for the host to list, export and clear. */
  readonly mismatches: MismatchLog;
  /**
   * "Sync active products": reads the listings report of every marketplace of this worker (its
   * `partition`'s, else the account's), matches each listing and stores the mappings; see
   * `syncActiveListings`.
   */
  syncActiveListings(
    options?: Partial<Pick<ActiveListingsSyncOptions, 'marketplaceIds' | 'priority' | 'createMissingProducts' | 'defaultCategoryRef' | 'charset' | 'wait'>>,
  ): Promise<ActiveListingsSyncSummary>;
  /** Imports a mapping CSV (Title, Internal Reference, Seller SKU, Marketplace, Fulfilment); see `importMappingCsv`. */
  importMappingCsv(
    input: string | Uint8Array,
    options?: Partial<Pick<MappingCsvImportOptions, 'mode' | 'defaultMarketplaceId' | 'encoding'>>,
  ): Promise<MappingCsvImportResult>;
  /**
   * Matching mode: finds ASINs for shop products with a GTIN and queues offer-only listings, on the
   * marketplaces of this worker (its `partition`'s, else the account's); see `matchCatalog`.
   */
  matchCatalog(options?: Partial<Pick<CatalogMatchingOptions, 'marketplaceIds' | 'fulfillmentChannel'>>): Promise<CatalogMatchingSummary>;
}

/**
 * Creates the sync of one Amazon seller account against one shop.
 * @throws SellerSyncError `INVALID_OPTIONS` naming the wrong field (never quoting a secret).
 */
export function createSellerSync(options: SellerSyncOptions): SellerSync {
  validateSellerSyncOptions(options);
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const logger: SafeLogger = createSafeLogger(options.logger, [options.amazon.refreshToken, options.amazon.clientSecret]).child({
    sellersync: accountId,
  });
  const changeLog = createChangeLog(options.db, {
    tablePrefix: options.tablePrefix,
    accountId,
    clock: options.clock,
  });
  const gateway = createAmazonGateway({ ...options.gateway, amazon: options.amazon, logger });
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const matching = options.matching ?? {};
  // the marketplaces this worker calls Amazon for: its partition's, or every one of the account's
  const partition = options.partition ? [...new Set(options.partition.marketplaceIds)] : undefined;
  const ownMarketplaceIds = partition ?? options.amazon.marketplaceIds;
  const mappings = createProductMappings(options.db, { tablePrefix: options.tablePrefix, accountId, clock: options.clock });
  const matchingBase = { db: options.db, adapter: options.shop, tablePrefix: options.tablePrefix, accountId, logger, clock: options.clock };
  const listings = createListingsSync({
    db: options.db,
    shop: options.shop,
    gateway,
    changeLog,
    options: resolveListingsOptions(
      {
        timeScale: options.gateway?.timeScale,
        ...options.listings,
        // with a partition, a marketplace absent from amazon.marketplaceIds is one the account dropped
        withdrawFromRemovedMarketplaces: options.listings?.withdrawFromRemovedMarketplaces ?? options.partition !== undefined,
      },
      options.amazon.marketplaceIds,
    ),
    accountId,
    sellerId: options.amazon.sellerId,
    region: options.amazon.region,
    tablePrefix: options.tablePrefix,
    workerId,
    logger: logger.child({ capability: 'listings' }),
    clock: options.clock ?? Date.now,
    mappings,
    partition,
  });

  const orders = createOrderImporter({
    db: options.db,
    shop: options.shop,
    gateway,
    accountId,
    tablePrefix: options.tablePrefix,
    orders: options.orders?.matchBy === undefined && matching.priority !== undefined ? { ...options.orders, matchBy: matching.priority } : options.orders,
    partition,
    workerId,
    logger: logger.child({ capability: 'orders' }),
    clock: options.clock,
  });
  const shipments = createShipmentConfirmer({
    db: options.db,
    shop: options.shop,
    gateway,
    accountId,
    tablePrefix: options.tablePrefix,
    shipments: options.shipments,
    marketplaceIds: partition,
    workerId,
    logger: logger.child({ capability: 'shipments' }),
    clock: options.clock,
  });

  const sync: SellerSync = {
    accountId,
    changeLog,
    gateway,
    async runOnce() {
      const steps: [TickStep, () => Promise<unknown>][] = [['listings', () => sync.pushListings()]];
      // a tick skips what the shop cannot do; importOrders() and confirmShipments() called directly throw UNSUPPORTED_CAPABILITY
      if (hasCapability(options.shop, 'orders')) steps.push(['orders', () => sync.importOrders()]);
      if (hasCapability(options.shop, 'shipments')) steps.push(['shipments', () => sync.confirmShipments()]);
      const failures: { step: TickStep; error: unknown }[] = [];
      for (const [step, run] of steps) {
        try {
          await run();
        } catch (error) {
          logger.warn({ step, err: error }, 'a step of runOnce failed; the other steps still run');
          failures.push({ step, error });
        }
      }
      if (failures.length > 0) throw tickFailed(failures);
    },
    pushListings: (call) => listings.pushListings(call),
    importOrders: async (call) => (orders.options.enabled ? orders.importOrders(call) : null),
    confirmShipments: async () => (shipments.options.enabled ? shipments.confirmShipments() : null),
    reconcile: (call) => listings.reconcile(call),
    previewFeed: (call) => listings.previewFeed(call),
    mappings,
    mismatches: createMismatchLog(options.db, { tablePrefix: options.tablePrefix, accountId, clock: options.clock }),
    syncActiveListings: (call = {}) =>
      syncActiveListings({
        ...matchingBase,
        gateway,
        marketplaceIds: call.marketplaceIds ?? ownMarketplaceIds,
        priority: call.priority ?? matching.priority,
        createMissingProducts: call.createMissingProducts ?? matching.createMissingProducts,
        defaultCategoryRef: call.defaultCategoryRef ?? matching.defaultCategoryRef,
        charset: call.charset ?? matching.reportCharset,
        wait: call.wait ?? matching.reportWait,
      }),
    importMappingCsv: (input, call = {}) =>
      importMappingCsv(input, { ...matchingBase, marketplaceIds: options.amazon.marketplaceIds, mode: call.mode, defaultMarketplaceId: call.defaultMarketplaceId, encoding: call.encoding }),
    matchCatalog: (call = {}) =>
      matchCatalog({
        ...matchingBase,
        gateway,
        marketplaceIds: call.marketplaceIds ?? ownMarketplaceIds,
        fulfillmentChannel: call.fulfillmentChannel ?? matching.fulfillmentChannel,
      }),
    async status() {
      return {
        accountId,
        sellerId: options.amazon.sellerId,
        marketplaceIds: [...options.amazon.marketplaceIds],
        queue: await changeLog.stats(),
        listings: await listings.status(),
        orders: await orders.lastSummary(),
        shipments: { packages: await shipments.store.counts(), lastRun: shipments.lastSummary() },
      };
    },
  };
  return sync;
}
