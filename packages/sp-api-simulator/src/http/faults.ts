import type { Random } from '../support/random';
import type { SimulatorOperation } from './operations';

/**
 * Shares (0..1) of calls that go wrong, drawn from the seeded PRNG (`randomSeed`). Every fault
 * acts before the call is processed, except `lostAnswerRate` (processed, then no answer) and
 * `slowMs` (the call is processed after the stall, even when the client gave up meanwhile).
 */
export interface SimulatorFaultRates {
  /** Calls answered 429 `QuotaExceeded` although the bucket had room (a throttling storm). */
  readonly throttleRate?: number;
  /** Calls answered 500 or 503. */
  readonly serverErrorRate?: number;
  /** Of the injected 5xx, the share with an HTML body as Amazon's edge sends it. Default 0.5. */
  readonly htmlErrorShare?: number;
  /** Calls whose socket is destroyed without an answer (ECONNRESET / socket hang up), before processing. */
  readonly dropConnectionRate?: number;
  /**
   * Calls that are processed (a feed is created, a shipment confirmed, a document stored) and whose
   * socket is then destroyed instead of answering: the client cannot tell whether they took effect.
   */
  readonly lostAnswerRate?: number;
  /** Calls answered only after `slowMs` (not scaled by timeScale). Default 1 when `slowMs` is set. */
  readonly slowRate?: number;
  readonly slowMs?: number;
}

/**
 * Fault injection. The top-level rates apply to every SP-API operation; `operations` sets rates
 * per operation instead (also for `token`, `upload` and `download`, which the top-level rates
 * leave alone). Set a rate to 0 to switch it off again.
 */
export interface SimulatorFaults extends SimulatorFaultRates {
  /** Feeds that reach IN_PROGRESS and stay there forever. */
  readonly stuckFeedRate?: number;
  /** Feeds that end FATAL without being applied. */
  readonly fatalFeedRate?: number;
  readonly operations?: Readonly<Partial<Record<SimulatorOperation, SimulatorFaultRates>>>;
}

export type InjectedFault =
  | { readonly kind: 'drop' }
  | { readonly kind: 'lost-answer' }
  | { readonly kind: 'server-error'; readonly status: 500 | 503; readonly html: boolean }
  | { readonly kind: 'throttle' };

export interface FaultInjector {
  current(): SimulatorFaults;
  set(faults: SimulatorFaults): void;
  /** The fault for one call (or none), and how long to stall it first. */
  draw(operation: SimulatorOperation, isApiOperation: boolean): { readonly fault?: InjectedFault; readonly delayMs: number };
  stuckFeed(): boolean;
  fatalFeed(): boolean;
}

export function mergeFaults(base: SimulatorFaults, change: SimulatorFaults): SimulatorFaults {
  const operations: Partial<Record<SimulatorOperation, SimulatorFaultRates>> = { ...base.operations };
  for (const [operation, rates] of Object.entries(change.operations ?? {}) as [SimulatorOperation, SimulatorFaultRates][])
    operations[operation] = { ...operations[operation], ...rates };
  return { ...base, ...change, operations };
}

export function createFaultInjector(random: Random, initial: SimulatorFaults | undefined): FaultInjector {
  let faults: SimulatorFaults = mergeFaults({}, initial ?? {});
  return {
    current: () => faults,
    set(change) {
      faults = mergeFaults(faults, change);
    },
    draw(operation, isApiOperation) {
      const rates: SimulatorFaultRates = faults.operations?.[operation] ?? (isApiOperation ? faults : {});
      const slowMs = rates.slowMs ?? 0;
      const delayMs = slowMs > 0 && random.chance(rates.slowRate ?? 1) ? slowMs : 0;
      if (random.chance(rates.dropConnectionRate)) return { fault: { kind: 'drop' }, delayMs };
      if (random.chance(rates.serverErrorRate)) {
        const status = random.next() < 0.5 ? 500 : 503;
        return { fault: { kind: 'server-error', status, html: random.chance(rates.htmlErrorShare ?? 0.5) }, delayMs };
      }
      if (random.chance(rates.throttleRate)) return { fault: { kind: 'throttle' }, delayMs };
      if (random.chance(rates.lostAnswerRate)) return { fault: { kind: 'lost-answer' }, delayMs };
      return { delayMs };
    },
    stuckFeed: () => random.chance(faults.stuckFeedRate),
    fatalFeed: () => random.chance(faults.fatalFeedRate),
  };
}
