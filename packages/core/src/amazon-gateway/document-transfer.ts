import { isUtf8 } from 'node:buffer';
import type { Agent, IncomingHttpHeaders } from 'node:http';
import * as https from 'node:https';
import { TextDecoder, promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** An HTTP answer read in full. */
export interface TransferAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface TransferRequest {
  readonly method: 'GET' | 'PUT';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  readonly body?: Buffer;
  /** The whole exchange must end within this many ms. */
  readonly timeoutMs: number;
}

function transferError(code: string, message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = code;
  return error;
}

/**
 * Sends one request for a feed or report document (the presigned upload or download URL) through
 * the gateway's agent, so it reaches a simulator endpoint like every other request. The client's
 * `downloadStream` ignores the agent and its `download`/`upload` hide the HTTP status the retry
 * policy needs, hence this small transfer of our own. It always settles: a dropped, silent or slow
 * connection rejects with a network error code.
 */
export function transferDocument(agent: Agent, request: TransferRequest): Promise<TransferAnswer> {
  return new Promise<TransferAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, answer?: TransferAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(answer as TransferAnswer);
    };
    const url = new URL(request.url);
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body) headers['Content-Length'] = request.body.length;
    const req = https.request(
      {
        method: request.method,
        hostname: url.hostname,
        port: url.protocol === 'https:' && url.port ? Number(url.port) : 443,
        path: `${url.pathname}${url.search}`,
        headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (error) => finish(error));
        res.on('close', () => {
          if (!res.complete) finish(transferError('ECONNRESET', 'the connection closed before the whole document arrived'));
        });
      },
    );
    const timer = setTimeout(() => {
      const error = transferError('ETIMEDOUT', `the document transfer did not finish within ${request.timeoutMs} ms`);
      req.destroy(error);
      finish(error);
    }, request.timeoutMs);
    req.on('error', (error) => finish(error));
    req.end(request.body);
  });
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** The charset named in a Content-Type header, if any. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType ? /charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return match?.[1];
}

/**
 * The text of a downloaded document: gunzipped when Amazon says it is compressed (or the bytes are
 * gzip), then decoded with `charset`, else the charset of the Content-Type, else UTF-8 when the
 * bytes are valid UTF-8, else `defaultCharset`, else UTF-8. Amazon writes some reports in
 * windows-1252 (and Japanese ones in Shift_JIS); Node's TextDecoder knows them all.
 * @throws RangeError naming the charset when Node cannot decode it.
 */
export async function decodeDocument(
  answer: TransferAnswer,
  options: { readonly compressed: boolean; readonly charset?: string; readonly defaultCharset?: string },
): Promise<string> {
  let bytes = answer.body;
  const gzipped = bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
  const encoding = String(answer.headers['content-encoding'] ?? '').toLowerCase();
  if (gzipped && (options.compressed || encoding.includes('gzip'))) bytes = await gunzipAsync(bytes);
  const named = options.charset ?? charsetOf(answer.headers['content-type']);
  // without a named charset, bytes that are valid UTF-8 are UTF-8: accented windows-1252 or
  // Shift_JIS text is almost never valid UTF-8, so the marketplace's default only decides the rest
  const charset = named ?? (options.defaultCharset && !isUtf8(bytes) ? options.defaultCharset : 'utf-8');
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset.toLowerCase() === 'utf8' ? 'utf-8' : charset);
  } catch {
    throw new RangeError(`the document's charset "${charset}" is not one Node can decode; pass options.charset`);
  }
  // Node 20's TextDecoder decodes windows-1252 (and its aliases latin1, iso-8859-1) as plain
  // latin1, losing €, –, „ and the other characters of 0x80–0x9F
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
}

// windows-1252 0x80–0x9F; the five holes (81, 8D, 8F, 90, 9D) stay the C1 control they are in latin1
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Decodes windows-1252 bytes (what Amazon writes some reports in). */
export function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return /[\u0080-\u009f]/.test(latin1)
    ? latin1.replace(/[\u0080-\u009f]/g, (char) => String.fromCharCode(CP1252_HIGH[char.charCodeAt(0) - 0x80] ?? char.charCodeAt(0)))
    : latin1;
}
