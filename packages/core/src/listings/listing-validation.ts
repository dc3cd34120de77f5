import { describeValue } from '../errors';
import { currencyDecimals, formatMoney, isCurrencyCode, type Money } from '../money';
import type { ListingCondition, ShopListingData, ShopProduct } from '../shop-adapter';

/** One broken rule of a listing, as the change log and `previewFeed` report it. */
export interface ListingProblem {
  readonly sku: string;
  /** The marketplace the rule concerns, or `null` when it holds on every marketplace. */
  readonly marketplaceId: string | null;
  /** The field (`quantity`, `price`, `salePrice.endsAt`, `listing.images.others[2]`). */
  readonly field: string;
  /** The rule, in words (`must be a whole number ≥ 0`). */
  readonly rule: string;
  /** The offending value, shortened when long. */
  readonly value?: unknown;
}

/**
 * The limits sellersync checks before anything is sent, after Amazon's listing rules and style
 * guides. Amazon may apply stricter limits per product type; its processing report says so.
 */
export const LISTING_LIMITS = {
  /** Seller SKU, in characters. */
  skuLength: 40,
  /** `item_name`, in characters. */
  titleLength: 200,
  /** `product_description`, in characters. */
  descriptionLength: 2000,
  /** `bullet_point`: at most this many, each at most `bulletLength` characters. */
  bulletCount: 5,
  bulletLength: 500,
  /** `brand` and `manufacturer`, in characters. */
  brandLength: 100,
  /** `generic_keyword`: all search terms joined by spaces, in UTF-8 bytes. */
  searchTermsBytes: 250,
  /** `other_product_image_locator_1` … `_8`. */
  otherImages: 8,
  /** Image URL, in characters. */
  imageUrlLength: 2000,
  /** Quantity: a whole number from 0 to this. */
  maxQuantity: 1_000_000,
  /** Price: more than 0 and at most this many major units (1e9 EUR, 1e9 JPY). */
  maxPriceMajorUnits: 1_000_000_000,
} as const;

const CONTROL = /\p{Cc}/u;
const CONTROL_EXCEPT_LINES = /[^\P{Cc}\n\r\t]/u;
const FORMAT_OR_UNASSIGNED = /[\p{Cf}\p{Co}\p{Cn}]/u;
const EMOJI = /\p{Extended_Pictographic}/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PRODUCT_TYPE = /^[A-Z][A-Z0-9_]{0,99}$/;
const ASIN = /^[0-9A-Z]{10}$/;
const BROWSE_NODE = /^\d{1,20}$/;
const LANGUAGE_TAG = /^[a-z]{2,3}_[A-Z]{2}$/;

const CONDITIONS = new Set<ListingCondition>([
  'new_new',
  'new_open_box',
  'new_oem',
  'refurbished_refurbished',
  'used_like_new',
  'used_very_good',
  'used_good',
  'used_acceptable',
  'collectible_like_new',
  'collectible_very_good',
  'collectible_good',
  'collectible_acceptable',
  'club_club',
]);

/** Collects problems of one SKU. */
export class ProblemList {
  readonly problems: ListingProblem[] = [];
  constructor(
    readonly sku: string,
    readonly marketplaceId: string | null = null,
  ) {}
  add(field: string, rule: string, value?: unknown): void {
    this.problems.push({ sku: this.sku, marketplaceId: this.marketplaceId, field, rule, ...(value === undefined ? {} : { value }) });
  }
  get ok(): boolean {
    return this.problems.length === 0;
  }
}

/** The broken rule of a seller SKU as Amazon's listings take it, or `null`. */
export function listingSkuProblem(sku: unknown): string | null {
  if (typeof sku !== 'string') return 'must be a string';
  const length = [...sku].length;
  if (length < 1 || length > LISTING_LIMITS.skuLength) return `must be 1 to ${LISTING_LIMITS.skuLength} characters (has ${length})`;
  if (CONTROL.test(sku)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(sku)) return 'must be valid Unicode text';
  if (EMOJI.test(sku)) return 'must not contain emoji';
  if (FORMAT_OR_UNASSIGNED.test(sku)) return 'must not contain invisible or private-use characters';
  if (sku.trim() !== sku) return 'must not start or end with a space';
  return null;
}

