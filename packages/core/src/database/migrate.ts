import type { Knex } from 'knex';
import { SellerSyncError } from '../errors';
import { databaseEngine } from './dialect';
import { MIGRATIONS } from './migrations';
import { resolveTableNames } from './table-names';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Prefix of every sellersync table; a safe SQL identifier. Default `sellersync_`. */
  readonly tablePrefix?: string;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Names of the migrations applied by this call (empty when the schema was up to date). */
  readonly applied: readonly string[];
}

/**
 * Creates or upgrades sellersync's tables in the database `knex` points at (SQLite through
 * better-sqlite3, PostgreSQL, or MySQL/MariaDB). Safe to call at every start: migrations already
 * applied are skipped, and concurrent callers are serialised by knex's migration lock.
 *
 * @throws SellerSyncError `INVALID_TABLE_PREFIX`, `UNSUPPORTED_DATABASE` or `MIGRATION_FAILED`.
 */
export async function migrate(knex: Knex, options: MigrateOptions = {}): Promise<MigrateResult> {
  const tables = resolveTableNames(options.tablePrefix);
  databaseEngine(knex);
  const source: Knex.MigrationSource<(typeof MIGRATIONS)[number]> = {
    getMigrations: async () => [...MIGRATIONS],
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({
      up: (db: Knex) => migration.up(db, tables),
      down: (db: Knex) => migration.down(db, tables),
    }),
  };
  try {
    const [, applied] = (await knex.migrate.latest({
      migrationSource: source,
      tableName: tables.migrations,
    })) as [number, string[]];
    return { applied };
  } catch (error) {
    if (SellerSyncError.isInstance(error)) throw error;
    throw new SellerSyncError({
      code: 'MIGRATION_FAILED',
      message: `Creating sellersync's tables (prefix "${tables.prefix}") failed: ${(error as Error).message}. Check that the database user may create tables.`,
      details: { item: tables.prefix },
      cause: error,
    });
  }
}
