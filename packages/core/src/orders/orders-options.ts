import type { Duration } from 'date-fns';
import type { AmazonFulfillmentStatus } from '../amazon-gateway';
import { SellerSyncError, describeValue } from '../errors';
import { MARKETPLACE_ID_PATTERN } from '../marketplaces';
import { marketplacePricesIncludeTax } from './order-totals';

/** Every order status of Orders 2026-01-01 (`fulfillment.fulfillmentStatus`). */
export const AMAZON_ORDER_STATUSES: readonly AmazonFulfillmentStatus[] = [
  'PENDING_AVAILABILITY',
  'PENDING',
  'UNSHIPPED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'CANCELLED',
  'UNFULFILLABLE',
];

/** An Amazon status → shop status map; statuses left out keep their default. */
export type OrderStatusMap = Partial<Readonly<Record<AmazonFulfillmentStatus, string>>>;

/** Default shop statuses of merchant-fulfilled (MFN) orders. */
export const DEFAULT_ORDER_STATUS_MAP: Readonly<Record<AmazonFulfillmentStatus, string>> = {
  PENDING_AVAILABILITY: 'pending',
  PENDING: 'pending',
  UNSHIPPED: 'processing',
  PARTIALLY_SHIPPED: 'partially-shipped',
  SHIPPED: 'shipped',
  CANCELLED: 'cancelled',
  UNFULFILLABLE: 'cancelled',
};

/** Default shop statuses of Amazon-fulfilled (FBA / AFN) orders: their own, so staff never ship them. */
export const DEFAULT_FBA_ORDER_STATUS_MAP: Readonly<Record<AmazonFulfillmentStatus, string>> = {
  PENDING_AVAILABILITY: 'fba-pending',
  PENDING: 'fba-pending',
  UNSHIPPED: 'fba-processing',
  PARTIALLY_SHIPPED: 'fba-processing',
  SHIPPED: 'fba-shipped',
  CANCELLED: 'cancelled',
  UNFULFILLABLE: 'cancelled',
};

/** Default payment status per Amazon status: Amazon charges the buyer when the order leaves Pending. */
export const DEFAULT_PAYMENT_STATUS_MAP: Readonly<Record<AmazonFulfillmentStatus, string>> = {
  PENDING_AVAILABILITY: 'pending',
  PENDING: 'pending',
  UNSHIPPED: 'paid',
  PARTIALLY_SHIPPED: 'paid',
  SHIPPED: 'paid',
  CANCELLED: 'cancelled',
  UNFULFILLABLE: 'cancelled',
};

/**
 * Order import settings (`createSellerSync({ orders })`). Every field is optional; the defaults
 * are listed per field and in docs/orders.md.
 */
