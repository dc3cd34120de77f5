import type { Logger } from '../logger';
import type { AmazonAccountOptions } from '../sync/seller-sync-options';
import type {
  AmazonDocument,
  AmazonFeed,
  AmazonFeedDocument,
  AmazonFeedDocumentUpload,
  AmazonOrder,
  AmazonOrderIncludedData,
  AmazonReport,
  AmazonReportDocument,
  CatalogIdentifierType,
  CatalogSearchResult,
  ConfirmShipmentRequest,
  ListingsItem,
  ListingsItemSearchQuery,
  ListingsItemSearchResult,
  ListingsItemSubmissionResponse,
  SearchOrdersQuery,
  SearchOrdersResponse,
} from './amazon-types';

/**
 * The SP-API operations sellersync calls, named as the `amazon-sp-api` client names them
 * (`endpoint.operation`). Each has its own rate limiter.
 */
export type AmazonOperation =
  | 'feeds.createFeedDocument'
  | 'feeds.createFeed'
  | 'feeds.getFeed'
  | 'feeds.getFeeds'
  | 'feeds.cancelFeed'
  | 'feeds.getFeedDocument'
  | 'reports.createReport'
  | 'reports.getReport'
  | 'reports.getReportDocument'
  | 'listingsItems.getListingsItem'
  | 'listingsItems.putListingsItem'
  | 'listingsItems.patchListingsItem'
  | 'listingsItems.deleteListingsItem'
  | 'listingsItems.searchListingsItems'
  | 'catalogItems.searchCatalogItems'
  | 'orders.searchOrders'
  | 'orders.getOrder'
  | 'orders.confirmShipment';

/** A rate: `rate` requests per second refilling a bucket of `burst`. */
export interface RateLimit {
  readonly rate: number;
  readonly burst: number;
}

/** Bounded retries of 429, 5xx and network errors (p-retry with exponential backoff and jitter). */
export interface RetryOptions {
  /** Retries after the first attempt. Default 5. */
  readonly retries?: number;
  /** First backoff in ms. Default 1000. */
  readonly minTimeoutMs?: number;
  /** Longest backoff in ms. Default 60000. */
  readonly maxTimeoutMs?: number;
}

/** Options of `createAmazonGateway`. */
export interface AmazonGatewayOptions {
  readonly amazon: AmazonAccountOptions;
  /** Where lines go; secrets are redacted before they reach it. */
  readonly logger?: Logger;
  readonly retry?: RetryOptions;
  /**
   * Overrides of Amazon's default rate limits per operation; `false` turns the limiter off (for
   * benchmarks against the simulator). Limits then follow `x-amzn-RateLimit-Limit` answers.
   */
  readonly rateLimits?: Partial<Record<AmazonOperation, RateLimit>> | false;
  /** Divides every wait (rate limiter, backoff, polling) by this factor, to match a simulator's `timeScale`. Default 1. */
  readonly timeScale?: number;
  /** Timeout of one HTTP request in ms (not scaled by `timeScale`). Default 30000. */
  readonly requestTimeoutMs?: number;
  /** Timeout of one document upload or download in ms (not scaled by `timeScale`). Default 300000. */
  readonly documentTimeoutMs?: number;
}

/**
 * How long to wait for a feed or report, and how often to look. Durations are Amazon's time: the
 * gateway divides them by its `timeScale` like every other wait.
 */
export interface WaitOptions {
  /** After this many ms a feed or report still not done is an error (`FEED_STUCK`). Default 30 min. */
  readonly timeoutMs?: number;
  /** First poll interval in ms, growing with backoff. Default 15000. */
  readonly pollIntervalMs?: number;
  /** Longest poll interval in ms. Default 120000. */
  readonly maxPollIntervalMs?: number;
  /** Ends the wait at once with the signal's reason, also while a poll is waiting for its retries. */
  readonly signal?: AbortSignal;
}

/** What the gateway has done so far, for `status()` and benchmarks. */
export interface AmazonGatewayStats {
  /** HTTP requests sent per operation, retries included. */
  readonly calls: Readonly<Partial<Record<AmazonOperation | 'upload' | 'download' | 'token', number>>>;
  /** Retries after 429, 5xx or network errors. */
  readonly retries: number;
  /** 429 answers received. */
  readonly throttled: number;
}

/**
 * The one way sellersync talks to Amazon. Every call goes through the `amazon-sp-api` client with
 * its own retry loops off, a per-operation rate limiter that follows `x-amzn-RateLimit-Limit`, and
 * bounded retries with backoff and jitter for 429, 5xx and network errors. Failures are thrown as
 * `AmazonCallError` (HTTP status, Amazon's code, `isRetryable`); no secret appears in any error or
 * log line.
 */
export interface AmazonGateway {
  readonly sellerId: string;
  readonly region: AmazonAccountOptions['region'];
  readonly marketplaceIds: readonly string[];

