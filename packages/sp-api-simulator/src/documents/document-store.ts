import { gzipSync } from 'node:zlib';
import type { Clock } from '../support/clock';
import type { IdSource } from '../support/ids';
import type { SimRequest, SimResponse } from '../http/sim-http';

export type DocumentKind = 'feed' | 'feed-result' | 'report';

export interface StoredDocument {
  readonly id: string;
  readonly kind: DocumentKind;
  readonly region: string;
  readonly contentType: string;
  readonly createdAt: number;
  /** The document's bytes, uncompressed (undefined until a feed document is uploaded). */
  content?: Buffer;
  /** Result and report documents the simulator serves gzip-compressed (compressionAlgorithm GZIP). */
  readonly compressed: boolean;
  /** The bytes served on download (gzip of content when compressed). */
  served?: Buffer;
  uploads: number;
}

export interface DocumentStore {
  createFeedDocument(region: string, contentType: string): StoredDocument;
  createResultDocument(kind: 'feed-result' | 'report', region: string, contentType: string, content: Buffer, compress: boolean): StoredDocument;
  get(id: string): StoredDocument | undefined;
  /** A fresh presigned-looking URL, valid 5 minutes (real time, as Amazon's). */
  presignedUrl(document: StoredDocument, options?: { readonly contentEncoding?: boolean }): string;
  /** True when the request is for a document URL (by Host or by path). */
  matches(request: SimRequest): boolean;
  /** The PUT upload or GET download of a document URL; S3-style XML errors. */
  handle(request: SimRequest): SimResponse & { readonly operation: 'upload' | 'download' };
}

const PATH_PREFIX = '/NinetyDays/';
const URL_LIFETIME_SECONDS = 300;
const S3_HOSTS: Readonly<Record<string, string>> = {
  na: 'tortuga-prod-na.s3-external-1.amazonaws.com',
  eu: 'tortuga-prod-eu.s3-eu-west-1.amazonaws.com',
  fe: 'tortuga-prod-fe.s3-us-west-2.amazonaws.com',
};

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

function parseAmzDate(value: string | null): number | undefined {
  const match = value === null ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return match ? Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!) : undefined;
}

function s3Error(status: number, code: string, message: string, operation: 'upload' | 'download'): SimResponse & { operation: 'upload' | 'download' } {
  return {
    operation,
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>SIM${Date.now()}</RequestId></Error>`,
  };
}

export function createDocumentStore(clock: Clock, ids: IdSource): DocumentStore {
  const documents = new Map<string, StoredDocument>();
  return {
    createFeedDocument(region, contentType) {
      const document: StoredDocument = { id: ids.feedDocumentId(region), kind: 'feed', region, contentType, createdAt: clock.now(), compressed: false, uploads: 0 };
      documents.set(document.id, document);
      return document;
    },
    createResultDocument(kind, region, contentType, content, compress) {
      const id = kind === 'report' ? ids.reportDocumentId(region) : ids.feedDocumentId(region);
      const document: StoredDocument = {
        id,
        kind,
        region,
        contentType,
        createdAt: clock.now(),
        content,
        compressed: compress,
        served: compress ? gzipSync(content) : content,
        uploads: 0,
      };
      documents.set(id, document);
      return document;
    },
    get: (id) => documents.get(id),
    presignedUrl(document, options) {
      const query = new URLSearchParams({
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Date': amzDate(clock.now()),
        'X-Amz-SignedHeaders': document.kind === 'feed' ? 'content-type;host' : 'host',
        'X-Amz-Expires': String(URL_LIFETIME_SECONDS),
        'X-Amz-Credential': `AKIASIMULATOR/${amzDate(clock.now()).slice(0, 8)}/${document.region === 'na' ? 'us-east-1' : document.region === 'fe' ? 'us-west-2' : 'eu-west-1'}/s3/aws4_request`,
        'X-Amz-Signature': ids.uuid().replace(/-/g, '') + ids.uuid().replace(/-/g, ''),
      });
      if (options?.contentEncoding) query.set('response-content-encoding', 'gzip');
      return `https://${S3_HOSTS[document.region] ?? S3_HOSTS.eu}${PATH_PREFIX}${encodeURIComponent(document.id)}?${query.toString()}`;
    },
    matches: (request) => request.host.endsWith('.amazonaws.com') || request.path.startsWith(PATH_PREFIX),
    handle(request) {
      const operation = request.method === 'PUT' ? 'upload' : 'download';
      if (request.method !== 'PUT' && request.method !== 'GET') return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', operation);
      const id = request.path.startsWith(PATH_PREFIX) ? decodeURIComponent(request.path.slice(PATH_PREFIX.length)) : '';
      const document = documents.get(id);
      const signedAt = parseAmzDate(request.query.get('X-Amz-Date'));
      const lifetime = Number(request.query.get('X-Amz-Expires') ?? '0');
      if (signedAt === undefined || !request.query.get('X-Amz-Signature')) return s3Error(403, 'AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters', operation);
      if (clock.now() > signedAt + lifetime * 1000) return s3Error(403, 'AccessDenied', 'Request has expired', operation);
      if (!document) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.', operation);
      if (operation === 'upload') {
        if (document.kind !== 'feed') return s3Error(403, 'AccessDenied', 'Access Denied', operation);
        // The content type is part of Amazon's presigned signature: any other value is rejected.
        if ((request.headers['content-type'] ?? '') !== document.contentType)
          return s3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', operation);
        document.content = request.body;
        document.served = request.body;
        document.uploads += 1;
        return { operation, status: 200, headers: { etag: `"${ids.uuid().replace(/-/g, '')}"` } };
      }
      if (document.served === undefined) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.', operation);
      const headers: Record<string, string> = { 'content-type': document.contentType };
      if (document.compressed && request.query.get('response-content-encoding') === 'gzip') headers['content-encoding'] = 'gzip';
      return { operation, status: 200, headers, body: document.served };
    },
  };
}
