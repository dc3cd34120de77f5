import { describe, expect, test } from '@jest/globals';
import type { ShopListingData, ShopProduct } from '../shop-adapter';
import { buildListingMessage, type ListingBuildInput } from './feed-builder';
import { describeListingProblems, gtinType, listingSkuProblem, type ListingProblem } from './listing-validation';
import { resolveListingsOptions } from './listings-options';

const DE = 'A1PA6795UKMFR9';
const NOW = new Date('2026-11-22T10:00:00Z');
const options = resolveListingsOptions({}, [DE]);
const de = options.marketplaces[0]!;

function product(overrides: Partial<ShopProduct> = {}): ShopProduct {
  return {
    productRef: '1',
    variantRef: null,
    sku: 'OK-1',
    title: 'Mug',
    gtin: null,
    asin: null,
    quantity: 5,
    price: { amount: 1299, currency: 'EUR' },
    salePrice: null,
    marketplaceIds: null,
    active: true,
    ...overrides,
  };
}

function listing(overrides: Partial<ShopListingData> = {}): ShopListingData {
  return {
    sku: 'OK-1',
    productRef: '1',
    variantRef: null,
    productType: null,
    title: 'Classic mug',
    description: null,
    brand: 'Kaffeeklatsch',
    manufacturer: null,
    bulletPoints: [],
    browseNodeId: null,
    searchTerms: [],
    images: { main: 'https://shop.example/a.jpg', others: [] },
    condition: null,
    gtin: null,
    languageTag: null,
    ...overrides,
  };
}

function problemsOf(overrides: { product?: Partial<ShopProduct>; listing?: Partial<ShopListingData>; mode?: ListingBuildInput['mode']; asin?: string | null }): ListingProblem[] {
  const p = product(overrides.product);
  const built = buildListingMessage(
    {
      sku: p.sku,
      mode: overrides.mode ?? (overrides.listing ? 'listing' : 'offer'),
      marketplace: de,
      product: p,
      listing: listing({ sku: p.sku, ...overrides.listing }),
      asin: overrides.asin ?? null,
      knownProductType: null,
    },
    options,
    NOW,
  );
  return built.ok ? [] : [...built.problems];
}

const sale = (amount: number, startsAt: Date | null, endsAt: Date | null) => ({ price: { amount, currency: 'EUR' }, startsAt, endsAt });

// The bad-input corpus: each case breaks one rule and must be reported naming that field and rule.
const corpus: [string, Parameters<typeof problemsOf>[0], string, RegExp][] = [
  ['41-character SKU', { product: { sku: 'X'.repeat(41) } }, 'sku', /1 to 40 characters \(has 41\)/],
  ['emoji in the SKU', { product: { sku: 'MUG-☕-RED' } }, 'sku', /emoji/],
  ['control character in the SKU', { product: { sku: 'MUG\u0007RED' } }, 'sku', /control characters/],
  ['SKU with a trailing space', { product: { sku: 'MUG-RED ' } }, 'sku', /space/],
  ['NaN quantity', { product: { quantity: Number.NaN } }, 'quantity', /whole number ≥ 0/],
  ['fractional quantity', { product: { quantity: 2.5 } }, 'quantity', /whole number ≥ 0/],
  ['negative quantity', { product: { quantity: -3 } }, 'quantity', /whole number ≥ 0/],
  ['huge quantity', { product: { quantity: 1e12 } }, 'quantity', /at most 1,000,000/],
  ['NaN price', { product: { price: { amount: Number.NaN, currency: 'EUR' } } }, 'price', /must be a number/],
  ['negative price', { product: { price: { amount: -100, currency: 'EUR' } } }, 'price', /greater than 0/],
  ['zero price', { product: { price: { amount: 0, currency: 'EUR' } } }, 'price', /greater than 0/],
  ['huge price', { product: { price: { amount: 1e17, currency: 'EUR' } } }, 'price', /at most 1,000,000,000 EUR/],
  ['price in fractions of a cent', { product: { price: { amount: 1299.5, currency: 'EUR' } } }, 'price', /2 decimals/],
  ['unknown currency', { product: { price: { amount: 1299, currency: 'XYZ' } } }, 'price.currency', /ISO 4217/],
  ['sale price above the price', { product: { salePrice: sale(1500, null, null) } }, 'salePrice.price', /below the price/],
  ['sale price equal to the price', { product: { salePrice: sale(1299, null, null) } }, 'salePrice.price', /below the price/],
  [
    'sale dates reversed',
    { product: { salePrice: sale(999, new Date('2026-12-31T00:00:00Z'), new Date('2026-12-01T00:00:00Z')) } },
    'salePrice.endsAt',
    /reversed/,
  ],
  ['invalid sale date', { product: { salePrice: sale(999, new Date(Number.NaN), null) } }, 'salePrice.startsAt', /valid date/],
  ['http image URL', { listing: { images: { main: 'http://shop.example/a.jpg', others: [] } } }, 'listing.images.main', /https/],
  ['relative image URL', { listing: { images: { main: null, others: ['/images/a.jpg'] } } }, 'listing.images.others[0]', /absolute https/],
  ['image URL with a space', { listing: { images: { main: 'https://shop.example/a b.jpg', others: [] } } }, 'listing.images.main', /without spaces/],
  ['nine other images', { listing: { images: { main: null, others: Array.from({ length: 9 }, (_, i) => `https://s.example/${i}.jpg`) } } }, 'listing.images.others', /at most 8/],
  ['emoji in the title', { listing: { title: 'Best mug ☕ ever' } }, 'listing.title', /emoji/],
  ['control character in the title', { listing: { title: 'Mug\u0000' } }, 'listing.title', /control characters/],
  ['empty title', { listing: { title: '' } }, 'listing.title', /required/],
  ['201-character title', { listing: { title: 'a'.repeat(201) } }, 'listing.title', /at most 200 characters \(has 201\)/],
  ['2001-character description', { listing: { description: 'a'.repeat(2001) } }, 'listing.description', /at most 2000/],
  ['escape character in the description', { listing: { description: 'red\u001b[31m' } }, 'listing.description', /control characters/],
  ['six bullet points', { listing: { bulletPoints: ['a', 'b', 'c', 'd', 'e', 'f'] } }, 'listing.bulletPoints', /at most 5/],
  ['501-character bullet', { listing: { bulletPoints: ['a'.repeat(501)] } }, 'listing.bulletPoints[0]', /at most 500/],
  ['search terms over 250 bytes', { listing: { searchTerms: ['ä'.repeat(126)] } }, 'listing.searchTerms', /250 bytes/],
  ['browse node that is not a number', { listing: { browseNodeId: 'kitchen' } }, 'listing.browseNodeId', /browse node/],
  ['EAN with a wrong check digit', { listing: { gtin: '4006381333932' } }, 'listing.gtin', /check digit/],
  ['unknown condition', { listing: { condition: 'brand_new' as never } }, 'listing.condition', /one of/],
  ['malformed ASIN in matching mode', { mode: 'offer-only', asin: 'b07-xj8' }, 'asin', /ASIN/],
  ['lone surrogate in the brand', { listing: { brand: 'Kaffee\uD800klatsch' } }, 'listing.brand', /valid Unicode/],
];

