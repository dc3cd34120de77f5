/** What changed about a SKU, which decides what the listings sync sends. */
export type ChangeKind = 'offer' | 'listing' | 'delete';

export const CHANGE_KINDS: readonly ChangeKind[] = ['offer', 'listing', 'delete'];

/** The account a change is for when the host does not name one. */
export const DEFAULT_ACCOUNT_ID = 'default';

/** The marketplace id stored for a change that concerns every marketplace of its account. */
export const ALL_MARKETPLACES = '*';

/** A change a shop save hook reports. */
export interface ChangeInput {
  /** The seller SKU: 1 to 40 characters, no control characters, no white space at either end. */
  readonly sku: string;
  /**
   * `offer` (price or stock changed; the default), `listing` (product data changed: title,
   * images, ...; implies the offer) or `delete` (remove the listing from Amazon).
   */
  readonly kind?: ChangeKind;
  /** Only this marketplace; omitted: every marketplace the account sells on. */
  readonly marketplaceId?: string;
  /**
   * The shop's own product reference, kept for display and to find the product faster. Pass it with
   * a delete, so that the seller SKUs the mapping table gives a removed product are deleted too.
   */
  readonly productRef?: string;
  /**
   * The seller account (as configured in `createSellerSync({ accountId })`); omitted:
   * `"default"`. Only hosts with several Amazon accounts need it.
   */
  readonly accountId?: string;
}

/** Where a change-log entry stands. */
export type ChangeStatus = 'pending' | 'failed';

/** An error recorded on a change-log entry, as the host shows it. */
export interface ChangeError {
  readonly code: string;
  readonly message: string;
  /** When it was recorded. */
  readonly at: Date;
}

/** One row of the change log: the latest state of one (account, marketplace, SKU, kind). */
export interface ChangeLogEntry {
  readonly id: number;
  readonly accountId: string;
  /** A marketplace id, or `"*"` for every marketplace of the account. */
  readonly marketplaceId: string;
  readonly sku: string;
  readonly kind: ChangeKind;
  readonly productRef: string | null;
  /** Goes up by one with every change of this entry; acknowledgements name the version they cover. */
  readonly version: number;
  readonly status: ChangeStatus;
  /** Failed attempts since the last change. */
  readonly attempts: number;
  /** When it may next be claimed, or `null` when parked until the shop changes it again. */
  readonly nextAttemptAt: Date | null;
  readonly claimedBy: string | null;
  readonly leaseUntil: Date | null;
  readonly lastError: ChangeError | null;
  /** When the oldest change not yet delivered was queued. */
  readonly createdAt: Date;
  /** When it last changed. */
  readonly updatedAt: Date;
}

/** A claimed entry: the entry as read at claim time; `version` is the version claimed. */
export type ClaimedChange = ChangeLogEntry;

/**
 * What the store needs to settle a claim: the entry id, the version that was claimed and, to be
 * safe after a lease expired, who claimed it. A {@link ClaimedChange} is a `ChangeClaim` as is.
 */
export interface ChangeClaim {
  readonly id: number;
  readonly version: number;
  /**
   * The worker the entry was claimed by (the `workerId` given to `claim`). When given, `release`,
   * `fail` and `acknowledge` (for an entry changed meanwhile) MUST NOT touch an entry another worker
   * holds now: a worker that outlived its lease does not free the claim of the worker that took the
   * entry over. Omitted or `null`: the holder is not checked. Callers that settle their own claims
   * SHOULD pass it (passing the claimed entries does).
   */
  readonly claimedBy?: string | null;
}
