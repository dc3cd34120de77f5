import { changeLogMigration } from './001-change-log';
import { listingsMigration } from './002-listings';
import { matchingMigration } from './003-matching';
import { ordersMigration } from './004-orders';
import { changeLogSkuCollationMigration } from './005-change-log-sku-collation';
import { feedQuotaLocksMigration } from './006-feed-quota-locks';
import { orderRecoveryMigration } from './007-order-recovery';
import { derivedDeletesMigration } from './008-derived-deletes';
import { partitionWorkersMigration } from './009-partition-workers';
import type { SellerSyncMigration } from './migration';

/**
 * Every migration; they run in the order of their names (`001-…`, `002-…`). Add new steps with
 * the next number; never edit a released one.
 */
export const MIGRATIONS: readonly SellerSyncMigration[] = [changeLogMigration, listingsMigration, matchingMigration, ordersMigration, changeLogSkuCollationMigration, feedQuotaLocksMigration, orderRecoveryMigration, derivedDeletesMigration, partitionWorkersMigration].sort((a, b) => a.name.localeCompare(b.name));

export type { SellerSyncMigration } from './migration';
