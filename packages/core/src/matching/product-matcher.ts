import { chunk } from '../database/dialect';
import { SellerSyncError, describeValue } from '../errors';
import type { ShopAdapter, ShopProduct } from '../shop-adapter';
import { buildCatalogIndex, indexProducts, productKey, type CatalogIndex } from './catalog-index';
import { equivalentIdentifierForms, parseAsin, parseProductIdentifier } from './product-identifier';
import type {
  MatchCandidate,
  MatchPriority,
  MatchResult,
  MatchRule,
  ProductMapping,
  ProductMappingStore,
  ProductMatcher,
} from './product-mapping';

/** Options of {@link createProductMatcher}. */
export interface ProductMatcherOptions {
  readonly adapter: ShopAdapter;
  readonly mappings: ProductMappingStore;
  /** Which identifier decides first. Default `sku-first`. */
  readonly priority?: MatchPriority;
  /**
   * A catalog index to match against instead of asking the adapter (the listings sync builds one
   * per run). Without it, a call with at least `bulkThreshold` candidates scans the catalog once
   * and matches in memory; smaller calls look products up.
   */
  readonly catalogIndex?: CatalogIndex;
  /** Default 2000. */
  readonly bulkThreshold?: number;
  /** Page size of the catalog scan. Default 1000. */
  readonly scanPageSize?: number;
}

const LOOKUP_CHUNK = 500;

/** What the rules read: the shop catalog and the mapping table, however they were fetched. */
interface MatchSources {
  bySku(sku: string): readonly ShopProduct[];
  byAsin(asin: string): readonly ShopProduct[];
  byGtin14(gtin14: string): readonly ShopProduct[];
  byRef(productRef: string, variantRef: string | null): ShopProduct | undefined;
  mappingBySku(marketplaceId: string, sellerSku: string): ProductMapping | undefined;
  mappingsByAsin(marketplaceId: string, asin: string): readonly ProductMapping[];
}

interface PreparedCandidate {
  readonly candidate: MatchCandidate;
  readonly sellerSku: string | null;
  readonly asin: string | null;
  readonly gtin14: string | null;
  readonly invalid: readonly string[];
}

const keyOf = (product: ShopProduct) => productKey(product.productRef, product.variantRef);

function unique(products: readonly ShopProduct[]): readonly ShopProduct[] {
  if (products.length < 2) return products;
  const seen = new Map<string, ShopProduct>();
  for (const product of products) seen.set(keyOf(product), product);
  return [...seen.values()];
}

function prepare(candidate: MatchCandidate): PreparedCandidate {
  const invalid: string[] = [];
  const sellerSku = typeof candidate.sellerSku === 'string' && candidate.sellerSku.length > 0 ? candidate.sellerSku : null;
  let asin: string | null = null;
  if (candidate.asin !== null && candidate.asin !== undefined && candidate.asin !== '') {
    const parsed = parseAsin(candidate.asin);
    if (parsed.ok) asin = parsed.value;
    else invalid.push(`ASIN: ${parsed.message}`);
  }
  let gtin14: string | null = null;
  if (candidate.gtin !== null && candidate.gtin !== undefined && candidate.gtin !== '') {
    const parsed = parseProductIdentifier(candidate.gtin);
    if (parsed.ok) gtin14 = parsed.gtin14;
    else invalid.push(`GTIN: ${parsed.message}`);
  }
  return { candidate, sellerSku, asin, gtin14, invalid };
}

function describeCandidate(prepared: PreparedCandidate): string {
  const parts: string[] = [];
  if (prepared.candidate.sellerSku) parts.push(`seller SKU ${describeValue(prepared.candidate.sellerSku)}`);
  if (prepared.candidate.asin) parts.push(`ASIN ${describeValue(prepared.candidate.asin)}`);
  if (prepared.candidate.gtin) parts.push(`GTIN ${describeValue(prepared.candidate.gtin)}`);
  if (parts.length === 0) parts.push('an item without seller SKU, ASIN or GTIN');
  return `${parts.join(', ')} in marketplace ${prepared.candidate.marketplaceId}`;
}

const RULE_WORDS: Record<MatchRule, string> = {
  asin: 'ASIN',
  'seller-sku': 'SKU',
  mapping: 'mapping table entry',
  gtin: 'GTIN',
};

function describeProducts(products: readonly ShopProduct[]): string {
  const shown = products.slice(0, 5).map((p) => `${p.sku} (ref ${p.productRef}${p.variantRef === null ? '' : `/${p.variantRef}`})`);
  return `${shown.join(', ')}${products.length > 5 ? ` and ${products.length - 5} more` : ''}`;
}

