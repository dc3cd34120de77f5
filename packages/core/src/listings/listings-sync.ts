import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { AmazonFeed, AmazonGateway } from '../amazon-gateway';
import {
  ALL_MARKETPLACES,
  enqueueChange,
  skuProblem,
  type ChangeFailure,
  type ChangeInput,
  type ChangeKind,
  type ChangeLogStore,
  type ClaimedChange,
} from '../change-log';
import { retryOnDeadlock } from '../database/dialect';
import { SellerSyncError, describeValue } from '../errors';
import { keepLeaseAlive } from '../orders/keep-lease-alive';
import type { SafeLogger } from '../logger';
import { hasCapability, type ShopAdapter, type ShopListingData, type ShopProduct } from '../shop-adapter';
import {
  buildListingMessage,
  buildListingOffer,
  buildWithdrawalMessage,
  decideListingMode,
  offerHash,
  withdrawnOfferHash,
  type ListingMode,
  type QueuedKinds,
} from './feed-builder';
import { LISTINGS_FEED_CONTENT_TYPE, LISTINGS_FEED_TYPE, createFeedDocumentSplitter, type FeedDocumentSplitter } from './feed-document';
import { renderFeedPreviewXml } from './feed-preview';
import {
  createFeedSubmissionStore,
  createListingStateStore,
  stateKey,
  type FeedBatchRecord,
  type FeedMessageRecord,
  type FeedQuota,
  type FeedSubmission,
  type FeedSummary,
  type ListingState,
  type NewFeedMessage,
  type NewFeedSubmission,
} from './feed-submission-store';
import { describeListingProblems, listingSkuProblem, type ListingProblem } from './listing-validation';
import type { ResolvedListingsOptions, ResolvedMarketplace } from './listings-options';
import { createPartitionPeers } from './partition-peers';
import { parseProcessingReport } from './processing-report';
import { mappingsByProduct, productKey, sellerSkusOn, type ListingMapping } from './seller-skus';

export type { ListingMapping } from './seller-skus';

/**
 * The mapping table (`ProductMappingStore` satisfies it): ASINs for offers on existing listings,
 * and seller SKUs other than the shop's SKU for one shop product (per marketplace, MFN or AFN).
 */
export interface ListingMappingSource {
  findBySellerSkus(skus: readonly string[], marketplaceId?: string): Promise<readonly ListingMapping[]>;
  findByProductRefs(productRefs: readonly string[], marketplaceId?: string): Promise<readonly ListingMapping[]>;
}

/** What the listings sync is built from (`createSellerSync` wires it). */
export interface ListingsSyncDependencies {
  readonly db: Knex;
  readonly shop: ShopAdapter;
  readonly gateway: AmazonGateway;
  readonly changeLog: ChangeLogStore;
  readonly options: ResolvedListingsOptions;
  readonly accountId: string;
  readonly sellerId: string;
  readonly region: string;
  readonly tablePrefix?: string;
  readonly workerId: string;
  readonly logger: SafeLogger;
  readonly clock: () => number;
  /** The mapping table: known ASINs, and mapped seller SKUs that get the offer of their shop product. */
  readonly mappings?: ListingMappingSource;
  /**
   * The marketplaces this worker works on (`createSellerSync({ partition })`), among the account's
   * (`options.marketplaces`). Omitted: every marketplace of the account. A partitioned worker claims
   * only its marketplaces' entries (and `"*"` ones, which it expands first, and those of marketplaces
   * the account dropped), sends, withdraws and reconciles only there, and drains only those.
   */
  readonly partition?: readonly string[];
}

/** Options of `pushListings`. */
export interface PushListingsOptions {
  /**
   * Keep working (polling, then claiming) until nothing is queued, due for a retry or in flight,
   * for demos, tests and one-off runs. Default `false`: one pass, as a scheduler tick does.
   */
  readonly untilDrained?: boolean;
  /** With `untilDrained`: stop waiting after this many ms of real time. Default 10 minutes. */
  readonly timeoutMs?: number;
}

/** What `pushListings` did. */
export interface PushListingsResult {
  /** Passes made (1 without `untilDrained`). */
  readonly passes: number;
  /** Change-log entries claimed (an entry for `"*"` expanded, then its own marketplace's entry, count twice). */
  readonly claimed: number;
  /**
   * Entries for every marketplace (`"*"`) that this partitioned worker expanded into one entry per
   * marketplace of the account before sending (0 without a partition, which sends them as they are).
   */
  readonly expanded: number;
  /** Feeds created at Amazon. */
  readonly feedsSubmitted: number;
  /** Messages in those feeds. */
  readonly messagesSent: number;
  /** Feeds that finished (report read, or ended FATAL, cancelled, stuck or failed). */
  readonly feedsFinished: number;
  /** Entries acknowledged: Amazon accepted what they asked for (or there was nothing to send). */
  readonly acknowledged: number;
  /** Entries failed with Amazon's error (`ERROR` issues); parked until the shop changes them. */
  readonly rejected: number;
  /** Entries failed before sending (`INVALID_LISTING`, `SHOP_PRODUCT_NOT_FOUND`); parked. */
  readonly invalid: number;
  /** Entries whose feed failed as a whole, due again after a backoff. */
  readonly retried: number;
  /** Entries handed back because their SKU is still in a feed in flight; sent in a later feed. */
  readonly deferred: number;
  /**
   * SKUs queued again because Amazon finished, late, a feed given up as stuck (its older values
   * may have overwritten newer ones); sent with the shop's current data.
   */
  readonly requeued: number;
  /**
   * Offer changes refused because the SKU had no listing on that marketplace yet (recognised by the
   * simulator's issue code 4000010; see `createMissingListings`), for which a full listing was
   * queued; acknowledged, not failed.
   */
  readonly listingsQueued: number;
  /** Feeds still in flight (submitted, or waiting for a quota slot); a partitioned worker's: of its marketplaces. */
  readonly feedsInFlight: number;
  /** Documents waiting for a `JSON_LISTINGS_FEED` quota slot. */
  readonly waitingForQuota: number;
  /** With `untilDrained`: whether the queue drained before the timeout. */
  readonly drained: boolean;
}

/** A feed as `status()` shows it. */
export interface ListingsFeedStatus {
  /** sellersync's id of the submission. */
  readonly submissionId: number;
  readonly feedId: string | null;
  readonly status: FeedSubmission['status'];
  /** Amazon's `processingStatus` when last looked at. */
  readonly processingStatus: string | null;
  readonly marketplaceIds: readonly string[];
  readonly messageCount: number;
  readonly createdAt: Date;
  readonly submittedAt: Date | null;
}

/** An issue of one SKU in a report. */
export interface ListingsReportIssue {
  readonly sku: string;
  readonly marketplaceId: string;
  readonly code: string;
  readonly message: string;
}

/** A finished feed with its per-SKU errors and warnings. */
export interface ListingsFeedReport extends ListingsFeedStatus {
  readonly finishedAt: Date | null;
  readonly summary: FeedSummary | null;
  /** Why the feed failed as a whole (FATAL, cancelled, stuck, submission failed), or `null`. */
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly errors: readonly ListingsReportIssue[];
  readonly warnings: readonly ListingsReportIssue[];
}

/** The listings part of `status()`. */
export interface ListingsStatus {
  readonly feedsInFlight: readonly ListingsFeedStatus[];
  /** The last finished feeds, newest first. */
  readonly lastReports: readonly ListingsFeedReport[];
}

/** Options of `previewFeed`. */
export interface PreviewFeedOptions {
  readonly skus: readonly string[];
  /**
   * `json` (default): the exact documents that would be sent. `xml`: the same messages rendered as
   * XML for display only — Amazon retired XML listing feeds on 2025-07-31, so it is never sendable.
   */
  readonly format?: 'json' | 'xml';
  /** Preview as this kind of change; default: the kinds queued for each SKU, else `offer`. */
  readonly kind?: ChangeKind;
}

/** What `previewFeed` returns: the documents, and what would be rejected and why. */
export interface FeedPreview {
  readonly format: 'json' | 'xml';
  /** `true` for JSON (exactly what would be uploaded); `false` for the XML rendering. */
  readonly sendable: boolean;
  readonly documents: readonly {
    readonly marketplaceId: string;
    readonly messageCount: number;
    readonly bytes: number;
    readonly content: string;
  }[];
  /** SKUs that would not be sent, with the error they would get in the change log. */
  readonly rejected: readonly {
    readonly sku: string;
    readonly code: 'INVALID_LISTING' | 'SHOP_PRODUCT_NOT_FOUND';
    readonly message: string;
    readonly problems: readonly ListingProblem[];
  }[];
}

/** Options of `reconcile`. */
export interface ReconcileOptions {
  /** Products per page of the shop scan (and per `enqueueChange` call). Default 500. */
  readonly pageSize?: number;
}

/** What `reconcile` found. */
export interface ReconcileResult {
  readonly pages: number;
  /** Shop products scanned. */
  readonly scanned: number;
  /** Offers compared (product × marketplace). */
  readonly compared: number;
  /** Offers equal to what Amazon last accepted: not sent again. */
  readonly unchanged: number;
  /** Offer changes queued. */
  readonly enqueued: number;
  /** Offers that differ but equal what Amazon last rejected, or are invalid and already reported. */
  readonly skipped: number;
  /** Products whose SKU cannot be queued at all (41 characters, control characters), at most 100. */
  readonly invalidSkus: readonly { readonly sku: string; readonly rule: string }[];
}

/** The listings sync of one account: pushes queued changes in feeds, reads reports, reconciles. */
export interface ListingsSync {
  /**
   * One pass (or passes until drained): polls feeds in flight, settles finished ones, then claims,
   * builds and submits within the feed quota. Never waits for Amazon's processing.
   * @throws SellerSyncError `SHOP_ADAPTER_FAILED` (retryable) when the shop cannot be read at all;
   *   the claimed entries are given back first.
   */
  pushListings(options?: PushListingsOptions): Promise<PushListingsResult>;
  /** Pages through the shop and queues the offers (and withdrawals) that differ from what Amazon last accepted. */
  reconcile(options?: ReconcileOptions): Promise<ReconcileResult>;
  /** The documents these SKUs would go in, and what would be rejected and why; claims and sends nothing. */
  previewFeed(options: PreviewFeedOptions): Promise<FeedPreview>;
  /** Feeds in flight and the last finished ones with their per-SKU errors and warnings. */
  status(): Promise<ListingsStatus>;
}

