import type { SimulatorFaults } from './http/faults';
import type { SimulatorApiOperation, SimulatorRateLimit } from './http/operations';
import type { SeedCatalogItemInput, SeedListingInput, SeedOrderInput } from './seed-types';

/** LWA app credentials and the seller's refresh token the simulator accepts. */
export interface SimulatorCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

/** Obvious fakes, accepted by default; tests and the demo use them. */
export const SIMULATOR_CREDENTIALS: SimulatorCredentials = Object.freeze({
  clientId: 'amzn1.application-oa2-client.test',
  clientSecret: 'test-secret',
  refreshToken: 'Atzr|test-refresh-token',
});

/** The merchant token of the simulated seller. */
export const SIMULATOR_SELLER_ID = 'A2SIMSELLER01';

/** How long a feed waits in each status at timeScale 1 (divided by timeScale). */
export interface FeedTiming {
  /** IN_QUEUE → IN_PROGRESS. Default 30 000 ms. */
  readonly inQueueMs?: number;
  /** IN_PROGRESS → DONE / FATAL. Default 60 000 ms. */
  readonly inProgressMs?: number;
}

/** How long a report waits in each status at timeScale 1 (divided by timeScale). */
export interface ReportTiming {
  /** IN_QUEUE → IN_PROGRESS. Default 10 000 ms. */
  readonly inQueueMs?: number;
  /** IN_PROGRESS → DONE. Default 20 000 ms. */
  readonly inProgressMs?: number;
}

/** Data the simulator starts with. */
export interface SimulatorSeedData {
  /** Catalog ASINs. Default `DEFAULT_CATALOG`; pass `[]` for an empty catalog. */
  readonly catalog?: readonly SeedCatalogItemInput[];
  readonly listings?: readonly SeedListingInput[];
  readonly orders?: readonly SeedOrderInput[];
}

/** Options of `startSimulator`. Every field is optional. */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /**
   * Speeds the simulated Amazon up: every delay (feed and report processing, the 2-minute lag of
   * the Orders API) and every refill period of the rate limits is divided by it. Bursts stay
   * Amazon's, and `x-amzn-RateLimit-Limit` keeps reporting Amazon's nominal rate. Default 1.
   */
  readonly timeScale?: number;
  /** Fault injection at start; change it later with `sim.setFaults`. */
  readonly faults?: SimulatorFaults;
  /** Initial data. */
  readonly seed?: SimulatorSeedData;
  /** Seed of the PRNG that draws faults, so a test run is reproducible. Default 1. */
  readonly randomSeed?: number;
  /** The LWA credentials accepted. Default `SIMULATOR_CREDENTIALS`. */
  readonly credentials?: SimulatorCredentials;
  /** The seller's merchant token. Default `SIMULATOR_SELLER_ID`. */
  readonly sellerId?: string;
  readonly feedTiming?: FeedTiming;
  readonly reportTiming?: ReportTiming;
  /**
   * Amazon's usage plans per operation (overrides), or `false` to switch rate limiting off (for
   * benchmarks). The header `x-amzn-RateLimit-Limit` is sent either way.
   */
  readonly rateLimits?: Partial<Record<SimulatorApiOperation, SimulatorRateLimit>> | false;
  /**
   * How far behind "now" the Orders API is: searchOrders only sees changes older than this, echoes
   * that bound as `lastUpdatedBefore`/`createdBefore`, and rejects before-bounds later than it.
   * Default Amazon's 2 minutes (divided by timeScale).
   */
  readonly ordersLagMs?: number;
}

export interface ResolvedSimulatorOptions {
  readonly timeScale: number;
  readonly sellerId: string;
  readonly credentials: SimulatorCredentials;
  readonly feedTiming: Required<FeedTiming>;
  readonly reportTiming: Required<ReportTiming>;
  /** Already divided by timeScale. */
  readonly ordersLagMs: number;
}

export function resolveOptions(options: SimulatorOptions): ResolvedSimulatorOptions {
  const timeScale = options.timeScale ?? 1;
  if (!(typeof timeScale === 'number' && timeScale > 0 && Number.isFinite(timeScale)))
    throw new TypeError(`startSimulator: timeScale must be a positive number; got ${String(timeScale)}.`);
  const sellerId = options.sellerId ?? SIMULATOR_SELLER_ID;
  if (!/^[A-Z0-9]{8,20}$/.test(sellerId)) throw new TypeError('startSimulator: sellerId must be 8 to 20 upper-case letters and digits.');
  return {
    timeScale,
    sellerId,
    credentials: options.credentials ?? SIMULATOR_CREDENTIALS,
    feedTiming: { inQueueMs: options.feedTiming?.inQueueMs ?? 30_000, inProgressMs: options.feedTiming?.inProgressMs ?? 60_000 },
    reportTiming: { inQueueMs: options.reportTiming?.inQueueMs ?? 10_000, inProgressMs: options.reportTiming?.inProgressMs ?? 20_000 },
    ordersLagMs: options.ordersLagMs ?? 120_000 / timeScale,
  };
}
