/**
 * Wall-clock time for the simulator. `updateTime()` is strictly increasing, so two changes of an
 * order in the same millisecond still get different `lastUpdatedTime`s (pagination and incremental
 * imports depend on that order).
 */
export interface Clock {
  now(): number;
  /** A time ≥ now and > every time this method returned before. */
  updateTime(): number;
}

export function createClock(now: () => number = Date.now): Clock {
  let last = 0;
  return {
    now,
    updateTime() {
      last = Math.max(now(), last + 1);
      return last;
    },
  };
}

/** ISO 8601 in UTC with milliseconds, as the simulator writes every time. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parses an ISO 8601 date-time with a time zone (Z or ±hh:mm); undefined when it is not one. */
export function parseIsoDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
