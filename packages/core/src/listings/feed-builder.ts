import { createHash } from 'node:crypto';
import { formatMoney, type Money } from '../money';
import type { ShopListingData, ShopProduct } from '../shop-adapter';
import type { ResolvedListingsOptions, ResolvedMarketplace } from './listings-options';
import {
  ProblemList,
  checkAsin,
  checkListingData,
  checkOfferFields,
  checkPrice,
  gtinType,
  listingLists,
  listingSkuProblem,
  normalizeGtin,
  type ListingProblem,
} from './listing-validation';
import { convertMoney, isConversionProblem } from './price-conversion';

/** What one feed message does to a listing. */
export type ListingMode =
  /** price and quantity only: `PATCH` of `fulfillment_availability` and `purchasable_offer` */
  | 'offer'
  /** the full listing from the shop's metadata and the offer: `UPDATE`, requirements `LISTING` */
  | 'listing'
  /** an offer on an existing ASIN (matching mode): `UPDATE`, requirements `LISTING_OFFER_ONLY` */
  | 'offer-only'
  /** removes the listing: `DELETE` */
  | 'delete'
  /**
   * takes the offer off a marketplace the product is no longer sold on (restricted by its
   * `marketplaceIds`, or the marketplace switched off): `PATCH` of the quantity to 0
   */
  | 'withdraw';

/** One JSON Patch operation of a `PATCH` message. */
export interface ListingsFeedPatch {
  readonly op: 'add' | 'replace' | 'merge' | 'delete';
  readonly path: string;
  readonly value?: readonly Readonly<Record<string, unknown>>[];
}

/** A `JSON_LISTINGS_FEED` message (listings-feed-schema-v2) without its `messageId`. */
export interface ListingsFeedMessageBody {
  readonly sku: string;
  readonly operationType: 'UPDATE' | 'PATCH' | 'DELETE';
  readonly productType?: string;
  readonly requirements?: 'LISTING' | 'LISTING_OFFER_ONLY';
  readonly attributes?: Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>;
  readonly patches?: readonly ListingsFeedPatch[];
}

/** A message as it stands in a document. */
export interface ListingsFeedMessage extends ListingsFeedMessageBody {
  readonly messageId: number;
}

/**
 * The offer of one SKU on one marketplace exactly as it is sent: quantity after buffer, cap and
 * `active`, prices converted to the marketplace's currency. Its hash is what `reconcile` compares.
 */
export interface ListingOffer {
  readonly marketplaceId: string;
  /**
   * `listings.fulfillmentChannelCode`, or `null` for a seller SKU the mapping table names as
   * Amazon-fulfilled (AFN): its offer is the price alone, `fulfillment_availability` is never sent.
   */
  readonly fulfillmentChannelCode: string | null;
  /** `null` for Amazon-fulfilled offers, whose quantity Amazon manages. */
  readonly quantity: number | null;
  readonly price: Money;
  /** The sale price when one is running or scheduled; ISO 8601 instants, `null` = open-ended. */
  readonly salePrice: { readonly price: Money; readonly startsAt: string | null; readonly endsAt: string | null } | null;
}

/** The part of the options the builder reads. */
export type ListingBuildOptions = Pick<
  ResolvedListingsOptions,
  'condition' | 'fulfillmentChannelCode' | 'exchangeRates' | 'quantityBuffer' | 'quantityMax'
>;

/** Everything the builder needs for one SKU on one marketplace. */
export interface ListingBuildInput {
  readonly sku: string;
  readonly mode: ListingMode;
  readonly marketplace: ResolvedMarketplace;
  /** The shop product; `null` only for `delete`. */
  readonly product: ShopProduct | null;
  /** The shop's listing metadata (mode `listing`). */
  readonly listing: ShopListingData | null;
  /** The ASIN to offer on (mode `offer-only`; also suggested with a full listing). */
  readonly asin: string | null;
  /** The product type Amazon last accepted for this SKU, when known. */
  readonly knownProductType: string | null;
  /** The mapping table names this seller SKU Amazon-fulfilled (AFN): price only, no stock. */
  readonly amazonFulfilled?: boolean;
}

/** A built message, or why it cannot be sent. */
export type ListingBuildResult =
  | {
      readonly ok: true;
      readonly message: ListingsFeedMessageBody;
      /** Hash of the offer sent, or `null` for `DELETE`. */
      readonly offerHash: string | null;
      readonly productType: string | null;
    }
  | { readonly ok: false; readonly problems: readonly ListingProblem[] };

