/**
 * Issue codes of the simulator's listings checks (feed processing reports and Listings Items
 * submissions). 4002001 and 90220 are Amazon's own; the 40000xx codes are the simulator's, chosen
 * in the style of Amazon's numeric codes (Amazon does not publish a complete list).
 */
export const LISTINGS_ISSUE_CODES = Object.freeze({
  /** The feed document is not JSON or its envelope (header, messages) is not the v2 schema. Amazon's code. */
  FEED_CANNOT_BE_PARSED: '4002001',
  /** A message breaks listings-feed-schema-v2 (missing productType, wrong operationType, ...). */
  MESSAGE_SCHEMA: '4000001',
  /** A messageId appears twice in one feed. */
  DUPLICATE_MESSAGE_ID: '4000002',
  /** The SKU is longer than 40 characters. */
  SKU_TOO_LONG: '4000003',
  /** fulfillment_availability quantity is negative or not a whole number. */
  INVALID_QUANTITY: '4000004',
  /** A price is ≤ 0, not a number, or has more decimals than the currency. */
  INVALID_PRICE: '4000005',
  /** The sale price (discounted_price) is not below our_price. */
  INVALID_SALE_PRICE: '4000006',
  /** Sale dates are not ISO 8601 or start_at is not before end_at. */
  INVALID_SALE_DATES: '4000007',
  /** An image URL is not https. */
  INVALID_IMAGE_URL: '4000008',
  /** merchant_suggested_asin names an ASIN the catalog does not have. */
  UNKNOWN_ASIN: '4000009',
  /** PATCH / PARTIAL_UPDATE of a SKU that has no listing in the marketplace. */
  SKU_NOT_FOUND: '4000010',
  /** A text attribute holds control characters. */
  INVALID_CHARACTERS: '4000011',
  /** A text attribute is longer than Amazon allows. */
  VALUE_TOO_LONG: '4000012',
  /** A patch path is not /attributes/<name>. */
  INVALID_PATCH_PATH: '4000013',
  /** purchasable_offer currency is not the marketplace's currency. */
  INVALID_CURRENCY: '4000014',
  /**
   * WARNING, not an error: a full listing without `main_product_image_locator` is accepted but not
   * shown to buyers until it gets a main image.
   */
  MAIN_IMAGE_MISSING: '4000015',
  /** A `merge` patch entry lacks its selector (`fulfillment_channel_code`, `audience`, ...). */
  MERGE_SELECTOR_MISSING: '4000016',
  /** A required attribute is missing. Amazon's code. */
  REQUIRED_ATTRIBUTE_MISSING: '90220',
} as const);

/**
 * Attributes a full UPDATE must carry, by `requirements` (a small set chosen for the simulator; on
 * Amazon it depends on the product type).
 */
export const REQUIRED_LISTING_ATTRIBUTES = Object.freeze({
  LISTING: Object.freeze(['item_name', 'brand', 'condition_type'] as const),
  LISTING_PRODUCT_ONLY: Object.freeze(['item_name', 'brand'] as const),
  LISTING_OFFER_ONLY: Object.freeze(['merchant_suggested_asin', 'condition_type'] as const),
});

/** Maximum lengths of text attributes in characters (generic_keyword: bytes, as Amazon counts it). */
export const TEXT_ATTRIBUTE_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  item_name: 200,
  brand: 100,
  manufacturer: 100,
  product_description: 2000,
  bullet_point: 500,
  generic_keyword: 250,
});
