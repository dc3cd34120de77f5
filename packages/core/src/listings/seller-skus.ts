/** A row of the mapping table as the listings sync reads it. */
export interface ListingMapping {
  readonly marketplaceId: string;
  readonly sellerSku: string;
  readonly fulfillmentChannel: 'MFN' | 'AFN';
  readonly productRef: string;
  readonly variantRef: string | null;
  readonly asin: string | null;
}

/** The key of a shop product (or variant) in the maps of this module. */
export const productKey = (productRef: string, variantRef: string | null): string => JSON.stringify([productRef, variantRef]);

/** Groups mapping rows by the shop product they name ({@link productKey}). */
export function mappingsByProduct(mappings: readonly ListingMapping[]): Map<string, ListingMapping[]> {
  const out = new Map<string, ListingMapping[]>();
  for (const mapping of mappings) {
    const key = productKey(mapping.productRef, mapping.variantRef);
    const list = out.get(key);
    if (list) list.push(mapping);
    else out.set(key, [mapping]);
  }
  return out;
}

/** The seller SKUs one shop product has on one marketplace. */
export interface MarketplaceSellerSkus {
  /**
   * Whether the shop SKU itself is what Amazon sells there: `false` only when the mapping table
   * names another merchant-fulfilled (MFN) seller SKU of the product there and no row of the shop
   * SKU itself. An FBA (AFN) seller SKU never stands in for it: Amazon sells both, the shop SKU
   * with the shop's stock, the FBA one with Amazon's.
   */
  readonly shopSkuSold: boolean;
  /** The mapping row of the shop SKU itself there, when there is one. */
  readonly shopSkuMapping: ListingMapping | null;
  /** The row says the shop SKU is an FBA listing there: its price only, never its stock. */
  readonly shopSkuAmazonFulfilled: boolean;
  /** The product's other seller SKUs there (MFN and AFN), each of which gets the product's offer. */
  readonly others: readonly ListingMapping[];
}

/**
 * Which seller SKUs a shop product has on a marketplace, and whether its shop SKU is one of them.
 * `productMappings` are the mapping rows of that product (any marketplace). The one rule the
 * build, the fan-out of changes and `reconcile` all follow.
 */
export function sellerSkusOn(shopSku: string, productMappings: readonly ListingMapping[], marketplaceId: string): MarketplaceSellerSkus {
  let own: ListingMapping | null = null;
  const others: ListingMapping[] = [];
  for (const mapping of productMappings) {
    if (mapping.marketplaceId !== marketplaceId) continue;
    if (mapping.sellerSku === shopSku) own ??= mapping;
    else others.push(mapping);
  }
  return {
    shopSkuSold: own !== null || !others.some((mapping) => mapping.fulfillmentChannel === 'MFN'),
    shopSkuMapping: own,
    shopSkuAmazonFulfilled: own?.fulfillmentChannel === 'AFN',
    others,
  };
}
