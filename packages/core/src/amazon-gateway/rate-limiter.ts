import type { AmazonOperation, RateLimit } from './amazon-gateway';

/**
 * Amazon's default usage plans (requests per second, burst) of the operations sellersync calls,
 * from the official SP-API models. Amazon may grant a seller other rates; the gateway then follows
 * the `x-amzn-RateLimit-Limit` header of the answers.
 */
export const AMAZON_DEFAULT_RATE_LIMITS: Readonly<Record<AmazonOperation, RateLimit>> = {
  'feeds.createFeedDocument': { rate: 0.5, burst: 15 },
  'feeds.createFeed': { rate: 0.0083, burst: 15 },
  'feeds.getFeed': { rate: 2, burst: 15 },
  'feeds.getFeeds': { rate: 0.0222, burst: 10 },
  'feeds.cancelFeed': { rate: 2, burst: 15 },
  'feeds.getFeedDocument': { rate: 0.0222, burst: 10 },
  'reports.createReport': { rate: 0.0167, burst: 15 },
  'reports.getReport': { rate: 2, burst: 15 },
  'reports.getReportDocument': { rate: 0.0167, burst: 15 },
  'listingsItems.getListingsItem': { rate: 5, burst: 10 },
  'listingsItems.putListingsItem': { rate: 5, burst: 10 },
  'listingsItems.patchListingsItem': { rate: 5, burst: 5 },
  'listingsItems.deleteListingsItem': { rate: 5, burst: 5 },
  'listingsItems.searchListingsItems': { rate: 5, burst: 5 },
  'catalogItems.searchCatalogItems': { rate: 2, burst: 2 },
  'orders.searchOrders': { rate: 0.0056, burst: 20 },
  'orders.getOrder': { rate: 0.5, burst: 30 },
  'orders.confirmShipment': { rate: 2, burst: 10 },
};

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Limits per key; a key without one is not limited. */
  readonly limits: Readonly<Partial<Record<string, RateLimit>>>;
  /** Divides every wait: rates are multiplied by it. Default 1. */
  readonly timeScale?: number;
  /**
   * Share of the nominal rate actually used (0 < headroom ≤ 1). A little below 1 keeps clock
   * granularity and network jitter from costing 429s at Amazon's side. Default 1.
   */
  readonly headroom?: number;
  /**
   * Tokens of each burst kept back (never below a burst of 1). Amazon's bucket starts refilling
   * when the first request arrives, a network latency after ours: one token in reserve absorbs
   * that lag. Default 0.
   */
  readonly reserve?: number;
  /** Monotonic clock in ms. Default `performance.now`. */
  readonly now?: () => number;
}

/**
 * Token buckets, one per key (an operation). A bucket starts full (`burst` tokens) and refills at
 * `rate` tokens per second; a caller takes one token per request and waits when none is left.
 * Waiting callers are served first come, first served, so many concurrent callers share a bucket
 * fairly and none starves.
 */
export interface RateLimiter {
  /** Resolves when the caller may send one request of `key` (at once when a token is there). */
  acquire(key: string): Promise<void>;
  /**
   * Follows the rate Amazon announced in `x-amzn-RateLimit-Limit` (requests per second). Returns
   * true when the rate changed. The burst is kept: Amazon does not announce it.
   */
  adoptRate(key: string, rate: number): boolean;
  /** Empties the bucket after a 429: Amazon's bucket is empty, so ours must be too. */
  drain(key: string): void;
  /** The limit in force for `key`, or undefined when the key is not limited. */
  limitOf(key: string): RateLimit | undefined;
  /** Callers waiting for a token of `key`. */
  waiting(key: string): number;
}

interface Waiter {
  readonly resolve: () => void;
}

class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly queue: Waiter[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    public rate: number,
    public readonly burst: number,
    private readonly scale: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  acquire(): Promise<void> {
    if (this.waiting === 0) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return Promise.resolve();
      }
    }
    return new Promise<void>((resolve) => {
      this.queue.push({ resolve });
      this.schedule();
    });
  }

  setRate(rate: number): void {
    this.refill();
    this.rate = rate;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule();
    }
  }

  drain(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate * this.scale) / 1000);
    this.updatedAt = now;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.refill();
    while (this.waiting > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      const waiter = this.queue[this.head];
      this.queue[this.head] = undefined as unknown as Waiter;
      this.head += 1;
      waiter?.resolve();
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.waiting === 0) return;
    const perMs = (this.rate * this.scale) / 1000;
    const wait = perMs > 0 ? Math.max(1, Math.ceil((1 - this.tokens) / perMs)) : 60_000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, wait);
  }
}

/** Creates the per-operation token buckets of the gateway; see {@link RateLimiter}. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const scale = (options.timeScale ?? 1) * (options.headroom ?? 1);
  const now = options.now ?? (() => performance.now());
  const reserve = options.reserve ?? 0;
  const buckets = new Map<string, TokenBucket>();
  const nominalBursts = new Map<string, number>();
  const bucketOf = (key: string): TokenBucket | undefined => {
    let bucket = buckets.get(key);
    if (bucket) return bucket;
    const limit = options.limits[key];
    if (!limit) return undefined;
    bucket = new TokenBucket(limit.rate, Math.max(1, limit.burst - reserve), scale, now);
    nominalBursts.set(key, limit.burst);
    buckets.set(key, bucket);
    return bucket;
  };
  return {
    acquire(key) {
      const bucket = bucketOf(key);
      return bucket ? bucket.acquire() : Promise.resolve();
    },
    adoptRate(key, rate) {
      const bucket = bucketOf(key);
      if (!bucket || !Number.isFinite(rate) || rate <= 0) return false;
      // the header is rounded (0.0056 for 1 per 180 s): ignore differences below 0.1 %
      if (Math.abs(bucket.rate - rate) <= bucket.rate * 0.001) return false;
      bucket.setRate(rate);
      return true;
    },
    drain(key) {
      bucketOf(key)?.drain();
    },
    limitOf(key) {
      const bucket = bucketOf(key);
      return bucket ? { rate: bucket.rate, burst: nominalBursts.get(key) ?? bucket.burst } : undefined;
    },
    waiting(key) {
      return buckets.get(key)?.waiting ?? 0;
    },
  };
}
