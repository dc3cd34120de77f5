/**
 * What the Amazon gateway costs, against the SP-API simulator:
 * 1. overhead — getListingsItem calls per second through the gateway (rate limiter off) and through
 *    the bare amazon-sp-api client with the same keep-alive agent (the floor), one at a time and
 *    16 in flight; simulator rate limits off;
 * 2. the round trip of a 25,000-message JSON_LISTINGS_FEED (createFeedDocument → upload →
 *    createFeed → polls → result document → parsed report) with the simulator and the gateway at
 *    timeScale 1000; building the document is excluded.
 * Prints numbers; not a test.
 *
 * SELLERSYNC_BENCH_CALLS overrides the calls per overhead run (default 2000),
 * SELLERSYNC_BENCH_MESSAGES the feed size (default 25000).
 */
import { cpus } from 'node:os';
import { SIMULATOR_CREDENTIALS, startSimulator } from '@sellersync/sp-api-simulator';
import { SellingPartner } from 'amazon-sp-api';
import { createAmazonGateway } from '../src/amazon-gateway';
import type { ListingsFeedProcessingReport } from '../src/amazon-gateway';
import { EndpointAgent } from '../src/amazon-gateway/endpoint-agent';

const CALLS = Number(process.env['SELLERSYNC_BENCH_CALLS'] ?? 2000);
const MESSAGES = Number(process.env['SELLERSYNC_BENCH_MESSAGES'] ?? 25_000);
const DE = 'A1PA6795UKMFR9';
const SKU = 'BENCH-SKU-1';
const MB = 1024 * 1024;
const ROUNDS = 3;

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function run(concurrency: number, total: number, call: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        await call();
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function overhead(): Promise<void> {
  const sim = await startSimulator({
    rateLimits: false,
    seed: { listings: [{ sku: SKU, marketplaceId: DE, asin: 'B0SIM00001', price: '12.50', quantity: 5 }] },
  });
  const amazon = { region: 'eu' as const, sellerId: sim.sellerId, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: sim.url };
  const gateway = createAmazonGateway({ amazon, rateLimits: false });
  const agent = new EndpointAgent(sim.url, 30_000);
  const raw = new SellingPartner({
    region: 'eu',
    refresh_token: SIMULATOR_CREDENTIALS.refreshToken,
    credentials: { SELLING_PARTNER_APP_CLIENT_ID: SIMULATOR_CREDENTIALS.clientId, SELLING_PARTNER_APP_CLIENT_SECRET: SIMULATOR_CREDENTIALS.clientSecret },
    endpoints_versions: { listingsItems: '2021-08-01' },
    options: { auto_request_throttled: false, retry_remote_timeout: false, https_proxy_agent: agent as never },
  });
  const viaGateway = () => gateway.getListingsItem(SKU, { marketplaceIds: [DE] });
  const viaClient = () =>
    raw.callAPI({ operation: 'listingsItems.getListingsItem', path: { sellerId: sim.sellerId, sku: SKU }, query: { marketplaceIds: [DE] } });

  console.log(`\nGateway overhead: getListingsItem against the simulator, limits off, ${fmt(CALLS)} calls per run, median of ${ROUNDS}`);
  console.log('| in flight | bare amazon-sp-api client | through the gateway | gateway cost per call |');
  console.log('|---|---|---|---|');
  for (const concurrency of [1, 16]) {
    await run(concurrency, 200, viaClient); // warm up connections, token and JIT
    await run(concurrency, 200, viaGateway);
    const clientRates: number[] = [];
    const gatewayRates: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      clientRates.push(await run(concurrency, CALLS, viaClient));
      gatewayRates.push(await run(concurrency, CALLS, viaGateway));
    }
    const client = median(clientRates);
    const through = median(gatewayRates);
    // both runs are CPU-bound in one process (the simulator included): the difference of the
    // time per call is what the gateway adds
    const costUs = (1 / through - 1 / client) * 1e6;
    console.log(`| ${concurrency} | ${fmt(client)} calls/s | ${fmt(through)} calls/s | ${fmt(costUs)} µs |`);
  }
  const stats = gateway.stats();
  console.log(`gateway stats: ${fmt(stats.calls['listingsItems.getListingsItem'] ?? 0)} calls, ${stats.retries} retries, ${stats.throttled} throttled, ${stats.calls.token} token`);
  agent.destroy();
  await sim.close();
}

