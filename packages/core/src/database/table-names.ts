import { SellerSyncError, describeValue } from '../errors';

/** The default prefix of every table sellersync creates. */
export const DEFAULT_TABLE_PREFIX = 'sellersync_';

const SAFE_PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** The names of sellersync's tables for one prefix. */
export interface TableNames {
  readonly prefix: string;
  /** knex's record of applied migrations. */
  readonly migrations: string;
  readonly migrationsLock: string;
  /** The change log (transactional outbox). */
  readonly changes: string;
  /** Listing feed submissions and their messages. */
  readonly feedSubmissions: string;
  readonly feedSubmissionMessages: string;
  /** What Amazon last accepted per SKU and marketplace (hash for `reconcile`). */
  readonly listingStates: string;
  /** One lock row per seller and region, held while the feed quota is counted and a batch recorded. */
  readonly feedQuotaLocks: string;
  /** The partitioned workers of each account, with the marketplaces each names (listings). */
  readonly partitionWorkers: string;
  /** Shop product ↔ seller SKU mappings, and rows that could not be matched. */
  readonly productMappings: string;
  readonly mismatches: string;
  /** Imported orders, import cursors and import runs. */
  readonly orders: string;
  readonly orderCursors: string;
  readonly orderImportRuns: string;
  /** Shipment packages confirmed to Amazon. */
  readonly shipmentPackages: string;
}

/**
 * Validates a table prefix and returns sellersync's table names. A prefix is a safe SQL identifier
 * start: a letter or underscore, then letters, digits or underscores, at most 32 characters.
 *
 * @throws SellerSyncError `INVALID_TABLE_PREFIX` for anything else (`x; drop table y`).
 */
export function resolveTableNames(prefix: string = DEFAULT_TABLE_PREFIX): TableNames {
  if (typeof prefix !== 'string' || !SAFE_PREFIX.test(prefix)) {
    throw new SellerSyncError({
      code: 'INVALID_TABLE_PREFIX',
      message:
        `Table prefix ${describeValue(prefix)} is not a safe SQL identifier: use 1 to 32 letters, digits ` +
        `or underscores, starting with a letter or underscore (for example "sellersync_").`,
      details: { field: 'tablePrefix', rule: 'safe SQL identifier, 1 to 32 characters [A-Za-z0-9_]', value: prefix },
    });
  }
  const name = (suffix: string) => `${prefix}${suffix}`;
  return {
    prefix,
    migrations: name('migrations'),
    migrationsLock: name('migrations_lock'),
    changes: name('changes'),
    feedSubmissions: name('feed_submissions'),
    feedSubmissionMessages: name('feed_submission_messages'),
    listingStates: name('listing_states'),
    feedQuotaLocks: name('feed_quota_locks'),
    partitionWorkers: name('partition_workers'),
    productMappings: name('product_mappings'),
    mismatches: name('mismatches'),
    orders: name('orders'),
    orderCursors: name('order_cursors'),
    orderImportRuns: name('order_import_runs'),
    shipmentPackages: name('shipment_packages'),
  };
}
