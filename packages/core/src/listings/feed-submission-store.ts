import type { Knex } from 'knex';
import { chunk, retryOnDeadlock, toNullableNumber, toNumber } from '../database/dialect';
import { resolveTableNames } from '../database/table-names';
import { SellerSyncError } from '../errors';
import type { ChangeKind } from '../change-log';
import type { ListingMode } from './feed-builder';

/**
 * Where a feed submission stands: `waiting` for a quota slot (its document is stored), `submitting`
 * (recorded before `createFeed`), `submitted` (Amazon has it; polled), then one of the final states
 * `done` (report read), `fatal`, `cancelled`, `stuck` (past the limit) or `failed` (the submission
 * itself failed).
 */
export type FeedSubmissionStatus = 'waiting' | 'submitting' | 'submitted' | 'done' | 'fatal' | 'cancelled' | 'stuck' | 'failed';

/** The states a submission is still in flight in. */
export const OPEN_SUBMISSION_STATUSES: readonly FeedSubmissionStatus[] = ['waiting', 'submitting', 'submitted'];

/** Amazon's verdict on one message: `retry` when the feed failed as a whole. */
export type FeedMessageStatus = 'pending' | 'accepted' | 'rejected' | 'retry';

/** The summary of a processing report. */
export interface FeedSummary {
  readonly messagesProcessed: number;
  readonly messagesAccepted: number;
  readonly messagesInvalid: number;
  readonly errors: number;
  readonly warnings: number;
}

/** An issue Amazon reported on a message. */
export interface FeedIssue {
  readonly code: string;
  readonly message: string;
  readonly attributeName?: string;
}

