import { describe, expect, test } from '@jest/globals';
import type { ListingsFeedMessageBody } from './feed-builder';
import { createFeedDocumentSplitter, type ListingsFeedDocument } from './feed-document';
import { testWithSpecs } from '../test-support/amazon-specs';
import { LISTINGS_FEED_SCHEMA, loadListingsFeedValidator } from '../test-support/listings-feed-schema';

const message = (sku: string, padding = 0): ListingsFeedMessageBody => ({
  sku,
  operationType: 'PATCH',
  productType: 'PRODUCT',
  patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1, note: 'x'.repeat(padding) }] }],
});

function split(count: number, limits: { maxMessages: number; maxBytes: number }, padding = 0): ListingsFeedDocument<number>[] {
  const splitter = createFeedDocumentSplitter<number>({ sellerId: 'A3SELLER0TEST', issueLocale: 'en_US', ...limits });
  const documents: ListingsFeedDocument<number>[] = [];
  let refused = 0;
  for (let i = 0; i < count; i += 1) {
    const { completed, tooLarge } = splitter.add(message(`SKU-${i}`, padding), i);
    if (tooLarge) refused += 1;
    if (completed) documents.push(completed);
  }
  expect(refused).toBe(0);
  const last = splitter.finish();
  if (last) documents.push(last);
  return documents;
}

describe('createFeedDocumentSplitter', () => {
  test('splits at the message limit and numbers messages from 1 in every document', () => {
    const documents = split(25_001, { maxMessages: 25_000, maxBytes: 10_000_000 });
    expect(documents.map((d) => d.messageCount)).toEqual([25_000, 1]);
    const second = JSON.parse(documents[1]!.content) as { header: unknown; messages: { messageId: number; sku: string }[] };
    expect(second.header).toEqual({ sellerId: 'A3SELLER0TEST', version: '2.0', issueLocale: 'en_US' });
    expect(second.messages).toEqual([expect.objectContaining({ messageId: 1, sku: 'SKU-25000' })]);
    expect(documents[1]!.tags).toEqual([25_000]);
    const first = JSON.parse(documents[0]!.content) as { messages: { messageId: number }[] };
    expect(first.messages.at(-1)!.messageId).toBe(25_000);
  });

  test('splits at the byte limit, and every document stays within it with an exact byte count', () => {
    const documents = split(300, { maxMessages: 25_000, maxBytes: 20_000 }, 200);
    expect(documents.length).toBeGreaterThan(4);
    let total = 0;
    for (const document of documents) {
      expect(Buffer.byteLength(document.content)).toBe(document.bytes);
      expect(document.bytes).toBeLessThanOrEqual(20_000);
      const parsed = JSON.parse(document.content) as { messages: { messageId: number }[] };
      expect(parsed.messages.map((m) => m.messageId)).toEqual(parsed.messages.map((_, i) => i + 1));
      total += document.messageCount;
    }
    expect(total).toBe(300);
    expect(documents.flatMap((d) => d.tags)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  test('counts multi-byte characters in bytes', () => {
    const documents = split(50, { maxMessages: 25_000, maxBytes: 5_000 }, 0).length;
    const wide = createFeedDocumentSplitter<number>({ sellerId: 'A3SELLER0TEST', maxMessages: 25_000, maxBytes: 5_000 });
    const out: ListingsFeedDocument<number>[] = [];
    for (let i = 0; i < 50; i += 1) {
      const { completed } = wide.add(message(`SKU-ÄÖÜ-€-${i}`), i);
      if (completed) out.push(completed);
    }
    out.push(wide.finish()!);
    for (const document of out) expect(Buffer.byteLength(document.content)).toBe(document.bytes);
    expect(out.length).toBeGreaterThanOrEqual(documents);
  });

  test('refuses a message that alone exceeds the byte limit, and goes on with the next', () => {
    const splitter = createFeedDocumentSplitter<string>({ sellerId: 'A3SELLER0TEST', maxMessages: 10, maxBytes: 2_000 });
    expect(splitter.add(message('BIG', 5_000), 'BIG')).toEqual({ completed: null, tooLarge: true });
    expect(splitter.add(message('SMALL'), 'SMALL')).toEqual({ completed: null, tooLarge: false });
    expect(splitter.finish()?.tags).toEqual(['SMALL']);
    expect(splitter.finish()).toBeNull();
  });
});

describe("Amazon's listings feed schema", () => {
  testWithSpecs(
    'the schema check rejects a document Amazon would refuse (so passing it means something)',
    () => {
      const validate = loadListingsFeedValidator()!;
      expect(validate({ header: { sellerId: 'A3SELLER0TEST', version: '2.0' }, messages: [{ messageId: 1, sku: 'A', operationType: 'PATCH', patches: [] }] })).not.toEqual([]);
      expect(validate({ header: { sellerId: 'A3SELLER0TEST', version: '2.0' }, messages: [{ messageId: 1, sku: 'A', operationType: 'DELETE' }] })).toEqual([]);
    },
    { needs: LISTINGS_FEED_SCHEMA },
  );
});
