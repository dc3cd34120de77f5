import { SellingPartner } from 'amazon-sp-api';
import pRetry from 'p-retry';
import { SellerSyncError, describeValue } from '../errors';
import { createSafeLogger, type Logger, type SafeLogger } from '../logger';
import { AmazonCallError } from './amazon-call-error';
import {
  AmazonAttemptFailure,
  failureFromError,
  failureFromResponse,
  isExpiredTokenAnswer,
  mayHaveTakenEffect,
  sanitizeCause,
  sanitizeText,
  toAmazonCallError,
  type FailureContext,
} from './amazon-failure';
import type { AmazonGateway, AmazonGatewayOptions, AmazonGatewayStats, AmazonOperation, RateLimit, WaitOptions } from './amazon-gateway';
import type {
  AmazonDocument,
  AmazonFeed,
  AmazonFeedDocument,
  AmazonFeedDocumentUpload,
  AmazonOrder,
  AmazonProcessingStatus,
  AmazonReport,
  AmazonReportDocument,
  CatalogSearchResult,
  ListingsItem,
  ListingsItemSearchResult,
  ListingsItemSubmissionResponse,
  SearchOrdersResponse,
} from './amazon-types';
import { decodeDocument, transferDocument, type TransferAnswer } from './document-transfer';
import { createGatewayAgent, watchRequests, type RequestWatch } from './endpoint-agent';
import { AMAZON_DEFAULT_RATE_LIMITS, createRateLimiter, type RateLimiter } from './rate-limiter';

/** The API versions sellersync speaks; v0-only `confirmShipment` resolves through the client's version fallback. */
const ENDPOINT_VERSIONS = {
  orders: '2026-01-01',
  listingsItems: '2021-08-01',
  catalogItems: '2022-04-01',
  feeds: '2021-06-30',
  reports: '2021-06-30',
} as const;

const DEFAULTS = {
  retries: 5,
  minTimeoutMs: 1000,
  maxTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  documentTimeoutMs: 300_000,
  waitTimeoutMs: 30 * 60_000,
  pollIntervalMs: 15_000,
  maxPollIntervalMs: 120_000,
} as const;

/**
 * The limiter refills at 97 % of Amazon's rate and keeps one token of each burst in reserve:
 * requests released on time may still arrive a little early, and Amazon's bucket starts refilling
 * a network latency after ours.
 */
const RATE_HEADROOM = 0.97;

/** LWA access tokens live one hour of real time (also at a simulator's timeScale); get a new one a little before. */
const TOKEN_LIFETIME_MS = 55 * 60_000;

/** The part of the `amazon-sp-api` client the gateway uses (its own typings are too loose to help). */
interface SellingPartnerClient {
  callAPI(params: Record<string, unknown>): Promise<unknown>;
  refreshAccessToken(): Promise<void>;
  readonly access_token: string | undefined;
}

/** What the client returns with `raw_result: true`. */
interface RawResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly chunks: readonly Buffer[];
}

/** One SP-API call: which operation, with which parameters, about what. */
interface CallSpec {
  readonly operation: AmazonOperation;
  readonly path?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
  /** Names the thing the call is about in error messages. */
  readonly subject?: string;
  /**
   * Set for calls that are not idempotent (each one creates a feed or a report): they are sent
   * again only when the request certainly had no effect (429, 408, or not completely written);
   * otherwise the failure says `maybeCreated` and tells the caller to `check` first.
   */
  readonly creates?: { readonly thing: string; readonly check: string };
}

const TERMINAL: readonly AmazonProcessingStatus[] = ['DONE', 'CANCELLED', 'FATAL'];

/** The Feeds model's cap on getFeeds' marketplaceIds. */
const MAX_GET_FEEDS_MARKETPLACES = 10;

function invalidOption(field: string, rule: string, value?: unknown): SellerSyncError {
  const shown = value === undefined ? '' : `; got ${describeValue(value)}`;
  return new SellerSyncError({
    code: 'INVALID_OPTIONS',
    message: `createAmazonGateway: ${field} ${rule}${shown}.`,
    details: { field, rule, ...(value === undefined ? {} : { value }) },
  });
}

