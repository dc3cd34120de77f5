// What the simulator itself costs, so other benchmarks can tell its share from theirs: SP-API round
// trips through the real amazon-sp-api client (rate limits off), the processing of a 25,000-message
// JSON_LISTINGS_FEED, and paging searchOrders over 10,000 orders.
import { performance } from 'node:perf_hooks';
import { startSimulator, SIMULATOR_SELLER_ID } from '../src/index';
import { createClient, DE } from '../src/test-support/sp-client';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const sim = await startSimulator({ rateLimits: false, feedTiming: { inQueueMs: 0, inProgressMs: 0 }, ordersLagMs: 0 });
const sp = createClient(sim.port);

// 1. Round trips: getOrder, sequential and 8 in flight.
const order = sim.seed.order({ items: [{ sellerSku: 'BENCH-1', quantity: 1, unitPrice: '9.99' }] });
await sp.callAPI({ operation: 'orders.getOrder', path: { orderId: order.orderId } });
for (const inFlight of [1, 8]) {
  const calls = 2000;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls) {
        next += 1;
        await sp.callAPI({ operation: 'orders.getOrder', path: { orderId: order.orderId }, query: { includedData: ['PROCEEDS', 'FULFILLMENT'] } });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`getOrder via the real client, ${inFlight} in flight: ${Math.round(calls / seconds)} calls/s (${((seconds * 1000) / calls).toFixed(2)} ms/call)`);
}

// 2. A 25,000-message feed (PATCH of quantity and price on seeded listings; building excluded).
const messages = 25_000;
for (let i = 0; i < messages; i += 1) sim.seed.listing({ sku: `FEED-${i}`, marketplaceId: DE, asin: 'B0SIM00001', price: '10.00', quantity: 1 });
const content = JSON.stringify({
  header: { sellerId: SIMULATOR_SELLER_ID, version: '2.0' },
  messages: Array.from({ length: messages }, (_, i) => ({
    messageId: i + 1,
    sku: `FEED-${i}`,
    operationType: 'PATCH',
    productType: 'PRODUCT',
    patches: [
      { op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: i % 50 }] },
      { op: 'replace', path: '/attributes/purchasable_offer', value: [{ marketplace_id: DE, currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: 10 + (i % 100) / 100 }] }] }] },
    ],
  })),
});
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const feedStarted = performance.now();
const document = (await sp.callAPI({ operation: 'feeds.createFeedDocument', body: { contentType: 'application/json; charset=UTF-8' } })) as { feedDocumentId: string; url: string };
await sp.upload(document, { content, contentType: 'application/json; charset=UTF-8' });
const { feedId } = (await sp.callAPI({ operation: 'feeds.createFeed', body: { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], inputFeedDocumentId: document.feedDocumentId } })) as { feedId: string };
let feed: { processingStatus: string; resultFeedDocumentId?: string };
do feed = (await sp.callAPI({ operation: 'feeds.getFeed', path: { feedId } })) as typeof feed;
while (feed.processingStatus !== 'DONE' && feed.processingStatus !== 'FATAL');
const result = (await sp.callAPI({ operation: 'feeds.getFeedDocument', path: { feedDocumentId: feed.resultFeedDocumentId! } })) as { url: string; compressionAlgorithm?: 'GZIP' };
const report = JSON.parse((await sp.download(result)) as string) as { summary: { messagesAccepted: number } };
const feedSeconds = (performance.now() - feedStarted) / 1000;
console.log(
  `25,000-message JSON_LISTINGS_FEED (${mb(Buffer.byteLength(content))}), upload → DONE → report: ${feedSeconds.toFixed(2)} s, ${Math.round(messages / feedSeconds)} messages/s, ` +
    `${report.summary.messagesAccepted} accepted, heap +${mb(process.memoryUsage().heapUsed - heapBefore)}`,
);

// 3. searchOrders over 10,000 orders, 100 per page.
const base = Date.now() - 3600_000;
sim.seed.orders(10_000, (i) => ({ createdTime: new Date(base + i).toISOString(), items: [{ sellerSku: `ORD-${i % 50}`, quantity: 1, unitPrice: '19.99' }] }));
const searchStarted = performance.now();
let token: string | undefined;
let pages = 0;
let seen = 0;
do {
  const page = (await sp.callAPI({ operation: 'orders.searchOrders', query: { createdAfter: new Date(base - 1).toISOString(), maxResultsPerPage: 100, includedData: ['BUYER', 'RECIPIENT', 'PROCEEDS', 'FULFILLMENT'], ...(token ? { paginationToken: token } : {}) } })) as {
    orders: unknown[];
    pagination?: { nextToken?: string };
  };
  pages += 1;
  seen += page.orders.length;
  token = page.pagination?.nextToken;
} while (token);
const searchSeconds = (performance.now() - searchStarted) / 1000;
console.log(`searchOrders over ${seen} orders: ${pages} pages of 100 in ${searchSeconds.toFixed(2)} s (${Math.round(seen / searchSeconds)} orders/s); peak RSS ${mb(process.memoryUsage().rss)}`);
await sim.close();
