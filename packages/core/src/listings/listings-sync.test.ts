import { afterEach, describe, expect, test } from '@jest/globals';
import { SIMULATOR_CREDENTIALS } from '@sellersync/sp-api-simulator';
import type { ShopProduct } from '../shop-adapter';
import { withdrawnOfferHash } from './feed-builder';
import { loadListingsFeedValidator } from '../test-support/listings-feed-schema';
import type { SellerSyncOptions } from '../sync';
import { describeEachEngine } from '../test-support/database-engines';
import { DE, FR, UK, listedProduct, seededRandom, startListingsHarness, type ListingsHarness } from '../test-support/listings-harness';

// The listings sync against the SP-API simulator, through the real amazon-sp-api client and the
// gateway, on SQLite. The engine-specific parts run on PostgreSQL and MariaDB in
// feed-submission-store.test.ts, and partitioned workers side by side on every engine here.

let harness: ListingsHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const start = async (...args: Parameters<typeof startListingsHarness>) => {
  harness = await startListingsHarness(...args);
  return harness;
};

describe('pushListings', () => {
  test('sends queued listings and offers, acknowledges them, and stores what Amazon accepted', async () => {
    const h = await start({ products: [listedProduct('MUG-RED'), listedProduct('MUG-BLUE', { quantity: 3, price: { amount: 1299, currency: 'EUR' } })] });
    await h.enqueue([{ sku: 'MUG-RED', kind: 'listing' }, { sku: 'MUG-BLUE', kind: 'listing' }]);
    const first = await h.sync.pushListings({ untilDrained: true });
    expect(first).toMatchObject({ drained: true, claimed: 2, feedsSubmitted: 1, messagesSent: 2, acknowledged: 2, rejected: 0, invalid: 0 });
    h.expectConverged();
    expect(h.sim.state.listing('MUG-RED', DE)).toMatchObject({ productType: 'PRODUCT', requirements: 'LISTING' });

    await h.save({ sku: 'MUG-RED', quantity: 7, salePrice: { price: { amount: 1499, currency: 'EUR' }, startsAt: new Date('2026-01-01T00:00:00Z'), endsAt: new Date('2099-01-01T00:00:00Z') } });
    const second = await h.sync.pushListings({ untilDrained: true });
    expect(second).toMatchObject({ drained: true, feedsSubmitted: 1, messagesSent: 1, acknowledged: 1 });
    h.expectConverged();
    expect(h.sim.state.offer('MUG-RED', DE)).toMatchObject({ quantity: 7, salePrice: '14.99', saleEndAt: '2099-01-01T00:00:00.000Z' });
    const last = h.documents().at(-1)!;
    expect(last.messages).toEqual([expect.objectContaining({ sku: 'MUG-RED', operationType: 'PATCH' })]);

    const status = await h.sync.status();
    expect(status.queue.total).toBe(0);
    expect(status.listings.feedsInFlight).toEqual([]);
    expect(status.listings.lastReports[0]).toMatchObject({ status: 'done', messageCount: 1, summary: { messagesAccepted: 1, messagesInvalid: 0 }, errors: [] });
  });

  test('an offer change for a SKU Amazon has no listing of yet queues its full listing, which creates it', async () => {
    const h = await start({ products: [listedProduct('NEW-1', { quantity: 4 }), listedProduct('MUG-9', { productRef: 'mug-9' })] });
    // a seller SKU of MUG-9 from the mapping table, without an ASIN: nothing can create its listing
    await h.sync.mappings.upsert([{ marketplaceId: DE, sellerSku: 'MAP-9', fulfillmentChannel: 'MFN', productRef: 'mug-9', asin: null, source: 'manual' }]);
    // what a save hook queues by default: an offer (price and stock)
    await h.enqueue([{ sku: 'NEW-1' }, { sku: 'MAP-9' }]);
    const result = await h.sync.pushListings({ untilDrained: true, timeoutMs: 20_000 });
    expect(result).toMatchObject({ drained: true, listingsQueued: 2 });
    // NEW-1: the refused PATCH, then the full listing from the shop's listing data
    expect(h.sim.state.offer('NEW-1', DE)).toMatchObject({ quantity: 4, price: '19.99' });
    const sent = h.sim.state.feeds.flatMap((f) => JSON.parse(f.input!.content).messages.map((m: { sku: string; operationType: string }) => `${m.sku} ${m.operationType}`));
    expect(sent.filter((m: string) => m.startsWith('NEW-1'))).toEqual(['NEW-1 PATCH', 'NEW-1 UPDATE']);
    // MAP-9's listing change is an offer PATCH again (no listing data of its own, no ASIN): it fails once, nothing loops
    expect(sent.filter((m: string) => m.startsWith('MAP-9'))).toEqual(['MAP-9 PATCH', 'MAP-9 PATCH']);
    expect(await h.sync.changeLog.list()).toEqual([
      expect.objectContaining({ sku: 'MAP-9', kind: 'listing', status: 'failed', nextAttemptAt: null, lastError: expect.objectContaining({ code: '4000010' }) }),
    ]);
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 20_000 })).toMatchObject({ drained: true, messagesSent: 0, listingsQueued: 0 });
  });

  test('a "*" offer refused on DE for want of a listing while the FR feed failed: DE gets its listing, FR is retried', async () => {
    // randomSeed 1 with fatalFeedRate 0.5 ends the DE feed DONE and the FR feed FATAL (checked below)
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('S-1', { quantity: 10 })], simulator: { randomSeed: 1 } });
    await h.enqueue({ sku: 'S-1', kind: 'listing', marketplaceId: FR });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    h.sim.setFaults({ fatalFeedRate: 0.5 });
    await h.save({ sku: 'S-1', quantity: 7 });
    const before = h.sim.state.feeds.length;
    await waitFor(async () => {
      await h.sync.pushListings();
      const fresh = h.sim.state.feeds.slice(before);
      return fresh.length >= 2 && fresh.every((f) => f.processingStatus === 'DONE' || f.processingStatus === 'FATAL') ? true : null;
    });
    expect(Object.fromEntries(h.sim.state.feeds.slice(before, before + 2).map((f) => [f.marketplaceIds[0], f.processingStatus]))).toEqual({ [DE]: 'DONE', [FR]: 'FATAL' });
    h.sim.setFaults({ fatalFeedRate: 0 });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    expect([DE, FR].map((m) => h.sim.state.offer('S-1', m)?.quantity)).toEqual([7, 7]);
    expect(await h.sync.changeLog.list()).toEqual([]);
  });

  test('createMissingListings: false leaves the refused offer change failed with Amazon’s message', async () => {
    const h = await start({ products: [listedProduct('NEW-2')], listings: { createMissingListings: false } });
    await h.enqueue({ sku: 'NEW-2' });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 20_000 })).toMatchObject({ drained: true, listingsQueued: 0, rejected: 1 });
    expect(await h.sync.changeLog.list()).toEqual([expect.objectContaining({ sku: 'NEW-2', kind: 'offer', status: 'failed', lastError: expect.objectContaining({ code: '4000010' }) })]);
    expect(h.sim.state.listing('NEW-2', DE)).toBeUndefined();
  });

  test('a rejected SKU stays in the log with Amazon’s code and message while the others are acknowledged', async () => {
    const h = await start({
      products: [listedProduct('GOOD-1'), listedProduct('NO-BRAND', { listing: { brand: null, title: 'No brand' } }), listedProduct('GOOD-2')],
    });
    await h.enqueue(['GOOD-1', 'NO-BRAND', 'GOOD-2'].map((sku) => ({ sku, kind: 'listing' as const })));
    const result = await h.sync.pushListings({ untilDrained: true });
    expect(result).toMatchObject({ drained: true, acknowledged: 2, rejected: 1 });
    const entries = await h.sync.changeLog.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ sku: 'NO-BRAND', status: 'failed', nextAttemptAt: null, lastError: { code: '90220' } });
    expect(entries[0]!.lastError!.message).toMatch(/Amazon rejected SKU "NO-BRAND" on A1PA6795UKMFR9: \[90220\] 'brand' is required but not supplied/);
    expect(h.sim.state.listing('NO-BRAND', DE)).toBeUndefined();
    expect(h.sim.state.offer('GOOD-1', DE)).toMatchObject({ quantity: 10, price: '19.99' });
    const report = (await h.sync.status()).listings.lastReports[0]!;
    expect(report.errors).toEqual([{ sku: 'NO-BRAND', marketplaceId: DE, code: '90220', message: "[90220] 'brand' is required but not supplied." }]);

    // the shop fixes the product: the next save sends it again and Amazon takes it
    await h.save(listedProduct('NO-BRAND'), 'listing');
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ acknowledged: 1, rejected: 0 });
    expect(await h.sync.changeLog.list()).toEqual([]);
    h.expectConverged();
  });

  test('an edit made while its SKU’s feed is in flight is sent in a later feed', async () => {
    const h = await start({ products: [listedProduct('EDIT-1', { quantity: 5 })], simulator: { feedTiming: { inQueueMs: 100_000, inProgressMs: 100_000 } } });
    await h.enqueue({ sku: 'EDIT-1', kind: 'listing' });
    const first = await h.sync.pushListings();
    expect(first).toMatchObject({ feedsSubmitted: 1, feedsInFlight: 1 });
    // the shop changes stock while Amazon still works on the first feed
    await h.save({ sku: 'EDIT-1', quantity: 2 });
    await h.enqueue({ sku: 'EDIT-1', kind: 'offer' });
    const during = await h.sync.pushListings();
    expect(during.feedsSubmitted).toBe(0);
    const result = await h.sync.pushListings({ untilDrained: true });
    expect(result.drained).toBe(true);
    const feeds = h.documents();
    expect(feeds).toHaveLength(2);
    expect(feeds[0]!.messages[0]).toMatchObject({ sku: 'EDIT-1', operationType: 'UPDATE' });
    expect(feeds[1]!.messages[0]).toMatchObject({ sku: 'EDIT-1', operationType: 'PATCH' });
    expect(h.sim.state.offer('EDIT-1', DE)).toMatchObject({ quantity: 2 });
    expect(await h.sync.changeLog.list()).toEqual([]);
  });

  test('an edit of the same kind made while its feed is in flight bumps the entry’s version: the acknowledgement keeps it, and it goes in a later feed', async () => {
    const h = await start({ products: [listedProduct('V-1', { quantity: 5 })], simulator: { feedTiming: { inQueueMs: 100_000, inProgressMs: 100_000 } } });
    await h.enqueue({ sku: 'V-1', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    await h.save({ sku: 'V-1', quantity: 4 });
    expect(await h.sync.pushListings()).toMatchObject({ feedsSubmitted: 1, feedsInFlight: 1 });
    // the same offer entry changes again while Amazon works on the feed that carries its version 1
    await h.save({ sku: 'V-1', quantity: 2 });
    const [entry] = await h.sync.changeLog.list();
    expect(entry).toMatchObject({ sku: 'V-1', kind: 'offer', version: 2, claimedBy: expect.any(String) });
    const result = await h.sync.pushListings({ untilDrained: true });
    expect(result).toMatchObject({ drained: true, feedsSubmitted: 1 });
    const offers = h.documents().slice(1).map((d) => (d.messages[0]!['patches'] as { value: { quantity?: number }[] }[])[0]!.value[0]!.quantity);
    expect(offers).toEqual([4, 2]);
    expect(h.sim.state.offer('V-1', DE)).toMatchObject({ quantity: 2 });
    expect(await h.sync.changeLog.list()).toEqual([]);
  });

  test('a process that stops after createFeed resumes polling in a new sync object and never submits again', async () => {
    const h = await start({ products: [listedProduct('R-1'), listedProduct('R-2')], simulator: { feedTiming: { inQueueMs: 50_000, inProgressMs: 50_000 } } });
    await h.enqueue([{ sku: 'R-1', kind: 'listing' }, { sku: 'R-2', kind: 'listing' }]);
    const stopped = await h.sync.pushListings();
    expect(stopped).toMatchObject({ feedsSubmitted: 1, feedsInFlight: 1, acknowledged: 0 });
    expect(h.sim.state.calls['feeds.createFeed']).toBe(1);

    // all in-memory state is dropped: a new sync object, as a restarted process builds it
    const restarted = h.newSync();
    const result = await restarted.pushListings({ untilDrained: true });
    expect(result).toMatchObject({ drained: true, feedsSubmitted: 0, acknowledged: 2 });
    expect(h.sim.state.calls['feeds.createFeed']).toBe(1);
    expect(h.sim.state.calls['feeds.createFeedDocument']).toBe(1);
    h.expectConverged();
  });

  test('a submission interrupted between the upload and createFeed’s answer is abandoned as SUBMISSION_INTERRUPTED and its entries sent again', async () => {
    const h = await start({ products: [listedProduct('I-1'), listedProduct('I-2')] });
    await h.enqueue([{ sku: 'I-1', kind: 'listing' }, { sku: 'I-2', kind: 'listing' }]);
    // the process stops after Amazon created the feed and before its answer was recorded: from then
    // on nothing of it reaches the database (its lease-renewal timer included)
    let stopped = false;
    const deadDb = new Proxy(h.knex, {
      apply: (target, self, args) => {
        if (stopped) throw new Error('the process stopped');
        return Reflect.apply(target, self, args) as unknown;
      },
    });
    const dead = h.newSync({ workerId: 'dead', db: deadDb });
    const createFeed = dead.gateway.createFeed.bind(dead.gateway);
    let created: string | null = null;
    let unwind!: (error: Error) => void;
    dead.gateway.createFeed = async (input) => {
      created = (await createFeed(input)).feedId;
      stopped = true;
      return new Promise((_resolve, reject) => (unwind = reject));
    };
    const deadPass = dead.pushListings().catch(() => undefined);
    await waitFor(async () => created);
    const [row] = await h.knex(`${h.tablePrefix}feed_submissions`).select('status', 'document_id', 'feed_id');
    expect(row).toMatchObject({ status: 'submitting', feed_id: null, document_id: expect.stringMatching(/\S/) });
    // after the dead process's submission lease another worker abandons it: Amazon may or may not have the feed
    await new Promise((resolve) => setTimeout(resolve, 400));
    const other = h.newSync({ workerId: 'other' });
    const resumed = await other.pushListings({ untilDrained: true });
    expect(resumed).toMatchObject({ drained: true, messagesSent: 2, acknowledged: 2, retried: 2 });
    const interrupted = (await other.status()).listings.lastReports.find((report) => report.feedId === null)!;
    expect(interrupted).toMatchObject({ status: 'failed', error: { code: 'SUBMISSION_INTERRUPTED', message: expect.stringContaining(`after its upload (document ${row.document_id})`) } });
    // the same data went twice, which Amazon applies idempotently; nothing is left queued
    expect(h.sim.state.calls['feeds.createFeed']).toBe(1 + resumed.feedsSubmitted);
    expect(await h.sync.changeLog.list()).toEqual([]);
    h.expectConverged();
    // ends the stopped pass (and its renewal timer) within the test
    unwind(new Error('the process stopped'));
    await deadPass;
  });

  test('a createFeed whose answer is lost fails its submission as SUBMISSION_INTERRUPTED; the entries go again', async () => {
    const h = await start({ products: [listedProduct('L-1')], simulator: { faults: { operations: { 'feeds.createFeed': { lostAnswerRate: 1 } } } }, listings: { retry: { baseMs: 1_000 } } });
    await h.enqueue({ sku: 'L-1', kind: 'listing' });
    expect(await h.sync.pushListings()).toMatchObject({ feedsSubmitted: 0, feedsFinished: 1 });
    expect(h.sim.state.feeds).toHaveLength(1);
    expect((await h.sync.status()).listings.lastReports[0]).toMatchObject({ status: 'failed', error: { code: 'SUBMISSION_INTERRUPTED', message: expect.stringContaining('may or may not have the feed') } });
    h.sim.setFaults({ operations: { 'feeds.createFeed': { lostAnswerRate: 0 } } });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, feedsSubmitted: 1, acknowledged: 1 });
    h.expectConverged();
  });

  test('another worker takes a dead worker’s feed over once its lease expired, and does not submit it again', async () => {
    const h = await start({
      products: [listedProduct('T-1')],
      listings: { leaseMs: 400_000 },
      simulator: { feedTiming: { inQueueMs: 50_000, inProgressMs: 50_000 } },
    });
    await h.enqueue({ sku: 'T-1', kind: 'listing' });
    const dead = h.newSync({ workerId: 'worker-a' });
    expect(await dead.pushListings()).toMatchObject({ feedsSubmitted: 1 });
    const other = h.newSync({ workerId: 'worker-b' });
    // within the lease worker b leaves the feed and its entry alone
    expect(await other.pushListings()).toMatchObject({ claimed: 0, feedsSubmitted: 0, acknowledged: 0 });
    const result = await other.pushListings({ untilDrained: true });
    expect(result).toMatchObject({ drained: true, feedsSubmitted: 0, acknowledged: 1 });
    expect(h.sim.state.calls['feeds.createFeed']).toBe(1);
    h.expectConverged();
  });

  test('a process restarted under another worker id resumes the feeds in flight after the short submission lease, not the claims’ lease', async () => {
    // at timeScale 1000: claims held 12 s, submissions 1.5 s; wide margins either side, so a loaded
    // machine neither lets the lease run out before the first check nor reaches the claims' lease
    const h = await start({
      products: [listedProduct('W-1'), listedProduct('W-2')],
      listings: { leaseMs: 12_000_000, submissionLeaseMs: 1_500_000 },
      simulator: { feedTiming: { inQueueMs: 20_000, inProgressMs: 20_000 } },
    });
    await h.enqueue([{ sku: 'W-1', kind: 'listing' }, { sku: 'W-2', kind: 'listing' }]);
    expect(await h.newSync({ workerId: 'host:1001' }).pushListings()).toMatchObject({ feedsSubmitted: 1 });
    // the process dies; its successor gets a new pid, so a new worker id
    const restarted = h.newSync({ workerId: 'host:2002' });
    expect(await restarted.pushListings()).toMatchObject({ claimed: 0, feedsSubmitted: 0, feedsFinished: 0 });
    const started = Date.now();
    const result = await restarted.pushListings({ untilDrained: true, timeoutMs: 8_000 });
    expect(result).toMatchObject({ drained: true, feedsSubmitted: 0, feedsFinished: 1, acknowledged: 2 });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(h.sim.state.calls['feeds.createFeed']).toBe(1);
    h.expectConverged();
  });

  test('an upload slower than the submission lease keeps its hold: another worker never takes the feed over and sends it twice', async () => {
    const h = await start({ products: [listedProduct('SLOW-1'), listedProduct('SLOW-2')], simulator: { feedTiming: { inQueueMs: 5_000, inProgressMs: 5_000 } } });
    await h.enqueue([{ sku: 'SLOW-1', kind: 'listing' }, { sku: 'SLOW-2', kind: 'listing' }]);
    const a = h.newSync({ workerId: 'worker-a' });
    const b = h.newSync({ workerId: 'worker-b' });
    const upload = a.gateway.uploadFeedDocument.bind(a.gateway);
    let uploading!: () => void;
    const started = new Promise<void>((resolve) => (uploading = resolve));
    // a large document on a slow link: 700 ms against a submission lease of 300 ms (5 min for real)
    a.gateway.uploadFeedDocument = async (...args) => {
      uploading();
      await new Promise((resolve) => setTimeout(resolve, 700));
      return upload(...args);
    };
    const first = a.pushListings();
    await started;
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await b.pushListings()).toMatchObject({ feedsSubmitted: 0, feedsFinished: 0 });
    expect(await first).toMatchObject({ feedsSubmitted: 1, messagesSent: 2 });
    expect(await a.pushListings({ untilDrained: true })).toMatchObject({ drained: true, acknowledged: 2, retried: 0 });
    expect(h.sim.state.calls['feeds.createFeed']).toBe(1);
    expect((await a.status()).listings.lastReports.map((r) => [r.status, r.error])).toEqual([['done', null]]);
    h.expectConverged();
  });

  test('a worker that lost its submissions during an upload creates no feed for them, and sends none it no longer holds', async () => {
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('LOST-1')] });
    await h.enqueue({ sku: 'LOST-1', kind: 'listing' });
    const a = h.newSync({ workerId: 'worker-a' });
    const upload = a.gateway.uploadFeedDocument.bind(a.gateway);
    const submissions = `${h.tablePrefix}feed_submissions`;
    // the process stalls during its first upload (a long GC pause, a frozen VM) and another worker takes both documents over
    a.gateway.uploadFeedDocument = async (...args) => {
      await h.knex(submissions).update({ owner: 'worker-b' });
      return upload(...args);
    };
    expect(await a.pushListings()).toMatchObject({ feedsSubmitted: 0, feedsFinished: 0 });
    expect(h.sim.state.calls['feeds.createFeedDocument']).toBe(1);
    expect(h.sim.state.calls['feeds.createFeed']).toBeUndefined();
    // worker a left both as the new holder found them
    const rows = (await h.knex(submissions).select('status', 'owner', 'document_id', 'error_code')) as Record<string, unknown>[];
    expect(rows).toEqual([
      { status: 'submitting', owner: 'worker-b', document_id: null, error_code: null },
      { status: 'submitting', owner: 'worker-b', document_id: null, error_code: null },
    ]);
    expect(await h.knex(`${h.tablePrefix}feed_submission_messages`).where('status', '<>', 'pending')).toEqual([]);
    // the new holder finds them interrupted before their upload and sends the entry again
    expect(await h.newSync({ workerId: 'worker-b' }).pushListings({ untilDrained: true })).toMatchObject({ drained: true, feedsSubmitted: 2, acknowledged: 1 });
    for (const marketplaceId of [DE, FR]) h.expectConverged(marketplaceId);
  });

  test('a batch records its quota slot and lease from when it is recorded, not from before a slow build', async () => {
    const h = await start({ products: [listedProduct('B-1')] });
    await h.enqueue({ sku: 'B-1', kind: 'listing' });
    let skew = 0;
    const sync = h.newSync({ clock: () => Date.now() + skew });
    // reading the shop takes 2 s (a large batch, a slow shop database)
    const read = h.shop.getProductsBySku.bind(h.shop);
    h.shop.getProductsBySku = async (skus) => {
      skew += 2_000;
      return read(skus);
    };
    let recorded: { quota_at: unknown; lease_until: unknown; created_at: unknown } | undefined;
    const upload = sync.gateway.uploadFeedDocument.bind(sync.gateway);
    sync.gateway.uploadFeedDocument = async (...args) => {
      recorded = (await h.knex(`${h.tablePrefix}feed_submissions`).first('quota_at', 'lease_until', 'created_at')) as typeof recorded;
      return upload(...args);
    };
    const before = Date.now();
    expect(await sync.pushListings()).toMatchObject({ feedsSubmitted: 1 });
    expect(Number(recorded!.quota_at)).toBeGreaterThanOrEqual(before + 2_000);
    expect(Number(recorded!.created_at)).toBe(Number(recorded!.quota_at));
    // submissionLeaseMs: 5 min at timeScale 1000 (renewed since, just before the upload)
    expect(Number(recorded!.lease_until)).toBeGreaterThanOrEqual(Number(recorded!.quota_at) + 300);
  });

  test('settling names the claimer: a verdict never frees or fails an entry another worker has claimed since', async () => {
    const h = await start({ products: [listedProduct('HELD-1', { listing: { brand: null, title: 'No brand' } })], simulator: { feedTiming: { inQueueMs: 30_000, inProgressMs: 30_000 } } });
    await h.enqueue({ sku: 'HELD-1', kind: 'listing' });
    const a = h.newSync({ workerId: 'worker-a' });
    expect(await a.pushListings()).toMatchObject({ feedsSubmitted: 1 });
    await waitFor(async () => (h.sim.state.feeds.every((feed) => feed.processingStatus === 'DONE') ? true : null));
    // meanwhile worker a's claim ran out and worker c claimed the entry (it is sending it again)
    const leaseUntil = Date.now() + 3_600_000;
    await h.knex(`${h.tablePrefix}changes`).where({ sku: 'HELD-1' }).update({ claimed_by: 'worker-c', lease_until: leaseUntil });
    // worker a reads Amazon's rejection: it must not park the entry worker c holds now
    expect(await a.pushListings()).toMatchObject({ feedsFinished: 1 });
    const [entry] = await h.knex(`${h.tablePrefix}changes`).where({ sku: 'HELD-1' });
    expect(entry).toMatchObject({ claimed_by: 'worker-c', status: 'pending', last_error_code: null });
    expect(Number(entry.lease_until)).toBe(leaseUntil);
    expect(await h.knex(`${h.tablePrefix}feed_submission_messages`).where({ sku: 'HELD-1', settled: false })).toEqual([]);
  });

  test('invalid products fail before sending with SKU, field and rule, and the rest goes on', async () => {
    const h = await start({
      products: [
        listedProduct('OK-1'),
        listedProduct('NEG-QTY', { quantity: -4 }),
        listedProduct('NAN-PRICE', { price: { amount: Number.NaN, currency: 'EUR' } }),
        listedProduct('HUGE-PRICE', { price: { amount: 1e17, currency: 'EUR' } }),
        listedProduct('HUGE-QTY', { quantity: 1e12 }),
        listedProduct('NEG-PRICE', { price: { amount: -100, currency: 'EUR' } }),
        listedProduct('REVERSED', { salePrice: { price: { amount: 999, currency: 'EUR' }, startsAt: new Date('2099-02-01T00:00:00Z'), endsAt: new Date('2099-01-01T00:00:00Z') } }),
        listedProduct('HTTP-IMG', { listing: { brand: 'B', images: { main: 'http://shop.example/a.jpg', others: [] } } }),
        listedProduct('EMOJI-TITLE', { listing: { brand: 'B', title: 'Mug ☕ deluxe' } }),
        listedProduct('CTRL-TEXT', { listing: { brand: 'B', title: 'Mug', description: 'bad \u0007 bell' } }),
        listedProduct('MUG-☕'),
        listedProduct('OK-2'),
      ],
    });
    const skus = h.shop.listProducts().map((p) => p.sku);
    await h.enqueue(skus.map((sku) => ({ sku, kind: 'listing' as const })));
    await h.enqueue({ sku: 'NOT-IN-SHOP' });
    const result = await h.sync.pushListings({ untilDrained: true });
    expect(result).toMatchObject({ drained: true, acknowledged: 2, invalid: 11, rejected: 0 });
    const errors = Object.fromEntries((await h.sync.changeLog.list()).map((e) => [e.sku, `${e.lastError!.code}: ${e.lastError!.message}`]));
    expect(errors).toEqual({
      'NEG-QTY': expect.stringMatching(/^INVALID_LISTING: Listing not sent: SKU "NEG-QTY": quantity must be a whole number ≥ 0 .*\(got -4\)/),
      'NAN-PRICE': expect.stringMatching(/SKU "NAN-PRICE": price must be a number \(got NaN\)/),
      'HUGE-PRICE': expect.stringMatching(/SKU "HUGE-PRICE": price must be at most 1,000,000,000 EUR/),
      'HUGE-QTY': expect.stringMatching(/SKU "HUGE-QTY": quantity must be at most 1,000,000 \(got 1000000000000\)/),
      'NEG-PRICE': expect.stringMatching(/SKU "NEG-PRICE": price must be greater than 0 \(got "-1.00 EUR"\)/),
      REVERSED: expect.stringMatching(/SKU "REVERSED": salePrice.endsAt must be after salePrice.startsAt \(the sale dates are reversed\)/),
      'HTTP-IMG': expect.stringMatching(/SKU "HTTP-IMG": listing.images.main must be an absolute https URL/),
      'EMOJI-TITLE': expect.stringMatching(/SKU "EMOJI-TITLE": listing.title must not contain emoji/),
      'CTRL-TEXT': expect.stringMatching(/SKU "CTRL-TEXT": listing.description must not contain control characters/),
      'MUG-☕': expect.stringMatching(/SKU "MUG-☕": sku must not contain emoji/),
      'NOT-IN-SHOP': expect.stringMatching(/^SHOP_PRODUCT_NOT_FOUND: .*no product with SKU "NOT-IN-SHOP"/),
    });
    for (const entry of await h.sync.changeLog.list()) expect(entry).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(h.documents().flatMap((d) => d.messages.map((m) => m['sku']))).toEqual(['OK-1', 'OK-2']);
    expect(h.sim.state.offer('OK-2', DE)).toMatchObject({ quantity: 10, price: '19.99' });
  });

  test('a report that processed nothing (a feed-level error) acknowledges nothing and keeps Amazon’s message', async () => {
    const h = await start({ products: [listedProduct('W-1'), listedProduct('W-2')], listings: { retry: { baseMs: 600_000 } } });
    // a sync configured with another merchant token: Amazon refuses the whole document
    const { clientId, clientSecret, refreshToken } = SIMULATOR_CREDENTIALS;
    const wrong = h.newSync({ amazon: { region: 'eu', sellerId: 'A2OTHERSELLER9', marketplaceIds: [DE], refreshToken, clientId, clientSecret, endpoint: h.sim.url } });
    await h.enqueue([{ sku: 'W-1', kind: 'listing' }, { sku: 'W-2', kind: 'listing' }]);
    const result = await waitFor(async () => {
      const pass = await wrong.pushListings();
      return pass.retried > 0 ? pass : null;
    });
    expect(result).toMatchObject({ acknowledged: 0, retried: 2 });
    const entries = await h.sync.changeLog.list();
    expect(entries.map((e) => [e.sku, e.status, e.lastError?.code])).toEqual([
      ['W-1', 'failed', '4002001'],
      ['W-2', 'failed', '4002001'],
    ]);
    expect(entries[0]!.lastError!.message).toMatch(/Amazon did not process feed \d+ as a whole \(0 of 2 messages\): \[4002001\] The sellerId "A2OTHERSELLER9"/);
    expect(entries[0]!.nextAttemptAt).not.toBeNull();
    expect(h.sim.state.listing('W-1', DE)).toBeUndefined();
  });

  test('a shop that cannot be read fails the pass with SHOP_ADAPTER_FAILED and gives the entries back', async () => {
    const h = await start({ products: [listedProduct('S-1')] });
    const read = h.shop.getProductsBySku.bind(h.shop);
    let broken = true;
    h.shop.getProductsBySku = async (skus) => {
      if (broken) throw new Error('connection to the shop database lost');
      return read(skus);
    };
    await h.enqueue({ sku: 'S-1', kind: 'listing' });
    await expect(h.sync.pushListings()).rejects.toMatchObject({ code: 'SHOP_ADAPTER_FAILED', isRetryable: true, message: expect.stringContaining('connection to the shop database lost') });
    expect(await h.sync.changeLog.stats()).toMatchObject({ inFlight: 0, pending: 1 });
    broken = false;
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, acknowledged: 1 });
    h.expectConverged();
  });

  test('a message larger than a whole document is refused on every marketplace, the others are sent', async () => {
    const h = await start({
      marketplaceIds: [DE, FR],
      listings: { feedLimits: { maxBytes: 3_000 } },
      products: [listedProduct('SMALL-1'), listedProduct('BIG-1', { listing: { brand: 'B', title: 'Big', description: 'ä'.repeat(1_900) } }), listedProduct('SMALL-2')],
    });
    await h.enqueue(['SMALL-1', 'BIG-1', 'SMALL-2'].map((sku) => ({ sku, kind: 'listing' as const })));
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, acknowledged: 2, invalid: 1 });
    expect((await h.sync.changeLog.list())[0]).toMatchObject({ sku: 'BIG-1', lastError: { code: 'INVALID_LISTING', message: expect.stringContaining('must fit in one feed document of 3000 bytes') } });
    expect(h.documents().flatMap((d) => d.messages.map((m) => m['sku'])).sort()).toEqual(['SMALL-1', 'SMALL-1', 'SMALL-2', 'SMALL-2']);
    for (const document of h.sim.state.feeds) expect(Buffer.byteLength(document.input!.content)).toBeLessThanOrEqual(3_000);
  });

  test('deletes remove the listing, also for a product the shop no longer has', async () => {
    const h = await start({ products: [listedProduct('DEL-1'), listedProduct('DEL-2')] });
    await h.enqueue([{ sku: 'DEL-1', kind: 'listing' }, { sku: 'DEL-2', kind: 'listing' }]);
    await h.sync.pushListings({ untilDrained: true });
    h.shop.removeProduct('DEL-1');
    await h.enqueue([{ sku: 'DEL-1', kind: 'delete' }, { sku: 'DEL-2', kind: 'delete' }]);
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ acknowledged: 2 });
    expect(h.sim.state.listing('DEL-1', DE)).toBeUndefined();
    expect(h.sim.state.listing('DEL-2', DE)).toBeUndefined();
    // a deleted listing is left alone by reconcile although the shop still has DEL-2
    expect(await h.sync.reconcile()).toMatchObject({ scanned: 1, enqueued: 0 });
  });

  test('a delete queued in the same millisecond as a listing Amazon accepted in an earlier feed loses while the shop holds the product', async () => {
    const h = await start({ products: [listedProduct('TIE-1')], simulator: { feedTiming: { inQueueMs: 200_000, inProgressMs: 200_000 } } });
    const at = Date.now() - 1_000;
    const sameMillisecond = (kind: string) => h.knex(`${h.tablePrefix}changes`).where({ sku: 'TIE-1', kind }).update({ updated_at: at });
    await h.enqueue({ sku: 'TIE-1', kind: 'listing' });
    await sameMillisecond('listing');
    expect(await h.sync.pushListings()).toMatchObject({ feedsSubmitted: 1 });
    // removed and added again within that millisecond: the delete waits for the listing's feed
    await h.enqueue({ sku: 'TIE-1', kind: 'delete' });
    await sameMillisecond('delete');
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, feedsSubmitted: 0 });
    expect(h.documents().flatMap((d) => d.messages.map((m) => m['operationType']))).toEqual(['UPDATE']);
    expect(h.sim.state.listing('TIE-1', DE)).toBeDefined();
    h.expectConverged();
  });

  test('an offer change after an accepted delete brings the listing back with a full UPDATE, not a PATCH Amazon refuses', async () => {
    const h = await start({ products: [listedProduct('RA-1'), listedProduct('RA-2')] });
    await h.enqueue([{ sku: 'RA-1', kind: 'listing' }, { sku: 'RA-2', kind: 'listing' }]);
    await h.sync.pushListings({ untilDrained: true });
    await h.enqueue({ sku: 'RA-1', kind: 'delete' });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.sim.state.listing('RA-1', DE)).toBeUndefined();
    // the product is stocked again and the shop's hook queues only an offer change
    await h.save({ sku: 'RA-1', quantity: 7 });
    await h.save({ sku: 'RA-2', quantity: 6 });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, acknowledged: 2, rejected: 0 });
    expect(h.documents().at(-1)!.messages.map((m) => [m['sku'], m['operationType'], m['requirements']])).toEqual([
      ['RA-1', 'UPDATE', 'LISTING'],
      ['RA-2', 'PATCH', undefined],
    ]);
    expect(h.sim.state.offer('RA-1', DE)).toMatchObject({ quantity: 7, price: '19.99' });
    expect(await h.sync.changeLog.list()).toEqual([]);
    // listed again: the next offer change is an ordinary PATCH
    await h.save({ sku: 'RA-1', quantity: 5 });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.documents().at(-1)!.messages).toEqual([expect.objectContaining({ sku: 'RA-1', operationType: 'PATCH' })]);
    h.expectConverged();
  });

  test('a stock change keeps the handling time the seller set in Seller Central (merge)', async () => {
    const h = await start({ products: [listedProduct('LEAD-1')] });
    await h.enqueue({ sku: 'LEAD-1', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    // the seller sets a handling time in Seller Central (here: through the Listings Items API)
    const edited = await h.sync.gateway.patchListingsItem(
      'LEAD-1',
      { productType: 'PRODUCT', patches: [{ op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', lead_time_to_ship_max_days: 4 }] }] },
      { marketplaceIds: [DE] },
    );
    expect(edited.status).toBe('ACCEPTED');
    await h.save({ sku: 'LEAD-1', quantity: 6, price: { amount: 1799, currency: 'EUR' } });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.documents().at(-1)!.messages[0]!['patches']).toEqual([
      { op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 6 }] },
      expect.objectContaining({ op: 'replace', path: '/attributes/purchasable_offer' }),
    ]);
    expect(h.sim.state.listing('LEAD-1', DE)!.attributes['fulfillment_availability']).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 6, lead_time_to_ship_max_days: 4 }]);
    h.expectConverged();
  });

  test('matching mode: a listing change without shop metadata becomes an offer on the known ASIN', async () => {
    const h = await start({
      products: [{ sku: 'ASIN-1', asin: 'B0SIM00001', quantity: 4, price: { amount: 1590, currency: 'EUR' } }, { sku: 'MAPPED-1', quantity: 2, price: { amount: 990, currency: 'EUR' } }],
      shopCapabilities: { listingData: false },
    });
    await h.sync.mappings.upsert([{ marketplaceId: DE, sellerSku: 'MAPPED-1', fulfillmentChannel: 'MFN', productRef: h.shop.getProduct('MAPPED-1')!.productRef, asin: 'B0SIM00004', source: 'manual' }]);
    await h.enqueue([{ sku: 'ASIN-1', kind: 'listing' }, { sku: 'MAPPED-1', kind: 'listing' }]);
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ acknowledged: 2, rejected: 0 });
    const messages = h.documents()[0]!.messages;
    expect(messages).toEqual([
      expect.objectContaining({ sku: 'ASIN-1', operationType: 'UPDATE', requirements: 'LISTING_OFFER_ONLY', attributes: expect.objectContaining({ merchant_suggested_asin: [{ value: 'B0SIM00001', marketplace_id: DE }] }) }),
      expect.objectContaining({ sku: 'MAPPED-1', requirements: 'LISTING_OFFER_ONLY', attributes: expect.objectContaining({ merchant_suggested_asin: [{ value: 'B0SIM00004', marketplace_id: DE }] }) }),
    ]);
    expect(h.sim.state.listing('ASIN-1', DE)).toMatchObject({ asin: 'B0SIM00001', requirements: 'LISTING_OFFER_ONLY' });
    h.expectConverged();
  });

  test('several marketplaces: one feed each, prices converted with the rate and rounding, product restrictions kept', async () => {
    const h = await start({
      marketplaceIds: [DE, FR, UK],
      listings: { exchangeRates: { 'EUR/GBP': '0.8621' }, marketplaces: { [UK]: { rounding: 'up' } } },
      products: [listedProduct('EU-1', { price: { amount: 1999, currency: 'EUR' } }), listedProduct('DE-ONLY', { marketplaceIds: [DE] })],
    });
    await h.enqueue([{ sku: 'EU-1', kind: 'listing' }, { sku: 'DE-ONLY', kind: 'listing' }]);
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ feedsSubmitted: 3, acknowledged: 2 });
    expect(h.sim.state.offer('EU-1', DE)).toMatchObject({ currency: 'EUR', price: '19.99' });
    expect(h.sim.state.offer('EU-1', FR)).toMatchObject({ currency: 'EUR', price: '19.99' });
    // 19.99 × 0.8621 = 17.233379, rounded up
    expect(h.sim.state.offer('EU-1', UK)).toMatchObject({ currency: 'GBP', price: '17.24' });
    expect(h.sim.state.listing('DE-ONLY', DE)).toBeDefined();
    expect(h.sim.state.listing('DE-ONLY', FR)).toBeUndefined();
    expect(h.sim.state.listing('DE-ONLY', UK)).toBeUndefined();
    // a change for one marketplace goes to that marketplace only
    h.shop.upsertProduct({ sku: 'EU-1', quantity: 1 });
    await h.enqueue({ sku: 'EU-1', marketplaceId: FR });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.sim.state.offer('EU-1', FR)).toMatchObject({ quantity: 1 });
    expect(h.sim.state.offer('EU-1', DE)).toMatchObject({ quantity: 10 });
  });

  test('respects the JSON_LISTINGS_FEED quota by waiting, never by failing', async () => {
    const h = await start({
      marketplaceIds: [DE, FR, UK],
      listings: { exchangeRates: { 'EUR/GBP': '0.86' }, feedLimits: { maxMessages: 4 } },
      products: Array.from({ length: 12 }, (_, i) => listedProduct(`Q-${i}`)),
    });
    await h.enqueue(h.shop.listProducts().map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    const first = await h.sync.pushListings();
    expect(first).toMatchObject({ feedsSubmitted: 5, waitingForQuota: 4 });
    const result = await h.sync.pushListings({ untilDrained: true });
    expect(result).toMatchObject({ drained: true, feedsSubmitted: 4, acknowledged: 12 });
    expect(h.sim.state.calls['feeds.createFeed']).toBe(9);
    expect(h.sync.gateway.stats().throttled).toBe(0);
    for (const marketplaceId of [DE, FR]) h.expectConverged(marketplaceId);
    const submissions = await h.knex(`${h.tablePrefix}feed_submissions`).select('status', 'quota_at').orderBy('quota_at');
    expect(submissions.map((s: { status: string }) => s.status)).toEqual(Array(9).fill('done'));
    const times = submissions.map((s: { quota_at: number | string }) => Number(s.quota_at));
    // no window of Amazon's five minutes (scaled) holds more than five submissions
    for (let i = 5; i < times.length; i += 1) expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(300);
  });
});