describe('the bad-input corpus', () => {
  test.each(corpus)('%s: names the field and the rule', (_name, overrides, field, rule) => {
    const problems = problemsOf(overrides);
    expect(problems).toContainEqual(expect.objectContaining({ field, rule: expect.stringMatching(rule) }));
    const sku = overrides.product?.sku ?? 'OK-1';
    const message = describeListingProblems(sku, problems);
    expect(message).toContain(JSON.stringify(sku).slice(0, 40));
    expect(message).toContain(field);
  });

  test('a valid product and listing have no problem', () => {
    expect(problemsOf({ listing: {} })).toEqual([]);
    expect(problemsOf({})).toEqual([]);
    expect(problemsOf({ listing: { description: 'two\nlines\twith tab', searchTerms: ['ä'.repeat(125)] } })).toEqual([]);
  });

  test('a disabled product is sent with quantity 0 whatever its stock says', () => {
    expect(problemsOf({ product: { active: false, quantity: Number.NaN } })).toEqual([]);
  });

  test('every broken rule is reported, not only the first', () => {
    const problems = problemsOf({ product: { quantity: -1, price: { amount: 0, currency: 'EUR' } }, listing: { title: '' } });
    expect(problems.map((p) => p.field).sort()).toEqual(['listing.title', 'price', 'quantity']);
    expect(describeListingProblems('OK-1', problems)).toMatch(
      /^Listing not sent: SKU "OK-1": quantity must be a whole number ≥ 0 .*\(got -1\); price must be greater than 0 \(got "0.00 EUR"\); listing.title is required/,
    );
  });
});

describe('identifiers', () => {
  test.each([
    ['4006381333931', 'ean'],
    ['96385074', 'ean'],
    ['036000291452', 'upc'],
    ['9780306406157', 'isbn'],
    ['0306406152', 'isbn'],
    ['080442957X', 'isbn'],
    ['10614141000415', 'gtin'],
    ['4006381333932', null],
    ['0306406153', null],
    ['12345', null],
  ] as const)('%s is %s', (digits, type) => {
    expect(gtinType(digits)).toBe(type);
  });

  test('SKU rules', () => {
    expect(listingSkuProblem('MUG-RED_1.0/äö')).toBeNull();
    expect(listingSkuProblem('X'.repeat(40))).toBeNull();
    expect(listingSkuProblem('')).toMatch(/1 to 40/);
    expect(listingSkuProblem('A\u200BB')).toMatch(/invisible/);
  });
});
