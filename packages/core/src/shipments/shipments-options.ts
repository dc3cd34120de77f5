import { SellerSyncError, describeValue } from '../errors';
import { isAmazonCarrierCode } from './amazon-carrier-codes';

/**
 * Shipment confirmation settings (`createSellerSync({ shipments })`). Every field is optional;
 * defaults are listed per field and in docs/shipments.md.
 */
export interface ShipmentsOptions {
  /** `false` turns shipment confirmation off (`confirmShipments()` then does nothing). Default `true`. */
  readonly enabled?: boolean;
  /** Shop statuses that mean "shipped": orders in one of them are confirmed. Default `['shipped']`. */
  readonly shippedStatuses?: readonly string[];
  /**
   * Shop carrier name → Amazon carrier code (one of `AMAZON_CARRIER_CODES`). Carriers not in the
   * map are matched to Amazon's codes by name (`dhl` → `DHL`); anything else is sent as `Other`
   * with the shop's name as `carrierName`.
   */
  readonly carrierMap?: Readonly<Record<string, string>>;
  /**
   * `per-package` (default): one `confirmShipment` call per package, answered at once.
   * `bulk-feed`: one `POST_ORDER_FULFILLMENT_DATA` XML feed per marketplace and run, for large
   * volumes; its result is read when Amazon has processed it.
   */
  readonly mode?: 'per-package' | 'bulk-feed';
  /** Attempts per package for retryable failures (429, 5xx, network) before it is left for a person. Default 8. */
  readonly maxAttempts?: number;
  /** Backoff between attempts: `retryBaseMs · 2^(attempts-1)`, at most one day. Default 60000 ms. */
  readonly retryBaseMs?: number;
  /** Orders asked from the shop per `listShipments` call. Default 200. */
  readonly batchSize?: number;
  /** How long a run holds packages it sends before another may take them over. Default 120000 ms. */
  readonly leaseMs?: number;
  /** Bulk mode: wait for the feed at the end of the run instead of reading it in the next run. Default `false`. */
  readonly waitForFeeds?: boolean;
  /**
   * Bulk mode: a feed Amazon has not finished this long after it was submitted (or whose status or
   * report cannot be read for as long) is given up and its packages are sent again, under the same
   * references. Default 86400000 ms (24 h).
   */
  readonly feedTimeoutMs?: number;
}

/** {@link ShipmentsOptions} with the defaults filled in. */
export interface ResolvedShipmentsOptions {
  readonly enabled: boolean;
  readonly shippedStatuses: readonly string[];
  readonly carrierMap: Readonly<Record<string, string>>;
  readonly mode: 'per-package' | 'bulk-feed';
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly waitForFeeds: boolean;
  readonly feedTimeoutMs: number;
}

function invalid(field: string, rule: string, value?: unknown): SellerSyncError {
  const shown = value === undefined ? '' : `; got ${describeValue(value)}`;
  return new SellerSyncError({
    code: 'INVALID_OPTIONS',
    message: `shipments.${field} ${rule}${shown}.`,
    details: { field: `shipments.${field}`, rule, ...(value === undefined ? {} : { value }) },
  });
}

function positiveInteger(field: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw invalid(field, `must be a whole number from 1 to ${max}`, value);
  return value;
}

/**
 * Checks shipment options and fills in the defaults.
 * @throws SellerSyncError `INVALID_OPTIONS` naming the first wrong field.
 */
export function resolveShipmentsOptions(options: ShipmentsOptions | undefined): ResolvedShipmentsOptions {
  const o: ShipmentsOptions = options ?? {};
  if (typeof o !== 'object' || o === null) throw invalid('options', 'must be an object', o);
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') throw invalid('enabled', 'must be true or false', o.enabled);
  if (o.waitForFeeds !== undefined && typeof o.waitForFeeds !== 'boolean') throw invalid('waitForFeeds', 'must be true or false', o.waitForFeeds);
  const shippedStatuses = o.shippedStatuses ?? ['shipped'];
  if (!Array.isArray(shippedStatuses) || shippedStatuses.length === 0 || shippedStatuses.some((s) => typeof s !== 'string' || s === ''))
    throw invalid('shippedStatuses', 'must list at least one shop status', shippedStatuses);
  const carrierMap = o.carrierMap ?? {};
  if (typeof carrierMap !== 'object' || carrierMap === null) throw invalid('carrierMap', 'must be an object of shop carrier → Amazon carrier code', carrierMap);
  for (const [carrier, code] of Object.entries(carrierMap))
    if (!isAmazonCarrierCode(code)) throw invalid(`carrierMap.${carrier}`, "must be one of Amazon's carrier codes (AMAZON_CARRIER_CODES), such as DHL or Royal Mail", code);
  const mode = o.mode ?? 'per-package';
  if (mode !== 'per-package' && mode !== 'bulk-feed') throw invalid('mode', 'must be "per-package" or "bulk-feed"', mode);
  return {
    enabled: o.enabled ?? true,
    shippedStatuses: [...new Set(shippedStatuses)],
    carrierMap: { ...carrierMap },
    mode,
    maxAttempts: positiveInteger('maxAttempts', o.maxAttempts, 8, 1000),
    retryBaseMs: positiveInteger('retryBaseMs', o.retryBaseMs, 60_000),
    batchSize: positiveInteger('batchSize', o.batchSize, 200, 5000),
    leaseMs: positiveInteger('leaseMs', o.leaseMs, 120_000),
    waitForFeeds: o.waitForFeeds ?? false,
    feedTimeoutMs: positiveInteger('feedTimeoutMs', o.feedTimeoutMs, 86_400_000),
  };
}
