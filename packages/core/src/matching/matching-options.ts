import type { WaitOptions } from '../amazon-gateway';
import type { FulfillmentChannel, MatchPriority } from './product-mapping';

/** Catalog matching settings of `createSellerSync({ matching })`; each call may override them. */
export interface MatchingOptions {
  /** Which identifier decides first when matching listings and order items. Default `sku-first`. */
  readonly priority?: MatchPriority;
  /**
   * `syncActiveListings`: create the shop products of listings that match nothing (needs the
   * adapter's `createProducts` capability). Default `false`.
   */
  readonly createMissingProducts?: boolean;
  /** The shop category of products created from listings. Default `null` (the adapter decides). */
  readonly defaultCategoryRef?: string | null;
  /** Decode listings reports with this charset instead of the one their download names. */
  readonly reportCharset?: string;
  /** How long and how often to poll the listings report. */
  readonly reportWait?: WaitOptions;
  /** Matching mode: the fulfilment channel of offers it creates. Default `MFN`. */
  readonly fulfillmentChannel?: FulfillmentChannel;
}
