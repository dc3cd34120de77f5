import type { Knex } from 'knex';
import { SellerSyncError, describeValue } from '../errors';
import type { AmazonGatewayOptions } from '../amazon-gateway/amazon-gateway';
import type { ListingsOptions } from '../listings/listings-options';
import type { Logger } from '../logger';
import type { MatchingOptions } from '../matching/matching-options';
import type { OrdersOptions } from '../orders/orders-options';
import type { ShipmentsOptions } from '../shipments/shipments-options';
import { MARKETPLACE_ID_PATTERN, marketplaceInfo, type AmazonRegion } from '../marketplaces';
import type { ShopAdapter } from '../shop-adapter';
import { assertShopAdapter } from '../shop-adapter';
import { resolveTableNames } from '../database/table-names';

/** The Amazon seller account a sync object works for. */
export interface AmazonAccountOptions {
  /** The SP-API region of the marketplaces: `na`, `eu` or `fe`. */
  readonly region: AmazonRegion;
  /** The seller's merchant token (Seller Central → Account info → Merchant token). */
  readonly sellerId: string;
  /**
   * The marketplaces of the account, all in `region`: every one it sells on, also when several
   * workers share the account (each names its own in `partition`). A marketplace left out is one
   * the account dropped: with a `partition`, offers Amazon still holds there are withdrawn (see
   * `listings.withdrawFromRemovedMarketplaces`).
   */
  readonly marketplaceIds: readonly string[];
  /** LWA refresh token of the seller's authorisation. A secret: never logged. */
  readonly refreshToken: string;
  /** LWA client id of the app. */
  readonly clientId: string;
  /** LWA client secret of the app. A secret: never logged. */
  readonly clientSecret: string;
  /**
   * Base URL of a local SP-API (the sellersync simulator, `http://127.0.0.1:PORT`) to use instead
   * of Amazon. Omit in production.
   */
  readonly endpoint?: string;
}

/** A worker's share of its account when several workers split the account by marketplace. */
export interface SellerSyncPartition {
  /** The marketplaces this worker works on: at least one, each among `amazon.marketplaceIds`. */
  readonly marketplaceIds: readonly string[];
}

/** Options of `createSellerSync`. */
export interface SellerSyncOptions {
  /** Where sellersync keeps its tables (usually the shop's database); run `migrate` on it first. */
  readonly db: Knex;
  /** The shop adapter. */
  readonly shop: ShopAdapter;
  readonly amazon: AmazonAccountOptions;
  /** Names this account in sellersync's tables; changes queued without one go to `"default"`. */
  readonly accountId?: string;
  /** Prefix of sellersync's tables, as given to `migrate`. Default `sellersync_`. */
  readonly tablePrefix?: string;
  /**
   * This worker process's name in leases. It SHOULD stay the same across restarts of one process
   * (a restarted worker then resumes its own feeds at once; under another name it waits for
   * `listings.submissionLeaseMs`, 5 minutes by default, and for `listings.leaseMs` for entries it
   * had claimed but not yet recorded in a feed) and MUST differ between processes running at the
   * same time. Default: host name and process id, which is unique but changes at every restart.
   */
  readonly workerId?: string;
  /**
   * Work partitioned by marketplace (docs/listings-sync.md, "Workers partitioned by marketplace"): several worker processes share one account and
   * one database, each with its own `partition.marketplaceIds` (a non-empty subset of
   * `amazon.marketplaceIds`, which still lists every marketplace of the account). The workers'
   * partitions should cover the account without overlapping. A partitioned worker:
   *
   * - claims only change-log entries of its marketplaces, entries for every marketplace (`"*"`, what
   *   `enqueueChange` queues without a `marketplaceId`) and entries of marketplaces the account
   *   dropped; a `"*"` entry is first expanded, in one transaction, into one entry per marketplace
   *   of the account and acknowledged, so every worker's marketplaces get the change;
   * - sends, withdraws and reconciles only on its marketplaces (and withdraws on marketplaces the
   *   account dropped), never on another worker's; `pushListings({ untilDrained: true })` waits for
   *   its own entries and feeds only;
   * - imports orders, resumes and acknowledges them, confirms shipments, syncs active listings and
   *   matches the catalog for its marketplaces only, so no two workers spend one quota twice.
   *
   * Omitted: the sync works on every marketplace of the account, and sends `"*"` entries to all of
   * them.
   */
  readonly partition?: SellerSyncPartition;
  /** pino-compatible logger; secrets are redacted before anything reaches it. */
  readonly logger?: Logger;
  /** Listings sync settings (feeds, prices per marketplace, quantity buffer, quota); see `ListingsOptions`. */
  readonly listings?: ListingsOptions;
  /** Order import settings (look-back, status/carrier/payment maps, FBA, fake e-mail, acknowledgement, ...); see `OrdersOptions`. */
  readonly orders?: OrdersOptions;
  /** Shipment confirmation settings (shipped statuses, carrier map, per-package or bulk feed, retries); see `ShipmentsOptions`. */
  readonly shipments?: ShipmentsOptions;
  /** Catalog matching settings (match priority, auto-create, report charset). */
  readonly matching?: MatchingOptions;
  /** The time source (ms since the epoch); tests pass a fake one. Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * Settings of the Amazon gateway (retries, rate limits, timeouts, `timeScale` to match a
   * simulator's); see `AmazonGatewayOptions`.
   */
  readonly gateway?: Partial<Omit<AmazonGatewayOptions, 'amazon' | 'logger'>>;
}

