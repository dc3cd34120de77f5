import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { SIMULATOR_CREDENTIALS } from '../simulator-options';
import { startSimulator, type Simulator } from '../start-simulator';
import { modelErrors, SPECS_DIR, specsAvailable, testWithSpecs } from '../test-support/amazon-models';
import type { SimulatorFaultRates } from './faults';
import { DEFAULT_RATE_LIMITS, type SimulatorApiOperation } from './operations';

// Every operation × every status it can produce, sent as raw HTTP (no client unwrapping anything),
// each body validated against the schema Amazon's model declares for that operation AND that status.

const DE = 'A1PA6795UKMFR9';
const HOST = 'sellingpartnerapi-eu.amazon.com';
const OPERATIONS = Object.keys(DEFAULT_RATE_LIMITS) as SimulatorApiOperation[];

const MODEL_FILES: Readonly<Record<string, string>> = {
  feeds: 'feeds_2021-06-30.json',
  reports: 'reports_2021-06-30.json',
  listingsItems: 'listingsItems_2021-08-01.json',
  catalogItems: 'catalogItems_2022-04-01.json',
  orders: 'orders_2026-01-01.json',
};

interface ModelResponse {
  readonly schema?: { readonly $ref?: string };
}
interface ModelOperation {
  readonly file: string;
  readonly method: string;
  readonly path: string;
  readonly description: string;
  readonly responses: Readonly<Record<string, ModelResponse>>;
}

/** The operation as the official model declares it (found by operationId). */
function modelOperation(operation: SimulatorApiOperation): ModelOperation {
  const [api = '', operationId = ''] = operation.split('.');
  const file = operationId === 'confirmShipment' ? 'ordersV0.json' : MODEL_FILES[api]!;
  const model = JSON.parse(readFileSync(join(SPECS_DIR, 'sp-api-models', file), 'utf8')) as {
    paths: Record<string, Record<string, { operationId?: string; description?: string; responses: Record<string, ModelResponse> }>>;
  };
  for (const [path, methods] of Object.entries(model.paths))
    for (const [method, entry] of Object.entries(methods))
      if (entry.operationId === operationId) return { file, method: method.toUpperCase(), path, description: entry.description ?? '', responses: entry.responses };
  throw new Error(`${operationId} is not in ${file}`);
}

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let sim: Simulator;
let token = '';

interface RawOptions {
  readonly body?: unknown;
  readonly host?: string;
  readonly contentType?: string;
  /** Default: the simulator and access token of the table. */
  readonly port?: number;
  readonly token?: string | false;
}

function raw(method: string, path: string, options: RawOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const data = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { host: options.host ?? HOST, 'content-type': options.contentType ?? 'application/json; charset=utf-8' };
    const accessToken = options.token ?? token;
    if (accessToken) headers['x-amz-access-token'] = accessToken;
    const outgoing = httpRequest({ host: '127.0.0.1', port: options.port ?? sim.port, method, path, headers, agent: false }, (incoming) => {
      let body = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (body += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(data);
  });
}

/** An access token of the simulator listening on `port`. */
async function accessTokenOf(port: number): Promise<string> {
  const { clientId, clientSecret, refreshToken } = SIMULATOR_CREDENTIALS;
  const grant = await raw('POST', '/auth/o2/token', { port, host: 'api.amazon.com', token: false, body: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret } });
  return (JSON.parse(grant.body) as { access_token: string }).access_token;
}

/** What one case sends: the model path's parameters, a query and a body. */
interface CaseRequest {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: string;
  readonly body?: unknown;
  readonly token?: false;
}

interface ModelCase {
  readonly operation: SimulatorApiOperation;
  /** The status the simulator must answer (any of them, for the injected 5xx). */
  readonly status: number | readonly number[];
  readonly what: string;
  /** Run when the case runs, after the fixtures exist; may create what the case needs. */
  readonly request: () => CaseRequest | Promise<CaseRequest>;
  /** Faults for this operation during the case. */
  readonly faults?: SimulatorFaultRates;
}

/** Ids the cases refer to, created before the table runs. */
const fixture = {
  feedDocumentId: '',
  doneFeedId: '',
  fatalFeedId: '',
  cancelledFeedId: '',
  resultFeedDocumentId: '',
  doneReportId: '',
  fatalReportId: '',
  reportDocumentId: '',
  nextToken: '',
  mfnOrderId: '',
  mfnOrderItemId: '',
  afnOrderId: '',
  cancelledOrderId: '',
};

