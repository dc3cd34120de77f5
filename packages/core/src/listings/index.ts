export {
  buildListingMessage,
  buildListingOffer,
  decideListingMode,
  offerHash,
  type ListingBuildInput,
  type ListingBuildOptions,
  type ListingBuildResult,
  type ListingMode,
  type ListingOffer,
  type ListingsFeedMessage,
  type ListingsFeedMessageBody,
  type ListingsFeedPatch,
  type QueuedKinds,
} from './feed-builder';
export {
  LISTINGS_FEED_CONTENT_TYPE,
  LISTINGS_FEED_TYPE,
  createFeedDocumentSplitter,
  type FeedDocumentSplitter,
  type FeedDocumentSplitterOptions,
  type ListingsFeedDocument,
  type ListingsFeedHeader,
} from './feed-document';
export { renderFeedPreviewXml } from './feed-preview';
export type { FeedIssue, FeedSubmissionStatus, FeedSummary } from './feed-submission-store';
export { LISTING_LIMITS, describeListingProblems, listingSkuProblem, type ListingProblem } from './listing-validation';
export {
  DEFAULT_MAX_FEED_BYTES,
  MAX_FEED_MESSAGES,
  PRICE_ROUNDINGS,
  resolveListingsOptions,
  type ListingsMarketplaceOptions,
  type ListingsOptions,
  type PriceRounding,
  type ResolvedListingsOptions,
  type ResolvedMarketplace,
} from './listings-options';
export {
  createListingsSync,
  type FeedPreview,
  type ListingMapping,
  type ListingMappingSource,
  type ListingsFeedReport,
  type ListingsFeedStatus,
  type ListingsReportIssue,
  type ListingsStatus,
  type ListingsSync,
  type ListingsSyncDependencies,
  type PreviewFeedOptions,
  type PushListingsOptions,
  type PushListingsResult,
  type ReconcileOptions,
  type ReconcileResult,
} from './listings-sync';
export { convertMoney, parseExchangeRate, type ExchangeRate } from './price-conversion';
export { parseProcessingReport, type ParsedProcessingReport } from './processing-report';
