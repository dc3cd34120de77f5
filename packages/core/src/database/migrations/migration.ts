import type { Knex } from 'knex';
import { databaseEngine } from '../dialect';
import type { TableNames } from '../table-names';

/** One step of sellersync's schema. Names sort in the order they must run. */
export interface SellerSyncMigration {
  readonly name: string;
  up(knex: Knex, tables: TableNames): Promise<void>;
  down(knex: Knex, tables: TableNames): Promise<void>;
}

/**
 * Makes a table hold any Unicode text and compare SKUs exactly on MySQL/MariaDB, whose defaults
 * may be latin1 and case-insensitive; other engines ignore these settings.
 */
export function exactUnicode(knex: Knex, table: Knex.CreateTableBuilder): void {
  if (databaseEngine(knex) !== 'mysql') return;
  table.charset('utf8mb4');
  table.collate('utf8mb4_bin');
}