function positive(value: number | undefined, field: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw invalidOption(field, allowZero ? 'must be a number ≥ 0' : 'must be a number > 0', value);
  return value;
}

function validate(options: AmazonGatewayOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object');
  const amazon = options.amazon;
  if (typeof amazon !== 'object' || amazon === null) throw invalidOption('amazon', 'must be an object');
  if (!['na', 'eu', 'fe'].includes(amazon.region)) throw invalidOption('amazon.region', 'must be one of na, eu, fe', amazon.region);
  if (typeof amazon.sellerId !== 'string' || amazon.sellerId.length === 0) throw invalidOption('amazon.sellerId', 'must be the merchant token');
  if (!Array.isArray(amazon.marketplaceIds)) throw invalidOption('amazon.marketplaceIds', 'must be an array of marketplace ids');
  // secrets are checked for presence only, never quoted
  for (const field of ['refreshToken', 'clientId', 'clientSecret'] as const)
    if (typeof amazon[field] !== 'string' || amazon[field].length === 0) throw invalidOption(`amazon.${field}`, 'must be a non-empty string');
  if (amazon.endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(amazon.endpoint);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw invalidOption('amazon.endpoint', 'must be an http(s) URL such as http://127.0.0.1:8787', amazon.endpoint);
  }
  const retries = options.retry?.retries;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 50))
    throw invalidOption('retry.retries', 'must be a whole number from 0 to 50', retries);
  if (options.rateLimits !== undefined && options.rateLimits !== false) {
    for (const [operation, limit] of Object.entries(options.rateLimits as Record<string, RateLimit | undefined>)) {
      if (!(operation in AMAZON_DEFAULT_RATE_LIMITS)) throw invalidOption(`rateLimits.${operation}`, 'is not an operation of the gateway', operation);
      if (!limit || !(limit.rate > 0) || !Number.isFinite(limit.rate) || !Number.isInteger(limit.burst) || limit.burst < 1)
        throw invalidOption(`rateLimits.${operation}`, 'must be { rate > 0, burst ≥ 1 (whole number) }', limit);
    }
  }
}

function compact(query: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined {
  if (!query) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) out[key] = [...value];
    } else out[key] = value;
  }
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or the abort reason as soon as `signal` aborts (the work itself goes on, unobserved). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

