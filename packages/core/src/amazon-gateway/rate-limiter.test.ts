import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AMAZON_SPECS_DIR, testWithSpecs } from '../test-support/amazon-specs';
import { AMAZON_DEFAULT_RATE_LIMITS, createRateLimiter } from './rate-limiter';

async function timeOf(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

describe('createRateLimiter', () => {
  test('the burst passes at once; calls beyond it take the time the rate implies (timeScale 100)', async () => {
    // 2 requests/s at timeScale 100 = one token every 5 ms
    const limiter = createRateLimiter({ limits: { op: { rate: 2, burst: 10 } }, timeScale: 100 });
    const burst = await timeOf(() => Promise.all(Array.from({ length: 10 }, () => limiter.acquire('op'))));
    expect(burst).toBeLessThan(20);
    const beyond = await timeOf(() => Promise.all(Array.from({ length: 60 }, () => limiter.acquire('op'))));
    // 60 tokens at 200/s = 300 ms
    expect(beyond).toBeGreaterThan(300 * 0.85);
    expect(beyond).toBeLessThan(300 * 1.35);
  });

  test('reserve keeps tokens of the burst back and headroom slows the refill; limitOf reports the nominal plan', async () => {
    const limiter = createRateLimiter({ limits: { op: { rate: 2, burst: 10 } }, timeScale: 100, reserve: 1, headroom: 0.5 });
    const burst = await timeOf(() => Promise.all(Array.from({ length: 9 }, () => limiter.acquire('op'))));
    expect(burst).toBeLessThan(20);
    // 20 tokens at 2/s × 100 × 0.5 = 100/s: 200 ms
    const beyond = await timeOf(() => Promise.all(Array.from({ length: 20 }, () => limiter.acquire('op'))));
    expect(beyond).toBeGreaterThan(200 * 0.85);
    expect(beyond).toBeLessThan(200 * 1.4);
    expect(limiter.limitOf('op')).toEqual({ rate: 2, burst: 10 });
  });

  test('concurrent callers are served first come, first served', async () => {
    const limiter = createRateLimiter({ limits: { op: { rate: 10, burst: 1 } }, timeScale: 100 });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 20 }, (_, index) => limiter.acquire('op').then(() => order.push(index))));
    expect(order).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(limiter.waiting('op')).toBe(0);
  });

  test('adopts a different x-amzn-RateLimit-Limit rate, keeping the burst', async () => {
    const limiter = createRateLimiter({ limits: { op: { rate: 1, burst: 5 } }, timeScale: 1000 });
    expect(limiter.adoptRate('op', 1.0004)).toBe(false); // rounding of the header, not a change
    expect(limiter.adoptRate('op', 0.5)).toBe(true);
    expect(limiter.limitOf('op')).toEqual({ rate: 0.5, burst: 5 });
    await Promise.all(Array.from({ length: 5 }, () => limiter.acquire('op')));
    // 0.5/s at timeScale 1000 = one token every 2 ms: 100 tokens = 200 ms
    const elapsed = await timeOf(() => Promise.all(Array.from({ length: 100 }, () => limiter.acquire('op'))));
    expect(elapsed).toBeGreaterThan(200 * 0.85);
    expect(elapsed).toBeLessThan(200 * 1.4);
  });

  test('a new rate applies to callers already waiting', async () => {
    const limiter = createRateLimiter({ limits: { op: { rate: 0.01, burst: 1 } }, timeScale: 1 });
    await limiter.acquire('op');
    const waiting = limiter.acquire('op'); // would wait 100 s at 0.01/s
    expect(limiter.waiting('op')).toBe(1);
    limiter.adoptRate('op', 1000);
    const elapsed = await timeOf(() => waiting);
    expect(elapsed).toBeLessThan(100);
  });

  test('drain empties the bucket after a 429', async () => {
    const limiter = createRateLimiter({ limits: { op: { rate: 1, burst: 5 } }, timeScale: 100 });
    limiter.drain('op');
    // one token takes 10 ms at 100/s
    const elapsed = await timeOf(() => limiter.acquire('op'));
    expect(elapsed).toBeGreaterThan(10 * 0.8);
  });

  test('keys without a limit are not limited; a fake clock drives the refill', async () => {
    let now = 0;
    const limiter = createRateLimiter({ limits: { op: { rate: 1, burst: 2 } }, now: () => now });
    await limiter.acquire('other');
    expect(limiter.limitOf('other')).toBeUndefined();
    await limiter.acquire('op');
    await limiter.acquire('op');
    let resolved = false;
    void limiter.acquire('op').then(() => (resolved = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(resolved).toBe(false);
    now = 1000; // one token refilled; the limiter re-checks on its timer
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(resolved).toBe(true);
  });

  test("Amazon's defaults cover every operation with a positive rate and burst", () => {
    for (const [operation, limit] of Object.entries(AMAZON_DEFAULT_RATE_LIMITS)) {
      expect(operation).toMatch(/^[a-zA-Z]+\.[a-zA-Z]+$/);
      expect(limit.rate).toBeGreaterThan(0);
      expect(limit.burst).toBeGreaterThanOrEqual(1);
    }
    expect(AMAZON_DEFAULT_RATE_LIMITS['orders.searchOrders']).toEqual({ rate: 0.0056, burst: 20 });
    expect(AMAZON_DEFAULT_RATE_LIMITS['orders.confirmShipment']).toEqual({ rate: 2, burst: 10 });
  });
});

const MODEL_OF: Record<string, string> = {
  feeds: 'feeds_2021-06-30.json',
  reports: 'reports_2021-06-30.json',
  listingsItems: 'listingsItems_2021-08-01.json',
  catalogItems: 'catalogItems_2022-04-01.json',
  orders: 'orders_2026-01-01.json',
};

describe("Amazon's published usage plans", () => {
  testWithSpecs('AMAZON_DEFAULT_RATE_LIMITS match the official models', () => {
    const models = join(AMAZON_SPECS_DIR, 'sp-api-models');
    for (const [key, limit] of Object.entries(AMAZON_DEFAULT_RATE_LIMITS)) {
      const [endpoint = '', operation = ''] = key.split('.');
      const file = operation === 'confirmShipment' ? 'ordersV0.json' : MODEL_OF[endpoint];
      const model = JSON.parse(readFileSync(join(models, file ?? ''), 'utf8')) as {
        paths: Record<string, Record<string, { operationId?: string; description?: string }>>;
      };
      const found = Object.values(model.paths)
        .flatMap((methods) => Object.values(methods))
        .find((entry) => entry.operationId === operation);
      const plan = /\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|/.exec(found?.description ?? '');
      expect({ key, rate: Number(plan?.[1]), burst: Number(plan?.[2]) }).toEqual({ key, rate: limit.rate, burst: limit.burst });
    }
  }, { needs: 'sp-api-models' });
});
