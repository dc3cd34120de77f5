import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { gunzipSync } from 'node:zlib';
import { RETIRED_FEED_TYPES } from './feed-types';
import { modelErrors } from '../test-support/amazon-models';
import { JSON_CONTENT_TYPE, XML_CONTENT_TYPE, feedResult, listingsFeed, startHarness, submitFeed, waitFor, waitForFeed, type FeedAnswer, type Harness } from '../test-support/harness';
import { DE, rejectionOf } from '../test-support/sp-client';

const FEEDS_MODEL = 'sp-api-models/feeds_2021-06-30.json';
const DELETE_FEED = listingsFeed([{ messageId: 1, sku: 'NOPE', operationType: 'DELETE' }]);

describe('Feeds 2021-06-30', () => {
  let harness: Harness;
  beforeAll(async () => {
    // 200 ms in each status at timeScale 1000, long enough to observe them.
    harness = await startHarness({ feedTiming: { inQueueMs: 200_000, inProgressMs: 200_000 }, rateLimits: false });
  });
  afterAll(() => harness.sim.close());

  test('a feed goes IN_QUEUE → IN_PROGRESS → DONE, and every answer matches the model', async () => {
    const { sp } = harness;
    const document = await sp.callAPI({ operation: 'feeds.createFeedDocument', body: { contentType: JSON_CONTENT_TYPE } });
    expect(modelErrors(document, FEEDS_MODEL, 'CreateFeedDocumentResponse')).toBe('');
    await sp.upload(document as { url: string }, { content: DELETE_FEED, contentType: JSON_CONTENT_TYPE });
    const created = await sp.callAPI({ operation: 'feeds.createFeed', body: { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], inputFeedDocumentId: (document as { feedDocumentId: string }).feedDocumentId } });
    expect(modelErrors(created, FEEDS_MODEL, 'CreateFeedResponse')).toBe('');
    const feedId = (created as { feedId: string }).feedId;
    expect(feedId).toMatch(/^\d{11}$/);
    const get = async () => (await sp.callAPI({ operation: 'feeds.getFeed', path: { feedId } })) as FeedAnswer;
    const queued = await get();
    expect(queued.processingStatus).toBe('IN_QUEUE');
    expect(queued.processingStartTime).toBeUndefined();
    const inProgress = await waitFor(async () => { const feed = await get(); return feed.processingStatus === 'IN_PROGRESS' ? feed : undefined; }, 2000, 'IN_PROGRESS');
    expect(inProgress.processingStartTime).toBeDefined();
    expect(inProgress.resultFeedDocumentId).toBeUndefined();
    const done = await waitForFeed(sp, feedId);
    expect(done).toMatchObject({ feedId, feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], processingStatus: 'DONE' });
    expect(Date.parse(done.processingEndTime as string)).toBeGreaterThanOrEqual(Date.parse(done.processingStartTime as string));
    for (const answer of [queued, inProgress, done]) expect(modelErrors(answer, FEEDS_MODEL, 'Feed')).toBe('');
    const resultDocument = await sp.callAPI({ operation: 'feeds.getFeedDocument', path: { feedDocumentId: done.resultFeedDocumentId! } });
    expect(modelErrors(resultDocument, FEEDS_MODEL, 'FeedDocument')).toBe('');
    expect(resultDocument).toMatchObject({ feedDocumentId: done.resultFeedDocumentId, compressionAlgorithm: 'GZIP' });
    const report = JSON.parse(await feedResult(sp, done));
    expect(report.header).toEqual({ sellerId: harness.sim.sellerId, version: '2.0', feedId });
    const state = harness.sim.state.feed(feedId)!;
    expect(state.input).toEqual({ contentType: JSON_CONTENT_TYPE, content: DELETE_FEED });
    expect(JSON.parse(state.result!.content)).toEqual(report);
    expect(state.processingReport).toEqual(report);
  });

  test('result documents are served gzip-compressed; with enableContentEncodingUrlHeader the URL says so', async () => {
    const { sp } = harness;
    const done = await waitForFeed(sp, await submitFeed(sp, 'JSON_LISTINGS_FEED', DELETE_FEED, JSON_CONTENT_TYPE));
    const plain = (await sp.callAPI({ operation: 'feeds.getFeedDocument', path: { feedDocumentId: done.resultFeedDocumentId! } })) as { url: string };
    const bytes = (await sp.download({ url: plain.url }, { unzip: false })) as string;
    expect(typeof bytes).toBe('string');
    const raw = await fetch(`${harness.sim.url}${new URL(plain.url).pathname}${new URL(plain.url).search}`);
    const body = Buffer.from(await raw.arrayBuffer());
    expect(body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(JSON.parse(gunzipSync(body).toString('utf8')).header.feedId).toBe(done.feedId);
    expect(raw.headers.get('content-encoding')).toBeNull();
    const encoded = (await sp.callAPI({ operation: 'feeds.getFeedDocument', path: { feedDocumentId: done.resultFeedDocumentId! }, query: { enableContentEncodingUrlHeader: true } })) as { url: string };
    const url = new URL(encoded.url);
    const withHeader = await fetch(`${harness.sim.url}${url.pathname}${url.search}`, { headers: { 'accept-encoding': 'identity' } });
    expect(withHeader.headers.get('content-encoding')).toBe('gzip');
  });

  test('cancelFeed cancels a feed IN_QUEUE (200, empty body) and refuses any other status with 400', async () => {
    const { sp } = harness;
    const feedId = await submitFeed(sp, 'JSON_LISTINGS_FEED', listingsFeed([{ messageId: 1, sku: 'CANCELLED-1', operationType: 'UPDATE', productType: 'PRODUCT', requirements: 'LISTING_OFFER_ONLY', attributes: { merchant_suggested_asin: [{ value: 'B0SIM00001' }], condition_type: [{ value: 'new_new' }] } }]), JSON_CONTENT_TYPE);
    const cancelled = (await sp.callAPI({ operation: 'feeds.cancelFeed', path: { feedId }, options: { raw_result: true } } as never)) as { statusCode: number; body: string };
    expect(cancelled).toMatchObject({ statusCode: 200, body: '' });
    expect(await rejectionOf(sp.callAPI({ operation: 'feeds.cancelFeed', path: { feedId } }))).toMatchObject({ code: 'InvalidInput' });
    // The client parses every 200 body as JSON, so the empty answer surfaces as JSON_PARSE_ERROR
    // (callers use raw_result for cancelFeed).
    const second = await submitFeed(sp, 'JSON_LISTINGS_FEED', DELETE_FEED, JSON_CONTENT_TYPE);
    expect(await rejectionOf(sp.callAPI({ operation: 'feeds.cancelFeed', path: { feedId: second } }))).toMatchObject({ code: 'JSON_PARSE_ERROR', message: '' });
    expect(harness.sim.state.feed(second)?.processingStatus).toBe('CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(((await sp.callAPI({ operation: 'feeds.getFeed', path: { feedId } })) as FeedAnswer).processingStatus).toBe('CANCELLED');
    expect(harness.sim.state.listing('CANCELLED-1', DE)).toBeUndefined();
    const running = await submitFeed(sp, 'JSON_LISTINGS_FEED', DELETE_FEED, JSON_CONTENT_TYPE);
    await waitFor(async () => ((await sp.callAPI({ operation: 'feeds.getFeed', path: { feedId: running } })) as FeedAnswer).processingStatus === 'IN_PROGRESS' || undefined, 2000);
    const refused = await rejectionOf(sp.callAPI({ operation: 'feeds.cancelFeed', path: { feedId: running } }));
    expect(refused.code).toBe('InvalidInput');
    expect(refused.message).toMatch(/IN_PROGRESS/);
    expect(await rejectionOf(sp.callAPI({ operation: 'feeds.cancelFeed', path: { feedId: '1' } }))).toMatchObject({ code: 'NotFound' });
    expect(await rejectionOf(sp.callAPI({ operation: 'feeds.getFeed', path: { feedId: '1' } }))).toMatchObject({ code: 'NotFound' });
  });

  test('the retired XML and flat-file listings feeds end FATAL', async () => {
    const { sp } = harness;
    const feedIds = [];
    for (const feedType of RETIRED_FEED_TYPES) feedIds.push(await submitFeed(sp, feedType, '<?xml version="1.0"?><AmazonEnvelope/>', XML_CONTENT_TYPE));
    for (const feedId of feedIds) {
      const feed = await waitForFeed(sp, feedId);
      expect(feed.processingStatus).toBe('FATAL');
      expect(harness.sim.state.feed(feedId)?.fatalReason).toMatch(/retired by Amazon on 2025-07-31/);
    }
  });

  test('createFeed checks its body: feed type, marketplaces, input document', async () => {
    const { sp } = harness;
    const document = (await sp.callAPI({ operation: 'feeds.createFeedDocument', body: { contentType: JSON_CONTENT_TYPE } })) as { feedDocumentId: string };
    const create = (body: Record<string, unknown>) => rejectionOf(sp.callAPI({ operation: 'feeds.createFeed', body }));
    expect(await create({ feedType: 'POST_MAGIC_DATA', marketplaceIds: [DE], inputFeedDocumentId: document.feedDocumentId })).toMatchObject({ code: 'InvalidInput', message: "Invalid feedType 'POST_MAGIC_DATA'." });
    expect(await create({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: ['XX'], inputFeedDocumentId: document.feedDocumentId })).toMatchObject({ code: 'InvalidInput' });
    expect(await create({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [], inputFeedDocumentId: document.feedDocumentId })).toMatchObject({ code: 'InvalidInput' });
    expect(await create({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], inputFeedDocumentId: 'amzn1.tortuga.4.eu.nope' })).toMatchObject({ code: 'InvalidInput' });
    expect(await rejectionOf(sp.callAPI({ operation: 'feeds.createFeedDocument', body: {} }))).toMatchObject({ code: 'InvalidInput' });
    // A document that was never uploaded: accepted, then FATAL.
    const { feedId } = (await sp.callAPI({ operation: 'feeds.createFeed', body: { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], inputFeedDocumentId: document.feedDocumentId } })) as { feedId: string };
    expect((await waitForFeed(sp, feedId)).processingStatus).toBe('FATAL');
  });

  test('uploads must use the content type of createFeedDocument and a URL that has not expired', async () => {
    const { sp } = harness;
    const document = (await sp.callAPI({ operation: 'feeds.createFeedDocument', body: { contentType: JSON_CONTENT_TYPE } })) as { url: string };
    expect(await rejectionOf(sp.upload(document, { content: '{}', contentType: 'text/xml; charset=UTF-8' }))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    const expired = new URL(document.url);
    expired.searchParams.set('X-Amz-Date', '20200101T000000Z');
    expect(await rejectionOf(sp.upload({ url: expired.toString() }, { content: '{}', contentType: JSON_CONTENT_TYPE }))).toMatchObject({ code: 'AccessDenied', message: 'Request has expired' });
    await sp.upload(document, { content: '{"ok":true}', contentType: JSON_CONTENT_TYPE });
    expect(harness.sim.state.calls.upload).toBeGreaterThanOrEqual(3);
  });

  test('getFeeds filters by type, status and marketplace and pages with nextToken alone', async () => {
    const { sp } = harness;
    const mine = [];
    for (let i = 0; i < 5; i += 1) mine.push(await submitFeed(sp, 'POST_ORDER_ACKNOWLEDGEMENT_DATA', '<AmazonEnvelope/>', XML_CONTENT_TYPE, ['A13V1IB3VIYZZH']));
    const seen: string[] = [];
    let page = (await sp.callAPI({ operation: 'feeds.getFeeds', query: { feedTypes: ['POST_ORDER_ACKNOWLEDGEMENT_DATA'], marketplaceIds: ['A13V1IB3VIYZZH'], pageSize: 2 } })) as { feeds: FeedAnswer[]; nextToken?: string };
    expect(modelErrors(page, FEEDS_MODEL, 'GetFeedsResponse')).toBe('');
    for (;;) {
      seen.push(...page.feeds.map((feed) => feed.feedId));
      if (!page.nextToken) break;
      page = (await sp.callAPI({ operation: 'feeds.getFeeds', query: { nextToken: page.nextToken } })) as typeof page;
    }
    expect([...seen].sort()).toEqual([...mine].sort());
    expect(seen).toEqual([...mine].reverse());
    const byStatus = (await sp.callAPI({ operation: 'feeds.getFeeds', query: { feedTypes: ['JSON_LISTINGS_FEED'], processingStatuses: ['CANCELLED'] } })) as { feeds: FeedAnswer[] };
    expect(byStatus.feeds.length).toBeGreaterThanOrEqual(1);
    expect(byStatus.feeds.every((feed) => feed.processingStatus === 'CANCELLED')).toBe(true);
    expect(await rejectionOf(sp.callAPI({ operation: 'feeds.getFeeds', query: { pageSize: 5 } }))).toMatchObject({ code: 'InvalidInput' });
    expect(await rejectionOf(sp.callAPI({ operation: 'feeds.getFeeds', query: { nextToken: 'abc', pageSize: 5 } }))).toMatchObject({ code: 'InvalidInput' });
  });

  test('getFeedDocument of an input document returns it uncompressed', async () => {
    const { sp } = harness;
    const document = (await sp.callAPI({ operation: 'feeds.createFeedDocument', body: { contentType: JSON_CONTENT_TYPE } })) as { feedDocumentId: string; url: string };
    await sp.upload(document, { content: DELETE_FEED, contentType: JSON_CONTENT_TYPE });
    const info = (await sp.callAPI({ operation: 'feeds.getFeedDocument', path: { feedDocumentId: document.feedDocumentId } })) as { url: string; compressionAlgorithm?: string };
    expect(info.compressionAlgorithm).toBeUndefined();
    expect(await sp.download(info)).toBe(DELETE_FEED);
    expect(await rejectionOf(sp.callAPI({ operation: 'feeds.getFeedDocument', path: { feedDocumentId: 'amzn1.tortuga.4.eu.none' } }))).toMatchObject({ code: 'NotFound' });
  });
});