describe('status', () => {
  test('shows warnings with their acceptance, and the newest report keeps its errors after a large failed feed', async () => {
    const many = Array.from({ length: 501 }, (_, i) => listedProduct(`B-${String(i).padStart(3, '0')}`));
    const h = await start({
      products: [
        ...many,
        listedProduct('NO-IMAGE', { listing: { brand: 'B', title: 'No image' } }),
        listedProduct('NO-BRAND', { listing: { brand: null, title: 'No brand', images: { main: 'https://shop.example/nb.jpg', others: [] } } }),
      ],
      simulator: { faults: { fatalFeedRate: 1 } },
      listings: { retry: { baseMs: 1000, maxMs: 2000 } },
    });
    await h.enqueue(h.shop.listProducts().map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    // first a FATAL feed whose 503 messages all carry FEED_FATAL
    await waitFor(async () => ((await h.sync.pushListings()).retried > 0 ? true : null));
    h.sim.setFaults({ fatalFeedRate: 0 });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 1 });
    const [done, fatal] = (await h.sync.status()).listings.lastReports;
    expect(done).toMatchObject({ status: 'done', summary: { errors: 1, warnings: 1 } });
    expect(done!.errors).toEqual([{ sku: 'NO-BRAND', marketplaceId: DE, code: '90220', message: "[90220] 'brand' is required but not supplied." }]);
    expect(done!.warnings).toEqual([{ sku: 'NO-IMAGE', marketplaceId: DE, code: '4000015', message: expect.stringContaining("no 'main_product_image_locator'") }]);
    // the failed feed shows its own error, not 503 copies of it
    expect(fatal).toMatchObject({ status: 'fatal', error: { code: 'FEED_FATAL' }, errors: [], warnings: [] });
    // a warning does not keep an entry: only the rejected one stays
    expect((await h.sync.changeLog.list()).map((e) => e.sku)).toEqual(['NO-BRAND']);
    expect(h.sim.state.listing('NO-IMAGE', DE)).toBeDefined();
  });
});

