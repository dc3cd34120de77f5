import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEFAULT_CATALOG_SHARED_EAN, SIMULATOR_CREDENTIALS, startSimulator, type Simulator, type SimulatorOptions } from '@sellersync/sp-api-simulator';
import { AmazonCallError } from './amazon-call-error';
import type { AmazonGatewayOptions } from './amazon-gateway';
import type { AmazonOrder, ListingsFeedProcessingReport } from './amazon-types';
import { createAmazonGateway } from './create-amazon-gateway';

// The real amazon-sp-api client, through the gateway, against the simulator: every operation
// sellersync uses. Amazon's clock runs 1000 times faster on both sides.
const DE = 'A1PA6795UKMFR9';
const TIME_SCALE = 1000;

function gatewayFor(sim: Simulator, options: Partial<Omit<AmazonGatewayOptions, 'amazon'>> = {}) {
  return createAmazonGateway({
    amazon: { region: 'eu', sellerId: sim.sellerId, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: sim.url },
    timeScale: TIME_SCALE,
    ...options,
  });
}

const offerMessage = (messageId: number, sku: string, asin: string, quantity: number, price: number) => ({
  messageId,
  sku,
  operationType: 'UPDATE',
  productType: 'PRODUCT',
  requirements: 'LISTING_OFFER_ONLY',
  attributes: {
    merchant_suggested_asin: [{ value: asin, marketplace_id: DE }],
    condition_type: [{ value: 'new_new', marketplace_id: DE }],
    purchasable_offer: [{ marketplace_id: DE, currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: price }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity }],
  },
});

const listingsFeed = (sellerId: string, messages: readonly unknown[]) => JSON.stringify({ header: { sellerId, version: '2.0' }, messages });

