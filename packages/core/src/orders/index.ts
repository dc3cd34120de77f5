export { XML_FEED_CONTENT_TYPE, parseProcessingReport, type ProcessingReport, type ProcessingReportResult } from './amazon-xml-feed';
export { ORDER_ACKNOWLEDGEMENT_FEED_TYPE, buildOrderAcknowledgementFeed, type OrderAcknowledgement } from './order-acknowledgement-feed';
export {
  SUMMARY_LIST_LIMIT,
  type MarketplaceImportReport,
  type OrderErrorReport,
  type OrderImportRunInProgress,
  type OrderImportSummary,
  type OrderSkipReason,
  type OrderWarningReport,
  type SkippedOrderReport,
} from './order-import-runs';
export { ORDER_INCLUDED_DATA, createOrderImporter, type ImportOrdersRunOptions, type OrderImporter, type OrderImporterOptions } from './order-importer';
export {
  amazonOrderStatus,
  fakeOrderEmail,
  isFbaOrder,
  mapAmazonOrder,
  orderLineCandidates,
  type MappedOrder,
  type OrderMapperContext,
  type OrderStockLine,
  type SkippedOrder,
} from './order-mapper';
export {
  createOrderStore,
  type ImportedOrder,
  type ImportedOrderState,
  type OrderAckState,
  type OrderCursor,
  type OrderItemQuantity,
  type OrderShipmentState,
  type OrderStockState,
  type OrderStore,
} from './order-store';
export { SALES_TAX_MARKETPLACE_IDS, computeOrderTotals, marketplacePricesIncludeTax, type OrderLineTotals, type OrderTotals } from './order-totals';
export {
  AMAZON_ORDER_STATUSES,
  DEFAULT_FBA_ORDER_STATUS_MAP,
  DEFAULT_ORDER_STATUS_MAP,
  DEFAULT_PAYMENT_STATUS_MAP,
  resolveOrdersOptions,
  type OrderStatusMap,
  type OrdersOptions,
  type ResolvedOrdersOptions,
} from './orders-options';
export { AMAZON_ORDER_ID_PATTERN, validateAmazonOrder } from './validate-amazon-order';
