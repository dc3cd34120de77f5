import type { SellerSyncErrorCode } from '../errors';
import { AmazonCallError } from './amazon-call-error';

/** What one failed attempt of a call was, before the retry policy decides what to do with it. */
export class AmazonAttemptFailure extends Error {
  readonly code: SellerSyncErrorCode;
  readonly status: number | null;
  readonly amazonCode: string | null;
  readonly amazonMessage: string | null;
  readonly isRetryable: boolean;
  /**
   * The request of a call that is not idempotent was sent and its outcome is unknown (no answer
   * after it was written, a 5xx, an unreadable answer): Amazon may have acted on it, so it must not
   * be sent again blindly.
   */
  readonly maybeProcessed: boolean;

  constructor(options: {
    code: SellerSyncErrorCode;
    status: number | null;
    amazonCode: string | null;
    amazonMessage: string | null;
    isRetryable: boolean;
    maybeProcessed?: boolean;
    cause?: Error;
  }) {
    super(options.amazonMessage ?? options.amazonCode ?? options.code, options.cause ? { cause: options.cause } : undefined);
    this.name = 'AmazonAttemptFailure';
    this.code = options.code;
    this.status = options.status;
    this.amazonCode = options.amazonCode;
    this.amazonMessage = options.amazonMessage;
    this.isRetryable = options.isRetryable;
    this.maybeProcessed = options.maybeProcessed ?? false;
  }

  /** The same failure, marked as one Amazon may have acted on. */
  asMaybeProcessed(): AmazonAttemptFailure {
    return new AmazonAttemptFailure({
      code: this.code,
      status: this.status,
      amazonCode: this.amazonCode,
      amazonMessage: this.amazonMessage,
      isRetryable: this.isRetryable,
      maybeProcessed: true,
      ...(this.cause instanceof Error ? { cause: this.cause } : {}),
    });
  }
}

/**
 * Whether a retryable failure leaves open that Amazon acted on the request: not for a 429 or a 408
 * (Amazon refused or never got the whole request) nor for a request that was never completely
 * written; yes for a 5xx, an unreadable answer, or no answer to a request that was sent.
 */
export function mayHaveTakenEffect(failure: AmazonAttemptFailure, requestWritten: boolean): boolean {
  if (failure.status === null) return requestWritten;
  return failure.status !== 429 && failure.status !== 408;
}

/** Masks registered secrets (the safe logger's `redact`). */
export type Redact = (text: string) => string;