export interface OrdersOptions {
  /** `false` turns order import off (`importOrders()` then does nothing). Default `true`. */
  readonly enabled?: boolean;
  /**
   * Marketplaces to import from; each must be one of the account's (of a partitioned worker: one of
   * its `partition.marketplaceIds`). Default: all of the account's (of a partitioned worker: its
   * partition's).
   */
  readonly marketplaceIds?: readonly string[];
  /**
   * How far back the first run of a marketplace looks (date-fns `Duration`, days or hours).
   * Default `{ days: 7 }`. Amazon returns nothing older than two years.
   */
  readonly lookBack?: Duration;
  /**
   * How much each run re-reads of the previous window, so an order Amazon indexed late is not
   * missed. Orders seen twice are recognised and ignored. Default `{ minutes: 5 }`.
   */
  readonly overlap?: Duration;
  /** `maxResultsPerPage` of `searchOrders`, 1 to 100. Default 100. */
  readonly pageSize?: number;
  /** Amazon status → shop status for merchant-fulfilled orders. Default {@link DEFAULT_ORDER_STATUS_MAP}. */
  readonly statusMap?: OrderStatusMap;
  /** Amazon status → shop status for FBA orders. Default {@link DEFAULT_FBA_ORDER_STATUS_MAP}. */
  readonly fbaStatusMap?: OrderStatusMap;
  /**
   * Amazon's ship service level (`fulfillment.fulfillmentServiceLevel`: `STANDARD`, `EXPEDITED`,
   * `NEXT_DAY`, ...) → shop carrier name. A level not in the map gets `defaultCarrier`. FBA orders
   * get neither: Amazon ships them, so their draft's carrier is always `null`.
   */
  readonly carrierMap?: Readonly<Record<string, string>>;
  /** The shop carrier of merchant-fulfilled orders whose level is not in `carrierMap`. Default `null` (the shop decides). */
  readonly defaultCarrier?: string | null;
  readonly payment?: {
    /** The shop's payment method name. Default `"Amazon"`. */
    readonly method?: string;
    /** Amazon's payment method (`CashOnDelivery`, `CreditCard`, ...) → shop payment method. */
    readonly methodMap?: Readonly<Record<string, string>>;
    /** Amazon status → shop payment status. Default {@link DEFAULT_PAYMENT_STATUS_MAP}. */
    readonly statusMap?: OrderStatusMap;
  };
  /**
   * Whether Amazon's item and shipping prices include tax: `true` (VAT/GST, tax inside the price),
   * `false` (sales tax added on top), or per marketplace id. Default by marketplace: `false` for
   * Amazon.com and Amazon.ca (`SALES_TAX_MARKETPLACE_IDS`), `true` for every other. Never guessed
   * from the order total.
   */
  readonly pricesIncludeTax?: boolean | Readonly<Record<string, boolean>>;
  /** Which identifier wins when an order line's ASIN and seller SKU name different products. Default `sku-first`. */
  readonly matchBy?: 'asin-first' | 'sku-first';
  /**
   * `true` (default): an order whose lines match no shop product is imported, the line kept by
   * name without a product (and noted). `false`: the whole order is skipped with the reason, and
   * imported by a later run once its products exist and Amazon updates it.
   */
  readonly importUnmatched?: boolean;
  /**
   * `true` (default): a merchant-fulfilled order whose lines match a shop product that is inactive
   * or has fewer units in stock than the line orders is imported (and noted). `false`: the order
   * is skipped with reason `unavailable`, and imported by a later run once Amazon updates it and
   * the products are available. FBA orders are never checked (Amazon holds their stock).
   */
  readonly importUnavailable?: boolean;
  /**
   * `true`: the customer's e-mail is a non-deliverable address derived from the order id
   * (`303-1234567-1234567@amazon-order.invalid`, under the reserved `.invalid` TLD), so the shop
   * never mails Amazon's buyers. Orders without a buyer e-mail (FBA) always get one. Default `false`.
   */
  readonly fakeEmail?: boolean;
  /** Domain of fake e-mails; must end in `.invalid`. Default `amazon-order.invalid`. */
  readonly fakeEmailDomain?: string;
  /** Tax id / DNI given to shops that require one (for example `"00000000T"`). Default `null`. */
  readonly fakeTaxId?: string | null;
  /** `true`: the shop finds (or creates) the customer by e-mail; `false` (default): a guest order. */
  readonly matchCustomersByEmail?: boolean;
  /** Import Amazon-fulfilled (FBA) orders, with their own status and never touching stock. Default `true`. */
  readonly importFba?: boolean;
  /** Name of the hidden placeholder product that carries unmatched FBA items. Default `"Amazon FBA item"`. */
  readonly fbaPlaceholderName?: string;
  /**
   * Acknowledge imported merchant-fulfilled orders to Amazon with the shop's order id
   * (`POST_ORDER_ACKNOWLEDGEMENT_DATA`). Default `false`.
   */
  readonly acknowledge?: boolean;
  /**
   * Wait for acknowledgement feeds at the end of the run instead of checking them at the start of
   * the next one. Default `false`.
   */
  readonly waitForFeeds?: boolean;
  /**
   * `true` (default): after the stock of a merchant-fulfilled order moved in the shop (reserved,
   * taken, given back), an `offer` change of each shop SKU concerned is queued for every marketplace
   * of the account, so the next `pushListings()` sends the new quantities (to mapped seller SKUs
   * too) instead of waiting for `reconcile()`. `false` for hosts whose offers sellersync does not
   * send (orders only, listings kept by another tool): nothing is queued, and nothing is sent by a
   * `runOnce()` they did not ask for.
   */
  readonly queueStockChanges?: boolean;
  /** How long an importer holds an order it works on before another may take it over. Default 120000 ms. */
  readonly leaseMs?: number;
  /** Attempts at an order the shop refused (adapter error) before it is left for a person. Default 8. */
  readonly maxAttempts?: number;
  /** Backoff between those attempts: `retryBaseMs · 2^(attempts-1)`, at most one day. Default 60000 ms. */
  readonly retryBaseMs?: number;
}

