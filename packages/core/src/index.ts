export {
  ALL_MARKETPLACES,
  CHANGE_KINDS,
  DEFAULT_ACCOUNT_ID,
  MAX_SKU_LENGTH,
  createChangeLog,
  enqueueChange,
  skuProblem,
  type ChangeClaim,
  type ChangeError,
  type ChangeFailure,
  type ChangeInput,
  type ChangeKind,
  type ChangeLogEntry,
  type ChangeLogOptions,
  type ChangeLogStats,
  type ChangeLogStore,
  type ChangeStatus,
  type ClaimOptions,
  type ClaimedChange,
  type EnqueueChangeOptions,
  type EnqueueChangeResult,
  type ListChangesOptions,
} from './change-log';
export { DEFAULT_TABLE_PREFIX, resolveTableNames, type TableNames } from './database/table-names';
export { migrate, type MigrateOptions, type MigrateResult } from './database/migrate';
export { databaseEngine, type DatabaseEngine } from './database/dialect';
export { SELLERSYNC_ERROR_CODES, SellerSyncError, type SellerSyncErrorCode, type SellerSyncErrorDetails } from './errors';
export { createSafeLogger, silentLogger, type Logger, type SafeLogger } from './logger';
export { MARKETPLACES, marketplaceInfo, type AmazonRegion, type MarketplaceInfo } from './marketplaces';
export { currencyDecimals, formatMoney, isCurrencyCode, parseMoney, type Money } from './money';
export {
  assertShopAdapter,
  hasCapability,
  requireCapability,
  type ListingCondition,
  type ShopAdapter,
  type ShopAdapterCapabilities,
  type ShopAdapterCapability,
  type ShopAddress,
  type ShopCatalogPage,
  type ShopCustomerDraft,
  type ShopListingData,
  type ShopOrderDraft,
  type ShopOrderLineDraft,
  type ShopOrderRef,
  type ShopPackage,
  type ShopProduct,
  type ShopProductDraft,
  type ShopProductQuery,
  type ShopSalePrice,
  type ShopShipment,
  type StockMovement,
  type StockReservation,
} from './shop-adapter';
export {
  createSellerSync,
  type AmazonAccountOptions,
  type SellerSync,
  type SellerSyncOptions,
  type SellerSyncStatus,
} from './sync';
