import type { Money } from '../money';

/**
 * What a shop adapter can do beyond the catalog reads every adapter provides. Core never calls a
 * member whose capability is not declared; it picks another strategy or reports the capability as
 * missing (`UNSUPPORTED_CAPABILITY`).
 */
export interface ShopAdapterCapabilities {
  /** `getListingData`: product metadata for full listing updates (title, images, ...). */
  readonly listingData: boolean;
  /** `createOrder`, `findOrderByExternalId`, `updateOrderStatus`, `adjustStock`. */
  readonly orders: boolean;
  /** `reserveStock`, `commitStockReservation`, `releaseStockReservation`. */
  readonly stockReservations: boolean;
  /** `listShipments`: shop orders that shipped, with carrier and tracking. */
  readonly shipments: boolean;
  /** `ensurePlaceholderProduct`: a hidden product for order lines that match nothing. */
  readonly placeholderProduct: boolean;
  /** `createProduct`: create shop products from Amazon listings. */
  readonly createProducts: boolean;
}

/** The name of one capability. */
export type ShopAdapterCapability = keyof ShopAdapterCapabilities;

/** A sale price with its validity window (UTC instants; `null` = open-ended). */
export interface ShopSalePrice {
  readonly price: Money;
  readonly startsAt: Date | null;
  readonly endsAt: Date | null;
}

/**
 * A sellable shop product or variant as sellersync sees it: identity (for matching) and offer
 * (for price and stock sync).
 */
export interface ShopProduct {
  /** The shop's product id. */
  readonly productRef: string;
  /** The shop's variant (combination) id, or `null` for a product without variants. */
  readonly variantRef: string | null;
  /**
   * The shop's reference, which is the seller SKU unless the mapping table says otherwise: where the
   * mapping table names other seller SKUs for this product on a marketplace, those get its offer
   * and the shop SKU is not sent there.
   */
  readonly sku: string;
  readonly title: string;
  /** EAN / UPC / ISBN as the shop stores it (not normalised), or `null`. */
  readonly gtin: string | null;
  /** The ASIN when the shop stores one, or `null`. */
  readonly asin: string | null;
  /** Sellable quantity: physical stock minus reservations. May be invalid: core validates it. */
  readonly quantity: number;
  /** Regular price, tax included, in the shop's currency. */
  readonly price: Money;
  /** The current or scheduled sale price, or `null`. */
  readonly salePrice: ShopSalePrice | null;
  /**
   * Marketplaces this product may be sold on, or `null` for all that the account enables. A
   * marketplace dropped from this list gets the offer Amazon still holds there withdrawn (quantity 0).
   */
  readonly marketplaceIds: readonly string[] | null;
  /** `false` for a disabled product: its offer is sent with quantity 0. */
  readonly active: boolean;
}

/** Amazon's condition values for offers (`condition_type`). */
export type ListingCondition =
  | 'new_new'
  | 'new_open_box'
  | 'new_oem'
  | 'refurbished_refurbished'
  | 'used_like_new'
  | 'used_very_good'
  | 'used_good'
  | 'used_acceptable'
  | 'collectible_like_new'
  | 'collectible_very_good'
  | 'collectible_good'
  | 'collectible_acceptable'
  | 'club_club';

/** Product metadata for a full listing (`UPDATE` with a product type). */
export interface ShopListingData {
  readonly sku: string;
  readonly productRef: string;
  readonly variantRef: string | null;
  /** Amazon product type (`PRODUCT`, `SHIRT`, ...), or `null` to use the configured default. */
  readonly productType: string | null;
  readonly title: string;
  readonly description: string | null;
  readonly brand: string | null;
  readonly manufacturer: string | null;
  readonly bulletPoints: readonly string[];
  /** Amazon browse node id (`recommended_browse_nodes`). */
  readonly browseNodeId: string | null;
  /** Shop tags, sent as search terms (`generic_keyword`). */
  readonly searchTerms: readonly string[];
  /** Absolute https image URLs. */
  readonly images: { readonly main: string | null; readonly others: readonly string[] };
  readonly condition: ListingCondition | null;
  readonly gtin: string | null;
  /** Language of the texts (`de_DE`), or `null` for the marketplace's default. */
  readonly languageTag: string | null;
}

/** One page of a catalog scan. */
export interface ShopCatalogPage {
  readonly items: readonly ShopProduct[];
  /** Pass to the next call; `null` after the last page. */
  readonly nextCursor: string | null;
}

/** What to look products up by; a product matches when any one identifier matches. */
export interface ShopProductQuery {
  readonly skus?: readonly string[];
  readonly productRefs?: readonly string[];
  /** Compared with the stored value exactly; core passes every equivalent form it wants found. */
  readonly gtins?: readonly string[];
  readonly asins?: readonly string[];
}

