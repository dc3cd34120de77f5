export { createSellerSync, type SellerSync, type SellerSyncStatus } from './create-seller-sync';
export { validateSellerSyncOptions, type AmazonAccountOptions, type SellerSyncOptions } from './seller-sync-options';
