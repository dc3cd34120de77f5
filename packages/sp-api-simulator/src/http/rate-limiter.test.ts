import { afterEach, describe, expect, test } from '@jest/globals';
import type { SellingPartner } from 'amazon-sp-api';
import { DEFAULT_RATE_LIMITS } from './operations';
import type { Simulator } from '../start-simulator';
import { JSON_CONTENT_TYPE, listingsFeed, startHarness } from '../test-support/harness';
import { DE, rejectionOf } from '../test-support/sp-client';

const SEARCH = { operation: 'orders.searchOrders', query: { createdAfter: '2020-01-01T00:00:00Z' } } as const;

async function outcome(sp: SellingPartner, params: Record<string, unknown>): Promise<number> {
  const result = (await sp.callAPI({ ...params, options: { raw_result: true } } as never)) as { statusCode: number };
  return result.statusCode;
}

describe('rate limits', () => {
  let sim: Simulator | undefined;
  afterEach(() => sim?.close());

  test("searchOrders allows Amazon's burst of 20, then 429 QuotaExceeded with x-amzn-RateLimit-Limit", async () => {
    const harness = await startHarness({ timeScale: 1000 });
    sim = harness.sim;
    const statuses: number[] = [];
    for (let i = 0; i < 21; i += 1) statuses.push(await outcome(harness.sp, SEARCH));
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses[20]).toBe(429);
    const raw = (await harness.sp.callAPI({ ...SEARCH, options: { raw_result: true } } as never)) as { statusCode: number; headers: Record<string, string>; body: string };
    expect(raw.statusCode).toBe(429);
    expect(raw.headers['x-amzn-ratelimit-limit']).toBe('0.0056');
    expect(JSON.parse(raw.body)).toEqual({ errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }] });
    expect(await rejectionOf(harness.sp.callAPI(SEARCH))).toMatchObject({ code: 'QuotaExceeded' });
    expect(harness.sim.state.throttled).toBeGreaterThanOrEqual(3);
  });

  test('the bucket refills at the scaled rate: one token per 1 / (0.0056 × timeScale) s', async () => {
    const harness = await startHarness({ timeScale: 1000 });
    sim = harness.sim;
    // timed from the first call of the burst (when the full bucket starts refilling), so a slow
    // burst on a loaded machine does not shorten what is measured
    const burstStarted = Date.now();
    for (let i = 0; i < 20; i += 1) await outcome(harness.sp, SEARCH);
    expect(await outcome(harness.sp, SEARCH)).toBe(429);
    const started = Date.now();
    while ((await outcome(harness.sp, SEARCH)) === 429) await new Promise((resolve) => setTimeout(resolve, 5));
    const waited = Date.now() - started;
    // the 21st token: 1 / 5.6 per s ≈ 179 ms after the bucket started refilling
    expect(Date.now() - burstStarted).toBeGreaterThan(160);
    expect(waited).toBeLessThan(400);
    expect(await outcome(harness.sp, SEARCH)).toBe(429);
  });

  test('every SP-API answer carries the nominal rate of its operation', async () => {
    const harness = await startHarness();
    sim = harness.sim;
    const raw = (await harness.sp.callAPI({ operation: 'catalogItems.searchCatalogItems', query: { identifiers: ['B0SIM00001'], identifiersType: 'ASIN', marketplaceIds: [DE] }, options: { raw_result: true } } as never)) as {
      headers: Record<string, string>;
    };
    expect(raw.headers['x-amzn-ratelimit-limit']).toBe(String(DEFAULT_RATE_LIMITS['catalogItems.searchCatalogItems'].rate));
    expect(raw.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('usage plans can be overridden per operation, or switched off', async () => {
    const harness = await startHarness({ timeScale: 1, rateLimits: { 'orders.getOrder': { rate: 1, burst: 2 } } });
    sim = harness.sim;
    const order = harness.sim.seed.order({ items: [{ sellerSku: 'R-1', quantity: 1, unitPrice: '1.00' }] });
    const get = { operation: 'orders.getOrder', path: { orderId: order.orderId } };
    expect([await outcome(harness.sp, get), await outcome(harness.sp, get), await outcome(harness.sp, get)]).toEqual([200, 200, 429]);
    await harness.sim.close();
    const unlimited = await startHarness({ rateLimits: false });
    sim = unlimited.sim;
    const statuses = new Set<number>();
    for (let i = 0; i < 40; i += 1) statuses.add(await outcome(unlimited.sp, SEARCH));
    expect([...statuses]).toEqual([200]);
  });

  test('JSON_LISTINGS_FEED has its own limit of 5 per 5 minutes (scaled) on top of createFeed', async () => {
    const harness = await startHarness({ timeScale: 1000 });
    sim = harness.sim;
    const document = (await harness.sp.callAPI({ operation: 'feeds.createFeedDocument', body: { contentType: JSON_CONTENT_TYPE } })) as { feedDocumentId: string; url: string };
    await harness.sp.upload(document, { content: listingsFeed([{ messageId: 1, sku: 'A', operationType: 'DELETE' }]), contentType: JSON_CONTENT_TYPE });
    const create = (feedType: string) => ({ operation: 'feeds.createFeed', body: { feedType, marketplaceIds: [DE], inputFeedDocumentId: document.feedDocumentId } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push(await outcome(harness.sp, create('JSON_LISTINGS_FEED')));
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    // Other feed types only use createFeed's own bucket (burst 15).
    expect(await outcome(harness.sp, create('POST_ORDER_ACKNOWLEDGEMENT_DATA'))).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 320));
    expect(await outcome(harness.sp, create('JSON_LISTINGS_FEED'))).toBe(202);
  });
});
