import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { modelErrors } from '../test-support/amazon-models';
import { startHarness, waitFor, type Harness } from '../test-support/harness';
import { DE, rejectionOf } from '../test-support/sp-client';
import { MERCHANT_LISTINGS_COLUMNS, MERCHANT_LISTINGS_COLUMNS_JA } from './merchant-listings-report';

const MODEL = 'sp-api-models/reports_2021-06-30.json';
const JP = 'A1VC38T7YXB528';

interface Report {
  reportId: string;
  processingStatus: string;
  reportDocumentId?: string;
}

describe('Reports 2021-06-30: merchant listings', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ rateLimits: false, reportTiming: { inQueueMs: 50_000, inProgressMs: 50_000 } });
    const { seed } = harness.sim;
    seed.listing({ sku: 'CREME-1', marketplaceId: DE, asin: 'B0SIM00006', price: '24.90', quantity: 4, productIdType: 'EAN', productId: '4260987654320' });
    seed.listing({ sku: 'EMPTY-1', marketplaceId: DE, asin: 'B0SIM00001', price: '9.99', quantity: 0 });
    seed.listing({ sku: 'FBA-1', marketplaceId: DE, asin: 'B0SIM00004', price: '14.00', fulfillmentChannel: 'AMAZON_EU' });
    seed.listing({ sku: 'JP-1', marketplaceId: JP, asin: 'B0SIM00001', title: '琺瑯マグカップ', price: '1200' });
  });
  afterAll(() => harness.sim.close());

  async function runReport(reportType: string, marketplaceId = DE): Promise<{ text: string; contentType: string; report: Report }> {
    const { sp } = harness;
    const created = await sp.callAPI({ operation: 'reports.createReport', body: { reportType, marketplaceIds: [marketplaceId] } });
    expect(modelErrors(created, MODEL, 'CreateReportResponse')).toBe('');
    const reportId = (created as { reportId: string }).reportId;
    const first = (await sp.callAPI({ operation: 'reports.getReport', path: { reportId } })) as Report;
    expect(first.processingStatus).toBe('IN_QUEUE');
    const report = await waitFor(async () => {
      const current = (await sp.callAPI({ operation: 'reports.getReport', path: { reportId } })) as Report;
      return current.processingStatus === 'DONE' || current.processingStatus === 'FATAL' ? current : undefined;
    });
    expect(modelErrors(report, MODEL, 'Report')).toBe('');
    if (report.processingStatus !== 'DONE') return { text: '', contentType: '', report };
    const document = await sp.callAPI({ operation: 'reports.getReportDocument', path: { reportDocumentId: report.reportDocumentId! } });
    expect(modelErrors(document, MODEL, 'ReportDocument')).toBe('');
    const url = new URL((document as { url: string }).url);
    const raw = await fetch(`${harness.sim.url}${url.pathname}${url.search}`);
    const text = (await sp.download(document as { url: string })) as string;
    return { text, contentType: raw.headers.get('content-type') ?? '', report };
  }

  test('GET_MERCHANT_LISTINGS_ALL_DATA is tab-separated with Amazon\'s columns, in windows-1252 for Amazon.de', async () => {
    const { text, contentType } = await runReport('GET_MERCHANT_LISTINGS_ALL_DATA');
    expect(contentType).toBe('text/plain;charset=Cp1252');
    const [header, ...rows] = text.trimEnd().split('\n').map((line) => line.split('\t'));
    expect(header).toEqual([...MERCHANT_LISTINGS_COLUMNS]);
    const bySku = new Map(rows.map((row) => [row[3], Object.fromEntries(header!.map((column, index) => [column, row[index]]))]));
    expect([...bySku.keys()]).toEqual(['CREME-1', 'EMPTY-1', 'FBA-1']);
    // The accented title made the round trip: encoded as Cp1252, decoded by the client from the charset.
    expect(bySku.get('CREME-1')).toMatchObject({
      'item-name': 'Crème brûlée ramekins — Édition spéciale',
      'seller-sku': 'CREME-1',
      price: '24.90',
      quantity: '4',
      'product-id-type': '4',
      'product-id': '4260987654320',
      asin1: 'B0SIM00006',
      'item-condition': '11',
      'fulfillment-channel': 'DEFAULT',
      status: 'Active',
    });
    expect(bySku.get('EMPTY-1')).toMatchObject({ quantity: '0', status: 'Inactive', 'product-id-type': '1', 'product-id': 'B0SIM00001' });
    expect(bySku.get('FBA-1')).toMatchObject({ quantity: '', 'fulfillment-channel': 'AMAZON_EU', status: 'Active' });
    const stored = harness.sim.state.reports.find((report) => report.document?.content === text);
    expect(stored?.document?.contentType).toBe('text/plain;charset=Cp1252');
  });

  test('GET_MERCHANT_LISTINGS_DATA lists active listings only', async () => {
    const active = await runReport('GET_MERCHANT_LISTINGS_DATA');
    expect(active.text.trimEnd().split('\n').slice(1).map((line) => line.split('\t')[3])).toEqual(['CREME-1', 'FBA-1']);
  });

  test('Amazon.co.jp: Windows-31J bytes and Japanese column names', async () => {
    const japan = await runReport('GET_MERCHANT_LISTINGS_ALL_DATA', JP);
    expect(japan.contentType).toBe('text/plain;charset=Windows-31J');
    // the client decoded the bytes with the charset the Content-Type names
    const [header, row] = japan.text.trimEnd().split('\n').map((line) => line.split('\t'));
    expect(header).toEqual(MERCHANT_LISTINGS_COLUMNS_JA.map(([name]) => name));
    expect(header!.slice(0, 3)).toEqual(['出品者SKU', 'ASIN 1', '商品名']);
    const cells = Object.fromEntries(header!.map((name, index) => [name, row![index]]));
    expect(cells).toMatchObject({ 出品者SKU: 'JP-1', 'ASIN 1': 'B0SIM00001', 商品名: '琺瑯マグカップ', 価格: '1200', 'フルフィルメント・チャンネル': 'DEFAULT', ステータス: 'Inactive' });
    expect(cells['出品日']).toMatch(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} JST$/);
    const stored = harness.sim.state.reports.find((report) => report.marketplaceIds[0] === JP);
    expect(stored?.document?.content).toBe(japan.text);
  });

  test('listings created through feeds or the API appear too', async () => {
    await harness.sp.callAPI({
      operation: 'listingsItems.putListingsItem',
      path: { sellerId: harness.sim.sellerId, sku: 'API-1' },
      query: { marketplaceIds: [DE] },
      body: { productType: 'LAMP', requirements: 'LISTING_OFFER_ONLY', attributes: { merchant_suggested_asin: [{ value: 'B0SIM00007' }], condition_type: [{ value: 'used_good' }], purchasable_offer: [{ currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: 30 }] }] }], fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }] } },
    });
    const { text } = await runReport('GET_MERCHANT_LISTINGS_ALL_DATA');
    const row = text.split('\n').find((line) => line.split('\t')[3] === 'API-1')!.split('\t');
    expect(row[0]).toBe('LED desk lamp, dimmable');
    expect(row[4]).toBe('30.00');
    expect(row[12]).toBe('3');
  });

  test('other report types are accepted and end FATAL; bad requests get 400, unknown ids 404', async () => {
    expect((await runReport('GET_FLAT_FILE_OPEN_LISTINGS_DATA')).report.processingStatus).toBe('FATAL');
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'reports.createReport', body: { reportType: 'GET_MERCHANT_LISTINGS_ALL_DATA', marketplaceIds: [] } }))).toMatchObject({ code: 'InvalidInput' });
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'reports.createReport', body: { reportType: 'listings', marketplaceIds: [DE] } }))).toMatchObject({ code: 'InvalidInput' });
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'reports.getReport', path: { reportId: '1' } }))).toMatchObject({ code: 'NotFound' });
    expect(await rejectionOf(harness.sp.callAPI({ operation: 'reports.getReportDocument', path: { reportDocumentId: 'nope' } }))).toMatchObject({ code: 'NotFound' });
  });
});
