import { afterEach, describe, expect, test } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMULATOR_CREDENTIALS, startSimulator, type Simulator, type SimulatorOptions } from '@sellersync/sp-api-simulator';
import { SellerSyncError } from '../errors';
import type { Logger } from '../logger';
import { AmazonCallError } from './amazon-call-error';
import type { AmazonGateway, AmazonGatewayOptions } from './amazon-gateway';
import type { AmazonOrder, ListingsFeedProcessingReport } from './amazon-types';
import { createAmazonGateway } from './create-amazon-gateway';
import { watchedCallsRunning } from './endpoint-agent';

// What the gateway does when Amazon misbehaves: rate limits, faults, stuck feeds, expired tokens,
// refused credentials — and that no secret ever leaks while it does.
const DE = 'A1PA6795UKMFR9';
const FEED_CONTENT_TYPE = 'application/json; charset=UTF-8';

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function simulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = await startSimulator(options);
  running.push(sim);
  return sim;
}

function gatewayFor(sim: Simulator, options: Partial<Omit<AmazonGatewayOptions, 'amazon'>> & { amazon?: Partial<AmazonGatewayOptions['amazon']> } = {}) {
  const { amazon, ...rest } = options;
  return createAmazonGateway({
    amazon: { region: 'eu', sellerId: sim.sellerId, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: sim.url, ...amazon },
    timeScale: 1000,
    ...rest,
  });
}

/** A small feed in the simulator, to have something to call getFeed on. */
async function someFeed(gateway: AmazonGateway, sellerId: string): Promise<string> {
  const content = JSON.stringify({ header: { sellerId, version: '2.0' }, messages: [{ messageId: 1, sku: 'GW-X', operationType: 'DELETE' }] });
  const { feedId } = await gateway.submitFeed({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], content, contentType: FEED_CONTENT_TYPE });
  return feedId;
}

async function timeOf(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** A logger that keeps every line, for the secret checks. */
function captureLogger(): { logger: Logger; lines: unknown[] } {
  const lines: unknown[] = [];
  const write = (...args: unknown[]) => {
    lines.push(args);
  };
  return { lines, logger: { debug: write, info: write, warn: write, error: write } as Logger };
}

describe('rate limiting against the simulator (its buckets, Amazon default rates)', () => {
  test('calls beyond the burst take the time the rate implies, and the simulator never has to throttle', async () => {
    // getFeed: 2/s, burst 15; at timeScale 10 one token every 50 ms
    const sim = await simulator({ timeScale: 10 });
    const gateway = gatewayFor(sim, { timeScale: 10 });
    const feedId = await someFeed(gateway, sim.sellerId);
    const elapsed = await timeOf(() => Promise.all(Array.from({ length: 15 + 12 }, () => gateway.getFeed(feedId))));
    // the gateway keeps one token of the burst in reserve and runs at 97 % of the rate:
    // 13 calls beyond its burst at 19.4/s = 670 ms
    expect(elapsed).toBeGreaterThan(670 * 0.85);
    expect(elapsed).toBeLessThan(670 * 1.4);
    expect(sim.state.throttled).toBe(0);
    expect(gateway.stats()).toMatchObject({ retries: 0, throttled: 0 });
  });

  test('adopts the rate of x-amzn-RateLimit-Limit when it differs from the default', async () => {
    // the simulator grants 8/s for getFeed (default 2/s) and says so in the header
    const sim = await simulator({ timeScale: 10, rateLimits: { 'feeds.getFeed': { rate: 8, burst: 15 } } });
    const gateway = gatewayFor(sim, { timeScale: 10 });
    const feedId = await someFeed(gateway, sim.sellerId);
    await gateway.getFeed(feedId); // learns the header
    await new Promise((resolve) => setTimeout(resolve, 150)); // both buckets refill
    const elapsed = await timeOf(() => Promise.all(Array.from({ length: 15 + 20 }, () => gateway.getFeed(feedId))));
    // 21 calls beyond the gateway's burst at 80/s × 97 % = 270 ms (at the default 2/s: 1080 ms)
    expect(elapsed).toBeGreaterThan(270 * 0.8);
    expect(elapsed).toBeLessThan(270 * 1.6);
    expect(sim.state.throttled).toBe(0);
  });

  test('rateLimits: false sends at once; the simulator then throttles and the gateway retries the 429s', async () => {
    const sim = await simulator({ timeScale: 100, rateLimits: { 'feeds.getFeed': { rate: 2, burst: 5 } } });
    const gateway = gatewayFor(sim, { rateLimits: false, timeScale: 100 });
    const feedId = await someFeed(gateway, sim.sellerId);
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => gateway.getFeed(feedId)));
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'AMAZON_THROTTLED' });
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThan(20);
    expect(sim.state.throttled).toBeGreaterThan(0);
    expect(gateway.stats().throttled).toBe(sim.state.throttled);
  });
});