describe('marketplaces a product is no longer sold on', () => {
  const rates = { exchangeRates: { 'EUR/GBP': '0.86' } };
  const account = (marketplaceIds: readonly string[], h: ListingsHarness) => {
    const { clientId, clientSecret, refreshToken } = SIMULATOR_CREDENTIALS;
    return { region: 'eu' as const, sellerId: 'A2SIMSELLER01', marketplaceIds, refreshToken, clientId, clientSecret, endpoint: h.sim.url };
  };

  test('an offer Amazon holds is withdrawn (quantity 0) when the product is restricted away, the marketplace switched off or removed', async () => {
    const h = await start({ marketplaceIds: [DE, FR, UK], listings: rates, products: ['M-1', 'M-2', 'M-3'].map((sku) => listedProduct(sku)) });
    await h.enqueue(h.shop.listProducts().map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    await h.sync.pushListings({ untilDrained: true });
    for (const marketplaceId of [DE, FR, UK]) expect(h.sim.state.offer('M-1', marketplaceId)).toMatchObject({ quantity: 10 });

    // the shop restricts M-1 to DE and sells out there: FR and UK must not keep selling 10
    await h.save({ sku: 'M-1', quantity: 0, marketplaceIds: [DE] });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 3, acknowledged: 1 });
    expect(h.sim.state.offer('M-1', DE)).toMatchObject({ quantity: 0 });
    expect(h.sim.state.offer('M-1', FR)).toMatchObject({ quantity: 0, price: '19.99' });
    expect(h.sim.state.offer('M-1', UK)).toMatchObject({ quantity: 0, price: '17.19' });
    const withdrawal = h.documents().at(-1)!.messages[0]!;
    expect(withdrawal).toMatchObject({ sku: 'M-1', operationType: 'PATCH', patches: [{ op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }] }] });

    // restricted outside the hooks: reconcile finds the offer still live on FR, once
    h.shop.upsertProduct({ sku: 'M-2', marketplaceIds: [DE, UK] });
    expect(await h.sync.reconcile()).toMatchObject({ enqueued: 1 });
    await h.sync.pushListings({ untilDrained: true });
    expect([DE, FR, UK].map((m) => h.sim.state.offer('M-2', m)?.quantity)).toEqual([10, 0, 10]);
    expect(await h.sync.reconcile()).toMatchObject({ enqueued: 0 });
    // sold there again: the next change offers it again, and reconcile agrees
    await h.save({ sku: 'M-2', marketplaceIds: null });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.sim.state.offer('M-2', FR)).toMatchObject({ quantity: 10 });
    expect(await h.sync.reconcile()).toMatchObject({ enqueued: 0 });

    // UK switched off in the options: the next change of M-3 withdraws it there and leaves DE and FR alone
    const ukOff = h.newSync({ listings: { ...rates, marketplaces: { [UK]: { enabled: false } } } });
    await h.save({ sku: 'M-3', quantity: 8 });
    await ukOff.pushListings({ untilDrained: true });
    expect([DE, FR, UK].map((m) => h.sim.state.offer('M-3', m)?.quantity)).toEqual([8, 8, 0]);

    // FR no longer one of the account's marketplaces (and UK on again): by default, without a
    // partition, its offers are left alone (another worker partitioned the older way may own FR) and
    // only M-3 is offered on UK again; with withdrawFromRemovedMarketplaces the account dropped FR,
    // and reconcile reaches the offers left there
    expect(await h.newSync({ amazon: account([DE, UK], h), listings: rates }).reconcile()).toMatchObject({ enqueued: 1 });
    const withoutFr = h.newSync({ amazon: account([DE, UK], h), listings: { ...rates, withdrawFromRemovedMarketplaces: true } });
    expect(await withoutFr.reconcile()).toMatchObject({ enqueued: 3 });
    await withoutFr.pushListings({ untilDrained: true });
    expect([DE, FR, UK].map((m) => h.sim.state.offer('M-2', m)?.quantity)).toEqual([10, 0, 10]);
    expect([DE, FR, UK].map((m) => h.sim.state.offer('M-3', m)?.quantity)).toEqual([8, 0, 8]);
    expect(await withoutFr.reconcile()).toMatchObject({ enqueued: 0 });
    expect(await h.sync.changeLog.list()).toEqual([]);
  });
});