const PRESIGNED_QUERY = /(https?:\/\/[^\s"'<>?]+)\?[^\s"'<>]*/g;
// LWA tokens: access tokens start with Atza|, refresh tokens with Atzr|
const LWA_TOKEN = /Atz[ar]\|[^\s"',;}]+/g;
const MAX_TEXT = 500;

/** Makes a text from Amazon or the network safe for a message: no secret, no signed URL, not huge. */
export function sanitizeText(text: string, redact: Redact): string {
  let out = redact(text).replace(PRESIGNED_QUERY, '$1?[redacted]').replace(LWA_TOKEN, '[redacted]');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT - 1)}…` : out;
}

const HTML_DOCUMENT = /<!doctype\s+html|<html[\s>]/i;
const HTML_TAG = /^<[a-z!]/i;
const HTML_TAGS = /<\/?(?:head|body|title|h[1-6]|p|div|center|span|pre|br|hr)\b[^>]*>/i;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const MAX_HTML_TEXT = 200;

/**
 * The readable text of an HTML page (an error page in front of Amazon: a 503 of a load balancer),
 * or `null` when the text is not HTML: the page's `<title>`, else its text without tags, scripts and
 * styles, shortened to 200 characters. A message names what the page says, never its markup.
 */
export function htmlPageText(text: string): string | null {
  // an error page is small; a huge body is read only as far as a page's head and first text go
  const trimmed = text.trim().slice(0, 100_000);
  if (!HTML_DOCUMENT.test(trimmed) && !(HTML_TAG.test(trimmed) && HTML_TAGS.test(trimmed))) return null;
  const decode = (value: string) =>
    value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#')) {
        const point = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number(lower.slice(1));
        return point > 0 && point <= 0x10ffff ? String.fromCodePoint(point) : ' ';
      }
      return ENTITIES[lower] ?? entity;
    });
  const squeeze = (value: string) => decode(value.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(trimmed)?.[1];
  const fromTitle = title === undefined ? '' : squeeze(title);
  const plain =
    fromTitle ||
    squeeze(
      trimmed
        .replace(/<!--[\s\S]*?-->/g, ' ')
        .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
        .replace(/<(script|style)\b[\s\S]*$/i, ' '),
    );
  if (!plain) return 'an HTML page without text';
  const short = plain.length > MAX_HTML_TEXT ? `${plain.slice(0, MAX_HTML_TEXT - 1)}…` : plain;
  return `${short} (an HTML page)`;
}

/**
 * A copy of an error that holds only its name, code and sanitised message: errors of the client
 * can carry the request (with the access token) or a presigned URL, and must never be attached.
 */
export function sanitizeCause(error: unknown, redact: Redact): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(sanitizeText(source.message || String((source as { code?: unknown }).code ?? 'error'), redact));
  copy.name = source.name;
  copy.stack = `${copy.name}: ${copy.message}`;
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') (copy as { code?: unknown }).code = sanitizeText(String(code), redact);
  return copy;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'HPE_INVALID_CONSTANT',
  'API_RESPONSE_TIMEOUT',
  'API_IDLE_TIMEOUT',
  'API_DEADLINE_TIMEOUT',
]);

/** OAuth errors of Login with Amazon that no retry can fix. */
const LWA_AUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for a connection that failed, dropped or stayed silent. */
export function isNetworkFailure(error: unknown): boolean {
  const code = errorCode(error);
  if (code && NETWORK_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /socket hang up|^aborted$|ECONNRESET/i.test(message);
}

/** Classifies an error thrown by the client or the network (no HTTP answer to look at). */
export function failureFromError(error: unknown, phase: 'call' | 'token' | 'transfer', redact: Redact): AmazonAttemptFailure {
  if (error instanceof AmazonAttemptFailure) return error;
  const cause = sanitizeCause(error, redact);
  const code = errorCode(error);
  // the client puts a body it could not parse (LWA's HTML 5xx page) in its message
  const raw = error instanceof Error ? error.message : '';
  const page = raw ? htmlPageText(redact(raw)) : null;
  const message = page === null ? cause.message : sanitizeText(page, redact);
  if (isNetworkFailure(error))
    return new AmazonAttemptFailure({ code: 'AMAZON_NETWORK_ERROR', status: null, amazonCode: code ?? null, amazonMessage: message, isRetryable: true, cause });
  if (phase === 'token') {
    if (code && LWA_AUTH_ERRORS.has(code))
      return new AmazonAttemptFailure({ code: 'AMAZON_AUTH_FAILED', status: null, amazonCode: code, amazonMessage: message, isRetryable: false, cause });
    // a non-JSON answer (an HTML 5xx page) or server_error / temporarily_unavailable
    return new AmazonAttemptFailure({ code: 'AMAZON_UNAVAILABLE', status: null, amazonCode: code ?? null, amazonMessage: message, isRetryable: true, cause });
  }
  // the client checks path parameters before sending anything
  if (code && /PARAMETER|NO_PATH_FOUND|INVALID_/.test(code))
    return new AmazonAttemptFailure({ code: 'AMAZON_INVALID_REQUEST', status: null, amazonCode: code, amazonMessage: message, isRetryable: false, cause });
  return new AmazonAttemptFailure({ code: 'AMAZON_CALL_FAILED', status: null, amazonCode: code ?? null, amazonMessage: message, isRetryable: false, cause });
}

/** Amazon's error of an answer: the first of `errors[]` (SP-API) or the S3 `<Error>` (documents). */
export function amazonErrorOf(body: string): { code: string | null; message: string | null } {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown; details?: unknown }[]; error?: unknown; error_description?: unknown };
      const first = Array.isArray(json.errors) ? json.errors[0] : undefined;
      if (first) {
        const details = typeof first.details === 'string' && first.details ? ` (${first.details})` : '';
        return {
          code: typeof first.code === 'string' ? first.code : null,
          message: typeof first.message === 'string' ? `${first.message}${details}` : null,
        };
      }
      if (typeof json.error === 'string')
        return { code: json.error, message: typeof json.error_description === 'string' ? json.error_description : null };
    } catch {
      // fall through: not JSON after all
    }
  }
  if (text.startsWith('<')) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? null;
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? null;
    if (code || message) return { code, message };
  }
  const page = htmlPageText(text);
  if (page !== null) return { code: null, message: page };
  return { code: null, message: text ? text.slice(0, 200) : null };
}

/** Classifies an HTTP answer that is not a success. */
export function failureFromResponse(status: number, body: string, redact: Redact): AmazonAttemptFailure {
  const parsed = amazonErrorOf(body);
  const amazonCode = parsed.code ? sanitizeText(parsed.code, redact) : null;
  const amazonMessage = parsed.message ? sanitizeText(parsed.message, redact) : null;
  const make = (code: SellerSyncErrorCode, isRetryable: boolean) =>
    new AmazonAttemptFailure({ code, status, amazonCode, amazonMessage, isRetryable });
  if (status === 429) return make('AMAZON_THROTTLED', true);
  if (status >= 500 || status === 408) return make('AMAZON_UNAVAILABLE', true);
  if (status === 401 || status === 403) return make('AMAZON_AUTH_FAILED', false);
  if (status === 404) return make('AMAZON_NOT_FOUND', false);
  if (status === 400 || status === 409 || status === 413 || status === 415 || status === 422) return make('AMAZON_INVALID_REQUEST', false);
  return make('AMAZON_CALL_FAILED', false);
}

/** True for Amazon's 403 that says the access token expired (the client's own test). */
export function isExpiredTokenAnswer(status: number, body: string): boolean {
  if (status !== 403) return false;
  const parsed = amazonErrorOf(body);
  return /access token.*expired/i.test(`${parsed.message ?? ''}`) || /expired/i.test(parsed.code ?? '');
}

/** Everything the final message of a failed call needs to know. */
export interface FailureContext {
  readonly operation: string;
  /** What the call was about (`SKU "ABC-1"`, `order 302-…`), when known. */
  readonly subject?: string;
  readonly attempts: number;
  readonly sellerId: string;
  readonly endpoint?: string;
  /**
   * For a call that creates something (createFeed, createReport): what it creates and what the
   * caller should do when the outcome is unknown.
   */
  readonly creates?: { readonly thing: string; readonly check: string };
}

function what(context: FailureContext): string {
  return context.subject ? `${context.operation} for ${context.subject}` : context.operation;
}

function answer(failure: AmazonAttemptFailure): string {
  const parts = [failure.status === null ? null : `HTTP ${failure.status}`, failure.amazonCode].filter((part) => part);
  const head = parts.length ? ` (${parts.join(' ')})` : '';
  // Amazon's messages often end with a period; the sentence around them goes on after it
  const said = failure.amazonMessage?.replace(/(?<!\.)\.\s*$/, '').trim();
  return said ? `${head}: ${said}` : head;
}

function tries(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

/** What the caller should read: what happened and what to do next. */
function messageOf(failure: AmazonAttemptFailure, context: FailureContext): string {
  const subject = what(context);
  const said = answer(failure);
  if (failure.maybeProcessed) {
    const thing = context.creates?.thing ?? 'resource';
    const check = context.creates?.check ?? 'check what Amazon holds before sending it again';
    return `${subject} was sent, but its outcome is unknown${said}: Amazon may have created the ${thing} all the same, so the gateway did not send it again. Do not simply repeat it: ${check}.`;
  }
  switch (failure.code) {
    case 'AMAZON_THROTTLED':
      return `Amazon throttled ${subject} (HTTP 429 ${failure.amazonCode ?? 'QuotaExceeded'}) through ${tries(context.attempts)}. The quota of this operation is used up, perhaps by another process using the same seller account; try again later or lower the gateway's rate limits.`;
    case 'AMAZON_UNAVAILABLE':
      return `Amazon could not serve ${subject}${said} after ${tries(context.attempts)}. The fault is on Amazon's side; try again later.`;
    case 'AMAZON_NETWORK_ERROR':
      return `${subject} did not reach Amazon after ${tries(context.attempts)}${said}. Check the network${context.endpoint ? ` and that the SP-API endpoint ${context.endpoint} is running` : ''}; the call can be tried again.`;
    case 'AMAZON_AUTH_FAILED':
      return `Amazon refused the authorisation of seller ${context.sellerId} for ${subject}${said}. Check the refresh token, client id and client secret, and that the app has the role this operation needs; retrying will not help.`;
    case 'AMAZON_INVALID_REQUEST':
      return `Amazon rejected ${subject} as invalid${said}. Fix the request; sending it again unchanged will fail the same way.`;
    case 'AMAZON_NOT_FOUND':
      return `Amazon does not know the resource of ${subject}${said}. Check the id, the seller account ${context.sellerId} and the marketplace.`;
    default:
      return `${subject} failed${said} after ${tries(context.attempts)}. ${failure.isRetryable ? 'It can be tried again later.' : 'Retrying will not help; check the request and the answer above.'}`;
  }
}

/**
 * Turns the last failed attempt into the error the caller sees, with a message that says what to
 * do next. A failure Amazon may have acted on (`maybeProcessed`) stays retryable and says
 * `details.maybeCreated: true`.
 */
export function toAmazonCallError(failure: AmazonAttemptFailure, context: FailureContext): AmazonCallError {
  return new AmazonCallError({
    code: failure.code,
    message: messageOf(failure, context),
    operation: context.operation,
    status: failure.status,
    amazonCode: failure.amazonCode,
    isRetryable: failure.isRetryable,
    attempts: context.attempts,
    ...(failure.maybeProcessed ? { maybeCreated: true } : {}),
    cause: failure.cause ?? new Error(failure.amazonMessage ?? failure.code),
    ...(context.subject ? { subject: context.subject } : {}),
  });
}
