import { findMarketplace, currencyDigits } from '../support/marketplaces';
import { formatMinor } from '../support/money';
import { isoTime } from '../support/clock';

export type ListingRequirements = 'LISTING' | 'LISTING_PRODUCT_ONLY' | 'LISTING_OFFER_ONLY';

/** Listing attributes as Amazon stores them: each attribute is an array of value objects. */
export type ListingAttributes = Record<string, Record<string, unknown>[]>;

/** An issue in the Listings Items API `Issue` shape. */
export interface ListingIssue {
  readonly code: string;
  readonly message: string;
  readonly severity: 'ERROR' | 'WARNING' | 'INFO';
  readonly attributeNames?: readonly string[];
  readonly categories: readonly string[];
}

/** The offer of a listing, parsed from its attributes (`purchasable_offer`, `fulfillment_availability`). */
export interface SimulatedOffer {
  readonly sku: string;
  readonly marketplaceId: string;
  /** `DEFAULT` for merchant-fulfilled, `AMAZON_EU`/`AMAZON_NA`/... for FBA. */
  readonly fulfillmentChannelCode?: string;
  readonly quantity?: number;
  readonly currency?: string;
  /** our_price as a decimal string with the currency's digits ("19.90"). */
  readonly price?: string;
  /** discounted_price (the sale price) as a decimal string. */
  readonly salePrice?: string;
  readonly saleStartAt?: string;
  readonly saleEndAt?: string;
  readonly conditionType?: string;
}

/** A listing (one SKU in one marketplace) as the simulator holds it. */
export interface SimulatedListing {
  readonly sku: string;
  readonly marketplaceId: string;
  readonly productType: string;
  readonly requirements: ListingRequirements;
  readonly attributes: ListingAttributes;
  readonly asin?: string;
  /** As the merchant listings report shows it: Active when it has a price and stock (or is FBA). */
  readonly status: 'Active' | 'Inactive';
  readonly createdDate: string;
  readonly lastUpdatedDate: string;
  /** The merchant listings report's listing-id. */
  readonly listingId: string;
  readonly issues: readonly ListingIssue[];
  readonly offer: SimulatedOffer;
  readonly productIdType?: 'ASIN' | 'EAN' | 'UPC' | 'ISBN';
  readonly productId?: string;
}

export interface ListingRecord {
  sku: string;
  marketplaceId: string;
  productType: string;
  requirements: ListingRequirements;
  attributes: ListingAttributes;
  asin?: string;
  createdDate: number;
  lastUpdatedDate: number;
  listingId: string;
  issues: ListingIssue[];
  statusOverride?: 'Active' | 'Inactive';
  productIdType?: 'ASIN' | 'EAN' | 'UPC' | 'ISBN';
  productId?: string;
}

export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'merge' | 'delete';
  readonly path: string;
  readonly value?: readonly Record<string, unknown>[];
}

export interface ListingsStore {
  get(sku: string, marketplaceId: string): ListingRecord | undefined;
  /** Every listing of a SKU, one per marketplace. */
  bySku(sku: string): ListingRecord[];
  all(): ListingRecord[];
  put(record: ListingRecord): void;
  delete(sku: string, marketplaceId: string): boolean;
  readonly size: number;
}

export function createListingsStore(): ListingsStore {
  const records = new Map<string, Map<string, ListingRecord>>();
  let size = 0;
  return {
    get: (sku, marketplaceId) => records.get(sku)?.get(marketplaceId),
    bySku: (sku) => [...(records.get(sku)?.values() ?? [])],
    all: () => [...records.values()].flatMap((perMarketplace) => [...perMarketplace.values()]),
    put(record) {
      const perMarketplace = records.get(record.sku) ?? new Map<string, ListingRecord>();
      if (!perMarketplace.has(record.marketplaceId)) size += 1;
      perMarketplace.set(record.marketplaceId, record);
      records.set(record.sku, perMarketplace);
    },
    delete(sku, marketplaceId) {
      const perMarketplace = records.get(sku);
      if (!perMarketplace?.delete(marketplaceId)) return false;
      size -= 1;
      if (perMarketplace.size === 0) records.delete(sku);
      return true;
    },
    get size() {
      return size;
    },
  };
}

const IDENTITY_KEYS = ['marketplace_id', 'language_tag', 'fulfillment_channel_code', 'audience', 'currency'];

/**
 * The selector fields a `merge` entry MUST name, by attribute (Amazon's "Merge a listing" guide);
 * the entry it changes is the one with the same selectors. `purchasable_offer`'s `audience`
 * defaults to ALL, so an offer entry without it is taken as ALL's.
 */
export const MERGE_SELECTORS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  fulfillment_availability: Object.freeze(['fulfillment_channel_code']),
});

function sameIdentity(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return IDENTITY_KEYS.every((key) => !(key in b) || a[key] === b[key]);
}

