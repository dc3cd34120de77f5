import type { CatalogStore } from '../catalog/catalog-store';
import { parseIsoDateTime, type Clock } from '../support/clock';
import type { IdSource } from '../support/ids';
import { currencyDigits, findMarketplace } from '../support/marketplaces';
import { parseDecimalMinor } from '../support/money';
import type { ListingAttributes, ListingRecord, ListingsStore } from './listings-store';

/** Input of `sim.seed.listing`: an existing offer of the seller, as if created long ago. */
export interface SeedListingInput {
  readonly sku: string;
  readonly marketplaceId: string;
  readonly asin: string;
  /** Default: the catalog item's title. */
  readonly title?: string;
  /** Decimal string or number ("19.99"). */
  readonly price: string | number;
  /** Default the marketplace's currency. */
  readonly currency?: string;
  /** Merchant-fulfilled stock; ignored for FBA channels. Default 0. */
  readonly quantity?: number;
  /** `DEFAULT` (merchant-fulfilled, default) or an FBA channel such as `AMAZON_EU`, `AMAZON_NA`. */
  readonly fulfillmentChannel?: string;
  /** Forces the report status; otherwise Active with a price and stock (or FBA). */
  readonly status?: 'Active' | 'Inactive';
  /** How the merchant listings report names the product; default ASIN. */
  readonly productIdType?: 'ASIN' | 'EAN' | 'UPC' | 'ISBN';
  readonly productId?: string;
  /** Default: the catalog item's product type, else PRODUCT. */
  readonly productType?: string;
  /** Default new_new. */
  readonly conditionType?: string;
  readonly salePrice?: string | number;
  readonly saleStartAt?: string;
  readonly saleEndAt?: string;
  /** ISO 8601; default now. */
  readonly createdDate?: string;
}

function toNumber(value: string | number, currency: string, field: string, sku: string): number {
  const units = typeof value === 'number' ? Math.round(value * 10 ** currencyDigits(currency)) : parseDecimalMinor(value, currency);
  if (units === undefined || units <= 0 || !Number.isFinite(units)) throw new TypeError(`seed.listing ${sku}: ${field} must be a positive decimal; got ${JSON.stringify(value)}.`);
  return units / 10 ** currencyDigits(currency);
}

export function seedListing(context: { readonly listings: ListingsStore; readonly catalog: CatalogStore; readonly clock: Clock; readonly ids: IdSource }, input: SeedListingInput): ListingRecord {
  const { sku, marketplaceId } = input;
  if (typeof sku !== 'string' || sku === '' || [...sku].length > 40) throw new TypeError(`seed.listing: sku must be 1 to 40 characters; got ${JSON.stringify(sku)}.`);
  const marketplace = findMarketplace(marketplaceId);
  if (!marketplace) throw new TypeError(`seed.listing ${sku}: unknown marketplaceId ${JSON.stringify(marketplaceId)}.`);
  if (typeof input.asin !== 'string' || !/^[A-Z0-9]{10}$/.test(input.asin)) throw new TypeError(`seed.listing ${sku}: asin must be 10 upper-case letters and digits.`);
  const currency = input.currency ?? marketplace.currency;
  const catalogItem = context.catalog.get(input.asin);
  const title = input.title ?? catalogItem?.title ?? sku;
  if (!catalogItem) context.catalog.add({ asin: input.asin, title, productType: input.productType ?? 'PRODUCT' });
  const channel = input.fulfillmentChannel ?? 'DEFAULT';
  const quantity = input.quantity ?? 0;
  if (!Number.isInteger(quantity) || quantity < 0) throw new TypeError(`seed.listing ${sku}: quantity must be a whole number ≥ 0.`);
  const offer: Record<string, unknown> = {
    marketplace_id: marketplaceId,
    currency,
    audience: 'ALL',
    our_price: [{ schedule: [{ value_with_tax: toNumber(input.price, currency, 'price', sku) }] }],
  };
  if (input.salePrice !== undefined)
    offer.discounted_price = [
      {
        schedule: [
          {
            value_with_tax: toNumber(input.salePrice, currency, 'salePrice', sku),
            ...(input.saleStartAt !== undefined ? { start_at: input.saleStartAt } : {}),
            ...(input.saleEndAt !== undefined ? { end_at: input.saleEndAt } : {}),
          },
        ],
      },
    ];
  const attributes: ListingAttributes = {
    item_name: [{ value: title, marketplace_id: marketplaceId }],
    condition_type: [{ value: input.conditionType ?? 'new_new', marketplace_id: marketplaceId }],
    merchant_suggested_asin: [{ value: input.asin, marketplace_id: marketplaceId }],
    purchasable_offer: [offer],
    fulfillment_availability: [channel === 'DEFAULT' ? { fulfillment_channel_code: 'DEFAULT', quantity } : { fulfillment_channel_code: channel }],
  };
  if (catalogItem?.brand !== undefined) attributes.brand = [{ value: catalogItem.brand, marketplace_id: marketplaceId }];
  const created = input.createdDate === undefined ? context.clock.now() : parseIsoDateTime(input.createdDate);
  if (created === undefined) throw new TypeError(`seed.listing ${sku}: createdDate must be an ISO 8601 date-time.`);
  const existing = context.listings.get(sku, marketplaceId);
  const record: ListingRecord = {
    sku,
    marketplaceId,
    productType: input.productType ?? catalogItem?.productType ?? 'PRODUCT',
    requirements: 'LISTING',
    attributes,
    asin: input.asin,
    createdDate: existing?.createdDate ?? created,
    lastUpdatedDate: context.clock.now(),
    listingId: existing?.listingId ?? context.ids.listingId(),
    issues: [],
    ...(input.status !== undefined ? { statusOverride: input.status } : {}),
    productIdType: input.productIdType ?? 'ASIN',
    productId: input.productId ?? input.asin,
  };
  context.listings.put(record);
  return record;
}