describe('bounded retries', () => {
  test('5xx on every call: 1 + retries attempts, then a typed, retryable AMAZON_UNAVAILABLE', async () => {
    const sim = await simulator({ timeScale: 1000 });
    const gateway = gatewayFor(sim, { retry: { retries: 3 } });
    const feedId = await someFeed(gateway, sim.sellerId);
    sim.setFaults({ operations: { 'feeds.getFeed': { serverErrorRate: 1 } } });
    const error = await gateway.getFeed(feedId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmazonCallError);
    expect(error).toMatchObject({ code: 'AMAZON_UNAVAILABLE', operation: 'feeds.getFeed', isRetryable: true, attempts: 4 });
    expect((error as AmazonCallError).status).toBeGreaterThanOrEqual(500);
    expect(sim.state.calls['feeds.getFeed']).toBe(4);
    expect(gateway.stats().retries).toBe(3);
  });

  test("an HTML 5xx page of Amazon's edge is named by its title in the message, never as markup", async () => {
    const sim = await simulator({ timeScale: 1000 });
    const gateway = gatewayFor(sim, { retry: { retries: 0 } });
    const feedId = await someFeed(gateway, sim.sellerId);
    sim.setFaults({ operations: { 'feeds.getFeed': { serverErrorRate: 1, htmlErrorShare: 1 } } });
    const error = await gateway.getFeed(feedId).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'AMAZON_UNAVAILABLE', amazonCode: null, isRetryable: true, attempts: 1 });
    const { status, message } = error as AmazonCallError;
    const title = status === 500 ? '500 Internal Server Error' : '503 Service Temporarily Unavailable';
    expect(message).toBe(`Amazon could not serve feeds.getFeed for feed ${feedId} (HTTP ${status}): ${title} (an HTML page) after 1 attempt. The fault is on Amazon's side; try again later.`);
  });

  test('429 on every call ends in AMAZON_THROTTLED after the same bound', async () => {
    const sim = await simulator({ timeScale: 1000 });
    const gateway = gatewayFor(sim, { retry: { retries: 2 } });
    const feedId = await someFeed(gateway, sim.sellerId);
    sim.setFaults({ operations: { 'feeds.getFeed': { throttleRate: 1 } } });
    await expect(gateway.getFeed(feedId)).rejects.toMatchObject({ code: 'AMAZON_THROTTLED', status: 429, amazonCode: 'QuotaExceeded', attempts: 3 });
    expect(sim.state.calls['feeds.getFeed']).toBe(3);
    expect(gateway.stats().throttled).toBe(3);
  });

  test('dropped connections and answers slower than the timeout are network errors, bounded in time', async () => {
    const sim = await simulator({ timeScale: 1000 });
    const gateway = gatewayFor(sim, { retry: { retries: 2 }, requestTimeoutMs: 150 });
    const feedId = await someFeed(gateway, sim.sellerId);
    sim.setFaults({ operations: { 'feeds.getFeed': { dropConnectionRate: 1 } } });
    await expect(gateway.getFeed(feedId)).rejects.toMatchObject({ code: 'AMAZON_NETWORK_ERROR', status: null, isRetryable: true, attempts: 3 });
    // exactly the gateway's attempts reached Amazon: the client's own resend loop (retry_remote_timeout) is off
    expect(sim.state.calls['feeds.getFeed']).toBe(3);
    sim.setFaults({ operations: { 'feeds.getFeed': { dropConnectionRate: 0, slowMs: 2_000 } } });
    const elapsed = await timeOf(() => expect(gateway.getFeed(feedId)).rejects.toMatchObject({ code: 'AMAZON_NETWORK_ERROR', attempts: 3 }));
    expect(elapsed).toBeLessThan(1_500);
    expect(sim.state.calls['feeds.getFeed']).toBe(6);
  });

  test('400 from confirmShipment is not retried', async () => {
    const sim = await simulator({ timeScale: 1000 });
    const order = sim.seed.order({ items: [{ sellerSku: 'GW-SKU', quantity: 1, unitPrice: '9.99' }] }) as unknown as AmazonOrder;
    const gateway = gatewayFor(sim, { retry: { retries: 5 } });
    const error = await gateway
      .confirmShipment(order.orderId, {
        marketplaceId: DE,
        packageDetail: {
          packageReferenceId: '1',
          carrierCode: 'DHL',
          trackingNumber: '',
          shipDate: new Date().toISOString(),
          orderItems: [{ orderItemId: order.orderItems[0]!.orderItemId, quantity: 1 }],
        },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmazonCallError);
    expect(error).toMatchObject({ code: 'AMAZON_INVALID_REQUEST', operation: 'orders.confirmShipment', status: 400, amazonCode: 'InvalidInput', isRetryable: false, attempts: 1 });
    expect((error as Error).message).toMatch(/trackingNumber/);
    expect(sim.state.calls['orders.confirmShipment']).toBe(1);
    expect(sim.state.shipments).toEqual([]);
  });

  test('a fault mix ends, call by call, in success or a typed AmazonCallError, in bounded time', async () => {
    const sim = await simulator({
      timeScale: 1000,
      randomSeed: 7,
      faults: {
        throttleRate: 0.15,
        serverErrorRate: 0.15,
        dropConnectionRate: 0.1,
        slowRate: 0.1,
        slowMs: 400,
        operations: { token: { serverErrorRate: 0.3, dropConnectionRate: 0.1 }, upload: { serverErrorRate: 0.3 }, download: { dropConnectionRate: 0.3 } },
      },
    });
    const gateway = gatewayFor(sim, { retry: { retries: 4 }, requestTimeoutMs: 200 });
    const started = performance.now();
    const feeds = await Promise.allSettled(Array.from({ length: 4 }, () => someFeed(gateway, sim.sellerId)));
    const feedIds = feeds.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const calls = await Promise.allSettled(
      Array.from({ length: 60 }, (_, index) => (feedIds.length > 0 ? gateway.getFeed(feedIds[index % feedIds.length]!) : gateway.getFeed('1'))),
    );
    const elapsed = performance.now() - started;
    const outcomes = [...feeds, ...calls];
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(AmazonCallError);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeGreaterThan(outcomes.length / 2);
    expect(elapsed).toBeLessThan(20_000);
    expect(gateway.stats().retries).toBeGreaterThan(0);
  });

  test('the whole feed cycle under faults, stuck and FATAL feeds included, ends in a result or a typed error, never a hang', async () => {
    const cycles = 16;
    const sim = await simulator({
      timeScale: 1000,
      randomSeed: 11,
      faults: {
        throttleRate: 0.1,
        serverErrorRate: 0.1,
        dropConnectionRate: 0.05,
        slowRate: 0.05,
        slowMs: 400,
        stuckFeedRate: 0.2,
        fatalFeedRate: 0.2,
        operations: {
          token: { serverErrorRate: 0.3 },
          upload: { serverErrorRate: 0.2, dropConnectionRate: 0.1 },
          'feeds.createFeed': { serverErrorRate: 0.1, lostAnswerRate: 0.1 },
          download: { dropConnectionRate: 0.3, slowMs: 400, slowRate: 0.2 },
        },
      },
    });
    const gateway = gatewayFor(sim, { retry: { retries: 4 }, requestTimeoutMs: 200 });
    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: cycles }, async (_, index) => {
        // a third JSON listings feeds (their own quota is 5 per 5 minutes), the rest XML order feeds
        const json = index % 3 === 0;
        const { feedId } = await gateway.submitFeed({
          feedType: json ? 'JSON_LISTINGS_FEED' : 'POST_ORDER_ACKNOWLEDGEMENT_DATA',
          marketplaceIds: [DE],
          content: json
            ? JSON.stringify({ header: { sellerId: sim.sellerId, version: '2.0' }, messages: [{ messageId: 1, sku: `MIX-${index}`, operationType: 'DELETE' }] })
            : '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope/>',
          contentType: json ? FEED_CONTENT_TYPE : 'text/xml; charset=UTF-8',
        });
        // 5 minutes of Amazon time: 300 ms here
        const feed = await gateway.waitForFeed(feedId, { timeoutMs: 5 * 60_000 });
        return { feedId, json, result: await gateway.getFeedResult(feed) };
      }),
    );
    const elapsed = performance.now() - started;

    const kinds: Record<string, number> = {};
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') {
        const { feedId, json, result } = outcome.value;
        if (json) expect((JSON.parse(result) as ListingsFeedProcessingReport).header.feedId).toBe(feedId);
        else expect(result).toMatch(new RegExp(`<DocumentTransactionID>${feedId}</DocumentTransactionID>`));
        kinds['result'] = (kinds['result'] ?? 0) + 1;
      } else {
        const error: unknown = outcome.reason;
        expect(SellerSyncError.isInstance(error)).toBe(true);
        const code = (error as SellerSyncError).code;
        if (error instanceof AmazonCallError) kinds['AmazonCallError'] = (kinds['AmazonCallError'] ?? 0) + 1;
        else {
          expect(['FEED_STUCK', 'FEED_FATAL']).toContain(code);
          kinds[code] = (kinds[code] ?? 0) + 1;
        }
      }
    }
    expect(elapsed).toBeLessThan(20_000);
    expect(kinds['result']).toBeGreaterThanOrEqual(1);
    expect((kinds['FEED_STUCK'] ?? 0) + (kinds['FEED_FATAL'] ?? 0)).toBeGreaterThanOrEqual(1);
    // the result documents were fetched through the download faults
    expect(sim.state.calls.download).toBeGreaterThanOrEqual(kinds['result']!);
    // no cycle made Amazon hold two feeds, lost and stalled createFeed answers included
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(sim.state.feeds.length).toBeLessThanOrEqual(cycles);
    expect(sim.state.errors).toEqual([]);
  });
});

