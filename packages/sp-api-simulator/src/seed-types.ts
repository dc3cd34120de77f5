export type { SeedCatalogItemInput } from './catalog/catalog-store';
export type { SeedListingInput } from './listings/seed-listing';
export type { SeedOrderInput, SeedOrderItemInput, SeedAddress } from './orders/orders-store';
