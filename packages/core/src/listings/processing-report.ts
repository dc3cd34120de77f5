import { SellerSyncError } from '../errors';
import type { FeedIssue, FeedMessageOutcome, FeedSummary } from './feed-submission-store';

/** A `JSON_LISTINGS_FEED` processing report read per message. */
export interface ParsedProcessingReport {
  readonly summary: FeedSummary;
  /** Messages with an issue, by `messageId`; messages not named were accepted without remark. */
  readonly outcomes: ReadonlyMap<number, FeedMessageOutcome>;
  /** Issues that name no message (about the feed as a whole), every severity. */
  readonly feedIssues: readonly FeedIssue[];
  /** The feed-level issues of severity ERROR: Amazon did not process the feed as a whole. */
  readonly feedErrors: readonly FeedIssue[];
}

interface RawIssue {
  messageId?: unknown;
  code?: unknown;
  severity?: unknown;
  message?: unknown;
  attributeName?: unknown;
}

/**
 * Reads a processing report (listings-feed-processing-report-schema-v2): ERROR issues reject their
 * message (Amazon's code and every message text joined), WARNING issues are kept beside an
 * acceptance, INFO issues are ignored. Whether messages the report does not name were accepted is
 * the caller's call: only when the feed was processed as a whole (no feed-level ERROR, every
 * message counted in `messagesProcessed`).
 * @throws SellerSyncError `REPORT_FAILED` when the text is not such a report.
 */
export function parseProcessingReport(text: string): ParsedProcessingReport {
  let report: { issues?: unknown; summary?: Record<string, unknown> };
  try {
    report = JSON.parse(text) as typeof report;
  } catch (error) {
    throw new SellerSyncError({
      code: 'REPORT_FAILED',
      message: `The processing report is not JSON (${(error as Error).message}); it is read again at the next pass.`,
      cause: error,
      isRetryable: true,
    });
  }
  if (typeof report !== 'object' || report === null || !Array.isArray(report.issues) || typeof report.summary !== 'object' || report.summary === null)
    throw new SellerSyncError({
      code: 'REPORT_FAILED',
      message: 'The processing report lacks "issues" or "summary" (listings-feed-processing-report-schema-v2); it is read again at the next pass.',
      isRetryable: true,
    });
  const errors = new Map<number, FeedIssue[]>();
  const warnings = new Map<number, FeedIssue[]>();
  const feedIssues: FeedIssue[] = [];
  const feedErrors: FeedIssue[] = [];
  for (const raw of report.issues as RawIssue[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const issue: FeedIssue = {
      code: String(raw.code ?? ''),
      message: String(raw.message ?? ''),
      ...(typeof raw.attributeName === 'string' ? { attributeName: raw.attributeName } : {}),
    };
    const messageId = typeof raw.messageId === 'number' ? raw.messageId : Number(raw.messageId);
    if (!Number.isInteger(messageId) || messageId < 1) {
      feedIssues.push(issue);
      if (raw.severity === 'ERROR') feedErrors.push(issue);
      continue;
    }
    const target = raw.severity === 'ERROR' ? errors : raw.severity === 'WARNING' ? warnings : null;
    if (!target) continue;
    const list = target.get(messageId) ?? [];
    list.push(issue);
    target.set(messageId, list);
  }
  const outcomes = new Map<number, FeedMessageOutcome>();
  for (const [messageId, list] of errors) {
    outcomes.set(messageId, {
      status: 'rejected',
      errorCode: list[0]!.code,
      errorMessage: list.map((issue) => `[${issue.code}] ${issue.message}`).join('; '),
      warnings: warnings.get(messageId) ?? [],
    });
  }
  for (const [messageId, list] of warnings) if (!outcomes.has(messageId)) outcomes.set(messageId, { status: 'accepted', warnings: list });
  const number = (key: string) => {
    const value = Number(report.summary?.[key] ?? 0);
    return Number.isFinite(value) ? value : 0;
  };
  return {
    summary: {
      messagesProcessed: number('messagesProcessed'),
      messagesAccepted: number('messagesAccepted'),
      messagesInvalid: number('messagesInvalid'),
      errors: number('errors'),
      warnings: number('warnings'),
    },
    outcomes,
    feedIssues,
    feedErrors,
  };
}