describe('withdrawals Amazon refused', () => {
  test('a withdrawal of a listing deleted in Seller Central counts as done: acknowledged once, never sent again', async () => {
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('X-1')] });
    await h.enqueue({ sku: 'X-1', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    // the seller deletes the FR listing in Seller Central
    await h.sync.gateway.deleteListingsItem('X-1', { marketplaceIds: [FR] });
    await h.save({ sku: 'X-1', quantity: 4, marketplaceIds: [DE] });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 2, acknowledged: 1, rejected: 0 });
    expect(await h.sync.changeLog.list()).toEqual([]);
    expect((await h.sync.status()).listings.lastReports[0]!.warnings).toEqual([expect.objectContaining({ sku: 'X-1', marketplaceId: FR, code: '4000010' })]);
    // the next save sends DE only, and reconcile has nothing left to withdraw
    await h.save({ sku: 'X-1', quantity: 3 });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 1, acknowledged: 1, rejected: 0 });
    expect(h.sim.state.offer('X-1', DE)).toMatchObject({ quantity: 3 });
    expect(await h.sync.reconcile()).toMatchObject({ compared: 1, unchanged: 1, enqueued: 0 });
  });

  test('a withdrawal Amazon rejected is not sent again with every save', async () => {
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('X-2', { marketplaceIds: [DE] })] });
    await h.enqueue({ sku: 'X-2', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    // Amazon holds an FR offer from earlier and refused its withdrawal (for whatever reason): listing_states says so
    await h.knex(`${h.tablePrefix}listing_states`).insert({
      account_id: 'default',
      marketplace_id: FR,
      sku: 'X-2',
      offer_hash: 'an-offer-amazon-accepted',
      rejected_hash: withdrawnOfferHash(FR),
      deleted: false,
      updated_at: Date.now(),
    });
    await h.save({ sku: 'X-2', quantity: 4 });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 1, acknowledged: 1, rejected: 0 });
    expect(h.documents().at(-1)!.messages.map((m) => m['sku'])).toEqual(['X-2']);
    expect(h.sim.state.feeds.at(-1)!.marketplaceIds).toEqual([DE]);
    expect(await h.sync.reconcile()).toMatchObject({ enqueued: 0, skipped: 1 });
  });
});

