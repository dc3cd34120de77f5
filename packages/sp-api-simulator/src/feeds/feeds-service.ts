import type { DocumentStore } from '../documents/document-store';
import type { FaultInjector } from '../http/faults';
import { JSON_LISTINGS_FEED_LIMIT } from '../http/operations';
import type { RateLimiter } from '../http/rate-limiter';
import { regionOf, type ApiRoute } from '../http/api-route';
import {
  SpApiError,
  decodeToken,
  encodeToken,
  invalidInput,
  json,
  jsonBody,
  notFound,
  queryInteger,
  queryList,
  queryValue,
  type SimRequest,
} from '../http/sim-http';
import type { ResolvedSimulatorOptions } from '../simulator-options';
import { isoTime, parseIsoDateTime, type Clock } from '../support/clock';
import type { IdSource } from '../support/ids';
import { findMarketplace } from '../support/marketplaces';
import type { Scheduler } from '../support/scheduler';
import { PROCESSED_FEED_TYPES, RETIRED_FEED_TYPES, UNSIMULATED_FEED_TYPES } from './feed-types';

export type ProcessingStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'CANCELLED' | 'FATAL';
const PROCESSING_STATUSES: readonly ProcessingStatus[] = ['IN_QUEUE', 'IN_PROGRESS', 'DONE', 'CANCELLED', 'FATAL'];

export interface FeedRecord {
  readonly feedId: string;
  readonly feedType: string;
  readonly marketplaceIds: readonly string[];
  readonly inputFeedDocumentId: string;
  readonly feedOptions?: Readonly<Record<string, string>>;
  readonly region: string;
  readonly createdTime: number;
  processingStatus: ProcessingStatus;
  processingStartTime?: number;
  processingEndTime?: number;
  resultFeedDocumentId?: string;
  /** Fault injection decided at createFeed. */
  readonly fate: 'normal' | 'stuck' | 'fatal';
  /** Why a feed ended FATAL (simulator bookkeeping, not in Amazon's answers). */
  fatalReason?: string;
  processingReport?: unknown;
  cancelTimer?: () => void;
}

/** A feed as `sim.state.feeds` shows it: Amazon's fields plus the documents. */
export interface SimulatedFeed {
  readonly feedId: string;
  readonly feedType: string;
  readonly marketplaceIds: readonly string[];
  readonly createdTime: string;
  readonly processingStatus: ProcessingStatus;
  readonly processingStartTime?: string;
  readonly processingEndTime?: string;
  readonly resultFeedDocumentId?: string;
  readonly inputFeedDocumentId: string;
  readonly feedOptions?: Readonly<Record<string, string>>;
  /** The uploaded document as text (UTF-8). */
  readonly input?: { readonly contentType: string; readonly content: string };
  /** The result document, uncompressed, as text. */
  readonly result?: { readonly contentType: string; readonly content: string };
  /** JSON_LISTINGS_FEED: the processing report as an object. */
  readonly processingReport?: unknown;
  readonly fatalReason?: string;
}

export interface FeedOutcome {
  readonly status: 'DONE' | 'FATAL';
  readonly result?: { readonly contentType: string; readonly content: Buffer };
  readonly processingReport?: unknown;
  readonly fatalReason?: string;
}

export type FeedProcessor = (feed: FeedRecord, content: Buffer) => FeedOutcome;

export interface FeedsService {
  readonly routes: readonly ApiRoute[];
  all(): FeedRecord[];
  get(feedId: string): FeedRecord | undefined;
  view(feed: FeedRecord): SimulatedFeed;
  /** Lets a stuck feed (fault `stuckFeedRate`) that is IN_PROGRESS finish now, as Amazon may hours late; false for any other feed. */
  finishStuck(feedId: string): boolean;
}

interface FeedsQuery {
  readonly feedTypes: readonly string[];
  readonly marketplaceIds: readonly string[];
  readonly processingStatuses: readonly string[];
  readonly createdSince: number;
  readonly createdUntil: number;
  readonly pageSize: number;
}

