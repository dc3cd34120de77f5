import type { SellerSyncErrorCode } from './error-codes';

/** Structured facts about an error: the item, field and rule concerned, and anything else useful. */
export interface SellerSyncErrorDetails {
  /** The item the error is about: a SKU, an Amazon order id, a CSV row number, ... */
  readonly item?: string;
  /** The field of that item that broke a rule. */
  readonly field?: string;
  /** The rule that was broken, in words (`"1 to 40 characters"`). */
  readonly rule?: string;
  /** The offending value, shortened when long. Never a secret. */
  readonly value?: unknown;
  readonly [key: string]: unknown;
}

export interface SellerSyncErrorOptions {
  readonly code: SellerSyncErrorCode;
  readonly message: string;
  readonly details?: SellerSyncErrorDetails;
  readonly cause?: unknown;
  /** Whether trying the same thing again later may succeed. Defaults to `false`. */
  readonly isRetryable?: boolean;
}

const marker = Symbol.for('sellersync.error');

/**
 * The one base class of every error sellersync throws or records.
 *
 * `code` is stable (UPPER_SNAKE) and safe to branch on; `message` says what went wrong and what to
 * do next; `details` names the item, field and rule. Messages and details never carry secrets.
 */
export class SellerSyncError extends Error {
  readonly code: SellerSyncErrorCode;
  readonly details: SellerSyncErrorDetails;
  readonly isRetryable: boolean;
  private readonly [marker] = true;

  constructor(options: SellerSyncErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SellerSyncError';
    this.code = options.code;
    this.details = options.details ?? {};
    this.isRetryable = options.isRetryable ?? false;
  }

  /** True for any `SellerSyncError`, also one thrown by another copy of this package. */
  static isInstance(error: unknown): error is SellerSyncError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }

  /** A plain object for logs and reports. */
  toJSON(): { name: string; code: SellerSyncErrorCode; message: string; details: SellerSyncErrorDetails } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** Shortens a value for an error message so a huge input never floods a log. */
export function describeValue(value: unknown, max = 60): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const QUERY_PREFIX = /^\s*(insert|select|update|delete|with|create|alter|drop|replace)\b/i;

/**
 * The database driver's own words about a failed query, at most `max` characters, for an error
 * message. knex prefixes a driver's message with the whole statement and its bound values
 * (`insert into … - no such table: x`), which for a bulk call is hundreds of kilobytes of shop
 * data; that part is dropped. Keep the raw error as the `cause`.
 */
export function driverMessage(error: unknown, max = 300): string {
  const e = error as { message?: unknown; sqlMessage?: unknown } | null;
  // mysql2 keeps the server's message apart
  let text = typeof e?.sqlMessage === 'string' ? e.sqlMessage : String(e?.message ?? error);
  if (typeof e?.sqlMessage !== 'string' && QUERY_PREFIX.test(text)) {
    const cut = text.lastIndexOf(' - ');
    text = cut < 0 ? 'the query failed' : text.slice(cut + 3);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Throws a `NOT_IMPLEMENTED` error for a capability a later release fills in. */
export function notImplemented(what: string): never {
  throw new SellerSyncError({
    code: 'NOT_IMPLEMENTED',
    message: `${what} is not implemented in this version of sellersync yet.`,
    details: { item: what },
  });
}
