export {
  isAmazonFailure,
  syncActiveListings,
  type ActiveListingsMarketplaceSummary,
  type ActiveListingsSyncOptions,
  type ActiveListingsSyncSummary,
} from './active-listings-sync';
export { buildCatalogIndex, indexProducts, type CatalogIndex } from './catalog-index';
export {
  CATALOG_SEARCH_BATCH,
  matchCatalog,
  type CatalogMatchingMarketplaceSummary,
  type CatalogMatchingOptions,
  type CatalogMatchingSummary,
} from './catalog-matching';
export { neutralizeCsvCell, toCsv } from './csv-export';
export {
  detectCsvDelimiter,
  importMappingCsv,
  resolveMarketplace,
  type MappingCsvEncoding,
  type MappingCsvImportOptions,
  type MappingCsvImportResult,
  type MappingCsvRejection,
  type MappingCsvRowResult,
} from './mapping-csv-import';
export { MERCHANT_LISTINGS_REPORT_TYPE, listingCandidate, readMerchantListingsReport, reportCharsetFor, type MerchantListingRow } from './listings-report';
export type { MatchingOptions } from './matching-options';
export {
  createMismatchLog,
  type Mismatch,
  type MismatchFilter,
  type MismatchInput,
  type MismatchLog,
  type MismatchLogOptions,
  type MismatchReason,
  type MismatchSource,
} from './mismatch-log';
export {
  catalogIdentifierType,
  equivalentIdentifierForms,
  gs1CheckDigit,
  gtinForms,
  isbn10CheckCharacter,
  parseAsin,
  parseProductIdentifier,
  toGtin14,
  type GtinForms,
  type InvalidProductIdentifier,
  type ParseProductIdentifierOptions,
  type ParsedProductIdentifier,
  type ProductIdentifierProblem,
  type ProductIdentifierResult,
  type ProductIdentifierType,
} from './product-identifier';
export type {
  FulfillmentChannel,
  ListProductMappingsOptions,
  MatchCandidate,
  MatchFailureReason,
  MatchPriority,
  MatchResult,
  MatchRule,
  ProductMapping,
  ProductMappingInput,
  ProductMappingOutcome,
  ProductMappingSource,
  ProductMappingStore,
  ProductMappingUpsertResult,
  ProductMatcher,
} from './product-mapping';
export { FULFILLMENT_CHANNELS, PRODUCT_MAPPING_SOURCES, createProductMappings, type ProductMappingsOptions } from './product-mappings';
export { createProductMatcher, matchRules, type ProductMatcherOptions } from './product-matcher';
