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

/**
 * MySQL's and MariaDB's `utf8mb4_bin` ignores trailing spaces (PAD SPACE), so `"SKU"` and `"SKU "`
 * would collide in a unique index; seller SKUs compare exactly, so their columns use a NO PAD binary
 * collation (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on MySQL 8). `null` on other engines.
 * Migrations 002 and 003 carry their own copy of this choice (released migrations are never edited).
 */
export async function noPadBinaryCollation(knex: Knex): Promise<string | null> {
  if (databaseEngine(knex) !== 'mysql') return null;
  const result = (await knex.raw('select version() as version')) as unknown as [{ version: string }[]];
  return /mariadb/i.test(String(result[0][0]?.version)) ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}
