import type { SellingPartner } from 'amazon-sp-api';
import { startSimulator, type Simulator } from '../start-simulator';
import type { SimulatorOptions } from '../simulator-options';
import { SIMULATOR_SELLER_ID } from '../simulator-options';
import { createClient, DE } from './sp-client';

export interface Harness {
  readonly sim: Simulator;
  readonly sp: SellingPartner;
}

/** A simulator at timeScale 1000 (feeds take ~90 ms) and the real client pointed at it. */
export async function startHarness(options: SimulatorOptions = {}): Promise<Harness> {
  const sim = await startSimulator({ timeScale: 1000, ...options });
  return { sim, sp: createClient(sim.port) };
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface FeedAnswer {
  feedId: string;
  feedType: string;
  processingStatus: string;
  resultFeedDocumentId?: string;
  [key: string]: unknown;
}

/** createFeedDocument → upload → createFeed through the real client. */
export async function submitFeed(sp: SellingPartner, feedType: string, content: string, contentType: string, marketplaceIds: readonly string[] = [DE]): Promise<string> {
  const document = (await sp.callAPI({ operation: 'feeds.createFeedDocument', body: { contentType } })) as { feedDocumentId: string; url: string };
  await sp.upload(document, { content, contentType });
  const { feedId } = (await sp.callAPI({ operation: 'feeds.createFeed', body: { feedType, marketplaceIds: [...marketplaceIds], inputFeedDocumentId: document.feedDocumentId } })) as { feedId: string };
  return feedId;
}

/** Polls getFeed until the feed leaves IN_QUEUE/IN_PROGRESS. */
export async function waitForFeed(sp: SellingPartner, feedId: string, timeoutMs = 5000): Promise<FeedAnswer> {
  return waitFor(
    async () => {
      const feed = (await sp.callAPI({ operation: 'feeds.getFeed', path: { feedId } })) as FeedAnswer;
      return feed.processingStatus === 'IN_QUEUE' || feed.processingStatus === 'IN_PROGRESS' ? undefined : feed;
    },
    timeoutMs,
    `feed ${feedId}`,
  );
}

/** getFeedDocument + download (gunzipped by the client) of a finished feed's result. */
export async function feedResult(sp: SellingPartner, feed: FeedAnswer): Promise<string> {
  const document = (await sp.callAPI({ operation: 'feeds.getFeedDocument', path: { feedDocumentId: feed.resultFeedDocumentId! } })) as { url: string; compressionAlgorithm?: 'GZIP' };
  return (await sp.download(document)) as string;
}

/** A JSON_LISTINGS_FEED document. */
export function listingsFeed(messages: readonly unknown[], header: Record<string, unknown> = {}): string {
  return JSON.stringify({ header: { sellerId: SIMULATOR_SELLER_ID, version: '2.0', ...header }, messages });
}

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';
export const XML_CONTENT_TYPE = 'text/xml; charset=UTF-8';