describe('calls that create a feed or a report are not sent twice', () => {
  const submit = (gateway: AmazonGateway, sellerId: string) =>
    gateway.submitFeed({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], content: JSON.stringify({ header: { sellerId, version: '2.0' }, messages: [] }), contentType: FEED_CONTENT_TYPE });

  test('a createFeed answer lost after processing: one feed at Amazon, a retryable error that says maybeCreated', async () => {
    const sim = await simulator({ timeScale: 1000, faults: { operations: { 'feeds.createFeed': { lostAnswerRate: 1 } } } });
    const gateway = gatewayFor(sim, { retry: { retries: 4 } });
    const error = await submit(gateway, sim.sellerId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmazonCallError);
    expect(error).toMatchObject({ code: 'AMAZON_NETWORK_ERROR', operation: 'feeds.createFeed', isRetryable: true, attempts: 1, details: { maybeCreated: true } });
    expect((error as Error).message).toMatch(/outcome is unknown.*may have created the feed.*getFeeds/);
    expect(sim.state.calls['feeds.createFeed']).toBe(1);
    expect(sim.state.feeds).toHaveLength(1);
  });

  test('a createFeed answer slower than the request timeout: not re-sent, and Amazon ends up with exactly one feed', async () => {
    const sim = await simulator({ timeScale: 1000, faults: { operations: { 'feeds.createFeed': { slowMs: 500 } } } });
    const gateway = gatewayFor(sim, { retry: { retries: 4 }, requestTimeoutMs: 150 });
    const error = await submit(gateway, sim.sellerId).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'AMAZON_NETWORK_ERROR', isRetryable: true, attempts: 1, details: { maybeCreated: true } });
    // the simulator processes the stalled request after the stall, as Amazon would
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(sim.state.calls['feeds.createFeed']).toBe(1);
    expect(sim.state.feeds).toHaveLength(1);
  });

  test('a 5xx to createFeed or createReport is not retried either; a 429 is', async () => {
    const sim = await simulator({ timeScale: 1000, faults: { operations: { 'feeds.createFeed': { serverErrorRate: 1 }, 'reports.createReport': { serverErrorRate: 1 } } } });
    const gateway = gatewayFor(sim, { retry: { retries: 2 } });
    await expect(submit(gateway, sim.sellerId)).rejects.toMatchObject({ code: 'AMAZON_UNAVAILABLE', attempts: 1, details: { maybeCreated: true } });
    const report = await gateway.createReport({ reportType: 'GET_MERCHANT_LISTINGS_ALL_DATA', marketplaceIds: [DE] }).catch((caught: unknown) => caught);
    expect(report).toMatchObject({ code: 'AMAZON_UNAVAILABLE', attempts: 1, details: { maybeCreated: true } });
    expect((report as Error).message).toMatch(/may have created the report/);
    sim.setFaults({ operations: { 'feeds.createFeed': { serverErrorRate: 0, throttleRate: 1 } } });
    const throttled = await submit(gateway, sim.sellerId).catch((caught: unknown) => caught);
    expect(throttled).toMatchObject({ code: 'AMAZON_THROTTLED', attempts: 3 });
    expect((throttled as AmazonCallError).details['maybeCreated']).toBeUndefined();
    expect(sim.state.calls['feeds.createFeed']).toBe(1 + 3);
    expect(sim.state.calls['reports.createReport']).toBe(1);
  });

  test('an expired token whose renewal fails is retried: Amazon refused the createFeed, so no maybeCreated', async () => {
    const sim = await simulator({ timeScale: 1000 });
    // the LWA endpoint fails until the gateway says it will retry
    const quiet = () => undefined;
    const logger: Logger = { debug: quiet, info: quiet, error: quiet, warn: () => sim.setFaults({ operations: { token: { serverErrorRate: 0 } } }) };
    const gateway = gatewayFor(sim, { retry: { retries: 3 }, logger });
    const upload = await gateway.createFeedDocument(FEED_CONTENT_TYPE);
    sim.expireAccessTokens();
    sim.setFaults({ operations: { token: { serverErrorRate: 1 } } });
    const created = await gateway
      .createFeed({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], inputFeedDocumentId: upload.feedDocumentId })
      .catch((caught: unknown) => caught);
    expect(created).toMatchObject({ feedId: expect.any(String) });
    // two 403s for the expired token, then the replay after the renewal that worked
    expect(sim.state.calls['feeds.createFeed']).toBe(3);
    expect(sim.state.feeds).toHaveLength(1);
    expect(gateway.stats().calls['token']).toBe(3);
  });

  test('a refused connection (the request never left) is retried like any other call', async () => {
    const sim = await simulator({ timeScale: 1000 });
    const gateway = gatewayFor(sim, { retry: { retries: 2 } });
    const upload = await gateway.createFeedDocument(FEED_CONTENT_TYPE);
    await sim.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the keep-alive sockets see the close
    const error = await gateway
      .createFeed({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], inputFeedDocumentId: upload.feedDocumentId })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'AMAZON_NETWORK_ERROR', amazonCode: 'ECONNREFUSED', isRetryable: true, attempts: 3 });
    expect((error as AmazonCallError).details['maybeCreated']).toBeUndefined();
    expect(gateway.stats().calls['feeds.createFeed']).toBe(3);
  });
});

