import type { CatalogStore } from '../catalog/catalog-store';
import type { Clock } from '../support/clock';
import { parseIsoDateTime } from '../support/clock';
import type { IdSource } from '../support/ids';
import { currencyDigits, findMarketplace } from '../support/marketplaces';
import { decimalPlaces } from '../support/money';
import { LISTINGS_ISSUE_CODES as CODES, REQUIRED_LISTING_ATTRIBUTES, TEXT_ATTRIBUTE_LIMITS } from './listings-issue-codes';
import {
  MERGE_SELECTORS,
  patchAttributes,
  type ListingAttributes,
  type ListingIssue,
  type ListingRecord,
  type ListingRequirements,
  type ListingsStore,
  type PatchOperation,
} from './listings-store';

/** One listings change, from a feed message or a Listings Items API call, after its shape was checked. */
export type ListingSubmission =
  | { readonly sku: string; readonly operationType: 'UPDATE'; readonly productType: string; readonly requirements: ListingRequirements; readonly attributes: ListingAttributes }
  | { readonly sku: string; readonly operationType: 'PARTIAL_UPDATE'; readonly productType: string; readonly attributes: ListingAttributes }
  | { readonly sku: string; readonly operationType: 'PATCH'; readonly productType: string; readonly patches: readonly PatchOperation[] }
  | { readonly sku: string; readonly operationType: 'DELETE' };

export interface ListingRulesContext {
  readonly catalog: CatalogStore;
  readonly listings: ListingsStore;
  readonly clock: Clock;
  readonly ids: IdSource;
}

export const MAX_SKU_LENGTH = 40;
export const REQUIREMENTS: readonly ListingRequirements[] = ['LISTING', 'LISTING_PRODUCT_ONLY', 'LISTING_OFFER_ONLY'];
export const PATCH_OPS: readonly PatchOperation['op'][] = ['add', 'replace', 'merge', 'delete'];
const PATCH_PATH = /^\/attributes\/[A-Za-z0-9_]+$/;
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const CONTROL_CHARACTERS_STRICT = /[\u0000-\u001F\u007F]/;
const IMAGE_ATTRIBUTE = /(^|_)image_locator(_\d+)?$/;

function issue(code: string, message: string, attributeName?: string, category = 'INVALID_ATTRIBUTE', severity: ListingIssue['severity'] = 'ERROR'): ListingIssue {
  return {
    code,
    message,
    severity,
    ...(attributeName !== undefined ? { attributeNames: [attributeName] } : {}),
    categories: category === '' ? [] : [category],
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schedules(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => (isObject(entry) && Array.isArray(entry.schedule) ? entry.schedule.filter(isObject) : []));
}

function checkPrice(value: unknown, currency: string, field: string, issues: ListingIssue[]): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    issues.push(issue(CODES.INVALID_PRICE, `The value '${String(value)}' for '${field}' in 'purchasable_offer' is invalid: it must be a number.`, `purchasable_offer.${field}`));
    return undefined;
  }
  if (value <= 0) {
    issues.push(issue(CODES.INVALID_PRICE, `The value '${value}' for '${field}' in 'purchasable_offer' is invalid: a price must be greater than 0.`, `purchasable_offer.${field}`));
    return undefined;
  }
  const digits = currencyDigits(currency);
  if (decimalPlaces(value) > digits) {
    issues.push(issue(CODES.INVALID_PRICE, `The value '${value}' for '${field}' in 'purchasable_offer' has ${decimalPlaces(value)} decimals; ${currency} allows ${digits}.`, `purchasable_offer.${field}`));
    return undefined;
  }
  return value;
}

