import { SellerSyncError, describeValue } from '../errors';
import { marketplaceInfo } from '../marketplaces';
import { isCurrencyCode } from '../money';
import type { ListingCondition } from '../shop-adapter';
import { parseExchangeRate } from './price-conversion';

/**
 * How a converted price is rounded to the target currency's minor unit: `half-up` (0.5 away from
 * zero), `half-even` (banker's rounding), `up` (towards +∞) or `down` (towards zero).
 */
export type PriceRounding = 'half-up' | 'half-even' | 'up' | 'down';

export const PRICE_ROUNDINGS: readonly PriceRounding[] = ['half-up', 'half-even', 'up', 'down'];

/** Settings of one marketplace of the account. */
export interface ListingsMarketplaceOptions {
  /**
   * `false`: no offer or listing is sent to this marketplace any more; an offer Amazon still holds
   * from this account is withdrawn there (quantity 0) by the SKU's next change or by `reconcile`.
   * Default `true`. (A marketplace left out of `amazon.marketplaceIds` is one the account dropped:
   * see `withdrawFromRemovedMarketplaces`.)
   */
  readonly enabled?: boolean;
  /**
   * The currency offers are priced in on this marketplace. Default: the marketplace's own currency
   * (EUR for Amazon.de, GBP for Amazon.co.uk). Shop prices in another currency are converted with
   * `exchangeRates` and `rounding`.
   */
  readonly currency?: string;
  /** Rounding of prices converted for this marketplace. Default: `listings.rounding`. */
  readonly rounding?: PriceRounding;
  /** Product type of full listings on this marketplace. Default: `listings.productType`. */
  readonly productType?: string;
  /** Language of listing texts (`de_DE`). Default: the shop's, else the marketplace's. */
  readonly languageTag?: string;
}

/**
 * Options of the listings sync (`createSellerSync({ listings })`). Every field is optional; the
 * defaults suit one Amazon account with shop prices in the marketplaces' currencies. Durations are
 * in milliseconds of real time; `timeScale` divides the Amazon-side ones for a simulator.
 */
