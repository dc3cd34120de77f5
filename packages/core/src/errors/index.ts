export { SELLERSYNC_ERROR_CODES, type SellerSyncErrorCode } from './error-codes';
export {
  SellerSyncError,
  describeValue,
  driverMessage,
  notImplemented,
  type SellerSyncErrorDetails,
  type SellerSyncErrorOptions,
} from './sellersync-error';