/** Checks a text field: no control characters, valid Unicode, within `max` characters. */
export function checkText(
  problems: ProblemList,
  field: string,
  value: unknown,
  options: { readonly max: number; readonly required?: boolean; readonly lineBreaks?: boolean; readonly noEmoji?: boolean },
): value is string {
  if (value === null || value === undefined || value === '') {
    if (options.required) problems.add(field, 'is required', value);
    return false;
  }
  if (typeof value !== 'string') {
    problems.add(field, 'must be text', value);
    return false;
  }
  const before = problems.problems.length;
  if ((options.lineBreaks ? CONTROL_EXCEPT_LINES : CONTROL).test(value))
    problems.add(field, `must not contain control characters${options.lineBreaks ? ' (line breaks and tabs are allowed)' : ''}`, value);
  if (LONE_SURROGATE.test(value)) problems.add(field, 'must be valid Unicode text (no lone surrogate)', value);
  if (options.noEmoji && EMOJI.test(value)) problems.add(field, 'must not contain emoji (Amazon refuses them here)', value);
  if (value.trim() === '') problems.add(field, 'must not be blank', value);
  const length = [...value].length;
  if (length > options.max) problems.add(field, `must be at most ${options.max} characters (has ${length})`, value);
  return problems.problems.length === before;
}

/** Checks a quantity: a whole number from 0 to {@link LISTING_LIMITS.maxQuantity}. */
export function checkQuantity(problems: ProblemList, field: string, quantity: unknown): quantity is number {
  if (typeof quantity !== 'number' || !Number.isFinite(quantity) || !Number.isInteger(quantity)) {
    problems.add(field, 'must be a whole number ≥ 0', quantity);
    return false;
  }
  if (quantity < 0) {
    problems.add(field, 'must be a whole number ≥ 0 (the shop reports negative stock: fix it in the shop)', quantity);
    return false;
  }
  if (quantity > LISTING_LIMITS.maxQuantity) {
    problems.add(field, `must be at most ${LISTING_LIMITS.maxQuantity.toLocaleString('en')}`, quantity);
    return false;
  }
  return true;
}

/**
 * Checks money: a known ISO 4217 currency, a whole number of minor units (so representable with
 * the currency's decimals), more than 0, and not absurdly large.
 */
export function checkPrice(problems: ProblemList, field: string, money: unknown): money is Money {
  const m = money as Partial<Money> | null;
  if (typeof m !== 'object' || m === null) {
    problems.add(field, 'must be an amount with a currency', money);
    return false;
  }
  if (!isCurrencyCode(m.currency)) {
    problems.add(`${field}.currency`, 'must be an ISO 4217 currency code such as EUR', m.currency);
    return false;
  }
  const amount = m.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    problems.add(field, 'must be a number', amount);
    return false;
  }
  if (!Number.isInteger(amount)) {
    problems.add(field, `must be representable in ${m.currency} with ${currencyDecimals(m.currency)} decimals (a whole number of minor units)`, amount);
    return false;
  }
  const shown = Number.isSafeInteger(amount) ? `${formatMoney({ amount, currency: m.currency })} ${m.currency}` : amount;
  if (amount <= 0) {
    problems.add(field, 'must be greater than 0', shown);
    return false;
  }
  const max = LISTING_LIMITS.maxPriceMajorUnits * 10 ** currencyDecimals(m.currency);
  if (amount > max) {
    problems.add(field, `must be at most ${LISTING_LIMITS.maxPriceMajorUnits.toLocaleString('en')} ${m.currency}`, shown);
    return false;
  }
  return true;
}

/** Checks an instant: a valid `Date`. */
export function checkDate(problems: ProblemList, field: string, value: unknown): value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    problems.add(field, 'must be a valid date', value);
    return false;
  }
  return true;
}

/** Checks an image URL: absolute, https, no spaces. */
export function checkImageUrl(problems: ProblemList, field: string, value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) {
    problems.add(field, 'must be an absolute https URL', value);
    return false;
  }
  if (value.length > LISTING_LIMITS.imageUrlLength || /\s|\p{Cc}/u.test(value)) {
    problems.add(field, `must be an absolute https URL without spaces, at most ${LISTING_LIMITS.imageUrlLength} characters`, value);
    return false;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.add(field, 'must be an absolute https URL', value);
    return false;
  }
  if (url.protocol !== 'https:' || url.hostname === '') {
    problems.add(field, 'must be an absolute https URL (Amazon fetches images over https only)', value);
    return false;
  }
  return true;
}