export interface ListingsOptions {
  /**
   * Amazon product type of full listings and offer patches when neither the shop
   * (`ShopListingData.productType`) nor an earlier accepted listing names one. Default `PRODUCT`.
   */
  readonly productType?: string;
  /** `condition_type` when the shop gives none. Default `new_new`. */
  readonly condition?: ListingCondition;
  /**
   * `fulfillment_channel_code` of the quantity sent: `DEFAULT` (the seller ships, MFN), or an
   * Amazon fulfilment network code such as `AMAZON_EU` (whose quantity Amazon manages itself).
   * Default `DEFAULT`.
   */
  readonly fulfillmentChannelCode?: string;
  /** Per-marketplace settings, by marketplace id. Marketplaces left out use the defaults. */
  readonly marketplaces?: Readonly<Record<string, ListingsMarketplaceOptions>>;
  /**
   * `true`: an offer Amazon holds from this account on a marketplace that is not (any more) one of
   * `amazon.marketplaceIds`, which the account dropped, is withdrawn (quantity 0) by the SKU's next
   * change or by `reconcile`. `false`: such offers are left alone. Default: `true` for a sync with
   * `createSellerSync({ partition })`, whose `amazon.marketplaceIds` lists every marketplace of the
   * account, so another worker's marketplace is never withdrawn from; `false` without one, because
   * workers partitioned the older way (each naming only its own marketplaces in
   * `amazon.marketplaceIds`) cannot be told from a sync that dropped a marketplace, and would
   * withdraw each other's offers. To stop selling on one marketplace, prefer
   * `marketplaces[id].enabled: false`, which always withdraws.
   */
  readonly withdrawFromRemovedMarketplaces?: boolean;
  /**
   * `true` (default): an offer change Amazon refuses because the SKU has no listing on that
   * marketplace yet (issue 4000010, as for a product the shop never sent as a full listing) queues
   * a `listing` change for that SKU and marketplace, which creates it (a full listing from the
   * shop's listing data, or an offer on its ASIN); the offer change is acknowledged. `false`: the
   * offer change fails with Amazon's message.
   */
  readonly createMissingListings?: boolean;
  /**
   * Exchange rates for marketplaces whose currency differs from the shop's: `"FROM/TO"` → units of
   * TO per one unit of FROM, as a decimal string (`{ "EUR/GBP": "0.8621" }`). Only the pair asked
   * for is used (no inversion: `1 / rate` is rarely what a seller priced). A missing pair makes the
   * offer invalid (`INVALID_LISTING` naming the pair).
   */
  readonly exchangeRates?: Readonly<Record<string, string>>;
  /** Rounding of converted prices. Default `half-up`. */
  readonly rounding?: PriceRounding;
  /** Quantity sent = min(`max`, shop quantity − `buffer`), never below 0. */
  readonly quantity?: {
    /** Units held back from Amazon (safety stock). Default 0. */
    readonly buffer?: number;
    /** Most units ever offered on Amazon. Default: no cap. */
    readonly max?: number;
  };
  /** Most change-log entries claimed per pass. Default 20,000. */
  readonly batchSize?: number;
  /** Amazon's limits per `JSON_LISTINGS_FEED` document. */
  readonly feedLimits?: {
    /** Default and maximum 25,000 (Amazon's limit). */
    readonly maxMessages?: number;
    /** Default 10,000,000 bytes (Amazon advises feeds under 10 MB). */
    readonly maxBytes?: number;
  };
  /**
   * Amazon's `JSON_LISTINGS_FEED` quota: `submissions` per `windowMs` per seller and region
   * (default 5 per 5 minutes). Counted in the submissions table, so processes sharing the database
   * share the quota; work beyond it waits, it never fails.
   */
  readonly feedQuota?: { readonly submissions?: number; readonly windowMs?: number };
  /**
   * A feed still not done this long after its submission is treated as failed: cancelled when
   * still `IN_QUEUE`, its entries retried. Default 1 hour.
   */
  readonly stuckFeedMs?: number;
  /**
   * How long claimed change-log entries are held; the holder of their submission extends them every
   * third of it while the feed is in flight, so they never expire under a live feed. Default
   * `stuckFeedMs` + 15 minutes.
   */
  readonly leaseMs?: number;
  /**
   * How long a worker holds the submissions it works on without renewing: renewed at every pass
   * and before every call to Amazon in a pass. After a worker stopped, another one (or the same
   * one restarted with another `workerId`) adopts its feeds in flight once this ran out. Default 5
   * minutes; MUST be shorter than `leaseMs` and longer than the time between two passes.
   */
  readonly submissionLeaseMs?: number;
  /**
   * With `createSellerSync({ partition })`: how long another worker's registration counts after
   * its last pass (default 1 hour; MUST be longer than the time between two passes of a worker).
   * Each partitioned worker registers the marketplaces it names in `amazon.marketplaceIds`; while
   * the workers' lists differ (a marketplace is being added or dropped and the workers are
   * restarted one by one), each takes the union for the account's marketplaces: `*` changes are
   * expanded to all of them, and a marketplace another worker still names is never taken for one
   * the account dropped. A worker stopped for good stops counting once this ran out.
   */
  readonly partitionPeerTtlMs?: number;
  /** Polling of feeds in flight: first after `intervalMs`, then backing off to `maxIntervalMs`. */
  readonly poll?: { readonly intervalMs?: number; readonly maxIntervalMs?: number };
  /**
   * Backoff of entries whose feed ended FATAL, was cancelled or got stuck:
   * `baseMs · 2^attempts`, at most `maxMs`, ±20 % jitter. Default 1 minute to 1 hour.
   */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number };
  /**
   * How long finished submissions and their per-message results are kept for `status()` and
   * audits before they are deleted. Default 7 days. Not scaled by `timeScale`.
   */
  readonly keepReportsMs?: number;
  /** `issueLocale` of the feed header (language of Amazon's messages), e.g. `en_US`. Default: Amazon's. */
  readonly issueLocale?: string;
  /**
   * Divides the Amazon-side durations (quota window, polling, stuck limit, leases, backoff) for a
   * simulator running at this `timeScale`. Default 1. Never set it against Amazon.
   */
  readonly timeScale?: number;
}

