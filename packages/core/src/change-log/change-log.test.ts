import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { migrate } from '../database/migrate';
import { resolveTableNames } from '../database/table-names';
import { SellerSyncError, describeValue } from '../errors';
import { describeEachEngine, dropTables, expectSellerSyncError, uniquePrefix } from '../test-support/database-engines';
import { createChangeLog, type ChangeLogStore } from './change-log';
import { enqueueChange } from './enqueue-change';

const DE = 'A1PA6795UKMFR9';
const FR = 'A13V1IB3VIYZZH';

const expectCode = expectSellerSyncError;

describeEachEngine('change log', (engine) => {
  let knex: Knex;
  let prefix: string;
  let table: string;

  beforeAll(async () => {
    knex = engine.connect(8);
    prefix = uniquePrefix('cl');
    table = resolveTableNames(prefix).changes;
    await migrate(knex, { tablePrefix: prefix });
  });

  afterAll(async () => {
    await dropTables(knex, prefix);
    await knex.destroy();
  });

  const reset = () => knex(table).delete();
  const rows = () => knex(table).select('*').orderBy('id');
  const store = (options: Partial<Parameters<typeof createChangeLog>[1]> = {}) =>
    createChangeLog(knex, { tablePrefix: prefix, ...options });

  describe('migrate', () => {
    test('running it again applies nothing and keeps the data', async () => {
      await reset();
      await enqueueChange(knex, { sku: 'KEEP-ME' }, { tablePrefix: prefix });
      const again = await migrate(knex, { tablePrefix: prefix });
      expect(again.applied).toEqual([]);
      expect(await rows()).toHaveLength(1);
    });

    test('an unsafe table prefix is refused before any SQL runs', async () => {
      const error = await expectCode(migrate(knex, { tablePrefix: 'x; drop table y' }), 'INVALID_TABLE_PREFIX');
      expect(error.message).toContain('x; drop table y');
      expect(error.details.field).toBe('tablePrefix');
      await expectCode(migrate(knex, { tablePrefix: '' }), 'INVALID_TABLE_PREFIX');
      await expectCode(migrate(knex, { tablePrefix: '1abc_' }), 'INVALID_TABLE_PREFIX');
      await expectCode(migrate(knex, { tablePrefix: 'a'.repeat(33) }), 'INVALID_TABLE_PREFIX');
      await expectCode(enqueueChange(knex, { sku: 'A' }, { tablePrefix: 'a-b' }), 'INVALID_TABLE_PREFIX');
    });
  });

  describe('enqueueChange', () => {
    test('a rolled-back host transaction queues nothing; a committed one queues the change', async () => {
      await reset();
      await expect(
        knex.transaction(async (trx) => {
          await enqueueChange(trx, { sku: 'ROLLED-BACK' }, { tablePrefix: prefix });
          throw new Error('the shop save failed');
        }),
      ).rejects.toThrow('the shop save failed');
      expect(await rows()).toHaveLength(0);

      await knex.transaction(async (trx) => {
        await enqueueChange(trx, { sku: 'COMMITTED', productRef: '42' }, { tablePrefix: prefix });
      });
      const [row] = await rows();
      expect(row.sku).toBe('COMMITTED');
      expect(row.kind).toBe('offer');
      expect(row.marketplace_id).toBe('*');
      expect(row.account_id).toBe('default');
      expect(row.product_ref).toBe('42');
    });

    test('10,000 separate enqueues on 100 SKUs leave 100 rows, each at version 100', async () => {
      await reset();
      // ten host transactions of 1,000 saves each, as a busy shop's hooks would produce
      for (let batch = 0; batch < 10; batch += 1) {
        await knex.transaction(async (trx) => {
          for (let call = 0; call < 1000; call += 1)
            await enqueueChange(trx, { sku: `SKU-${(batch * 1000 + call) % 100}` }, { tablePrefix: prefix });
        });
      }
      const all = await rows();
      expect(all).toHaveLength(100);
      expect(new Set(all.map((row) => row.sku)).size).toBe(100);
      expect(all.map((row) => Number(row.version))).toEqual(Array.from({ length: 100 }, () => 100));
      // one call with 10,000 changes coalesces in memory: one bump per key
      await enqueueChange(knex, Array.from({ length: 10_000 }, (_, index) => ({ sku: `SKU-${index % 100}` })), { tablePrefix: prefix });
      expect((await rows()).every((row) => Number(row.version) === 101)).toBe(true);
    });

    test.each([1, 50, 51, 10_000])('one database round trip per call of %i change(s), counting every query', async (count) => {
      await reset();
      const queries: string[] = [];
      await knex.transaction(async (trx) => {
        const listener = (query: { sql: string }) => queries.push(query.sql);
        trx.on('query', listener);
        try {
          await enqueueChange(trx, Array.from({ length: count }, (_, i) => ({ sku: `RT-${i}`, kind: 'listing' as const })), {
            tablePrefix: prefix,
          });
        } finally {
          trx.removeListener('query', listener);
        }
      });
      expect(queries).toHaveLength(1);
      expect(queries[0]).toContain(table);
      expect(await rows()).toHaveLength(count);
    });

    test.each([1, 50, 10_000])(
      'a database error on %i changes names the driver\'s problem without the SQL or its values',
      async (count) => {
        const missing = uniquePrefix('gone');
        const changes = Array.from({ length: count }, (_, i) => ({ sku: `LEAK-${i}`, productRef: `secret-ref-${i}` }));
        const error = await expectCode(enqueueChange(knex, changes, { tablePrefix: missing }), 'DATABASE_ERROR');
        expect(error.message.length).toBeLessThan(600);
        expect(error.message).toContain(`Could not queue ${count} change(s)`);
        expect(error.message).toContain(missing);
        expect(error.message).not.toContain('LEAK-1');
        expect(error.message).not.toContain('secret-ref');
        expect(error.message).not.toMatch(/insert into/i);
        expect(error.isRetryable).toBe(true);
        // the raw error stays available to the host's own logs
        expect((error.cause as Error).message.length).toBeGreaterThan(0);
      },
    );

    test.each([
      ['bound values', 0],
      ['one JSON parameter', 60],
    ])('keys are (account, marketplace, sku, kind); SKUs are exact and Unicode-safe (%s)', async (_path, padding) => {
      await reset();
      const keyed = [
        { sku: 'abc', productRef: 'p-1' },
        { sku: 'ABC' },
        { sku: 'abc', kind: 'listing' as const },
        { sku: 'abc', marketplaceId: DE },
        { sku: 'abc', accountId: 'second-account' },
        { sku: 'Tasse ☕ grün', productRef: 'Ref ☕' },
        { sku: '😀'.repeat(40) },
      ];
      const pad = Array.from({ length: padding }, (_, i) => ({ sku: `PAD-${i}` }));
      await enqueueChange(knex, [...keyed, ...pad], { tablePrefix: prefix });
      const all = await rows();
      expect(all).toHaveLength(7 + padding);
      const bySku = new Map(all.map((row) => [`${row.account_id}|${row.marketplace_id}|${row.sku}|${row.kind}`, row]));
      expect(bySku.get('default|*|abc|offer')?.product_ref).toBe('p-1');
      expect(bySku.has('default|*|ABC|offer')).toBe(true);
      expect(bySku.has('default|*|abc|listing')).toBe(true);
      expect(bySku.has(`default|${DE}|abc|offer`)).toBe(true);
      expect(bySku.has('second-account|*|abc|offer')).toBe(true);
      expect(bySku.get('default|*|Tasse ☕ grün|offer')?.product_ref).toBe('Ref ☕');
      expect(bySku.has(`default|*|${'😀'.repeat(40)}|offer`)).toBe(true);
      // a later change without a product ref keeps the known one
      await enqueueChange(knex, [{ sku: 'abc' }, ...pad], { tablePrefix: prefix });
      const again = (await rows()).find((row) => row.sku === 'abc' && row.kind === 'offer' && row.marketplace_id === '*' && row.account_id === 'default');
      expect(again.product_ref).toBe('p-1');
      expect(Number(again.version)).toBe(2);
    });

    test('a SKU with white space at either end is refused; "X" and "X " stay two entries in the table', async () => {
      await reset();
      for (const sku of ['X ', ' X', 'X\u00a0', '\u3000X']) {
        const error = await expectCode(enqueueChange(knex, { sku }, { tablePrefix: prefix }), 'INVALID_CHANGE');
        expect(error.details.rule).toBe('must not begin or end with white space');
        expect(error.details.value).toBe(sku);
        expect(error.message).toContain(JSON.stringify(sku));
      }
      // a row queued before the rule existed: the queue's key must not fold it into "X" (PAD SPACE)
      const now = Date.now();
      const legacy = { account_id: 'default', marketplace_id: '*', kind: 'offer', version: 1, status: 'pending', attempts: 0 };
      await knex(table).insert({ ...legacy, sku: 'X ', next_attempt_at: now, created_at: now, updated_at: now });
      await enqueueChange(knex, { sku: 'X' }, { tablePrefix: prefix });
      await enqueueChange(knex, [{ sku: 'X' }, { sku: 'PAD' }], { tablePrefix: prefix });
      const all = (await rows()).map((row) => [row.sku, Number(row.version)]);
      expect(all).toEqual([
        ['X ', 1],
        ['X', 2],
        ['PAD', 1],
      ]);
      expect(await knex(table).where('sku', 'X').count({ n: '*' }).first().then((row) => Number(row?.n))).toBe(1);
    });

    test.each([
      ['bound values', 0],
      ['one JSON parameter', 60],
    ])("onInvalid: 'skip' queues the valid changes in one round trip and returns the invalid ones (%s)", async (_path, padding) => {
      await reset();
      const pad = Array.from({ length: padding }, (_, i) => ({ sku: `PAD-${i}` }));
      const changes = [{ sku: 'GOOD-1' }, { sku: 'x'.repeat(41) }, ...pad, { sku: 'GOOD-2', kind: 'listing' as const }, { sku: 'OK', kind: 'price' }];
      const queries: string[] = [];
      const listener = (query: { sql: string }) => queries.push(query.sql);
      knex.on('query', listener);
      let result: Awaited<ReturnType<typeof enqueueChange>>;
      try {
        result = await enqueueChange(knex, changes as never, { tablePrefix: prefix, onInvalid: 'skip' });
      } finally {
        knex.removeListener('query', listener);
      }
      expect(queries).toHaveLength(1);
      expect(result.entries).toBe(2 + padding);
      expect(result.rejected.map((r) => [r.index, r.error.code, r.error.details.field, r.error.details.value])).toEqual([
        [1, 'INVALID_CHANGE', 'sku', 'x'.repeat(41)],
        [3 + padding, 'INVALID_CHANGE', 'kind', 'price'],
      ]);
      expect(result.rejected[0]!.change).toBe(changes[1]);
      expect(result.rejected[1]!.error.details.rule).toBe('must be one of offer, listing, delete');
      expect(result.rejected[1]!.error.details.item).toBe('OK');
      expect((await rows()).map((row) => row.sku).filter((sku) => !sku.startsWith('PAD-')).sort()).toEqual(['GOOD-1', 'GOOD-2']);
    });

    test("onInvalid: 'skip' with nothing valid sends no query; the default still refuses the whole call", async () => {
      await reset();
      const queries: string[] = [];
      const listener = (query: { sql: string }) => queries.push(query.sql);
      knex.on('query', listener);
      try {
        const result = await enqueueChange(knex, [{ sku: '' }, { sku: 'A', accountId: 'no space' }], { tablePrefix: prefix, onInvalid: 'skip' });
        expect(result).toMatchObject({ entries: 0 });
        expect(result.rejected.map((r) => r.error.details.field)).toEqual(['sku', 'accountId']);
      } finally {
        knex.removeListener('query', listener);
      }
      expect(queries).toEqual([]);
      await expectCode(enqueueChange(knex, [{ sku: 'GOOD' }, { sku: '' }], { tablePrefix: prefix }), 'INVALID_CHANGE');
      await expectCode(enqueueChange(knex, { sku: 'GOOD' }, { tablePrefix: prefix, onInvalid: 'ignore' as never }), 'INVALID_OPTIONS');
      expect(await rows()).toHaveLength(0);
    });

    test('every validation rule rejects its bad value with INVALID_CHANGE naming field, rule and value; nothing is written', async () => {
      await reset();
      const skuLength = 'must be 1 to 40 characters';
      const bad: Array<[unknown, string, string | RegExp, unknown]> = [
        [{ sku: '' }, 'sku', `${skuLength} (has 0)`, ''],
        [{ sku: 'x'.repeat(41) }, 'sku', `${skuLength} (has 41)`, 'x'.repeat(41)],
        [{ sku: 'tab\there' }, 'sku', 'must not contain control characters', 'tab\there'],
        [{ sku: 'nul\u0000' }, 'sku', 'must not contain control characters', 'nul\u0000'],
        [{ sku: 'broken\uD800' }, 'sku', 'must be valid Unicode text', 'broken\uD800'],
        [{ sku: 42 }, 'sku', 'must be a string', 42],
        [{ sku: ' LEAD' }, 'sku', 'must not begin or end with white space', ' LEAD'],
        [{ sku: 'TRAIL ' }, 'sku', 'must not begin or end with white space', 'TRAIL '],
        [{ sku: 'OK', kind: 'price' }, 'kind', 'must be one of offer, listing, delete', 'price'],
        [{ sku: 'OK', marketplaceId: 'de' }, 'marketplaceId', /marketplace id/, 'de'],
        [{ sku: 'OK', marketplaceId: 'B1PA6795UKMFR9' }, 'marketplaceId', /marketplace id/, 'B1PA6795UKMFR9'],
        [{ sku: 'OK', marketplaceId: 123 }, 'marketplaceId', /marketplace id/, 123],
        [{ sku: 'OK', accountId: 'has space' }, 'accountId', /1 to 64 letters/, 'has space'],
        [{ sku: 'OK', accountId: 7 }, 'accountId', /1 to 64 letters/, 7],
        [{ sku: 'OK', productRef: '' }, 'productRef', /1 to 191 characters/, ''],
        [{ sku: 'OK', productRef: 'r'.repeat(192) }, 'productRef', /1 to 191 characters/, 'r'.repeat(192)],
        [{ sku: 'OK', productRef: 'line\nbreak' }, 'productRef', /without control characters/, 'line\nbreak'],
        [{ sku: 'OK', productRef: 99 }, 'productRef', /1 to 191 characters/, 99],
        // a lone surrogate cannot be stored (JSON and the databases refuse it): refused like a bad SKU, so `onInvalid: 'skip'` can skip it
        [{ sku: 'OK', productRef: 'ref\uD800x' }, 'productRef', /valid Unicode text/, 'ref\uD800x'],
        [null, 'change', 'must be an object', null],
      ];
      for (const [change, field, rule, value] of bad) {
        const error = await expectCode(
          enqueueChange(knex, [{ sku: 'GOOD' }, change as never], { tablePrefix: prefix }),
          'INVALID_CHANGE',
        );
        expect(error.details.field).toBe(field);
        if (typeof rule === 'string') expect(error.details.rule).toBe(rule);
        else expect(error.details.rule).toMatch(rule);
        expect(error.details.value).toEqual(value);
        expect(error.details.index).toBe(1);
        expect(error.message).toContain(field);
        expect(error.message).toContain(describeValue(value));
      }
      expect(await rows()).toHaveLength(0);
    });
  });

  describe('store', () => {
    test('claim leases due entries oldest first and never returns a leased entry twice', async () => {
      await reset();
      await enqueueChange(knex, [{ sku: 'A' }, { sku: 'B' }, { sku: 'C' }], { tablePrefix: prefix });
      const log = store();
      const first = await log.claim({ workerId: 'w1', limit: 2, leaseMs: 60_000 });
      expect(first.map((c) => c.sku)).toEqual(['A', 'B']);
      expect(first[0]!.claimedBy).toBe('w1');
      const second = await log.claim({ workerId: 'w2', limit: 10, leaseMs: 60_000 });
      expect(second.map((c) => c.sku)).toEqual(['C']);
      expect(await log.claim({ workerId: 'w3', limit: 10, leaseMs: 60_000 })).toEqual([]);
      const stats = await log.stats();
      expect(stats.inFlight).toBe(3);
      expect(stats.pending).toBe(0);
    });

    test('fractional times (a lease, a retry delay, a release delay) are taken to the millisecond, on every engine', async () => {
      await reset();
      await enqueueChange(knex, [{ sku: 'FRAC-1' }, { sku: 'FRAC-2' }], { tablePrefix: prefix });
      const now = Date.now() + 1000;
      const log = store({ clock: () => now });
      const claims = await log.claim({ workerId: 'w', limit: 2, leaseMs: 1000.5 });
      expect(claims.map((c) => c.leaseUntil!.getTime() - now)).toEqual([1001, 1001]);
      expect(await log.extendLease(claims, 'w', 2000.4)).toBe(2);
      expect(await log.fail([{ ...claims[0]!, code: 'X', message: 'later', retryable: true, retryAfterMs: 1500.5 }])).toMatchObject({ failed: 1 });
      expect(await log.release([claims[1]!], { delayMs: 10.7 })).toBe(1);
      const due = Object.fromEntries((await rows()).map((r) => [r.sku, Number(r.next_attempt_at) - now]));
      expect(due).toEqual({ 'FRAC-1': 1501, 'FRAC-2': 11 });
    });

    test('claim filters by marketplace (keeping all-marketplace entries) and by kind', async () => {
      await reset();
      await enqueueChange(
        knex,
        [{ sku: 'ALL' }, { sku: 'DE-ONLY', marketplaceId: DE }, { sku: 'FR-ONLY', marketplaceId: FR }, { sku: 'GONE', kind: 'delete' }],
        { tablePrefix: prefix },
      );
      const log = store();
      const de = await log.claim({ workerId: 'w', limit: 10, leaseMs: 1000, marketplaceIds: [DE], kinds: ['offer'] });
      expect(de.map((c) => c.sku)).toEqual(['ALL', 'DE-ONLY']);
    });

    test('a change that arrives while its SKU is claimed survives the older acknowledgement', async () => {
      await reset();
      await enqueueChange(knex, { sku: 'RACE' }, { tablePrefix: prefix });
      const log = store();
      const [claimed] = await log.claim({ workerId: 'w1', limit: 10, leaseMs: 60_000 });
      expect(claimed!.version).toBe(1);
      // the shop saves again while version 1 is on its way to Amazon
      await knex.transaction((trx) => enqueueChange(trx, { sku: 'RACE' }, { tablePrefix: prefix }));
      const result = await log.acknowledge([claimed!]);
      expect(result).toEqual({ acknowledged: 0, superseded: 1 });
      const [again] = await log.claim({ workerId: 'w2', limit: 10, leaseMs: 60_000 });
      expect(again!.sku).toBe('RACE');
      expect(again!.version).toBe(2);
      expect(await log.acknowledge([again!])).toEqual({ acknowledged: 1, superseded: 0 });
      expect(await log.acknowledge([again!])).toEqual({ acknowledged: 0, superseded: 0 });
      expect(await rows()).toHaveLength(0);
    });

    test('an expired lease is reclaimed by another worker', async () => {
      await reset();
      let now = Date.now() + 1000;
      const log = store({ clock: () => now });
      await enqueueChange(knex, [{ sku: 'CRASH-1' }, { sku: 'CRASH-2' }], { tablePrefix: prefix });
      const crashed = await log.claim({ workerId: 'crashed', limit: 10, leaseMs: 30_000 });
      expect(crashed).toHaveLength(2);
      now += 10_000;
      expect(await log.claim({ workerId: 'other', limit: 10, leaseMs: 30_000 })).toEqual([]);
      now += 30_000;
      const taken = await log.claim({ workerId: 'other', limit: 1, leaseMs: 30_000 });
      expect(taken.map((c) => c.sku)).toEqual(['CRASH-1']);
      expect(taken[0]!.claimedBy).toBe('other');
      expect(await log.reclaimExpired()).toBe(1);
      const [rest] = await log.claim({ workerId: 'third', limit: 10, leaseMs: 30_000 });
      expect(rest!.sku).toBe('CRASH-2');
    });

    test('extendLease keeps a long-running claim alive', async () => {
      await reset();
      let now = Date.now() + 1000;
      const log = store({ clock: () => now });
      await enqueueChange(knex, { sku: 'SLOW' }, { tablePrefix: prefix });
      const claims = await log.claim({ workerId: 'w1', limit: 1, leaseMs: 10_000 });
      now += 9_000;
      expect(await log.extendLease(claims, 'w1', 10_000)).toBe(1);
      expect(await log.extendLease(claims, 'someone-else', 10_000)).toBe(0);
      now += 9_000;
      expect(await log.claim({ workerId: 'w2', limit: 1, leaseMs: 10_000 })).toEqual([]);
    });

    test('fail keeps the error text, counts attempts and backs off; parked entries wait for a new change', async () => {
      await reset();
      let now = Date.now() + 1000;
      const log = store({ clock: () => now, backoff: { baseMs: 1000, maxMs: 8000, jitter: 0 } });
      // two calls: within one call, entries are created in key order, not in the order given
      await enqueueChange(knex, { sku: 'RETRY' }, { tablePrefix: prefix });
      await enqueueChange(knex, { sku: 'PARK' }, { tablePrefix: prefix });
      const [retry, park] = await log.claim({ workerId: 'w', limit: 10, leaseMs: 60_000 });
      const result = await log.fail([
        { ...retry!, code: 'FEED_FATAL', message: 'the feed ended FATAL', retryable: true },
        { ...park!, code: '90220', message: "SKU PARK: 'item_name' is required but not supplied.", retryable: false },
      ]);
      expect(result).toEqual({ failed: 2, superseded: 0 });
      const failed = await log.list({ status: 'failed' });
      expect(failed.map((e) => [e.sku, e.attempts, e.lastError?.code])).toEqual([
        ['RETRY', 1, 'FEED_FATAL'],
        ['PARK', 1, '90220'],
      ]);
      expect(failed[0]!.nextAttemptAt!.getTime()).toBe(now + 1000);
      expect(failed[1]!.nextAttemptAt).toBeNull();
      expect(failed[1]!.lastError!.message).toContain('item_name');
      expect((await log.stats()).parked).toBe(1);

      now += 1000;
      const [second] = await log.claim({ workerId: 'w', limit: 10, leaseMs: 60_000 });
      expect(second!.sku).toBe('RETRY');
      await log.fail([{ ...second!, code: 'FEED_FATAL', message: 'again', retryable: true }]);
      expect((await log.list({ skus: ['RETRY'] }))[0]!.nextAttemptAt!.getTime()).toBe(now + 2000);

      // the parked entry comes back when the shop changes the product again
      await enqueueChange(knex, { sku: 'PARK' }, { tablePrefix: prefix });
      const [unparked] = await log.claim({ workerId: 'w', limit: 10, leaseMs: 60_000 });
      expect(unparked!.sku).toBe('PARK');
      expect(unparked!.version).toBe(2);
      expect(unparked!.lastError?.code).toBe('90220');
    });

    test('a failure of an entry changed meanwhile keeps it pending for the new version', async () => {
      await reset();
      const log = store();
      await enqueueChange(knex, { sku: 'MOVING' }, { tablePrefix: prefix });
      const claims = await log.claim({ workerId: 'w', limit: 1, leaseMs: 60_000 });
      await enqueueChange(knex, { sku: 'MOVING' }, { tablePrefix: prefix });
      expect(await log.fail([{ ...claims[0]!, code: 'X', message: 'old version rejected', retryable: false }])).toEqual({
        failed: 0,
        superseded: 1,
      });
      const [next] = await log.claim({ workerId: 'w', limit: 1, leaseMs: 60_000 });
      expect(next!.version).toBe(2);
      expect(next!.status).toBe('pending');
    });

    /** A claims `sku` with a 1 s lease and stalls past it (a GC pause, a slow shop read); B takes over. */
    const takenOver = async (sku: string) => {
      await reset();
      let now = Date.now() + 1000;
      const log = store({ clock: () => now });
      await enqueueChange(knex, { sku }, { tablePrefix: prefix });
      const [stale] = await log.claim({ workerId: 'A', limit: 1, leaseMs: 1_000 });
      now += 2_000;
      const [live] = await log.claim({ workerId: 'B', limit: 1, leaseMs: 60_000 });
      expect(live!.id).toBe(stale!.id);
      return { log, stale: stale!, live: live! };
    };

    test.each(['release', 'fail', 'acknowledge after a newer change'] as const)(
      'a worker whose lease expired cannot free the claim of the worker that took over (%s)',
      async (settle) => {
        const { log, stale, live } = await takenOver('SLOW');
        if (settle === 'acknowledge after a newer change') await enqueueChange(knex, { sku: 'SLOW' }, { tablePrefix: prefix });
        if (settle === 'release') expect(await log.release([stale])).toBe(0);
        else if (settle === 'fail')
          expect(await log.fail([{ ...stale, code: 'X', message: 'late', retryable: true, retryAfterMs: 0 }])).toEqual({
            failed: 0,
            superseded: 0,
          });
        else expect(await log.acknowledge([stale])).toEqual({ acknowledged: 0, superseded: 0 });
        const [row] = await rows();
        expect(row.claimed_by).toBe('B');
        expect(row.last_error_code).toBeNull();
        expect(await log.claim({ workerId: 'C', limit: 1, leaseMs: 60_000 })).toEqual([]);
        // B's own settlement still works
        if (settle === 'acknowledge after a newer change') expect(await log.acknowledge([live])).toEqual({ acknowledged: 0, superseded: 1 });
        else expect(await log.acknowledge([live])).toEqual({ acknowledged: 1, superseded: 0 });
      },
    );

    test('a claim without claimedBy is settled as before, whoever holds the entry', async () => {
      const { log, stale } = await takenOver('LEGACY');
      expect(await log.release([{ id: stale.id, version: stale.version }])).toBe(1);
      expect((await rows())[0].claimed_by).toBeNull();
    });

    test('release gives entries back without an attempt, after a delay; retry revives failures', async () => {
      await reset();
      let now = Date.now() + 1000;
      const log = store({ clock: () => now });
      await enqueueChange(knex, [{ sku: 'R1' }, { sku: 'R2' }], { tablePrefix: prefix });
      const claims = await log.claim({ workerId: 'w', limit: 10, leaseMs: 60_000 });
      expect(await log.release(claims, { delayMs: 5000 })).toBe(2);
      expect(await log.claim({ workerId: 'w', limit: 10, leaseMs: 60_000 })).toEqual([]);
      now += 5000;
      const again = await log.claim({ workerId: 'w', limit: 10, leaseMs: 60_000 });
      expect(again.map((c) => [c.sku, c.attempts])).toEqual([
        ['R1', 0],
        ['R2', 0],
      ]);
      await log.fail(again.map((c) => ({ ...c, code: 'BAD', message: 'bad', retryable: false })));
      expect(await log.retry([again[0]!.id])).toBe(1);
      expect((await log.claim({ workerId: 'w', limit: 10, leaseMs: 60_000 })).map((c) => c.sku)).toEqual(['R1']);
    });

    test('stats count pending, due, in flight, failed and the age of the oldest entry', async () => {
      await reset();
      let now = Date.now() + 1000;
      const log = store({ clock: () => now });
      expect(await log.stats()).toEqual({ pending: 0, due: 0, inFlight: 0, failed: 0, parked: 0, total: 0, oldestAgeMs: null });
      await enqueueChange(knex, [{ sku: 'S1' }, { sku: 'S2' }, { sku: 'S3' }, { sku: 'S4' }], { tablePrefix: prefix });
      const claims = await log.claim({ workerId: 'w', limit: 2, leaseMs: 60_000 });
      await log.fail([{ ...claims[0]!, code: 'E', message: 'e', retryable: true }]);
      now += 500;
      const stats = await log.stats();
      expect(stats).toMatchObject({ pending: 2, due: 2, inFlight: 1, failed: 1, parked: 0, total: 4 });
      expect(stats.oldestAgeMs!).toBeGreaterThan(500);
    });

    test('invalid claim options are refused', async () => {
      const log = store();
      await expectCode(log.claim({ workerId: '', limit: 1, leaseMs: 1 }), 'INVALID_OPTIONS');
      await expectCode(log.claim({ workerId: 'w', limit: 0, leaseMs: 1 }), 'INVALID_OPTIONS');
      await expectCode(log.claim({ workerId: 'w', limit: 1, leaseMs: -5 }), 'INVALID_OPTIONS');
    });
  });

  describe('workers partitioned by marketplace', () => {
    const UK = 'A1F83G8C2ARO7P';
    const IT = 'APJ6JRA9NG5V4';
    const account = [DE, FR, UK];
    const keyed = async () =>
      (await rows()).map((row) => [row.marketplace_id, row.sku, row.kind, Number(row.version), row.product_ref, row.claimed_by]);

    test('claim and stats keep to the scope: own marketplaces, "*", and (with accountMarketplaceIds) marketplaces the account dropped', async () => {
      await reset();
      await enqueueChange(
        knex,
        [{ sku: 'ALL' }, { sku: 'DE-1', marketplaceId: DE }, { sku: 'FR-1', marketplaceId: FR }, { sku: 'UK-1', marketplaceId: UK }, { sku: 'IT-1', marketplaceId: IT }],
        { tablePrefix: prefix },
      );
      const log = store();
      expect(await log.stats()).toMatchObject({ pending: 5, total: 5 });
      expect(await log.stats({ marketplaceIds: [DE] })).toMatchObject({ pending: 2, total: 2 });
      // IT is not one of the account's: no partition owns it, so every partitioned worker may take it
      expect(await log.stats({ marketplaceIds: [DE], accountMarketplaceIds: account })).toMatchObject({ pending: 3, total: 3 });
      const de = await log.claim({ workerId: 'de', limit: 10, leaseMs: 60_000, marketplaceIds: [DE], accountMarketplaceIds: account });
      expect(de.map((c) => c.sku).sort()).toEqual(['ALL', 'DE-1', 'IT-1']);
      expect(await log.stats({ marketplaceIds: [DE], accountMarketplaceIds: account })).toMatchObject({ pending: 0, inFlight: 3 });
      expect(await log.stats({ marketplaceIds: [FR], accountMarketplaceIds: account })).toMatchObject({ pending: 1, inFlight: 2, total: 3 });
      const fr = await log.claim({ workerId: 'fr', limit: 10, leaseMs: 60_000, marketplaceIds: [FR], accountMarketplaceIds: account });
      expect(fr.map((c) => c.sku)).toEqual(['FR-1']);
    });

    test('expand queues a "*" entry on every account marketplace, coalescing with queued ones, and acknowledges it', async () => {
      await reset();
      let now = Date.now() + 1000;
      const log = store({ clock: () => now });
      await enqueueChange(knex, { sku: 'MUG', marketplaceId: DE }, { tablePrefix: prefix });
      const [dePending] = await log.list();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await enqueueChange(knex, [{ sku: 'MUG', productRef: 'p-1' }, { sku: 'CUP', kind: 'listing' }], { tablePrefix: prefix });
      now += 1000;
      const stars = await log.claim({ workerId: 'de', limit: 10, leaseMs: 60_000, marketplaceIds: [DE], accountMarketplaceIds: account });
      expect(stars.map((c) => [c.marketplaceId, c.sku])).toEqual([[DE, 'MUG'], ['*', 'CUP'], ['*', 'MUG']]);
      const result = await log.expand(stars.filter((c) => c.marketplaceId === '*'), account, (claim) => (claim.sku === 'MUG' ? [IT] : []));
      expect(result).toEqual({ acknowledged: 2, superseded: 0, entries: 7 });
      expect((await keyed()).sort()).toEqual(
        [
          [DE, 'CUP', 'listing', 1, null, null],
          [FR, 'CUP', 'listing', 1, null, null],
          [UK, 'CUP', 'listing', 1, null, null],
          // the DE entry was claimed along with the "*" one: its version goes up, so its pending acknowledgement keeps it
          [DE, 'MUG', 'offer', 2, 'p-1', 'de'],
          [FR, 'MUG', 'offer', 1, 'p-1', null],
          [UK, 'MUG', 'offer', 1, 'p-1', null],
          [IT, 'MUG', 'offer', 1, 'p-1', null],
        ].sort(),
      );
      const entries = await log.list({ skus: ['MUG'] });
      const star = stars.find((c) => c.sku === 'MUG' && c.marketplaceId === '*')!;
      // the times of the change the shop queued, not of the expansion
      expect(entries.find((e) => e.marketplaceId === FR)!.updatedAt).toEqual(star.updatedAt);
      expect(entries.find((e) => e.marketplaceId === DE)!.updatedAt).toEqual(star.updatedAt);
      expect(entries.find((e) => e.marketplaceId === DE)!.createdAt).toEqual(dePending!.createdAt);
      expect(entries.find((e) => e.marketplaceId === FR)!.nextAttemptAt!.getTime()).toBe(now);
      expect(await log.acknowledge(stars.filter((c) => c.marketplaceId === DE))).toEqual({ acknowledged: 0, superseded: 1 });
      // expanding again what was already expanded removes nothing more
      expect(await log.expand(stars.filter((c) => c.marketplaceId === '*'), account)).toMatchObject({ acknowledged: 0, superseded: 0 });
      await expectCode(log.expand(stars, account), 'INVALID_OPTIONS');
      await expectCode(log.expand([], []), 'INVALID_OPTIONS');
    });

    test('a "*" change that arrives while its expansion is in flight is not lost: the entry stays for its newer version', async () => {
      await reset();
      const log = store();
      await enqueueChange(knex, { sku: 'RACE' }, { tablePrefix: prefix });
      const [claimed] = await log.claim({ workerId: 'de', limit: 10, leaseMs: 60_000, marketplaceIds: [DE] });
      // the shop saves again between the claim and the expansion
      await enqueueChange(knex, { sku: 'RACE', productRef: 'newer' }, { tablePrefix: prefix });
      expect(await log.expand([claimed!], [DE, FR])).toEqual({ acknowledged: 0, superseded: 1, entries: 2 });
      expect((await keyed()).sort()).toEqual([['*', 'RACE', 'offer', 2, 'newer', null], [DE, 'RACE', 'offer', 1, null, null], [FR, 'RACE', 'offer', 1, null, null]].sort());
      // the newer version is claimed (by whichever worker comes first) and expanded in turn
      const again = await log.claim({ workerId: 'fr', limit: 10, leaseMs: 60_000, marketplaceIds: [FR] });
      expect(again.map((c) => [c.marketplaceId, c.version])).toEqual([['*', 2], [FR, 1]]);
      expect(await log.expand([again[0]!], [DE, FR])).toEqual({ acknowledged: 1, superseded: 0, entries: 2 });
      expect((await keyed()).sort()).toEqual([[DE, 'RACE', 'offer', 2, 'newer', null], [FR, 'RACE', 'offer', 2, 'newer', 'fr']].sort());
    });

    test('the "*" entry is never acknowledged without its expanded entries: a failed expansion leaves it claimed as it was', async () => {
      await reset();
      const log = store();
      await enqueueChange(knex, [{ sku: 'KEEP' }, { sku: 'ALSO' }], { tablePrefix: prefix });
      const claims = await log.claim({ workerId: 'de', limit: 10, leaseMs: 60_000, marketplaceIds: [DE] });
      // a claim whose SKU went missing: its upsert breaks NOT NULL, after the "*" rows were deleted in the transaction
      const broken = claims.map((claim) => (claim.sku === 'KEEP' ? { ...claim, sku: undefined as unknown as string } : claim));
      // (not rejects.toThrow: better-sqlite3 builds its errors from the first test file's realm that loaded it)
      let caught: unknown;
      await log.expand(broken, [DE, FR]).catch((error: unknown) => (caught = error));
      expect(String((caught as Error | undefined)?.message)).toMatch(/NOT NULL|not-null|cannot be null/i);
      expect((await keyed()).sort()).toEqual([['*', 'ALSO', 'offer', 1, null, 'de'], ['*', 'KEEP', 'offer', 1, null, 'de']]);
      expect(await log.expand(claims, [DE, FR])).toMatchObject({ acknowledged: 2 });
      expect(await rows()).toHaveLength(4);
    });

    test('a DE worker and an FR worker expanding and sending at once deliver every "*" change once to each marketplace', async () => {
      await reset();
      const total = 300;
      await enqueueChange(knex, Array.from({ length: total }, (_, i) => ({ sku: `P-${i}` })), { tablePrefix: prefix });
      const delivered: string[] = [];
      const failures: string[] = [];
      const workers = [DE, FR].map((marketplaceId) => {
        const db = engine.name === 'sqlite' ? knex : engine.connect(2);
        return { marketplaceId, db, log: createChangeLog(db, { tablePrefix: prefix }) };
      });
      const run = async ({ marketplaceId, log }: (typeof workers)[number]) => {
        const scope = { marketplaceIds: [marketplaceId], accountMarketplaceIds: [DE, FR] };
        for (;;) {
          const claims = await log.claim({ workerId: marketplaceId, limit: 40, leaseMs: 120_000, ...scope });
          if (claims.length === 0) {
            // done once nothing of its own is left, "*" entries the other worker is expanding included
            if ((await log.stats(scope)).total === 0) break;
            await new Promise((resolve) => setTimeout(resolve, 5));
            continue;
          }
          const stars = claims.filter((c) => c.marketplaceId === '*');
          try {
            if (stars.length > 0) await log.expand(stars, [DE, FR]);
          } catch (error) {
            failures.push(String(error));
          }
          const own = claims.filter((c) => c.marketplaceId !== '*');
          for (const claim of own) {
            if (claim.marketplaceId !== marketplaceId) failures.push(`${marketplaceId} claimed ${claim.marketplaceId}`);
            delivered.push(`${claim.marketplaceId} ${claim.sku}`);
          }
          await log.acknowledge(own);
        }
      };
      try {
        await Promise.all(workers.map(run));
      } finally {
        for (const worker of workers) if (worker.db !== knex) await worker.db.destroy();
      }
      expect(failures).toEqual([]);
      expect(delivered.sort()).toEqual(Array.from({ length: total }, (_, i) => [`${DE} P-${i}`, `${FR} P-${i}`]).flat().sort());
      expect(await rows()).toHaveLength(0);
    });
  });

  describe('concurrency', () => {
    // SQLite has one writer at a time: nothing to race there
    const onServers = engine.name === 'sqlite' ? () => undefined : test.each(['ids in SKU order', 'ids against SKU order'] as const);
    onServers(
      'a host save of the same "*" SKUs while a worker expands them is never rolled back (%s)',
      async (order: 'ids in SKU order' | 'ids against SKU order') => {
        const host = engine.connect(2);
        const worker = engine.connect(2);
        const log = createChangeLog(worker, { tablePrefix: prefix });
        const failures: string[] = [];
        try {
          for (let round = 0; round < 8; round += 1) {
            await reset();
            const n = 300;
            const skus = Array.from({ length: n }, (_, i) => `X-${String(order === 'ids in SKU order' ? i + 1 : n - i).padStart(4, '0')}`);
            // queued one by one, so ids follow this order
            for (const sku of skus) await enqueueChange(knex, { sku }, { tablePrefix: prefix });
            const claims = await log.claim({ workerId: 'w', limit: n, leaseMs: 60_000 });
            expect(claims).toHaveLength(n);
            const results = await Promise.allSettled([
              host.transaction((trx) => enqueueChange(trx, skus.map((sku) => ({ sku })), { tablePrefix: prefix })),
              log.expand(claims, [DE, FR]),
            ]);
            for (const result of results) if (result.status === 'rejected') failures.push(String((result.reason as Error).message).slice(0, 200));
            // nothing lost: every SKU is queued for DE and FR, and the host's newer "*" change kept
            const left = (await rows()).map((r) => `${r.marketplace_id} ${r.sku}`);
            for (const sku of skus) for (const m of [DE, FR]) expect(left).toContain(`${m} ${sku}`);
          }
        } finally {
          await host.destroy();
          await worker.destroy();
        }
        expect(failures).toEqual([]);
      },
    );

    test('concurrent host transactions enqueueing overlapping SKUs in any order never deadlock', async () => {
      await reset();
      const universe = Array.from({ length: 100 }, (_, i) => `D-${String(i).padStart(3, '0')}`);
      await enqueueChange(knex, universe.map((sku) => ({ sku })), { tablePrefix: prefix });
      let seed = 20261201;
      const random = () => {
        // a fixed pseudo-random sequence: the same interleavings are attempted on every run
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const expected = new Map(universe.map((sku) => [sku, 1]));
      const plans = Array.from({ length: 4 }, () =>
        Array.from({ length: 60 }, (_, index) => {
          // mostly save-hook sized calls (bound values), every sixth a bulk call (one JSON parameter)
          const size = index % 6 === 5 ? 60 : 10;
          const picked = new Set<string>();
          while (picked.size < size) picked.add(universe[Math.floor(random() * universe.length)]!);
          for (const sku of picked) expected.set(sku, expected.get(sku)! + 1);
          return [...picked];
        }),
      );
      const failures: string[] = [];
      const connections = plans.map(() => (engine.name === 'sqlite' ? knex : engine.connect(1)));
      try {
        await Promise.all(
          plans.map(async (plan, worker) => {
            for (const skus of plan) {
              try {
                await connections[worker]!.transaction((trx) => enqueueChange(trx, skus.map((sku) => ({ sku })), { tablePrefix: prefix }));
              } catch (error) {
                const cause = (error as { cause?: { code?: unknown; errno?: unknown } }).cause;
                failures.push(`${(error as SellerSyncError).code} ${String(cause?.code ?? cause?.errno)}`);
              }
            }
          }),
        );
      } finally {
        for (const connection of connections) if (connection !== knex) await connection.destroy();
      }
      expect(failures).toEqual([]);
      const versions = new Map((await rows()).map((row) => [row.sku as string, Number(row.version)]));
      expect(versions).toEqual(expected);
    });

    test('three workers never hold the same entry at once and process every entry exactly once', async () => {
      await reset();
      const total = 600;
      await enqueueChange(knex, Array.from({ length: total }, (_, i) => ({ sku: `C-${i}` })), { tablePrefix: prefix });
      const held = new Map<number, string>();
      const processed = new Map<number, number>();
      const overlaps: string[] = [];
      const workers: Array<{ id: string; db: Knex; log: ChangeLogStore }> = [];
      for (const id of ['w1', 'w2', 'w3']) {
        const db = engine.name === 'sqlite' ? knex : engine.connect(2);
        workers.push({ id, db, log: createChangeLog(db, { tablePrefix: prefix }) });
      }
      const run = async (worker: (typeof workers)[number]) => {
        let idle = 0;
        while (idle < 3) {
          const claims = await worker.log.claim({ workerId: worker.id, limit: 25, leaseMs: 120_000 });
          if (claims.length === 0) {
            idle += 1;
            await new Promise((resolve) => setTimeout(resolve, 5));
            continue;
          }
          idle = 0;
          for (const claim of claims) {
            const holder = held.get(claim.id);
            if (holder !== undefined) overlaps.push(`${claim.id} held by ${holder} and ${worker.id}`);
            held.set(claim.id, worker.id);
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
          for (const claim of claims) {
            held.delete(claim.id);
            processed.set(claim.id, (processed.get(claim.id) ?? 0) + 1);
          }
          const result = await worker.log.acknowledge(claims);
          expect(result.acknowledged).toBe(claims.length);
        }
      };
      try {
        await Promise.all(workers.map(run));
      } finally {
        for (const worker of workers) if (worker.db !== knex) await worker.db.destroy();
      }
      expect(overlaps).toEqual([]);
      expect(processed.size).toBe(total);
      expect([...processed.values()].every((count) => count === 1)).toBe(true);
      expect(await rows()).toHaveLength(0);
    });
  });
});
