export { createSellerSync, type SellerSync, type SellerSyncStatus, type TickStep } from './create-seller-sync';
export { validateSellerSyncOptions, type AmazonAccountOptions, type SellerSyncOptions, type SellerSyncPartition } from './seller-sync-options';