describe('createAmazonGateway against the simulator: feeds and reports', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ timeScale: TIME_SCALE, seed: { listings: [{ sku: 'GW-RAMEKIN', marketplaceId: DE, asin: 'B0SIM00006', price: '24.90', quantity: 3 }] } });
  });
  afterAll(() => sim.close());

  test('submitFeed → waitForFeed → getFeedResult: a JSON_LISTINGS_FEED is applied message by message', async () => {
    const gateway = gatewayFor(sim);
    const content = listingsFeed(sim.sellerId, [offerMessage(1, 'GW-MUG-1', 'B0SIM00001', 7, 12.5), offerMessage(2, 'GW-MUG-BAD', 'B0SIM00001', -1, 12.5)]);
    const feedsAtDocument: number[] = [];
    const { feedId, feedDocumentId } = await gateway.submitFeed({
      feedType: 'JSON_LISTINGS_FEED',
      marketplaceIds: [DE],
      content,
      contentType: 'application/json; charset=UTF-8',
      onDocument: (id) => {
        expect(id).toMatch(/\S/);
        feedsAtDocument.push(sim.state.feeds.length);
      },
    });
    // onDocument ran after the upload and before createFeed
    expect(feedsAtDocument).toEqual([0]);
    expect(feedDocumentId).toMatch(/\S/);

    const feed = await gateway.waitForFeed(feedId, { pollIntervalMs: 5_000 });
    expect(feed).toMatchObject({ feedId, feedType: 'JSON_LISTINGS_FEED', processingStatus: 'DONE' });
    expect(feed.resultFeedDocumentId).toMatch(/\S/);

    const report = JSON.parse(await gateway.getFeedResult(feed)) as ListingsFeedProcessingReport;
    expect(report.header).toMatchObject({ sellerId: sim.sellerId, version: '2.0', feedId });
    expect(report.summary).toMatchObject({ messagesProcessed: 2, messagesAccepted: 1, messagesInvalid: 1 });
    expect(report.issues.some((issue) => issue.messageId === 2 && issue.severity === 'ERROR')).toBe(true);
    expect(sim.state.offer('GW-MUG-1', DE)).toMatchObject({ quantity: 7 });
    expect(sim.state.listing('GW-MUG-BAD', DE)).toBeUndefined();

    const listed = await gateway.getFeeds({ feedTypes: ['JSON_LISTINGS_FEED'], processingStatuses: ['DONE'] });
    expect(listed.feeds.map((item) => item.feedId)).toContain(feedId);
    const stats = gateway.stats();
    expect(stats.calls).toMatchObject({ 'feeds.createFeedDocument': 1, upload: 1, 'feeds.createFeed': 1, 'feeds.getFeedDocument': 1, download: 1, token: 1 });
    expect(stats.calls['feeds.getFeed']).toBeGreaterThanOrEqual(1);
    expect(sim.state.errors).toEqual([]);
  });

  test('a retired XML listings feed ends FATAL; waitForFeed returns it without throwing', async () => {
    const gateway = gatewayFor(sim);
    const { feedId } = await gateway.submitFeed({
      feedType: 'POST_PRODUCT_DATA',
      marketplaceIds: [DE],
      content: '<?xml version="1.0"?><AmazonEnvelope/>',
      contentType: 'text/xml; charset=UTF-8',
    });
    const feed = await gateway.waitForFeed(feedId, { pollIntervalMs: 5_000 });
    expect(feed.processingStatus).toBe('FATAL');
  });

  test('getFeeds pages with nextToken (after the two feeds above)', async () => {
    const gateway = gatewayFor(sim);
    const first = await gateway.getFeeds({ feedTypes: ['JSON_LISTINGS_FEED', 'POST_PRODUCT_DATA'], pageSize: 1 });
    expect(first.feeds).toHaveLength(1);
    expect(first.nextToken).toBeDefined();
    const second = await gateway.getFeeds({ nextToken: first.nextToken! });
    expect(second.feeds).toHaveLength(1);
    expect(second.feeds[0]?.feedId).not.toBe(first.feeds[0]?.feedId);
  });

  test('getFeeds sends no marketplaceIds unless asked (an account may have more than the 10 Amazon accepts), and refuses more than 10', async () => {
    // 11 EU marketplaces, one more than getFeeds takes
    const eu = ['A1F83G8C2ARO7P', DE, 'A13V1IB3VIYZZH', 'APJ6JRA9NG5V4', 'A1RKKUPIHCS9HS', 'A1805IZSGTT6HS', 'A2NODRKZP88ZB9', 'A1C3SOZRARQ6R3', 'A28R8C7NBKEWEA', 'AMEN7PMS3EDWL', 'A33AVAJ2PDY3EV'];
    const gateway = createAmazonGateway({
      amazon: { region: 'eu', sellerId: sim.sellerId, marketplaceIds: eu, ...SIMULATOR_CREDENTIALS, endpoint: sim.url },
      timeScale: TIME_SCALE,
    });
    const { feedId } = await gateway.submitFeed({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], content: listingsFeed(sim.sellerId, []), contentType: 'application/json; charset=UTF-8' });
    const all = await gateway.getFeeds({ feedTypes: ['JSON_LISTINGS_FEED', 'POST_PRODUCT_DATA'] });
    expect(all.feeds.map((feed) => feed.feedId)).toContain(feedId);
    const german = await gateway.getFeeds({ feedTypes: ['JSON_LISTINGS_FEED', 'POST_PRODUCT_DATA'], marketplaceIds: [DE] });
    expect(german.feeds.map((feed) => feed.feedId)).toEqual(all.feeds.map((feed) => feed.feedId));
    expect((await gateway.getFeeds({ feedTypes: ['JSON_LISTINGS_FEED'], marketplaceIds: ['A1F83G8C2ARO7P'] })).feeds).toEqual([]);
    const calls = sim.state.calls['feeds.getFeeds'];
    const error = await gateway.getFeeds({ feedTypes: ['JSON_LISTINGS_FEED'], marketplaceIds: eu }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmazonCallError);
    expect(error).toMatchObject({ code: 'AMAZON_INVALID_REQUEST', operation: 'feeds.getFeeds', isRetryable: false, attempts: 0 });
    expect((error as Error).message).toMatch(/at most 10 marketplaceIds.*got 11/);
    expect(sim.state.calls['feeds.getFeeds']).toBe(calls);
  });

  test('cancelFeed works while IN_QUEUE; afterwards Amazon refuses it with a 400 that is not retried', async () => {
    const slow = await startSimulator({ timeScale: TIME_SCALE, feedTiming: { inQueueMs: 3_600_000 } });
    try {
      const gateway = gatewayFor(slow, { retry: { retries: 3 } });
      const { feedId } = await gateway.submitFeed({
        feedType: 'JSON_LISTINGS_FEED',
        marketplaceIds: [DE],
        content: listingsFeed(slow.sellerId, [offerMessage(1, 'GW-CANCEL', 'B0SIM00001', 1, 9.99)]),
        contentType: 'application/json; charset=UTF-8',
      });
      expect((await gateway.getFeed(feedId)).processingStatus).toBe('IN_QUEUE');
      await gateway.cancelFeed(feedId);
      expect((await gateway.getFeed(feedId)).processingStatus).toBe('CANCELLED');
      const error = await gateway.cancelFeed(feedId).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AmazonCallError);
      expect(error).toMatchObject({ code: 'AMAZON_INVALID_REQUEST', status: 400, amazonCode: 'InvalidInput', isRetryable: false, attempts: 1 });
      expect(slow.state.calls['feeds.cancelFeed']).toBe(2);
      await expect(gateway.getFeedResult(await gateway.getFeed(feedId))).rejects.toMatchObject({ code: 'FEED_CANCELLED' });
    } finally {
      await slow.close();
    }
  });

  test('an unknown feed document is AMAZON_NOT_FOUND, not retried', async () => {
    const gateway = gatewayFor(sim);
    const before = sim.state.calls['feeds.getFeedDocument'] ?? 0;
    await expect(gateway.getFeedDocument('amzn1.tortuga.4.eu.nope')).rejects.toMatchObject({ code: 'AMAZON_NOT_FOUND', status: 404, isRetryable: false });
    expect(sim.state.calls['feeds.getFeedDocument']).toBe(before + 1);
  });

  test('createReport → waitForReport → getReportDocument → downloadDocument decodes the Cp1252 merchant listings report', async () => {
    const gateway = gatewayFor(sim);
    const { reportId } = await gateway.createReport({ reportType: 'GET_MERCHANT_LISTINGS_ALL_DATA', marketplaceIds: [DE] });
    const report = await gateway.waitForReport(reportId, { pollIntervalMs: 5_000 });
    expect(report).toMatchObject({ reportId, reportType: 'GET_MERCHANT_LISTINGS_ALL_DATA', processingStatus: 'DONE' });
    const document = await gateway.getReportDocument(report.reportDocumentId!);
    expect(document.reportDocumentId).toBe(report.reportDocumentId);
    const text = await gateway.downloadDocument(document);
    const [header = '', ...rows] = text.trim().split('\n');
    expect(header.split('\t')).toEqual(expect.arrayContaining(['item-name', 'seller-sku', 'price', 'quantity', 'asin1', 'fulfillment-channel', 'status']));
    const ramekin = rows.find((row) => row.includes('GW-RAMEKIN'));
    // é, û, — and É only come out right when windows-1252 is decoded as such
    expect(ramekin).toContain('Crème brûlée ramekins — Édition spéciale');
  });

  test('waitForReport of an unknown report is AMAZON_NOT_FOUND', async () => {
    const gateway = gatewayFor(sim);
    await expect(gateway.waitForReport('999999999')).rejects.toMatchObject({ code: 'AMAZON_NOT_FOUND' });
  });
});