/** One queued change of a SKU as the builder sees it. */
interface QueuedChange {
  readonly kind: ChangeKind;
  readonly marketplaceId: string;
  readonly updatedAt: Date;
  /** The claim, when the change came from a claim (not a preview). */
  readonly claim: ClaimedChange | null;
}

/** What a message carries, for the messages table. */
interface MessageTag {
  readonly sku: string;
  readonly mode: ListingMode;
  readonly offerHash: string | null;
  readonly productType: string | null;
  readonly changes: readonly QueuedChange[];
}

interface BuiltDocument {
  readonly marketplaceId: string;
  readonly content: string;
  readonly messageCount: number;
  readonly bytes: number;
  readonly tags: readonly MessageTag[];
}

/** The outcome of building a set of SKUs. */
interface BuildOutcome {
  readonly documents: BuiltDocument[];
  /** SKUs not sent, with the error their changes get. */
  readonly rejected: { sku: string; code: 'INVALID_LISTING' | 'SHOP_PRODUCT_NOT_FOUND'; message: string; problems: ListingProblem[]; changes: readonly QueuedChange[] }[];
  /** Changes with nothing to send (a marketplace that is switched off or that the product is not sold on). */
  readonly noop: QueuedChange[];
  /** Changes for the other seller SKUs the mapping table gives the changed shop products. */
  readonly fanOut: ChangeInput[];
  /** The deletes among them: marked in `listing_states` as they are queued, so they never fan out again. */
  readonly derivedDeletes: { readonly marketplaceId: string; readonly sku: string }[];
}

interface Totals {
  claimed: number;
  expanded: number;
  feedsSubmitted: number;
  messagesSent: number;
  feedsFinished: number;
  acknowledged: number;
  rejected: number;
  invalid: number;
  retried: number;
  deferred: number;
  requeued: number;
  listingsQueued: number;
}

const SHOP_CHUNK = 500;
const PURGE_EVERY_MS = 60 * 60_000;
/** Pass locks by worker, table prefix and account: one pass at a time per worker in a process. */
const passLocks = new Map<string, Promise<void>>();
/** Submissions this process is sending right now (never abandoned as interrupted). */
const submittingNow = new Set<string>();
const REPORTS_SHOWN = 5;
/**
 * Issue codes that say a SKU has no listing on the marketplace a PATCH was for: a withdrawal refused
 * with one is done (no offer is left there). 4000010 is the SP-API simulator's code; Amazon publishes
 * none (it often accepts such a PATCH, which leaves nothing to sell either).
 */
const NO_LISTING_CODES: ReadonlySet<string> = new Set(['4000010']);
/** Rows with an error or a warning shown per report. */
const ISSUES_PER_REPORT = 200;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates the listings sync of one account. Hosts reach it through `createSellerSync`; the
 * functions here hold no state between calls except an in-process lock (passes never overlap in
 * one process), so a new sync object resumes whatever the submissions table says is in flight.
 */
