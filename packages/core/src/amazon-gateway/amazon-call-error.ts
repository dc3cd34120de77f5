import type { SellerSyncErrorCode } from '../errors';
import { SellerSyncError } from '../errors';

/** Options of {@link AmazonCallError}. */
export interface AmazonCallErrorOptions {
  readonly code: SellerSyncErrorCode;
  readonly message: string;
  /** The operation called (`feeds.createFeed`). */
  readonly operation: string;
  /** HTTP status, or `null` for a network error or a timeout. */
  readonly status: number | null;
  /** Amazon's error code (`QuotaExceeded`, `InvalidInput`, ...), or `null`. */
  readonly amazonCode: string | null;
  readonly isRetryable: boolean;
  /** Attempts made, retries included. */
  readonly attempts?: number;
  /** What the call was about (`SKU "ABC-1"`, `order 302-…`), when known; kept in `details.subject`. */
  readonly subject?: string;
  /**
   * A call that creates something (createFeed, createReport) was sent and its outcome is unknown:
   * Amazon may have created it. Kept in `details.maybeCreated`; the gateway did not send it again.
   */
  readonly maybeCreated?: boolean;
  readonly cause?: unknown;
}

/**
 * A failed call to Amazon, after the gateway's bounded retries. `status` and `amazonCode` say what
 * Amazon answered; `isRetryable` whether a later attempt may succeed (429, 5xx, network) or not
 * (400, 403, 404). `details.maybeCreated: true` marks a createFeed or createReport that was sent
 * without a readable answer: Amazon may hold the feed or report, so look before sending it again.
 * The message never holds a token or secret.
 */
export class AmazonCallError extends SellerSyncError {
  readonly operation: string;
  readonly status: number | null;
  readonly amazonCode: string | null;
  readonly attempts: number;

  constructor(options: AmazonCallErrorOptions) {
    super({
      code: options.code,
      message: options.message,
      cause: options.cause,
      isRetryable: options.isRetryable,
      details: {
        item: options.operation,
        status: options.status,
        amazonCode: options.amazonCode,
        attempts: options.attempts ?? 1,
        ...(options.subject === undefined ? {} : { subject: options.subject }),
        ...(options.maybeCreated ? { maybeCreated: true } : {}),
      },
    });
    this.name = 'AmazonCallError';
    this.operation = options.operation;
    this.status = options.status;
    this.amazonCode = options.amazonCode;
    this.attempts = options.attempts ?? 1;
  }
}
