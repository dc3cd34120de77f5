import { afterEach, describe, expect, test } from '@jest/globals';
import type { SellingPartner } from 'amazon-sp-api';
import type { Simulator } from '../start-simulator';
import { JSON_CONTENT_TYPE, listingsFeed, startHarness, submitFeed, waitFor, waitForFeed } from '../test-support/harness';
import { createClient, DE, rejectionOf } from '../test-support/sp-client';
import { modelErrors } from '../test-support/amazon-models';

const SEARCH = { operation: 'catalogItems.searchCatalogItems', query: { identifiers: ['B0SIM00001'], identifiersType: 'ASIN', marketplaceIds: [DE] } } as const;

async function raw(sp: SellingPartner, params: Record<string, unknown> = SEARCH): Promise<{ statusCode: number; body: string; headers: Record<string, string> }> {
  return (await sp.callAPI({ ...params, options: { raw_result: true } } as never)) as never;
}

describe('fault injection', () => {
  let sim: Simulator | undefined;
  afterEach(() => sim?.close());

  test('throttleRate answers 429 QuotaExceeded and counts it as throttled', async () => {
    const harness = await startHarness({ faults: { throttleRate: 1 }, rateLimits: false });
    sim = harness.sim;
    expect(await rejectionOf(harness.sp.callAPI(SEARCH))).toMatchObject({ code: 'QuotaExceeded' });
    expect(harness.sim.state.throttled).toBe(1);
  });

  test('serverErrorRate answers 500/503 with a JSON error body, or an HTML body as the edge sends it', async () => {
    const harness = await startHarness({ faults: { serverErrorRate: 1, htmlErrorShare: 0 }, rateLimits: false });
    sim = harness.sim;
    const seen = new Set<number>();
    for (let i = 0; i < 12; i += 1) {
      const answer = await raw(harness.sp);
      seen.add(answer.statusCode);
      const body = JSON.parse(answer.body);
      expect(['InternalFailure', 'ServiceUnavailable']).toContain(body.errors[0].code);
      expect(modelErrors(body, 'sp-api-models/catalogItems_2022-04-01.json', 'ErrorList')).toBe('');
    }
    expect([...seen].sort()).toEqual([500, 503]);
    harness.sim.setFaults({ htmlErrorShare: 1 });
    const html = await raw(harness.sp);
    expect(html.headers['content-type']).toBe('text/html');
    expect(html.body).toMatch(/<html>[\s\S]*(500 Internal Server Error|503 Service Temporarily Unavailable)/);
    expect(await rejectionOf(harness.sp.callAPI(SEARCH))).toMatchObject({ code: 'JSON_PARSE_ERROR' });
  });

  test('dropConnectionRate destroys the socket without an answer', async () => {
    const harness = await startHarness({ faults: { dropConnectionRate: 1 }, rateLimits: false });
    sim = harness.sim;
    const error = (await rejectionOf(harness.sp.callAPI(SEARCH))) as { code?: string; message?: string };
    expect(`${error.code} ${error.message}`).toMatch(/ECONNRESET|socket hang up/);
  });

  test('lostAnswerRate processes the call, then destroys the socket: the feed exists though the client got no answer', async () => {
    const harness = await startHarness({ faults: { operations: { 'feeds.createFeed': { lostAnswerRate: 1 } } }, rateLimits: false });
    sim = harness.sim;
    const error = (await rejectionOf(submitFeed(harness.sp, 'JSON_LISTINGS_FEED', listingsFeed([]), JSON_CONTENT_TYPE))) as { code?: string; message?: string };
    expect(`${error.code} ${error.message}`).toMatch(/ECONNRESET|socket hang up/);
    expect(harness.sim.state.calls['feeds.createFeed']).toBe(1);
    expect(harness.sim.state.feeds).toHaveLength(1);
    expect(harness.sim.state.feeds[0]?.feedType).toBe('JSON_LISTINGS_FEED');
    // a drop acts before processing: nothing is created
    harness.sim.setFaults({ operations: { 'feeds.createFeed': { lostAnswerRate: 0, dropConnectionRate: 1 } } });
    await rejectionOf(submitFeed(harness.sp, 'JSON_LISTINGS_FEED', listingsFeed([]), JSON_CONTENT_TYPE));
    expect(harness.sim.state.calls['feeds.createFeed']).toBe(2);
    expect(harness.sim.state.feeds).toHaveLength(1);
  });

  test('slowMs delays answers (in real milliseconds, not scaled)', async () => {
    const harness = await startHarness({ faults: { slowMs: 150 }, rateLimits: false });
    sim = harness.sim;
    const started = Date.now();
    await harness.sp.callAPI(SEARCH);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    const client = createClient(harness.sim.port, { timeoutMs: 50 });
    await client.refreshAccessToken();
    const timeout = await rejectionOf(client.callAPI(SEARCH));
    expect(timeout.code).toBe('API_RESPONSE_TIMEOUT');
  });

  test('faults can target one operation, including token, upload and download, and change while running', async () => {
    const harness = await startHarness({ faults: { operations: { 'catalogItems.getCatalogItem': { throttleRate: 1 } } }, rateLimits: false });
    sim = harness.sim;
    await harness.sp.callAPI(SEARCH);
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'catalogItems.getCatalogItem', path: { asin: 'B0SIM00001' }, query: { marketplaceIds: [DE] } }))).toMatchObject({ code: 'QuotaExceeded' });
    harness.sim.setFaults({ operations: { 'catalogItems.getCatalogItem': { throttleRate: 0 }, upload: { serverErrorRate: 1, htmlErrorShare: 0 } } });
    await harness.sp.callAPI({ operation: 'catalogItems.getCatalogItem', path: { asin: 'B0SIM00001' }, query: { marketplaceIds: [DE] } });
    const document = (await harness.sp.callAPI({ operation: 'feeds.createFeedDocument', body: { contentType: JSON_CONTENT_TYPE } })) as { url: string };
    expect(await rejectionOf(harness.sp.upload(document, { content: '{}', contentType: JSON_CONTENT_TYPE }))).toBeDefined();
    harness.sim.setFaults({ operations: { upload: { serverErrorRate: 0 }, token: { serverErrorRate: 1, htmlErrorShare: 1 } } });
    await harness.sp.upload(document, { content: '{}', contentType: JSON_CONTENT_TYPE });
    expect(await rejectionOf(createClient(harness.sim.port).refreshAccessToken())).toMatchObject({ code: 'REFRESH_ACCESS_TOKEN_PARSE_ERROR' });
    expect(harness.sim.faults.operations?.token).toEqual({ serverErrorRate: 1, htmlErrorShare: 1 });
  });

  test('the same randomSeed gives the same fault sequence', async () => {
    const sequence = async (randomSeed: number) => {
      const harness = await startHarness({ faults: { serverErrorRate: 0.3, throttleRate: 0.3 }, rateLimits: false, randomSeed });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 25; i += 1) statuses.push((await raw(harness.sp)).statusCode);
        return statuses;
      } finally {
        await harness.sim.close();
      }
    };
    const first = await sequence(7);
    expect(await sequence(7)).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await sequence(8)).not.toEqual(first);
  });

  test('stuckFeedRate keeps feeds IN_PROGRESS; fatalFeedRate ends them FATAL without applying them', async () => {
    const harness = await startHarness({ faults: { stuckFeedRate: 1 }, rateLimits: false });
    sim = harness.sim;
    const content = listingsFeed([{ messageId: 1, sku: 'STUCK-1', operationType: 'UPDATE', productType: 'PRODUCT', requirements: 'LISTING_OFFER_ONLY', attributes: { merchant_suggested_asin: [{ value: 'B0SIM00001' }], condition_type: [{ value: 'new_new' }] } }]);
    const stuck = await submitFeed(harness.sp, 'JSON_LISTINGS_FEED', content, JSON_CONTENT_TYPE);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(((await harness.sp.callAPI({ operation: 'feeds.getFeed', path: { feedId: stuck } })) as { processingStatus: string }).processingStatus).toBe('IN_PROGRESS');
    harness.sim.setFaults({ stuckFeedRate: 0, fatalFeedRate: 1 });
    const fatal = await waitForFeed(harness.sp, await submitFeed(harness.sp, 'JSON_LISTINGS_FEED', content, JSON_CONTENT_TYPE));
    expect(fatal.processingStatus).toBe('FATAL');
    expect(fatal.resultFeedDocumentId).toBeUndefined();
    expect(harness.sim.state.listing('STUCK-1', DE)).toBeUndefined();
    harness.sim.setFaults({ fatalFeedRate: 0 });
    expect((await waitForFeed(harness.sp, await submitFeed(harness.sp, 'JSON_LISTINGS_FEED', content, JSON_CONTENT_TYPE))).processingStatus).toBe('DONE');
    expect(harness.sim.state.listing('STUCK-1', DE)?.asin).toBe('B0SIM00001');
  });

  test('finishStuckFeed lets a stuck feed finish late (processed and applied); any other feed is refused', async () => {
    const harness = await startHarness({ faults: { stuckFeedRate: 1 }, rateLimits: false });
    sim = harness.sim;
    const content = listingsFeed([{ messageId: 1, sku: 'LATE-1', operationType: 'UPDATE', productType: 'PRODUCT', requirements: 'LISTING_OFFER_ONLY', attributes: { merchant_suggested_asin: [{ value: 'B0SIM00001' }], condition_type: [{ value: 'new_new' }] } }]);
    const stuck = await submitFeed(harness.sp, 'JSON_LISTINGS_FEED', content, JSON_CONTENT_TYPE);
    await waitFor(async () => (harness.sim.state.feed(stuck)?.processingStatus === 'IN_PROGRESS' ? true : undefined), 2000, 'IN_PROGRESS');
    expect(harness.sim.state.listing('LATE-1', DE)).toBeUndefined();
    expect(harness.sim.finishStuckFeed('00000000000')).toBe(false);
    expect(harness.sim.finishStuckFeed(stuck)).toBe(true);
    expect(harness.sim.state.listing('LATE-1', DE)?.asin).toBe('B0SIM00001');
    expect(await waitForFeed(harness.sp, stuck)).toMatchObject({ processingStatus: 'DONE', resultFeedDocumentId: expect.any(String) });
    // done now: not stuck any more
    expect(harness.sim.finishStuckFeed(stuck)).toBe(false);
    harness.sim.setFaults({ stuckFeedRate: 0 });
    const normal = await submitFeed(harness.sp, 'JSON_LISTINGS_FEED', content, JSON_CONTENT_TYPE);
    expect(harness.sim.finishStuckFeed(normal)).toBe(false);
  });
});
