import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Knex } from 'knex';
import { migrate } from '../database/migrate';
import { describeEachEngine, dropTables, uniquePrefix } from '../test-support/database-engines';
import { createFeedSubmissionStore, createListingStateStore, stateKey, type ListingsInFlight, type NewFeedMessage, type NewFeedSubmission } from './feed-submission-store';
import { DE, FR, listedProduct, startListingsHarness } from '../test-support/listings-harness';

const submission = (overrides: Partial<NewFeedSubmission> = {}): NewFeedSubmission => ({
  sellerId: 'A2SIMSELLER01',
  region: 'eu',
  marketplaceIds: [DE],
  batchId: 'batch-1',
  status: 'submitting',
  messageCount: 2,
  bytes: 500,
  content: null,
  claimedBy: 'worker-a',
  owner: 'worker-a',
  leaseUntil: 10_000,
  quotaAt: 1_000,
  ...overrides,
});

const message = (messageId: number, sku: string, changeId: number, overrides: Partial<NewFeedMessage> = {}): NewFeedMessage => ({
  marketplaceId: DE,
  messageId,
  sku,
  mode: 'offer',
  changeId,
  changeVersion: 1,
  changeKind: 'offer',
  changeAttempts: 0,
  changeAt: 500,
  offerHash: `hash-${sku}`,
  productType: 'PRODUCT',
  ...overrides,
});

