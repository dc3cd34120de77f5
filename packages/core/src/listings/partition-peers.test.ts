import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { migrate } from '../database/migrate';
import { describeEachEngine, dropTables, uniquePrefix } from '../test-support/database-engines';
import { DE, FR, UK } from '../test-support/listings-harness';
import { createPartitionPeers } from './partition-peers';

describeEachEngine('partition worker registry', (engine) => {
  let knex: Knex;
  const tablePrefix = uniquePrefix('pw');
  beforeAll(async () => {
    knex = engine.connect();
    await migrate(knex, { tablePrefix });
  });
  afterAll(async () => {
    await dropTables(knex, tablePrefix);
    await knex.destroy();
  });

  let now = 1_000_000;
  const clock = () => now;
  const peer = (workerId: string, accountMarketplaceIds: readonly string[], partition: readonly string[], accountId = 'acct-1') =>
    createPartitionPeers(knex, { tablePrefix, accountId, workerId, accountMarketplaceIds, partitionMarketplaceIds: partition, ttlMs: 1_000, clock });

  test('the union of the live workers’ lists, the ones that differ, expiry after the TTL, and a restart replacing its row', async () => {
    const uk = peer('uk', [DE, FR, UK], [UK]);
    const de = peer('de', [DE, FR], [DE]);
    expect(await de.view()).toEqual({ marketplaceIds: [DE, FR], disagreeing: [] });
    expect(await uk.view()).toEqual({ marketplaceIds: [DE, FR, UK], disagreeing: [{ workerId: 'de', marketplaceIds: [DE, FR].sort() }] });
    expect(await de.view()).toEqual({ marketplaceIds: [DE, FR, UK], disagreeing: [{ workerId: 'uk', marketplaceIds: [DE, FR, UK].sort() }] });
    // another account's workers never count
    expect(await peer('x', [DE], [DE], 'acct-2').view()).toEqual({ marketplaceIds: [DE], disagreeing: [] });
    // the UK worker stops: its row counts for the TTL, then no longer
    now += 900;
    expect((await de.view()).marketplaceIds).toEqual([DE, FR, UK]);
    now += 200;
    expect(await de.view()).toEqual({ marketplaceIds: [DE, FR], disagreeing: [] });
    // the DE worker restarted with the same workerId and the new list replaces its row at once
    const deNew = peer('de', [DE, FR, UK], [DE]);
    expect((await deNew.view()).marketplaceIds).toEqual([DE, FR, UK]);
    expect(await knex(`${tablePrefix}partition_workers`).where({ account_id: 'acct-1', worker_id: 'de' }).select('marketplace_ids', 'partition_ids')).toEqual([{ marketplace_ids: [DE, FR, UK].sort().join(','), partition_ids: DE }]);
  });

  test('a read-only view registers nothing; rows of workers gone for ten TTLs are cleared', async () => {
    const ghost = peer('ghost', [DE, FR, UK], [UK], 'acct-3');
    await ghost.view({ register: false });
    expect(await knex(`${tablePrefix}partition_workers`).where({ account_id: 'acct-3' })).toHaveLength(0);
    await ghost.view();
    now += 10_001;
    await peer('fresh', [DE], [DE], 'acct-3').view();
    expect((await knex(`${tablePrefix}partition_workers`).where({ account_id: 'acct-3' }).select('worker_id')).map((r) => r.worker_id)).toEqual(['fresh']);
  });
});