/** A marketplace as the listings sync works with it. */
export interface ResolvedMarketplace {
  readonly marketplaceId: string;
  readonly enabled: boolean;
  readonly currency: string;
  readonly rounding: PriceRounding;
  readonly productType: string;
  readonly languageTag: string;
}

/** {@link ListingsOptions} with every default filled in and every duration scaled. */
export interface ResolvedListingsOptions {
  readonly productType: string;
  readonly condition: ListingCondition;
  readonly fulfillmentChannelCode: string;
  /** The account's marketplaces in the order configured, enabled or not. */
  readonly marketplaces: readonly ResolvedMarketplace[];
  readonly withdrawFromRemovedMarketplaces: boolean;
  readonly createMissingListings: boolean;
  /** Exchange rates as exact fractions, by `FROM/TO`. */
  readonly exchangeRates: ReadonlyMap<string, { readonly numerator: bigint; readonly denominator: bigint }>;
  readonly quantityBuffer: number;
  readonly quantityMax: number | null;
  readonly batchSize: number;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly quotaSubmissions: number;
  readonly quotaWindowMs: number;
  readonly stuckFeedMs: number;
  readonly leaseMs: number;
  readonly submissionLeaseMs: number;
  readonly partitionPeerTtlMs: number;
  readonly pollIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly keepReportsMs: number;
  readonly issueLocale: string | null;
  readonly timeScale: number;
}

/** Amazon's limit of messages per `JSON_LISTINGS_FEED` document. */
export const MAX_FEED_MESSAGES = 25_000;
/** sellersync's default size limit of one feed document, in bytes (Amazon: about 10 MB). */
export const DEFAULT_MAX_FEED_BYTES = 10_000_000;

const CONDITIONS: readonly ListingCondition[] = [
  'new_new',
  'new_open_box',
  'new_oem',
  'refurbished_refurbished',
  'used_like_new',
  'used_very_good',
  'used_good',
  'used_acceptable',
  'collectible_like_new',
  'collectible_very_good',
  'collectible_good',
  'collectible_acceptable',
  'club_club',
];

const PRODUCT_TYPE = /^[A-Z][A-Z0-9_]{0,99}$/;
const LANGUAGE_TAG = /^[a-z]{2,3}_[A-Z]{2}$/;
const CHANNEL_CODE = /^[A-Z][A-Z0-9_]{1,49}$/;

function invalid(field: string, rule: string, value?: unknown): SellerSyncError {
  return new SellerSyncError({
    code: 'INVALID_OPTIONS',
    message: `createSellerSync: listings.${field} ${rule}${value === undefined ? '' : `; got ${describeValue(value)}`}.`,
    details: { field: `listings.${field}`, rule, ...(value === undefined ? {} : { value }) },
  });
}

interface NumberRule {
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** Smallest allowed value; durations (the default) must be greater than 0. */
  readonly min?: number;
  readonly max?: number;
}

function numberOption(value: unknown, field: string, fallback: number, rule: NumberRule = {}): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.integer ? Number.isInteger(value) : true) &&
    (rule.min === undefined ? value > 0 : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const kind = rule.integer ? 'a whole number' : 'a number';
    const lower = rule.min === undefined ? '> 0' : `≥ ${rule.min}`;
    throw invalid(field, `must be ${kind} ${lower}${rule.max === undefined ? '' : ` and ≤ ${rule.max}`}`, value);
  }
  return value as number;
}

/**
 * Checks the listings options against the account's marketplaces and fills in the defaults.
 * @throws SellerSyncError `INVALID_OPTIONS` naming the field (`listings.exchangeRates.EUR/GBP`).
 */