describe('the request watch of createFeed and createReport', () => {
  test('an answer cut after its headers ends the watch with the attempt (the client never settles such a call)', async () => {
    // a stand-in for Amazon: LWA answers, createFeed sends its headers and half its body, then the connection dies
    let createFeedRequests = 0;
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (request.url?.startsWith('/auth/o2/token')) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ access_token: 'Atza|stand-in-access-token', token_type: 'bearer', expires_in: 3600 }));
        } else if (request.url?.startsWith('/feeds/2021-06-30/feeds')) {
          createFeedRequests += 1;
          response.writeHead(202, { 'content-type': 'application/json', 'content-length': '100' });
          response.write('{"feedId":"5');
          setTimeout(() => request.socket.destroy(), 20);
        } else {
          response.writeHead(404, { 'content-type': 'application/json' });
          response.end('{"errors":[{"code":"NotFound","message":"no such route"}]}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const gateway = createAmazonGateway({
        amazon: { region: 'eu', sellerId: 'A2STANDIN', marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
        requestTimeoutMs: 300,
        retry: { retries: 2 },
      });
      const error = await gateway
        .createFeed({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], inputFeedDocumentId: 'doc-1' })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'AMAZON_NETWORK_ERROR', attempts: 1, details: { maybeCreated: true } });
      expect(createFeedRequests).toBe(1);
      // the AsyncLocalStorage (which slows every promise of the process) is off again
      expect(watchedCallsRunning()).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('feeds that never finish', () => {
  test('a stuck feed hits its limit: FEED_STUCK, retryable, in bounded time', async () => {
    const sim = await simulator({ timeScale: 1000, faults: { stuckFeedRate: 1 } });
    const gateway = gatewayFor(sim);
    const feedId = await someFeed(gateway, sim.sellerId);
    // 10 minutes of Amazon time = 600 ms here
    let error: unknown;
    const elapsed = await timeOf(async () => {
      error = await gateway.waitForFeed(feedId, { timeoutMs: 10 * 60_000, pollIntervalMs: 15_000 }).catch((caught: unknown) => caught);
    });
    expect(SellerSyncError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'FEED_STUCK', isRetryable: true, details: { item: `feed ${feedId}`, value: 'IN_PROGRESS' } });
    expect((error as Error).message).toMatch(/still IN_PROGRESS after 10 min/);
    expect(elapsed).toBeGreaterThan(500);
    expect(elapsed).toBeLessThan(3_000);
  });

  test('an aborted wait stops at once', async () => {
    const sim = await simulator({ timeScale: 1000, faults: { stuckFeedRate: 1 } });
    const gateway = gatewayFor(sim);
    const feedId = await someFeed(gateway, sim.sellerId);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(gateway.waitForFeed(feedId, { signal: controller.signal })).rejects.toThrow('shutting down');
  });

  test('an abort also ends a poll that is waiting for its retries', async () => {
    const sim = await simulator({ timeScale: 1000, faults: { stuckFeedRate: 1 } });
    const gateway = gatewayFor(sim, { retry: { retries: 5 }, requestTimeoutMs: 2_000 });
    const feedId = await someFeed(gateway, sim.sellerId);
    // every poll now stalls until the request timeout, five retries in a row: 12 s
    sim.setFaults({ operations: { 'feeds.getFeed': { slowMs: 5_000 } } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    let error: unknown;
    const elapsed = await timeOf(async () => {
      error = await gateway.waitForFeed(feedId, { signal: controller.signal }).catch((caught: unknown) => caught);
    });
    expect(error).toEqual(new Error('shutting down'));
    expect(elapsed).toBeLessThan(600);
    expect(sim.state.calls['feeds.getFeed']).toBe(1);
  });
});

describe('access tokens', () => {
  test('one token for many concurrent first calls; an expired token is renewed once and the call replayed', async () => {
    const sim = await simulator({ timeScale: 1000 });
    const gateway = gatewayFor(sim);
    const feedId = await someFeed(gateway, sim.sellerId);
    await Promise.all(Array.from({ length: 10 }, () => gateway.getFeed(feedId)));
    expect(sim.state.accessTokensIssued).toBe(1);
    sim.expireAccessTokens();
    await Promise.all(Array.from({ length: 5 }, () => gateway.getFeed(feedId)));
    expect(sim.state.accessTokensIssued).toBe(2);
    expect(gateway.stats().calls.token).toBe(2);
  });

  test('the replay after an expired token takes a limiter token of its own', async () => {
    // getFeed at 1/s, burst 3 (the gateway keeps 1 in reserve: 2 at once); timeScale 5: a token every 206 ms
    const limits = { 'feeds.getFeed': { rate: 1, burst: 3 } };
    const sim = await simulator({ timeScale: 5, rateLimits: limits });
    const gateway = gatewayFor(sim, { timeScale: 5, rateLimits: limits });
    const feedId = await someFeed(gateway, sim.sellerId);
    await gateway.getFeed(feedId); // the first of the two tokens
    sim.expireAccessTokens();
    // the 403 takes the second token; its replay must wait for a third
    const elapsed = await timeOf(() => gateway.getFeed(feedId));
    expect(sim.state.calls['feeds.getFeed']).toBe(3);
    expect(elapsed).toBeGreaterThan(150);
    expect(elapsed).toBeLessThan(1_000);
    expect(sim.state.throttled).toBe(0);
  });

  test('refused credentials: AMAZON_AUTH_FAILED at once, with what to check', async () => {
    const sim = await simulator({ timeScale: 1000 });
    const gateway = gatewayFor(sim, { amazon: { clientSecret: 'wrong-client-secret-value' }, retry: { retries: 5 } });
    const error = await gateway.getFeed('1').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'AMAZON_AUTH_FAILED', amazonCode: 'invalid_client', isRetryable: false, attempts: 1 });
    expect((error as Error).message).toMatch(/refresh token, client id and client secret/);
    expect(sim.state.calls.token).toBe(1);
  });
});