// The client can leave a request pending forever (a connection dropped in the middle of an
// answer); a deadline of our own guarantees every attempt settles, and ends the request with it.
function withDeadline<T>(promise: Promise<T>, ms: number, what: string, watch?: RequestWatch): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error: NodeJS.ErrnoException = new Error(`${what} got no complete answer within ${ms} ms`);
      error.code = 'ETIMEDOUT';
      reject(error);
      watch?.request?.destroy(error);
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function headerValue(headers: RawResult['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Creates the one gateway through which sellersync calls Amazon (see {@link AmazonGateway}).
 *
 * The `amazon-sp-api` client is configured with explicit credentials (it never reads
 * `~/.amzspapi/credentials` or the environment), its own retry loops off, and an agent that keeps
 * connections alive, fails silent ones and, with `amazon.endpoint`, sends everything to that local
 * SP-API instead of Amazon.
 * @throws SellerSyncError `INVALID_OPTIONS` naming the wrong field (never quoting a secret).
 */
export function createAmazonGateway(options: AmazonGatewayOptions): AmazonGateway {
  validate(options);
  const amazon = options.amazon;
  const timeScale = positive(options.timeScale, 'timeScale', 1);
  const requestTimeoutMs = positive(options.requestTimeoutMs, 'requestTimeoutMs', DEFAULTS.requestTimeoutMs);
  const documentTimeoutMs = positive(options.documentTimeoutMs, 'documentTimeoutMs', DEFAULTS.documentTimeoutMs);
  const retries = options.retry?.retries ?? DEFAULTS.retries;
  const minTimeoutMs = positive(options.retry?.minTimeoutMs, 'retry.minTimeoutMs', DEFAULTS.minTimeoutMs, true);
  const maxTimeoutMs = Math.max(minTimeoutMs, positive(options.retry?.maxTimeoutMs, 'retry.maxTimeoutMs', DEFAULTS.maxTimeoutMs, true));

  const hostLogger = options.logger as (Logger & { addSecret?: (value: string) => void }) | undefined;
  const logger: SafeLogger = createSafeLogger(options.logger, [amazon.refreshToken, amazon.clientSecret]).child({
    component: 'amazon-gateway',
  });
  const redact = (text: string) => logger.redact(text);
  const addSecret = (value: string | undefined) => {
    if (!value) return;
    logger.addSecret(value);
    if (typeof hostLogger?.addSecret === 'function') hostLogger.addSecret(value);
  };

  const limiter: RateLimiter | null =
    options.rateLimits === false
      ? null
      : createRateLimiter({ limits: { ...AMAZON_DEFAULT_RATE_LIMITS, ...options.rateLimits }, timeScale, headroom: RATE_HEADROOM, reserve: 1 });

  const agent = createGatewayAgent(amazon.endpoint, requestTimeoutMs);
  let client: SellingPartnerClient;
  try {
    client = new SellingPartner({
      region: amazon.region,
      refresh_token: amazon.refreshToken,
      credentials: {
        SELLING_PARTNER_APP_CLIENT_ID: amazon.clientId,
        SELLING_PARTNER_APP_CLIENT_SECRET: amazon.clientSecret,
      },
      endpoints_versions: { ...ENDPOINT_VERSIONS },
      options: {
        auto_request_tokens: true,
        auto_request_throttled: false,
        retry_remote_timeout: false,
        version_fallback: true,
        use_sandbox: false,
        debug_log: false,
        return_as_payload: false,
        https_proxy_agent: agent as never,
      },
    }) as unknown as SellingPartnerClient;
  } catch (error) {
    throw new SellerSyncError({
      code: 'INVALID_OPTIONS',
      message: `createAmazonGateway: the amazon-sp-api client refused the options (${sanitizeCause(error, redact).message}).`,
      cause: sanitizeCause(error, redact),
    });
  }

  const calls: Partial<Record<AmazonOperation | 'upload' | 'download' | 'token', number>> = {};
  let retried = 0;
  let throttled = 0;
  const count = (key: AmazonOperation | 'upload' | 'download' | 'token') => {
    calls[key] = (calls[key] ?? 0) + 1;
  };

  // --------------------------------------------------------------------------- access tokens

  let tokenGeneration = 0;
  let tokenObtainedAt = Number.NEGATIVE_INFINITY;
  let tokenRequest: Promise<void> | undefined;

  /** Gets a new access token unless one newer than `generation` exists; concurrent callers share one request. */
  function refreshToken(generation: number): Promise<void> {
    if (tokenRequest) return tokenRequest;
    if (tokenGeneration !== generation) return Promise.resolve();
    tokenRequest = (async () => {
      count('token');
      try {
        await withDeadline(client.refreshAccessToken(), requestTimeoutMs, 'the access token request');
      } catch (error) {
        throw failureFromError(error, 'token', redact);
      }
      addSecret(client.access_token);
      tokenGeneration += 1;
      tokenObtainedAt = performance.now();
      logger.debug({ generation: tokenGeneration }, 'new LWA access token');
    })().finally(() => {
      tokenRequest = undefined;
    });
    return tokenRequest;
  }

  async function ensureToken(): Promise<number> {
    if (tokenRequest) await tokenRequest;
    const fresh = client.access_token && performance.now() - tokenObtainedAt < TOKEN_LIFETIME_MS;
    if (!fresh) await refreshToken(tokenGeneration);
    return tokenGeneration;
  }

  // ----------------------------------------------------------------------------- retries

  const willRetry = (error: unknown): error is AmazonAttemptFailure =>
    error instanceof AmazonAttemptFailure && error.isRetryable && !error.maybeProcessed;

  /** Runs `attempt` with the bounded retries; `signal` ends the attempts and the backoff at once with its reason. */
  async function withRetries<T>(context: Omit<FailureContext, 'attempts' | 'sellerId' | 'endpoint'>, attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let attempts = 0;
    try {
      return await pRetry(
        async () => {
          attempts += 1;
          return await untilAborted(attempt(), signal);
        },
        {
          ...(signal ? { signal } : {}),
          retries,
          factor: 2,
          minTimeout: minTimeoutMs / timeScale,
          maxTimeout: maxTimeoutMs / timeScale,
          randomize: true,
          shouldRetry: ({ error }) => willRetry(error),
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (willRetry(error) && retriesLeft > 0) {
              retried += 1;
              logger.warn(
                { operation: context.operation, attempt: attemptNumber, code: error.code, status: error.status, amazonCode: error.amazonCode },
                'amazon call failed; retrying',
              );
            }
          },
        },
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const failure = failureFromError(error, 'call', redact);
      const callError = toAmazonCallError(failure, { ...context, attempts, sellerId: amazon.sellerId, endpoint: amazon.endpoint });
      logger.warn(
        {
          operation: context.operation,
          code: callError.code,
          status: callError.status,
          amazonCode: callError.amazonCode,
          attempts,
          ...(callError.details['maybeCreated'] ? { maybeCreated: true } : {}),
        },
        callError.message,
      );
      throw callError;
    }
  }

  // ----------------------------------------------------------------------------- SP-API calls

  function observe(operation: AmazonOperation, result: RawResult): void {
    if (!limiter) return;
    const announced = headerValue(result.headers, 'x-amzn-ratelimit-limit');
    if (announced !== undefined) {
      const rate = Number(announced);
      if (limiter.adoptRate(operation, rate)) logger.debug({ operation, rate }, 'adopted the rate limit Amazon announced');
    }
    if (result.statusCode === 429) limiter.drain(operation);
  }

  /** One request; for a call that creates something, `watch` learns whether it was completely written. */
  async function send(spec: CallSpec, watch: RequestWatch): Promise<RawResult> {
    count(spec.operation);
    // a fresh parameter object per request: the client encodes path parameters in place
    const params = {
      operation: spec.operation,
      ...(spec.path ? { path: { ...spec.path } } : {}),
      ...(spec.query ? { query: compact(spec.query) } : {}),
      ...(spec.body === undefined ? {} : { body: spec.body }),
      options: { raw_result: true },
    };
    try {
      // the deadline inside the watch: the client's promise may never settle, the watch must end
      const request = () => withDeadline(client.callAPI(params), requestTimeoutMs, spec.operation, watch);
      return (await (spec.creates ? watchRequests(watch, request) : request())) as RawResult;
    } catch (error) {
      throw failureFromError(error, 'call', redact);
    }
  }

  /** One attempt of a call: limiter, token, request (and the replay after an expired token), answer. */
  async function attempt<T>(spec: CallSpec, watch: RequestWatch): Promise<T> {
    if (limiter) await limiter.acquire(spec.operation);
    const generation = await ensureToken();
    let result = await send(spec, watch);
    let body = Buffer.concat(result.chunks).toString('utf8');
    if (isExpiredTokenAnswer(result.statusCode, body)) {
      // the client refreshes on this answer only without raw_result: do it once here; the replay
      // is a request of its own, so it takes a token of its own. Amazon refused the first request,
      // so until the replay is sent nothing was written that Amazon may act on: a failing token
      // refresh must not look like a createFeed whose outcome is unknown
      watch.request = undefined;
      watch.written = false;
      await refreshToken(generation);
      if (limiter) await limiter.acquire(spec.operation);
      result = await send(spec, watch);
      body = Buffer.concat(result.chunks).toString('utf8');
    }
    observe(spec.operation, result);
    // successful calls are not logged one by one: a line per call would cost more than the call (see the bench)
    if (result.statusCode === 429) throttled += 1;
    if (result.statusCode < 200 || result.statusCode >= 300) throw failureFromResponse(result.statusCode, body, redact);
    if (result.statusCode === 204 || body.trim() === '') return undefined as T;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw new AmazonAttemptFailure({
        code: 'AMAZON_UNAVAILABLE',
        status: result.statusCode,
        amazonCode: null,
        amazonMessage: 'the answer was not the JSON the operation promises',
        isRetryable: true,
        cause: sanitizeCause(error, redact),
      });
    }
    // v0 operations wrap their result in `payload`; the newer versions do not
    const payload = (json as { payload?: unknown } | null)?.payload;
    return (payload !== undefined && payload !== null ? payload : json) as T;
  }

  async function call<T>(spec: CallSpec, signal?: AbortSignal): Promise<T> {
    const context = { operation: spec.operation, ...(spec.subject ? { subject: spec.subject } : {}), ...(spec.creates ? { creates: spec.creates } : {}) };
    return withRetries(context, async () => {
      const watch: RequestWatch = { written: false };
      try {
        return await attempt<T>(spec, watch);
      } catch (error) {
        // a second createFeed after a lost answer would be a second feed
        if (spec.creates && error instanceof AmazonAttemptFailure && error.isRetryable && mayHaveTakenEffect(error, watch.written))
          throw error.asMaybeProcessed();
        throw error;
      }
    }, signal);
  }

  // ------------------------------------------------------------------------------- documents

  async function transfer(kind: 'upload' | 'download', subject: string, request: Parameters<typeof transferDocument>[1]): Promise<TransferAnswer> {
    return withRetries({ operation: kind, subject }, async () => {
      count(kind);
      let answer: TransferAnswer;
      try {
        answer = await transferDocument(agent, request);
      } catch (error) {
        throw failureFromError(error, 'transfer', redact);
      }
      logger.debug({ operation: kind, status: answer.status, bytes: answer.body.length }, 'amazon document transfer');
      if (answer.status < 200 || answer.status >= 300) {
        const failure = failureFromResponse(answer.status, answer.body.toString('utf8'), redact);
        if (failure.code === 'AMAZON_AUTH_FAILED')
          throw new AmazonAttemptFailure({
            code: 'AMAZON_AUTH_FAILED',
            status: failure.status,
            amazonCode: failure.amazonCode,
            amazonMessage: `${failure.amazonMessage ?? 'access denied'}; presigned URLs expire after 5 minutes: get a new one (create or get the document again)`,
            isRetryable: false,
          });
        throw failure;
      }
      return answer;
    });
  }

  async function downloadDocument(document: AmazonDocument, downloadOptions?: { readonly charset?: string; readonly defaultCharset?: string }): Promise<string> {
    const subject = 'reportDocumentId' in document ? `report document ${String(document.reportDocumentId)}` : 'feedDocumentId' in document ? `feed document ${String(document.feedDocumentId)}` : 'a document';
    const answer = await transfer('download', subject, { method: 'GET', url: document.url, timeoutMs: documentTimeoutMs });
    try {
      return await decodeDocument(answer, {
        compressed: document.compressionAlgorithm === 'GZIP',
        ...(downloadOptions?.charset ? { charset: downloadOptions.charset } : {}),
        ...(downloadOptions?.defaultCharset ? { defaultCharset: downloadOptions.defaultCharset } : {}),
      });
    } catch (error) {
      throw new AmazonCallError({
        code: 'AMAZON_CALL_FAILED',
        message: `The ${subject} could not be read (${sanitizeText(error instanceof Error ? error.message : String(error), redact)}). Download it again; if this repeats, pass the charset explicitly.`,
        operation: 'download',
        status: answer.status,
        amazonCode: null,
        isRetryable: false,
        subject,
        cause: sanitizeCause(error, redact),
      });
    }
  }

  // -------------------------------------------------------------------------------- polling

  async function waitUntilDone<T extends { readonly processingStatus: AmazonProcessingStatus }>(
    kind: 'feed' | 'report',
    id: string,
    get: (signal: AbortSignal | undefined) => Promise<T>,
    waitOptions: WaitOptions | undefined,
  ): Promise<T> {
    const timeoutMs = positive(waitOptions?.timeoutMs, 'timeoutMs', DEFAULTS.waitTimeoutMs);
    let interval = positive(waitOptions?.pollIntervalMs, 'pollIntervalMs', DEFAULTS.pollIntervalMs) / timeScale;
    const maxInterval = Math.max(interval, positive(waitOptions?.maxPollIntervalMs, 'maxPollIntervalMs', DEFAULTS.maxPollIntervalMs) / timeScale);
    const limit = timeoutMs / timeScale;
    const signal = waitOptions?.signal;
    const started = performance.now();
    for (;;) {
      signal?.throwIfAborted();
      // the signal also ends a poll that is waiting for its retries
      const item = await get(signal);
      if (TERMINAL.includes(item.processingStatus)) return item;
      const elapsed = performance.now() - started;
      if (elapsed >= limit) {
        const minutes = Math.round((timeoutMs / 60_000) * 10) / 10;
        throw new SellerSyncError({
          code: 'FEED_STUCK',
          message: `Amazon's ${kind} ${id} is still ${item.processingStatus} after ${minutes} min; the gateway stopped waiting. Amazon may still finish it: look again later with get${kind === 'feed' ? 'Feed' : 'Report'}${kind === 'feed' ? ', or cancel it while it is IN_QUEUE' : ''}.`,
          details: { item: `${kind} ${id}`, field: 'processingStatus', rule: `must end within ${minutes} min`, value: item.processingStatus },
          isRetryable: true,
        });
      }
      // polls are spread a little so many waiting workers do not call in step
      const pause = Math.min(interval * (0.9 + Math.random() * 0.2), limit - elapsed);
      await sleep(Math.max(1, pause), signal);
      interval = Math.min(interval * 1.5, maxInterval);
    }
  }

  const getFeed = (feedId: string, signal?: AbortSignal) =>
    call<AmazonFeed>({ operation: 'feeds.getFeed', path: { feedId }, subject: `feed ${feedId}` }, signal);
  const getReport = (reportId: string, signal?: AbortSignal) =>
    call<AmazonReport>({ operation: 'reports.getReport', path: { reportId }, subject: `report ${reportId}` }, signal);

  // --------------------------------------------------------------------------------- gateway

  const gateway: AmazonGateway = {
    sellerId: amazon.sellerId,
    region: amazon.region,
    marketplaceIds: [...amazon.marketplaceIds],

    createFeedDocument: (contentType) =>
      call<AmazonFeedDocumentUpload>({ operation: 'feeds.createFeedDocument', body: { contentType }, subject: `a ${contentType} document` }),

    async uploadFeedDocument(upload, content, contentType) {
      const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      await transfer('upload', `feed document ${upload.feedDocumentId}`, {
        method: 'PUT',
        url: upload.url,
        headers: { 'Content-Type': contentType },
        body,
        timeoutMs: documentTimeoutMs,
      });
    },

    createFeed: (input) =>
      call<{ feedId: string }>({
        operation: 'feeds.createFeed',
        body: {
          feedType: input.feedType,
          marketplaceIds: [...input.marketplaceIds],
          inputFeedDocumentId: input.inputFeedDocumentId,
          ...(input.feedOptions ? { feedOptions: { ...input.feedOptions } } : {}),
        },
        subject: `a ${input.feedType} feed`,
        creates: {
          thing: 'feed',
          check: `look for it with getFeeds({ feedTypes: ['${input.feedType}'], createdSince: <just before this call> }) and submit again only if it is not there (a second feed of the same document is processed twice)`,
        },
      }).then((result) => ({ feedId: result.feedId })),

    getFeed: (feedId) => getFeed(feedId),

    async getFeeds(query) {
      const marketplaceIds = query.marketplaceIds ?? [];
      if (marketplaceIds.length > MAX_GET_FEEDS_MARKETPLACES)
        throw new AmazonCallError({
          code: 'AMAZON_INVALID_REQUEST',
          message: `feeds.getFeeds takes at most ${MAX_GET_FEEDS_MARKETPLACES} marketplaceIds (Amazon's limit); got ${marketplaceIds.length}. Ask for at most ${MAX_GET_FEEDS_MARKETPLACES} at a time, or for none (every marketplace).`,
          operation: 'feeds.getFeeds',
          status: null,
          amazonCode: null,
          isRetryable: false,
          attempts: 0,
        });
      const result = await call<{ feeds?: AmazonFeed[]; nextToken?: string }>({
        operation: 'feeds.getFeeds',
        query: query.nextToken
          ? { nextToken: query.nextToken }
          : {
              feedTypes: query.feedTypes,
              processingStatuses: query.processingStatuses,
              createdSince: query.createdSince,
              pageSize: query.pageSize,
              marketplaceIds,
            },
      });
      return { feeds: result?.feeds ?? [], ...(result?.nextToken ? { nextToken: result.nextToken } : {}) };
    },

    async cancelFeed(feedId) {
      await call<void>({ operation: 'feeds.cancelFeed', path: { feedId }, subject: `feed ${feedId}` });
    },

    getFeedDocument: (feedDocumentId) =>
      call<AmazonFeedDocument>({ operation: 'feeds.getFeedDocument', path: { feedDocumentId }, subject: `feed document ${feedDocumentId}` }),

    async submitFeed(input) {
      const upload = await gateway.createFeedDocument(input.contentType);
      await gateway.uploadFeedDocument(upload, input.content, input.contentType);
      if (input.onDocument) await input.onDocument(upload.feedDocumentId);
      const { feedId } = await gateway.createFeed({
        feedType: input.feedType,
        marketplaceIds: input.marketplaceIds,
        inputFeedDocumentId: upload.feedDocumentId,
      });
      logger.info({ feedId, feedType: input.feedType, feedDocumentId: upload.feedDocumentId }, 'feed submitted');
      return { feedId, feedDocumentId: upload.feedDocumentId };
    },

    waitForFeed: (feedId, waitOptions) => waitUntilDone('feed', feedId, (signal) => getFeed(feedId, signal), waitOptions),

    async getFeedResult(feed) {
      if (!feed.resultFeedDocumentId) {
        const finished = TERMINAL.includes(feed.processingStatus);
        throw new SellerSyncError({
          code: feed.processingStatus === 'CANCELLED' ? 'FEED_CANCELLED' : feed.processingStatus === 'FATAL' ? 'FEED_FATAL' : 'AMAZON_CALL_FAILED',
          message: finished
            ? `Amazon's feed ${feed.feedId} ended ${feed.processingStatus} without a result document; submit the feed again after checking its content.`
            : `Amazon's feed ${feed.feedId} is ${feed.processingStatus} and has no result yet; wait for it with waitForFeed first.`,
          details: { item: `feed ${feed.feedId}`, field: 'resultFeedDocumentId', rule: 'present once the feed is done', value: feed.processingStatus },
          isRetryable: !finished,
        });
      }
      const document = await gateway.getFeedDocument(feed.resultFeedDocumentId);
      return downloadDocument(document);
    },

    createReport: (input) =>
      call<{ reportId: string }>({
        operation: 'reports.createReport',
        body: {
          reportType: input.reportType,
          marketplaceIds: [...input.marketplaceIds],
          ...(input.dataStartTime ? { dataStartTime: input.dataStartTime } : {}),
          ...(input.dataEndTime ? { dataEndTime: input.dataEndTime } : {}),
        },
        subject: `a ${input.reportType} report`,
        creates: {
          thing: 'report',
          check: 'request the report again later if you need it now (a second report costs quota, nothing else)',
        },
      }).then((result) => ({ reportId: result.reportId })),

    getReport: (reportId) => getReport(reportId),

    async waitForReport(reportId, waitOptions) {
      const report = await waitUntilDone('report', reportId, (signal) => getReport(reportId, signal), waitOptions);
      if (report.processingStatus !== 'DONE')
        throw new SellerSyncError({
          code: 'REPORT_FAILED',
          message: `Amazon ended report ${reportId} (${report.reportType}) with ${report.processingStatus}${report.processingStatus === 'CANCELLED' ? ' (often: no data for the period)' : ''}; request a new report later.`,
          details: { item: `report ${reportId}`, field: 'processingStatus', rule: 'must end DONE', value: report.processingStatus },
          isRetryable: true,
        });
      return report;
    },

    getReportDocument: (reportDocumentId) =>
      call<AmazonReportDocument>({
        operation: 'reports.getReportDocument',
        path: { reportDocumentId },
        subject: `report document ${reportDocumentId}`,
      }),

    downloadDocument,

    getListingsItem: (sku, query) =>
      call<ListingsItem>({
        operation: 'listingsItems.getListingsItem',
        path: { sellerId: amazon.sellerId, sku },
        query: { marketplaceIds: query.marketplaceIds, includedData: query.includedData },
        subject: `SKU ${JSON.stringify(sku)}`,
      }),

    putListingsItem: (sku, body, query) =>
      call<ListingsItemSubmissionResponse>({
        operation: 'listingsItems.putListingsItem',
        path: { sellerId: amazon.sellerId, sku },
        query: { marketplaceIds: query.marketplaceIds, mode: query.mode },
        body: {
          productType: body.productType,
          ...(body.requirements ? { requirements: body.requirements } : {}),
          attributes: body.attributes,
        },
        subject: `SKU ${JSON.stringify(sku)}`,
      }),

    patchListingsItem: (sku, body, query) =>
      call<ListingsItemSubmissionResponse>({
        operation: 'listingsItems.patchListingsItem',
        path: { sellerId: amazon.sellerId, sku },
        query: { marketplaceIds: query.marketplaceIds, mode: query.mode },
        body: { productType: body.productType, patches: body.patches },
        subject: `SKU ${JSON.stringify(sku)}`,
      }),

    deleteListingsItem: (sku, query) =>
      call<ListingsItemSubmissionResponse>({
        operation: 'listingsItems.deleteListingsItem',
        path: { sellerId: amazon.sellerId, sku },
        query: { marketplaceIds: query.marketplaceIds },
        subject: `SKU ${JSON.stringify(sku)}`,
      }),

    async searchListingsItems(query) {
      const result = await call<Partial<ListingsItemSearchResult>>({
        operation: 'listingsItems.searchListingsItems',
        path: { sellerId: amazon.sellerId },
        query: {
          marketplaceIds: query.marketplaceIds,
          identifiers: query.identifiers,
          identifiersType: query.identifiersType,
          includedData: query.includedData,
          pageSize: query.pageSize,
          pageToken: query.pageToken,
        },
      });
      return { ...result, numberOfResults: result?.numberOfResults ?? 0, items: result?.items ?? [] };
    },

    async searchCatalogItems(query) {
      const result = await call<Partial<CatalogSearchResult>>({
        operation: 'catalogItems.searchCatalogItems',
        query: {
          identifiers: query.identifiers,
          identifiersType: query.identifiersType,
          marketplaceIds: [query.marketplaceId],
          includedData: query.includedData,
          pageSize: query.pageSize,
          pageToken: query.pageToken,
          // SKU identifiers belong to a seller
          ...(query.identifiersType === 'SKU' ? { sellerId: amazon.sellerId } : {}),
        },
        subject: `${query.identifiersType} ${query.identifiers.slice(0, 3).join(', ')}${query.identifiers.length > 3 ? ', …' : ''}`,
      });
      return { ...result, numberOfResults: result?.numberOfResults ?? 0, items: result?.items ?? [] };
    },

    async searchOrders(query) {
      const result = await call<Partial<SearchOrdersResponse>>({ operation: 'orders.searchOrders', query: { ...query } });
      return { ...result, orders: result?.orders ?? [] };
    },

    async getOrder(orderId, query) {
      const result = await call<{ order?: AmazonOrder } & Partial<AmazonOrder>>({
        operation: 'orders.getOrder',
        path: { orderId },
        query: { includedData: query?.includedData },
        subject: `order ${orderId}`,
      });
      // 2026-01-01 wraps the order in `order`
      return (result?.order ?? result) as AmazonOrder;
    },

    async confirmShipment(orderId, request) {
      await call<void>({
        operation: 'orders.confirmShipment',
        path: { orderId },
        body: request,
        subject: `order ${orderId} package ${request.packageDetail.packageReferenceId}`,
      });
    },

    stats(): AmazonGatewayStats {
      return { calls: { ...calls }, retries: retried, throttled };
    },
  };
  return gateway;
}