/** One feed submission (one `JSON_LISTINGS_FEED` document). */
export interface FeedSubmission {
  readonly id: number;
  readonly accountId: string;
  readonly sellerId: string;
  readonly region: string;
  readonly marketplaceIds: readonly string[];
  readonly batchId: string;
  readonly status: FeedSubmissionStatus;
  readonly feedId: string | null;
  readonly documentId: string | null;
  readonly resultDocumentId: string | null;
  /** Amazon's last `processingStatus`. */
  readonly processingStatus: string | null;
  readonly messageCount: number;
  readonly bytes: number;
  readonly claimedBy: string;
  readonly owner: string | null;
  readonly leaseUntil: number | null;
  readonly createdAt: number;
  readonly quotaAt: number | null;
  readonly submittedAt: number | null;
  readonly finishedAt: number | null;
  readonly nextPollAt: number | null;
  readonly polls: number;
  readonly summary: FeedSummary | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

/** One row per message and change-log entry it carries. */
export interface FeedMessageRecord {
  readonly submissionId: number;
  readonly marketplaceId: string;
  readonly batchId: string;
  readonly messageId: number;
  readonly sku: string;
  readonly mode: ListingMode;
  readonly changeId: number;
  readonly changeVersion: number;
  readonly changeKind: ChangeKind;
  /** Failed attempts of the entry when it was claimed. */
  readonly changeAttempts: number;
  /** When the entry was last queued (ms since the epoch). */
  readonly changeAt: number;
  readonly offerHash: string | null;
  readonly productType: string | null;
  readonly status: FeedMessageStatus;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly warnings: readonly FeedIssue[];
  readonly settled: boolean;
}

/** A submission to record. */
export interface NewFeedSubmission {
  readonly sellerId: string;
  readonly region: string;
  readonly marketplaceIds: readonly string[];
  readonly batchId: string;
  readonly status: 'waiting' | 'submitting';
  readonly messageCount: number;
  readonly bytes: number;
  /** Only for `waiting`. */
  readonly content: string | null;
  readonly claimedBy: string;
  readonly owner: string;
  readonly leaseUntil: number;
  readonly quotaAt: number | null;
}

/** A message to record with its submission. */
export type NewFeedMessage = Pick<
  FeedMessageRecord,
  'marketplaceId' | 'messageId' | 'sku' | 'mode' | 'changeId' | 'changeVersion' | 'changeKind' | 'changeAttempts' | 'changeAt' | 'offerHash' | 'productType'
>;

/** A message's outcome from a processing report. */
export interface FeedMessageOutcome {
  readonly status: 'accepted' | 'rejected';
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly warnings?: readonly FeedIssue[];
}

interface SubmissionRow {
  id: number | string;
  account_id: string;
  seller_id: string;
  region: string;
  marketplace_ids: string;
  batch_id: string;
  status: string;
  feed_id: string | null;
  document_id: string | null;
  result_document_id: string | null;
  processing_status: string | null;
  message_count: number | string;
  bytes: number | string;
  claimed_by: string;
  owner: string | null;
  lease_until: number | string | null;
  created_at: number | string;
  quota_at: number | string | null;
  submitted_at: number | string | null;
  finished_at: number | string | null;
  next_poll_at: number | string | null;
  polls: number | string;
  summary: string | null;
  error_code: string | null;
  error_message: string | null;
}

interface MessageRow {
  submission_id: number | string;
  marketplace_id: string;
  batch_id: string;
  message_id: number | string;
  sku: string;
  mode: string;
  change_id: number | string;
  change_version: number | string;
  change_kind: string;
  change_attempts: number | string;
  change_at: number | string;
  offer_hash: string | null;
  product_type: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  warnings: string | null;
  settled: number | boolean | string;
}

/** The columns read for lists of submissions (never the stored document). */
const SUBMISSION_COLUMNS = [
  'id',
  'account_id',
  'seller_id',
  'region',
  'marketplace_ids',
  'batch_id',
  'status',
  'feed_id',
  'document_id',
  'result_document_id',
  'processing_status',
  'message_count',
  'bytes',
  'claimed_by',
  'owner',
  'lease_until',
  'created_at',
  'quota_at',
  'submitted_at',
  'finished_at',
  'next_poll_at',
  'polls',
  'summary',
  'error_code',
  'error_message',
];

const INSERT_ROWS = 500;
const IN_LIST = 500;
const MAX_TEXT = 4000;

function toSubmission(row: SubmissionRow): FeedSubmission {
  return {
    id: toNumber(row.id),
    accountId: row.account_id,
    sellerId: row.seller_id,
    region: row.region,
    marketplaceIds: row.marketplace_ids.split(',').filter(Boolean),
    batchId: row.batch_id,
    status: row.status as FeedSubmissionStatus,
    feedId: row.feed_id,
    documentId: row.document_id,
    resultDocumentId: row.result_document_id,
    processingStatus: row.processing_status,
    messageCount: toNumber(row.message_count),
    bytes: toNumber(row.bytes),
    claimedBy: row.claimed_by,
    owner: row.owner,
    leaseUntil: toNullableNumber(row.lease_until),
    createdAt: toNumber(row.created_at),
    quotaAt: toNullableNumber(row.quota_at),
    submittedAt: toNullableNumber(row.submitted_at),
    finishedAt: toNullableNumber(row.finished_at),
    nextPollAt: toNullableNumber(row.next_poll_at),
    polls: toNumber(row.polls),
    summary: row.summary ? (JSON.parse(row.summary) as FeedSummary) : null,
    errorCode: row.error_code,
    errorMessage: row.error_message,
  };
}

function toMessage(row: MessageRow): FeedMessageRecord {
  return {
    submissionId: toNumber(row.submission_id),
    marketplaceId: row.marketplace_id,
    batchId: row.batch_id,
    messageId: toNumber(row.message_id),
    sku: row.sku,
    mode: row.mode as ListingMode,
    changeId: toNumber(row.change_id),
    changeVersion: toNumber(row.change_version),
    changeKind: row.change_kind as ChangeKind,
    changeAttempts: toNumber(row.change_attempts),
    changeAt: toNumber(row.change_at),
    offerHash: row.offer_hash,
    productType: row.product_type,
    status: row.status as FeedMessageStatus,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    warnings: row.warnings ? (JSON.parse(row.warnings) as FeedIssue[]) : [],
    settled: row.settled === true || row.settled === 1 || row.settled === '1',
  };
}

/** Options of {@link createFeedSubmissionStore}. */
export interface FeedSubmissionStoreOptions {
  readonly tablePrefix?: string;
  readonly accountId: string;
}

/**
 * The submissions table and its messages: what was sent, under which claims, and what Amazon said.
 * Every write that decides ownership is conditional, so processes sharing the database never
 * settle the same submission twice.
 */
export type FeedSubmissionStore = ReturnType<typeof createFeedSubmissionStore>;

/** The `JSON_LISTINGS_FEED` quota of one seller and region, as a store call counts it. */
export interface FeedQuota {
  readonly sellerId: string;
  readonly region: string;
  /** Submissions whose `createFeed` happened at or after this count. */
  readonly since: number;
  /** Most submissions in the window. */
  readonly limit: number;
}

/** A batch to record: its submissions with their messages, in document order. */
/** SKU → the marketplaces where it has a message in flight (an unsettled row). */
export type ListingsInFlight = ReadonlyMap<string, ReadonlySet<string>>;

export type FeedBatchRecord = readonly { readonly submission: NewFeedSubmission; readonly messages: readonly NewFeedMessage[] }[];

export function createFeedSubmissionStore(knex: Knex, options: FeedSubmissionStoreOptions) {
  const tables = resolveTableNames(options.tablePrefix);
  const submissions = tables.feedSubmissions;
  const messages = tables.feedSubmissionMessages;
  const quotaLocks = tables.feedQuotaLocks;
  const accountId = options.accountId;
  const lockRows = new Set<string>();

  /**
   * Runs `work` in a transaction that holds the quota lock of (seller, region). The lock is an
   * `UPDATE` of its row: a row lock until commit on PostgreSQL and MySQL/MariaDB, the write lock on
   * SQLite, so whatever is counted and written inside is never raced by another worker.
   */
  const underQuotaLock = async <T>(quota: Pick<FeedQuota, 'sellerId' | 'region'>, holder: string, now: number, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> => {
    const key = `${quota.sellerId}\u0000${quota.region}`;
    for (let attempt = 1; ; attempt += 1) {
      if (!lockRows.has(key)) {
        // outside the transaction: an INSERT IGNORE's shared lock, upgraded by the UPDATE, deadlocks two workers on InnoDB
        await knex(quotaLocks).insert({ seller_id: quota.sellerId, region: quota.region, locked_by: null, locked_at: 0 }).onConflict(['seller_id', 'region']).ignore();
        lockRows.add(key);
      }
      const done = await retryOnDeadlock(() =>
        knex.transaction(async (trx) => {
          const locked = await trx(quotaLocks).where({ seller_id: quota.sellerId, region: quota.region }).update({ locked_by: holder, locked_at: now });
          // the row this process remembered is gone (a cleanup, a restored backup): nothing is locked
          if (locked === 0) return null;
          return { value: await work(trx) };
        }),
      );
      if (done) return done.value;
      lockRows.delete(key);
      if (attempt >= 3)
        throw new SellerSyncError({
          code: 'DATABASE_ERROR',
          message: `The feed quota lock row of seller ${quota.sellerId} (${quota.region}) in ${quotaLocks} cannot be created or locked; check that the table exists and is writable (run migrate()).`,
          details: { item: quotaLocks },
          isRetryable: true,
        });
    }
  };

  // a `submitting` row counts whatever its quota_at: its createFeed is still to come (an upload may
  // take longer than the window), and it records the time of that call only just before it
  const quotaUsed = async (db: Knex | Knex.Transaction, quota: FeedQuota): Promise<number> => {
    const [row] = (await db(submissions)
      .where({ seller_id: quota.sellerId, region: quota.region })
      .andWhere((q) => q.where('quota_at', '>=', quota.since).orWhere('status', 'submitting'))
      .count({ n: '*' })) as { n: number | string }[];
    return toNumber(row?.n ?? 0);
  };

  // sku → the marketplaces where it has a message in flight: listings are per marketplace, so a
  // feed for one marketplace never holds back an entry for another (a partitioned worker's own)
  const inFlight = async (db: Knex | Knex.Transaction, skus: readonly string[]): Promise<ListingsInFlight> => {
    const out = new Map<string, Set<string>>();
    for (const part of chunk([...new Set(skus)], IN_LIST)) {
      const rows = (await db(messages).distinct('sku', 'marketplace_id').where({ account_id: accountId, settled: false }).whereIn('sku', part)) as { sku: string; marketplace_id: string }[];
      for (const row of rows) {
        const marketplaces = out.get(row.sku) ?? new Set<string>();
        marketplaces.add(row.marketplace_id);
        out.set(row.sku, marketplaces);
      }
    }
    return out;
  };

  const insertBatch = async (trx: Knex.Transaction, batch: FeedBatchRecord, now: number): Promise<number[]> => {
    const ids: number[] = [];
    for (const { submission, messages: rows } of batch) {
      const id = await insertId(trx, {
        account_id: accountId,
        seller_id: submission.sellerId,
        region: submission.region,
        marketplace_ids: submission.marketplaceIds.join(','),
        batch_id: submission.batchId,
        status: submission.status,
        message_count: submission.messageCount,
        bytes: submission.bytes,
        content: submission.content,
        claimed_by: submission.claimedBy,
        owner: submission.owner,
        lease_until: submission.leaseUntil,
        created_at: now,
        quota_at: submission.quotaAt,
        polls: 0,
      });
      ids.push(id);
      for (const part of chunk(rows, INSERT_ROWS))
        await trx(messages).insert(
          part.map((row) => ({
            submission_id: id,
            account_id: accountId,
            marketplace_id: row.marketplaceId,
            batch_id: submission.batchId,
            message_id: row.messageId,
            sku: row.sku,
            mode: row.mode,
            change_id: row.changeId,
            change_version: row.changeVersion,
            change_kind: row.changeKind,
            change_attempts: row.changeAttempts,
            change_at: row.changeAt,
            offer_hash: row.offerHash,
            product_type: row.productType,
            status: 'pending',
            settled: false,
          })),
        );
    }
    return ids;
  };

  const insertId = async (trx: Knex.Transaction, row: Record<string, unknown>): Promise<number> => {
    const client = (trx.client as { dialect?: string }).dialect;
    const query = trx(submissions).insert(row);
    const [inserted] = client === 'postgresql' ? await query.returning('id') : await query;
    return toNumber(typeof inserted === 'object' && inserted !== null ? (inserted as { id: unknown }).id : inserted);
  };

  return {
    /**
     * Submissions of a seller and region whose `createFeed` happened at or after `since`, and those
     * still `submitting` (their `createFeed` is to come).
     */
    async quotaUsedSince(sellerId: string, region: string, since: number): Promise<number> {
      return quotaUsed(knex, { sellerId, region, since, limit: 0 });
    },

    /**
     * Records the submissions of one batch and their messages in one transaction, before any of
     * them is sent, so a change spread over several documents is never settled on part of them.
     * Returns the ids in the order given.
     */
    async createBatch(batch: FeedBatchRecord, now: number): Promise<number[]> {
      return retryOnDeadlock(() => knex.transaction((trx) => insertBatch(trx, batch, now)));
    },

    /**
     * Records a batch under the quota lock of its seller and region. In one transaction holding the
     * lock it reads `clock` (the recording time `at`: the lock may have been waited for), counts the
     * free slots of `quotaAt(at)`, finds which of `skus` are in flight in this account (another
     * worker's batch recorded since they were claimed), and lets `plan` say what to record from
     * those facts: documents without the SKUs in flight, at most `free` of them `submitting` (their
     * quota and lease counted from `at`), the rest `waiting`. So workers sharing the database never
     * exceed the quota together and never have one SKU in two feeds. `plan` MUST be pure: it runs
     * again when the database aborts the transaction for a deadlock.
     */
    async recordBatch(
      quotaAt: (at: number) => FeedQuota,
      holder: string,
      skus: readonly string[],
      plan: (free: number, inFlight: ListingsInFlight, at: number) => FeedBatchRecord,
      clock: () => number,
    ): Promise<{ readonly ids: number[]; readonly free: number; readonly inFlight: ListingsInFlight }> {
      const sample = quotaAt(clock());
      return underQuotaLock(sample, holder, clock(), async (trx) => {
        const at = clock();
        const quota = quotaAt(at);
        const free = Math.max(0, quota.limit - (await quotaUsed(trx, quota)));
        const busy = await inFlight(trx, skus);
        const ids = await insertBatch(trx, plan(free, busy, at), at);
        return { ids, free, inFlight: busy };
      });
    },

    /**
     * Under the same lock: marks as many of `owner`'s waiting submissions (oldest first) as the
     * quota has free slots `submitting`, their slot counted from `now`, and returns them.
     */
    async reserveWaiting(owner: string, quota: FeedQuota, now: number): Promise<FeedSubmission[]> {
      return underQuotaLock(quota, owner, now, async (trx) => {
        const free = quota.limit - (await quotaUsed(trx, quota));
        if (free <= 0) return [];
        const ids = (
          (await trx(submissions)
            .select('id')
            .where({ account_id: accountId, owner, status: 'waiting', seller_id: quota.sellerId, region: quota.region })
            .orderBy('id')
            .limit(free)) as { id: number | string }[]
        ).map((row) => toNumber(row.id));
        if (ids.length === 0) return [];
        await trx(submissions).whereIn('id', ids).andWhere({ owner, status: 'waiting' }).update({ status: 'submitting', quota_at: now });
        const rows = (await trx(submissions).select(SUBMISSION_COLUMNS).whereIn('id', ids).andWhere({ owner, status: 'submitting' }).orderBy('id')) as SubmissionRow[];
        return rows.map(toSubmission);
      });
    },

    /** The stored document of a waiting submission. */
    async content(id: number): Promise<string | null> {
      const row = (await knex(submissions).where({ id }).first('content')) as { content: string | null } | undefined;
      return row?.content ?? null;
    },

    /**
     * Changes a submission this owner holds; returns `false` (nothing changed) when another process
     * took it over meanwhile.
     */
    async update(
      id: number,
      owner: string,
      patch: Partial<{
        status: FeedSubmissionStatus;
        feedId: string;
        documentId: string;
        resultDocumentId: string | null;
        processingStatus: string;
        content: null;
        quotaAt: number;
        submittedAt: number;
        finishedAt: number;
        nextPollAt: number | null;
        polls: number;
        leaseUntil: number;
        summary: FeedSummary;
        errorCode: string;
        errorMessage: string;
      }>,
    ): Promise<boolean> {
      const columns: Record<string, unknown> = {};
      const map: Record<string, string> = {
        status: 'status',
        feedId: 'feed_id',
        documentId: 'document_id',
        resultDocumentId: 'result_document_id',
        processingStatus: 'processing_status',
        content: 'content',
        quotaAt: 'quota_at',
        submittedAt: 'submitted_at',
        finishedAt: 'finished_at',
        nextPollAt: 'next_poll_at',
        polls: 'polls',
        leaseUntil: 'lease_until',
        errorCode: 'error_code',
      };
      for (const [key, value] of Object.entries(patch)) if (map[key]) columns[map[key]] = value;
      if (patch.summary) columns['summary'] = JSON.stringify(patch.summary);
      if (patch.errorMessage !== undefined) columns['error_message'] = patch.errorMessage.slice(0, MAX_TEXT);
      const count = await knex(submissions).where({ id, owner }).update(columns);
      return count > 0;
    },

    /**
     * Takes over this account's open submissions that are unowned, owned by `owner`, or whose
     * owner's lease expired (a crashed process), and returns every open submission `owner` holds,
     * oldest first.
     */
    async adopt(owner: string, leaseUntil: number, now: number): Promise<FeedSubmission[]> {
      await knex(submissions)
        .where('account_id', accountId)
        .whereIn('status', [...OPEN_SUBMISSION_STATUSES])
        .andWhere((q) => q.where('owner', owner).orWhereNull('owner').orWhere('lease_until', '<=', now))
        .update({ owner, lease_until: leaseUntil });
      const rows = (await knex(submissions)
        .select(SUBMISSION_COLUMNS)
        .where({ account_id: accountId, owner })
        .whereIn('status', [...OPEN_SUBMISSION_STATUSES])
        .orderBy('id')) as SubmissionRow[];
      return rows.map(toSubmission);
    },

    /** Renews `owner`'s hold on its open submissions until `leaseUntil`; returns how many. */
    async renew(owner: string, leaseUntil: number): Promise<number> {
      return knex(submissions).where({ account_id: accountId, owner }).whereIn('status', [...OPEN_SUBMISSION_STATUSES]).update({ lease_until: leaseUntil });
    },

    async get(id: number): Promise<FeedSubmission | null> {
      const row = (await knex(submissions).select(SUBMISSION_COLUMNS).where({ id }).first()) as SubmissionRow | undefined;
      return row ? toSubmission(row) : null;
    },

    /** Every row of a submission, ordered by message id. */
    async messagesOf(submissionId: number): Promise<FeedMessageRecord[]> {
      const rows = (await knex(messages).where({ submission_id: submissionId }).orderBy(['message_id', 'id'])) as MessageRow[];
      return rows.map(toMessage);
    },

    /**
     * Records Amazon's verdicts: the messages in `outcomes` as they say, every other message of the
     * submission accepted — or, when Amazon did not process the feed as a whole, marked for retry
     * with `unmentioned`'s code and message. A clean report of 25,000 messages is one statement.
     */
    async recordOutcomes(
      submissionId: number,
      outcomes: ReadonlyMap<number, FeedMessageOutcome>,
      unmentioned: 'accepted' | { readonly code: string; readonly message: string } = 'accepted',
    ): Promise<void> {
      await knex.transaction(async (trx) => {
        for (const [messageId, outcome] of outcomes) {
          await trx(messages)
            .where({ submission_id: submissionId, message_id: messageId })
            .update({
              status: outcome.status,
              error_code: outcome.errorCode?.slice(0, 64) ?? null,
              error_message: outcome.errorMessage?.slice(0, MAX_TEXT) ?? null,
              warnings: outcome.warnings && outcome.warnings.length > 0 ? JSON.stringify(outcome.warnings).slice(0, MAX_TEXT) : null,
            });
        }
        await trx(messages)
          .where({ submission_id: submissionId, status: 'pending' })
          .update(
            unmentioned === 'accepted'
              ? { status: 'accepted' }
              : { status: 'retry', error_code: unmentioned.code.slice(0, 64), error_message: unmentioned.message.slice(0, MAX_TEXT) },
          );
      });
    },

    /** Marks every pending message of a submission for retry (the feed failed as a whole). */
    async markForRetry(submissionId: number, code: string, message: string): Promise<void> {
      await knex(messages)
        .where({ submission_id: submissionId, status: 'pending' })
        .update({ status: 'retry', error_code: code.slice(0, 64), error_message: message.slice(0, MAX_TEXT) });
    },

    /**
     * The unsettled rows of a batch (every submission of it), for settling changes, with the worker
     * id their entries are claimed under.
     */
    async unsettledRows(batchId: string): Promise<(FeedMessageRecord & { readonly claimedBy: string })[]> {
      const rows = (await knex(`${messages} as m`)
        .join(`${submissions} as s`, 's.id', 'm.submission_id')
        .select('m.*', 's.claimed_by as claimer')
        .where({ 'm.batch_id': batchId, 'm.settled': false })
        .orderBy('m.id')) as (MessageRow & { claimer: string })[];
      return rows.map((row) => ({ ...toMessage(row), claimedBy: row.claimer }));
    },

    /** Marks the rows of these changes in a batch as settled. */
    async markSettled(batchId: string, changeIds: readonly number[]): Promise<void> {
      for (const part of chunk(changeIds, IN_LIST))
        await knex(messages).where({ batch_id: batchId }).whereIn('change_id', part).update({ settled: true });
    },

    /**
     * Batches with unsettled rows in submissions `owner` holds, or whose holder's lease expired (a
     * process that stopped between reading a report and settling it).
     */
    async openBatches(owner: string, now: number): Promise<string[]> {
      const rows = (await knex(`${messages} as m`)
        .join(`${submissions} as s`, 's.id', 'm.submission_id')
        .distinct('m.batch_id')
        .where({ 'm.account_id': accountId, 'm.settled': false })
        .andWhere((q) => q.where('s.owner', owner).orWhere('s.lease_until', '<=', now))) as { batch_id: string }[];
      return rows.map((row) => row.batch_id);
    },

    /**
     * Deletes finished submissions (and their messages) that finished before `before` and carry
     * nothing unsettled; returns how many submissions went.
     */
    async purgeFinished(before: number, limit = 500): Promise<number> {
      const ids = (
        (await knex(submissions)
          .select('id')
          .where('account_id', accountId)
          .whereNotIn('status', [...OPEN_SUBMISSION_STATUSES])
          .andWhere('finished_at', '<', before)
          .whereNotExists(knex(messages).select('id').whereRaw('?? = ??', [`${messages}.submission_id`, `${submissions}.id`]).andWhere('settled', false))
          .orderBy('id')
          .limit(limit)) as { id: number | string }[]
      ).map((row) => toNumber(row.id));
      if (ids.length === 0) return 0;
      await knex.transaction(async (trx) => {
        await trx(messages).whereIn('submission_id', ids).delete();
        await trx(submissions).whereIn('id', ids).delete();
      });
      return ids.length;
    },

    /**
     * The claims (change id and version, and the worker id they are claimed under) of every
     * unsettled row in submissions `owner` holds, to extend their leases.
     */
    async claimsHeldBy(owner: string): Promise<{ claimedBy: string; id: number; version: number }[]> {
      const rows = (await knex(`${messages} as m`)
        .join(`${submissions} as s`, 's.id', 'm.submission_id')
        .distinct('s.claimed_by', 'm.change_id', 'm.change_version')
        .where({ 's.account_id': accountId, 's.owner': owner, 'm.settled': false })) as {
        claimed_by: string;
        change_id: number | string;
        change_version: number | string;
      }[];
      return rows.map((row) => ({ claimedBy: row.claimed_by, id: toNumber(row.change_id), version: toNumber(row.change_version) }));
    },

    /** Of these SKUs, those with a message still in flight (an unsettled row), with the marketplaces of those messages. */
    async skusInFlight(skus: readonly string[]): Promise<ListingsInFlight> {
      return inFlight(knex, skus);
    },

    /** This account's open submissions, oldest first. */
    async listOpen(): Promise<FeedSubmission[]> {
      const rows = (await knex(submissions)
        .select(SUBMISSION_COLUMNS)
        .where('account_id', accountId)
        .whereIn('status', [...OPEN_SUBMISSION_STATUSES])
        .orderBy('id')) as SubmissionRow[];
      return rows.map(toSubmission);
    },

    /**
     * Feeds given up as stuck that are still watched (a next poll set), due at `now`: Amazon may
     * finish such a feed late and apply its older values over newer ones.
     */
    async listWatched(now: number): Promise<FeedSubmission[]> {
      const rows = (await knex(submissions)
        .select(SUBMISSION_COLUMNS)
        .where({ account_id: accountId, status: 'stuck' })
        .whereNotNull('next_poll_at')
        .andWhere('next_poll_at', '<=', now)
        .orderBy('id')) as SubmissionRow[];
      return rows.map(toSubmission);
    },

    /**
     * Takes the next look at a watched feed: moves its next poll from `due` to `next` (`null`: the
     * watch ends) when it is still `due`, so of several workers only one looks. True if taken.
     */
    async moveWatch(id: number, due: number, next: number | null, processingStatus?: string): Promise<boolean> {
      const count = await knex(submissions)
        .where({ id, account_id: accountId, status: 'stuck', next_poll_at: due })
        .update({ next_poll_at: next, ...(processingStatus ? { processing_status: processingStatus } : {}) });
      return count > 0;
    },

    /** This account's last finished submissions, newest first. */
    async listFinished(limit: number): Promise<FeedSubmission[]> {
      const rows = (await knex(submissions)
        .select(SUBMISSION_COLUMNS)
        .where('account_id', accountId)
        .whereNotIn('status', [...OPEN_SUBMISSION_STATUSES])
        .orderBy('finished_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)) as SubmissionRow[];
      return rows.map(toSubmission);
    },

    /**
     * Rows Amazon rejected or warned about, for reports: of each submission, in the order given, at
     * most `perSubmission` by message id, so a large report never hides the next one's issues. Rows
     * marked for retry are left out: the error of a feed that failed as a whole is its submission's.
     */
    async issuesOf(submissionIds: readonly number[], perSubmission: number): Promise<FeedMessageRecord[]> {
      const out: FeedMessageRecord[] = [];
      for (const submissionId of submissionIds) {
        const rows = (await knex(messages)
          .where('submission_id', submissionId)
          .andWhere((q) => q.where('status', 'rejected').orWhereNotNull('warnings'))
          .orderBy(['message_id', 'id'])
          .limit(perSubmission)) as MessageRow[];
        out.push(...rows.map(toMessage));
      }
      return out;
    },
  };
}

/** Options of {@link createListingStateStore}. */
export interface ListingStateStoreOptions {
  readonly tablePrefix?: string;
  readonly accountId: string;
}

/** What Amazon last accepted (and last rejected) for a SKU on a marketplace. */
export interface ListingState {
  readonly marketplaceId: string;
  readonly sku: string;
  /** Hash of the offer Amazon last accepted; `null` before any acceptance and after a delete. */
  readonly offerHash: string | null;
  /** Hash of an offer Amazon rejected after that; `null` when none. */
  readonly rejectedHash: string | null;
  readonly productType: string | null;
  readonly deleted: boolean;
  readonly feedId: string | null;
  readonly acceptedAt: number | null;
  /** The newest queue time of the changes Amazon last accepted; older changes are stale. */
  readonly changedAt: number | null;
  /**
   * sellersync queued this SKU's delete here itself, from the delete of the shop product the
   * mapping table gives it (a fan-out): that delete never fans out again.
   */
  readonly derivedDelete: boolean;
}

/** An acceptance to store. */
export interface AcceptedListing {
  readonly marketplaceId: string;
  readonly sku: string;
  /** `null` for an accepted delete. */
  readonly offerHash: string | null;
  readonly productType: string | null;
  readonly deleted: boolean;
  readonly feedId: string;
  /** The newest queue time of the changes the message carried. */
  readonly changedAt: number;
}

/** The `listing_states` table: one row per account, marketplace and SKU. */
export type ListingStateStore = ReturnType<typeof createListingStateStore>;

export function createListingStateStore(knex: Knex, options: ListingStateStoreOptions) {
  const table = resolveTableNames(options.tablePrefix).listingStates;
  const accountId = options.accountId;
  return {
    /**
     * Stores what Amazon accepted (insert or replace by marketplace and SKU); clears a rejection.
     * An accepted offer or listing also clears the derived-delete mark; an accepted delete keeps it.
     */
    async accept(states: readonly AcceptedListing[], now: number): Promise<void> {
      const columns = ['offer_hash', 'rejected_hash', 'product_type', 'deleted', 'feed_id', 'accepted_at', 'changed_at', 'updated_at'];
      for (const deleted of [false, true])
        for (const part of chunk(
          states.filter((state) => state.deleted === deleted),
          INSERT_ROWS,
        )) {
          await retryOnDeadlock(() =>
            knex(table)
              .insert(
                part.map((state) => ({
                  account_id: accountId,
                  marketplace_id: state.marketplaceId,
                  sku: state.sku,
                  offer_hash: state.offerHash,
                  rejected_hash: null,
                  product_type: state.productType,
                  deleted: state.deleted,
                  feed_id: state.feedId,
                  accepted_at: now,
                  changed_at: state.changedAt,
                  updated_at: now,
                  derived_delete: false,
                })),
              )
              .onConflict(['account_id', 'marketplace_id', 'sku'])
              .merge(deleted ? columns : [...columns, 'derived_delete']),
          );
        }
    },

    /**
     * Marks deletes sellersync queued itself for these seller SKUs (see
     * {@link ListingState.derivedDelete}); keeps everything else of their states. In `db`, so the
     * marks and the queued deletes commit together.
     */
    async markDerivedDeletes(db: Knex | Knex.Transaction, marks: readonly { readonly marketplaceId: string; readonly sku: string }[], now: number): Promise<void> {
      for (const part of chunk(marks, INSERT_ROWS))
        await db(table)
          .insert(part.map((mark) => ({ account_id: accountId, marketplace_id: mark.marketplaceId, sku: mark.sku, deleted: false, derived_delete: true, updated_at: now })))
          .onConflict(['account_id', 'marketplace_id', 'sku'])
          .merge(['derived_delete', 'updated_at']);
    },

    /** Remembers offers Amazon rejected, keeping what it accepted before. */
    async reject(rejections: readonly { readonly marketplaceId: string; readonly sku: string; readonly offerHash: string }[], now: number): Promise<void> {
      for (const part of chunk(rejections, INSERT_ROWS)) {
        await retryOnDeadlock(() =>
          knex(table)
            .insert(
              part.map((state) => ({
                account_id: accountId,
                marketplace_id: state.marketplaceId,
                sku: state.sku,
                offer_hash: null,
                rejected_hash: state.offerHash,
                deleted: false,
                updated_at: now,
              })),
            )
            .onConflict(['account_id', 'marketplace_id', 'sku'])
            .merge(['rejected_hash', 'updated_at']),
        );
      }
    },

    /** States of these SKUs (all marketplaces), keyed by {@link stateKey}. */
    async get(skus: readonly string[]): Promise<Map<string, ListingState>> {
      const out = new Map<string, ListingState>();
      for (const part of chunk([...new Set(skus)], IN_LIST)) {
        const rows = (await knex(table).where('account_id', accountId).whereIn('sku', part)) as {
          marketplace_id: string;
          sku: string;
          offer_hash: string | null;
          rejected_hash: string | null;
          product_type: string | null;
          deleted: number | boolean | string;
          feed_id: string | null;
          accepted_at: number | string | null;
          changed_at: number | string | null;
          derived_delete: number | boolean | string;
        }[];
        for (const row of rows)
          out.set(stateKey(row.marketplace_id, row.sku), {
            marketplaceId: row.marketplace_id,
            sku: row.sku,
            offerHash: row.offer_hash,
            rejectedHash: row.rejected_hash,
            productType: row.product_type,
            deleted: row.deleted === true || row.deleted === 1 || row.deleted === '1',
            feedId: row.feed_id,
            acceptedAt: toNullableNumber(row.accepted_at),
            changedAt: toNullableNumber(row.changed_at),
            derivedDelete: row.derived_delete === true || row.derived_delete === 1 || row.derived_delete === '1',
          });
      }
      return out;
    },
  };
}

/** The key of {@link ListingStateStore.get}'s map. */
export const stateKey = (marketplaceId: string, sku: string) => `${marketplaceId}\u0000${sku}`;