const KNOWN_FEED_TYPES = new Set<string>([...PROCESSED_FEED_TYPES, ...RETIRED_FEED_TYPES, ...UNSIMULATED_FEED_TYPES]);
const NINETY_DAYS = 90 * 24 * 3600 * 1000;

export function createFeedsService(context: {
  readonly options: ResolvedSimulatorOptions;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly scheduler: Scheduler;
  readonly documents: DocumentStore;
  readonly faults: FaultInjector;
  readonly rateLimiter: RateLimiter;
  readonly processors: Readonly<Record<string, FeedProcessor>>;
  readonly onError: (error: unknown) => void;
}): FeedsService {
  const { clock, ids, scheduler, documents, options } = context;
  const feeds = new Map<string, FeedRecord>();

  const render = (feed: FeedRecord) => ({
    feedId: feed.feedId,
    feedType: feed.feedType,
    marketplaceIds: [...feed.marketplaceIds],
    createdTime: isoTime(feed.createdTime),
    processingStatus: feed.processingStatus,
    ...(feed.processingStartTime !== undefined ? { processingStartTime: isoTime(feed.processingStartTime) } : {}),
    ...(feed.processingEndTime !== undefined ? { processingEndTime: isoTime(feed.processingEndTime) } : {}),
    ...(feed.resultFeedDocumentId !== undefined ? { resultFeedDocumentId: feed.resultFeedDocumentId } : {}),
  });

  const finish = (feed: FeedRecord) => {
    feed.processingEndTime = clock.now();
    const fatal = (reason: string) => {
      feed.processingStatus = 'FATAL';
      feed.fatalReason = reason;
    };
    if (feed.fate === 'fatal') return fatal('fault injection: fatalFeedRate');
    if (RETIRED_FEED_TYPES.includes(feed.feedType)) return fatal(`${feed.feedType} was retired by Amazon on 2025-07-31; use JSON_LISTINGS_FEED or the Listings Items API.`);
    const processor = context.processors[feed.feedType];
    if (!processor) return fatal(`the simulator does not process ${feed.feedType} feeds.`);
    const input = documents.get(feed.inputFeedDocumentId);
    if (input?.content === undefined) return fatal('the input feed document was never uploaded.');
    let outcome: FeedOutcome;
    try {
      outcome = processor(feed, input.content);
    } catch (error) {
      context.onError(error);
      return fatal(`processing failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    feed.processingStatus = outcome.status;
    if (outcome.fatalReason !== undefined) feed.fatalReason = outcome.fatalReason;
    if (outcome.processingReport !== undefined) feed.processingReport = outcome.processingReport;
    if (outcome.result) feed.resultFeedDocumentId = documents.createResultDocument('feed-result', feed.region, outcome.result.contentType, outcome.result.content, true).id;
  };

  const start = (feed: FeedRecord) => {
    feed.processingStatus = 'IN_PROGRESS';
    feed.processingStartTime = clock.now();
    delete feed.cancelTimer;
    if (feed.fate === 'stuck') return;
    scheduler.after(options.feedTiming.inProgressMs, () => finish(feed));
  };

  const feedOf = (feedId: string) => {
    const feed = feeds.get(feedId);
    if (!feed) throw notFound(`The feed ${feedId} does not exist.`);
    return feed;
  };

  const parseQuery = (request: SimRequest): { query: FeedsQuery; offset: number } => {
    const token = queryValue(request.query, 'nextToken');
    if (token !== undefined) {
      if ([...request.query.keys()].some((key) => key !== 'nextToken')) throw invalidInput('nextToken must be the only parameter when it is given.');
      const decoded = decodeToken<{ q: FeedsQuery; o: number }>(token, 'nextToken');
      if (typeof decoded?.o !== 'number' || typeof decoded.q !== 'object') throw invalidInput('Invalid nextToken.');
      return { query: decoded.q, offset: decoded.o };
    }
    const feedTypes = queryList(request.query, 'feedTypes');
    if (feedTypes.length === 0) throw invalidInput('Either feedTypes or nextToken is required.');
    if (feedTypes.length > 10) throw invalidInput('feedTypes takes at most 10 values.');
    const marketplaceIds = queryList(request.query, 'marketplaceIds');
    if (marketplaceIds.length > 10) throw invalidInput('marketplaceIds takes at most 10 values.');
    const processingStatuses = queryList(request.query, 'processingStatuses');
    for (const status of processingStatuses) if (!PROCESSING_STATUSES.includes(status as ProcessingStatus)) throw invalidInput(`Invalid processingStatuses value '${status}'.`);
    const date = (name: string, fallback: number) => {
      const raw = queryValue(request.query, name);
      if (raw === undefined) return fallback;
      const parsed = parseIsoDateTime(raw);
      if (parsed === undefined) throw invalidInput(`Invalid ${name}: '${raw}' is not an ISO 8601 date-time.`);
      return parsed;
    };
    const now = clock.now();
    return {
      query: {
        feedTypes,
        marketplaceIds,
        processingStatuses,
        createdSince: date('createdSince', now - NINETY_DAYS),
        createdUntil: date('createdUntil', now),
        pageSize: queryInteger(request.query, 'pageSize', 1, 100, 10),
      },
      offset: 0,
    };
  };

  const routes: ApiRoute[] = [
    {
      operation: 'feeds.createFeedDocument',
      method: 'POST',
      pattern: /^\/feeds\/2021-06-30\/documents$/,
      handle(request) {
        const body = jsonBody(request);
        if (typeof body.contentType !== 'string' || body.contentType.trim() === '') throw invalidInput("'contentType' is required.");
        const document = documents.createFeedDocument(regionOf(request), body.contentType);
        return json(201, { feedDocumentId: document.id, url: documents.presignedUrl(document) });
      },
    },
    {
      operation: 'feeds.getFeedDocument',
      method: 'GET',
      pattern: /^\/feeds\/2021-06-30\/documents\/([^/]+)$/,
      handle(request, [feedDocumentId]) {
        const document = documents.get(feedDocumentId!);
        if (!document || document.kind === 'report') throw notFound(`The feed document ${feedDocumentId} does not exist.`);
        const encoding = queryValue(request.query, 'enableContentEncodingUrlHeader') === 'true';
        return json(200, {
          feedDocumentId: document.id,
          url: documents.presignedUrl(document, { contentEncoding: encoding }),
          ...(document.compressed ? { compressionAlgorithm: 'GZIP' } : {}),
        });
      },
    },
    {
      operation: 'feeds.createFeed',
      method: 'POST',
      pattern: /^\/feeds\/2021-06-30\/feeds$/,
      handle(request) {
        const body = jsonBody(request);
        const { feedType, marketplaceIds, inputFeedDocumentId, feedOptions } = body;
        if (typeof feedType !== 'string' || feedType === '') throw invalidInput("'feedType' is required.");
        if (!Array.isArray(marketplaceIds) || marketplaceIds.length < 1 || marketplaceIds.length > 25 || marketplaceIds.some((id) => typeof id !== 'string'))
          throw invalidInput("'marketplaceIds' must list 1 to 25 marketplace ids.");
        for (const id of marketplaceIds as string[]) if (!findMarketplace(id)) throw invalidInput(`Invalid marketplaceId '${id}'.`);
        if (typeof inputFeedDocumentId !== 'string') throw invalidInput("'inputFeedDocumentId' is required.");
        const input = documents.get(inputFeedDocumentId);
        if (!input || input.kind !== 'feed') throw invalidInput(`Invalid inputFeedDocumentId '${inputFeedDocumentId}'.`);
        if (feedOptions !== undefined && (typeof feedOptions !== 'object' || feedOptions === null || Object.values(feedOptions).some((value) => typeof value !== 'string')))
          throw invalidInput("'feedOptions' must map names to strings.");
        if (!KNOWN_FEED_TYPES.has(feedType)) throw invalidInput(`Invalid feedType '${feedType}'.`);
        const region = regionOf(request);
        if (feedType === 'JSON_LISTINGS_FEED' && !context.rateLimiter.takeWindow(`JSON_LISTINGS_FEED|${region}`, JSON_LISTINGS_FEED_LIMIT.count, JSON_LISTINGS_FEED_LIMIT.windowMs))
          throw new SpApiError(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource: at most 5 JSON_LISTINGS_FEED submissions per 5 minutes per region.');
        const fate = context.faults.stuckFeed() ? 'stuck' : context.faults.fatalFeed() ? 'fatal' : 'normal';
        const feed: FeedRecord = {
          feedId: ids.feedId(),
          feedType,
          marketplaceIds: [...(marketplaceIds as string[])],
          inputFeedDocumentId,
          ...(feedOptions !== undefined ? { feedOptions: { ...(feedOptions as Record<string, string>) } } : {}),
          region,
          createdTime: clock.now(),
          processingStatus: 'IN_QUEUE',
          fate,
        };
        feeds.set(feed.feedId, feed);
        feed.cancelTimer = scheduler.after(options.feedTiming.inQueueMs, () => start(feed));
        return json(202, { feedId: feed.feedId });
      },
    },
    {
      operation: 'feeds.getFeed',
      method: 'GET',
      pattern: /^\/feeds\/2021-06-30\/feeds\/([^/]+)$/,
      handle: (_request, [feedId]) => json(200, render(feedOf(feedId!))),
    },
    {
      operation: 'feeds.cancelFeed',
      method: 'DELETE',
      pattern: /^\/feeds\/2021-06-30\/feeds\/([^/]+)$/,
      handle(_request, [feedId]) {
        const feed = feedOf(feedId!);
        if (feed.processingStatus !== 'IN_QUEUE')
          throw invalidInput(`The feed ${feed.feedId} cannot be cancelled: its processingStatus is ${feed.processingStatus}; only IN_QUEUE feeds can be cancelled.`);
        feed.cancelTimer?.();
        delete feed.cancelTimer;
        feed.processingStatus = 'CANCELLED';
        // Amazon answers 200 without a body (the model has no schema for it).
        return { status: 200, headers: { 'content-type': 'application/json' }, body: '' };
      },
    },
    {
      operation: 'feeds.getFeeds',
      method: 'GET',
      pattern: /^\/feeds\/2021-06-30\/feeds$/,
      handle(request) {
        const { query, offset } = parseQuery(request);
        const matching = [...feeds.values()]
          .filter(
            (feed) =>
              query.feedTypes.includes(feed.feedType) &&
              (query.marketplaceIds.length === 0 || feed.marketplaceIds.some((id) => query.marketplaceIds.includes(id))) &&
              (query.processingStatuses.length === 0 || query.processingStatuses.includes(feed.processingStatus)) &&
              feed.createdTime >= query.createdSince &&
              feed.createdTime <= query.createdUntil,
          )
          .sort((a, b) => b.createdTime - a.createdTime || Number(b.feedId) - Number(a.feedId));
        const page = matching.slice(offset, offset + query.pageSize);
        const next = offset + query.pageSize < matching.length ? encodeToken({ q: query, o: offset + query.pageSize }) : undefined;
        return json(200, { feeds: page.map(render), ...(next !== undefined ? { nextToken: next } : {}) });
      },
    },
  ];

  return {
    routes,
    all: () => [...feeds.values()],
    finishStuck(feedId) {
      const feed = feeds.get(feedId);
      if (feed?.fate !== 'stuck' || feed.processingStatus !== 'IN_PROGRESS') return false;
      finish(feed);
      return true;
    },
    get: (feedId) => feeds.get(feedId),
    view(feed) {
      const input = documents.get(feed.inputFeedDocumentId);
      const result = feed.resultFeedDocumentId !== undefined ? documents.get(feed.resultFeedDocumentId) : undefined;
      return {
        ...render(feed),
        inputFeedDocumentId: feed.inputFeedDocumentId,
        ...(feed.feedOptions ? { feedOptions: { ...feed.feedOptions } } : {}),
        ...(input?.content !== undefined ? { input: { contentType: input.contentType, content: input.content.toString('utf8') } } : {}),
        ...(result?.content !== undefined ? { result: { contentType: result.contentType, content: result.content.toString('utf8') } } : {}),
        ...(feed.processingReport !== undefined ? { processingReport: structuredClone(feed.processingReport) } : {}),
        ...(feed.fatalReason !== undefined ? { fatalReason: feed.fatalReason } : {}),
      };
    },
  };
}