describe('createAmazonGateway against the simulator: listings items, catalog, orders', () => {
  let sim: Simulator;
  const tenMinutesAgo = () => new Date(Date.now() - 10 * 60_000).toISOString();
  beforeAll(async () => {
    sim = await startSimulator({
      timeScale: TIME_SCALE,
      seed: { listings: [{ sku: 'GW-BOTTLE', marketplaceId: DE, asin: 'B0SIM00004', price: '15.00', quantity: 4 }] },
    } satisfies SimulatorOptions);
  });
  afterAll(() => sim.close());

  test('putListingsItem (validation preview, then for real) → getListingsItem → patchListingsItem → deleteListingsItem', async () => {
    const gateway = gatewayFor(sim);
    const body = { productType: 'PRODUCT', requirements: 'LISTING_OFFER_ONLY', attributes: offerMessage(1, 'GW-LAMP', 'B0SIM00007', 5, 29.99).attributes };
    const preview = await gateway.putListingsItem('GW-LAMP', body, { marketplaceIds: [DE], mode: 'VALIDATION_PREVIEW' });
    expect(preview).toMatchObject({ sku: 'GW-LAMP', status: 'VALID' });
    expect(sim.state.listing('GW-LAMP', DE)).toBeUndefined();

    const put = await gateway.putListingsItem('GW-LAMP', body, { marketplaceIds: [DE] });
    expect(put).toMatchObject({ sku: 'GW-LAMP', status: 'ACCEPTED' });
    expect(put.submissionId).toMatch(/\S/);

    const item = await gateway.getListingsItem('GW-LAMP', { marketplaceIds: [DE], includedData: ['summaries', 'attributes', 'fulfillmentAvailability'] });
    expect(item.sku).toBe('GW-LAMP');
    expect(item.summaries?.[0]).toMatchObject({ marketplaceId: DE, asin: 'B0SIM00007' });
    expect(item.fulfillmentAvailability?.[0]).toMatchObject({ fulfillmentChannelCode: 'DEFAULT', quantity: 5 });

    const patched = await gateway.patchListingsItem(
      'GW-LAMP',
      { productType: 'PRODUCT', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 2 }] }] },
      { marketplaceIds: [DE] },
    );
    expect(patched.status).toBe('ACCEPTED');
    expect(sim.state.offer('GW-LAMP', DE)).toMatchObject({ quantity: 2 });

    const invalid = await gateway.patchListingsItem(
      'GW-LAMP',
      { productType: 'PRODUCT', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: -3 }] }] },
      { marketplaceIds: [DE] },
    );
    expect(invalid.status).toBe('INVALID');
    expect(invalid.issues?.[0]?.severity).toBe('ERROR');

    const deleted = await gateway.deleteListingsItem('GW-LAMP', { marketplaceIds: [DE] });
    expect(deleted).toMatchObject({ sku: 'GW-LAMP', status: 'ACCEPTED' });
    await expect(gateway.getListingsItem('GW-LAMP', { marketplaceIds: [DE] })).rejects.toMatchObject({ code: 'AMAZON_NOT_FOUND', status: 404 });
  });

  test('a SKU with characters that need encoding reaches Amazon intact', async () => {
    const gateway = gatewayFor(sim);
    const sku = "GW/odd sku+(1)!'*";
    const body = { productType: 'PRODUCT', requirements: 'LISTING_OFFER_ONLY', attributes: offerMessage(1, sku, 'B0SIM00008', 1, 5).attributes };
    await gateway.putListingsItem(sku, body, { marketplaceIds: [DE] });
    expect(sim.state.listing(sku, DE)).toBeDefined();
    expect((await gateway.getListingsItem(sku, { marketplaceIds: [DE] })).sku).toBe(sku);
  });

  test('searchListingsItems finds the seller listings by SKU and pages through all of them', async () => {
    const gateway = gatewayFor(sim);
    const bySku = await gateway.searchListingsItems({ marketplaceIds: [DE], identifiers: ['GW-BOTTLE'], identifiersType: 'SKU' });
    expect(bySku.items.map((item) => item.sku)).toEqual(['GW-BOTTLE']);
    expect(bySku.numberOfResults).toBe(1);
    const firstPage = await gateway.searchListingsItems({ marketplaceIds: [DE], pageSize: 1 });
    expect(firstPage.items).toHaveLength(1);
    expect(firstPage.numberOfResults).toBeGreaterThanOrEqual(2);
    const nextToken = firstPage.pagination?.nextToken;
    expect(nextToken).toBeDefined();
    const secondPage = await gateway.searchListingsItems({ marketplaceIds: [DE], pageSize: 1, pageToken: nextToken! });
    expect(secondPage.items[0]?.sku).not.toBe(firstPage.items[0]?.sku);
  });

  test('searchCatalogItems by EAN: one identifier shared by two ASINs comes back with both', async () => {
    const gateway = gatewayFor(sim);
    const result = await gateway.searchCatalogItems({
      identifiers: [DEFAULT_CATALOG_SHARED_EAN, '4006381333931'],
      identifiersType: 'EAN',
      marketplaceId: DE,
      includedData: ['identifiers', 'summaries', 'productTypes'],
    });
    expect(result.items.map((item) => item.asin).sort()).toEqual(['B0SIM00001', 'B0SIM00002', 'B0SIM00003']);
    expect(result.numberOfResults).toBe(3);
    const towel = result.items.find((item) => item.asin === 'B0SIM00002');
    expect(towel?.productTypes?.[0]).toMatchObject({ marketplaceId: DE, productType: 'KITCHEN_TOWEL' });
    expect(towel?.identifiers?.[0]?.identifiers).toEqual(expect.arrayContaining([{ identifierType: 'EAN', identifier: DEFAULT_CATALOG_SHARED_EAN }]));
    await expect(gateway.searchCatalogItems({ identifiers: ['1'], identifiersType: 'EAN', marketplaceId: 'NOT-A-MARKETPLACE' })).rejects.toMatchObject({
      code: 'AMAZON_INVALID_REQUEST',
      status: 400,
    });
  });

  test('searchOrders (lastUpdatedAfter, statuses, fulfilledBy, pages) → getOrder → confirmShipment', async () => {
    const gateway = gatewayFor(sim);
    const mfn = sim.seed.order({ createdTime: tenMinutesAgo(), items: [{ sellerSku: 'GW-BOTTLE', quantity: 2, unitPrice: '15.00' }] });
    const fba = sim.seed.order({ createdTime: tenMinutesAgo(), fulfilledBy: 'AMAZON', status: 'SHIPPED', items: [{ sellerSku: 'GW-BOTTLE', quantity: 1, unitPrice: '15.00' }] });
    sim.seed.order({ createdTime: tenMinutesAgo(), items: [{ sellerSku: 'GW-BOTTLE', quantity: 1, unitPrice: '15.00' }] });

    const since = new Date(Date.now() - 60 * 60_000).toISOString();
    const unshipped = await gateway.searchOrders({ lastUpdatedAfter: since, fulfillmentStatuses: ['UNSHIPPED'], marketplaceIds: [DE], fulfilledBy: ['MERCHANT'] });
    expect(unshipped.orders.map((order) => order.orderId)).toContain(mfn.orderId);
    expect(unshipped.orders.map((order) => order.orderId)).not.toContain(fba.orderId);
    expect(unshipped.lastUpdatedBefore).toBeDefined();

    const pageOne = await gateway.searchOrders({ lastUpdatedAfter: since, maxResultsPerPage: 2, includedData: ['FULFILLMENT'] });
    expect(pageOne.orders).toHaveLength(2);
    const pageTwo = await gateway.searchOrders({ lastUpdatedAfter: since, maxResultsPerPage: 2, paginationToken: pageOne.pagination!.nextToken! });
    expect(pageTwo.orders).toHaveLength(1);

    const order = await gateway.getOrder(mfn.orderId, { includedData: ['FULFILLMENT', 'PROCEEDS', 'RECIPIENT'] });
    expect(order).toMatchObject({ orderId: mfn.orderId, salesChannel: { marketplaceId: DE }, fulfillment: { fulfillmentStatus: 'UNSHIPPED', fulfilledBy: 'MERCHANT' } });
    expect(order.orderItems[0]).toMatchObject({ quantityOrdered: 2, product: { sellerSku: 'GW-BOTTLE' } });

    await gateway.confirmShipment(mfn.orderId, {
      marketplaceId: DE,
      packageDetail: {
        packageReferenceId: '1',
        carrierCode: 'DHL',
        trackingNumber: '00340434161094042557',
        shipDate: new Date().toISOString(),
        orderItems: [{ orderItemId: order.orderItems[0]!.orderItemId, quantity: 2 }],
      },
    });
    expect(sim.state.shipments.at(-1)).toMatchObject({ orderId: mfn.orderId });
    expect((sim.state.order(mfn.orderId) as unknown as AmazonOrder | undefined)?.fulfillment?.fulfillmentStatus).toBe('SHIPPED');

    const before = sim.state.calls['orders.confirmShipment'] ?? 0;
    const error = await gateway
      .confirmShipment(fba.orderId, {
        marketplaceId: DE,
        packageDetail: { packageReferenceId: '1', carrierCode: 'DHL', trackingNumber: 'X1', shipDate: new Date().toISOString(), orderItems: [{ orderItemId: '1', quantity: 1 }] },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AmazonCallError);
    expect(error).toMatchObject({ code: 'AMAZON_INVALID_REQUEST', status: 400, amazonCode: 'InvalidInput', isRetryable: false, attempts: 1 });
    expect((error as AmazonCallError).details).toMatchObject({ subject: `order ${fba.orderId} package 1` });
    expect(sim.state.calls['orders.confirmShipment']).toBe(before + 1);

    const unknown = await gateway.getOrder('302-0000000-0000000').catch((caught: unknown) => caught);
    expect(unknown).toMatchObject({ code: 'AMAZON_NOT_FOUND', status: 404 });
    // Amazon's sentence ends with its own period: one, not two, before what to check
    expect((unknown as AmazonCallError).message).toMatch(/: Order 302-0000000-0000000 not found\. Check the id, the seller account /);
    expect((unknown as AmazonCallError).message).not.toContain('..');
    expect(sim.state.errors).toEqual([]);
  });

  test('an XML order feed comes back as the text of its XML ProcessingReport', async () => {
    const gateway = gatewayFor(sim);
    const order = sim.seed.order({ createdTime: tenMinutesAgo(), items: [{ sellerSku: 'GW-BOTTLE', quantity: 1, unitPrice: '15.00' }] });
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>${sim.sellerId}</MerchantIdentifier></Header>
  <MessageType>OrderAcknowledgement</MessageType>
  <Message><MessageID>1</MessageID><OrderAcknowledgement><AmazonOrderID>${order.orderId}</AmazonOrderID><MerchantOrderID>SHOP-1</MerchantOrderID><StatusCode>Success</StatusCode></OrderAcknowledgement></Message>
</AmazonEnvelope>`;
    const { feedId } = await gateway.submitFeed({ feedType: 'POST_ORDER_ACKNOWLEDGEMENT_DATA', marketplaceIds: [DE], content: xml, contentType: 'text/xml; charset=UTF-8' });
    const feed = await gateway.waitForFeed(feedId, { pollIntervalMs: 5_000 });
    expect(feed.processingStatus).toBe('DONE');
    const result = await gateway.getFeedResult(feed);
    expect(result).toContain('<ProcessingReport>');
    expect(result).toMatch(/<MessagesProcessed>1<\/MessagesProcessed>/);
    expect(sim.state.acknowledgements.map((acknowledgement) => acknowledgement.orderId)).toContain(order.orderId);
  });
});