function evaluate(rule: MatchRule, prepared: PreparedCandidate, sources: MatchSources): readonly ShopProduct[] {
  switch (rule) {
    case 'seller-sku':
      return prepared.sellerSku === null ? [] : unique(sources.bySku(prepared.sellerSku));
    case 'asin':
      return prepared.asin === null ? [] : unique(sources.byAsin(prepared.asin));
    case 'gtin':
      return prepared.gtin14 === null ? [] : unique(sources.byGtin14(prepared.gtin14));
    case 'mapping': {
      const marketplaceId = prepared.candidate.marketplaceId;
      const mappings =
        prepared.sellerSku !== null
          ? [sources.mappingBySku(marketplaceId, prepared.sellerSku)].filter((m): m is ProductMapping => m !== undefined)
          : prepared.asin !== null
            ? sources.mappingsByAsin(marketplaceId, prepared.asin)
            : [];
      const products: ShopProduct[] = [];
      for (const mapping of mappings) {
        const product = sources.byRef(mapping.productRef, mapping.variantRef);
        if (product) products.push(product);
      }
      return unique(products);
    }
  }
}

/** Applies the rules to one candidate; see {@link ProductMatcher.match}. */
function decide(prepared: PreparedCandidate, rules: readonly MatchRule[], sources: MatchSources): MatchResult {
  let ambiguous: { rule: MatchRule; products: readonly ShopProduct[] } | null = null;
  for (const rule of rules) {
    const found = evaluate(rule, prepared, sources);
    if (found.length === 0) continue;
    if (ambiguous === null) {
      if (found.length === 1) return { ok: true, product: found[0]!, rule };
      ambiguous = { rule, products: found };
      continue;
    }
    if (found.length === 1) {
      const only = found[0]!;
      if (ambiguous.products.some((p) => keyOf(p) === keyOf(only))) return { ok: true, product: only, rule };
      const products = unique([...ambiguous.products, only]);
      return {
        ok: false,
        reason: 'ambiguous',
        message:
          `${describeCandidate(prepared)}: its ${RULE_WORDS[ambiguous.rule]} matches ${describeProducts(ambiguous.products)} but its ` +
          `${RULE_WORDS[rule]} matches ${describeProducts([only])}. Map the seller SKU explicitly (CSV import) or fix the shop data.`,
        candidates: products,
      };
    }
  }
  if (ambiguous !== null)
    return {
      ok: false,
      reason: 'ambiguous',
      message:
        `${describeCandidate(prepared)}: ${ambiguous.products.length} shop products share its ${RULE_WORDS[ambiguous.rule]}: ` +
        `${describeProducts(ambiguous.products)}. Nothing was guessed; map the seller SKU explicitly (CSV import) or make the shop data unique.`,
      candidates: ambiguous.products,
    };
  if (prepared.invalid.length > 0)
    return {
      ok: false,
      reason: 'invalid-identifier',
      message: `${describeCandidate(prepared)}: no match, and an identifier is invalid so it was not used: ${prepared.invalid.join('; ')}`,
    };
  return {
    ok: false,
    reason: 'not-found',
    message:
      `No shop product for ${describeCandidate(prepared)}: no product has that SKU, ASIN or GTIN and the mapping table has no entry. ` +
      `Map it with a CSV import or create the product in the shop.`,
  };
}

/** The rules in the order a priority tries them. */
export function matchRules(priority: MatchPriority): readonly MatchRule[] {
  return priority === 'asin-first' ? ['asin', 'seller-sku', 'mapping', 'gtin'] : ['seller-sku', 'asin', 'mapping', 'gtin'];
}

interface MappingLookup {
  bySku: Map<string, ProductMapping>;
  byAsin: Map<string, ProductMapping[]>;
}

async function loadMappings(store: ProductMappingStore, prepared: readonly PreparedCandidate[]): Promise<MappingLookup> {
  const skusByMarketplace = new Map<string, Set<string>>();
  const asinsByMarketplace = new Map<string, Set<string>>();
  for (const item of prepared) {
    const marketplaceId = item.candidate.marketplaceId;
    if (item.sellerSku !== null) {
      const set = skusByMarketplace.get(marketplaceId) ?? new Set();
      set.add(item.sellerSku);
      skusByMarketplace.set(marketplaceId, set);
    } else if (item.asin !== null) {
      const set = asinsByMarketplace.get(marketplaceId) ?? new Set();
      set.add(item.asin);
      asinsByMarketplace.set(marketplaceId, set);
    }
  }
  const bySku = new Map<string, ProductMapping>();
  const byAsin = new Map<string, ProductMapping[]>();
  const keep = (mapping: ProductMapping) => {
    bySku.set(`${mapping.marketplaceId}\u0000${mapping.sellerSku}`, mapping);
    if (mapping.asin !== null) {
      const key = `${mapping.marketplaceId}\u0000${mapping.asin}`;
      byAsin.set(key, [...(byAsin.get(key) ?? []), mapping]);
    }
  };
  for (const [marketplaceId, skus] of skusByMarketplace) {
    const stored = await store.count({ marketplaceId });
    if (stored === 0) continue;
    if (stored <= skus.size) {
      // cheaper to read the marketplace's whole table than to ask for every SKU
      for (let afterId = 0; ; ) {
        const page = await store.list({ marketplaceId, afterId, limit: 5000 });
        for (const mapping of page) if (skus.has(mapping.sellerSku)) keep(mapping);
        if (page.length < 5000) break;
        afterId = page[page.length - 1]!.id;
      }
    } else for (const mapping of await store.findBySellerSkus([...skus], marketplaceId)) keep(mapping);
  }
  for (const [marketplaceId, asins] of asinsByMarketplace) for (const mapping of await store.findByAsins([...asins], marketplaceId)) keep(mapping);
  return { bySku, byAsin };
}

