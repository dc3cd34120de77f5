import type { ShopProduct } from '../shop-adapter';

/** How a listing is fulfilled: by the merchant (MFN) or by Amazon (AFN, FBA). */
export type FulfillmentChannel = 'MFN' | 'AFN';

/** Where a mapping came from. */
export type ProductMappingSource = 'listings-report' | 'csv-import' | 'catalog-search' | 'manual';

/**
 * One row of the mapping table: a seller SKU in one marketplace of one seller account, and the shop
 * product (or variant) it sells. Several seller SKUs MAY map one shop product (per marketplace, per
 * fulfilment channel); a seller SKU maps exactly one product per account and marketplace.
 */
export interface ProductMapping {
  readonly id: number;
  readonly accountId: string;
  readonly marketplaceId: string;
  /** Amazon's seller SKU, compared exactly (case and spaces matter). */
  readonly sellerSku: string;
  readonly fulfillmentChannel: FulfillmentChannel;
  readonly productRef: string;
  /** The shop's variant, or `null` for a product without variants. */
  readonly variantRef: string | null;
  /** The ASIN of the listing when known. */
  readonly asin: string | null;
  readonly source: ProductMappingSource;
  /**
   * The listing's title as the source gave it (stored as text, never evaluated), clipped to
   * `MAX_STORED_TEXT` (16,000) characters with a final `…`.
   */
  readonly title: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A mapping to store: the account is the store's. */
export interface ProductMappingInput {
  readonly marketplaceId: string;
  readonly sellerSku: string;
  /** Default `MFN`. */
  readonly fulfillmentChannel?: FulfillmentChannel;
  readonly productRef: string;
  readonly variantRef?: string | null;
  readonly asin?: string | null;
  readonly source: ProductMappingSource;
  readonly title?: string | null;
}

/** What happened to one mapping of an upsert. */
export type ProductMappingOutcome = 'created' | 'updated' | 'unchanged';

/** What {@link ProductMappingStore.upsert} did. */
export interface ProductMappingUpsertResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** One outcome per input, in input order (a repeated key counts where it last appears; earlier ones are `unchanged`). */
  readonly outcomes: readonly ProductMappingOutcome[];
}

/** Options of {@link ProductMappingStore.list}. */
export interface ListProductMappingsOptions {
  readonly marketplaceId?: string;
  readonly source?: ProductMappingSource;
  /** Keyset paging: only mappings with a larger id. */
  readonly afterId?: number;
  /** Default 1000. */
  readonly limit?: number;
  readonly offset?: number;
}

/**
 * The mapping table of one seller account. Reads MUST return `[]` when nothing matches and MUST
 * NOT throw for unknown SKUs, products or ASINs. Writes validate every input first and write
 * nothing when one is invalid.
 */
export interface ProductMappingStore {
  readonly accountId: string;
  /**
   * Creates or replaces mappings by (marketplace, seller SKU). Idempotent: storing the same mapping
   * again reports it `unchanged` and writes nothing. Rows are safe under concurrency (insert … on
   * conflict), but the outcomes are read before the write: a concurrent writer of the same SKU can
   * make a `created` really an update. Writes go in statements of 500 rows; pass a transaction
   * (`createProductMappings(trx)`) to make a call all-or-nothing, otherwise a failing statement
   * leaves the earlier ones stored.
   * @throws SellerSyncError `INVALID_MAPPING` naming the seller SKU, field and rule;
   *   `DATABASE_ERROR` when the database refuses a statement (the message never holds the SQL;
   *   the driver's error is the `cause`).
   */
  upsert(mappings: readonly ProductMappingInput[]): Promise<ProductMappingUpsertResult>;
  /** Mappings of these seller SKUs (in one marketplace, or all); ordered by id. */
  findBySellerSkus(sellerSkus: readonly string[], marketplaceId?: string): Promise<ProductMapping[]>;
  /**
   * Mappings of one shop product: `variantRef` omitted = every variant of the product, `null` = the
   * product without variant. Ordered by id.
   */
  findByProduct(productRef: string, variantRef?: string | null): Promise<ProductMapping[]>;
  /** Mappings of these shop products, any variant (in one marketplace, or all); ordered by id. */
  findByProductRefs(productRefs: readonly string[], marketplaceId?: string): Promise<ProductMapping[]>;
  /** Mappings whose listing has one of these ASINs; ordered by id. */
  findByAsins(asins: readonly string[], marketplaceId?: string): Promise<ProductMapping[]>;
  /** Mappings for display or export; ordered by id. */
  list(options?: ListProductMappingsOptions): Promise<ProductMapping[]>;
  count(options?: { readonly marketplaceId?: string; readonly source?: ProductMappingSource }): Promise<number>;
  /** Removes the mappings of these seller SKUs; returns how many. */
  remove(keys: readonly { readonly marketplaceId: string; readonly sellerSku: string }[]): Promise<number>;
  /**
   * The whole table of this account as CSV (comma, CRLF, header row) that `importMappingCsv` reads
   * back: the import's columns (Internal Reference left empty), then Product Ref and Variant Ref,
   * which name the shop product, then Source, Account and Updated At. Cells that a spreadsheet would
   * run as formulas (`=`, `+`, `-`, `@`, tab, CR first) are prefixed with `'`; the import removes it.
   */
  exportCsv(options?: { readonly marketplaceId?: string }): Promise<string>;
}

/** A listing or order item to find the shop product for. */
export interface MatchCandidate {
  readonly sellerSku?: string | null;
  readonly asin?: string | null;
  /** EAN, UPC, ISBN or GTIN-14 in any written form; normalised before comparison. */
  readonly gtin?: string | null;
  readonly marketplaceId: string;
  readonly fulfillmentChannel?: FulfillmentChannel;
}

/** The rule that found a product. */
export type MatchRule = 'asin' | 'seller-sku' | 'mapping' | 'gtin';

/** Why no product was found. */
export type MatchFailureReason = 'not-found' | 'ambiguous' | 'invalid-identifier';

/** The outcome of matching one candidate. */
export type MatchResult =
  | { readonly ok: true; readonly product: ShopProduct; readonly rule: MatchRule }
  | {
      readonly ok: false;
      readonly reason: MatchFailureReason;
      /** Names the candidate (seller SKU, ASIN, GTIN) and what went wrong. */
      readonly message: string;
      /** For `ambiguous`: the shop products that matched. */
      readonly candidates?: readonly ShopProduct[];
    };

/** The order of the rules: which identifier decides first. The mapping table and GTIN come after both. */
export type MatchPriority = 'asin-first' | 'sku-first';

/** Finds shop products for Amazon listings and order items. */
export interface ProductMatcher {
  /**
   * One result per candidate, in input order. Rules are tried by priority (ASIN and seller SKU in
   * the configured order, then the mapping table, then GTIN); the first rule that finds exactly one
   * product decides, unless a higher rule found several products that do not include it
   * (`ambiguous`). Invalid identifiers are never matched: when nothing else matches the reason is
   * `invalid-identifier`. MUST NOT throw for a bad candidate; adapter or database failures reject.
   */
  match(items: readonly MatchCandidate[]): Promise<MatchResult[]>;
}