function checkOffer(entry: Record<string, unknown>, marketplaceId: string, issues: ListingIssue[]): void {
  const marketplaceCurrency = findMarketplace(marketplaceId)?.currency;
  const currency = typeof entry.currency === 'string' ? entry.currency : (marketplaceCurrency ?? 'EUR');
  if (marketplaceCurrency !== undefined && typeof entry.currency === 'string' && entry.currency !== marketplaceCurrency && (entry.marketplace_id === undefined || entry.marketplace_id === marketplaceId))
    issues.push(issue(CODES.INVALID_CURRENCY, `The currency '${entry.currency}' in 'purchasable_offer' is invalid for marketplace ${marketplaceId}; use ${marketplaceCurrency}.`, 'purchasable_offer.currency'));
  let ourPrice: number | undefined;
  for (const schedule of schedules(entry.our_price)) ourPrice ??= checkPrice(schedule.value_with_tax, currency, 'our_price', issues);
  for (const field of ['minimum_seller_allowed_price', 'maximum_seller_allowed_price'])
    for (const schedule of schedules(entry[field])) checkPrice(schedule.value_with_tax, currency, field, issues);
  for (const schedule of schedules(entry.discounted_price)) {
    const sale = checkPrice(schedule.value_with_tax, currency, 'discounted_price', issues);
    if (sale !== undefined && ourPrice !== undefined && sale >= ourPrice)
      issues.push(issue(CODES.INVALID_SALE_PRICE, `The sale price ${sale} (discounted_price) must be lower than the standard price ${ourPrice} (our_price).`, 'purchasable_offer.discounted_price'));
    const start = schedule.start_at === undefined ? undefined : parseIsoDateTime(schedule.start_at);
    const end = schedule.end_at === undefined ? undefined : parseIsoDateTime(schedule.end_at);
    if ((schedule.start_at !== undefined && start === undefined) || (schedule.end_at !== undefined && end === undefined))
      issues.push(issue(CODES.INVALID_SALE_DATES, `The sale dates of 'discounted_price' must be ISO 8601 date-times; got start_at '${String(schedule.start_at)}', end_at '${String(schedule.end_at)}'.`, 'purchasable_offer.discounted_price'));
    else if (start !== undefined && end !== undefined && start >= end)
      issues.push(issue(CODES.INVALID_SALE_DATES, `The sale start date ${String(schedule.start_at)} must be before its end date ${String(schedule.end_at)}.`, 'purchasable_offer.discounted_price'));
  }
}

/** Checks attribute values (whole attributes or patch values) against the simulator's rules. */
export function checkAttributeValues(context: ListingRulesContext, attributes: Readonly<Record<string, unknown>>, marketplaceId: string): ListingIssue[] {
  const issues: ListingIssue[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    if (!Array.isArray(value) || value.some((entry) => !isObject(entry))) {
      issues.push(issue(CODES.MESSAGE_SCHEMA, `The value of attribute '${name}' must be an array of objects.`, name));
      continue;
    }
    for (const entry of value as Record<string, unknown>[]) {
      if (name === 'fulfillment_availability' && entry.quantity !== undefined) {
        const quantity = entry.quantity;
        if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 0)
          issues.push(issue(CODES.INVALID_QUANTITY, `The value '${String(quantity)}' for 'quantity' in 'fulfillment_availability' is invalid: it must be a whole number of 0 or more.`, 'fulfillment_availability.quantity'));
      }
      if (name === 'purchasable_offer') checkOffer(entry, marketplaceId, issues);
      if (IMAGE_ATTRIBUTE.test(name)) {
        const url = entry.media_location;
        if (typeof url !== 'string' || !/^https:\/\/[^\s/]+\/\S*/.test(url))
          issues.push(issue(CODES.INVALID_IMAGE_URL, `The image URL '${String(url)}' in '${name}' is invalid: images must be public https URLs.`, name));
      }
      const limit = TEXT_ATTRIBUTE_LIMITS[name];
      if (limit !== undefined && typeof entry.value === 'string') {
        const text = entry.value;
        const control = name === 'product_description' || name === 'bullet_point' ? CONTROL_CHARACTERS : CONTROL_CHARACTERS_STRICT;
        if (control.test(text)) issues.push(issue(CODES.INVALID_CHARACTERS, `'${name}' contains control characters, which are not allowed.`, name));
        const length = name === 'generic_keyword' ? Buffer.byteLength(text, 'utf8') : [...text].length;
        if (length > limit)
          issues.push(issue(CODES.VALUE_TOO_LONG, `'${name}' is ${length} ${name === 'generic_keyword' ? 'bytes' : 'characters'} long; the maximum is ${limit}.`, name));
      }
      if (name === 'merchant_suggested_asin' && entry.value !== undefined) {
        const asin = entry.value;
        if (typeof asin !== 'string' || context.catalog.get(asin, marketplaceId) === undefined)
          issues.push(issue(CODES.UNKNOWN_ASIN, `The ASIN '${String(asin)}' in 'merchant_suggested_asin' does not exist in marketplace ${marketplaceId}.`, name));
      }
    }
  }
  return issues;
}