/** {@link OrdersOptions} with every default filled in. */
export interface ResolvedOrdersOptions {
  readonly enabled: boolean;
  readonly marketplaceIds: readonly string[];
  readonly lookBack: Duration;
  readonly overlap: Duration;
  readonly pageSize: number;
  readonly statusMap: Readonly<Record<AmazonFulfillmentStatus, string>>;
  readonly fbaStatusMap: Readonly<Record<AmazonFulfillmentStatus, string>>;
  readonly carrierMap: Readonly<Record<string, string>>;
  readonly defaultCarrier: string | null;
  readonly paymentMethod: string;
  readonly paymentMethodMap: Readonly<Record<string, string>>;
  readonly paymentStatusMap: Readonly<Record<AmazonFulfillmentStatus, string>>;
  /** Whether prices include tax, per marketplace id given in the option or imported; see {@link pricesIncludeTaxFor}. */
  readonly pricesIncludeTax: Readonly<Record<string, boolean>>;
  readonly matchBy: 'asin-first' | 'sku-first';
  readonly importUnmatched: boolean;
  readonly importUnavailable: boolean;
  readonly fakeEmail: boolean;
  readonly fakeEmailDomain: string;
  readonly fakeTaxId: string | null;
  readonly matchCustomersByEmail: boolean;
  readonly importFba: boolean;
  readonly fbaPlaceholderName: string;
  readonly acknowledge: boolean;
  readonly waitForFeeds: boolean;
  readonly queueStockChanges: boolean;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
}

function invalid(field: string, rule: string, value?: unknown): SellerSyncError {
  const shown = value === undefined ? '' : `; got ${describeValue(value)}`;
  return new SellerSyncError({
    code: 'INVALID_OPTIONS',
    message: `orders.${field} ${rule}${shown}.`,
    details: { field: `orders.${field}`, rule, ...(value === undefined ? {} : { value }) },
  });
}

const DURATION_UNITS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;

function checkDuration(field: string, value: Duration | undefined, fallback: Duration): Duration {
  if (value === undefined) return fallback;
  if (typeof value !== 'object' || value === null) throw invalid(field, 'must be a date-fns Duration such as { days: 7 }', value);
  let total = 0;
  for (const [unit, amount] of Object.entries(value)) {
    if (!(DURATION_UNITS as readonly string[]).includes(unit)) throw invalid(field, `has an unknown unit "${unit}"`, value);
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0)
      throw invalid(field, `must hold non-negative numbers (${unit})`, value);
    total += amount;
  }
  if (total === 0 && field === 'lookBack') throw invalid(field, 'must be longer than zero', value);
  return value;
}

function checkStatusMap(
  field: string,
  value: OrderStatusMap | undefined,
  defaults: Readonly<Record<AmazonFulfillmentStatus, string>>,
): Readonly<Record<AmazonFulfillmentStatus, string>> {
  if (value === undefined) return defaults;
  if (typeof value !== 'object' || value === null) throw invalid(field, 'must be an object of Amazon status → shop status', value);
  for (const [status, shopStatus] of Object.entries(value)) {
    if (!(AMAZON_ORDER_STATUSES as readonly string[]).includes(status))
      throw invalid(field, `has an unknown Amazon status "${status}" (known: ${AMAZON_ORDER_STATUSES.join(', ')})`);
    if (typeof shopStatus !== 'string' || shopStatus.length === 0) throw invalid(`${field}.${status}`, 'must be a non-empty string', shopStatus);
  }
  return { ...defaults, ...value };
}

