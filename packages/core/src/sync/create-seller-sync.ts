import { hostname } from 'node:os';
import { createChangeLog, DEFAULT_ACCOUNT_ID, type ChangeLogStats, type ChangeLogStore } from '../change-log';
import { createAmazonGateway, type AmazonGateway } from '../amazon-gateway';
import { notImplemented } from '../errors';
import { createSafeLogger, type SafeLogger } from '../logger';
import { validateSellerSyncOptions, type SellerSyncOptions } from './seller-sync-options';

/** What `status()` reports. */
export interface SellerSyncStatus {
  readonly accountId: string;
  readonly sellerId: string;
  readonly marketplaceIds: readonly string[];
  /** The change log: pending, in flight, failed, age of the oldest entry. */
  readonly queue: ChangeLogStats;
}

/** One sync object per Amazon seller account; see DESIGN §3. */
export interface SellerSync {
  readonly accountId: string;
  /** The change log of this account, for hosts that show or retry failed entries. */
  readonly changeLog: ChangeLogStore;
  /** The one gateway through which this account calls Amazon (feeds, listings, catalog, orders). */
  readonly gateway: AmazonGateway;
  /** One scheduler tick: listings, then orders, then shipments. */
  runOnce(): Promise<void>;
  pushListings(): Promise<unknown>;
  importOrders(): Promise<unknown>;
  confirmShipments(): Promise<unknown>;
  reconcile(): Promise<unknown>;
  previewFeed(options: { readonly skus: readonly string[]; readonly format?: 'json' | 'xml' }): Promise<unknown>;
  status(): Promise<SellerSyncStatus>;
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
  void workerId;
  void logger;

  const sync: SellerSync = {
    accountId,
    changeLog,
    gateway,
    async runOnce() {
      await sync.pushListings();
      await sync.importOrders();
      await sync.confirmShipments();
    },
    pushListings: async () => notImplemented('pushListings()'),
    importOrders: async () => notImplemented('importOrders()'),
    confirmShipments: async () => notImplemented('confirmShipments()'),
    reconcile: async () => notImplemented('reconcile()'),
    previewFeed: async () => notImplemented('previewFeed()'),
    async status() {
      return {
        accountId,
        sellerId: options.amazon.sellerId,
        marketplaceIds: [...options.amazon.marketplaceIds],
        queue: await changeLog.stats(),
      };
    },
  };
  return sync;
}