/** The kind of a GTIN by its digits, or `null` when the checksum is wrong. */
export function gtinType(digits: string): 'ean' | 'upc' | 'isbn' | 'gtin' | null {
  if (/^\d{9}[\dX]$/.test(digits)) {
    let sum = 0;
    for (let i = 0; i < 10; i += 1) sum += (digits[i] === 'X' ? 10 : Number(digits[i])) * (10 - i);
    return sum % 11 === 0 ? 'isbn' : null;
  }
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(digits)) return null;
  let sum = 0;
  for (let i = digits.length - 2, weight = 3; i >= 0; i -= 1, weight = weight === 3 ? 1 : 3) sum += Number(digits[i]) * weight;
  if ((10 - (sum % 10)) % 10 !== Number(digits[digits.length - 1])) return null;
  if (digits.length === 12) return 'upc';
  if (digits.length === 14) return 'gtin';
  if (digits.length === 13 && /^97[89]/.test(digits)) return 'isbn';
  return 'ean';
}

/** Normalises a GTIN as shops store it (spaces and dashes removed, upper case). */
export function normalizeGtin(gtin: string): string {
  return gtin.replace(/[\s-]/g, '').toUpperCase();
}

/** Checks the identity and offer fields every message needs: SKU, quantity, price, sale price. */
export function checkOfferFields(problems: ProblemList, product: ShopProduct): void {
  const skuRule = listingSkuProblem(product.sku);
  if (skuRule) problems.add('sku', skuRule, product.sku);
  // a disabled product is offered with quantity 0 whatever its stock says
  if (product.active !== false) checkQuantity(problems, 'quantity', product.quantity);
  const priceOk = checkPrice(problems, 'price', product.price);
  const sale = product.salePrice;
  if (sale === null || sale === undefined) return;
  const saleOk = checkPrice(problems, 'salePrice.price', sale.price);
  if (priceOk && saleOk) {
    if (sale.price.currency !== product.price.currency)
      problems.add('salePrice.price.currency', `must be the currency of the price (${product.price.currency})`, sale.price.currency);
    else if (sale.price.amount >= product.price.amount)
      problems.add('salePrice.price', `must be below the price (${formatMoney(product.price)} ${product.price.currency})`, `${formatMoney(sale.price)} ${sale.price.currency}`);
  }
  const startsOk = sale.startsAt === null || checkDate(problems, 'salePrice.startsAt', sale.startsAt);
  const endsOk = sale.endsAt === null || checkDate(problems, 'salePrice.endsAt', sale.endsAt);
  if (startsOk && endsOk && sale.startsAt && sale.endsAt && sale.startsAt.getTime() >= sale.endsAt.getTime())
    problems.add('salePrice.endsAt', 'must be after salePrice.startsAt (the sale dates are reversed)', sale.endsAt.toISOString());
}

/**
 * The list fields of listing data, whatever the adapter returned: a JavaScript adapter or a database
 * NULL can give `null` or leave a key out, which the types forbid; the validator and the builder
 * both read them through here, so such a record is checked (or sent without them), never a crash.
 */
export function listingLists(listing: ShopListingData): {
  readonly bulletPoints: readonly string[];
  readonly searchTerms: readonly string[];
  readonly mainImage: string | null;
  readonly otherImages: readonly string[];
} {
  const images: Partial<ShopListingData['images']> | null | undefined = listing.images;
  return {
    bulletPoints: Array.isArray(listing.bulletPoints) ? listing.bulletPoints : [],
    searchTerms: Array.isArray(listing.searchTerms) ? listing.searchTerms : [],
    mainImage: images?.main ?? null,
    otherImages: Array.isArray(images?.others) ? images.others : [],
  };
}