/** Whether a fulfilment channel code leaves the quantity to Amazon (FBA). */
const amazonChannel = (channel: string) => channel !== 'DEFAULT';

/**
 * The offer of a product on a marketplace, validated: SKU, quantity, price, sale price and its
 * dates, currency conversion. A sale that ended before `now` is left out. `amazonFulfilled`: the
 * seller SKU is an FBA listing of the mapping table, offered with its price only.
 */
export function buildListingOffer(
  product: ShopProduct,
  marketplace: ResolvedMarketplace,
  options: ListingBuildOptions,
  now: Date,
  amazonFulfilled = false,
): { readonly offer: ListingOffer } | { readonly problems: readonly ListingProblem[] } {
  const problems = new ProblemList(product.sku);
  checkOfferFields(problems, product);
  if (!problems.ok) return { problems: problems.problems };
  const local = new ProblemList(product.sku, marketplace.marketplaceId);
  const convert = (money: Money, field: string): Money | null => {
    const converted = convertMoney(money, marketplace.currency, options.exchangeRates, marketplace.rounding);
    if (isConversionProblem(converted)) {
      local.add(field, converted.rule, formatMoney(money));
      return null;
    }
    return checkPrice(local, field, converted) ? converted : null;
  };
  const price = convert(product.price, 'price');
  // an adapter may leave the key out (`undefined`); the validator took that as "no sale"
  const sale = product.salePrice ?? null;
  const saleRuns = sale !== null && (sale.endsAt === null || sale.endsAt.getTime() > now.getTime());
  const salePrice = sale !== null && saleRuns ? convert(sale.price, 'salePrice.price') : null;
  if (price && salePrice && salePrice.amount >= price.amount)
    local.add('salePrice.price', `must stay below the price after conversion to ${marketplace.currency} (${formatMoney(price)})`, formatMoney(salePrice));
  if (!local.ok || price === null) return { problems: local.problems };
  let quantity: number | null = null;
  if (!amazonFulfilled && !amazonChannel(options.fulfillmentChannelCode)) {
    quantity = product.active === false ? 0 : Math.max(0, product.quantity - options.quantityBuffer);
    if (options.quantityMax !== null) quantity = Math.min(quantity, options.quantityMax);
  }
  return {
    offer: {
      marketplaceId: marketplace.marketplaceId,
      fulfillmentChannelCode: amazonFulfilled ? null : options.fulfillmentChannelCode,
      quantity,
      price,
      salePrice:
        sale !== null && salePrice !== null
          ? { price: salePrice, startsAt: sale.startsAt?.toISOString() ?? null, endsAt: sale.endsAt?.toISOString() ?? null }
          : null,
    },
  };
}