/** Every rule a submission must pass before it is applied: accepted when no issue is an `ERROR` (warnings go with the acceptance). */
export function checkSubmission(context: ListingRulesContext, submission: ListingSubmission, marketplaceId: string): ListingIssue[] {
  const issues: ListingIssue[] = [];
  if ([...submission.sku].length > MAX_SKU_LENGTH)
    issues.push(issue(CODES.SKU_TOO_LONG, `The SKU '${submission.sku}' is ${[...submission.sku].length} characters long; the maximum is ${MAX_SKU_LENGTH}.`, undefined, ''));
  const existing = context.listings.get(submission.sku, marketplaceId);
  switch (submission.operationType) {
    case 'UPDATE': {
      for (const name of REQUIRED_LISTING_ATTRIBUTES[submission.requirements]) {
        const value = submission.attributes[name];
        if (!Array.isArray(value) || value.length === 0)
          issues.push(issue(CODES.REQUIRED_ATTRIBUTE_MISSING, `'${name}' is required but not supplied.`, name, 'MISSING_ATTRIBUTE'));
      }
      issues.push(...checkAttributeValues(context, submission.attributes, marketplaceId));
      const image = submission.attributes.main_product_image_locator;
      if (submission.requirements !== 'LISTING_OFFER_ONLY' && (!Array.isArray(image) || image.length === 0))
        issues.push(
          issue(CODES.MAIN_IMAGE_MISSING, `The listing has no 'main_product_image_locator'; it is not shown to buyers until it has a main image.`, 'main_product_image_locator', 'MISSING_ATTRIBUTE', 'WARNING'),
        );
      break;
    }
    case 'PARTIAL_UPDATE':
      if (!existing) issues.push(notFoundIssue(submission.sku, marketplaceId));
      issues.push(...checkAttributeValues(context, submission.attributes, marketplaceId));
      break;
    case 'PATCH': {
      if (!existing) issues.push(notFoundIssue(submission.sku, marketplaceId));
      const values: Record<string, unknown> = {};
      for (const patch of submission.patches) {
        if (!PATCH_PATH.test(patch.path)) {
          issues.push(issue(CODES.INVALID_PATCH_PATH, `The patch path '${patch.path}' is invalid; use /attributes/<attribute name>.`, undefined, ''));
          continue;
        }
        if (patch.op !== 'delete') {
          const name = patch.path.slice('/attributes/'.length);
          if (patch.value === undefined) issues.push(issue(CODES.MESSAGE_SCHEMA, `The '${patch.op}' patch of '${patch.path}' needs a value.`, name));
          // a merge's explicit null removes a field: nothing to check there
          else values[name] = patch.op === 'merge' ? patch.value.map((entry) => Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== null))) : patch.value;
          const selectors = MERGE_SELECTORS[name] ?? [];
          if (patch.op === 'merge' && patch.value?.some((entry) => selectors.some((key) => typeof entry[key] !== 'string' || entry[key] === '')))
            issues.push(issue(CODES.MERGE_SELECTOR_MISSING, `A 'merge' of '${name}' must give non-empty values for its selector fields (${selectors.join(', ')}).`, name));
        }
      }
      issues.push(...checkAttributeValues(context, values, marketplaceId));
      break;
    }
    case 'DELETE':
      break;
  }
  return issues;
}