describeEachEngine('feed submission store', (engine) => {
  let knex: Knex;
  const tablePrefix = uniquePrefix('fs');
  beforeAll(async () => {
    knex = engine.connect();
    await migrate(knex, { tablePrefix });
  });
  afterAll(async () => {
    await dropTables(knex, tablePrefix);
    await knex.destroy();
  });

  // The quota-lock tests race workers. On SQLite (one connection, writes serialised) they pass even
  // without the lock and cannot catch a regression; the PostgreSQL and MariaDB runs are the ones that
  // assert it, and check first that their pool really runs transactions side by side.
  const expectParallelTransactions = async (db: Knex) => {
    let open = 0;
    let most = 0;
    await Promise.all(
      [0, 1, 2].map(() =>
        db.transaction(async (trx) => {
          open += 1;
          most = Math.max(most, open);
          await trx.raw('select 1');
          await new Promise((resolve) => setTimeout(resolve, 50));
          open -= 1;
        }),
      ),
    );
    expect(most).toBeGreaterThan(1);
  };

  test('under the quota lock, concurrent workers never take more slots than the quota has, nor record one SKU twice', async () => {
    // servers: a pool of several connections, so the recordings really run at the same time
    const db = engine.name === 'sqlite' ? knex : engine.connect(8);
    try {
      if (engine.name !== 'sqlite') await expectParallelTransactions(db);
      const store = createFeedSubmissionStore(db, { tablePrefix, accountId: 'lock-account' });
      const quota = { sellerId: 'A2LOCKTEST01', region: 'eu', since: 0, limit: 5 };
      const workers = Array.from({ length: 6 }, (_, w) => `worker-${w}`);
      // each worker built three documents: one with the SKU they all claimed an entry of, two of its own
      const planned = (worker: string, w: number) => (free: number, inFlight: ListingsInFlight) =>
        [['SHARED'], [`OWN-${w}-1`], [`OWN-${w}-2`]]
          .map((skus) => skus.filter((sku) => !inFlight.has(sku)))
          .filter((skus) => skus.length > 0)
          .map((skus, index) => ({
            submission: submission({ sellerId: quota.sellerId, batchId: `lock-${worker}`, claimedBy: worker, owner: worker, ...(index < free ? { quotaAt: 1_000 } : { status: 'waiting' as const, quotaAt: null, content: '{}' }) }),
            messages: skus.map((sku, i) => message(i + 1, sku, 100 * w + index, { batchId: `lock-${worker}` } as never)),
          }));
      const results = await Promise.all(workers.map((worker, w) => store.recordBatch(() => quota, worker, ['SHARED', `OWN-${w}-1`, `OWN-${w}-2`], planned(worker, w), () => 1_000)));
      expect(results.reduce((sum, r) => sum + Math.min(r.free, r.ids.length), 0)).toBe(5);
      expect(await store.quotaUsedSince(quota.sellerId, 'eu', 0)).toBe(5);
      expect(results.filter((r) => !r.inFlight.has('SHARED'))).toHaveLength(1);
      const rows = (await db(`${tablePrefix}feed_submission_messages`).where({ account_id: 'lock-account', sku: 'SHARED' })) as unknown[];
      expect(rows).toHaveLength(1);
      // the quota is full: nobody's waiting document gets a slot
      expect((await Promise.all(workers.map((worker) => store.reserveWaiting(worker, quota, 2_000)))).flat()).toEqual([]);
      // the five were submitted (createFeed at 1,000) and the window moved on: five slots again, shared
      // by the workers that are waiting (a row still submitting would keep its slot whatever its time)
      await db(`${tablePrefix}feed_submissions`).where({ seller_id: quota.sellerId, status: 'submitting' }).update({ status: 'submitted' });
      const later = { ...quota, since: 1_500 };
      const reserved = (await Promise.all(workers.map((worker) => store.reserveWaiting(worker, later, 2_000)))).flat();
      expect(reserved).toHaveLength(5);
      expect(reserved.every((s) => s.status === 'submitting' && s.quotaAt === 2_000)).toBe(true);
      expect(await store.quotaUsedSince(quota.sellerId, 'eu', 1_500)).toBe(5);
    } finally {
      if (db !== knex) await db.destroy();
    }
  });

  test('a quota lock row that disappeared after this process created it is inserted again, so the lock really locks', async () => {
    const store = createFeedSubmissionStore(knex, { tablePrefix, accountId: 'relock-account' });
    const quota = { sellerId: 'A2RELOCK0001', region: 'eu', since: 0, limit: 5 };
    const locks = () => knex(`${tablePrefix}feed_quota_locks`).where({ seller_id: quota.sellerId }).select('locked_by');
    const record = (holder: string) =>
      store.recordBatch(() => quota, holder, [], () => [{ submission: submission({ sellerId: quota.sellerId, batchId: `relock-${holder}`, claimedBy: holder, owner: holder }), messages: [] }], () => 1_000);
    await record('worker-a');
    expect(await locks()).toEqual([{ locked_by: 'worker-a' }]);
    // someone cleans the table up; this store still remembers it created the row
    await knex(`${tablePrefix}feed_quota_locks`).where({ seller_id: quota.sellerId }).delete();
    expect((await record('worker-b')).ids).toHaveLength(1);
    expect(await locks()).toEqual([{ locked_by: 'worker-b' }]);
  });

  test('end to end: two workers pushing at once stay within Amazon’s feed quota and never have one SKU in two feeds', async () => {
    // (see above: asserting on the servers; on SQLite the two workers share one serialised connection)
    const products = Array.from({ length: 20 }, (_, i) => listedProduct(`Q-${i}`));
    // timeScale 10: the simulator enforces five feeds per 30 s, longer than these passes take
    const h = await startListingsHarness({
      database: engine,
      timeScale: 10,
      products: [...products, listedProduct('X-1')],
      listings: { batchSize: 11, feedLimits: { maxMessages: 2 } },
      simulator: { feedTiming: { inQueueMs: 600_000, inProgressMs: 600_000 } },
    });
    try {
      // both workers claim an entry of X-1: the first claims its listing (the oldest entry), the second its offer (the newest)
      await h.enqueue({ sku: 'X-1', kind: 'listing' });
      await h.enqueue(products.map((p) => ({ sku: p.sku, kind: 'listing' as const })));
      await h.enqueue({ sku: 'X-1', kind: 'offer' });
      const a = h.newSync({ workerId: 'worker-a' });
      const b = h.newSync({ workerId: 'worker-b' });
      // worker a claims and starts building; worker b claims while a builds; then both record at once
      const read = h.shop.getProductsBySku.bind(h.shop);
      let aBuilds!: () => void;
      let bothBuild!: () => void;
      const aBuilding = new Promise<void>((resolve) => (aBuilds = resolve));
      const bothBuilding = new Promise<void>((resolve) => (bothBuild = resolve));
      let reads = 0;
      h.shop.getProductsBySku = async (skus) => {
        reads += 1;
        if (reads === 1) aBuilds();
        if (reads === 2) bothBuild();
        if (reads <= 2) await bothBuilding;
        return read(skus);
      };
      const firstPass = a.pushListings();
      await aBuilding;
      const [first, second] = await Promise.all([firstPass, b.pushListings()]);
      expect(first.claimed + second.claimed).toBe(22);
      expect(first.feedsSubmitted + second.feedsSubmitted).toBe(5);
      expect(first.deferred + second.deferred).toBe(1);
      await Promise.all([a.pushListings(), b.pushListings()]);
      expect(h.sim.state.calls['feeds.createFeed']).toBe(5);
      expect(h.sim.state.throttled).toBe(0);
      expect(a.gateway.stats().throttled + b.gateway.stats().throttled).toBe(0);
      const inFeeds = h.documents().flatMap((d) => d.messages.map((m) => m['sku'])).filter((sku) => sku === 'X-1');
      const waiting = (await h.knex(`${h.tablePrefix}feed_submissions`).where('status', 'waiting').select('content')) as { content: string }[];
      const inWaiting = waiting.flatMap((row) => (JSON.parse(row.content) as { messages: { sku: string }[] }).messages.map((m) => m.sku)).filter((sku) => sku === 'X-1');
      expect(inFeeds.length + inWaiting.length).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('records a batch, counts the quota, and hands submissions over only when the owner’s lease expired', async () => {
    const store = createFeedSubmissionStore(knex, { tablePrefix, accountId: 'quota-account' });
    const [first, second] = await store.createBatch(
      [
        { submission: submission(), messages: [message(1, 'A', 1), message(2, 'B', 2)] },
        { submission: submission({ status: 'waiting', quotaAt: null, content: '{"header":{}}', marketplaceIds: [FR] }), messages: [message(1, 'A', 1, { marketplaceId: FR })] },
      ],
      900,
    );
    expect(await store.quotaUsedSince('A2SIMSELLER01', 'eu', 1_000)).toBe(1);
    // still submitting: its createFeed is to come, so it counts whatever its quota_at (a slow upload)
    expect(await store.quotaUsedSince('A2SIMSELLER01', 'eu', 1_001)).toBe(1);
    expect(await store.quotaUsedSince('A2SIMSELLER01', 'na', 0)).toBe(0);
    expect(await store.content(second!)).toBe('{"header":{}}');

    // worker b gets nothing while worker a's lease runs, everything once it expired
    expect(await store.adopt('worker-b', 20_000, 5_000)).toEqual([]);
    expect((await store.adopt('worker-a', 20_000, 5_000)).map((s) => s.id)).toEqual([first, second]);
    expect((await store.adopt('worker-b', 40_000, 25_000)).map((s) => [s.id, s.owner, s.claimedBy])).toEqual([
      [first, 'worker-b', 'worker-a'],
      [second, 'worker-b', 'worker-a'],
    ]);
    // the former owner can no longer change them
    expect(await store.update(first!, 'worker-a', { status: 'submitted' })).toBe(false);
    expect(await store.update(first!, 'worker-b', { status: 'submitted', feedId: 'F1', submittedAt: 26_000 })).toBe(true);
    // submitted: it counts from its quota_at only
    expect(await store.quotaUsedSince('A2SIMSELLER01', 'eu', 1_000)).toBe(1);
    expect(await store.quotaUsedSince('A2SIMSELLER01', 'eu', 1_001)).toBe(0);
    expect(await store.get(first!)).toMatchObject({ status: 'submitted', feedId: 'F1', marketplaceIds: [DE], messageCount: 2 });
    expect(await store.claimsHeldBy('worker-b')).toEqual(
      expect.arrayContaining([
        { claimedBy: 'worker-a', id: 1, version: 1 },
        { claimedBy: 'worker-a', id: 2, version: 1 },
      ]),
    );
    const inFlight = await store.skusInFlight(['A', 'B', 'C']);
    expect([...inFlight.keys()].sort()).toEqual(['A', 'B']);
    expect([...inFlight.get('A')!].sort()).toEqual([DE, FR].sort());
  });

  test('records outcomes (accepted by default), retries, and settles changes only when all their messages have a verdict', async () => {
    const store = createFeedSubmissionStore(knex, { tablePrefix, accountId: 'outcome-account' });
    const [de, fr] = await store.createBatch(
      [
        { submission: submission({ batchId: 'batch-2' }), messages: [message(1, 'A', 11), message(1, 'A', 12, { changeKind: 'listing', mode: 'listing' }), message(2, 'B', 13)] },
        { submission: submission({ batchId: 'batch-2', marketplaceIds: [FR] }), messages: [message(1, 'A', 11, { marketplaceId: FR })] },
      ],
      900,
    );
    await store.recordOutcomes(de!, new Map([[2, { status: 'rejected', errorCode: '90220', errorMessage: "[90220] 'brand' is required", warnings: [{ code: '1', message: 'a warning' }] }]]));
    const rows = await store.messagesOf(de!);
    expect(rows.map((r) => [r.messageId, r.changeId, r.status, r.errorCode])).toEqual([
      [1, 11, 'accepted', null],
      [1, 12, 'accepted', null],
      [2, 13, 'rejected', '90220'],
    ]);
    expect(rows[2]!.warnings).toEqual([{ code: '1', message: 'a warning' }]);
    // change 11 also waits for its FR message
    expect(await store.openBatches('worker-a', 0)).toEqual(['batch-2']);
    expect(await store.openBatches('worker-b', 0)).toEqual([]);
    expect(await store.openBatches('worker-b', 10_000)).toEqual(['batch-2']);
    const unsettled = await store.unsettledRows('batch-2');
    expect(unsettled.filter((r) => r.changeId === 11).map((r) => r.status).sort()).toEqual(['accepted', 'pending']);
    await store.markForRetry(fr!, 'FEED_FATAL', 'ended FATAL');
    expect((await store.messagesOf(fr!)).map((r) => [r.status, r.errorCode])).toEqual([['retry', 'FEED_FATAL']]);
    await store.markSettled('batch-2', [11, 12, 13]);
    expect(await store.unsettledRows('batch-2')).toEqual([]);
    expect(await store.openBatches('worker-a', 0)).toEqual([]);
    // reports show what Amazon rejected or warned about; FR's retry carries the feed's error, not the message's
    expect((await store.issuesOf([fr!, de!], 10)).map((r) => [r.submissionId, r.sku, r.status, r.warnings.length])).toEqual([[de, 'B', 'rejected', 1]]);
    // finished and settled submissions go after the retention; open ones stay
    await store.update(de!, 'worker-a', { status: 'done', finishedAt: 2_000 });
    expect(await store.purgeFinished(2_000)).toBe(0);
    expect(await store.purgeFinished(2_001)).toBe(1);
    expect(await store.get(de!)).toBeNull();
    expect(await store.messagesOf(de!)).toEqual([]);
    expect(await store.get(fr!)).not.toBeNull();
  });

  test('listing states: accept replaces, reject keeps the accepted hash, SKUs compare exactly', async () => {
    const states = createListingStateStore(knex, { tablePrefix, accountId: 'state-account' });
    await states.accept([{ marketplaceId: DE, sku: 'SKU', offerHash: 'h1', productType: 'PRODUCT', deleted: false, feedId: 'F1', changedAt: 100 }], 1_000);
    await states.accept([{ marketplaceId: DE, sku: 'SKU ', offerHash: 'h-space', productType: null, deleted: false, feedId: 'F1', changedAt: 100 }], 1_000);
    await states.accept([{ marketplaceId: DE, sku: 'sku', offerHash: 'h-lower', productType: null, deleted: false, feedId: 'F1', changedAt: 100 }], 1_000);
    await states.reject([{ marketplaceId: DE, sku: 'SKU', offerHash: 'h2' }], 2_000);
    await states.reject([{ marketplaceId: FR, sku: 'SKU', offerHash: 'h3' }], 2_000);
    const got = await states.get(['SKU', 'SKU ', 'sku']);
    expect(got.get(stateKey(DE, 'SKU'))).toMatchObject({ offerHash: 'h1', rejectedHash: 'h2', productType: 'PRODUCT', deleted: false, acceptedAt: 1_000, changedAt: 100 });
    expect(got.get(stateKey(DE, 'SKU '))).toMatchObject({ offerHash: 'h-space' });
    expect(got.get(stateKey(DE, 'sku'))).toMatchObject({ offerHash: 'h-lower' });
    expect(got.get(stateKey(FR, 'SKU'))).toMatchObject({ offerHash: null, rejectedHash: 'h3', acceptedAt: null });
    await states.accept([{ marketplaceId: DE, sku: 'SKU', offerHash: null, productType: null, deleted: true, feedId: 'F2', changedAt: 300 }], 3_000);
    expect((await states.get(['SKU'])).get(stateKey(DE, 'SKU'))).toMatchObject({ offerHash: null, rejectedHash: null, deleted: true, feedId: 'F2', changedAt: 300 });
  });

  test('listing states: a derived-delete mark keeps the state, survives the accepted delete, and goes with the next accepted offer', async () => {
    const states = createListingStateStore(knex, { tablePrefix, accountId: 'derived-account' });
    await states.accept([{ marketplaceId: DE, sku: 'OLD', offerHash: 'h1', productType: 'PRODUCT', deleted: false, feedId: 'F1', changedAt: 100 }], 1_000);
    await knex.transaction((trx) =>
      states.markDerivedDeletes(trx, [{ marketplaceId: DE, sku: 'OLD' }, { marketplaceId: DE, sku: 'NEVER-SENT' }], 2_000),
    );
    let got = await states.get(['OLD', 'NEVER-SENT']);
    expect(got.get(stateKey(DE, 'OLD'))).toMatchObject({ offerHash: 'h1', deleted: false, feedId: 'F1', derivedDelete: true });
    expect(got.get(stateKey(DE, 'NEVER-SENT'))).toMatchObject({ offerHash: null, deleted: false, acceptedAt: null, changedAt: null, derivedDelete: true });
    await states.accept([{ marketplaceId: DE, sku: 'OLD', offerHash: null, productType: null, deleted: true, feedId: 'F2', changedAt: 200 }], 3_000);
    expect((await states.get(['OLD'])).get(stateKey(DE, 'OLD'))).toMatchObject({ deleted: true, derivedDelete: true });
    await states.accept(
      [
        { marketplaceId: DE, sku: 'OLD', offerHash: 'h2', productType: null, deleted: false, feedId: 'F3', changedAt: 300 },
        { marketplaceId: FR, sku: 'OLD', offerHash: null, productType: null, deleted: true, feedId: 'F3', changedAt: 300 },
      ],
      4_000,
    );
    got = await states.get(['OLD']);
    expect(got.get(stateKey(DE, 'OLD'))).toMatchObject({ offerHash: 'h2', deleted: false, derivedDelete: false });
    expect(got.get(stateKey(FR, 'OLD'))).toMatchObject({ deleted: true, derivedDelete: false });
  });

  test('end to end: a rejection stays in the log with Amazon’s message, the rest is acknowledged, and a restart resumes without a second submission', async () => {
    const h = await startListingsHarness({
      database: engine,
      products: [listedProduct('E-1'), listedProduct('E-NO-BRAND', { listing: { brand: null, title: 'x' } }), listedProduct('E-2')],
      simulator: { feedTiming: { inQueueMs: 40_000, inProgressMs: 40_000 } },
    });
    try {
      await h.enqueue(['E-1', 'E-NO-BRAND', 'E-2'].map((sku) => ({ sku, kind: 'listing' as const })));
      expect(await h.sync.pushListings()).toMatchObject({ feedsSubmitted: 1, feedsInFlight: 1 });
      // a listing edit while the feed is in flight bumps the version of the listing entry in flight:
      // the acknowledgement leaves it queued for its newer version
      await h.save({ sku: 'E-2', quantity: 3 }, 'listing');
      const restarted = h.newSync();
      const result = await restarted.pushListings({ untilDrained: true });
      expect(result).toMatchObject({ drained: true, rejected: 1 });
      expect(h.sim.state.calls['feeds.createFeed']).toBe(2);
      expect(h.documents()[1]!.messages.map((m) => m['sku'])).toEqual(['E-2']);
      const entries = await restarted.changeLog.list();
      expect(entries).toEqual([expect.objectContaining({ sku: 'E-NO-BRAND', status: 'failed', nextAttemptAt: null, lastError: expect.objectContaining({ code: '90220' }) })]);
      expect(h.sim.state.offer('E-2', DE)).toMatchObject({ quantity: 3 });
      expect(h.sim.state.offer('E-1', DE)).toMatchObject({ quantity: 10 });
    } finally {
      await h.close();
    }
  });
});