export function createListingsSync(deps: ListingsSyncDependencies): ListingsSync {
  const { db, shop, gateway, changeLog, options, accountId, workerId, logger, clock } = deps;
  const store = createFeedSubmissionStore(db, { tablePrefix: deps.tablePrefix, accountId });
  const states = createListingStateStore(db, { tablePrefix: deps.tablePrefix, accountId });
  const accountMarketplaceIds = options.marketplaces.map((m) => m.marketplaceId);
  const partition = deps.partition;
  /** The marketplaces this worker sends to, withdraws from and reconciles: its partition's, or all of the account's. */
  const ownMarketplaceIds = partition ? accountMarketplaceIds.filter((id) => partition.includes(id)) : accountMarketplaceIds;
  const enabled = options.marketplaces.filter((m) => m.enabled && ownMarketplaceIds.includes(m.marketplaceId));
  const enabledIds = new Set(enabled.map((m) => m.marketplaceId));
  /**
   * The account's marketplaces as every live partitioned worker names them (renewed at every pass
   * and reconcile): this worker's own `amazon.marketplaceIds`, plus any another worker names while
   * their lists differ. A marketplace outside it is one the account dropped. Without a partition,
   * this sync's own list.
   */
  let knownMarketplaceIds: readonly string[] = accountMarketplaceIds;
  const peers = partition
    ? createPartitionPeers(db, { tablePrefix: deps.tablePrefix, accountId, workerId, accountMarketplaceIds, partitionMarketplaceIds: partition, ttlMs: options.partitionPeerTtlMs, clock })
    : null;
  const warnedDisagreement = new Set<string>();
  async function refreshPeers(register = true): Promise<void> {
    if (!peers) return;
    const view = await peers.view({ register });
    knownMarketplaceIds = view.marketplaceIds;
    for (const peer of view.disagreeing) {
      const key = `${peer.workerId}\u0000${peer.marketplaceIds.join(',')}`;
      if (warnedDisagreement.has(key)) continue;
      warnedDisagreement.add(key);
      logger.warn(
        { workerId, peer: peer.workerId, peerMarketplaceIds: peer.marketplaceIds, marketplaceIds: accountMarketplaceIds },
        'another partitioned worker of this account names other marketplaces in amazon.marketplaceIds; until all agree, "*" changes are expanded to all of them and none of them is treated as dropped',
      );
    }
  }
  /** What this worker claims and drains: with a partition, its own entries, "*" ones (it expands them) and the dropped marketplaces'. */
  const scope = () => (partition ? { marketplaceIds: ownMarketplaceIds, accountMarketplaceIds: knownMarketplaceIds } : { marketplaceIds: accountMarketplaceIds });
  const inScope = (submission: FeedSubmission) =>
    !partition || submission.marketplaceIds.some((id) => ownMarketplaceIds.includes(id) || !knownMarketplaceIds.includes(id));
  // Amazon owns the stock of FBA offers: nothing sellersync may set to 0
  const merchantFulfilled = options.fulfillmentChannelCode === 'DEFAULT';
  /** A marketplace switched off, or no longer one of the account's (only a withdrawal goes there). */
  const marketplaceOutside = (marketplaceId: string): ResolvedMarketplace =>
    options.marketplaces.find((m) => m.marketplaceId === marketplaceId) ?? {
      marketplaceId,
      enabled: false,
      currency: '',
      rounding: 'half-up',
      productType: options.productType,
      languageTag: '',
    };
  /**
   * The marketplace to queue a change of a listing on `marketplaceId` for. Without a partition, an
   * entry for a marketplace the account no longer has is never claimed: "*" reaches it;
   * partitioned workers claim such entries (no partition owns the marketplace).
   */
  const queueMarketplace = (marketplaceId: string) => (partition || accountMarketplaceIds.includes(marketplaceId) ? marketplaceId : ALL_MARKETPLACES);
  /** Whether Amazon holds an offer accepted from this account that is neither deleted nor withdrawn. */
  const isLive = (state: ListingState) => !state.deleted && state.offerHash !== null && state.offerHash !== withdrawnOfferHash(state.marketplaceId);
  /**
   * Whether an offer on a marketplace this sync does not send to may be withdrawn: one of its own
   * switched off (`enabled: false`) always, another worker's (in the account, not in the partition)
   * never; one that is not among `amazon.marketplaceIds` (the account dropped it) with
   * `withdrawFromRemovedMarketplaces` (default true with a partition, false without).
   */
  const withdrawsOutside = (marketplaceId: string) =>
    knownMarketplaceIds.includes(marketplaceId)
      ? ownMarketplaceIds.includes(marketplaceId) && !enabledIds.has(marketplaceId)
      : options.withdrawFromRemovedMarketplaces;
  const withListingData = hasCapability(shop, 'listingData');
  // passes of one worker never overlap, even across sync objects of one process
  const lockKey = `${workerId}\u0000${deps.tablePrefix ?? ''}\u0000${accountId}`;
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = (passLocks.get(lockKey) ?? Promise.resolve()).then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    passLocks.set(lockKey, settled);
    void settled.then(() => {
      if (passLocks.get(lockKey) === settled) passLocks.delete(lockKey);
    });
    return run;
  };
  const submittingKey = (id: number) => `${lockKey}\u0000${id}`;
  let lastPurge = 0;
  let leasesExtendedAt = 0;
  let heldAt = 0;

  /**
   * Keeps this worker's hold on its submissions through a long pass (many polls, a createFeed
   * waiting for its rate limit): otherwise another worker could adopt a submission this one is
   * about to send and send it again.
   */
  async function keepHolding(): Promise<void> {
    const now = clock();
    if (now - heldAt < options.submissionLeaseMs / 3) return;
    heldAt = now;
    await store.renew(workerId, now + options.submissionLeaseMs);
  }

  const backoffMs = (attempts: number) => {
    const raw = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.max(0, attempts));
    return Math.round(raw * (0.8 + Math.random() * 0.4));
  };

  // ------------------------------------------------------------------------------------ build

  /** Reads what the shop has for these SKUs and builds their messages, marketplace by marketplace. */
  async function build(groups: ReadonlyMap<string, QueuedChange[]>, now: Date): Promise<BuildOutcome> {
    const splitters = new Map<string, FeedDocumentSplitter<MessageTag>>();
    const outcome: BuildOutcome = { documents: [], rejected: [], noop: [], fanOut: [], derivedDeletes: [] };
    const emit = (marketplaceId: string, document: ReturnType<FeedDocumentSplitter<MessageTag>['finish']>) => {
      if (document) outcome.documents.push({ marketplaceId, ...document });
    };
    const splitterFor = (marketplaceId: string) => {
      let splitter = splitters.get(marketplaceId);
      if (!splitter) {
        splitter = createFeedDocumentSplitter<MessageTag>({
          sellerId: deps.sellerId,
          issueLocale: options.issueLocale,
          maxMessages: options.maxMessages,
          maxBytes: options.maxBytes,
        });
        splitters.set(marketplaceId, splitter);
      }
      return splitter;
    };

    const skus = [...groups.keys()];
    for (let start = 0; start < skus.length; start += SHOP_CHUNK) {
      const part = skus.slice(start, start + SHOP_CHUNK);
      const products = new Map<string, ShopProduct[]>();
      for (const product of await shop.getProductsBySku(part)) {
        const list = products.get(product.sku) ?? [];
        list.push(product);
        products.set(product.sku, list);
      }
      // a seller SKU the shop does not know may be one the mapping table gives a shop product
      const mapped = new Map<string, ListingMapping[]>();
      const mappedProducts = new Map<string, ShopProduct>();
      let byProduct = new Map<string, ListingMapping[]>();
      // Where changes fan out from: the changes of a shop SKU (its product is in the shop) other than
      // deletes; and the delete of a SKU whose product the shop no longer has (found by the SKU's own
      // mapping, or by the entry's productRef). The delete of a SKU whose product the shop still has
      // (a mapped seller SKU retired, or a shop SKU taken off Amazon) stays its own.
      const sources: { sku: string; productRef: string; key: string; removed: boolean }[] = [];
      if (deps.mappings) {
        for (const mapping of await deps.mappings.findBySellerSkus(part))
          if (!products.has(mapping.sellerSku)) mapped.set(mapping.sellerSku, [...(mapped.get(mapping.sellerSku) ?? []), mapping]);
        const deleted: { sku: string; productRef: string; variantRef: string | null }[] = [];
        for (const sku of part) {
          if (products.has(sku) || !groups.get(sku)!.some((change) => change.kind === 'delete' && change.claim !== null)) continue;
          for (const mapping of mapped.get(sku) ?? []) deleted.push({ sku, productRef: mapping.productRef, variantRef: mapping.variantRef });
          for (const change of groups.get(sku)!) if (change.kind === 'delete' && change.claim?.productRef) deleted.push({ sku, productRef: change.claim.productRef, variantRef: null });
        }
        const refs = [...new Set([...[...mapped.values()].flat().map((mapping) => mapping.productRef), ...deleted.map((d) => d.productRef)])];
        if (refs.length > 0) for (const product of await shop.findProducts({ productRefs: refs })) mappedProducts.set(productKey(product.productRef, product.variantRef), product);
        const addSource = (sku: string, productRef: string, variantRef: string | null, removed: boolean) => {
          const key = productKey(productRef, variantRef);
          if (!sources.some((s) => s.sku === sku && s.key === key)) sources.push({ sku, productRef, key, removed });
        };
        for (const product of [...products.values()].flat()) addSource(product.sku, product.productRef, product.variantRef, false);
        for (const d of deleted) if (!mappedProducts.has(productKey(d.productRef, d.variantRef))) addSource(d.sku, d.productRef, d.variantRef, true);
        const productRefs = [...new Set(sources.map((source) => source.productRef))];
        if (productRefs.length > 0) byProduct = mappingsByProduct(await deps.mappings.findByProductRefs(productRefs));
      }
      const known = await states.get(part);
      const deletedOnAmazon = new Set<string>();
      const liveElsewhere = new Map<string, string[]>();
      for (const state of known.values()) {
        if (state.deleted) deletedOnAmazon.add(state.sku);
        if (withdrawsOutside(state.marketplaceId) && isLive(state)) liveElsewhere.set(state.sku, [...(liveElsewhere.get(state.sku) ?? []), state.marketplaceId]);
      }
      // a listing Amazon deleted comes back as a full listing (or an offer on its ASIN), never a PATCH;
      // a mapped seller SKU has no listing data of its own: it is an offer on its product's listing
      const wantsListing = part.filter((sku) => products.has(sku) && (deletedOnAmazon.has(sku) || groups.get(sku)!.some((change) => change.kind !== 'offer')));
      const listings = new Map<string, ShopListingData>();
      if (withListingData && wantsListing.length > 0)
        for (const listing of await shop.getListingData!(wantsListing)) if (!listings.has(listing.sku)) listings.set(listing.sku, listing);
      // The other seller SKUs of the products changed here get the change too.
      const fanOut: { mapping: ListingMapping; marketplaceId: string; kind: ChangeKind }[] = [];
      for (const source of sources)
        for (const marketplaceId of knownMarketplaceIds) {
          // a delete sellersync fanned out itself never fans out again (else two SKUs delete each other for ever)
          if (source.removed && known.get(stateKey(marketplaceId, source.sku))?.derivedDelete) continue;
          for (const mapping of sellerSkusOn(source.sku, byProduct.get(source.key) ?? [], marketplaceId).others)
            for (const change of groups.get(source.sku)!) {
              if (change.claim === null || (change.marketplaceId !== ALL_MARKETPLACES && change.marketplaceId !== marketplaceId)) continue;
              if ((change.kind === 'delete') !== source.removed) continue;
              // an FBA listing is Amazon's stock: never deleted from here
              if (change.kind === 'delete' && mapping.fulfillmentChannel === 'AFN') continue;
              fanOut.push({ mapping, marketplaceId, kind: change.kind });
            }
        }
      const deleteTargets = [...new Set(fanOut.filter((f) => f.kind === 'delete').map((f) => f.mapping.sellerSku))];
      const targetStates = deleteTargets.length > 0 ? await states.get(deleteTargets) : new Map<string, ListingState>();
      const marked = new Set<string>();
      for (const { mapping, marketplaceId, kind } of fanOut) {
        const key = stateKey(marketplaceId, mapping.sellerSku);
        if (kind === 'delete') {
          if (targetStates.get(key)?.deleted) continue;
          if (!marked.has(key)) outcome.derivedDeletes.push({ marketplaceId, sku: mapping.sellerSku });
          marked.add(key);
        }
        outcome.fanOut.push({ sku: mapping.sellerSku, kind, marketplaceId, productRef: mapping.productRef, accountId });
      }
      // a product the shop no longer has needs no message when a delete of it is queued anyway
      const gone = part.filter((sku) => !products.has(sku) && !groups.get(sku)!.some((change) => change.kind === 'delete'));
      const deleteQueued = new Set<string>();
      if (gone.length > 0)
        for (const entry of await changeLog.list({ skus: gone, limit: 100_000 })) if (entry.kind === 'delete') deleteQueued.add(entry.sku);

      for (const sku of part) {
        const changes = groups.get(sku)!;
        try {
          const found = products.get(sku) ?? [];
          if (found.length > 1) {
            outcome.rejected.push({
              sku,
              code: 'INVALID_LISTING',
              message: `Listing not sent: the shop holds SKU ${describeValue(sku)} ${found.length} times (products ${found
                .map((p) => p.productRef + (p.variantRef ? `/${p.variantRef}` : ''))
                .join(', ')}); make it unique in the shop.`,
              problems: [{ sku, marketplaceId: null, field: 'sku', rule: 'must name one shop product', value: sku }],
              changes,
            });
            continue;
          }
          const own = found[0] ?? null;
          const mappings = own === null ? mapped.get(sku) : undefined;
          /** The product this seller SKU sells on a marketplace: the shop's, or the mapping table's. */
          // Where the mapping table names another seller SKU for the shop product, its shop SKU may not be what Amazon sells there.
          const ownMappings = own ? (byProduct.get(productKey(own.productRef, own.variantRef)) ?? []) : [];
          const productOn = (marketplaceId: string): { product: ShopProduct | null; mapping: ListingMapping | null; sold: boolean; amazonFulfilled: boolean } => {
            if (!mappings) {
              const on = sellerSkusOn(sku, ownMappings, marketplaceId);
              return { product: own, mapping: on.shopSkuMapping, sold: on.shopSkuSold, amazonFulfilled: on.shopSkuAmazonFulfilled };
            }
            const mapping = mappings.find((m) => m.marketplaceId === marketplaceId) ?? null;
            const product = mapping ? mappedProducts.get(productKey(mapping.productRef, mapping.variantRef)) : undefined;
            return { product: product ? { ...product, sku } : null, mapping, sold: mapping !== null, amazonFulfilled: mapping?.fulfillmentChannel === 'AFN' };
          };
          const listing = listings.get(sku) ?? null;
          const problems: ListingProblem[] = [];
          const messages: { marketplace: ResolvedMarketplace; built: Extract<ReturnType<typeof buildListingMessage>, { ok: true }>; mode: ListingMode; changes: QueuedChange[] }[] = [];
          const handled = new Set<QueuedChange>();
          let notFound = false;
          const targets = [...enabled, ...(liveElsewhere.get(sku) ?? []).map(marketplaceOutside)];
          for (const marketplace of targets) {
            const marketplaceId = marketplace.marketplaceId;
            const applicable = changes.filter((c) => c.marketplaceId === ALL_MARKETPLACES || c.marketplaceId === marketplaceId);
            if (applicable.length === 0) continue;
            const state = known.get(stateKey(marketplaceId, sku));
            const { product, mapping, sold, amazonFulfilled } = productOn(marketplaceId);
            // not sold here any more, but Amazon still offers it: its stock there must go to 0
            // (not again after Amazon refused it: the shop cannot act on that, a change of the offer there can)
            const withdraw = () => {
              if (state && isLive(state) && merchantFulfilled && !amazonFulfilled && state.rejectedHash !== withdrawnOfferHash(marketplaceId))
                messages.push({ marketplace, built: buildWithdrawalMessage(sku, marketplaceId, state.productType ?? marketplace.productType), mode: 'withdraw', changes: applicable });
            };
            if (!marketplace.enabled || !sold) {
              withdraw();
              continue;
            }
            const kinds: { offer?: Date; listing?: Date; delete?: Date } = {};
            for (const change of applicable) {
              const previous = kinds[change.kind];
              if (!previous || previous < change.updatedAt) kinds[change.kind] = change.updatedAt;
            }
            const asin = mapping?.asin ?? product?.asin ?? null;
            const mode = decideListingMode(kinds as QueuedKinds, {
              exists: product !== null,
              hasListingData: listing !== null,
              asin,
              deletedOnAmazon: state?.deleted === true,
              amazonFulfilled,
            });
            // the delete of an FBA listing: Amazon owns it, nothing is sent and the change is acknowledged
            if (mode === 'no-op') continue;
            // Entries of one SKU may reach different batches (a deferral, the batch limit): a change
            // queued before the newest one Amazon accepted is stale when that acceptance was a delete
            // (do not bring the listing back), or when the stale change is itself a delete.
            const newest = Math.max(...applicable.map((change) => change.updatedAt.getTime()));
            // a delete queued in the same millisecond as an accepted listing loses while the shop holds
            // the product, as a tie within one batch does (decideListingMode)
            const tie = mode === 'delete' && product !== null && state !== undefined && !state.deleted && state.changedAt === newest;
            const stale = state !== undefined && state.changedAt !== null && (state.changedAt > newest || tie);
            if (stale && (state.deleted || mode === 'delete')) continue;
            if (mode === 'not-found') {
              if (state?.deleted || deleteQueued.has(sku)) continue;
              notFound = true;
              break;
            }
            if (mode !== 'delete' && product?.marketplaceIds && !product.marketplaceIds.includes(marketplaceId)) {
              withdraw();
              continue;
            }
            const built = buildListingMessage({ sku, mode, marketplace, product, listing, asin, knownProductType: state?.productType ?? null, amazonFulfilled }, options, now);
            if (!built.ok) problems.push(...built.problems);
            else messages.push({ marketplace, built, mode, changes: applicable });
          }
          if (notFound) {
            const refs = [...new Set((mappings ?? []).map((m) => m.productRef + (m.variantRef ? `/${m.variantRef}` : '')))];
            outcome.rejected.push({
              sku,
              code: 'SHOP_PRODUCT_NOT_FOUND',
              message: mappings
                ? `Listing not sent: seller SKU ${describeValue(sku)} is mapped to shop product ${refs.join(', ')}, which the shop (adapter "${shop.name}") no longer has. Fix or remove the mapping, or queue a "delete" to remove it from Amazon.`
                : `Listing not sent: the shop (adapter "${shop.name}") has no product with SKU ${describeValue(sku)}. Queue a "delete" to remove it from Amazon, or fix the SKU in the shop.`,
              problems: [{ sku, marketplaceId: null, field: 'sku', rule: 'must name a product of the shop', value: sku }],
              changes,
            });
            continue;
          }
          if (problems.length > 0) {
            outcome.rejected.push({ sku, code: 'INVALID_LISTING', message: describeListingProblems(sku, problems), problems, changes });
            continue;
          }
          let tooLargeOnce = false;
          for (const message of messages) {
            const tag: MessageTag = { sku, mode: message.mode, offerHash: message.built.offerHash, productType: message.built.productType, changes: message.changes };
            const splitter = splitterFor(message.marketplace.marketplaceId);
            const { completed, tooLarge } = splitter.add(message.built.message, tag);
            emit(message.marketplace.marketplaceId, completed);
            if (tooLarge && !tooLargeOnce) {
              tooLargeOnce = true;
              const problem: ListingProblem = { sku, marketplaceId: message.marketplace.marketplaceId, field: 'listing', rule: `must fit in one feed document of ${options.maxBytes} bytes` };
              outcome.rejected.push({ sku, code: 'INVALID_LISTING', message: describeListingProblems(sku, [problem]), problems: [problem], changes });
            }
            for (const change of message.changes) handled.add(change);
          }
          for (const change of changes) if (!handled.has(change)) outcome.noop.push(change);
        } catch (error) {
          // a record the types forbid (a getter that throws, a value of the wrong kind) costs its SKU only
          outcome.rejected.push(unreadableRecord(sku, error, changes));
        }
      }
    }
    for (const [marketplaceId, splitter] of splitters) emit(marketplaceId, splitter.finish());
    // a SKU refused late (a message too large) must not be sent in its other documents either
    const refused = new Set(outcome.rejected.map((r) => r.sku));
    if (refused.size > 0) {
      for (const [index, document] of outcome.documents.entries()) {
        if (!document.tags.some((tag) => refused.has(tag.sku))) continue;
        outcome.documents[index] = rewrite(document, refused);
      }
      const rejectedChanges = new Set(outcome.rejected.flatMap((r) => r.changes));
      outcome.noop.splice(0, outcome.noop.length, ...outcome.noop.filter((change) => !rejectedChanges.has(change)));
    }
    return { ...outcome, documents: outcome.documents.filter((document) => document.messageCount > 0) };
  }

  function unreadableRecord(sku: string, error: unknown, changes: readonly QueuedChange[]): BuildOutcome['rejected'][number] {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      sku,
      code: 'INVALID_LISTING',
      message: `Listing not sent: SKU ${describeValue(sku)}: the shop adapter "${shop.name}" returned data that cannot be read (${describeValue(reason, 200)}). Fix the product or the adapter; the next save queues it again.`,
      problems: [{ sku, marketplaceId: null, field: 'product', rule: 'must be a well-formed shop record', value: reason }],
      changes,
    };
  }

  /** Rebuilds a document without the messages of some SKUs (rare: a message too large elsewhere). */
  function rewrite(document: BuiltDocument, without: ReadonlySet<string>): BuiltDocument {
    const parsed = JSON.parse(document.content) as { messages: Record<string, unknown>[] };
    const splitter = createFeedDocumentSplitter<MessageTag>({ sellerId: deps.sellerId, issueLocale: options.issueLocale, maxMessages: options.maxMessages, maxBytes: options.maxBytes });
    document.tags.forEach((tag, index) => {
      if (without.has(tag.sku)) return;
      const { messageId: _messageId, ...body } = parsed.messages[index]!;
      splitter.add(body as never, tag);
    });
    const rebuilt = splitter.finish();
    return rebuilt ? { marketplaceId: document.marketplaceId, ...rebuilt } : { ...document, content: '', messageCount: 0, bytes: 0, tags: [] };
  }

  const groupClaims = (claims: readonly ClaimedChange[]) => {
    const groups = new Map<string, QueuedChange[]>();
    for (const claim of claims) {
      const list = groups.get(claim.sku) ?? [];
      list.push({ kind: claim.kind, marketplaceId: claim.marketplaceId, updatedAt: claim.updatedAt, claim });
      groups.set(claim.sku, list);
    }
    return groups;
  };

  const claimsOf = (changes: readonly QueuedChange[]) => changes.flatMap((change) => (change.claim ? [change.claim] : []));

  // ----------------------------------------------------------------------------------- submit

  // Amazon counts a submission when createFeed arrives, a little after we record it: a margin keeps
  // us from sending the sixth feed an instant before Amazon's window has let the first one go
  const quotaMarginMs = Math.round(options.quotaWindowMs * 0.02) + 20;

  const quotaNow = (now: number): FeedQuota => ({ sellerId: deps.sellerId, region: deps.region, since: now - options.quotaWindowMs - quotaMarginMs, limit: options.quotaSubmissions });

  /** An estimate without the lock: worth claiming and building only when it is above 0. */
  async function freeSlots(now: number): Promise<number> {
    const quota = quotaNow(now);
    return Math.max(0, quota.limit - (await store.quotaUsedSince(quota.sellerId, quota.region, quota.since)));
  }

  async function submit(id: number, content: string, marketplaceIds: readonly string[], messageCount: number, totals: Totals): Promise<void> {
    // renews the hold and checks it in one write: a worker that stalled past its lease may have lost
    // this submission to another one, which failed it as interrupted and sends its entries again
    if (!(await store.update(id, workerId, { leaseUntil: clock() + options.submissionLeaseMs }))) {
      logger.warn({ submission: id }, 'listings feed submission taken over by another worker; not sent');
      return;
    }
    submittingNow.add(submittingKey(id));
    // an upload may outlast the lease (Amazon's upload timeout, 300 s, is the default lease): renew on a timer
    const stopRenewing = keepLeaseAlive(
      () => store.renew(workerId, clock() + options.submissionLeaseMs),
      options.submissionLeaseMs,
      (error) => logger.warn({ submission: id, err: error }, 'renewing the submission lease failed; trying again'),
    );
    try {
      const { feedId, feedDocumentId } = await gateway.submitFeed({
        feedType: LISTINGS_FEED_TYPE,
        marketplaceIds,
        content,
        contentType: LISTINGS_FEED_CONTENT_TYPE,
        // runs just before createFeed: the quota slot is counted from here (it was reserved at recording)
        onDocument: async (documentId) => {
          const now = clock();
          if (!(await store.update(id, workerId, { documentId, quotaAt: now, leaseUntil: now + options.submissionLeaseMs })))
            throw new SellerSyncError({
              code: 'SUBMISSION_TAKEN_OVER',
              message: `Submission ${id} was taken over by another worker during its upload; its feed is not created here (the new holder sends its entries again).`,
              details: { item: `submission ${id}` },
            });
        },
      });
      const now = clock();
      const recorded = await store.update(id, workerId, { status: 'submitted', feedId, documentId: feedDocumentId, submittedAt: now, nextPollAt: now + options.pollIntervalMs, content: null });
      totals.feedsSubmitted += 1;
      totals.messagesSent += messageCount;
      if (recorded) logger.info({ feedId, submission: id, messages: messageCount, marketplaceIds }, 'listings feed submitted');
      // the timer kept the lease, so only a stall of the whole process gets here; the new holder sends the entries again
      else logger.warn({ feedId, submission: id }, 'listings feed submitted, but another worker took the submission over meanwhile; its report is not read');
    } catch (error) {
      if (SellerSyncError.isInstance(error) && error.code === 'SUBMISSION_TAKEN_OVER') {
        logger.warn({ submission: id }, error.message);
        return;
      }
      // createFeed sent but its answer lost (details.maybeCreated): Amazon may hold the feed, whose id we never learn
      const interrupted = SellerSyncError.isInstance(error) && error.details['maybeCreated'] === true;
      const code = interrupted ? 'SUBMISSION_INTERRUPTED' : SellerSyncError.isInstance(error) ? error.code : 'AMAZON_CALL_FAILED';
      const message = interrupted
        ? `Submission ${id} was interrupted: createFeed was sent but its answer was lost (${(error as Error).message}); Amazon may or may not have the feed. Its entries are sent again.`
        : `Submitting the listings feed failed: ${(error as Error).message}`;
      logger.warn({ submission: id, err: error }, 'listings feed submission failed; its entries are retried');
      await finishFailed(id, 'failed', code, message, totals);
    } finally {
      stopRenewing();
      submittingNow.delete(submittingKey(id));
    }
  }

  async function finishFailed(
    id: number,
    status: 'failed' | 'fatal' | 'cancelled' | 'stuck',
    code: string,
    message: string,
    totals: Totals,
    processingStatus?: string,
    watchAt: number | null = null,
  ): Promise<void> {
    // only the holder finishes a submission: a worker that lost it leaves its messages to the new holder
    if (!(await store.update(id, workerId, { leaseUntil: clock() + options.submissionLeaseMs }))) return;
    await store.markForRetry(id, code, message);
    await store.update(id, workerId, {
      status,
      finishedAt: clock(),
      // a stuck feed is still looked at now and then (watchStuck): Amazon may finish it late
      nextPollAt: watchAt,
      content: null,
      errorCode: code,
      errorMessage: message,
      ...(processingStatus ? { processingStatus } : {}),
    });
    totals.feedsFinished += 1;
  }

  /**
   * Claims up to a batch of due entries. A partitioned worker first expands the `"*"` entries it
   * claimed (into one entry per account marketplace, acknowledged in the same transaction) and
   * claims again, so it sends its own marketplaces' entries only; the others wait for their workers.
   */
  async function claimBatch(totals: Totals): Promise<ClaimedChange[]> {
    const claimed: ClaimedChange[] = [];
    let expanded = 0;
    for (;;) {
      const batch = await changeLog.claim({ workerId, limit: options.batchSize - claimed.length, leaseMs: options.leaseMs, ...scope() });
      totals.claimed += batch.length;
      if (!partition) return batch;
      const everywhere = batch.filter((claim) => claim.marketplaceId === ALL_MARKETPLACES);
      claimed.push(...batch.filter((claim) => claim.marketplaceId !== ALL_MARKETPLACES));
      if (everywhere.length === 0) return claimed;
      try {
        await expand(everywhere);
      } catch (error) {
        // nothing was acknowledged (one transaction): give everything back rather than hold it for a lease
        await changeLog.release([...everywhere, ...claimed], { delayMs: options.retryBaseMs }).catch(() => 0);
        throw error;
      }
      totals.expanded += everywhere.length;
      expanded += everywhere.length;
      // a batch's worth of expansions per pass, even while the shop keeps queueing "*" changes
      if (claimed.length >= options.batchSize || expanded >= options.batchSize) return claimed;
    }
  }

  /**
   * Expands `"*"` entries into the account's marketplaces and, where Amazon still holds the SKU's
   * offer on a marketplace the account dropped, into that one too (no partition owns it: the
   * expanded entry is withdrawn there by whichever worker claims it).
   */
  async function expand(everywhere: readonly ClaimedChange[]): Promise<void> {
    const dropped = new Map<string, string[]>();
    if (options.withdrawFromRemovedMarketplaces && merchantFulfilled)
      for (const state of (await states.get(everywhere.map((claim) => claim.sku))).values())
        if (!knownMarketplaceIds.includes(state.marketplaceId) && isLive(state) && state.rejectedHash !== withdrawnOfferHash(state.marketplaceId))
          dropped.set(state.sku, [...(dropped.get(state.sku) ?? []), state.marketplaceId]);
    await changeLog.expand(everywhere, knownMarketplaceIds, (claim) => dropped.get(claim.sku) ?? []);
  }

  /** Claims due entries, builds their documents and submits as many as the quota allows. */
  async function claimAndSubmit(totals: Totals): Promise<void> {
    const claimed = await claimBatch(totals);
    if (claimed.length === 0) return;
    // a SKU waits while a feed with it is in flight for a marketplace one of its entries targets
    // ('*': any); the other marketplaces' listings are independent, so another worker's feed for
    // them never holds this one back. All entries of a waiting SKU wait: they are decided together
    const inFlight = await store.skusInFlight(claimed.map((c) => c.sku));
    const busy = new Set(
      claimed
        .filter((c) => {
          const marketplaces = inFlight.get(c.sku);
          return marketplaces !== undefined && (c.marketplaceId === ALL_MARKETPLACES || marketplaces.has(c.marketplaceId));
        })
        .map((c) => c.sku),
    );
    const later = claimed.filter((c) => busy.has(c.sku));
    if (later.length > 0) {
      await changeLog.release(later, { delayMs: options.pollIntervalMs });
      totals.deferred += later.length;
    }
    const now = clock();
    const taken = claimed.filter((c) => !busy.has(c.sku));
    let outcome: BuildOutcome;
    try {
      outcome = await build(groupClaims(taken), new Date(now));
    } catch (error) {
      // the shop could not be read: give the entries back at once rather than holding them for a lease
      await changeLog.release(taken, { delayMs: options.retryBaseMs });
      if (SellerSyncError.isInstance(error)) throw error;
      throw new SellerSyncError({
        code: 'SHOP_ADAPTER_FAILED',
        message: `Reading ${taken.length} product(s) from the shop adapter "${shop.name}" failed: ${(error as Error).message}. The changes stay queued and are tried again.`,
        details: { item: shop.name },
        cause: error,
        isRetryable: true,
      });
    }

    if (outcome.fanOut.length > 0) {
      // queued before anything of this batch is settled: a crash after this point loses none of them
      try {
        // the marks commit with the deletes they mark: a crash in between never leaves an unmarked one
        const fanned = await retryOnDeadlock(() =>
          db.transaction(async (trx) => {
            await states.markDerivedDeletes(trx, outcome.derivedDeletes, clock());
            return enqueueChange(trx, outcome.fanOut, { tablePrefix: deps.tablePrefix, onInvalid: 'skip' });
          }),
        );
        if (fanned.rejected.length > 0)
          logger.warn({ skus: fanned.rejected.slice(0, 20).map((r) => r.error.details.item), count: fanned.rejected.length }, 'mapped seller SKUs that cannot be queued (fix them in the mapping table)');
      } catch (error) {
        await changeLog.release(taken, { delayMs: options.retryBaseMs }).catch(() => 0);
        throw error;
      }
    }
    const failures: ChangeFailure[] = [];
    for (const rejected of outcome.rejected)
      for (const claim of claimsOf(rejected.changes))
        failures.push({ id: claim.id, version: claim.version, claimedBy: claim.claimedBy, code: rejected.code, message: rejected.message, retryable: false });
    if (failures.length > 0) {
      await changeLog.fail(failures);
      totals.invalid += failures.length;
      logger.warn({ skus: outcome.rejected.slice(0, 20).map((r) => r.sku), count: outcome.rejected.length }, 'listings not sent: invalid or unknown in the shop');
    }
    if (outcome.noop.length > 0) totals.acknowledged += (await changeLog.acknowledge(claimsOf(outcome.noop))).acknowledged;
    if (outcome.documents.length === 0) return;

    const batchId = randomUUID();
    // `at`: when the batch is recorded, under the lock; `now` is from before the build, which may take long
    const recordsOf = (documents: readonly BuiltDocument[], slots: number, at: number): FeedBatchRecord => documents.map((document, index) => {
      const sendNow = index < slots;
      const submission: NewFeedSubmission = {
        sellerId: deps.sellerId,
        region: deps.region,
        marketplaceIds: [document.marketplaceId],
        batchId,
        status: sendNow ? 'submitting' : 'waiting',
        messageCount: document.messageCount,
        bytes: document.bytes,
        content: sendNow ? null : document.content,
        claimedBy: workerId,
        owner: workerId,
        leaseUntil: at + options.submissionLeaseMs,
        quotaAt: sendNow ? at : null,
      };
      const rows: NewFeedMessage[] = [];
      document.tags.forEach((tag, index) => {
        for (const change of tag.changes)
          if (change.claim)
            rows.push({
              marketplaceId: document.marketplaceId,
              messageId: index + 1,
              sku: tag.sku,
              mode: tag.mode,
              changeId: change.claim.id,
              changeVersion: change.claim.version,
              changeKind: change.kind,
              changeAttempts: change.claim.attempts,
              changeAt: change.claim.updatedAt.getTime(),
              offerHash: tag.offerHash,
              productType: tag.productType,
            });
      });
      return { submission, messages: rows };
    });
    // Slots and SKUs in flight are decided under the quota lock, as the batch is recorded: another
    // worker may have taken slots, or recorded a feed with one of these SKUs, while this one built.
    // A SKU that now has a message in flight for one of its documents' marketplaces is taken out
    // of all its documents (a '*' entry spans several), as before the build
    let documents: readonly BuiltDocument[] = outcome.documents;
    let blocked: ReadonlySet<string> = new Set();
    let recorded: Awaited<ReturnType<typeof store.recordBatch>>;
    try {
      recorded = await store.recordBatch(
        quotaNow,
        workerId,
        outcome.documents.flatMap((document) => document.tags.map((tag) => tag.sku)),
        (free, inFlight, at) => {
          blocked = new Set(outcome.documents.flatMap((d) => d.tags.filter((tag) => inFlight.get(tag.sku)?.has(d.marketplaceId) === true).map((tag) => tag.sku)));
          documents = outcome.documents.map((d) => (d.tags.some((tag) => blocked.has(tag.sku)) ? rewrite(d, blocked) : d)).filter((d) => d.messageCount > 0);
          return recordsOf(documents, free, at);
        },
        clock,
      );
    } catch (error) {
      await changeLog.release(taken, { delayMs: options.retryBaseMs }).catch(() => 0);
      throw error;
    }
    if (blocked.size > 0) {
      const later = claimsOf(outcome.documents.flatMap((d) => d.tags).filter((tag) => blocked.has(tag.sku)).flatMap((tag) => tag.changes));
      const unique = [...new Map(later.map((claim) => [claim.id, claim])).values()];
      await changeLog.release(unique, { delayMs: options.pollIntervalMs });
      totals.deferred += unique.length;
    }
    for (const [index, document] of documents.entries())
      if (index < recorded.free) await submit(recorded.ids[index]!, document.content, [document.marketplaceId], document.messageCount, totals);
  }

  /** Sends this worker's waiting documents that the quota has slots for now. */
  async function submitWaiting(totals: Totals): Promise<number> {
    const reserved = await store.reserveWaiting(workerId, quotaNow(clock()), clock());
    for (const submission of reserved) {
      const content = await store.content(submission.id);
      if (content === null) await finishFailed(submission.id, 'failed', 'DATABASE_ERROR', 'The waiting feed document was not found in the submissions table; its entries are retried.', totals);
      else await submit(submission.id, content, submission.marketplaceIds, submission.messageCount, totals);
    }
    return reserved.length;
  }

  // ------------------------------------------------------------------------------------- poll

  /** How long after its submission a feed given up as stuck is watched: 48 × `stuckFeedMs` (2 days by default), at most `keepReportsMs`. */
  const watchHorizonMs = Math.min(options.keepReportsMs, 48 * options.stuckFeedMs);
  /** How long until the next look at a feed given up as stuck: a tenth of its age, from the longest poll interval up to `stuckFeedMs`. */
  const watchInterval = (age: number) => Math.round(Math.min(Math.max(options.maxPollIntervalMs, options.stuckFeedMs), Math.max(options.maxPollIntervalMs, age / 10)));

  /**
   * Feeds given up as stuck are looked at again, less and less often, until Amazon ends them or
   * the watch horizon after their submission. Their entries were sent again meanwhile; a feed
   * Amazon finishes late may have applied its older values over the newer ones, so its SKUs are
   * queued again from what sellersync last had accepted since (`requeueLate`).
   */
  async function watchStuck(totals: Totals): Promise<void> {
    const now = clock();
    for (const submission of (await store.listWatched(now)).filter(inScope)) {
      const due = submission.nextPollAt!;
      const age = now - (submission.submittedAt ?? submission.createdAt);
      if (age > watchHorizonMs || submission.feedId === null) {
        await store.moveWatch(submission.id, due, null);
        continue;
      }
      const next = now + watchInterval(age);
      // several workers may see it due: only the one that moves the next look on goes ahead
      if (!(await store.moveWatch(submission.id, due, next))) continue;
      let feed: AmazonFeed;
      try {
        feed = await gateway.getFeed(submission.feedId);
      } catch (error) {
        // Amazon no longer knows it: nothing of it can still be applied
        if (SellerSyncError.isInstance(error) && error.code === 'AMAZON_NOT_FOUND') await store.moveWatch(submission.id, next, null);
        else logger.debug({ feedId: submission.feedId, err: error }, 'getFeed of a feed given up as stuck failed; looking again later');
        continue;
      }
      const status = feed.processingStatus;
      if (status === 'IN_QUEUE' || status === 'IN_PROGRESS') continue;
      if (status === 'DONE') totals.requeued += await requeueLate(submission);
      await store.moveWatch(submission.id, next, null, status);
    }
  }

  /**
   * Queues again the SKUs of a feed Amazon finished late, by what Amazon accepted since from
   * changes queued after the late feed's (a newer intention of the shop): a listing deleted so
   * (the late PUT may have brought it back) gets its delete again; a SKU the late feed deleted but
   * which was listed so gets a full listing again (a PATCH of a deleted listing is refused). Else
   * the late feed's own intention stands: a delete is left alone, anything else is sent again (an
   * offer, or a listing for a full listing) with the shop's current data.
   */
  async function requeueLate(submission: FeedSubmission): Promise<number> {
    const rows = await store.messagesOf(submission.id);
    const accepted = await states.get(rows.map((row) => row.sku));
    const queuedAt = new Map<string, number>();
    for (const row of rows) {
      const key = stateKey(row.marketplaceId, row.sku);
      queuedAt.set(key, Math.max(queuedAt.get(key) ?? 0, row.changeAt));
    }
    const seen = new Set<string>();
    const changes: ChangeInput[] = [];
    for (const row of rows) {
      const key = stateKey(row.marketplaceId, row.sku);
      if (seen.has(key)) continue;
      seen.add(key);
      const state = accepted.get(key);
      // what Amazon accepted since carries a change queued after every change of the late feed
      const newer = state !== undefined && state.changedAt !== null && state.changedAt > queuedAt.get(key)!;
      const puts = row.mode === 'listing' || row.mode === 'offer-only';
      let kind: ChangeKind | null;
      if (row.mode === 'delete') kind = newer && !state.deleted ? 'listing' : null;
      else if (newer && state.deleted) kind = puts ? 'delete' : null;
      else kind = row.mode === 'listing' ? 'listing' : 'offer';
      if (kind === null) continue;
      changes.push({ sku: row.sku, kind, marketplaceId: queueMarketplace(row.marketplaceId), accountId });
    }
    if (changes.length === 0) return 0;
    const queued = await enqueueChange(db, changes, { tablePrefix: deps.tablePrefix, onInvalid: 'skip' });
    logger.warn(
      { feedId: submission.feedId, submission: submission.id, skus: changes.length },
      'a listings feed given up as stuck was finished by Amazon late and may have applied older values; its SKUs are queued again',
    );
    return changes.length - queued.rejected.length;
  }

  async function poll(submission: FeedSubmission, totals: Totals): Promise<void> {
    const now = clock();
    if (submission.nextPollAt !== null && submission.nextPollAt > now) return;
    const feedId = submission.feedId!;
    const age = now - (submission.submittedAt ?? submission.createdAt);
    const later = async (processingStatus?: string) => {
      if (age > options.stuckFeedMs) {
        if (processingStatus === 'IN_QUEUE' || processingStatus === undefined)
          await gateway.cancelFeed(feedId).catch((error: unknown) => logger.debug({ feedId, err: error }, 'cancelFeed of a stuck feed failed'));
        const message = `Feed ${feedId} was not done ${Math.round(age / 1000)} s after submission (limit ${Math.round(options.stuckFeedMs / 1000)} s; last status ${processingStatus ?? 'unknown'}); its entries are retried.`;
        logger.warn({ feedId, submission: submission.id, processingStatus }, 'listings feed stuck');
        await finishFailed(submission.id, 'stuck', 'FEED_STUCK', message, totals, processingStatus, now + watchInterval(age));
        return;
      }
      const interval = Math.round(Math.min(options.maxPollIntervalMs, options.pollIntervalMs * 1.5 ** submission.polls));
      await store.update(submission.id, workerId, { nextPollAt: now + interval, polls: submission.polls + 1, ...(processingStatus ? { processingStatus } : {}) });
    };
    let feed: AmazonFeed;
    try {
      feed = await gateway.getFeed(feedId);
    } catch (error) {
      logger.warn({ feedId, err: error }, 'getFeed failed; looking again later');
      if (SellerSyncError.isInstance(error) && error.code === 'AMAZON_NOT_FOUND') {
        await finishFailed(submission.id, 'failed', 'AMAZON_NOT_FOUND', `Amazon does not know feed ${feedId}; its entries are retried.`, totals);
        return;
      }
      await later();
      return;
    }
    const status = feed.processingStatus;
    if (status === 'DONE') {
      let text: string;
      try {
        text = await gateway.getFeedResult(feed);
      } catch (error) {
        logger.warn({ feedId, err: error }, 'downloading the processing report failed; trying again later');
        await later(status);
        return;
      }
      let report: ReturnType<typeof parseProcessingReport>;
      try {
        report = parseProcessingReport(text);
      } catch (error) {
        logger.warn({ feedId, err: error }, 'the processing report could not be read; trying again later');
        await later(status);
        return;
      }
      // a withdrawal of a listing that is not there (deleted in Seller Central) did what it was for
      const noListing = [...report.outcomes.values()].some((outcome) => outcome.status === 'rejected' && NO_LISTING_CODES.has(outcome.errorCode ?? ''));
      const withdrawals = new Set(noListing ? (await store.messagesOf(submission.id)).filter((row) => row.mode === 'withdraw').map((row) => row.messageId) : []);
      const outcomes = new Map(
        [...report.outcomes].map(([messageId, outcome]) =>
          withdrawals.has(messageId) && outcome.status === 'rejected' && NO_LISTING_CODES.has(outcome.errorCode ?? '')
            ? [messageId, { status: 'accepted' as const, warnings: [...(outcome.warnings ?? []), { code: outcome.errorCode!, message: outcome.errorMessage ?? '' }] }]
            : [messageId, outcome],
        ),
      );
      // messages a report does not name were accepted only if Amazon processed the feed as a whole
      const whole = report.feedErrors.length === 0 && report.summary.messagesProcessed >= submission.messageCount;
      const feedError = report.feedErrors.map((issue) => `[${issue.code}] ${issue.message}`).join('; ');
      await store.recordOutcomes(
        submission.id,
        outcomes,
        whole
          ? 'accepted'
          : {
              code: report.feedErrors[0]?.code ?? 'REPORT_FAILED',
              message: `Amazon did not process feed ${feedId} as a whole (${report.summary.messagesProcessed} of ${submission.messageCount} messages)${feedError ? `: ${feedError}` : ''}; sent again after a backoff.`,
            },
      );
      if (!whole) logger.warn({ feedId, submission: submission.id, feedErrors: report.feedErrors }, 'listings feed not processed as a whole');
      const rows = await store.messagesOf(submission.id);
      const byMessage = new Map<number, FeedMessageRecord[]>();
      for (const row of rows) {
        const list = byMessage.get(row.messageId) ?? [];
        list.push(row);
        byMessage.set(row.messageId, list);
      }
      const accepted: Parameters<typeof states.accept>[0][number][] = [];
      const rejected: { marketplaceId: string; sku: string; offerHash: string }[] = [];
      for (const list of byMessage.values()) {
        const row = list[0]!;
        const changedAt = Math.max(...list.map((r) => r.changeAt));
        if (row.status === 'accepted')
          accepted.push({ marketplaceId: row.marketplaceId, sku: row.sku, offerHash: row.offerHash, productType: row.productType, deleted: row.mode === 'delete', feedId, changedAt });
        else if (row.status === 'rejected' && row.offerHash) rejected.push({ marketplaceId: row.marketplaceId, sku: row.sku, offerHash: row.offerHash });
      }
      await states.accept(accepted, clock());
      await states.reject(rejected, clock());
      await store.update(submission.id, workerId, {
        status: 'done',
        processingStatus: status,
        resultDocumentId: feed.resultFeedDocumentId ?? null,
        finishedAt: clock(),
        nextPollAt: null,
        summary: report.summary,
        ...(report.feedIssues.length > 0
          ? { errorCode: report.feedIssues[0]!.code, errorMessage: report.feedIssues.map((issue) => `[${issue.code}] ${issue.message}`).join('; ') }
          : {}),
      });
      totals.feedsFinished += 1;
      logger.info({ feedId, submission: submission.id, ...report.summary }, 'listings feed processed');
      return;
    }
    if (status === 'FATAL' || status === 'CANCELLED') {
      const code = status === 'FATAL' ? 'FEED_FATAL' : 'FEED_CANCELLED';
      const message = `Amazon ended feed ${feedId} with ${status}; its entries are retried after a backoff.`;
      logger.warn({ feedId, submission: submission.id }, message);
      await finishFailed(submission.id, status === 'FATAL' ? 'fatal' : 'cancelled', code, message, totals, status);
      return;
    }
    await later(status);
  }

  /** A submission a stopped process left between recording and `createFeed`'s answer. */
  async function abandon(submission: FeedSubmission, totals: Totals): Promise<void> {
    const message = submission.documentId
      ? `Submission ${submission.id} was interrupted after its upload (document ${submission.documentId}); Amazon may or may not have the feed. Its entries are sent again.`
      : `Submission ${submission.id} was interrupted before its upload; its entries are sent again.`;
    logger.warn({ submission: submission.id }, message);
    await finishFailed(submission.id, 'failed', 'SUBMISSION_INTERRUPTED', message, totals);
  }

  // ----------------------------------------------------------------------------------- settle

  /** Acknowledges or fails every change whose messages all have a verdict. */
  async function settle(batchId: string, totals: Totals): Promise<void> {
    const rows = await store.unsettledRows(batchId);
    const byChange = new Map<number, typeof rows>();
    for (const row of rows) {
      const list = byChange.get(row.changeId) ?? [];
      list.push(row);
      byChange.set(row.changeId, list);
    }
    const acknowledgements: { id: number; version: number }[] = [];
    const failures: ChangeFailure[] = [];
    // offers Amazon refused because the SKU has no listing there yet: a full listing is queued instead
    const missingListings = new Map<string, ChangeInput>();
    const createsListing = (row: FeedMessageRecord) =>
      options.createMissingListings && row.mode === 'offer' && row.changeKind === 'offer' && NO_LISTING_CODES.has(row.errorCode ?? '');
    let rejectedCount = 0;
    let retriedCount = 0;
    const settled: number[] = [];
    for (const [changeId, list] of byChange) {
      if (list.some((row) => row.status === 'pending')) continue;
      settled.push(changeId);
      const first = list[0]!;
      // settled in the claimer's name: an entry another worker claimed since (its lease ran out) is left alone
      const claim = { id: changeId, version: first.changeVersion, claimedBy: first.claimedBy };
      const rejected = list.filter((row) => row.status === 'rejected');
      const retry = list.find((row) => row.status === 'retry');
      for (const row of rejected)
        if (createsListing(row)) missingListings.set(stateKey(row.marketplaceId, row.sku), { sku: row.sku, kind: 'listing', marketplaceId: row.marketplaceId, accountId });
      // a refusal answered by the queued listing is not the change's failure: the listing carries the offer too
      if (rejected.some(createsListing)) totals.listingsQueued += 1;
      const refused = rejected.filter((row) => !createsListing(row));
      if (refused.length > 0) {
        const text = refused.map((row) => `on ${row.marketplaceId}: ${(row.errorMessage ?? row.errorCode ?? '').replace(/\.$/, '')}`).join(' | ');
        failures.push({
          ...claim,
          code: refused[0]!.errorCode ?? 'LISTING_REJECTED',
          message: `Amazon rejected SKU ${describeValue(first.sku)} ${text}. Fix the product in the shop; the next save sends it again.`,
          retryable: false,
        });
        rejectedCount += 1;
      } else if (retry) {
        failures.push({ ...claim, code: retry.errorCode ?? 'FEED_FATAL', message: retry.errorMessage ?? 'The feed failed; retrying.', retryable: true, retryAfterMs: backoffMs(first.changeAttempts) });
        retriedCount += 1;
      } else acknowledgements.push(claim);
    }
    if (settled.length === 0) return;
    // queued before the offers are settled: a stop in between loses nothing (a second run coalesces)
    if (missingListings.size > 0) {
      const listings = [...missingListings.values()];
      const queued = await enqueueChange(db, listings, { tablePrefix: deps.tablePrefix, onInvalid: 'skip' });
      logger.info({ skus: listings.slice(0, 20).map((c) => c.sku), count: listings.length - queued.rejected.length }, 'offers refused for want of a listing on Amazon: full listings queued');
    }
    if (acknowledgements.length > 0) totals.acknowledged += (await changeLog.acknowledge(acknowledgements)).acknowledged;
    if (failures.length > 0) await changeLog.fail(failures);
    totals.rejected += rejectedCount;
    totals.retried += retriedCount;
    await store.markSettled(batchId, settled);
  }

  async function extendLeases(): Promise<void> {
    const held = await store.claimsHeldBy(workerId);
    const byClaimer = new Map<string, { id: number; version: number }[]>();
    for (const claim of held) {
      const list = byClaimer.get(claim.claimedBy) ?? [];
      list.push({ id: claim.id, version: claim.version });
      byClaimer.set(claim.claimedBy, list);
    }
    for (const [claimer, claims] of byClaimer) await changeLog.extendLease(claims, claimer, options.leaseMs);
  }

  // ------------------------------------------------------------------------------------- pass

  async function pass(totals: Totals): Promise<void> {
    await refreshPeers();
    let now = clock();
    const mine = await store.adopt(workerId, now + options.submissionLeaseMs, now);
    heldAt = now;
    // claims were taken for leaseMs: renewing them every third of it keeps them without a write per pass
    if (mine.length > 0 && now - leasesExtendedAt > options.leaseMs / 3) {
      await extendLeases();
      leasesExtendedAt = now;
    }
    for (const submission of mine) {
      await keepHolding();
      if (submission.status === 'submitted') await poll(submission, totals);
      else if (submission.status === 'submitting' && !submittingNow.has(submittingKey(submission.id))) await abandon(submission, totals);
    }
    for (const batchId of await store.openBatches(workerId, clock())) await settle(batchId, totals);
    await watchStuck(totals);
    now = clock();
    const waiting = mine.filter((s) => s.status === 'waiting').length;
    const sent = waiting > 0 ? await submitWaiting(totals) : 0;
    // documents already built wait for their slot before anything new is claimed (other processes' too)
    if (sent === waiting && (await freeSlots(clock())) > 0 && !(await store.listOpen()).some((s) => s.status === 'waiting')) await claimAndSubmit(totals);
    if (now - lastPurge > PURGE_EVERY_MS) {
      lastPurge = now;
      const purged = await store.purgeFinished(now - options.keepReportsMs);
      if (purged > 0) logger.debug({ purged }, 'old listings feed submissions deleted');
    }
  }

  async function drained(): Promise<boolean> {
    if ((await store.listOpen()).some(inScope)) return false;
    // a partitioned worker waits for its own entries only (and "*" ones, which it expands)
    const stats = await changeLog.stats(partition ? scope() : {});
    return stats.pending === 0 && stats.inFlight === 0 && stats.failed - stats.parked === 0;
  }

  async function pushListings(pushOptions: PushListingsOptions = {}): Promise<PushListingsResult> {
    return exclusive(async () => {
      const totals: Totals = { claimed: 0, expanded: 0, feedsSubmitted: 0, messagesSent: 0, feedsFinished: 0, acknowledged: 0, rejected: 0, invalid: 0, retried: 0, deferred: 0, requeued: 0, listingsQueued: 0 };
      const started = Date.now();
      const timeoutMs = pushOptions.timeoutMs ?? 10 * 60_000;
      const tick = Math.max(5, Math.min(1000, options.pollIntervalMs / 3));
      let passes = 0;
      let isDrained = false;
      for (;;) {
        await pass(totals);
        passes += 1;
        if (!pushOptions.untilDrained) break;
        if (await drained()) {
          isDrained = true;
          break;
        }
        if (Date.now() - started > timeoutMs) break;
        await sleep(tick);
      }
      const open = (await store.listOpen()).filter(inScope);
      return {
        passes,
        ...totals,
        feedsInFlight: open.length,
        waitingForQuota: open.filter((s) => s.status === 'waiting').length,
        drained: isDrained,
      };
    });
  }

  // -------------------------------------------------------------------------------- reconcile

  async function reconcile(reconcileOptions: ReconcileOptions = {}): Promise<ReconcileResult> {
    const pageSize = reconcileOptions.pageSize ?? 500;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000)
      throw new SellerSyncError({ code: 'INVALID_OPTIONS', message: `reconcile: pageSize must be a whole number from 1 to 10000; got ${describeValue(pageSize)}.`, details: { field: 'pageSize', rule: '1 to 10000', value: pageSize } });
    const result = { pages: 0, scanned: 0, compared: 0, unchanged: 0, enqueued: 0, skipped: 0, invalidSkus: [] as { sku: string; rule: string }[] };
    // which marketplaces the account dropped (withdrawals) is decided against every live worker's list
    await refreshPeers();
    let cursor: string | null = null;
    do {
      const page = await shop.scanCatalog({ cursor, limit: pageSize });
      result.pages += 1;
      result.scanned += page.items.length;
      const now = new Date(clock());
      const products: ShopProduct[] = [];
      for (const product of page.items) {
        const rule = skuProblem(product.sku) ?? listingSkuProblem(product.sku);
        if (rule) {
          if (result.invalidSkus.length < 100) result.invalidSkus.push({ sku: String(product.sku), rule });
          continue;
        }
        products.push(product);
      }
      // every seller SKU of these products: the shop's own, and those the mapping table adds
      /** A seller SKU to compare: `only` is the marketplace of a mapped one; `on` says where it is sold and how. */
      type Offer = { sku: string; product: ShopProduct; only: string | null; on: (marketplaceId: string) => { sold: boolean; amazonFulfilled: boolean } };
      const offers: Offer[] = [];
      const extra: Offer[] = [];
      let byProduct = new Map<string, ListingMapping[]>();
      if (deps.mappings && products.length > 0) byProduct = mappingsByProduct(await deps.mappings.findByProductRefs([...new Set(products.map((p) => p.productRef))]));
      for (const product of products) {
        const productMappings = byProduct.get(productKey(product.productRef, product.variantRef)) ?? [];
        offers.push({
          sku: product.sku,
          product,
          only: null,
          on: (marketplaceId) => {
            const skus = sellerSkusOn(product.sku, productMappings, marketplaceId);
            return { sold: skus.shopSkuSold, amazonFulfilled: skus.shopSkuAmazonFulfilled };
          },
        });
        for (const marketplaceId of ownMarketplaceIds)
          for (const mapping of sellerSkusOn(product.sku, productMappings, marketplaceId).others)
            if (!(skuProblem(mapping.sellerSku) ?? listingSkuProblem(mapping.sellerSku))) {
              const amazonFulfilled = mapping.fulfillmentChannel === 'AFN';
              extra.push({ sku: mapping.sellerSku, product: { ...product, sku: mapping.sellerSku }, only: marketplaceId, on: (m) => ({ sold: m === marketplaceId, amazonFulfilled }) });
            }
      }
      offers.push(...extra);
      const known = await states.get([...new Set(offers.map((o) => o.sku))]);
      const statesBySku = new Map<string, ListingState[]>();
      for (const state of known.values()) statesBySku.set(state.sku, [...(statesBySku.get(state.sku) ?? []), state]);
      const changes: ChangeInput[] = [];
      const invalid: ChangeInput[] = [];
      for (const { sku, product, only, on } of offers) {
        const fbaOn = (marketplaceId: string) => on(marketplaceId).amazonFulfilled;
        const soldOn = (marketplaceId: string) =>
          enabledIds.has(marketplaceId) && on(marketplaceId).sold && (!product.marketplaceIds || product.marketplaceIds.includes(marketplaceId));
        for (const marketplace of enabled) {
          if (!soldOn(marketplace.marketplaceId)) continue;
          const state = known.get(stateKey(marketplace.marketplaceId, sku));
          if (state?.deleted) continue;
          result.compared += 1;
          const change: ChangeInput = { sku, kind: 'offer', marketplaceId: marketplace.marketplaceId, productRef: product.productRef, accountId };
          let built: ReturnType<typeof buildListingOffer>;
          try {
            built = buildListingOffer(product, marketplace, options, now, fbaOn(marketplace.marketplaceId));
          } catch {
            // a malformed record: the pass reports it on its entry (INVALID_LISTING naming the SKU)
            invalid.push(change);
            continue;
          }
          if ('problems' in built) {
            invalid.push(change);
            continue;
          }
          const hash = offerHash(built.offer);
          if (state?.offerHash === hash) result.unchanged += 1;
          else if (state?.rejectedHash === hash) result.skipped += 1;
          else changes.push(change);
        }
        // offers Amazon still holds where the product is no longer sold: the pass withdraws them
        for (const state of statesBySku.get(sku) ?? []) {
          if ((only !== null && state.marketplaceId !== only) || !merchantFulfilled || fbaOn(state.marketplaceId)) continue;
          if (soldOn(state.marketplaceId) || !isLive(state)) continue;
          if (!enabledIds.has(state.marketplaceId) && !withdrawsOutside(state.marketplaceId)) continue;
          result.compared += 1;
          if (state.rejectedHash === withdrawnOfferHash(state.marketplaceId)) result.skipped += 1;
          else {
            changes.push({ sku, kind: 'offer', marketplaceId: queueMarketplace(state.marketplaceId), productRef: product.productRef, accountId });
          }
        }
      }
      if (invalid.length > 0) {
        // an invalid offer already reported stays reported; queue only the ones not in the log yet
        const reported = new Set<string>();
        const skus = [...new Set(invalid.map((c) => c.sku))];
        for (let start = 0; start < skus.length; start += SHOP_CHUNK)
          for (const entry of await changeLog.list({ skus: skus.slice(start, start + SHOP_CHUNK), status: 'failed', limit: 10_000 }))
            if (entry.lastError?.code === 'INVALID_LISTING') reported.add(entry.sku);
        for (const change of invalid) {
          if (reported.has(change.sku)) result.skipped += 1;
          else changes.push(change);
        }
      }
      if (changes.length > 0) {
        await enqueueChange(db, changes, { tablePrefix: deps.tablePrefix });
        result.enqueued += changes.length;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    logger.info({ ...result, invalidSkus: result.invalidSkus.length }, 'listings reconciled');
    return result;
  }

  // ---------------------------------------------------------------------------------- preview

  async function previewFeed(previewOptions: PreviewFeedOptions): Promise<FeedPreview> {
    const skus = previewOptions?.skus;
    if (!Array.isArray(skus) || skus.length === 0 || skus.length > 25_000)
      throw new SellerSyncError({ code: 'INVALID_OPTIONS', message: 'previewFeed: skus must list 1 to 25000 SKUs.', details: { field: 'skus', rule: '1 to 25000 SKUs', value: skus } });
    const format = previewOptions.format ?? 'json';
    if (format !== 'json' && format !== 'xml')
      throw new SellerSyncError({ code: 'INVALID_OPTIONS', message: `previewFeed: format must be "json" or "xml"; got ${describeValue(format)}.`, details: { field: 'format', rule: 'json or xml', value: format } });
    // what a pass would send: the same account marketplaces as the live workers name (read only)
    await refreshPeers(false);
    const now = new Date(clock());
    const groups = new Map<string, QueuedChange[]>();
    const unique = [...new Set(skus)];
    if (previewOptions.kind === undefined) {
      for (let start = 0; start < unique.length; start += SHOP_CHUNK)
        for (const entry of await changeLog.list({ skus: unique.slice(start, start + SHOP_CHUNK), limit: 100_000 })) {
          const list = groups.get(entry.sku) ?? [];
          list.push({ kind: entry.kind, marketplaceId: entry.marketplaceId, updatedAt: entry.updatedAt, claim: null });
          groups.set(entry.sku, list);
        }
    }
    const ordered = new Map<string, QueuedChange[]>();
    const notSkus: FeedPreview['rejected'][number][] = [];
    for (const sku of unique) {
      if (typeof sku !== 'string') {
        const shown = describeValue(sku);
        notSkus.push({ sku: String(sku), code: 'INVALID_LISTING', message: `Listing not previewed: SKU ${shown} must be a string.`, problems: [{ sku: String(sku), marketplaceId: null, field: 'sku', rule: 'must be a string', value: sku }] });
        continue;
      }
      ordered.set(sku, groups.get(sku) ?? [{ kind: previewOptions.kind ?? 'offer', marketplaceId: ALL_MARKETPLACES, updatedAt: now, claim: null }]);
    }
    const outcome = await build(ordered, now);
    const rejected = [...notSkus, ...outcome.rejected.map(({ sku, code, message, problems }) => ({ sku, code, message, problems }))];
    if (format === 'json')
      return {
        format,
        sendable: true,
        documents: outcome.documents.map(({ marketplaceId, messageCount, bytes, content }) => ({ marketplaceId, messageCount, bytes, content })),
        rejected,
      };
    return {
      format,
      sendable: false,
      documents: outcome.documents.map(({ marketplaceId, messageCount, content }) => {
        const xml = renderFeedPreviewXml(content, marketplaceId);
        return { marketplaceId, messageCount, bytes: Buffer.byteLength(xml), content: xml };
      }),
      rejected,
    };
  }

  // ----------------------------------------------------------------------------------- status

  const feedStatus = (s: FeedSubmission): ListingsFeedStatus => ({
    submissionId: s.id,
    feedId: s.feedId,
    status: s.status,
    processingStatus: s.processingStatus,
    marketplaceIds: s.marketplaceIds,
    messageCount: s.messageCount,
    createdAt: new Date(s.createdAt),
    submittedAt: s.submittedAt === null ? null : new Date(s.submittedAt),
  });

  async function status(): Promise<ListingsStatus> {
    const open = await store.listOpen();
    const finished = await store.listFinished(REPORTS_SHOWN);
    const issues = await store.issuesOf(finished.map((s) => s.id), ISSUES_PER_REPORT);
    const lastReports = finished.map((s): ListingsFeedReport => {
      const errors: ListingsReportIssue[] = [];
      const warnings: ListingsReportIssue[] = [];
      const seen = new Set<number>();
      for (const row of issues) {
        if (row.submissionId !== s.id || seen.has(row.messageId)) continue;
        seen.add(row.messageId);
        if (row.status === 'rejected') errors.push({ sku: row.sku, marketplaceId: row.marketplaceId, code: row.errorCode ?? '', message: row.errorMessage ?? '' });
        for (const warning of row.warnings) warnings.push({ sku: row.sku, marketplaceId: row.marketplaceId, code: warning.code, message: warning.message });
      }
      return {
        ...feedStatus(s),
        finishedAt: s.finishedAt === null ? null : new Date(s.finishedAt),
        summary: s.summary,
        error: s.errorCode === null ? null : { code: s.errorCode, message: s.errorMessage ?? '' },
        errors,
        warnings,
      };
    });
    return { feedsInFlight: open.map(feedStatus), lastReports };
  }

  return { pushListings, reconcile, previewFeed, status };
}