describe('workers partitioned by marketplace', () => {
  const { clientId, clientSecret, refreshToken } = SIMULATOR_CREDENTIALS;
  /** The account's marketplaces, as every worker names them in amazon.marketplaceIds. */
  const account = (h: ListingsHarness, marketplaceIds: readonly string[] = [DE, FR]) => ({
    region: 'eu' as const,
    sellerId: 'A2SIMSELLER01',
    marketplaceIds,
    refreshToken,
    clientId,
    clientSecret,
    endpoint: h.sim.url,
  });
  /** One worker per marketplace, same account and tables. */
  const worker = (h: ListingsHarness, marketplaceId: string, overrides: Partial<SellerSyncOptions> = {}) =>
    h.newSync({ workerId: `worker-${marketplaceId}`, amazon: account(h), partition: { marketplaceIds: [marketplaceId] }, ...overrides });
  const quantities = (h: ListingsHarness, sku: string, marketplaceIds: readonly string[] = [DE, FR]) => marketplaceIds.map((m) => h.sim.state.offer(sku, m)?.quantity);
  const queued = async (h: ListingsHarness) => (await h.sync.changeLog.list()).map((e) => [e.marketplaceId, e.sku, e.kind, e.claimedBy]);

  test('a "*" change reaches DE and FR: the worker that claims it expands it, each sends its own, and untilDrained ends on each', async () => {
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('X-1')] });
    const de = worker(h, DE);
    const fr = worker(h, FR);
    // the save hook queues for every marketplace ("*"), as every shop hook and the order importer do
    await h.enqueue({ sku: 'X-1', kind: 'listing' });
    // the DE worker comes first: it expands the entry, sends DE and drains without waiting for FR
    expect(await de.pushListings({ untilDrained: true, timeoutMs: 20_000 })).toMatchObject({ drained: true, expanded: 1, messagesSent: 1, acknowledged: 1 });
    expect(quantities(h, 'X-1')).toEqual([10, undefined]);
    expect(h.sim.state.feeds.map((f) => f.marketplaceIds)).toEqual([[DE]]);
    // the FR entry waits for its worker; the "*" entry is gone
    expect(await queued(h)).toEqual([[FR, 'X-1', 'listing', null]]);
    expect(await fr.pushListings({ untilDrained: true, timeoutMs: 20_000 })).toMatchObject({ drained: true, expanded: 0, messagesSent: 1, acknowledged: 1 });
    expect(quantities(h, 'X-1')).toEqual([10, 10]);
    // a stock save claimed by the FR worker first reaches DE just as well
    await h.save({ sku: 'X-1', quantity: 6 });
    expect(await fr.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 1, messagesSent: 1 });
    expect(await de.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 0, messagesSent: 1 });
    expect(quantities(h, 'X-1')).toEqual([6, 6]);
    expect(await queued(h)).toEqual([]);
    // an unpartitioned sync still sends a "*" entry to every marketplace itself
    await h.save({ sku: 'X-1', quantity: 5 });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 0, messagesSent: 2, acknowledged: 1 });
    expect(quantities(h, 'X-1')).toEqual([5, 5]);
  });

  test("a SKU's feed in flight for DE does not hold back its FR entry: the workers send side by side, and each waits only for its own", async () => {
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('X-1')] });
    const de = worker(h, DE);
    const fr = worker(h, FR);
    await h.enqueue({ sku: 'X-1', kind: 'listing' });
    // the DE feed stays IN_PROGRESS at Amazon
    h.sim.setFaults({ stuckFeedRate: 1 });
    expect(await de.pushListings()).toMatchObject({ expanded: 1, messagesSent: 1, deferred: 0 });
    h.sim.setFaults({ stuckFeedRate: 0 });
    // FR sends and drains meanwhile: the DE feed neither holds back its entry nor its drain
    expect(await fr.pushListings({ untilDrained: true, timeoutMs: 20_000 })).toMatchObject({ drained: true, messagesSent: 1, deferred: 0 });
    expect(h.sim.state.feeds.map((f) => [f.marketplaceIds, f.processingStatus])).toEqual([
      [[DE], 'IN_PROGRESS'],
      [[FR], 'DONE'],
    ]);
    // an edit now: FR sends it at once; DE's entry waits for the DE feed still in flight
    await h.save({ sku: 'X-1', quantity: 4 });
    expect(await fr.pushListings({ untilDrained: true, timeoutMs: 20_000 })).toMatchObject({ drained: true, expanded: 1, messagesSent: 1, deferred: 0 });
    expect(quantities(h, 'X-1')).toEqual([undefined, 4]);
    expect(await de.pushListings()).toMatchObject({ messagesSent: 0, deferred: 1 });
    // the DE listing entry is held by its feed; the edit waits beside it, unclaimed
    expect(await queued(h)).toEqual([
      [DE, 'X-1', 'listing', 'worker-A1PA6795UKMFR9'],
      [DE, 'X-1', 'offer', null],
    ]);
  });

  test('nothing is lost when the expanding worker stops right after the expansion: restarted workers send both marketplaces', async () => {
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('X-1')], listings: { leaseMs: 600_000 } });
    await h.enqueue({ sku: 'X-1', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    await h.save({ sku: 'X-1', quantity: 7 });
    // the DE worker's process stops while it reads the shop, right after committing the expansion
    const stopped = holdUntil();
    const dying = worker(h, DE, { workerId: 'de-dying', shop: { ...h.shop, getProductsBySku: async () => stopped.wait() } });
    const pass = dying.pushListings();
    await stopped.reached;
    expect(await queued(h)).toEqual([[FR, 'X-1', 'offer', null], [DE, 'X-1', 'offer', 'de-dying']]);
    // new processes (new sync objects, new worker ids): FR at once, DE once the dead claim's lease ran out
    expect(await worker(h, FR).pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 0, messagesSent: 1 });
    expect(quantities(h, 'X-1')).toEqual([10, 7]);
    expect(await worker(h, DE, { workerId: 'de-restarted' }).pushListings({ untilDrained: true, timeoutMs: 20_000 })).toMatchObject({ drained: true, messagesSent: 1 });
    expect(quantities(h, 'X-1')).toEqual([7, 7]);
    expect(await queued(h)).toEqual([]);
    // the dead pass, woken, gives back nothing it no longer holds
    stopped.fail(new Error('process stopped'));
    await expect(pass).rejects.toMatchObject({ code: 'SHOP_ADAPTER_FAILED' });
    expect(await queued(h)).toEqual([]);
  });

  test('a "*" change saved while a worker claimed the previous one and expands it is sent to both marketplaces too', async () => {
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('X-1')] });
    const de = worker(h, DE);
    const fr = worker(h, FR);
    await h.enqueue({ sku: 'X-1', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    await h.save({ sku: 'X-1', quantity: 4 });
    // right after the DE worker's claim, before its expansion, the shop saves X-1 again (the same entry)
    let saved: Promise<void> | null = null;
    const onResponse = (_response: unknown, query: { sql?: string }) => {
      if (saved === null && /^update .* set claimed_by = \?/i.test(query.sql ?? '')) {
        h.shop.upsertProduct({ sku: 'X-1', quantity: 3 });
        saved = h.enqueue({ sku: 'X-1' });
      }
    };
    h.knex.on('query-response', onResponse);
    try {
      // the expansion of the first version leaves the newer one queued: it is claimed and expanded in turn
      expect(await de.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 2 });
    } finally {
      h.knex.removeListener('query-response', onResponse);
    }
    expect(saved).not.toBeNull();
    await saved;
    await fr.pushListings({ untilDrained: true });
    await de.pushListings({ untilDrained: true });
    expect(quantities(h, 'X-1')).toEqual([3, 3]);
    expect(await queued(h)).toEqual([]);
  });

  test('a DE worker and an FR worker of one account never withdraw each other’s offers', async () => {
    const h = await start({ marketplaceIds: [DE, FR], products: [listedProduct('X-1')] });
    const de = worker(h, DE);
    const fr = worker(h, FR);
    const settle = async () => {
      for (const sync of [de, fr]) expect(await sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true });
    };
    await h.enqueue({ sku: 'X-1', kind: 'listing' });
    await settle();
    expect(quantities(h, 'X-1')).toEqual([10, 10]);
    for (const quantity of [9, 8]) {
      // each reconciles its own marketplace only
      expect(await de.reconcile()).toMatchObject({ compared: 1, unchanged: 1, enqueued: 0 });
      expect(await fr.reconcile()).toMatchObject({ compared: 1, unchanged: 1, enqueued: 0 });
      // a stock save for every marketplace: each worker sends its own, neither withdraws the other's
      await h.save({ sku: 'X-1', quantity });
      await settle();
      expect(quantities(h, 'X-1')).toEqual([quantity, quantity]);
    }
    // restricted to DE by the shop: the FR worker withdraws FR, the DE worker leaves it to FR
    await h.save({ sku: 'X-1', quantity: 4, marketplaceIds: [DE] });
    expect(await de.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 1 });
    expect(quantities(h, 'X-1')).toEqual([4, 8]);
    expect(await fr.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 1 });
    expect(quantities(h, 'X-1')).toEqual([4, 0]);
    const zeroes = h.documents().filter((d) => JSON.stringify(d.messages).includes('"quantity":0'));
    expect(zeroes).toHaveLength(1);
    expect(h.sim.state.feeds.filter((f) => f.input?.content.includes('"quantity":0')).map((f) => f.marketplaceIds)).toEqual([[FR]]);
    expect(await queued(h)).toEqual([]);
  });

  test('partitioned workers withdraw offers from a marketplace the account dropped, by the next change and by reconcile', async () => {
    const h = await start({ marketplaceIds: [DE, FR, UK], listings: { exchangeRates: { 'EUR/GBP': '0.86' } }, products: [listedProduct('X-1'), listedProduct('X-2')] });
    await h.enqueue([{ sku: 'X-1', kind: 'listing' }, { sku: 'X-2', kind: 'listing' }]);
    await h.sync.pushListings({ untilDrained: true });
    expect(quantities(h, 'X-1', [DE, FR, UK])).toEqual([10, 10, 10]);
    // the account stops selling on UK: both workers name DE and FR only; withdrawing is the default
    const de = worker(h, DE);
    const fr = worker(h, FR);
    await h.save({ sku: 'X-1', quantity: 5 });
    expect(await de.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 1 });
    expect(await fr.pushListings({ untilDrained: true })).toMatchObject({ drained: true });
    expect(quantities(h, 'X-1', [DE, FR, UK])).toEqual([5, 5, 0]);
    // X-2 was not saved: reconcile (DE's offers of X-1 and X-2, X-2's live UK offer) queues its withdrawal there
    expect(await de.reconcile()).toMatchObject({ compared: 3, unchanged: 2, enqueued: 1 });
    expect((await h.sync.changeLog.list()).map((e) => [e.marketplaceId, e.sku])).toEqual([[UK, 'X-2']]);
    expect(await fr.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 1 });
    expect(quantities(h, 'X-2', [DE, FR, UK])).toEqual([10, 10, 0]);
    for (const sync of [de, fr]) expect(await sync.reconcile()).toMatchObject({ enqueued: 0 });
    expect(await queued(h)).toEqual([]);
  });

  test('while the workers are restarted one by one with a new marketplace list, none takes the other list for a dropped marketplace', async () => {
    // registrations count for 2.5 s here (timeScale 1000), so a stopped worker's list ages out quickly,
    // with a wide margin for the steps that must see it alive on a loaded machine
    const h = await start({ marketplaceIds: [DE, FR, UK], listings: { exchangeRates: { 'EUR/GBP': '0.86' }, partitionPeerTtlMs: 2_500_000 }, products: [listedProduct('X-1')] });
    const warnings: unknown[] = [];
    const quiet = () => undefined;
    const logger = { debug: quiet, info: quiet, error: quiet, warn: (...args: unknown[]) => void warnings.push(args) };
    // UK is being added: the UK worker already names it, the DE worker (not restarted yet) does not
    const uk = worker(h, UK, { workerId: 'uk-new', amazon: account(h, [DE, FR, UK]) });
    const de = worker(h, DE, { workerId: 'de-old', logger });
    await h.enqueue({ sku: 'X-1', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    expect(quantities(h, 'X-1', [DE, FR, UK])).toEqual([10, 10, 10]);
    expect(await uk.pushListings()).toMatchObject({ messagesSent: 0 });
    // a preview on a DE worker not restarted yet, before its first pass: DE only, no UK withdrawal
    const preview = await worker(h, DE, { workerId: 'de-preview' }).previewFeed({ skus: ['X-1'] });
    expect(preview.documents.map((d) => d.marketplaceId)).toEqual([DE]);
    // a save: the DE worker expands it to UK too (the UK worker names it), and does not withdraw UK
    await h.save({ sku: 'X-1', quantity: 5 });
    expect(await de.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 1 });
    expect(quantities(h, 'X-1', [DE, FR, UK])).toEqual([5, 10, 10]);
    expect((await queued(h)).map(([marketplaceId]) => marketplaceId).sort()).toEqual([FR, UK].sort());
    expect(JSON.stringify(warnings)).toContain('uk-new');
    expect(await uk.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 1 });
    expect(quantities(h, 'X-1', [DE, FR, UK])).toEqual([5, 10, 5]);
    // dropping UK again: a DE worker restarted with [DE, FR] leaves UK alone while the UK worker's
    // registration counts, and withdraws it once that ran out (the UK worker stopped)
    await new Promise((resolve) => setTimeout(resolve, 2_700));
    const stillListed = worker(h, FR, { workerId: 'fr-old', amazon: account(h, [DE, FR, UK]) });
    // (its pass sends the FR entry still queued)
    expect(await stillListed.pushListings({ untilDrained: true })).toMatchObject({ drained: true, messagesSent: 1 });
    await h.save({ sku: 'X-1', quantity: 3 });
    const de2 = worker(h, DE, { workerId: 'de-new' });
    expect(await de2.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 1 });
    expect(quantities(h, 'X-1', [DE, FR, UK])).toEqual([3, 5, 5]);
    await new Promise((resolve) => setTimeout(resolve, 2_700));
    await h.save({ sku: 'X-1', quantity: 2 });
    expect(await de2.pushListings({ untilDrained: true })).toMatchObject({ drained: true, expanded: 1 });
    expect(quantities(h, 'X-1', [DE, FR, UK])).toEqual([2, 5, 0]);
  });
});