/** A stable hash of an offer: equal offers give equal hashes, in any process. */
export function offerHash(offer: ListingOffer): string {
  const sale = offer.salePrice;
  const canonical = JSON.stringify([
    1,
    offer.marketplaceId,
    offer.fulfillmentChannelCode,
    offer.quantity,
    offer.price.currency,
    offer.price.amount,
    sale === null ? null : [sale.price.currency, sale.price.amount, sale.startsAt, sale.endsAt],
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * How an offer PATCH writes each attribute. `fulfillment_availability` is merged (Amazon's JSON
 * patch `merge`, 2025-06-16): the entry of our `fulfillment_channel_code` gets the new quantity and
 * keeps what the seller set in Seller Central (`lead_time_to_ship_max_days`, `restock_date`).
 * `purchasable_offer` is replaced: that is how a sale that ended leaves `discounted_price`, and it
 * drops min/max seller prices and other audiences (B2B) that only Seller Central set.
 */
const patchOperation = (attribute: string): ListingsFeedPatch['op'] => (attribute === 'fulfillment_availability' ? 'merge' : 'replace');

/** Money as Amazon's JSON wants it: a number in major units, written from the exact decimal. */
const amount = (money: Money): number => Number(formatMoney(money));

function offerAttributes(offer: ListingOffer): Record<string, Record<string, unknown>[]> {
  const purchasable: Record<string, unknown> = {
    marketplace_id: offer.marketplaceId,
    currency: offer.price.currency,
    audience: 'ALL',
    our_price: [{ schedule: [{ value_with_tax: amount(offer.price) }] }],
  };
  if (offer.salePrice) {
    const schedule: Record<string, unknown> = { value_with_tax: amount(offer.salePrice.price) };
    if (offer.salePrice.startsAt) schedule['start_at'] = offer.salePrice.startsAt;
    if (offer.salePrice.endsAt) schedule['end_at'] = offer.salePrice.endsAt;
    purchasable['discounted_price'] = [{ schedule: [schedule] }];
  }
  if (offer.fulfillmentChannelCode === null) return { purchasable_offer: [purchasable] };
  const availability: Record<string, unknown> = { fulfillment_channel_code: offer.fulfillmentChannelCode };
  if (offer.quantity !== null) availability['quantity'] = offer.quantity;
  return { fulfillment_availability: [availability], purchasable_offer: [purchasable] };
}

function listingAttributes(
  listing: ShopListingData,
  marketplace: ResolvedMarketplace,
  condition: string,
  asin: string | null,
): Record<string, Record<string, unknown>[]> {
  const marketplaceId = marketplace.marketplaceId;
  const language = listing.languageTag ?? marketplace.languageTag;
  const text = (value: string) => ({ value, language_tag: language, marketplace_id: marketplaceId });
  const image = (url: string) => [{ media_location: url, marketplace_id: marketplaceId }];
  const attributes: Record<string, Record<string, unknown>[]> = { item_name: [text(listing.title)] };
  if (listing.brand) attributes['brand'] = [text(listing.brand)];
  if (listing.manufacturer) attributes['manufacturer'] = [text(listing.manufacturer)];
  if (listing.description) attributes['product_description'] = [text(listing.description)];
  const { bulletPoints, searchTerms, mainImage, otherImages } = listingLists(listing);
  if (bulletPoints.length > 0) attributes['bullet_point'] = bulletPoints.map(text);
  if (searchTerms.length > 0) attributes['generic_keyword'] = [text(searchTerms.join(' '))];
  if (listing.browseNodeId) attributes['recommended_browse_nodes'] = [{ value: String(listing.browseNodeId), marketplace_id: marketplaceId }];
  if (mainImage) attributes['main_product_image_locator'] = image(mainImage);
  otherImages.forEach((url, index) => {
    attributes[`other_product_image_locator_${index + 1}`] = image(url);
  });
  attributes['condition_type'] = [{ value: listing.condition ?? condition, marketplace_id: marketplaceId }];
  if (listing.gtin) {
    const digits = normalizeGtin(listing.gtin);
    attributes['externally_assigned_product_identifier'] = [{ type: gtinType(digits), value: digits, marketplace_id: marketplaceId }];
  }
  if (asin) attributes['merchant_suggested_asin'] = [{ value: asin, marketplace_id: marketplaceId }];
  return attributes;
}

/**
 * Builds the message of one SKU on one marketplace, after validating everything it sends. Money
 * stays in integer minor units until this point; it becomes Amazon's decimal number here.
 */
export function buildListingMessage(input: ListingBuildInput, options: ListingBuildOptions, now: Date): ListingBuildResult {
  const { sku, mode, marketplace } = input;
  if (mode === 'delete') {
    const rule = listingSkuProblem(sku);
    if (rule) return { ok: false, problems: [{ sku, marketplaceId: null, field: 'sku', rule, value: sku }] };
    return { ok: true, message: { sku, operationType: 'DELETE' }, offerHash: null, productType: null };
  }
  if (input.product === null)
    return { ok: false, problems: [{ sku, marketplaceId: null, field: 'sku', rule: 'is not a product of the shop' }] };
  const built = buildListingOffer(input.product, marketplace, options, now, input.amazonFulfilled);
  const problems = new ProblemList(sku);
  if (mode === 'listing') {
    if (input.listing === null) problems.add('listing', 'is required for a full listing (the shop adapter returned no listing data)');
    else checkListingData(problems, input.listing);
  }
  if (mode === 'offer-only' || (mode === 'listing' && input.asin !== null)) checkAsin(problems, 'asin', input.asin);
  if ('problems' in built || !problems.ok) return { ok: false, problems: [...('problems' in built ? built.problems : []), ...problems.problems] };
  const offer = built.offer;
  const hash = offerHash(offer);
  if (mode === 'offer') return offerPatch(sku, input.knownProductType ?? marketplace.productType, offerAttributes(offer), hash);
  if (mode === 'offer-only') {
    const productType = input.knownProductType ?? marketplace.productType;
    return {
      ok: true,
      message: {
        sku,
        operationType: 'UPDATE',
        productType,
        requirements: 'LISTING_OFFER_ONLY',
        attributes: {
          merchant_suggested_asin: [{ value: input.asin!, marketplace_id: marketplace.marketplaceId }],
          condition_type: [{ value: input.listing?.condition ?? options.condition, marketplace_id: marketplace.marketplaceId }],
          ...offerAttributes(offer),
        },
      },
      offerHash: hash,
      productType,
    };
  }
  const listing = input.listing!;
  const productType = listing.productType ?? input.knownProductType ?? marketplace.productType;
  return {
    ok: true,
    message: {
      sku,
      operationType: 'UPDATE',
      productType,
      requirements: 'LISTING',
      attributes: { ...listingAttributes(listing, marketplace, options.condition, input.asin), ...offerAttributes(offer) },
    },
    offerHash: hash,
    productType,
  };
}

/**
 * What `listing_states` records for an offer withdrawn from a marketplace: not the hash of any
 * offer, so `reconcile` sees the difference once the product is offered there again.
 */
export function withdrawnOfferHash(marketplaceId: string): string {
  return createHash('sha256').update(JSON.stringify([1, 'withdrawn', marketplaceId])).digest('hex');
}

/**
 * The message that withdraws a merchant-fulfilled offer: quantity 0, the price left as it is, so
 * offering the product there again is one ordinary offer change. Amazon-fulfilled offers are never
 * withdrawn this way (Amazon owns FBA stock): the caller does not ask for them.
 */
export function buildWithdrawalMessage(sku: string, marketplaceId: string, productType: string): Extract<ListingBuildResult, { ok: true }> {
  return offerPatch(sku, productType, { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }] }, withdrawnOfferHash(marketplaceId));
}

/** A `PATCH` of offer attributes, each written as {@link patchOperation} says. */
function offerPatch(sku: string, productType: string, attributes: Record<string, Record<string, unknown>[]>, hash: string): Extract<ListingBuildResult, { ok: true }> {
  return {
    ok: true,
    message: { sku, operationType: 'PATCH', productType, patches: Object.entries(attributes).map(([name, value]) => ({ op: patchOperation(name), path: `/attributes/${name}`, value })) },
    offerHash: hash,
    productType,
  };
}

/** When each kind of change of a SKU was last queued (absent: not queued). */
export interface QueuedKinds {
  readonly offer?: Date;
  readonly listing?: Date;
  readonly delete?: Date;
}

/**
 * Decides what to send for a SKU from the kinds queued and what the shop has:
 * - `delete` when a delete is queued and the product is gone or the delete is strictly the newest change;
 *   `no-op` instead for an Amazon-fulfilled (FBA) seller SKU: Amazon owns FBA listings, nothing is sent;
 * - `not-found` when the shop has no such product (and no delete is queued);
 * - `listing` / `offer-only` when product data changed, or the product comes back after a delete
 *   (queued with it, or one Amazon accepted: a `PATCH` of a deleted listing is refused): the full
 *   listing when the shop has listing data, an offer on the ASIN when only that is known, else the
 *   offer alone;
 * - `offer` otherwise; an FBA seller SKU only ever gets `offer` (its price), whatever is queued.
 */
export function decideListingMode(
  kinds: QueuedKinds,
  shop: {
    readonly exists: boolean;
    readonly hasListingData: boolean;
    readonly asin: string | null;
    readonly deletedOnAmazon?: boolean;
    /** An FBA seller SKU of the mapping table: only ever its price (`offer`), never deleted from here. */
    readonly amazonFulfilled?: boolean;
  },
): ListingMode | 'not-found' | 'no-op' {
  let deleteWins = false;
  if (kinds.delete) {
    const newestOther = Math.max(kinds.offer?.getTime() ?? -Infinity, kinds.listing?.getTime() ?? -Infinity);
    // a tie (both queued in the same millisecond) goes to what the shop holds now
    deleteWins = !shop.exists || kinds.delete.getTime() > newestOther;
  }
  // checked before the delete: an FBA listing is never deleted from here
  if (deleteWins) return shop.amazonFulfilled ? 'no-op' : 'delete';
  if (!shop.exists) return 'not-found';
  if (shop.amazonFulfilled) return 'offer';
  if (kinds.listing || kinds.delete || shop.deletedOnAmazon) return shop.hasListingData ? 'listing' : shop.asin ? 'offer-only' : 'offer';
  return 'offer';
}