  // feeds
  createFeedDocument(contentType: string): Promise<AmazonFeedDocumentUpload>;
  uploadFeedDocument(upload: AmazonFeedDocumentUpload, content: string | Uint8Array, contentType: string): Promise<void>;
  createFeed(input: {
    readonly feedType: string;
    readonly marketplaceIds: readonly string[];
    readonly inputFeedDocumentId: string;
    readonly feedOptions?: Readonly<Record<string, string>>;
  }): Promise<{ readonly feedId: string }>;
  getFeed(feedId: string): Promise<AmazonFeed>;
  /**
   * The seller's feeds of the last 90 days, a page at a time. `marketplaceIds` (at most 10,
   * Amazon's limit; more throw `AMAZON_INVALID_REQUEST` without sending anything) keeps the feeds of
   * those marketplaces; by default none are sent, so feeds of every marketplace come back. With
   * `nextToken` every other field is ignored.
   */
  getFeeds(query: {
    readonly feedTypes?: readonly string[];
    readonly marketplaceIds?: readonly string[];
    readonly processingStatuses?: readonly string[];
    readonly createdSince?: string;
    readonly pageSize?: number;
    readonly nextToken?: string;
  }): Promise<{ readonly feeds: readonly AmazonFeed[]; readonly nextToken?: string }>;
  cancelFeed(feedId: string): Promise<void>;
  getFeedDocument(feedDocumentId: string): Promise<AmazonFeedDocument>;
  /**
   * The whole submission: document, upload, feed. `onDocument` runs after the upload and before
   * `createFeed`, so a caller can record the document id first (crash safety).
   */
  submitFeed(input: {
    readonly feedType: string;
    readonly marketplaceIds: readonly string[];
    readonly content: string | Uint8Array;
    readonly contentType: string;
    readonly onDocument?: (feedDocumentId: string) => Promise<void> | void;
  }): Promise<{ readonly feedId: string; readonly feedDocumentId: string }>;
  /**
   * Polls a feed with backoff until DONE, CANCELLED or FATAL and returns it (it does not throw for
   * CANCELLED or FATAL: the caller decides). Throws `FEED_STUCK` after `timeoutMs`.
   */
  waitForFeed(feedId: string, options?: WaitOptions): Promise<AmazonFeed>;
  /** Downloads the result document of a finished feed as text (gunzipped when compressed). */
  getFeedResult(feed: AmazonFeed): Promise<string>;

  // reports
  createReport(input: {
    readonly reportType: string;
    readonly marketplaceIds: readonly string[];
    readonly dataStartTime?: string;
    readonly dataEndTime?: string;
  }): Promise<{ readonly reportId: string }>;
  getReport(reportId: string): Promise<AmazonReport>;
  /** Polls until DONE; throws `REPORT_FAILED` for CANCELLED/FATAL and `FEED_STUCK` after the timeout. */
  waitForReport(reportId: string, options?: WaitOptions): Promise<AmazonReport>;
  getReportDocument(reportDocumentId: string): Promise<AmazonReportDocument>;

  /**
   * Downloads a feed or report document as text: gunzipped when `compressionAlgorithm` is GZIP,
   * decoded with `charset` when given, else the charset of the answer's Content-Type (Amazon writes
   * some reports in windows-1252). Without a named charset, bytes that are valid UTF-8 are read as
   * UTF-8; only bytes that are not are read with `defaultCharset` (the marketplace's usual
   * encoding), or as UTF-8 when none is given.
   */
  downloadDocument(document: AmazonDocument, options?: { readonly charset?: string; readonly defaultCharset?: string }): Promise<string>;

  // listings items 2021-08-01
  getListingsItem(sku: string, options: { readonly marketplaceIds: readonly string[]; readonly includedData?: readonly string[] }): Promise<ListingsItem>;
  putListingsItem(
    sku: string,
    body: { readonly productType: string; readonly requirements?: string; readonly attributes: Readonly<Record<string, unknown>> },
    options: { readonly marketplaceIds: readonly string[]; readonly mode?: 'VALIDATION_PREVIEW' },
  ): Promise<ListingsItemSubmissionResponse>;
  patchListingsItem(
    sku: string,
    body: { readonly productType: string; readonly patches: readonly { readonly op: string; readonly path: string; readonly value?: unknown }[] },
    options: { readonly marketplaceIds: readonly string[]; readonly mode?: 'VALIDATION_PREVIEW' },
  ): Promise<ListingsItemSubmissionResponse>;
  deleteListingsItem(sku: string, options: { readonly marketplaceIds: readonly string[] }): Promise<ListingsItemSubmissionResponse>;
  /** The seller's listings by identifiers (up to 20 of one type) or, without identifiers, all of them page by page. */
  searchListingsItems(query: ListingsItemSearchQuery): Promise<ListingsItemSearchResult>;

  // catalog items 2022-04-01
  /** Up to 20 identifiers of one type in one marketplace. */
  searchCatalogItems(query: {
    readonly identifiers: readonly string[];
    readonly identifiersType: CatalogIdentifierType;
    readonly marketplaceId: string;
    readonly includedData?: readonly string[];
    readonly pageSize?: number;
    readonly pageToken?: string;
  }): Promise<CatalogSearchResult>;

  // orders
  searchOrders(query: SearchOrdersQuery): Promise<SearchOrdersResponse>;
  getOrder(orderId: string, options?: { readonly includedData?: readonly AmazonOrderIncludedData[] }): Promise<AmazonOrder>;
  /** Orders v0 `confirmShipment`; resolves on 204. A 400 throws an `AmazonCallError` that is not retryable. */
  confirmShipment(orderId: string, request: ConfirmShipmentRequest): Promise<void>;

  stats(): AmazonGatewayStats;
}