describeEachEngine('workers partitioned by marketplace, side by side', (engine) => {
  test('a DE worker and an FR worker draining at the same time deliver every "*" change to both marketplaces once', async () => {
    const skus = Array.from({ length: 40 }, (_, i) => `SIDE-${i}`);
    const h = await start({ database: engine, marketplaceIds: [DE, FR], products: skus.map((sku) => listedProduct(sku)) });
    const { clientId, clientSecret, refreshToken } = SIMULATOR_CREDENTIALS;
    const amazon = { region: 'eu' as const, sellerId: 'A2SIMSELLER01', marketplaceIds: [DE, FR], refreshToken, clientId, clientSecret, endpoint: h.sim.url };
    const [de, fr] = [DE, FR].map((marketplaceId) => h.newSync({ workerId: `side-${marketplaceId}`, amazon, partition: { marketplaceIds: [marketplaceId] } }));
    const drain = async () => {
      const results = await Promise.all([de!.pushListings({ untilDrained: true, timeoutMs: 30_000 }), fr!.pushListings({ untilDrained: true, timeoutMs: 30_000 })]);
      for (const result of results) expect(result).toMatchObject({ drained: true, rejected: 0, invalid: 0 });
      return results;
    };
    await h.enqueue(skus.map((sku) => ({ sku, kind: 'listing' as const })));
    const first = await drain();
    // every "*" entry expanded once, by one worker or the other
    expect(first[0]!.expanded + first[1]!.expanded).toBe(skus.length);
    for (const sku of skus) h.shop.upsertProduct({ sku, quantity: 3 });
    await h.enqueue(skus.map((sku) => ({ sku })));
    await drain();
    for (const sku of skus) expect([DE, FR].map((m) => h.sim.state.offer(sku, m)?.quantity)).toEqual([3, 3]);
    // one message per SKU, marketplace and change: none sent twice, none to the other worker's marketplace
    const sent = h.sim.state.feeds.flatMap((feed) => (JSON.parse(feed.input!.content) as { messages: { sku: string }[] }).messages.map((m) => `${feed.marketplaceIds.join()} ${m.sku}`));
    expect(sent).toHaveLength(skus.length * 4);
    expect(new Set(sent).size).toBe(skus.length * 2);
    expect(await h.sync.changeLog.list()).toEqual([]);
  });
});

describe('mapped seller SKUs', () => {
  const mug = { sku: 'MUG-1', productRef: 'mug', gtin: '4006381333931', title: 'Mug', price: { amount: 1299, currency: 'EUR' }, quantity: 5 };

  test('a CSV-mapped seller SKU gets its shop product’s offer: matching mode, then every stock save and reconcile', async () => {
    const h = await start({ products: [mug] });
    expect(await h.sync.importMappingCsv('Title,Internal Reference,Seller SKU,Marketplace,Fulfilment\nMug,MUG-1,AMZ-MUG,DE,MFN\n')).toMatchObject({ created: 1 });
    expect(await h.sync.matchCatalog()).toMatchObject({ matched: 1 });
    expect((await h.sync.changeLog.list()).map((e) => [e.sku, e.kind, e.marketplaceId])).toEqual([['AMZ-MUG', 'listing', DE]]);
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, acknowledged: 1, rejected: 0, invalid: 0 });
    expect(h.documents()[0]!.messages).toEqual([
      expect.objectContaining({ sku: 'AMZ-MUG', operationType: 'UPDATE', requirements: 'LISTING_OFFER_ONLY', attributes: expect.objectContaining({ merchant_suggested_asin: [{ value: 'B0SIM00001', marketplace_id: DE }] }) }),
    ]);
    expect(h.sim.state.offer('AMZ-MUG', DE)).toMatchObject({ quantity: 5, price: '12.99' });

    // a stock save of the shop SKU reaches the mapped seller SKU; MUG-1 itself is not what Amazon sells on DE
    await h.save({ sku: 'MUG-1', quantity: 3 });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 0 });
    expect(h.sim.state.offer('AMZ-MUG', DE)).toMatchObject({ quantity: 3, price: '12.99' });
    expect(h.sim.state.listing('MUG-1', DE)).toBeUndefined();
    expect(h.documents().at(-1)!.messages).toEqual([expect.objectContaining({ sku: 'AMZ-MUG', operationType: 'PATCH' })]);
    expect(await h.sync.changeLog.list()).toEqual([]);

    // stock changed outside the hooks: reconcile compares the mapped seller SKU, not the shop SKU
    h.shop.upsertProduct({ sku: 'MUG-1', quantity: 1 });
    expect(await h.sync.reconcile()).toMatchObject({ compared: 1, enqueued: 1 });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.sim.state.offer('AMZ-MUG', DE)).toMatchObject({ quantity: 1 });
    expect(await h.sync.reconcile()).toMatchObject({ compared: 1, enqueued: 0, unchanged: 1 });

    // the shop deletes the product: its delete (naming the product) removes the mapped listing too
    h.shop.removeProduct('MUG-1');
    await h.enqueue({ sku: 'MUG-1', kind: 'delete', productRef: 'mug' });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 0, invalid: 0 });
    expect(h.sim.state.listing('AMZ-MUG', DE)).toBeUndefined();
    expect(await h.sync.changeLog.list()).toEqual([]);
  });

  test('an FBA seller SKU mapped to a shop product gets its price only, never a quantity, and is never deleted from here', async () => {
    const h = await start({
      products: [listedProduct('MUG-2', { productRef: 'mug-2', quantity: 7, price: { amount: 1500, currency: 'EUR' } })],
      simulator: { seed: { listings: [{ sku: 'MUG-2-FBA', marketplaceId: DE, asin: 'B0SIM00001', price: '15.00', fulfillmentChannel: 'AMAZON_EU' }] } },
    });
    await h.sync.mappings.upsert([
      { marketplaceId: DE, sellerSku: 'MUG-2', fulfillmentChannel: 'MFN', productRef: 'mug-2', source: 'manual' },
      { marketplaceId: DE, sellerSku: 'MUG-2-FBA', fulfillmentChannel: 'AFN', productRef: 'mug-2', asin: 'B0SIM00001', source: 'manual' },
    ]);
    await h.enqueue({ sku: 'MUG-2', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    await h.save({ sku: 'MUG-2', quantity: 2, price: { amount: 1450, currency: 'EUR' } });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 0 });
    expect(h.sim.state.offer('MUG-2', DE)).toMatchObject({ quantity: 2, price: '14.50', fulfillmentChannelCode: 'DEFAULT' });
    expect(h.sim.state.offer('MUG-2-FBA', DE)).toEqual(expect.objectContaining({ price: '14.50', fulfillmentChannelCode: 'AMAZON_EU' }));
    expect(h.sim.state.offer('MUG-2-FBA', DE)?.quantity).toBeUndefined();
    const sent = h.documents().flatMap((d) => d.messages).filter((m) => m['sku'] === 'MUG-2-FBA');
    // the first listing change reached it too: each time a PATCH of purchasable_offer alone
    expect(sent.map((m) => (m['patches'] as { path: string }[]).map((patch) => patch.path))).toEqual([['/attributes/purchasable_offer'], ['/attributes/purchasable_offer']]);
    expect(await h.sync.reconcile()).toMatchObject({ compared: 2, enqueued: 0, unchanged: 2 });

    // the product is deleted from the shop: its merchant listing goes, the FBA listing stays (Amazon's stock)
    h.shop.removeProduct('MUG-2');
    await h.enqueue({ sku: 'MUG-2', kind: 'delete' });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.sim.state.listing('MUG-2', DE)).toBeUndefined();
    expect(h.sim.state.listing('MUG-2-FBA', DE)).toBeDefined();
    expect(await h.sync.changeLog.list()).toEqual([]);
  });

  test('the delete of a shop SKU the mapping table names FBA sends nothing and is acknowledged', async () => {
    const h = await start({
      products: [listedProduct('FBA-1', { productRef: 'fba-1' })],
      simulator: { seed: { listings: [{ sku: 'FBA-1', marketplaceId: DE, asin: 'B0SIM00001', price: '19.99', fulfillmentChannel: 'AMAZON_EU' }] } },
    });
    // the listings report (or a CSV) says the shop SKU itself is an FBA listing on DE
    await h.sync.mappings.upsert([{ marketplaceId: DE, sellerSku: 'FBA-1', fulfillmentChannel: 'AFN', productRef: 'fba-1', asin: 'B0SIM00001', source: 'manual' }]);
    await h.enqueue({ sku: 'FBA-1', kind: 'offer' });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.documents().map((d) => d.messages.map((m) => m['operationType']))).toEqual([['PATCH']]);
    h.shop.removeProduct('FBA-1');
    await h.enqueue({ sku: 'FBA-1', kind: 'delete', productRef: 'fba-1' });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, claimed: 1, acknowledged: 1, feedsSubmitted: 0, invalid: 0 });
    expect(h.documents()).toHaveLength(1);
    expect(h.sim.state.listing('FBA-1', DE)).toBeDefined();
    expect(await h.sync.changeLog.list()).toEqual([]);
  });

  const twoMfnSkus = (product: string) => [
    { marketplaceId: DE, sellerSku: product, fulfillmentChannel: 'MFN' as const, productRef: product.toLowerCase(), source: 'listings-report' as const },
    { marketplaceId: DE, sellerSku: `${product}-OLD`, fulfillmentChannel: 'MFN' as const, productRef: product.toLowerCase(), asin: 'B0SIM00001', source: 'listings-report' as const },
  ];
  const operations = (h: ListingsHarness) => h.documents().map((d) => d.messages.map((m) => `${String(m['sku'])} ${String(m['operationType'])}`));

  test('a removed product’s delete reaches its other seller SKUs once: their deletes never fan out again', async () => {
    const h = await start({ products: [listedProduct('MUG-4', { productRef: 'mug-4' })] });
    // the listings report found both MFN listings of the product, the shop SKU's own among them
    await h.sync.mappings.upsert(twoMfnSkus('MUG-4'));
    await h.enqueue({ sku: 'MUG-4', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    expect(operations(h)).toEqual([['MUG-4 UPDATE'], ['MUG-4-OLD UPDATE']]);
    h.shop.removeProduct('MUG-4');
    await h.enqueue({ sku: 'MUG-4', kind: 'delete', productRef: 'mug-4' });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 5_000 })).toMatchObject({ drained: true, rejected: 0, invalid: 0 });
    expect(operations(h).slice(2)).toEqual([['MUG-4 DELETE'], ['MUG-4-OLD DELETE']]);
    expect(h.sim.state.listing('MUG-4', DE)).toBeUndefined();
    expect(h.sim.state.listing('MUG-4-OLD', DE)).toBeUndefined();
    expect(await h.sync.changeLog.list()).toEqual([]);
    // a later pass finds nothing to do
    expect(await h.sync.pushListings()).toMatchObject({ claimed: 0, feedsSubmitted: 0 });
  });

  test('the delete of one seller SKU of a product the shop still has deletes that SKU only', async () => {
    const h = await start({ products: [listedProduct('MUG-5', { productRef: 'mug-5' }), listedProduct('MUG-6', { productRef: 'mug-6' })] });
    await h.sync.mappings.upsert([...twoMfnSkus('MUG-5'), ...twoMfnSkus('MUG-6')]);
    await h.enqueue([{ sku: 'MUG-5', kind: 'listing' }, { sku: 'MUG-6', kind: 'listing' }]);
    await h.sync.pushListings({ untilDrained: true });
    const sent = operations(h).length;
    // the seller retires the duplicate MUG-5-OLD, and takes the shop SKU MUG-6 off Amazon; both products stay in the shop
    await h.enqueue([{ sku: 'MUG-5-OLD', kind: 'delete' }, { sku: 'MUG-6', kind: 'delete', productRef: 'mug-6' }]);
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 5_000 })).toMatchObject({ drained: true, rejected: 0, invalid: 0 });
    expect(operations(h).slice(sent).flat().sort()).toEqual(['MUG-5-OLD DELETE', 'MUG-6 DELETE']);
    expect(h.sim.state.offer('MUG-5', DE)).toMatchObject({ quantity: 10 });
    expect(h.sim.state.offer('MUG-6-OLD', DE)).toMatchObject({ quantity: 10 });
    expect(h.sim.state.listing('MUG-5-OLD', DE)).toBeUndefined();
    expect(h.sim.state.listing('MUG-6', DE)).toBeUndefined();
    expect(await h.sync.changeLog.list()).toEqual([]);
  });

  test('an FBA seller SKU added for a product does not stand in for its shop SKU: the merchant offer keeps its stock', async () => {
    const h = await start({
      products: [listedProduct('MUG-3', { productRef: 'mug-3' })],
      simulator: { seed: { listings: [{ sku: 'MUG-3-FBA', marketplaceId: DE, asin: 'B0SIM00001', price: '19.99', fulfillmentChannel: 'AMAZON_EU' }] } },
    });
    await h.enqueue({ sku: 'MUG-3', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    // the seller maps its FBA listing of the same product (a CSV with the AFN row only)
    expect(await h.sync.importMappingCsv('Title,Internal Reference,Seller SKU,Marketplace,Fulfilment\nMug,MUG-3,MUG-3-FBA,DE,AFN\n')).toMatchObject({ created: 1 });
    await h.save({ sku: 'MUG-3', quantity: 8 });
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ drained: true, rejected: 0 });
    expect(h.sim.state.offer('MUG-3', DE)).toMatchObject({ quantity: 8, fulfillmentChannelCode: 'DEFAULT' });
    expect(h.documents().flatMap((d) => d.messages).filter((m) => m['sku'] === 'MUG-3').at(-1)!['patches']).toEqual([
      { op: 'merge', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 8 }] },
      expect.objectContaining({ path: '/attributes/purchasable_offer' }),
    ]);
    expect(h.sim.state.offer('MUG-3-FBA', DE)).toMatchObject({ price: '19.99', fulfillmentChannelCode: 'AMAZON_EU' });
    // reconcile reads the same rule: both offers compared, neither withdrawn nor queued again
    h.shop.upsertProduct({ sku: 'MUG-3', quantity: 6 });
    expect(await h.sync.reconcile()).toMatchObject({ compared: 2, enqueued: 1, unchanged: 1 });
    await h.sync.pushListings({ untilDrained: true });
    expect(h.sim.state.offer('MUG-3', DE)).toMatchObject({ quantity: 6 });
    expect(await h.sync.reconcile()).toMatchObject({ compared: 2, enqueued: 0, unchanged: 2 });
  });
});