function checkStringMap(field: string, value: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw invalid(field, 'must be an object of strings', value);
  for (const [key, mapped] of Object.entries(value))
    if (typeof mapped !== 'string' || mapped.length === 0) throw invalid(`${field}.${key}`, 'must be a non-empty string', mapped);
  return { ...value };
}

function checkBoolean(field: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(field, 'must be true or false', value);
  return value;
}

function checkPositiveInteger(field: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw invalid(field, `must be a whole number from 1 to ${max}`, value);
  return value;
}

/** Whether Amazon's prices of `marketplaceId` include tax under these options. */
export function pricesIncludeTaxFor(options: ResolvedOrdersOptions, marketplaceId: string): boolean {
  return options.pricesIncludeTax[marketplaceId] ?? marketplacePricesIncludeTax(marketplaceId);
}

/**
 * Checks order import options and fills in the defaults.
 * @param accountMarketplaceIds the marketplaces of the Amazon account (`amazon.marketplaceIds`).
 * @param partition the marketplaces of a partitioned worker (`createSellerSync({ partition })`), among the account's.
 * @throws SellerSyncError `INVALID_OPTIONS` naming the first wrong field.
 */
export function resolveOrdersOptions(
  options: OrdersOptions | undefined,
  accountMarketplaceIds: readonly string[],
  partition?: readonly string[],
): ResolvedOrdersOptions {
  const o: OrdersOptions = options ?? {};
  if (typeof o !== 'object' || o === null) throw invalid('options', 'must be an object', o);
  const own = partition ? accountMarketplaceIds.filter((id) => partition.includes(id)) : accountMarketplaceIds;
  let marketplaceIds = [...own];
  if (o.marketplaceIds !== undefined) {
    if (!Array.isArray(o.marketplaceIds) || o.marketplaceIds.length === 0) throw invalid('marketplaceIds', 'must list at least one marketplace id');
    for (const id of o.marketplaceIds) {
      if (typeof id !== 'string' || !MARKETPLACE_ID_PATTERN.test(id)) throw invalid('marketplaceIds', 'must hold Amazon marketplace ids', id);
      if (!accountMarketplaceIds.includes(id)) throw invalid('marketplaceIds', "must be among the account's amazon.marketplaceIds", id);
      // another worker imports that marketplace: importing it here too spends its searchOrders quota twice
      if (!own.includes(id)) throw invalid('marketplaceIds', "must be among this worker's partition.marketplaceIds", id);
    }
    marketplaceIds = [...new Set(o.marketplaceIds)];
  }
  if (o.matchBy !== undefined && o.matchBy !== 'asin-first' && o.matchBy !== 'sku-first')
    throw invalid('matchBy', 'must be "asin-first" or "sku-first"', o.matchBy);
  if (o.defaultCarrier !== undefined && o.defaultCarrier !== null && (typeof o.defaultCarrier !== 'string' || o.defaultCarrier === ''))
    throw invalid('defaultCarrier', 'must be a non-empty string or null', o.defaultCarrier);
  const fakeEmailDomain = o.fakeEmailDomain ?? 'amazon-order.invalid';
  if (typeof fakeEmailDomain !== 'string' || !/^([a-z0-9-]+\.)*invalid$/i.test(fakeEmailDomain))
    throw invalid('fakeEmailDomain', 'must be a domain under the reserved .invalid TLD (RFC 2606), such as amazon-order.invalid', fakeEmailDomain);
  if (o.fakeTaxId !== undefined && o.fakeTaxId !== null && (typeof o.fakeTaxId !== 'string' || o.fakeTaxId === ''))
    throw invalid('fakeTaxId', 'must be a non-empty string or null', o.fakeTaxId);
  const payment = o.payment ?? {};
  if (payment.method !== undefined && (typeof payment.method !== 'string' || payment.method === ''))
    throw invalid('payment.method', 'must be a non-empty string', payment.method);
  const pricesIncludeTax: Record<string, boolean> = {};
  // every marketplace of the account: an order of one not searched may still be finished (resumed, updated)
  for (const id of accountMarketplaceIds) pricesIncludeTax[id] = typeof o.pricesIncludeTax === 'boolean' ? o.pricesIncludeTax : marketplacePricesIncludeTax(id);
  if (o.pricesIncludeTax !== undefined && typeof o.pricesIncludeTax !== 'boolean') {
    if (typeof o.pricesIncludeTax !== 'object' || o.pricesIncludeTax === null || Array.isArray(o.pricesIncludeTax))
      throw invalid('pricesIncludeTax', 'must be true, false or an object of marketplace id → true/false', o.pricesIncludeTax);
    for (const [id, included] of Object.entries(o.pricesIncludeTax)) {
      if (!MARKETPLACE_ID_PATTERN.test(id)) throw invalid('pricesIncludeTax', 'must be keyed by Amazon marketplace ids', id);
      if (typeof included !== 'boolean') throw invalid(`pricesIncludeTax.${id}`, 'must be true or false', included);
      pricesIncludeTax[id] = included;
    }
  }
  const fbaPlaceholderName = o.fbaPlaceholderName ?? 'Amazon FBA item';
  if (typeof fbaPlaceholderName !== 'string' || fbaPlaceholderName.trim() === '')
    throw invalid('fbaPlaceholderName', 'must be a non-empty string', fbaPlaceholderName);
  return {
    enabled: checkBoolean('enabled', o.enabled, true),
    marketplaceIds,
    lookBack: checkDuration('lookBack', o.lookBack, { days: 7 }),
    overlap: checkDuration('overlap', o.overlap, { minutes: 5 }),
    pageSize: checkPositiveInteger('pageSize', o.pageSize, 100, 100),
    statusMap: checkStatusMap('statusMap', o.statusMap, DEFAULT_ORDER_STATUS_MAP),
    fbaStatusMap: checkStatusMap('fbaStatusMap', o.fbaStatusMap, DEFAULT_FBA_ORDER_STATUS_MAP),
    carrierMap: checkStringMap('carrierMap', o.carrierMap),
    defaultCarrier: o.defaultCarrier ?? null,
    paymentMethod: payment.method ?? 'Amazon',
    paymentMethodMap: checkStringMap('payment.methodMap', payment.methodMap),
    paymentStatusMap: checkStatusMap('payment.statusMap', payment.statusMap, DEFAULT_PAYMENT_STATUS_MAP),
    pricesIncludeTax,
    matchBy: o.matchBy ?? 'sku-first',
    importUnmatched: checkBoolean('importUnmatched', o.importUnmatched, true),
    importUnavailable: checkBoolean('importUnavailable', o.importUnavailable, true),
    fakeEmail: checkBoolean('fakeEmail', o.fakeEmail, false),
    fakeEmailDomain: fakeEmailDomain.toLowerCase(),
    fakeTaxId: o.fakeTaxId ?? null,
    matchCustomersByEmail: checkBoolean('matchCustomersByEmail', o.matchCustomersByEmail, false),
    importFba: checkBoolean('importFba', o.importFba, true),
    fbaPlaceholderName,
    acknowledge: checkBoolean('acknowledge', o.acknowledge, false),
    waitForFeeds: checkBoolean('waitForFeeds', o.waitForFeeds, false),
    queueStockChanges: checkBoolean('queueStockChanges', o.queueStockChanges, true),
    leaseMs: checkPositiveInteger('leaseMs', o.leaseMs, 120_000),
    maxAttempts: checkPositiveInteger('maxAttempts', o.maxAttempts, 8, 1000),
    retryBaseMs: checkPositiveInteger('retryBaseMs', o.retryBaseMs, 60_000),
  };
}
