import type { Knex } from 'knex';
import { SellerSyncError, driverMessage } from '../errors';
import { databaseEngine, isTransientLockError } from './dialect';
import { MIGRATIONS } from './migrations';
import { resolveTableNames, type TableNames } from './table-names';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Prefix of every sellersync table; a safe SQL identifier. Default `sellersync_`. */
  readonly tablePrefix?: string;
  /**
   * How long to wait, in ms, while another process holds the migration lock before giving up.
   * Default 120,000 (two minutes).
   */
  readonly lockTimeoutMs?: number;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Names of the migrations applied by this call (empty when the schema was up to date). */
  readonly applied: readonly string[];
}

const DEFAULT_LOCK_TIMEOUT_MS = 120_000;

/**
 * Creates or upgrades sellersync's tables in the database `knex` points at (SQLite through
 * better-sqlite3, PostgreSQL, or MySQL/MariaDB). Safe to call at every start: migrations already
 * applied are skipped.
 *
 * Concurrency: several processes MAY call it at once, also on a fresh database (the first deploy
 * of several workers). One of them applies the migrations while the others wait for knex's
 * migration lock (`<prefix>migrations_lock`), retrying with a short backoff for up to
 * `lockTimeoutMs`; a waiting caller then returns `applied: []`. A caller that finds the lock held
 * with no migration pending returns `applied: []` at once, without waiting. Each migration is
 * applied exactly once.
 *
 * A lock held longer than `lockTimeoutMs` while migrations are still pending is reported as
 * `MIGRATION_FAILED` naming the lock table: on MySQL/MariaDB every DDL statement commits at once,
 * so a process killed during a migration leaves the lock set, and it must be released by hand
 * once no process is migrating (`update <prefix>migrations_lock set is_locked = 0`).
 *
 * @throws SellerSyncError `INVALID_TABLE_PREFIX`, `UNSUPPORTED_DATABASE` or `MIGRATION_FAILED`.
 */
export async function migrate(knex: Knex, options: MigrateOptions = {}): Promise<MigrateResult> {
  const tables = resolveTableNames(options.tablePrefix);
  databaseEngine(knex);
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const source: Knex.MigrationSource<(typeof MIGRATIONS)[number]> = {
    getMigrations: async () => [...MIGRATIONS],
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({
      up: (db: Knex) => migration.up(db, tables),
      down: (db: Knex) => migration.down(db, tables),
    }),
  };
  const started = Date.now();
  let pauseMs = 25;
  for (;;) {
    let failure: unknown = null;
    try {
      await ensureMigrationTables(knex, tables);
      // knex warns on the console for every lock it cannot take: wait here while it is visibly held
      if (!(await migrationLockHeld(knex, tables))) {
        const [, applied] = (await knex.migrate.latest({ migrationSource: source, tableName: tables.migrations })) as [number, string[]];
        return { applied };
      }
      // a lock left set after the last migration (a killed process) must not hold up every start
      if ((await pendingMigrations(knex, tables)).length === 0) return { applied: [] };
    } catch (error) {
      if (SellerSyncError.isInstance(error)) throw error;
      if (!isMigrationLocked(error) && !isTransientLockError(error)) throw migrationFailed(error, tables);
      failure = error;
      if (isMigrationLocked(error) && (await pendingMigrations(knex, tables)).length === 0) return { applied: [] };
    }
    // another process is migrating, or one crashed holding the lock
    if (Date.now() - started >= lockTimeoutMs) {
      if ((await pendingMigrations(knex, tables)).length === 0) return { applied: [] };
      throw failure !== null && !isMigrationLocked(failure) ? migrationFailed(failure, tables) : lockHeld(failure, tables, lockTimeoutMs);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs * (0.5 + Math.random())));
    pauseMs = Math.min(1000, pauseMs * 2);
  }
}

/**
 * Creates knex's two bookkeeping tables (as knex would) and its one lock row, tolerating a
 * concurrent creator. knex checks and creates them without a lock, so two racing processes on a
 * fresh database would fail on "already exists" or insert two lock rows, after which no one can
 * take the lock again; the fixed `index = 1` makes the second insert a no-op, and a second row
 * left by such a race is removed.
 */
async function ensureMigrationTables(knex: Knex, tables: TableNames): Promise<void> {
  const create = async (name: string, build: (table: Knex.CreateTableBuilder) => void) => {
    if (await knex.schema.hasTable(name)) return;
    try {
      await knex.schema.createTable(name, build);
    } catch (error) {
      if (!(await knex.schema.hasTable(name))) throw error;
    }
  };
  await create(tables.migrations, (table) => {
    table.increments();
    table.string('name');
    table.integer('batch');
    table.timestamp('migration_time');
  });
  await create(tables.migrationsLock, (table) => {
    table.increments('index').primary();
    table.integer('is_locked');
  });
  const rows = (await knex(tables.migrationsLock).select('index').orderBy('index')) as { index: number | string }[];
  if (rows.length === 0) await knex(tables.migrationsLock).insert({ index: 1, is_locked: 0 }).onConflict('index').ignore();
  else if (rows.length > 1) await knex(tables.migrationsLock).where('index', '>', rows[0]!.index).delete();
}

async function migrationLockHeld(knex: Knex, tables: TableNames): Promise<boolean> {
  const row = (await knex(tables.migrationsLock).first('is_locked')) as { is_locked: number | string } | undefined;
  return row !== undefined && Number(row.is_locked) === 1;
}

async function pendingMigrations(knex: Knex, tables: TableNames): Promise<string[]> {
  try {
    const done = new Set(((await knex(tables.migrations).select('name')) as { name: string }[]).map((row) => row.name));
    return MIGRATIONS.map((migration) => migration.name).filter((name) => !done.has(name));
  } catch {
    return MIGRATIONS.map((migration) => migration.name);
  }
}

/** knex's "Migration table is already locked" (its `LockError`). */
function isMigrationLocked(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown } | null;
  return e?.name === 'MigrationLocked' || /already locked/i.test(String(e?.message));
}

function lockHeld(error: unknown, tables: TableNames, waitedMs: number): SellerSyncError {
  return new SellerSyncError({
    code: 'MIGRATION_FAILED',
    message:
      `sellersync's migration lock (table "${tables.migrationsLock}") has been held for more than ` +
      `${Math.round(waitedMs / 1000)} s while migrations are pending. If another process is still migrating, wait ` +
      `and call migrate() again. If none is (a process was killed during a migration: MySQL/MariaDB commit each ` +
      `DDL statement at once, so the lock stays set), release it with ` +
      `"update ${tables.migrationsLock} set is_locked = 0" and call migrate() again.`,
    details: { item: tables.prefix, field: 'lock', rule: 'migration lock held', table: tables.migrationsLock },
    cause: error ?? undefined,
    isRetryable: true,
  });
}

function migrationFailed(error: unknown, tables: TableNames): SellerSyncError {
  return new SellerSyncError({
    code: 'MIGRATION_FAILED',
    message: `Creating sellersync's tables (prefix "${tables.prefix}") failed: ${driverMessage(error)}. ` +
      `Check that the database user may create tables, and that no table of a migration killed halfway is left over.`,
    details: { item: tables.prefix },
    cause: error,
  });
}