describe('secrets', () => {
  test('never appear in log lines, error messages, error JSON or causes', async () => {
    const { logger, lines } = captureLogger();
    const sim = await simulator({ timeScale: 1000, randomSeed: 3 });
    const errors: unknown[] = [];
    const keep = (promise: Promise<unknown>) => promise.catch((error: unknown) => errors.push(error));
    const gateway = gatewayFor(sim, { logger, retry: { retries: 1 }, requestTimeoutMs: 150 });
    const feedId = await someFeed(gateway, sim.sellerId);
    await keep(gateway.getFeed(feedId));
    // failures of every kind, each with a chance to leak the token, the request or a signed URL
    sim.setFaults({ operations: { 'feeds.getFeed': { serverErrorRate: 1 } } });
    await keep(gateway.getFeed(feedId));
    sim.setFaults({ operations: { 'feeds.getFeed': { serverErrorRate: 0, dropConnectionRate: 1 } } });
    await keep(gateway.getFeed(feedId));
    sim.setFaults({ operations: { 'feeds.getFeed': { dropConnectionRate: 0, slowMs: 1_000 }, download: { serverErrorRate: 1 }, upload: { dropConnectionRate: 1 } } });
    await keep(gateway.getFeed(feedId));
    await keep(gateway.getFeedDocument('nope'));
    const upload = await gateway.createFeedDocument(FEED_CONTENT_TYPE);
    await keep(gateway.uploadFeedDocument(upload, '{}', FEED_CONTENT_TYPE));
    sim.setFaults({ operations: { upload: { dropConnectionRate: 0 } } });
    await keep(gateway.uploadFeedDocument(upload, '{}', 'text/plain')); // signature mismatch: 403 from S3
    await keep(gateway.downloadDocument({ url: upload.url }));
    await keep(gateway.confirmShipment('302-0000000-0000000', { marketplaceId: DE, packageDetail: { packageReferenceId: '1', carrierCode: 'DHL', trackingNumber: 'x', shipDate: 'bad', orderItems: [] } }));
    sim.expireAccessTokens();
    await keep(gateway.getFeeds({ feedTypes: ['JSON_LISTINGS_FEED'] }));
    const refused = gatewayFor(sim, { logger, amazon: { refreshToken: 'Atzr|a-refresh-token-amazon-refuses' } });
    await keep(refused.getFeed(feedId));

    expect(errors.length).toBeGreaterThanOrEqual(8);
    for (const error of errors) expect(error).toBeInstanceOf(AmazonCallError);
    const causes = (error: unknown): unknown[] => {
      const out: unknown[] = [];
      for (let current = error; current instanceof Error; current = current.cause) out.push({ ...current, message: current.message, stack: current.stack });
      return out;
    };
    const everything = JSON.stringify([lines, errors, errors.map((error) => (error as Error).message), errors.flatMap(causes)]);
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of [SIMULATOR_CREDENTIALS.refreshToken, SIMULATOR_CREDENTIALS.clientSecret, 'Atzr|a-refresh-token-amazon-refuses', 'x-amz-access-token'])
      expect(everything).not.toContain(secret);
    // the simulator's access tokens all start with Atza|SIM; signed URLs carry X-Amz-Signature
    expect(everything).not.toMatch(/Atza\|/);
    expect(everything).not.toMatch(/X-Amz-Signature=|X-Amz-Credential=/);
  });
});
