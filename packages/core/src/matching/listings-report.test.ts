import { describe, expect, test } from '@jest/globals';
import { SellerSyncError } from '../errors';
import { listingCandidate, readMerchantListingsReport, reportCharsetFor, type MerchantListingRow } from './listings-report';

const HEADER = [
  'item-name', 'item-description', 'listing-id', 'seller-sku', 'price', 'quantity', 'open-date', 'image-url', 'item-is-marketplace',
  'product-id-type', 'zshop-shipping-fee', 'item-note', 'item-condition', 'zshop-category1', 'zshop-browse-path',
  'zshop-storefront-feature', 'asin1', 'asin2', 'asin3', 'will-ship-internationally', 'expedited-shipping', 'zshop-boldface',
  'product-id', 'bid-for-featured-placement', 'add-delete', 'pending-quantity', 'fulfillment-channel', 'merchant-shipping-group', 'status',
].join('\t');

function row(values: Partial<Record<string, string>>): string {
  return HEADER.split('\t')
    .map((name) => values[name] ?? '')
    .join('\t');
}

async function readAll(text: string, batchSize?: number): Promise<MerchantListingRow[][]> {
  const batches: MerchantListingRow[][] = [];
  for await (const batch of readMerchantListingsReport(text, { batchSize })) batches.push(batch);
  return batches;
}

describe('readMerchantListingsReport', () => {
  test("reads Amazon's columns: quotes are ordinary characters, GTIN only for ISBN/UPC/EAN id types, AFN from the channel", async () => {
    const text =
      `\uFEFF${HEADER}\r\n` +
      `${row({ 'item-name': 'Mug "large", 350 ml', 'seller-sku': 'MUG-1', price: '12.99', quantity: '5', 'product-id-type': '4', 'product-id': '4006381333931', asin1: 'B0SIM00001', 'fulfillment-channel': 'DEFAULT', status: 'Active' })}\r\n` +
      `${row({ 'item-name': 'Crème brûlée', 'seller-sku': ' SPACED ', 'product-id-type': '1', 'product-id': 'B0SIM00006', 'fulfillment-channel': 'AMAZON_EU', status: 'Inactive' })}\n` +
      `\n` +
      `${row({ 'item-name': 'Book', 'seller-sku': 'BOOK', 'product-id-type': '2', 'product-id': '316148410X', asin1: 'B0SIM00005' })}\n`;
    const [batch] = await readAll(text);
    expect(batch).toEqual([
      {
        line: 2,
        sellerSku: 'MUG-1',
        title: 'Mug "large", 350 ml',
        asin: 'B0SIM00001',
        gtin: '4006381333931',
        price: '12.99',
        quantity: '5',
        fulfillmentChannel: 'MFN',
        status: 'Active',
      },
      {
        line: 3,
        sellerSku: ' SPACED ',
        title: 'Crème brûlée',
        asin: 'B0SIM00006',
        gtin: null,
        price: null,
        quantity: null,
        fulfillmentChannel: 'AFN',
        status: 'Inactive',
      },
      expect.objectContaining({ sellerSku: 'BOOK', gtin: '316148410X', asin: 'B0SIM00005', fulfillmentChannel: 'MFN' }),
    ]);
    expect(listingCandidate(batch![1]!, 'A1PA6795UKMFR9')).toEqual({
      sellerSku: ' SPACED ',
      asin: 'B0SIM00006',
      gtin: null,
      marketplaceId: 'A1PA6795UKMFR9',
      fulfillmentChannel: 'AFN',
    });
  });

  test('yields batches, also for many rows spread over the slices the parser is fed', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 12_345; i += 1) lines.push(row({ 'item-name': `Item ${i} ${'x'.repeat(100)}`, 'seller-sku': `SKU-${i}` }));
    const batches = await readAll(lines.join('\n'), 5000);
    expect(batches.map((b) => b.length)).toEqual([5000, 5000, 2345]);
    expect(batches[2]!.at(-1)!.sellerSku).toBe('SKU-12344');
  });

  test('short rows and an empty report are read; a header without seller-sku is REPORT_FAILED', async () => {
    expect(await readAll(`${HEADER}\n`)).toEqual([]);
    expect(await readAll('')).toEqual([]);
    const [batch] = await readAll(`${HEADER}\nonly a title\tdesc\tid\tSHORT\n`);
    expect(batch![0]).toMatchObject({ sellerSku: 'SHORT', title: 'only a title', asin: null });
    let caught: unknown;
    try {
      await readAll('sku\tasin\nA\tB\n');
    } catch (error) {
      caught = error;
    }
    expect(SellerSyncError.isInstance(caught) && caught.code).toBe('REPORT_FAILED');
  });

  test("Amazon.co.jp's Japanese column names, in recent (ASIN 1) and older (asin1) reports", async () => {
    const recent = '出品者SKU\tASIN 1\t商品名\t商品の説明\t出品ID\t価格\t数量\t出品日\t商品IDタイプ\t商品ID\tフルフィルメント・チャンネル\tステータス\n' +
      'JP-1\tB0SIM00001\t琺瑯マグカップ\t\tX1\t1200\t3\t2026/01/31 09:00:00 JST\t4\t4006381333931\tAMAZON_JP\tActive\n';
    const [[row]] = (await readAll(recent)) as [[MerchantListingRow]];
    expect(row).toEqual({ line: 2, sellerSku: 'JP-1', title: '琺瑯マグカップ', asin: 'B0SIM00001', gtin: '4006381333931', price: '1200', quantity: '3', fulfillmentChannel: 'AFN', status: 'Active' });
    const older = '商品名\t出品ID\t出品者SKU\t価格\t数量\tasin1\t商品IDタイプ\t商品ID\tフルフィルメント・チャンネル\nマグ\tX2\tJP-2\t980\t1\tB0SIM00002\t1\tB0SIM00002\tDEFAULT\n';
    const [[old]] = (await readAll(older)) as [[MerchantListingRow]];
    expect(old).toMatchObject({ sellerSku: 'JP-2', title: 'マグ', asin: 'B0SIM00002', gtin: null, price: '980', fulfillmentChannel: 'MFN' });
  });

  test('the charset of a report whose download names none: windows-1252 in NA/EU, Shift_JIS in Japan, else UTF-8', () => {
    expect(['ATVPDKIKX0DER', 'A1PA6795UKMFR9', 'A1F83G8C2ARO7P', 'A1C3SOZRARQ6R3'].map(reportCharsetFor)).toEqual(['windows-1252', 'windows-1252', 'windows-1252', 'windows-1252']);
    expect(reportCharsetFor('A1VC38T7YXB528')).toBe('shift_jis');
    expect(['A33AVAJ2PDY3EV', 'A39IBJ37TRP1C6', 'A21TJRUUN4KGV', 'A9NOSUCHMARKET'].map(reportCharsetFor)).toEqual(['utf-8', 'utf-8', 'utf-8', 'utf-8']);
  });
});