/** Checks the metadata of a full listing against {@link LISTING_LIMITS}. */
export function checkListingData(problems: ProblemList, listing: ShopListingData): void {
  checkText(problems, 'listing.title', listing.title, { max: LISTING_LIMITS.titleLength, required: true, noEmoji: true });
  checkText(problems, 'listing.description', listing.description, { max: LISTING_LIMITS.descriptionLength, lineBreaks: true });
  checkText(problems, 'listing.brand', listing.brand, { max: LISTING_LIMITS.brandLength, noEmoji: true });
  checkText(problems, 'listing.manufacturer', listing.manufacturer, { max: LISTING_LIMITS.brandLength, noEmoji: true });
  const { bulletPoints: bullets, searchTerms: terms, mainImage, otherImages: others } = listingLists(listing);
  if (bullets.length > LISTING_LIMITS.bulletCount)
    problems.add('listing.bulletPoints', `must be at most ${LISTING_LIMITS.bulletCount} bullet points (has ${bullets.length})`);
  bullets.forEach((bullet, index) =>
    checkText(problems, `listing.bulletPoints[${index}]`, bullet, { max: LISTING_LIMITS.bulletLength, required: true, noEmoji: true }),
  );
  if (listing.browseNodeId !== null && listing.browseNodeId !== undefined && !BROWSE_NODE.test(String(listing.browseNodeId)))
    problems.add('listing.browseNodeId', 'must be an Amazon browse node id (digits)', listing.browseNodeId);
  terms.forEach((term, index) => checkText(problems, `listing.searchTerms[${index}]`, term, { max: LISTING_LIMITS.searchTermsBytes }));
  const keywordBytes = Buffer.byteLength(terms.join(' '), 'utf8');
  if (keywordBytes > LISTING_LIMITS.searchTermsBytes)
    problems.add('listing.searchTerms', `must be at most ${LISTING_LIMITS.searchTermsBytes} bytes joined by spaces (has ${keywordBytes})`);
  if (mainImage !== null) checkImageUrl(problems, 'listing.images.main', mainImage);
  if (others.length > LISTING_LIMITS.otherImages)
    problems.add('listing.images.others', `must be at most ${LISTING_LIMITS.otherImages} images (has ${others.length})`);
  others.forEach((url, index) => checkImageUrl(problems, `listing.images.others[${index}]`, url));
  if (listing.condition !== null && listing.condition !== undefined && !CONDITIONS.has(listing.condition))
    problems.add('listing.condition', `must be one of ${[...CONDITIONS].join(', ')}`, listing.condition);
  if (listing.productType !== null && listing.productType !== undefined && !PRODUCT_TYPE.test(listing.productType))
    problems.add('listing.productType', 'must be an Amazon product type such as PRODUCT or SHIRT', listing.productType);
  if (listing.languageTag !== null && listing.languageTag !== undefined && !LANGUAGE_TAG.test(listing.languageTag))
    problems.add('listing.languageTag', 'must be a language tag such as de_DE', listing.languageTag);
  if (listing.gtin !== null && listing.gtin !== undefined && listing.gtin !== '') checkGtin(problems, 'listing.gtin', listing.gtin);
}

/** Checks a GTIN (EAN-8/13, UPC-A, ISBN-10/13, GTIN-14) including its check digit. */
export function checkGtin(problems: ProblemList, field: string, gtin: unknown): gtin is string {
  if (typeof gtin !== 'string' || gtinType(normalizeGtin(gtin)) === null) {
    problems.add(field, 'must be a valid EAN, UPC, ISBN or GTIN (8, 10, 12, 13 or 14 digits with a correct check digit)', gtin);
    return false;
  }
  return true;
}

/** Checks an ASIN: 10 upper-case letters or digits. */
export function checkAsin(problems: ProblemList, field: string, asin: unknown): asin is string {
  if (typeof asin !== 'string' || !ASIN.test(asin)) {
    problems.add(field, 'must be an ASIN (10 upper-case letters or digits)', asin);
    return false;
  }
  return true;
}

/**
 * One line naming the SKU and every broken rule:
 * `Listing not sent: SKU "MUG-1": quantity must be a whole number ≥ 0 (got -3); price must be greater than 0 (got 0).`
 */
export function describeListingProblems(sku: string, problems: readonly ListingProblem[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const problem of problems) {
    const where = problem.marketplaceId ? ` on ${problem.marketplaceId}` : '';
    const text = `${problem.field}${where} ${problem.rule}${problem.value === undefined ? '' : ` (got ${describeValue(problem.value)})`}`;
    if (seen.has(text)) continue;
    seen.add(text);
    parts.push(text);
  }
  return `Listing not sent: SKU ${describeValue(sku)}: ${parts.join('; ')}. Fix the product in the shop; the next save queues it again.`;
}
