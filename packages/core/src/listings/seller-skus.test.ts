import { describe, expect, test } from '@jest/globals';
import { mappingsByProduct, productKey, sellerSkusOn, type ListingMapping } from './seller-skus';

const DE = 'A1PA6795UKMFR9';
const FR = 'A13V1IB3VIYZZH';
const row = (sellerSku: string, overrides: Partial<ListingMapping> = {}): ListingMapping => ({
  marketplaceId: DE,
  sellerSku,
  fulfillmentChannel: 'MFN',
  productRef: 'mug',
  variantRef: null,
  asin: null,
  ...overrides,
});

describe('sellerSkusOn', () => {
  test('without mapping rows the shop SKU is the only seller SKU', () => {
    expect(sellerSkusOn('MUG-1', [], DE)).toEqual({ shopSkuSold: true, shopSkuMapping: null, shopSkuAmazonFulfilled: false, others: [] });
  });

  test('another MFN seller SKU stands in for the shop SKU on its marketplace only', () => {
    const rows = [row('AMZ-MUG')];
    expect(sellerSkusOn('MUG-1', rows, DE)).toMatchObject({ shopSkuSold: false, others: [rows[0]] });
    expect(sellerSkusOn('MUG-1', rows, FR)).toMatchObject({ shopSkuSold: true, others: [] });
  });

  test('an FBA seller SKU never stands in for the shop SKU', () => {
    const rows = [row('MUG-1-FBA', { fulfillmentChannel: 'AFN' })];
    expect(sellerSkusOn('MUG-1', rows, DE)).toMatchObject({ shopSkuSold: true, shopSkuAmazonFulfilled: false, others: [rows[0]] });
  });

  test('a row of the shop SKU itself keeps it sold next to the others, and says whether it is FBA', () => {
    const rows = [row('MUG-1', { fulfillmentChannel: 'AFN' }), row('MUG-1-OLD')];
    expect(sellerSkusOn('MUG-1', rows, DE)).toEqual({ shopSkuSold: true, shopSkuMapping: rows[0], shopSkuAmazonFulfilled: true, others: [rows[1]] });
  });

  test('mappingsByProduct groups rows by product and variant', () => {
    const rows = [row('A'), row('B', { variantRef: 'red' }), row('C', { marketplaceId: FR })];
    const grouped = mappingsByProduct(rows);
    expect(grouped.get(productKey('mug', null))).toEqual([rows[0], rows[2]]);
    expect(grouped.get(productKey('mug', 'red'))).toEqual([rows[1]]);
  });
});