async function call(operation: SimulatorApiOperation, request: CaseRequest): Promise<RawAnswer> {
  const model = modelOperation(operation);
  const path = model.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(request.params?.[name] ?? (name === 'sellerId' ? sim.sellerId : `missing-${name}`)));
  return raw(model.method, `${path}${request.query ? `?${request.query}` : ''}`, { body: request.body, ...(request.token === false ? { token: false as const } : {}) });
}

async function json<T>(operation: SimulatorApiOperation, request: CaseRequest): Promise<T> {
  const answer = await call(operation, request);
  if (answer.status >= 300) throw new Error(`${operation} answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as T;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const createFeed = (feedType: string) =>
  json<{ feedId: string }>('feeds.createFeed', { body: { feedType, marketplaceIds: [DE], inputFeedDocumentId: fixture.feedDocumentId } }).then((answer) => answer.feedId);
const feedIn = (feedId: string, statuses: readonly string[]) =>
  until(async () => {
    const feed = await json<{ processingStatus: string; resultFeedDocumentId?: string }>('feeds.getFeed', { params: { feedId } });
    return statuses.includes(feed.processingStatus) ? feed : undefined;
  }, `feed ${feedId} ${statuses.join('/')}`);
const createReport = (reportType: string) =>
  json<{ reportId: string }>('reports.createReport', { body: { reportType, marketplaceIds: [DE] } }).then((answer) => answer.reportId);
const reportIn = (reportId: string, statuses: readonly string[]) =>
  until(async () => {
    const report = await json<{ processingStatus: string; reportDocumentId?: string }>('reports.getReport', { params: { reportId } });
    return statuses.includes(report.processingStatus) ? report : undefined;
  }, `report ${reportId} ${statuses.join('/')}`);

// JSON_LISTINGS_FEED has its own quota (5 per 5 minutes, scaled): the feeds that only need to exist use another type
const SPARE_FEED_TYPE = 'POST_ORDER_ACKNOWLEDGEMENT_DATA';
const LISTING_INCLUDED = 'summaries,attributes,issues,offers,fulfillmentAvailability,procurement,relationships,productTypes';
const CATALOG_INCLUDED = 'attributes,classifications,dimensions,identifiers,images,productTypes,relationships,salesRanks,summaries,vendorDetails';
const ORDER_INCLUDED = 'BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS';
const offer = (asin: string) => ({
  productType: 'PRODUCT',
  requirements: 'LISTING_OFFER_ONLY',
  attributes: {
    merchant_suggested_asin: [{ value: asin, marketplace_id: DE }],
    condition_type: [{ value: 'new_new', marketplace_id: DE }],
    purchasable_offer: [{ marketplace_id: DE, currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: 5 }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 2 }],
  },
});
const quantityPatch = { productType: 'PRODUCT', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }] }] };
const shipment = (orderItemId: string) => ({
  marketplaceId: DE,
  packageDetail: { packageReferenceId: '1', carrierCode: 'DHL', trackingNumber: 'T1', shipDate: new Date().toISOString(), orderItems: [{ orderItemId, quantity: 1 }] },
});

/** A request each operation routes with (for the answers that come before the handler: 403, 429, 5xx). */
const ROUTED: Readonly<Record<SimulatorApiOperation, () => CaseRequest>> = {
  'feeds.createFeedDocument': () => ({ body: { contentType: 'text/plain' } }),
  'feeds.createFeed': () => ({ body: {} }),
  'feeds.getFeed': () => ({ params: { feedId: '1' } }),
  'feeds.getFeeds': () => ({ query: 'feedTypes=JSON_LISTINGS_FEED' }),
  'feeds.cancelFeed': () => ({ params: { feedId: '1' } }),
  'feeds.getFeedDocument': () => ({ params: { feedDocumentId: 'x' } }),
  'reports.createReport': () => ({ body: {} }),
  'reports.getReport': () => ({ params: { reportId: '1' } }),
  'reports.getReportDocument': () => ({ params: { reportDocumentId: 'x' } }),
  'listingsItems.getListingsItem': () => ({ params: { sku: 'X' }, query: `marketplaceIds=${DE}` }),
  'listingsItems.putListingsItem': () => ({ params: { sku: 'X' }, query: `marketplaceIds=${DE}`, body: {} }),
  'listingsItems.patchListingsItem': () => ({ params: { sku: 'X' }, query: `marketplaceIds=${DE}`, body: {} }),
  'listingsItems.deleteListingsItem': () => ({ params: { sku: 'X' }, query: `marketplaceIds=${DE}` }),
  'listingsItems.searchListingsItems': () => ({ query: `marketplaceIds=${DE}` }),
  'catalogItems.searchCatalogItems': () => ({ query: `identifiers=B0SIM00001&identifiersType=ASIN&marketplaceIds=${DE}` }),
  'catalogItems.getCatalogItem': () => ({ params: { asin: 'B0SIM00001' }, query: `marketplaceIds=${DE}` }),
  'orders.searchOrders': () => ({ query: 'createdAfter=2020-01-01T00:00:00Z' }),
  'orders.getOrder': () => ({ params: { orderId: '302-0000000-0000000' } }),
  'orders.confirmShipment': () => ({ params: { orderId: '302-0000000-0000000' }, body: {} }),
};

const SPECIFIC: readonly ModelCase[] = [
  { operation: 'feeds.createFeedDocument', status: 201, what: 'a document', request: () => ({ body: { contentType: 'application/json; charset=UTF-8' } }) },
  { operation: 'feeds.createFeedDocument', status: 400, what: 'no contentType', request: () => ({ body: {} }) },
  { operation: 'feeds.createFeed', status: 202, what: 'a feed', request: () => ({ body: { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], inputFeedDocumentId: fixture.feedDocumentId } }) },
  { operation: 'feeds.createFeed', status: 400, what: 'an unknown feedType', request: () => ({ body: { feedType: 'X', marketplaceIds: [DE], inputFeedDocumentId: fixture.feedDocumentId } }) },
  { operation: 'feeds.getFeed', status: 200, what: 'IN_QUEUE', request: async () => ({ params: { feedId: await createFeed(SPARE_FEED_TYPE) } }) },
  {
    operation: 'feeds.getFeed',
    status: 200,
    what: 'IN_PROGRESS',
    request: async () => {
      const feedId = await createFeed(SPARE_FEED_TYPE);
      await feedIn(feedId, ['IN_PROGRESS']);
      return { params: { feedId } };
    },
  },
  { operation: 'feeds.getFeed', status: 200, what: 'DONE', request: () => ({ params: { feedId: fixture.doneFeedId } }) },
  { operation: 'feeds.getFeed', status: 200, what: 'FATAL (a retired feed type)', request: () => ({ params: { feedId: fixture.fatalFeedId } }) },
  { operation: 'feeds.getFeed', status: 200, what: 'CANCELLED', request: () => ({ params: { feedId: fixture.cancelledFeedId } }) },
  { operation: 'feeds.getFeed', status: 404, what: 'an unknown feed', request: () => ({ params: { feedId: '1' } }) },
  { operation: 'feeds.getFeeds', status: 200, what: 'a first page', request: () => ({ query: 'feedTypes=JSON_LISTINGS_FEED,POST_PRODUCT_DATA&pageSize=1' }) },
  { operation: 'feeds.getFeeds', status: 200, what: 'a page by nextToken', request: () => ({ query: `nextToken=${encodeURIComponent(fixture.nextToken)}` }) },
  { operation: 'feeds.getFeeds', status: 400, what: 'neither feedTypes nor nextToken', request: () => ({ query: 'pageSize=1' }) },
  { operation: 'feeds.cancelFeed', status: 200, what: 'an IN_QUEUE feed', request: async () => ({ params: { feedId: await createFeed(SPARE_FEED_TYPE) } }) },
  { operation: 'feeds.cancelFeed', status: 400, what: 'a feed no longer IN_QUEUE', request: () => ({ params: { feedId: fixture.doneFeedId } }) },
  { operation: 'feeds.cancelFeed', status: 404, what: 'an unknown feed', request: () => ({ params: { feedId: '1' } }) },
  { operation: 'feeds.getFeedDocument', status: 200, what: 'a result document', request: () => ({ params: { feedDocumentId: fixture.resultFeedDocumentId } }) },
  { operation: 'feeds.getFeedDocument', status: 404, what: 'an unknown document', request: () => ({ params: { feedDocumentId: 'nope' } }) },
  { operation: 'reports.createReport', status: 202, what: 'a merchant listings report', request: () => ({ body: { reportType: 'GET_MERCHANT_LISTINGS_ALL_DATA', marketplaceIds: [DE] } }) },
  { operation: 'reports.createReport', status: 400, what: 'a bad reportType', request: () => ({ body: { reportType: 'x', marketplaceIds: [DE] } }) },
  { operation: 'reports.getReport', status: 200, what: 'IN_QUEUE', request: async () => ({ params: { reportId: await createReport('GET_MERCHANT_LISTINGS_ALL_DATA') } }) },
  {
    operation: 'reports.getReport',
    status: 200,
    what: 'IN_PROGRESS',
    request: async () => {
      const reportId = await createReport('GET_MERCHANT_LISTINGS_ALL_DATA');
      await reportIn(reportId, ['IN_PROGRESS']);
      return { params: { reportId } };
    },
  },
  { operation: 'reports.getReport', status: 200, what: 'DONE', request: () => ({ params: { reportId: fixture.doneReportId } }) },
  { operation: 'reports.getReport', status: 200, what: 'FATAL (a report type the simulator does not build)', request: () => ({ params: { reportId: fixture.fatalReportId } }) },
  { operation: 'reports.getReport', status: 404, what: 'an unknown report', request: () => ({ params: { reportId: '1' } }) },
  { operation: 'reports.getReportDocument', status: 200, what: 'a report document', request: () => ({ params: { reportDocumentId: fixture.reportDocumentId } }) },
  { operation: 'reports.getReportDocument', status: 404, what: 'an unknown document', request: () => ({ params: { reportDocumentId: 'nope' } }) },
  { operation: 'listingsItems.getListingsItem', status: 200, what: 'an MFN listing with a sale price, every includedData', request: () => ({ params: { sku: 'L-1' }, query: `marketplaceIds=${DE}&includedData=${LISTING_INCLUDED}` }) },
  { operation: 'listingsItems.getListingsItem', status: 200, what: 'an FBA listing, every includedData', request: () => ({ params: { sku: 'L-FBA' }, query: `marketplaceIds=${DE}&includedData=${LISTING_INCLUDED}` }) },
  { operation: 'listingsItems.getListingsItem', status: 400, what: 'no marketplaceIds', request: () => ({ params: { sku: 'L-1' } }) },
  { operation: 'listingsItems.getListingsItem', status: 403, what: "another seller's listing", request: () => ({ params: { sellerId: 'A1OTHERSELLER', sku: 'L-1' }, query: `marketplaceIds=${DE}` }) },
  { operation: 'listingsItems.getListingsItem', status: 404, what: 'an unknown SKU', request: () => ({ params: { sku: 'NOPE' }, query: `marketplaceIds=${DE}` }) },
  { operation: 'listingsItems.putListingsItem', status: 200, what: 'ACCEPTED, with identifiers and issues', request: () => ({ params: { sku: 'P-1' }, query: `marketplaceIds=${DE}&includedData=identifiers,issues`, body: offer('B0SIM00007') }) },
  { operation: 'listingsItems.putListingsItem', status: 200, what: 'VALID (validation preview)', request: () => ({ params: { sku: 'P-2' }, query: `marketplaceIds=${DE}&mode=VALIDATION_PREVIEW`, body: offer('B0SIM00007') }) },
  { operation: 'listingsItems.putListingsItem', status: 200, what: 'INVALID (unknown ASIN)', request: () => ({ params: { sku: 'P-3' }, query: `marketplaceIds=${DE}`, body: offer('B0NOPE0000') }) },
  { operation: 'listingsItems.putListingsItem', status: 400, what: 'no productType', request: () => ({ params: { sku: 'P-3' }, query: `marketplaceIds=${DE}`, body: { attributes: {} } }) },
  { operation: 'listingsItems.patchListingsItem', status: 200, what: 'ACCEPTED', request: () => ({ params: { sku: 'L-1' }, query: `marketplaceIds=${DE}`, body: quantityPatch }) },
  { operation: 'listingsItems.patchListingsItem', status: 200, what: 'an unknown SKU', request: () => ({ params: { sku: 'NOPE' }, query: `marketplaceIds=${DE}`, body: quantityPatch }) },
  { operation: 'listingsItems.patchListingsItem', status: 400, what: 'no patches', request: () => ({ params: { sku: 'L-1' }, query: `marketplaceIds=${DE}`, body: { productType: 'PRODUCT', patches: [] } }) },
  { operation: 'listingsItems.deleteListingsItem', status: 200, what: 'a listing', request: () => ({ params: { sku: 'L-DELETE' }, query: `marketplaceIds=${DE}` }) },
  { operation: 'listingsItems.deleteListingsItem', status: 400, what: 'two marketplaces', request: () => ({ params: { sku: 'L-1' }, query: `marketplaceIds=${DE},A13V1IB3VIYZZH` }) },
  { operation: 'listingsItems.searchListingsItems', status: 200, what: 'every includedData, one per page', request: () => ({ query: `marketplaceIds=${DE}&includedData=${LISTING_INCLUDED}&pageSize=1` }) },
  { operation: 'listingsItems.searchListingsItems', status: 400, what: 'pageSize 21', request: () => ({ query: `marketplaceIds=${DE}&pageSize=21` }) },
  { operation: 'catalogItems.searchCatalogItems', status: 200, what: 'by the shared EAN, every includedData', request: () => ({ query: `identifiers=4260123456788&identifiersType=EAN&marketplaceIds=${DE}&includedData=${CATALOG_INCLUDED}` }) },
  { operation: 'catalogItems.searchCatalogItems', status: 400, what: 'no marketplaceIds', request: () => ({ query: 'identifiers=1&identifiersType=EAN' }) },
  { operation: 'catalogItems.getCatalogItem', status: 200, what: 'every includedData', request: () => ({ params: { asin: 'B0SIM00005' }, query: `marketplaceIds=${DE}&includedData=${CATALOG_INCLUDED}` }) },
  { operation: 'catalogItems.getCatalogItem', status: 404, what: 'an unknown ASIN', request: () => ({ params: { asin: 'B0NOPE0000' }, query: `marketplaceIds=${DE}` }) },
  {
    operation: 'orders.searchOrders',
    status: 200,
    what: 'every includedData, paged',
    request: () => ({ query: `createdAfter=${encodeURIComponent(new Date(Date.now() - 7_200_000).toISOString())}&includedData=${ORDER_INCLUDED}&maxResultsPerPage=2` }),
  },
  { operation: 'orders.searchOrders', status: 400, what: 'neither createdAfter nor lastUpdatedAfter', request: () => ({}) },
  { operation: 'orders.getOrder', status: 200, what: 'MFN UNSHIPPED, every includedData', request: () => ({ params: { orderId: fixture.mfnOrderId }, query: `includedData=${ORDER_INCLUDED}` }) },
  { operation: 'orders.getOrder', status: 200, what: 'AFN SHIPPED, every includedData', request: () => ({ params: { orderId: fixture.afnOrderId }, query: `includedData=${ORDER_INCLUDED}` }) },
  { operation: 'orders.getOrder', status: 200, what: 'CANCELLED, every includedData', request: () => ({ params: { orderId: fixture.cancelledOrderId }, query: `includedData=${ORDER_INCLUDED}` }) },
  { operation: 'orders.getOrder', status: 400, what: 'a malformed order id', request: () => ({ params: { orderId: 'not-an-order' } }) },
  { operation: 'orders.getOrder', status: 404, what: 'an unknown order', request: () => ({ params: { orderId: '302-0000000-0000000' } }) },
  { operation: 'orders.confirmShipment', status: 204, what: 'a package', request: () => ({ params: { orderId: fixture.mfnOrderId }, body: shipment(fixture.mfnOrderItemId) }) },
  { operation: 'orders.confirmShipment', status: 400, what: 'no packageDetail', request: () => ({ params: { orderId: fixture.mfnOrderId }, body: { marketplaceId: DE } }) },
  { operation: 'orders.confirmShipment', status: 404, what: 'an unknown order', request: () => ({ params: { orderId: '302-0000000-0000000' }, body: shipment('1') }) },
];

/** Answers every operation gives before its handler runs. */
const BEFORE_HANDLER: readonly ModelCase[] = OPERATIONS.flatMap((operation): ModelCase[] => [
  { operation, status: 403, what: 'no access token', request: () => ({ ...ROUTED[operation](), token: false }) },
  { operation, status: 429, what: 'throttled', request: ROUTED[operation], faults: { throttleRate: 1 } },
  { operation, status: [500, 503], what: 'server error', request: ROUTED[operation], faults: { serverErrorRate: 1, htmlErrorShare: 0 } },
]);

const CASES = [...SPECIFIC, ...BEFORE_HANDLER];
const statusOf = (item: ModelCase) => (typeof item.status === 'number' ? String(item.status) : '5xx');

describe("the simulator's raw answers against Amazon's models, operation by operation and status by status", () => {
  beforeAll(async () => {
    if (!specsAvailable) return;
    sim = await startSimulator({
      timeScale: 100,
      randomSeed: 11,
      seed: {
        listings: [
          { sku: 'L-1', marketplaceId: DE, asin: 'B0SIM00001', price: '19.99', quantity: 3, salePrice: '15.00', saleStartAt: '2026-01-01T00:00:00Z', saleEndAt: '2027-01-01T00:00:00Z' },
          { sku: 'L-FBA', marketplaceId: DE, asin: 'B0SIM00004', price: '9.99', fulfillmentChannel: 'AMAZON_EU' },
          { sku: 'L-DELETE', marketplaceId: DE, asin: 'B0SIM00002', price: '4.99', quantity: 1 },
        ],
      },
    });
    token = await accessTokenOf(sim.port);

    const contentType = 'application/json; charset=UTF-8';
    const document = await json<{ feedDocumentId: string; url: string }>('feeds.createFeedDocument', { body: { contentType } });
    const url = new URL(document.url);
    const content = JSON.stringify({ header: { sellerId: sim.sellerId, version: '2.0' }, messages: [{ messageId: 1, sku: 'FEED-ONLY', operationType: 'DELETE' }] });
    expect((await raw('PUT', `${url.pathname}${url.search}`, { host: url.host, body: content, contentType, token: false })).status).toBe(200);
    fixture.feedDocumentId = document.feedDocumentId;

    fixture.doneFeedId = await createFeed('JSON_LISTINGS_FEED');
    fixture.fatalFeedId = await createFeed('POST_PRODUCT_DATA');
    fixture.cancelledFeedId = await createFeed(SPARE_FEED_TYPE);
    expect((await call('feeds.cancelFeed', { params: { feedId: fixture.cancelledFeedId } })).status).toBe(200);
    fixture.doneReportId = await createReport('GET_MERCHANT_LISTINGS_ALL_DATA');
    fixture.fatalReportId = await createReport('GET_FLAT_FILE_OPEN_LISTINGS_DATA');
    const [done, , report] = await Promise.all([
      feedIn(fixture.doneFeedId, ['DONE']),
      feedIn(fixture.fatalFeedId, ['FATAL']),
      reportIn(fixture.doneReportId, ['DONE']),
      reportIn(fixture.fatalReportId, ['FATAL']),
    ]);
    fixture.resultFeedDocumentId = done.resultFeedDocumentId!;
    fixture.reportDocumentId = report.reportDocumentId!;
    const page = await json<{ nextToken?: string }>('feeds.getFeeds', { query: 'feedTypes=JSON_LISTINGS_FEED,POST_PRODUCT_DATA&pageSize=1' });
    fixture.nextToken = page.nextToken!;

    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const mfn = sim.seed.order({
      createdTime: anHourAgo,
      buyer: { buyerName: 'B', buyerEmail: 'x@marketplace.amazon.de' },
      deliveryAddress: { name: 'N', addressLine1: 'A', city: 'C', postalCode: '1', countryCode: 'DE' },
      items: [{ sellerSku: 'L-1', quantity: 2, unitPrice: '19.99', itemTax: '6.38', shipping: '4.90', shippingTax: '0.78', promotionDiscount: '2.00', promotionIds: ['P1'] }],
    });
    fixture.mfnOrderId = mfn.orderId;
    fixture.mfnOrderItemId = mfn.orderItems[0]!.orderItemId;
    fixture.afnOrderId = sim.seed.order({ createdTime: anHourAgo, fulfilledBy: 'AMAZON', status: 'SHIPPED', items: [{ sellerSku: 'L-FBA', quantity: 1, unitPrice: '9.99' }] }).orderId;
    fixture.cancelledOrderId = sim.seed.order({ createdTime: anHourAgo, status: 'PENDING', items: [{ sellerSku: 'L-1', quantity: 1, unitPrice: '19.99' }] }).orderId;
    sim.seed.setOrderStatus(fixture.cancelledOrderId, 'CANCELLED');
  });
  afterAll(async () => {
    await sim?.close();
  });

  testWithSpecs('the table covers every operation with a success, 403, 429 and 5xx, and only statuses its model declares', () => {
    for (const operation of OPERATIONS) {
      const statuses = new Set(CASES.filter((item) => item.operation === operation).map(statusOf));
      expect({ operation, success: [...statuses].some((status) => status.startsWith('2')) }).toEqual({ operation, success: true });
      for (const status of ['403', '429', '5xx']) expect({ operation, status, covered: statuses.has(status) }).toEqual({ operation, status, covered: true });
      const declared = Object.keys(modelOperation(operation).responses);
      for (const item of CASES.filter((entry) => entry.operation === operation))
        for (const status of typeof item.status === 'number' ? [item.status] : item.status)
          expect({ operation, what: item.what, declared: declared.includes(String(status)) }).toEqual({ operation, what: item.what, declared: true });
    }
  });

  describe.each(CASES.map((item) => [`${item.operation} ${statusOf(item)}: ${item.what}`, item] as const))('%s', (_, item) => {
    testWithSpecs('the raw answer has that status, the declared schema and x-amzn-RateLimit-Limit', async () => {
      if (item.faults) sim.setFaults({ operations: { [item.operation]: item.faults } });
      let answer: RawAnswer;
      try {
        answer = await call(item.operation, await item.request());
      } finally {
        if (item.faults) sim.setFaults({ operations: { [item.operation]: { throttleRate: 0, serverErrorRate: 0 } } });
      }
      const expected = typeof item.status === 'number' ? [item.status] : item.status;
      expect(`${answer.status} ${answer.body.slice(0, 300)}`).toMatch(new RegExp(`^(${expected.join('|')}) `));
      const model = modelOperation(item.operation);
      const declared = model.responses[String(answer.status)];
      expect(declared).toBeDefined();
      const definition = declared?.schema?.$ref?.replace('#/definitions/', '');
      if (definition === undefined) expect(answer.body).toBe('');
      else {
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expect(modelErrors(JSON.parse(answer.body), `sp-api-models/${model.file}`, definition)).toBe('');
      }
      expect(answer.headers['x-amzn-ratelimit-limit']).toBe(String(DEFAULT_RATE_LIMITS[item.operation].rate));
      expect(answer.headers['x-amzn-requestid']).toMatch(/\S/);
      expect(sim.state.errors).toEqual([]);
    });
  });

  testWithSpecs("a 429 of the operation's own bucket (not injected) has the same shape", async () => {
    const strict = await startSimulator({ timeScale: 1 });
    try {
      const accessToken = await accessTokenOf(strict.port);
      const statuses: number[] = [];
      let last: RawAnswer | undefined;
      // getFeeds: burst 10, one more every 45 s
      for (let index = 0; index < DEFAULT_RATE_LIMITS['feeds.getFeeds'].burst + 1; index += 1) {
        last = await raw('GET', '/feeds/2021-06-30/feeds?feedTypes=JSON_LISTINGS_FEED', { port: strict.port, token: accessToken });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([...Array.from({ length: 10 }, () => 200), 429]);
      expect(modelErrors(JSON.parse(last!.body), 'sp-api-models/feeds_2021-06-30.json', 'ErrorList')).toBe('');
      expect(JSON.parse(last!.body)).toEqual({ errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }] });
      expect(last!.headers['x-amzn-ratelimit-limit']).toBe('0.0222');
      expect(strict.state.throttled).toBe(1);
    } finally {
      await strict.close();
    }
  });

  testWithSpecs("DEFAULT_RATE_LIMITS equal the usage plans of Amazon's models", () => {
    for (const operation of OPERATIONS) {
      const plan = /\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|/.exec(modelOperation(operation).description);
      expect({ operation, rate: Number(plan?.[1]), burst: Number(plan?.[2]) }).toEqual({ operation, ...DEFAULT_RATE_LIMITS[operation] });
    }
  });
});
