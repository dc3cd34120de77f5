export {
  startSimulator,
  type Simulator,
  type SimulatorSeed,
  type SimulatorState,
} from './start-simulator';
export {
  SIMULATOR_CREDENTIALS,
  SIMULATOR_SELLER_ID,
  type FeedTiming,
  type ReportTiming,
  type SimulatorCredentials,
  type SimulatorOptions,
  type SimulatorSeedData,
} from './simulator-options';
export type { SimulatorFaultRates, SimulatorFaults } from './http/faults';
export {
  DEFAULT_RATE_LIMITS,
  JSON_LISTINGS_FEED_LIMIT,
  type SimulatorApiOperation,
  type SimulatorOperation,
  type SimulatorRateLimit,
} from './http/operations';
export { DEFAULT_CATALOG, DEFAULT_CATALOG_SHARED_EAN } from './catalog/default-catalog';
export type { CatalogIdentifierKind, SeedCatalogItemInput, SimulatedCatalogItem } from './catalog/catalog-store';
export type { SeedListingInput } from './listings/seed-listing';
export type { ListingAttributes, ListingIssue, ListingRequirements, SimulatedListing, SimulatedOffer } from './listings/listings-store';
export { LISTINGS_ISSUE_CODES, REQUIRED_LISTING_ATTRIBUTES, TEXT_ATTRIBUTE_LIMITS } from './listings/listings-issue-codes';
export { LISTINGS_FEED_MAX_MESSAGES, type ListingsFeedReport, type ListingsFeedReportIssue } from './feeds/listings-feed';
export { RETIRED_FEED_TYPES, PROCESSED_FEED_TYPES } from './feeds/feed-types';
export { CARRIER_CODES, ORDER_FEED_RESULT_CODES } from './feeds/order-feeds';
export type { ProcessingStatus, SimulatedFeed } from './feeds/feeds-service';
export { MERCHANT_LISTINGS_COLUMNS } from './reports/merchant-listings-report';
export type { SimulatedReport } from './reports/reports-service';
export type {
  OrderFulfillmentStatus,
  SeedAddress,
  SeedOrderInput,
  SeedOrderItemInput,
  SimulatedMoney,
  SimulatedOrder,
  SimulatedOrderItem,
  SimulatedOrderPackage,
} from './orders/orders-store';
export type { SimulatedAcknowledgement, SimulatedShipmentConfirmation } from './orders/order-events';