function buildFeed(sellerId: string, count: number): string {
  const asins = ['B0SIM00001', 'B0SIM00002', 'B0SIM00004', 'B0SIM00005', 'B0SIM00007', 'B0SIM00008'];
  const messages = Array.from({ length: count }, (_, index) => ({
    messageId: index + 1,
    sku: `BENCH-${String(index).padStart(6, '0')}`,
    operationType: 'UPDATE',
    productType: 'PRODUCT',
    requirements: 'LISTING_OFFER_ONLY',
    attributes: {
      merchant_suggested_asin: [{ value: asins[index % asins.length], marketplace_id: DE }],
      condition_type: [{ value: 'new_new', marketplace_id: DE }],
      purchasable_offer: [{ marketplace_id: DE, currency: 'EUR', our_price: [{ schedule: [{ value_with_tax: 10 + (index % 90) + 0.99 }] }] }],
      fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: index % 50 }],
    },
  }));
  return JSON.stringify({ header: { sellerId, version: '2.0' }, messages });
}

async function feedRoundTrip(): Promise<void> {
  const timeScale = 1000;
  const sim = await startSimulator({ timeScale });
  const gateway = createAmazonGateway({
    amazon: { region: 'eu', sellerId: sim.sellerId, marketplaceIds: [DE], ...SIMULATOR_CREDENTIALS, endpoint: sim.url },
    timeScale,
  });
  const content = buildFeed(sim.sellerId, MESSAGES);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const { feedId } = await gateway.submitFeed({ feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [DE], content, contentType: 'application/json; charset=UTF-8' });
  const submitted = performance.now();
  const feed = await gateway.waitForFeed(feedId);
  const done = performance.now();
  const result = await gateway.getFeedResult(feed);
  const report = JSON.parse(result) as ListingsFeedProcessingReport;
  const finished = performance.now();
  const heapAfter = process.memoryUsage().heapUsed;
  const stats = gateway.stats();
  const calls = Object.values(stats.calls).reduce((sum, count) => sum + (count ?? 0), 0);
  console.log(`\nJSON_LISTINGS_FEED round trip: ${fmt(MESSAGES)} messages, ${fmt(Buffer.byteLength(content) / MB, 1)} MB, simulator and gateway at timeScale ${timeScale}`);
  console.log('| phase | seconds |');
  console.log('|---|---|');
  console.log(`| submit (createFeedDocument, upload, createFeed) | ${fmt((submitted - started) / 1000, 2)} |`);
  console.log(`| wait (getFeed polls while the simulator processes) | ${fmt((done - submitted) / 1000, 2)} |`);
  console.log(`| result (getFeedDocument, download, gunzip, JSON.parse) | ${fmt((finished - done) / 1000, 2)} |`);
  console.log(`| total | ${fmt((finished - started) / 1000, 2)} |`);
  console.log(
    `${calls} HTTP calls (${Object.entries(stats.calls)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ')}); ${stats.retries} retries; report: ${fmt(report.summary.messagesAccepted)} accepted, ${fmt(report.summary.messagesInvalid)} invalid; result document ${fmt(Buffer.byteLength(result) / MB, 2)} MB; heap +${fmt((heapAfter - heapBefore) / MB)} MB (simulator in the same process)`,
  );
  await sim.close();
}

console.log(`machine: ${cpus().length} cores, Node ${process.versions.node}`);
await overhead();
await feedRoundTrip();
