import { isoTime } from '../support/clock';
import { findMarketplace } from '../support/marketplaces';
import { listingStatus, offerOf, textAttribute, type ListingAttributes, type ListingRecord } from './listings-store';

/** includedData values of getListingsItem / searchListingsItems. */
export const LISTING_INCLUDED_DATA = ['summaries', 'attributes', 'issues', 'offers', 'fulfillmentAvailability', 'procurement', 'relationships', 'productTypes'] as const;
export type ListingIncludedData = (typeof LISTING_INCLUDED_DATA)[number];

const CONDITION_TYPES = new Set([
  'new_new', 'new_open_box', 'new_oem', 'refurbished_refurbished', 'used_like_new', 'used_very_good', 'used_good',
  'used_acceptable', 'collectible_like_new', 'collectible_very_good', 'collectible_good', 'collectible_acceptable', 'club_club',
]);

function mergeAttributes(records: readonly ListingRecord[]): ListingAttributes {
  if (records.length === 1) return structuredClone(records[0]!.attributes);
  const merged: ListingAttributes = {};
  for (const record of records)
    for (const [name, values] of Object.entries(record.attributes)) {
      const list = merged[name] ?? [];
      for (const value of values) if (!list.some((existing) => JSON.stringify(existing) === JSON.stringify(value))) list.push(structuredClone(value));
      merged[name] = list;
    }
  return merged;
}

/** A Listings Items 2021-08-01 `Item` for a SKU's listings in the requested marketplaces. */
export function renderListingsItem(sku: string, records: readonly ListingRecord[], included: ReadonlySet<string>): Record<string, unknown> {
  const item: Record<string, unknown> = { sku };
  if (included.has('summaries'))
    item.summaries = records.map((record) => {
      const active = listingStatus(record) === 'Active';
      const condition = offerOf(record).conditionType;
      const itemName = textAttribute(record, 'item_name');
      const image = record.attributes.main_product_image_locator?.[0]?.media_location;
      return {
        marketplaceId: record.marketplaceId,
        ...(record.asin !== undefined ? { asin: record.asin } : {}),
        productType: record.productType,
        ...(condition !== undefined && CONDITION_TYPES.has(condition) ? { conditionType: condition } : {}),
        status: active ? ['BUYABLE', 'DISCOVERABLE'] : record.asin !== undefined ? ['DISCOVERABLE'] : [],
        ...(itemName !== undefined ? { itemName } : {}),
        createdDate: isoTime(record.createdDate),
        lastUpdatedDate: isoTime(record.lastUpdatedDate),
        ...(typeof image === 'string' ? { mainImage: { link: image, height: 500, width: 500 } } : {}),
      };
    });
  if (included.has('attributes')) item.attributes = mergeAttributes(records);
  if (included.has('issues')) item.issues = records.flatMap((record) => record.issues.map((issue) => ({ ...issue, marketplaceIds: [record.marketplaceId] })));
  if (included.has('offers'))
    item.offers = records.flatMap((record) => {
      const offer = offerOf(record);
      if (offer.price === undefined) return [];
      const currencyCode = offer.currency ?? findMarketplace(record.marketplaceId)?.currency ?? 'EUR';
      return [{ marketplaceId: record.marketplaceId, offerType: 'B2C', price: { currencyCode, amount: offer.price }, audience: { value: 'ALL', displayName: 'Sell on Amazon' } }];
    });
  if (included.has('fulfillmentAvailability')) {
    const seen = new Set<string>();
    item.fulfillmentAvailability = records.flatMap((record) =>
      (record.attributes.fulfillment_availability ?? []).flatMap((entry) => {
        const code = entry.fulfillment_channel_code;
        if (typeof code !== 'string' || seen.has(code)) return [];
        seen.add(code);
        return [{ fulfillmentChannelCode: code, ...(typeof entry.quantity === 'number' && entry.quantity >= 0 ? { quantity: entry.quantity } : {}) }];
      }),
    );
  }
  if (included.has('procurement')) item.procurement = [];
  if (included.has('relationships')) item.relationships = records.map((record) => ({ marketplaceId: record.marketplaceId, relationships: [] }));
  if (included.has('productTypes')) item.productTypes = records.map((record) => ({ marketplaceId: record.marketplaceId, productType: record.productType }));
  return item;
}
