import { changeLogMigration } from './001-change-log';
import type { SellerSyncMigration } from './migration';

/** Every migration, in the order it runs. Append new steps; never edit a released one. */
export const MIGRATIONS: readonly SellerSyncMigration[] = [changeLogMigration];

export type { SellerSyncMigration } from './migration';