describe('malformed adapter records', () => {
  // JavaScript adapters and database NULLs produce shapes the types forbid; none of them may sink a batch
  test('null lists and a missing salePrice key are tolerated; a record that throws fails its SKU only', async () => {
    const h = await start({ products: ['GOOD-1', 'NULL-LISTS', 'NO-SALE-KEY', 'NULL-IMAGES', 'THROWS', 'GOOD-2'].map((sku) => listedProduct(sku)) });
    const readListings = h.shop.getListingData!.bind(h.shop);
    h.shop.getListingData = async (skus) =>
      (await readListings(skus)).map((listing) => {
        if (listing.sku === 'NULL-LISTS') return { ...listing, bulletPoints: null, searchTerms: null, images: { main: null, others: null } } as never;
        if (listing.sku === 'NULL-IMAGES') return { ...listing, images: null } as never;
        return listing;
      });
    const malformed = (product: ShopProduct): ShopProduct => {
      if (product.sku === 'NO-SALE-KEY') {
        const { salePrice: _salePrice, ...rest } = product;
        return rest as never;
      }
      if (product.sku === 'THROWS')
        return Object.defineProperty({ ...product }, 'price', {
          get() {
            throw new TypeError('price column is not a number');
          },
        });
      return product;
    };
    const readProducts = h.shop.getProductsBySku.bind(h.shop);
    h.shop.getProductsBySku = async (skus) => (await readProducts(skus)).map(malformed);
    const scan = h.shop.scanCatalog.bind(h.shop);
    h.shop.scanCatalog = async (page) => {
      const result = await scan(page);
      return { ...result, items: result.items.map(malformed) };
    };
    await h.enqueue(h.shop.listProducts().map((p) => ({ sku: p.sku, kind: 'listing' as const })));

    const preview = await h.sync.previewFeed({ skus: ['NULL-LISTS', 'THROWS', 'GOOD-1', 42 as never] });
    expect(preview.rejected).toEqual([
      expect.objectContaining({ sku: '42', code: 'INVALID_LISTING', message: 'Listing not previewed: SKU 42 must be a string.' }),
      expect.objectContaining({ sku: 'THROWS', code: 'INVALID_LISTING', message: expect.stringContaining('price column is not a number') }),
    ]);
    expect(preview.documents[0]!.messageCount).toBe(2);

    const result = await h.sync.pushListings({ untilDrained: true });
    expect(result).toMatchObject({ drained: true, acknowledged: 5, invalid: 1 });
    const entries = await h.sync.changeLog.list();
    expect(entries).toEqual([expect.objectContaining({ sku: 'THROWS', status: 'failed', nextAttemptAt: null, lastError: expect.objectContaining({ code: 'INVALID_LISTING' }) })]);
    expect(entries[0]!.lastError!.message).toMatch(/^Listing not sent: SKU "THROWS": the shop adapter "memory" returned data that cannot be read \(.*TypeError: price column is not a number/);
    for (const sku of ['GOOD-1', 'NULL-LISTS', 'NO-SALE-KEY', 'NULL-IMAGES', 'GOOD-2']) expect(h.sim.state.offer(sku, DE)).toMatchObject({ quantity: 10, price: '19.99' });
    const sent = Object.fromEntries(h.documents().flatMap((d) => d.messages).map((m) => [m['sku'], m['attributes'] as Record<string, unknown>]));
    expect(Object.keys(sent['NULL-LISTS']!)).not.toContain('bullet_point');
    expect(Object.keys(sent['NULL-IMAGES']!)).not.toContain('main_product_image_locator');

    // reconcile reads the same records: the throwing one is queued for its error, the scan goes on
    h.shop.upsertProduct({ sku: 'GOOD-2', quantity: 3 });
    expect(await h.sync.reconcile()).toMatchObject({ scanned: 6, enqueued: 1, skipped: 1, unchanged: 4 });
  });
});

describe('faults', () => {
  const products = Array.from({ length: 15 }, (_, i) => listedProduct(`F-${i}`, { quantity: i }));

  async function editAndDrain(h: ListingsHarness) {
    await h.enqueue(products.map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    for (let round = 0; round < 4; round += 1) {
      for (const p of products.slice(round, round + 6)) await h.save({ sku: p.sku, quantity: round * 10 + 1 });
      await h.sync.pushListings();
    }
    const result = await h.sync.pushListings({ untilDrained: true, timeoutMs: 60_000 });
    expect(result.drained).toBe(true);
    expect(await h.sync.changeLog.stats()).toMatchObject({ total: 0 });
    h.expectConverged();
  }

  test('a FATAL feed releases its entries for retry with backoff and still ends converged', async () => {
    const h = await start({ products, simulator: { faults: { fatalFeedRate: 1 } } });
    await h.enqueue(products.map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    await h.sync.pushListings();
    const stats = await waitFor(async () => {
      const result = await h.sync.pushListings();
      return result.retried > 0 ? result : null;
    });
    expect(stats.retried).toBe(15);
    const entry = (await h.sync.changeLog.list())[0]!;
    expect(entry).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'FEED_FATAL' } });
    expect(entry.nextAttemptAt).not.toBeNull();
    expect((await h.sync.status()).listings.lastReports[0]).toMatchObject({ status: 'fatal', error: { code: 'FEED_FATAL' } });
    h.sim.setFaults({ fatalFeedRate: 0.4 });
    await editAndDrain(h);
  });

  test('a 429 storm ends converged', async () => {
    const h = await start({ products, simulator: { faults: { throttleRate: 0.5 }, randomSeed: 7 } });
    await editAndDrain(h);
    expect(h.sim.state.throttled).toBeGreaterThan(10);
  });

  test('a mix of 5xx answers and dropped connections ends converged', async () => {
    const h = await start({ products, simulator: { faults: { serverErrorRate: 0.25, dropConnectionRate: 0.1, operations: { upload: { serverErrorRate: 0.2 }, download: { serverErrorRate: 0.2 } } }, randomSeed: 3 } });
    await editAndDrain(h);
  });

  test('a feed stuck past the limit is cancelled or abandoned and its entries retried', async () => {
    const h = await start({ products: products.slice(0, 3), listings: { stuckFeedMs: 400_000 }, simulator: { faults: { stuckFeedRate: 1 } } });
    await h.enqueue(products.slice(0, 3).map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    const result = await waitFor(async () => {
      const pass = await h.sync.pushListings();
      return pass.retried > 0 ? pass : null;
    });
    expect(result.retried).toBe(3);
    expect((await h.sync.status()).listings.lastReports[0]).toMatchObject({ status: 'stuck', error: { code: 'FEED_STUCK' } });
    h.sim.setFaults({ stuckFeedRate: 0 });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    h.expectConverged();
  });

  test('a feed given up as stuck that Amazon finishes late: its SKUs are queued again, so the shop’s current offers win', async () => {
    const h = await start({ products: products.slice(1, 3), listings: { stuckFeedMs: 1_000_000 }, simulator: { faults: { stuckFeedRate: 1 } } });
    await h.enqueue(products.slice(1, 3).map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    await waitFor(async () => ((await h.sync.pushListings()).retried > 0 ? true : null));
    const [stuck] = h.sim.state.feeds;
    expect(stuck).toMatchObject({ processingStatus: 'IN_PROGRESS' });
    // the entries go again in a new feed, with the stock saved meanwhile
    h.sim.setFaults({ stuckFeedRate: 0 });
    await h.save({ sku: 'F-1', quantity: 7 });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true, requeued: 0 });
    expect(h.sim.state.offer('F-1', DE)?.quantity).toBe(7);
    // hours later Amazon finishes the first feed after all: its older quantity overwrites the newer one
    expect(h.sim.finishStuckFeed(stuck!.feedId)).toBe(true);
    expect(h.sim.state.offer('F-1', DE)?.quantity).toBe(1);
    // the next look at the watched feed queues its SKUs again, and the shop's offers are back
    const pass = await waitFor(async () => {
      const result = await h.sync.pushListings();
      return result.requeued > 0 ? result : null;
    });
    expect(pass.requeued).toBe(2);
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    expect(h.sim.state.offer('F-1', DE)?.quantity).toBe(7);
    h.expectConverged();
    // the watch has ended: further passes never look at that feed again
    const polls = h.sim.state.calls['feeds.getFeed'];
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.sync.pushListings();
    expect(h.sim.state.calls['feeds.getFeed']).toBe(polls);
  });

  test('a late feed that re-lists a SKU deleted long before is not taken for an old intention: the SKU stays listed', async () => {
    const h = await start({ products: [listedProduct('R-1', { quantity: 1 })], listings: { stuckFeedMs: 1_000_000 } });
    await h.enqueue({ sku: 'R-1', kind: 'listing' });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    h.shop.removeProduct('R-1');
    await h.enqueue({ sku: 'R-1', kind: 'delete' });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    expect(h.sim.state.listing('R-1', DE)).toBeUndefined();
    // the shop lists it again; Amazon is slow: the PUT gets stuck, and so does its retry
    const before = h.sim.state.feeds.length;
    h.sim.setFaults({ stuckFeedRate: 1 });
    h.shop.upsertProduct(listedProduct('R-1', { quantity: 5 }));
    await h.enqueue({ sku: 'R-1', kind: 'listing' });
    await waitFor(async () => ((await h.sync.pushListings()).retried > 0 ? true : null));
    // Amazon finishes the first one late: R-1 is listed, as the shop asked
    expect(h.sim.finishStuckFeed(h.sim.state.feeds[before]!.feedId)).toBe(true);
    expect(h.sim.state.offer('R-1', DE)?.quantity).toBe(5);
    await waitFor(async () => ((await h.sync.pushListings()).requeued > 0 ? true : null));
    // the re-queued change is the listing again (beside the retried one), never a delete
    expect(new Set((await h.sync.changeLog.list()).map((e) => `${e.sku} ${e.kind}`))).toEqual(new Set(['R-1 listing']));
    h.sim.setFaults({ stuckFeedRate: 0 });
    await waitFor(async () => ((await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).drained ? true : null), 60_000);
    expect(h.sim.state.offer('R-1', DE)?.quantity).toBe(5);
  });

  test('a late feed that lists a SKU deleted since gets the delete again; a late delete of a SKU listed since gets the listing again', async () => {
    const items = [listedProduct('F-1', { quantity: 1 }), listedProduct('F-2', { quantity: 2 })];
    const h = await start({ products: items, listings: { stuckFeedMs: 1_000_000 }, simulator: { faults: { stuckFeedRate: 1 } } });
    await h.enqueue(items.map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    await waitFor(async () => ((await h.sync.pushListings()).retried > 0 ? true : null));
    const [lateListing] = h.sim.state.feeds;
    h.sim.setFaults({ stuckFeedRate: 0 });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    // F-1 leaves the shop and Amazon: deleted
    h.shop.removeProduct('F-1');
    await h.enqueue({ sku: 'F-1', kind: 'delete' });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    expect(h.sim.state.listing('F-1', DE)).toBeUndefined();
    // F-2 is deleted too, but that feed gets stuck; the shop lists F-2 again before the retry
    h.sim.setFaults({ stuckFeedRate: 1 });
    h.shop.removeProduct('F-2');
    await h.enqueue({ sku: 'F-2', kind: 'delete' });
    await waitFor(async () => ((await h.sync.pushListings()).retried > 0 ? true : null));
    const lateDelete = h.sim.state.feeds.at(-1)!;
    h.sim.setFaults({ stuckFeedRate: 0 });
    h.shop.upsertProduct(listedProduct('F-2', { quantity: 5 }));
    await h.enqueue({ sku: 'F-2', kind: 'listing' });
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    expect(h.sim.state.offer('F-2', DE)?.quantity).toBe(5);
    // Amazon finishes both late: F-1 is back (with its old quantity), F-2 is gone
    expect(h.sim.finishStuckFeed(lateListing!.feedId)).toBe(true);
    expect(h.sim.finishStuckFeed(lateDelete.feedId)).toBe(true);
    expect(h.sim.state.offer('F-1', DE)?.quantity).toBe(1);
    expect(h.sim.state.listing('F-2', DE)).toBeUndefined();
    // the watch queues F-1's delete and F-2's listing again (F-2 of the first late feed: an offer)
    let requeued = 0;
    await waitFor(async () => {
      requeued += (await h.sync.pushListings()).requeued;
      const watched = await h.knex(`${h.tablePrefix}feed_submissions`).where({ status: 'stuck' }).whereNotNull('next_poll_at');
      return watched.length === 0 ? true : null;
    });
    expect(requeued).toBe(3);
    expect(await h.sync.pushListings({ untilDrained: true, timeoutMs: 30_000 })).toMatchObject({ drained: true });
    expect(h.sim.state.listing('F-1', DE)).toBeUndefined();
    expect(h.sim.state.offer('F-2', DE)?.quantity).toBe(5);
  });
});

describe('convergence', () => {
  test('after hundreds of random shop edits and syncs, Amazon holds the shop’s offer for every SKU', async () => {
    const random = seededRandom(20261122);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const skus = Array.from({ length: 40 }, (_, i) => `C-${String(i).padStart(2, '0')}`);
    const h = await start({ products: skus.map((sku) => listedProduct(sku)), simulator: { faults: { serverErrorRate: 0.03, throttleRate: 0.03 }, randomSeed: 11 } });
    await h.enqueue(skus.map((sku) => ({ sku, kind: 'listing' as const })));
    const removed = new Set<string>();
    let edits = 0;
    for (let step = 0; step < 60; step += 1) {
      for (let i = 0; i < 6; i += 1) {
        const sku = pick(skus);
        edits += 1;
        const roll = random();
        if (removed.has(sku)) {
          removed.delete(sku);
          await h.save(listedProduct(sku, { quantity: Math.floor(random() * 50) }), 'listing');
        } else if (roll < 0.35) await h.save({ sku, quantity: Math.floor(random() * 100) });
        else if (roll < 0.6) {
          const amount = 500 + Math.floor(random() * 5000);
          const sale = h.shop.getProduct(sku)!.salePrice;
          // a shop keeps its sale below the price; an invalid product is covered elsewhere
          await h.save({ sku, price: { amount, currency: 'EUR' }, ...(sale && sale.price.amount >= amount ? { salePrice: null } : {}) });
        }
        else if (roll < 0.75) {
          const amount = h.shop.getProduct(sku)!.price.amount;
          await h.save({ sku, salePrice: random() < 0.5 ? null : { price: { amount: Math.max(1, amount - 100), currency: 'EUR' }, startsAt: new Date('2026-01-01T00:00:00Z'), endsAt: new Date(Date.UTC(2099, 0, 1 + Math.floor(random() * 300))) } });
        } else if (roll < 0.85) await h.save({ sku, active: random() < 0.5 });
        else if (roll < 0.95) await h.save({ sku, listing: { title: `Title ${Math.floor(random() * 1000)}` } }, 'listing');
        else {
          h.shop.removeProduct(sku);
          removed.add(sku);
          await h.enqueue({ sku, kind: 'delete' });
        }
      }
      if (random() < 0.5) await h.sync.pushListings();
    }
    expect(edits).toBeGreaterThanOrEqual(300);
    const result = await h.sync.pushListings({ untilDrained: true, timeoutMs: 60_000 });
    expect(result.drained).toBe(true);
    expect(await h.sync.changeLog.stats()).toMatchObject({ total: 0 });
    h.expectConverged();
    for (const sku of removed) expect(h.sim.state.listing(sku, DE)).toBeUndefined();
    // and nothing is left to do: reconcile finds every offer equal to what Amazon accepted
    expect(await h.sync.reconcile()).toMatchObject({ enqueued: 0, unchanged: skus.length - removed.size });
  });
});

describe('reconcile', () => {
  test('queues only offers changed outside the hooks, and unchanged offers are never sent again', async () => {
    const h = await start({ products: Array.from({ length: 30 }, (_, i) => listedProduct(`S-${i}`)) });
    // first run: nothing is known yet, so every offer is queued once
    expect(await h.sync.reconcile({ pageSize: 7 })).toMatchObject({ pages: 5, scanned: 30, compared: 30, enqueued: 30, unchanged: 0 });
    await h.enqueue(h.shop.listProducts().map((p) => ({ sku: p.sku, kind: 'listing' as const })));
    await h.sync.pushListings({ untilDrained: true });
    const feeds = h.sim.state.calls['feeds.createFeed'];
    expect(await h.sync.reconcile({ pageSize: 7 })).toMatchObject({ scanned: 30, enqueued: 0, unchanged: 30 });
    // a POS sale and an ERP import change stock and price without any hook
    h.shop.upsertProduct({ sku: 'S-3', quantity: 2 });
    h.shop.upsertProduct({ sku: 'S-17', price: { amount: 2490, currency: 'EUR' } });
    h.shop.upsertProduct({ sku: 'S-20', title: 'renamed: not part of the offer' });
    expect(await h.sync.reconcile({ pageSize: 7 })).toMatchObject({ enqueued: 2, unchanged: 28 });
    expect((await h.sync.changeLog.list()).map((e) => e.sku).sort()).toEqual(['S-17', 'S-3']);
    await h.sync.pushListings({ untilDrained: true });
    expect(h.sim.state.calls['feeds.createFeed']).toBe(feeds! + 1);
    expect(h.documents().at(-1)!.messages.map((m) => m['sku']).sort()).toEqual(['S-17', 'S-3']);
    h.expectConverged();
    expect(await h.sync.reconcile()).toMatchObject({ enqueued: 0, unchanged: 30 });
  });

  test('does not send again an offer Amazon rejected, reports SKUs it cannot queue, and queues invalid offers once', async () => {
    const h = await start({
      products: [listedProduct('OK'), listedProduct('NEVER-LISTED', { listing: { brand: null } }), listedProduct('X'.repeat(41)), listedProduct('BAD', { quantity: -1 })],
    });
    await h.enqueue({ sku: 'OK', kind: 'listing' });
    await h.sync.pushListings({ untilDrained: true });
    const first = await h.sync.reconcile();
    expect(first).toMatchObject({ scanned: 4, compared: 3, unchanged: 1, enqueued: 2, invalidSkus: [{ sku: 'X'.repeat(41), rule: expect.stringMatching(/1 to 40 characters/) }] });
    // NEVER-LISTED: Amazon has no listing for its offer PATCH, so its full listing is queued, which
    // Amazon rejects (no brand); BAD is invalid
    expect(await h.sync.pushListings({ untilDrained: true })).toMatchObject({ listingsQueued: 1, rejected: 1, invalid: 1 });
    expect(await h.sync.reconcile()).toMatchObject({ unchanged: 1, enqueued: 0, skipped: 2 });
  });
});

describe('previewFeed', () => {
  test('returns the exact document that would be sent, and what would be rejected and why', async () => {
    const h = await start({ products: [listedProduct('P-1'), listedProduct('P-2', { quantity: -1 })] });
    await h.enqueue({ sku: 'P-1', kind: 'listing' });
    const preview = await h.sync.previewFeed({ skus: ['P-1', 'P-2', 'P-404'] });
    expect(preview).toMatchObject({ format: 'json', sendable: true });
    expect(preview.documents).toHaveLength(1);
    const document = JSON.parse(preview.documents[0]!.content) as { header: unknown; messages: Record<string, unknown>[] };
    expect(document.header).toEqual({ sellerId: 'A2SIMSELLER01', version: '2.0' });
    // P-1 has a listing change queued: a full UPDATE; P-2 has none: previewed as an offer
    expect(document.messages.map((m) => [m['sku'], m['operationType']])).toEqual([['P-1', 'UPDATE']]);
    expect(preview.rejected).toEqual([
      expect.objectContaining({ sku: 'P-2', code: 'INVALID_LISTING', message: expect.stringContaining('quantity must be a whole number ≥ 0') }),
      expect.objectContaining({ sku: 'P-404', code: 'SHOP_PRODUCT_NOT_FOUND' }),
    ]);
    const validate = loadListingsFeedValidator();
    if (validate) expect(validate(document)).toEqual([]);
    // previewing sends nothing and changes nothing
    expect(h.sim.state.calls['feeds.createFeed']).toBeUndefined();
    expect(await h.sync.changeLog.stats()).toMatchObject({ total: 1, inFlight: 0 });
    // what is sent later is exactly the previewed document
    await h.sync.pushListings({ untilDrained: true });
    expect(h.sim.state.feeds[0]!.input!.content).toBe((await h.sync.previewFeed({ skus: ['P-1'], kind: 'listing' })).documents[0]!.content);
  });

  test('format xml is a display rendering marked as not sendable', async () => {
    const h = await start({ products: [listedProduct('P-1')] });
    const preview = await h.sync.previewFeed({ skus: ['P-1'], format: 'xml', kind: 'listing' });
    expect(preview.sendable).toBe(false);
    const xml = preview.documents[0]!.content;
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain('Display only');
    expect(xml).toContain('sendable="false"');
    expect(xml).toContain('<sku>P-1</sku>');
    expect(xml).toContain('<media_location>https://shop.example/P-1.jpg</media_location>');
  });
});

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Where a shop call stops (a process that stopped): `reached` once a call got there; `fail` makes it throw. */
function holdUntil(): { wait(): Promise<never>; readonly reached: Promise<void>; fail(error: Error): void } {
  let arrive = () => {};
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  return {
    reached,
    wait: () => {
      arrive();
      return failed;
    },
    fail: (error) => fail(error),
  };
}