/** A postal address of an order. */
export interface ShopAddress {
  readonly name: string;
  readonly company: string | null;
  readonly line1: string;
  readonly line2: string | null;
  readonly line3: string | null;
  readonly city: string;
  readonly region: string | null;
  readonly postalCode: string | null;
  /** ISO 3166-1 alpha-2. */
  readonly countryCode: string;
  readonly phone: string | null;
}

/** The buyer as the shop order needs them; only what the order needs is kept. */
export interface ShopCustomerDraft {
  /** A real e-mail, or a non-deliverable one derived from the order id (option `fakeEmail`). */
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly company: string | null;
  /** Tax id / DNI for shops that require one, possibly a configured placeholder. */
  readonly taxId: string | null;
  /** `true`: find the shop customer by e-mail and create it if missing; `false`: a guest. */
  readonly matchByEmail: boolean;
}

/** One order line. */
export interface ShopOrderLineDraft {
  /** Amazon's order item id. */
  readonly externalLineId: string;
  /** The matched product, or `null` for a line that matched nothing (kept with its name). */
  readonly productRef: string | null;
  readonly variantRef: string | null;
  readonly sku: string | null;
  readonly asin: string | null;
  /** The line name; prefixed `{FBA}` for unmatched FBA items on the placeholder product. */
  readonly name: string;
  readonly quantity: number;
  /** Unit price, tax included. */
  readonly unitPrice: Money;
  /** Tax of the whole line. */
  readonly tax: Money;
  /** Promotion discount of the whole line (positive amount). */
  readonly discount: Money;
  /** `true` when the line is on the placeholder product. */
  readonly placeholder: boolean;
}

/** A normalised order, built by core from an Amazon order, for the adapter to create. */
export interface ShopOrderDraft {
  /** The Amazon order id; `createOrder` is idempotent by it. */
  readonly externalId: string;
  readonly accountId: string;
  readonly marketplaceId: string;
  /** The shop status, mapped from Amazon's. */
  readonly status: string;
  readonly fulfilledBy: 'merchant' | 'amazon';
  readonly purchasedAt: Date;
  readonly currency: string;
  readonly customer: ShopCustomerDraft;
  readonly shippingAddress: ShopAddress | null;
  readonly billingAddress: ShopAddress | null;
  readonly lines: readonly ShopOrderLineDraft[];
  /** `carrier`: the shop carrier mapped from Amazon's ship service level; `null` when none maps, and always for FBA orders (Amazon ships them). */
  readonly shipping: { readonly carrier: string | null; readonly price: Money; readonly tax: Money; readonly discount: Money };
  readonly payment: { readonly method: string; readonly status: string };
  /** Amazon's order total; lines + shipping − discounts add up to it unless `notes` says otherwise. */
  readonly total: Money;
  readonly taxTotal: Money;
  /** Remarks for the shop's staff (a total mismatch, an unmatched line, ...). */
  readonly notes: readonly string[];
}

/** A shop order created or found for an Amazon order. */
export interface ShopOrderRef {
  readonly orderRef: string;
  readonly status: string;
}

/** A stock change with an id; applying the same id twice changes nothing. */
export interface StockMovement {
  readonly movementId: string;
  readonly productRef: string;
  readonly variantRef: string | null;
  /** Negative to take stock, positive to give it back. */
  readonly delta: number;
}

/** Stock held for an order that is not final yet (a Pending Amazon order). */
export interface StockReservation {
  /** Usually the Amazon order id; reserving the same id twice changes nothing. */
  readonly reservationId: string;
  readonly lines: readonly { readonly productRef: string; readonly variantRef: string | null; readonly quantity: number }[];
}

/** A package of a shipped shop order. */
export interface ShopPackage {
  /** Stable within the order: confirming the same package twice is recognised by it. */
  readonly packageId: string;
  /** The shop's carrier name; core maps it to Amazon's carrier code. */
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly shippingMethod: string | null;
  /** Lines in this package by Amazon order item id, or `null` for every line of the order. */
  readonly lines: readonly { readonly externalLineId: string; readonly quantity: number }[] | null;
}

/** A shop order that reached a shipped status. */
export interface ShopShipment {
  readonly orderRef: string;
  readonly shippedAt: Date;
  readonly packages: readonly ShopPackage[];
}

/** What `createProduct` needs to add a product from an Amazon listing. */
export interface ShopProductDraft {
  readonly sku: string;
  readonly title: string;
  readonly gtin: string | null;
  readonly asin: string | null;
  readonly price: Money;
  readonly quantity: number;
  /** The shop category to put it in, from the adapter's or the host's configuration. */
  readonly categoryRef: string | null;
}

/**
 * The contract between sellersync and a shop. An adapter is a factory over an injected connection
 * (`prestashopAdapter(knex, options)`) that returns this plain object; it never opens connections
 * of its own. Members marked with a capability exist when that capability is declared.
 *
 * Identity rules: SKUs are compared exactly (case and spaces matter). A product or variant is named
 * by `(productRef, variantRef)`.
 */
