import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { describeEachEngine, dropTables, expectSellerSyncError, uniquePrefix } from '../test-support/database-engines';
import { migrate } from './migrate';
import { MIGRATIONS } from './migrations';
import { resolveTableNames } from './table-names';

const ALL = MIGRATIONS.map((migration) => migration.name);
const RERUNNABLE = '005-change-log-sku-collation';

const failure = (promise: Promise<unknown>) => expectSellerSyncError(promise, 'MIGRATION_FAILED');

describeEachEngine('migrate', (engine) => {
  let knex: Knex;
  const prefixes: string[] = [];
  const fresh = (label: string) => {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    return { prefix, tables: resolveTableNames(prefix) };
  };

  beforeAll(() => {
    knex = engine.connect(4);
  });

  afterAll(async () => {
    for (const prefix of prefixes) await dropTables(knex, prefix);
    await knex.destroy();
  });

  test('several processes migrating a fresh database at once all succeed; each migration runs once', async () => {
    for (let round = 0; round < 3; round += 1) {
      const { prefix, tables } = fresh('mr');
      // SQLite: one process, one connection (an in-memory database is per connection)
      const connections = Array.from({ length: 4 }, () => (engine.name === 'sqlite' ? knex : engine.connect(2)));
      let results: PromiseSettledResult<{ applied: readonly string[] }>[];
      try {
        results = await Promise.allSettled(connections.map((db) => migrate(db, { tablePrefix: prefix })));
      } finally {
        for (const db of connections) if (db !== knex) await db.destroy();
      }
      expect(results.map((result) => (result.status === 'rejected' ? String((result.reason as Error).message) : 'ok'))).toEqual([
        'ok',
        'ok',
        'ok',
        'ok',
      ]);
      const applied = results.flatMap((result) => (result.status === 'fulfilled' ? result.value.applied : []));
      expect([...applied].sort()).toEqual([...ALL].sort());
      expect((await knex(tables.migrations).select('name')).map((row) => row.name).sort()).toEqual([...ALL].sort());
      expect((await knex(tables.migrationsLock).select('is_locked')).map((row) => Number(row.is_locked))).toEqual([0]);
      expect((await migrate(knex, { tablePrefix: prefix })).applied).toEqual([]);
    }
  });

  test('a lock left set by a killed process, with migrations pending, fails with the lock table and the remedy', async () => {
    const { prefix, tables } = fresh('ml');
    await migrate(knex, { tablePrefix: prefix });
    await knex(tables.migrations).where('name', RERUNNABLE).delete();
    await knex(tables.migrationsLock).update({ is_locked: 1 });
    const started = Date.now();
    const error = await failure(migrate(knex, { tablePrefix: prefix, lockTimeoutMs: 400 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.details.table).toBe(tables.migrationsLock);
    expect(error.details.rule).toBe('migration lock held');
    expect(error.message).toContain(`"${tables.migrationsLock}"`);
    expect(error.message).toContain(`update ${tables.migrationsLock} set is_locked = 0`);
    expect(error.message).not.toContain('may create tables');
    // the remedy the message gives works
    await knex.raw(`update ${tables.migrationsLock} set is_locked = 0`);
    expect((await migrate(knex, { tablePrefix: prefix })).applied).toEqual([RERUNNABLE]);
  });

  test('a held lock with nothing pending neither fails nor waits: the schema is up to date', async () => {
    const { prefix, tables } = fresh('mh');
    await migrate(knex, { tablePrefix: prefix });
    await knex(tables.migrationsLock).update({ is_locked: 1 });
    // a realistic wait for the lock: every start would take it in full if migrate waited for a lock it does not need
    const started = Date.now();
    expect((await migrate(knex, { tablePrefix: prefix, lockTimeoutMs: 30_000 })).applied).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('a second lock row, as an earlier race could leave, is removed so the lock can be taken', async () => {
    const { prefix, tables } = fresh('md');
    await migrate(knex, { tablePrefix: prefix });
    await knex(tables.migrations).where('name', RERUNNABLE).delete();
    await knex(tables.migrationsLock).insert({ index: 2, is_locked: 0 });
    expect((await migrate(knex, { tablePrefix: prefix, lockTimeoutMs: 2000 })).applied).toEqual([RERUNNABLE]);
    expect(await knex(tables.migrationsLock).select('index')).toHaveLength(1);
  });

  describe('an ordinary failure', () => {
    test('is MIGRATION_FAILED at once, not a wait for the lock', async () => {
      const { prefix, tables } = fresh('mf');
      // a table in the way of the first migration
      await knex.schema.createTable(tables.changes, (table) => table.integer('x'));
      const started = Date.now();
      const error = await failure(migrate(knex, { tablePrefix: prefix, lockTimeoutMs: 30_000 }));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(error.code).toBe('MIGRATION_FAILED');
      expect(error.details.item).toBe(prefix);
      expect(error.cause).toBeDefined();
      // the driver's words, not knex's whole CREATE TABLE statement
      expect(error.message.length).toBeLessThan(700);
      expect(error.message).not.toMatch(/create table [`"']/i);
      expect(error.message).toContain(tables.changes);
    });
  });
});