/** `entry` over `current`, field by field; an explicit `null` removes the field. */
function mergeEntry(current: Record<string, unknown>, entry: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(entry)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/** Applies JSON patches (`/attributes/<name>`) to a copy of the attributes. Paths must be checked before. */
export function patchAttributes(attributes: ListingAttributes, patches: readonly PatchOperation[]): ListingAttributes {
  const result: ListingAttributes = structuredClone(attributes);
  for (const patch of patches) {
    const name = patch.path.slice('/attributes/'.length);
    const value = structuredClone(patch.value ?? []) as Record<string, unknown>[];
    switch (patch.op) {
      case 'add':
      case 'replace':
        result[name] = value;
        break;
      case 'merge': {
        // Amazon's merge (2025): the entry with the same selectors is updated field by field, keeping
        // what the patch leaves out (a lead time set in Seller Central) and dropping explicit nulls
        const current = result[name] ?? [];
        for (const entry of value) {
          const index = current.findIndex((existing) => sameIdentity(existing, entry));
          if (index >= 0) current[index] = mergeEntry(current[index]!, entry);
          else current.push(mergeEntry({}, entry));
        }
        result[name] = current;
        break;
      }
      case 'delete': {
        if (value.length === 0) {
          delete result[name];
          break;
        }
        const kept = (result[name] ?? []).filter((existing) => !value.some((entry) => sameIdentity(existing, entry)));
        if (kept.length === 0) delete result[name];
        else result[name] = kept;
        break;
      }
    }
  }
  return result;
}

function firstEntry(attributes: ListingAttributes, name: string, marketplaceId: string): Record<string, unknown> | undefined {
  const entries = attributes[name] ?? [];
  return entries.find((entry) => entry.marketplace_id === marketplaceId) ?? entries.find((entry) => entry.marketplace_id === undefined) ?? entries[0];
}

function firstSchedule(value: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(value)) return undefined;
  const schedule = (value[0] as { schedule?: unknown } | undefined)?.schedule;
  return Array.isArray(schedule) ? (schedule[0] as Record<string, unknown> | undefined) : undefined;
}

function decimalString(value: unknown, currency: string): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return formatMinor(Math.round(value * 10 ** currencyDigits(currency)), currency);
}

/** The offer a listing's attributes describe. */
export function offerOf(record: Pick<ListingRecord, 'sku' | 'marketplaceId' | 'attributes'>): SimulatedOffer {
  const { attributes, marketplaceId } = record;
  const availability = firstEntry(attributes, 'fulfillment_availability', marketplaceId);
  const offers = (attributes.purchasable_offer ?? []).filter((entry) => entry.marketplace_id === undefined || entry.marketplace_id === marketplaceId);
  const offer = offers.find((entry) => entry.audience === undefined || entry.audience === 'ALL') ?? offers[0];
  const currency = typeof offer?.currency === 'string' ? offer.currency : (findMarketplace(marketplaceId)?.currency ?? 'EUR');
  const price = decimalString(firstSchedule(offer?.our_price)?.value_with_tax, currency);
  const sale = firstSchedule(offer?.discounted_price);
  const salePrice = decimalString(sale?.value_with_tax, currency);
  const condition = firstEntry(attributes, 'condition_type', marketplaceId)?.value;
  return {
    sku: record.sku,
    marketplaceId,
    ...(typeof availability?.fulfillment_channel_code === 'string' ? { fulfillmentChannelCode: availability.fulfillment_channel_code } : {}),
    ...(typeof availability?.quantity === 'number' ? { quantity: availability.quantity } : {}),
    ...(offer ? { currency } : {}),
    ...(price !== undefined ? { price } : {}),
    ...(salePrice !== undefined ? { salePrice } : {}),
    ...(typeof sale?.start_at === 'string' ? { saleStartAt: sale.start_at } : {}),
    ...(typeof sale?.end_at === 'string' ? { saleEndAt: sale.end_at } : {}),
    ...(typeof condition === 'string' ? { conditionType: condition } : {}),
  };
}

export function isAmazonFulfilled(offer: SimulatedOffer): boolean {
  return offer.fulfillmentChannelCode !== undefined && offer.fulfillmentChannelCode !== 'DEFAULT';
}

export function listingStatus(record: ListingRecord): 'Active' | 'Inactive' {
  if (record.statusOverride) return record.statusOverride;
  const offer = offerOf(record);
  if (offer.price === undefined) return 'Inactive';
  return isAmazonFulfilled(offer) || (offer.quantity ?? 0) > 0 ? 'Active' : 'Inactive';
}

/** The first text value of an attribute for the marketplace (item_name, brand, ...). */
export function textAttribute(record: Pick<ListingRecord, 'attributes' | 'marketplaceId'>, name: string): string | undefined {
  const value = firstEntry(record.attributes, name, record.marketplaceId)?.value;
  return typeof value === 'string' ? value : undefined;
}

export function viewListing(record: ListingRecord): SimulatedListing {
  return {
    sku: record.sku,
    marketplaceId: record.marketplaceId,
    productType: record.productType,
    requirements: record.requirements,
    attributes: structuredClone(record.attributes),
    ...(record.asin !== undefined ? { asin: record.asin } : {}),
    status: listingStatus(record),
    createdDate: isoTime(record.createdDate),
    lastUpdatedDate: isoTime(record.lastUpdatedDate),
    listingId: record.listingId,
    issues: structuredClone(record.issues),
    offer: offerOf(record),
    ...(record.productIdType !== undefined ? { productIdType: record.productIdType } : {}),
    ...(record.productId !== undefined ? { productId: record.productId } : {}),
  };
}