export interface ShopAdapter {
  /** A short name for messages (`prestashop`, `medusa`, `memory`). */
  readonly name: string;
  readonly capabilities: ShopAdapterCapabilities;

  /**
   * Products for these SKUs. MUST return only products whose `sku` is one of `skus` (unknown SKUs are
   * simply absent); MUST return several items when the shop holds one SKU twice (core reports it);
   * order is not significant. MUST NOT throw for an unknown SKU. MUST return disabled products too,
   * with `active: false` (core sends their offers with quantity 0); MUST NOT return the placeholder
   * product. A variant is returned with its own `sku` and `variantRef` and the `productRef` of its
   * product.
   */
  getProductsBySku(skus: readonly string[]): Promise<readonly ShopProduct[]>;

  /**
   * One page of the whole catalog, for reconcile and matching. Pages MUST follow a stable order so
   * that a complete scan of an unchanged catalog returns every product exactly once, inactive ones
   * (`active: false`) included; `cursor` is `null` for the first page. A page MUST hold at most
   * `limit` items (it MAY hold fewer, also before the last page); `nextCursor` is `null` only
   * after the last page.
   */
  scanCatalog(options: { readonly cursor: string | null; readonly limit: number }): Promise<ShopCatalogPage>;

  /**
   * Products matching any of the identifiers (exact comparison). MUST return `[]` when nothing
   * matches; MUST NOT return a product twice.
   */
  findProducts(query: ShopProductQuery): Promise<readonly ShopProduct[]>;

  /** [listingData] Listing metadata for these SKUs; unknown SKUs are absent. */
  getListingData?(skus: readonly string[]): Promise<readonly ShopListingData[]>;

  /**
   * [orders] Creates the shop order for an Amazon order. MUST be idempotent by `draft.externalId`:
   * when an order with that external id exists, return it unchanged (`created: false`). MUST NOT
   * change stock: core moves stock through the stock members.
   *
   * Concurrency: core never calls it concurrently for one `externalId` (the order import claims
   * each Amazon order before creating it), but a crashed import is resumed by another worker, which
   * calls it again for an order that may already exist: idempotency by `externalId` MUST hold.
   */
  createOrder?(draft: ShopOrderDraft): Promise<ShopOrderRef & { readonly created: boolean }>;
  /** [orders] The shop order created for an Amazon order id, or `null`. */
  findOrderByExternalId?(externalId: string): Promise<ShopOrderRef | null>;
  /** [orders] Sets the status of a shop order; setting the current status again changes nothing. */
  updateOrderStatus?(orderRef: string, status: string): Promise<void>;
  /**
   * [orders] Applies stock movements. MUST apply each `movementId` at most once, whatever the number
   * of calls; MAY let stock go negative (the shop decides), and MUST NOT fail the other movements of
   * the call when one product is unknown (it is skipped and reported in `unknown`).
   */
  adjustStock?(movements: readonly StockMovement[]): Promise<{ readonly applied: number; readonly unknown: readonly string[] }>;

  /**
   * [stockReservations] Holds stock for a pending order: the sellable quantity goes down at once.
   * Idempotent by `reservationId`.
   */
  reserveStock?(reservation: StockReservation): Promise<void>;
  /**
   * [stockReservations] Turns a reservation into a sale (sellable quantity unchanged, physical stock
   * down). Idempotent; committing an unknown id does nothing.
   */
  commitStockReservation?(reservationId: string): Promise<void>;
  /**
   * [stockReservations] Gives the stock of a reservation back, reserved or committed (a cancelled
   * order). Idempotent; releasing an unknown or released id does nothing.
   */
  releaseStockReservation?(reservationId: string): Promise<void>;

  /**
   * [shipments] Of these shop orders, those in one of `shippedStatuses`, with their packages.
   * Orders not shipped (or unknown) are absent. A package's `packageId` MUST stay the same between
   * calls.
   */
  listShipments?(options: {
    readonly orderRefs: readonly string[];
    readonly shippedStatuses: readonly string[];
  }): Promise<readonly ShopShipment[]>;

  /**
   * [placeholderProduct] A hidden, non-sellable product for order lines that match nothing (FBA
   * items). Idempotent by `key`: the same key always returns the same product.
   */
  ensurePlaceholderProduct?(options: { readonly key: string; readonly name: string }): Promise<{ readonly productRef: string }>;

  /**
   * [createProducts] Creates a product from an Amazon listing; returns its reference. MUST be
   * idempotent by `draft.sku`: when the shop already holds a (non-placeholder) product with that
   * SKU, return that product's reference (the first, when several hold it) and change nothing;
   * MUST NOT create a second product. An adapter SHOULD also guard against two concurrent calls for
   * one SKU where the shop allows it (a unique key, a lock).
   */
  createProduct?(draft: ShopProductDraft): Promise<{ readonly productRef: string; readonly variantRef: string | null }>;
}
