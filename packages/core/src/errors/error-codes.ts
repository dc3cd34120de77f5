/**
 * Every stable error code sellersync throws or records. Codes never change meaning once released;
 * hosts may branch on them. Grouped by the capability that raises them.
 */
export const SELLERSYNC_ERROR_CODES = [
  // configuration and database
  'INVALID_OPTIONS',
  'INVALID_TABLE_PREFIX',
  'UNSUPPORTED_DATABASE',
  'MIGRATION_FAILED',
  'DATABASE_ERROR',
  'NOT_IMPLEMENTED',
  // change log
  'INVALID_CHANGE',
  // shop adapters
  'UNSUPPORTED_CAPABILITY',
  'SHOP_PRODUCT_NOT_FOUND',
  'SHOP_ADAPTER_FAILED',
  'INSUFFICIENT_STOCK',
  // amazon gateway
  'AMAZON_CALL_FAILED',
  'AMAZON_THROTTLED',
  'AMAZON_UNAVAILABLE',
  'AMAZON_NETWORK_ERROR',
  'AMAZON_AUTH_FAILED',
  'AMAZON_INVALID_REQUEST',
  'AMAZON_NOT_FOUND',
  'FEED_STUCK',
  'FEED_FATAL',
  'FEED_CANCELLED',
  'REPORT_FAILED',
  // listings
  'INVALID_LISTING',
  'LISTING_REJECTED',
  'SUBMISSION_INTERRUPTED',
  'SUBMISSION_TAKEN_OVER',
  // the scheduler tick (runOnce): one or more of its steps failed
  'SYNC_TICK_FAILED',
  // matching
  'INVALID_IDENTIFIER',
  'INVALID_CSV',
  'INVALID_MAPPING',
  // orders and shipments
  'INVALID_ORDER',
  'ORDER_SKIPPED',
  'INVALID_SHIPMENT',
  'SHIPMENT_REJECTED',
  'ACKNOWLEDGEMENT_ABANDONED',
  'SHIPMENT_ABANDONED',
  'ORDER_IMPORT_ABANDONED',
  'ORDER_ABANDONED',
] as const;

/** A stable, UPPER_SNAKE error code; see {@link SELLERSYNC_ERROR_CODES}. */
export type SellerSyncErrorCode = (typeof SELLERSYNC_ERROR_CODES)[number];
