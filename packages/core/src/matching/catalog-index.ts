import type { ShopAdapter, ShopProduct } from '../shop-adapter';
import { parseAsin, parseProductIdentifier } from './product-identifier';

/**
 * The shop catalog in memory, indexed by seller SKU, ASIN, GTIN-14 and product reference, for
 * matching many listings at once (the listings report). Products whose GTIN or ASIN is invalid are
 * not indexed under it, so they are never matched by it.
 */
export interface CatalogIndex {
  /** Products indexed. */
  readonly size: number;
  bySku(sku: string): readonly ShopProduct[];
  /** By a normalised ASIN (upper case). */
  byAsin(asin: string): readonly ShopProduct[];
  byGtin14(gtin14: string): readonly ShopProduct[];
  /** `variantRef` `null` = the product without variant. */
  byRef(productRef: string, variantRef: string | null): ShopProduct | undefined;
  /** Products whose stored GTIN is not a valid identifier (never matched by it). */
  readonly invalidGtins: number;
}

/**
 * A catalog index that products can be added to after it was built: the listings report sync adds
 * the products it creates, so that a later row or marketplace finds them instead of creating them
 * again.
 */
export interface GrowingCatalogIndex extends CatalogIndex {
  add(product: ShopProduct): void;
}

type Slot = ShopProduct | ShopProduct[];

const EMPTY: readonly ShopProduct[] = [];

/** The key of a shop product or variant in maps. */
export function productKey(productRef: string, variantRef: string | null): string {
  return variantRef === null ? productRef : `${productRef}\u0000${variantRef}`;
}

function add(map: Map<string, Slot>, key: string, product: ShopProduct): void {
  const slot = map.get(key);
  if (slot === undefined) map.set(key, product);
  else if (Array.isArray(slot)) slot.push(product);
  else map.set(key, [slot, product]);
}

function read(map: Map<string, Slot>, key: string): readonly ShopProduct[] {
  const slot = map.get(key);
  return slot === undefined ? EMPTY : Array.isArray(slot) ? slot : [slot];
}

const ASIN_SHAPE = /^B0[0-9A-Z]{8}$/;

/** Builds an index from products already in memory. */
export function indexProducts(products: Iterable<ShopProduct>): GrowingCatalogIndex {
  const skus = new Map<string, Slot>();
  const asins = new Map<string, Slot>();
  const gtins = new Map<string, Slot>();
  let refs: Map<string, ShopProduct> | null = null;
  const all: ShopProduct[] = [];
  let invalidGtins = 0;
  const insert = (product: ShopProduct) => {
    all.push(product);
    add(skus, product.sku, product);
    if (product.asin) {
      const upper = product.asin.toUpperCase();
      if (ASIN_SHAPE.test(upper)) add(asins, upper, product);
      else {
        const parsed = parseAsin(product.asin);
        if (parsed.ok) add(asins, parsed.value, product);
      }
    }
    if (product.gtin) {
      const parsed = parseProductIdentifier(product.gtin);
      if (parsed.ok && parsed.gtin14 !== null) add(gtins, parsed.gtin14, product);
      else invalidGtins += 1;
    }
    refs?.set(productKey(product.productRef, product.variantRef), product);
  };
  for (const product of products) insert(product);
  return {
    get size() {
      return all.length;
    },
    get invalidGtins() {
      return invalidGtins;
    },
    add: insert,
    bySku: (sku) => read(skus, sku),
    byAsin: (asin) => read(asins, asin),
    byGtin14: (gtin14) => read(gtins, gtin14),
    byRef(productRef, variantRef) {
      // built on first use: only the mapping rule needs it
      if (refs === null) {
        refs = new Map();
        for (const product of all) refs.set(productKey(product.productRef, product.variantRef), product);
      }
      return refs.get(productKey(productRef, variantRef));
    },
  };
}

/** Reads the whole catalog with `scanCatalog` (pages of `pageSize`, default 1000) and indexes it. */
export async function buildCatalogIndex(adapter: ShopAdapter, options: { readonly pageSize?: number } = {}): Promise<GrowingCatalogIndex> {
  const pageSize = options.pageSize ?? 1000;
  const products: ShopProduct[] = [];
  let cursor: string | null = null;
  do {
    const page = await adapter.scanCatalog({ cursor, limit: pageSize });
    for (const product of page.items) products.push(product);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return indexProducts(products);
}