/** Whether issues of {@link checkSubmission} refuse the submission. */
export function refuses(issues: Iterable<ListingIssue>): boolean {
  for (const found of issues) if (found.severity === 'ERROR') return true;
  return false;
}

function notFoundIssue(sku: string, marketplaceId: string): ListingIssue {
  return issue(CODES.SKU_NOT_FOUND, `The SKU '${sku}' has no listing in marketplace ${marketplaceId}; create it with a full UPDATE first.`, undefined, '');
}

function identifierOf(attributes: ListingAttributes): { type: 'EAN' | 'UPC' | 'ISBN'; value: string } | undefined {
  const entry = attributes.externally_assigned_product_identifier?.[0] ?? attributes.external_product_id?.[0];
  const type = typeof entry?.type === 'string' ? entry.type.toUpperCase() : undefined;
  const value = entry?.value;
  if ((type === 'EAN' || type === 'UPC' || type === 'ISBN') && typeof value === 'string') return { type, value };
  return undefined;
}

/**
 * Applies an accepted submission to the simulator's listings and returns the listing (undefined
 * after a DELETE). A full UPDATE finds its ASIN by merchant_suggested_asin, then by the product
 * identifier in the catalog; a new product gets a new ASIN and a catalog entry.
 */
export function applySubmission(context: ListingRulesContext, submission: ListingSubmission, marketplaceId: string): ListingRecord | undefined {
  const now = context.clock.now();
  const existing = context.listings.get(submission.sku, marketplaceId);
  switch (submission.operationType) {
    case 'DELETE':
      context.listings.delete(submission.sku, marketplaceId);
      return undefined;
    case 'UPDATE': {
      const attributes = structuredClone(submission.attributes);
      const suggested = attributes.merchant_suggested_asin?.[0]?.value;
      const identifier = identifierOf(attributes);
      let asin = typeof suggested === 'string' ? suggested : undefined;
      if (asin === undefined && identifier) asin = context.catalog.findByIdentifier(identifier.type, identifier.value, marketplaceId)[0]?.asin;
      asin ??= existing?.asin;
      if (asin === undefined && submission.requirements !== 'LISTING_OFFER_ONLY') {
        asin = context.ids.asin();
        const title = attributes.item_name?.[0]?.value;
        const brand = attributes.brand?.[0]?.value;
        context.catalog.add({
          asin,
          marketplaceId,
          title: typeof title === 'string' ? title : submission.sku,
          ...(typeof brand === 'string' ? { brand } : {}),
          productType: submission.productType,
          ...(identifier ? { identifiers: { [identifier.type]: identifier.value } } : {}),
        });
      }
      const record: ListingRecord = {
        sku: submission.sku,
        marketplaceId,
        productType: submission.productType,
        requirements: submission.requirements,
        attributes,
        ...(asin !== undefined ? { asin } : {}),
        createdDate: existing?.createdDate ?? now,
        lastUpdatedDate: now,
        listingId: existing?.listingId ?? context.ids.listingId(),
        issues: [],
        ...(identifier ? { productIdType: identifier.type, productId: identifier.value } : asin !== undefined ? { productIdType: 'ASIN' as const, productId: asin } : {}),
      };
      context.listings.put(record);
      return record;
    }
    case 'PARTIAL_UPDATE': {
      const record = existing!;
      record.attributes = { ...record.attributes, ...structuredClone(submission.attributes) };
      record.productType = submission.productType;
      record.lastUpdatedDate = now;
      delete record.statusOverride;
      return record;
    }
    case 'PATCH': {
      const record = existing!;
      record.attributes = patchAttributes(record.attributes, submission.patches);
      record.productType = submission.productType;
      record.lastUpdatedDate = now;
      delete record.statusOverride;
      return record;
    }
  }
}