async function lookupSources(adapter: ShopAdapter, prepared: readonly PreparedCandidate[], mappings: MappingLookup): Promise<MatchSources> {
  const skus = new Set<string>();
  const asins = new Set<string>();
  const gtinForms = new Set<string>();
  const refs = new Set<string>();
  for (const item of prepared) {
    if (item.sellerSku !== null) skus.add(item.sellerSku);
    if (item.asin !== null) asins.add(item.asin);
    if (item.gtin14 !== null) for (const form of equivalentIdentifierForms(item.gtin14)) gtinForms.add(form);
  }
  for (const mapping of mappings.bySku.values()) refs.add(mapping.productRef);
  for (const list of mappings.byAsin.values()) for (const mapping of list) refs.add(mapping.productRef);
  const found: ShopProduct[] = [];
  for (const part of chunk([...skus], LOOKUP_CHUNK)) found.push(...(await adapter.getProductsBySku(part)));
  for (const part of chunk([...asins], LOOKUP_CHUNK)) found.push(...(await adapter.findProducts({ asins: part })));
  for (const part of chunk([...gtinForms], LOOKUP_CHUNK)) found.push(...(await adapter.findProducts({ gtins: part })));
  for (const part of chunk([...refs], LOOKUP_CHUNK)) found.push(...(await adapter.findProducts({ productRefs: part })));
  return withMappings(indexProducts(unique(found)), mappings);
}

function withMappings(index: CatalogIndex, mappings: MappingLookup): MatchSources {
  return {
    bySku: index.bySku,
    byAsin: index.byAsin,
    byGtin14: index.byGtin14,
    byRef: index.byRef,
    mappingBySku: (marketplaceId, sellerSku) => mappings.bySku.get(`${marketplaceId}\u0000${sellerSku}`),
    mappingsByAsin: (marketplaceId, asin) => mappings.byAsin.get(`${marketplaceId}\u0000${asin}`) ?? [],
  };
}

const NO_MAPPINGS: MappingLookup = { bySku: new Map(), byAsin: new Map() };

/**
 * Matches candidates against an index alone, without the mapping table, synchronously and with the
 * rules of {@link ProductMatcher.match} (the mapping rule finds nothing). The listings report sync
 * uses it to find the products it created earlier in the same run.
 */
export function matchInIndex(items: readonly MatchCandidate[], index: CatalogIndex, priority: MatchPriority = 'sku-first'): MatchResult[] {
  const sources = withMappings(index, NO_MAPPINGS);
  const rules = matchRules(priority);
  return items.map((item) => decide(prepare(item), rules, sources));
}

/**
 * Finds the shop products of Amazon listings and order items (see {@link ProductMatcher}). Few
 * candidates are looked up (mapping table and `adapter.getProductsBySku` / `findProducts`); many are
 * matched in memory against a catalog index.
 */
export function createProductMatcher(options: ProductMatcherOptions): ProductMatcher {
  const priority = options.priority ?? 'sku-first';
  if (priority !== 'sku-first' && priority !== 'asin-first')
    throw new SellerSyncError({
      code: 'INVALID_OPTIONS',
      message: `createProductMatcher: priority must be "asin-first" or "sku-first"; got ${describeValue(priority)}.`,
      details: { field: 'priority', rule: 'asin-first or sku-first', value: priority },
    });
  const rules = matchRules(priority);
  const threshold = options.bulkThreshold ?? 2000;
  return {
    async match(items) {
      if (items.length === 0) return [];
      const prepared = items.map(prepare);
      const mappings = await loadMappings(options.mappings, prepared);
      let sources: MatchSources;
      if (options.catalogIndex) sources = withMappings(options.catalogIndex, mappings);
      else if (items.length >= threshold)
        sources = withMappings(await buildCatalogIndex(options.adapter, { pageSize: options.scanPageSize }), mappings);
      else sources = await lookupSources(options.adapter, prepared, mappings);
      return prepared.map((item) => decide(item, rules, sources));
    },
  };
}