const REGIONS: readonly AmazonRegion[] = ['na', 'eu', 'fe'];

function invalid(field: string, rule: string, value?: unknown): SellerSyncError {
  const shown = value === undefined ? '' : `; got ${describeValue(value)}`;
  return new SellerSyncError({
    code: 'INVALID_OPTIONS',
    message: `createSellerSync: ${field} ${rule}${shown}.`,
    details: { field, rule, ...(value === undefined ? {} : { value }) },
  });
}

/**
 * Checks the options of `createSellerSync` and names the first field that is wrong. Secret
 * values (refresh token, client secret) are never quoted in errors.
 */
export function validateSellerSyncOptions(options: SellerSyncOptions): void {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
  const db: unknown = options.db;
  if (typeof db !== 'function' || (db as { client?: unknown }).client === undefined) throw invalid('db', 'must be a knex instance');
  assertShopAdapter(options.shop);
  resolveTableNames(options.tablePrefix);
  const amazon = options.amazon;
  if (typeof amazon !== 'object' || amazon === null) throw invalid('amazon', 'must be an object');
  if (!REGIONS.includes(amazon.region)) throw invalid('amazon.region', `must be one of ${REGIONS.join(', ')}`, amazon.region);
  if (typeof amazon.sellerId !== 'string' || !/^[A-Z0-9]{8,20}$/.test(amazon.sellerId))
    throw invalid('amazon.sellerId', 'must be the merchant token (8 to 20 upper-case letters and digits)', amazon.sellerId);
  if (!Array.isArray(amazon.marketplaceIds) || amazon.marketplaceIds.length === 0)
    throw invalid('amazon.marketplaceIds', 'must list at least one marketplace id');
  for (const id of amazon.marketplaceIds) {
    if (typeof id !== 'string' || !MARKETPLACE_ID_PATTERN.test(id))
      throw invalid('amazon.marketplaceIds', 'must hold Amazon marketplace ids such as A1PA6795UKMFR9', id);
    const info = marketplaceInfo(id);
    if (info && info.region !== amazon.region)
      throw invalid('amazon.marketplaceIds', `must all be in region "${amazon.region}"; ${id} (${info.country}) is in "${info.region}"`, id);
  }
  for (const field of ['refreshToken', 'clientId', 'clientSecret'] as const)
    if (typeof amazon[field] !== 'string' || amazon[field].length === 0) throw invalid(`amazon.${field}`, 'must be a non-empty string');
  if (amazon.endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(amazon.endpoint);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw invalid('amazon.endpoint', 'must be an http(s) URL such as http://127.0.0.1:8787', amazon.endpoint);
  }
  if (options.accountId !== undefined && (typeof options.accountId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(options.accountId)))
    throw invalid('accountId', 'must be 1 to 64 letters, digits, ".", "_" or "-"', options.accountId);
  const partition: unknown = options.partition;
  if (partition !== undefined) {
    if (typeof partition !== 'object' || partition === null || Array.isArray(partition))
      throw invalid('partition', 'must be an object such as { marketplaceIds: ["A1PA6795UKMFR9"] }', partition);
    const ids: unknown = (partition as { marketplaceIds?: unknown }).marketplaceIds;
    const rule = `must list at least one of the account's marketplaces (amazon.marketplaceIds: ${amazon.marketplaceIds.join(', ')})`;
    if (!Array.isArray(ids) || ids.length === 0) throw invalid('partition.marketplaceIds', rule, ids);
    for (const id of ids)
      if (typeof id !== 'string' || !amazon.marketplaceIds.includes(id))
        throw invalid(
          'partition.marketplaceIds',
          `must be among amazon.marketplaceIds (${amazon.marketplaceIds.join(', ')}), which lists every marketplace of the account; add it there too`,
          id,
        );
  }
}
