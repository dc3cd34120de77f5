import type { ListingsFeedMessageBody } from './feed-builder';

/** The content type sellersync uploads `JSON_LISTINGS_FEED` documents with. */
export const LISTINGS_FEED_CONTENT_TYPE = 'application/json; charset=UTF-8';
/** Amazon's feed type for listings. */
export const LISTINGS_FEED_TYPE = 'JSON_LISTINGS_FEED';

/** The header of a listings feed document. */
export interface ListingsFeedHeader {
  readonly sellerId: string;
  readonly version: '2.0';
  readonly issueLocale?: string;
}

/** A finished document: its exact text and, per message (by `messageId` − 1), the caller's tag. */
export interface ListingsFeedDocument<T> {
  readonly content: string;
  readonly messageCount: number;
  /** UTF-8 size of `content`. */
  readonly bytes: number;
  readonly tags: readonly T[];
}

/** Options of {@link createFeedDocumentSplitter}. */
export interface FeedDocumentSplitterOptions {
  readonly sellerId: string;
  readonly issueLocale?: string | null;
  /** Most messages per document (Amazon: 25,000). */
  readonly maxMessages: number;
  /** Most UTF-8 bytes per document. */
  readonly maxBytes: number;
}

/** Writes messages into documents, starting a new one whenever the next message would not fit. */
export interface FeedDocumentSplitter<T> {
  /**
   * Adds a message; numbers it within its document. Returns the previous document when this
   * message started a new one, and `tooLarge` (nothing added) for a message that alone exceeds
   * `maxBytes`.
   */
  add(body: ListingsFeedMessageBody, tag: T): { readonly completed: ListingsFeedDocument<T> | null; readonly tooLarge: boolean };
  /** Closes the current document; `null` when it holds no message. */
  finish(): ListingsFeedDocument<T> | null;
}

/**
 * Splits messages into `JSON_LISTINGS_FEED` documents within Amazon's limits, holding only the
 * current document in memory: each message is serialised once, when it is added.
 */
export function createFeedDocumentSplitter<T>(options: FeedDocumentSplitterOptions): FeedDocumentSplitter<T> {
  const header: ListingsFeedHeader = options.issueLocale
    ? { sellerId: options.sellerId, version: '2.0', issueLocale: options.issueLocale }
    : { sellerId: options.sellerId, version: '2.0' };
  const opening = `{"header":${JSON.stringify(header)},"messages":[`;
  const closing = ']}';
  const frameBytes = Buffer.byteLength(opening) + closing.length;
  let parts: string[] = [];
  let tags: T[] = [];
  let bytes = frameBytes;

  const close = (): ListingsFeedDocument<T> | null => {
    if (parts.length === 0) return null;
    const document = { content: `${opening}${parts.join(',')}${closing}`, messageCount: parts.length, bytes, tags };
    parts = [];
    tags = [];
    bytes = frameBytes;
    return document;
  };

  // `{"messageId":N,` + the body without its opening brace: the body is serialised once
  const render = (id: number, body: string) => `{"messageId":${id},${body.slice(1)}`;
  const renderedBytes = (id: number, bodyBytes: number) => bodyBytes + 13 + String(id).length;

  return {
    add(message, tag) {
      const body = JSON.stringify(message);
      const bodyBytes = Buffer.byteLength(body);
      if (frameBytes + renderedBytes(options.maxMessages, bodyBytes) > options.maxBytes) return { completed: null, tooLarge: true };
      let completed: ListingsFeedDocument<T> | null = null;
      let id = parts.length + 1;
      if (parts.length >= options.maxMessages || bytes + renderedBytes(id, bodyBytes) + (parts.length > 0 ? 1 : 0) > options.maxBytes) {
        completed = close();
        id = 1;
      }
      bytes += renderedBytes(id, bodyBytes) + (parts.length > 0 ? 1 : 0);
      parts.push(render(id, body));
      tags.push(tag);
      return { completed, tooLarge: false };
    },
    finish: close,
  };
}