export function resolveListingsOptions(options: ListingsOptions | undefined, accountMarketplaceIds: readonly string[]): ResolvedListingsOptions {
  const o: ListingsOptions = options ?? {};
  if (typeof o !== 'object' || o === null) throw invalid('', 'must be an object', o);
  const timeScale = numberOption(o.timeScale, 'timeScale', 1);
  // whole milliseconds: times are stored in bigint columns
  const scaled = (ms: number) => Math.max(1, Math.round(ms / timeScale));

  const productType = o.productType ?? 'PRODUCT';
  if (typeof productType !== 'string' || !PRODUCT_TYPE.test(productType))
    throw invalid('productType', 'must be an Amazon product type such as PRODUCT or SHIRT', productType);
  const condition = o.condition ?? 'new_new';
  if (!CONDITIONS.includes(condition)) throw invalid('condition', `must be one of ${CONDITIONS.join(', ')}`, condition);
  const fulfillmentChannelCode = o.fulfillmentChannelCode ?? 'DEFAULT';
  if (typeof fulfillmentChannelCode !== 'string' || !CHANNEL_CODE.test(fulfillmentChannelCode))
    throw invalid('fulfillmentChannelCode', 'must be DEFAULT or an Amazon fulfilment network code such as AMAZON_EU', fulfillmentChannelCode);
  const rounding = o.rounding ?? 'half-up';
  if (!PRICE_ROUNDINGS.includes(rounding)) throw invalid('rounding', `must be one of ${PRICE_ROUNDINGS.join(', ')}`, rounding);

  const exchangeRates = new Map<string, { numerator: bigint; denominator: bigint }>();
  for (const [pair, rate] of Object.entries(o.exchangeRates ?? {})) {
    const match = /^([A-Z]{3})\/([A-Z]{3})$/.exec(pair);
    if (!match || !isCurrencyCode(match[1]) || !isCurrencyCode(match[2]))
      throw invalid(`exchangeRates["${pair}"]`, 'must be keyed FROM/TO with ISO 4217 codes, such as "EUR/GBP"', pair);
    const parsed = typeof rate === 'string' ? parseExchangeRate(rate) : null;
    if (!parsed) throw invalid(`exchangeRates["${pair}"]`, 'must be a positive decimal string such as "0.8621"', rate);
    exchangeRates.set(pair, parsed);
  }

  const configured = o.marketplaces ?? {};
  for (const id of Object.keys(configured))
    if (!accountMarketplaceIds.includes(id))
      throw invalid(`marketplaces.${id}`, `must be one of the account's marketplaces (${accountMarketplaceIds.join(', ')})`, id);
  const marketplaces = accountMarketplaceIds.map((marketplaceId): ResolvedMarketplace => {
    const settings = configured[marketplaceId] ?? {};
    const info = marketplaceInfo(marketplaceId);
    const field = `marketplaces.${marketplaceId}`;
    const currency = settings.currency ?? info?.currency;
    if (currency === undefined) throw invalid(`${field}.currency`, 'must be set for a marketplace sellersync does not know', currency);
    if (!isCurrencyCode(currency)) throw invalid(`${field}.currency`, 'must be an ISO 4217 code such as EUR', currency);
    const marketRounding = settings.rounding ?? rounding;
    if (!PRICE_ROUNDINGS.includes(marketRounding)) throw invalid(`${field}.rounding`, `must be one of ${PRICE_ROUNDINGS.join(', ')}`, marketRounding);
    const marketProductType = settings.productType ?? productType;
    if (!PRODUCT_TYPE.test(marketProductType)) throw invalid(`${field}.productType`, 'must be an Amazon product type such as PRODUCT', marketProductType);
    const languageTag = settings.languageTag ?? info?.languageTag ?? 'en_US';
    if (!LANGUAGE_TAG.test(languageTag)) throw invalid(`${field}.languageTag`, 'must be a language tag such as de_DE', languageTag);
    if (settings.enabled !== undefined && typeof settings.enabled !== 'boolean') throw invalid(`${field}.enabled`, 'must be true or false', settings.enabled);
    return { marketplaceId, enabled: settings.enabled ?? true, currency, rounding: marketRounding, productType: marketProductType, languageTag };
  });

  const withdrawFromRemovedMarketplaces = o.withdrawFromRemovedMarketplaces ?? false;
  if (typeof withdrawFromRemovedMarketplaces !== 'boolean') throw invalid('withdrawFromRemovedMarketplaces', 'must be true or false', withdrawFromRemovedMarketplaces);

  const createMissingListings = o.createMissingListings ?? true;
  if (typeof createMissingListings !== 'boolean') throw invalid('createMissingListings', 'must be true or false', createMissingListings);

  const quantityBuffer = numberOption(o.quantity?.buffer, 'quantity.buffer', 0, { integer: true, min: 0 });
  const quantityMax = o.quantity?.max === undefined ? null : numberOption(o.quantity.max, 'quantity.max', 0, { integer: true, min: 0 });
  const batchSize = numberOption(o.batchSize, 'batchSize', 20_000, { integer: true, min: 1, max: 1_000_000 });
  const maxMessages = numberOption(o.feedLimits?.maxMessages, 'feedLimits.maxMessages', MAX_FEED_MESSAGES, { integer: true, min: 1, max: MAX_FEED_MESSAGES });
  const maxBytes = numberOption(o.feedLimits?.maxBytes, 'feedLimits.maxBytes', DEFAULT_MAX_FEED_BYTES, { integer: true, min: 1_000, max: 10 * 1024 * 1024 });
  const quotaSubmissions = numberOption(o.feedQuota?.submissions, 'feedQuota.submissions', 5, { integer: true, min: 1 });
  const quotaWindowMs = scaled(numberOption(o.feedQuota?.windowMs, 'feedQuota.windowMs', 5 * 60_000));
  const stuckFeedMs = numberOption(o.stuckFeedMs, 'stuckFeedMs', 60 * 60_000);
  const leaseMs = numberOption(o.leaseMs, 'leaseMs', stuckFeedMs + 15 * 60_000);
  const submissionLeaseMs = numberOption(o.submissionLeaseMs, 'submissionLeaseMs', Math.min(5 * 60_000, leaseMs / 2));
  if (submissionLeaseMs >= leaseMs) throw invalid('submissionLeaseMs', 'must be shorter than leaseMs', submissionLeaseMs);
  const partitionPeerTtlMs = numberOption(o.partitionPeerTtlMs, 'partitionPeerTtlMs', 60 * 60_000);
  const pollIntervalMs = numberOption(o.poll?.intervalMs, 'poll.intervalMs', 15_000);
  const maxPollIntervalMs = numberOption(o.poll?.maxIntervalMs, 'poll.maxIntervalMs', Math.max(pollIntervalMs, 120_000));
  if (maxPollIntervalMs < pollIntervalMs) throw invalid('poll.maxIntervalMs', 'must be at least poll.intervalMs', maxPollIntervalMs);
  const retryBaseMs = numberOption(o.retry?.baseMs, 'retry.baseMs', 60_000);
  const retryMaxMs = numberOption(o.retry?.maxMs, 'retry.maxMs', Math.max(retryBaseMs, 60 * 60_000));
  const keepReportsMs = numberOption(o.keepReportsMs, 'keepReportsMs', 7 * 24 * 60 * 60_000);
  const issueLocale = o.issueLocale ?? null;
  if (issueLocale !== null && !LANGUAGE_TAG.test(issueLocale)) throw invalid('issueLocale', 'must be a locale such as en_US', issueLocale);

  return {
    productType,
    condition,
    fulfillmentChannelCode,
    marketplaces,
    withdrawFromRemovedMarketplaces,
    createMissingListings,
    exchangeRates,
    quantityBuffer,
    quantityMax,
    batchSize,
    maxMessages,
    maxBytes,
    quotaSubmissions,
    quotaWindowMs,
    stuckFeedMs: scaled(stuckFeedMs),
    leaseMs: scaled(leaseMs),
    submissionLeaseMs: scaled(submissionLeaseMs),
    partitionPeerTtlMs: scaled(partitionPeerTtlMs),
    pollIntervalMs: scaled(pollIntervalMs),
    maxPollIntervalMs: scaled(maxPollIntervalMs),
    retryBaseMs: scaled(retryBaseMs),
    retryMaxMs: scaled(retryMaxMs),
    keepReportsMs,
    issueLocale,
    timeScale,
  };
}
