/**
 * Feed building: messages per second and peak memory for 10k, 100k and 1M SKUs (offer PATCHes and
 * full UPDATEs), against JSON.stringify of the same messages as the floor. Products are generated
 * on the fly, so memory measures the builder (validation, offer, hash, serialisation, splitting
 * into 25,000-message / 10 MB documents), not the catalog. Memory is sampled at least 20 times a
 * run (live heap at least 4 times, and once more at the end with the last document open), so the
 * 10k rows get figures too. Prints numbers; not a test.
 *
 * Run: pnpm bench listings-feed-build (node --expose-gc --import tsx).
 */
import { buildListingMessage, createFeedDocumentSplitter, resolveListingsOptions, type ListingsFeedMessageBody } from '../src/listings';
import type { ShopListingData, ShopProduct } from '../src/shop-adapter';

const DE = 'A1PA6795UKMFR9';
const options = resolveListingsOptions({ quantity: { buffer: 1 } }, [DE]);
const marketplace = options.marketplaces[0]!;
const NOW = new Date('2026-11-22T10:00:00Z');
const CHUNK = 10_000;
/** Every this many messages the bench forces a gc to see what is really held (a few ms each). */
const LIVE_SAMPLE = 50_000;

function product(i: number): ShopProduct {
  return {
    productRef: String(i),
    variantRef: null,
    sku: `SKU-${String(i).padStart(8, '0')}`,
    title: `Product ${i}`,
    gtin: null,
    asin: null,
    quantity: i % 97,
    price: { amount: 999 + (i % 5000), currency: 'EUR' },
    salePrice: i % 10 === 0 ? { price: { amount: 899, currency: 'EUR' }, startsAt: new Date('2026-11-01T00:00:00Z'), endsAt: new Date('2026-12-24T00:00:00Z') } : null,
    marketplaceIds: null,
    active: i % 50 !== 0,
  };
}

function listing(i: number): ShopListingData {
  return {
    sku: `SKU-${String(i).padStart(8, '0')}`,
    productRef: String(i),
    variantRef: null,
    productType: null,
    title: `Classic stoneware mug number ${i}, 300 ml, dishwasher safe`,
    description: 'Stoneware mug, glazed inside and out. Dishwasher and microwave safe.',
    brand: 'Kaffeeklatsch',
    manufacturer: 'Kaffeeklatsch GmbH',
    bulletPoints: ['300 ml', 'Stoneware', 'Dishwasher safe'],
    browseNodeId: '3169011',
    searchTerms: ['mug', 'coffee', 'tea'],
    images: { main: `https://shop.example/images/${i}.jpg`, others: [`https://shop.example/images/${i}-2.jpg`] },
    condition: 'new_new',
    gtin: '4006381333931',
    languageTag: 'de_DE',
  };
}

interface Run {
  seconds: number;
  documents: number;
  bytes: number;
  peakHeapMb: number;
  /** Heap still reachable (after a full gc) at the worst sampled point: what the builder holds. */
  liveHeapMb: number;
  peakRssMb: number;
}

const mb = (bytes: number) => bytes / 1024 / 1024;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** sellersync's path: validate, build, hash, serialise once, split into documents (then dropped). */
function build(count: number, mode: 'offer' | 'listing'): Run {
  gc();
  const baseHeap = process.memoryUsage().heapUsed;
  let peakHeap = 0;
  let peakRss = 0;
  let live = 0;
  let documents = 0;
  let bytes = 0;
  const splitter = createFeedDocumentSplitter<string>({ sellerId: 'A2SIMSELLER01', maxMessages: options.maxMessages, maxBytes: options.maxBytes });
  const sampleEvery = Math.max(500, Math.min(CHUNK, Math.floor(count / 20)));
  const liveEvery = Math.max(1_000, Math.min(LIVE_SAMPLE, Math.floor(count / 4)));
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) {
    const p = product(i);
    const built = buildListingMessage({ sku: p.sku, mode, marketplace, product: p, listing: mode === 'listing' ? listing(i) : null, asin: null, knownProductType: null }, options, NOW);
    if (!built.ok) throw new Error(JSON.stringify(built.problems));
    const { completed } = splitter.add(built.message, p.sku);
    if (completed) {
      documents += 1;
      bytes += completed.bytes;
    }
    if (i % sampleEvery === sampleEvery - 1) {
      const usage = process.memoryUsage();
      peakHeap = Math.max(peakHeap, usage.heapUsed - baseHeap);
      peakRss = Math.max(peakRss, usage.rss);
    }
    if (i % liveEvery === liveEvery - 1) {
      gc();
      live = Math.max(live, process.memoryUsage().heapUsed - baseHeap);
    }
  }
  // the last document is still open here: the most the builder holds
  gc();
  live = Math.max(live, process.memoryUsage().heapUsed - baseHeap);
  const last = splitter.finish();
  if (last) {
    documents += 1;
    bytes += last.bytes;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, documents, bytes, peakHeapMb: mb(peakHeap), liveHeapMb: mb(live), peakRssMb: mb(peakRss) };
}

/**
 * The floor: JSON.stringify of the very same message objects, and nothing else. The messages are
 * built chunk by chunk beforehand (outside the timing) so only serialisation is measured.
 */
function floor(count: number, mode: 'offer' | 'listing'): { seconds: number; bytes: number } {
  let seconds = 0;
  let bytes = 0;
  for (let start = 0; start < count; start += CHUNK) {
    const messages: ListingsFeedMessageBody[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i += 1) {
      const p = product(i);
      const built = buildListingMessage({ sku: p.sku, mode, marketplace, product: p, listing: mode === 'listing' ? listing(i) : null, asin: null, knownProductType: null }, options, NOW);
      if (built.ok) messages.push(built.message);
    }
    const started = process.hrtime.bigint();
    for (const [index, message] of messages.entries()) bytes += JSON.stringify({ messageId: index + 1, ...message }).length;
    seconds += Number(process.hrtime.bigint() - started) / 1e9;
  }
  return { seconds, bytes };
}

const rate = (count: number, seconds: number) => `${Math.round(count / seconds).toLocaleString('en')} msg/s`;

console.log(`node ${process.version}; gc exposed: ${typeof (globalThis as { gc?: unknown }).gc === 'function'}`);
console.log('| SKUs | message | sellersync build | JSON.stringify floor | ratio | documents | MB | peak heap (incl. garbage) | live heap | peak RSS |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [count, mode] of [
  [10_000, 'offer'],
  [100_000, 'offer'],
  [1_000_000, 'offer'],
  [10_000, 'listing'],
  [100_000, 'listing'],
  [1_000_000, 'listing'],
] as const) {
  build(Math.min(count, 5_000), mode); // warm up
  const run = build(count, mode);
  const base = floor(count, mode);
  console.log(
    `| ${count.toLocaleString('en')} | ${mode === 'offer' ? 'offer PATCH' : 'full UPDATE'} | ${rate(count, run.seconds)} (${run.seconds.toFixed(2)} s) | ` +
      `${rate(count, base.seconds)} (${base.seconds.toFixed(2)} s) | ${(run.seconds / base.seconds).toFixed(1)}× | ${run.documents} | ` +
      `${mb(run.bytes).toFixed(0)} | ${run.peakHeapMb.toFixed(0)} MB | ${run.liveHeapMb.toFixed(0)} MB | ${run.peakRssMb.toFixed(0)} MB |`,
  );
}
