import type { Clock } from '../support/clock';
import { DEFAULT_RATE_LIMITS, type SimulatorApiOperation, type SimulatorRateLimit } from './operations';

export interface RateLimiter {
  /** The usage plan of an operation (Amazon's nominal rate, as `x-amzn-RateLimit-Limit` reports it). */
  limitOf(operation: SimulatorApiOperation): SimulatorRateLimit;
  /** Takes a token; false when the bucket is empty (answer 429). Always true when limits are off. */
  take(operation: SimulatorApiOperation): boolean;
  /** A sliding-window limit (count per window at timeScale 1), e.g. JSON_LISTINGS_FEED per region. */
  takeWindow(key: string, count: number, windowMs: number): boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: {
  readonly clock: Clock;
  readonly timeScale: number;
  readonly limits: Partial<Record<SimulatorApiOperation, SimulatorRateLimit>> | false | undefined;
}): RateLimiter {
  const { clock, timeScale } = options;
  const enabled = options.limits !== false;
  const overrides = options.limits === false ? {} : (options.limits ?? {});
  const buckets = new Map<string, Bucket>();
  const windows = new Map<string, number[]>();
  const limitOf = (operation: SimulatorApiOperation): SimulatorRateLimit => overrides[operation] ?? DEFAULT_RATE_LIMITS[operation];
  return {
    limitOf,
    take(operation) {
      if (!enabled) return true;
      const { rate, burst } = limitOf(operation);
      const now = clock.now();
      const bucket = buckets.get(operation) ?? { tokens: burst, at: now };
      // timeScale speeds up the refill only: the burst stays Amazon's.
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate * timeScale);
      bucket.at = now;
      buckets.set(operation, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    takeWindow(key, count, windowMs) {
      if (!enabled) return true;
      const now = clock.now();
      const since = now - windowMs / timeScale;
      const times = (windows.get(key) ?? []).filter((time) => time > since);
      windows.set(key, times);
      if (times.length >= count) return false;
      times.push(now);
      return true;
    },
  };
}
