import { renderListingsItem, LISTING_INCLUDED_DATA } from '../listings/listing-item-view';
import { applySubmission, checkSubmission, PATCH_OPS, refuses, REQUIREMENTS, type ListingRulesContext, type ListingSubmission } from '../listings/listing-rules';
import { LISTINGS_ISSUE_CODES as CODES } from '../listings/listings-issue-codes';
import type { ListingIssue, ListingRequirements, PatchOperation } from '../listings/listings-store';

/** Amazon's limits of a JSON_LISTINGS_FEED document. */
export const LISTINGS_FEED_MAX_MESSAGES = 25_000;
const MAX_MESSAGE_ID = 2_147_483_647;
const OPERATION_TYPES = ['UPDATE', 'PARTIAL_UPDATE', 'PATCH', 'DELETE'] as const;

/** One entry of the processing report's `issues` (listings-feed-processing-report-schema-v2). */
export interface ListingsFeedReportIssue {
  readonly messageId?: number;
  readonly sku?: string;
  readonly code: string;
  readonly severity: 'ERROR' | 'WARNING' | 'INFO';
  readonly message: string;
  readonly attributeName?: string;
}

export interface ListingsFeedReport {
  readonly header: { readonly sellerId: string; readonly version: '2.0'; readonly feedId: string; readonly report?: unknown };
  readonly issues: readonly ListingsFeedReportIssue[];
  readonly summary: {
    readonly errors: number;
    readonly warnings: number;
    readonly messagesProcessed: number;
    readonly messagesAccepted: number;
    readonly messagesInvalid: number;
    readonly itemSummary?: { readonly items: number; readonly errors: number; readonly warnings: number };
  };
  readonly items?: readonly Record<string, unknown>[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type ParsedMessage =
  | { readonly ok: true; readonly messageId: number; readonly submission: ListingSubmission }
  | { readonly ok: false; readonly messageId?: number; readonly sku?: string; readonly problems: readonly string[] };

/** Checks one message against listings-feed-schema-v2 (mirrored in code) and builds the submission. */
export function parseListingsFeedMessage(raw: unknown): ParsedMessage {
  if (!isObject(raw)) return { ok: false, problems: ['The message is not a JSON object.'] };
  const problems: string[] = [];
  const messageId = raw.messageId;
  const validId = typeof messageId === 'number' && Number.isInteger(messageId) && messageId >= 1 && messageId <= MAX_MESSAGE_ID;
  if (!validId) problems.push(`'messageId' must be an integer from 1 to ${MAX_MESSAGE_ID}; got ${JSON.stringify(messageId)}.`);
  const sku = raw.sku;
  const validSku = typeof sku === 'string' && sku.length >= 1;
  if (!validSku) problems.push(`'sku' is required and must be a non-empty string.`);
  const operationType = raw.operationType;
  if (!OPERATION_TYPES.includes(operationType as (typeof OPERATION_TYPES)[number]))
    problems.push(`'operationType' must be one of ${OPERATION_TYPES.join(', ')}; got ${JSON.stringify(operationType)}.`);
  const forbidden = (names: readonly string[]) => {
    for (const name of names) if (raw[name] !== undefined) problems.push(`'${name}' is not allowed in a ${String(operationType)} message.`);
  };
  const needProductType = () => {
    if (raw.productType === undefined) problems.push(`'productType' is required but not supplied.`);
    else if (typeof raw.productType !== 'string' || raw.productType === '') problems.push(`'productType' must be a non-empty string.`);
  };
  const needAttributes = () => {
    if (raw.attributes === undefined) problems.push(`'attributes' is required but not supplied.`);
    else if (!isObject(raw.attributes) || Object.keys(raw.attributes).length === 0) problems.push(`'attributes' must be an object with at least one attribute.`);
  };
  switch (operationType) {
    case 'UPDATE':
      needProductType();
      needAttributes();
      forbidden(['patches']);
      if (raw.requirements !== undefined && !REQUIREMENTS.includes(raw.requirements as never))
        problems.push(`'requirements' must be one of ${REQUIREMENTS.join(', ')}; got ${JSON.stringify(raw.requirements)}.`);
      break;
    case 'PARTIAL_UPDATE':
      needProductType();
      needAttributes();
      forbidden(['requirements', 'patches']);
      break;
    case 'PATCH':
      needProductType();
      forbidden(['requirements', 'attributes']);
      if (raw.patches === undefined) problems.push(`'patches' is required but not supplied.`);
      else if (!Array.isArray(raw.patches) || raw.patches.length === 0) problems.push(`'patches' must be a non-empty array.`);
      else
        raw.patches.forEach((patch: unknown, index: number) => {
          if (!isObject(patch)) problems.push(`patches[${index}] must be an object.`);
          else {
            if (!PATCH_OPS.includes(patch.op as never)) problems.push(`patches[${index}].op must be one of ${PATCH_OPS.join(', ')}; got ${JSON.stringify(patch.op)}.`);
            if (typeof patch.path !== 'string') problems.push(`patches[${index}].path must be a string.`);
            if (patch.value !== undefined && (!Array.isArray(patch.value) || patch.value.some((entry) => !isObject(entry))))
              problems.push(`patches[${index}].value must be an array of objects.`);
          }
        });
      break;
    case 'DELETE':
      forbidden(['requirements', 'attributes', 'productType', 'patches']);
      break;
  }
  if (problems.length > 0) return { ok: false, ...(validId ? { messageId } : {}), ...(validSku ? { sku } : {}), problems };
  const base = { sku: sku as string };
  let submission: ListingSubmission;
  switch (operationType as (typeof OPERATION_TYPES)[number]) {
    case 'UPDATE':
      submission = { ...base, operationType: 'UPDATE', productType: raw.productType as string, requirements: (raw.requirements as ListingRequirements | undefined) ?? 'LISTING', attributes: raw.attributes as never };
      break;
    case 'PARTIAL_UPDATE':
      submission = { ...base, operationType: 'PARTIAL_UPDATE', productType: raw.productType as string, attributes: raw.attributes as never };
      break;
    case 'PATCH':
      submission = { ...base, operationType: 'PATCH', productType: raw.productType as string, patches: raw.patches as PatchOperation[] };
      break;
    case 'DELETE':
      submission = { ...base, operationType: 'DELETE' };
      break;
  }
  return { ok: true, messageId: messageId as number, submission };
}

function toReportIssue(messageId: number | undefined, sku: string | undefined, issue: ListingIssue): ListingsFeedReportIssue {
  return {
    ...(messageId !== undefined ? { messageId } : {}),
    ...(sku !== undefined && sku !== '' ? { sku } : {}),
    code: issue.code,
    severity: issue.severity,
    message: issue.message,
    ...(issue.attributeNames?.[0] !== undefined ? { attributeName: issue.attributeNames[0] } : {}),
  };
}

function feedLevelReport(sellerId: string, feedId: string, message: string): ListingsFeedReport {
  return {
    header: { sellerId, version: '2.0', feedId },
    issues: [{ code: CODES.FEED_CANNOT_BE_PARSED, severity: 'ERROR', message }],
    summary: { errors: 1, warnings: 0, messagesProcessed: 0, messagesAccepted: 0, messagesInvalid: 0 },
  };
}

/**
 * Processes a JSON_LISTINGS_FEED document: a document that is not JSON or whose envelope is not
 * the v2 schema ends DONE with one feed-level issue (code 4002001) and nothing processed, as
 * Amazon reports it; otherwise every message is checked on its own, invalid ones are reported
 * with their messageId and SKU, and accepted ones are applied in order.
 */
export function processListingsFeed(
  context: ListingRulesContext & { readonly sellerId: string },
  feed: { readonly feedId: string; readonly marketplaceIds: readonly string[] },
  content: Buffer,
): ListingsFeedReport {
  let document: unknown;
  try {
    document = JSON.parse(content.toString('utf8'));
  } catch {
    return feedLevelReport(context.sellerId, feed.feedId, "Item 'Feed' cannot be parsed: the document is not valid JSON.");
  }
  if (!isObject(document)) return feedLevelReport(context.sellerId, feed.feedId, "Item 'Feed' cannot be parsed: the document must be a JSON object with 'header' and 'messages'.");
  const header = document.header;
  if (!isObject(header)) return feedLevelReport(context.sellerId, feed.feedId, "Item 'Feed' cannot be parsed: 'header' is required but not supplied.");
  if (header.sellerId !== context.sellerId)
    return feedLevelReport(context.sellerId, feed.feedId, `The sellerId ${JSON.stringify(header.sellerId)} in the feed header does not match the seller that submitted the feed (${context.sellerId}).`);
  if (header.version !== '2.0') return feedLevelReport(context.sellerId, feed.feedId, `The feed header version must be "2.0"; got ${JSON.stringify(header.version)}.`);
  const report = header.report;
  let included: Set<string> | undefined;
  if (report !== undefined) {
    const includedData = isObject(report) ? report.includedData : undefined;
    if (!isObject(report) || report.apiVersion !== '2021-08-01' || !Array.isArray(includedData) || includedData.length === 0 || includedData.some((value) => !LISTING_INCLUDED_DATA.includes(value as never)))
      return feedLevelReport(context.sellerId, feed.feedId, `The feed header's 'report' must have apiVersion "2021-08-01" and includedData from ${LISTING_INCLUDED_DATA.join(', ')}.`);
    included = new Set(includedData as string[]);
  }
  const messages = document.messages;
  if (!Array.isArray(messages) || messages.length === 0) return feedLevelReport(context.sellerId, feed.feedId, "Item 'Feed' cannot be parsed: 'messages' must be a non-empty array.");
  if (messages.length > LISTINGS_FEED_MAX_MESSAGES)
    return feedLevelReport(context.sellerId, feed.feedId, `The feed has ${messages.length} messages; the maximum is ${LISTINGS_FEED_MAX_MESSAGES}.`);

  const issues: ListingsFeedReportIssue[] = [];
  const seenIds = new Set<number>();
  const touched = new Map<string, true>();
  let accepted = 0;
  let invalid = 0;
  for (const raw of messages) {
    const parsed = parseListingsFeedMessage(raw);
    if (!parsed.ok) {
      invalid += 1;
      for (const problem of parsed.problems) issues.push({ ...(parsed.messageId !== undefined ? { messageId: parsed.messageId } : {}), ...(parsed.sku !== undefined ? { sku: parsed.sku } : {}), code: CODES.MESSAGE_SCHEMA, severity: 'ERROR', message: problem });
      continue;
    }
    const { messageId, submission } = parsed;
    if (seenIds.has(messageId)) {
      invalid += 1;
      issues.push({ messageId, sku: submission.sku, code: CODES.DUPLICATE_MESSAGE_ID, severity: 'ERROR', message: `The messageId ${messageId} is used by an earlier message of this feed; messageIds must be unique.` });
      continue;
    }
    seenIds.add(messageId);
    const found = new Map<string, ListingIssue>();
    for (const marketplaceId of feed.marketplaceIds)
      for (const issue of checkSubmission(context, submission, marketplaceId)) found.set(`${issue.code}|${issue.message}`, issue);
    for (const issue of found.values()) issues.push(toReportIssue(messageId, submission.sku, issue));
    if (refuses(found.values())) {
      invalid += 1;
      continue;
    }
    for (const marketplaceId of feed.marketplaceIds) applySubmission(context, submission, marketplaceId);
    if (submission.operationType !== 'DELETE') touched.set(submission.sku, true);
    accepted += 1;
  }
  const errors = issues.filter((issue) => issue.severity === 'ERROR').length;
  const warnings = issues.filter((issue) => issue.severity === 'WARNING').length;
  const result: ListingsFeedReport = {
    header: { sellerId: context.sellerId, version: '2.0', feedId: feed.feedId, ...(included ? { report: structuredClone(report) } : {}) },
    issues,
    summary: {
      errors,
      warnings,
      messagesProcessed: messages.length,
      messagesAccepted: accepted,
      messagesInvalid: invalid,
      ...(included ? { itemSummary: { items: 0, errors: 0, warnings: 0 } } : {}),
    },
  };
  if (!included) return result;
  const items = [...touched.keys()].flatMap((sku) => {
    const records = feed.marketplaceIds.map((marketplaceId) => context.listings.get(sku, marketplaceId)).filter((record) => record !== undefined);
    return records.length === 0 ? [] : [renderListingsItem(sku, records, included)];
  });
  const itemIssues = items.flatMap((item) => (Array.isArray(item.issues) ? (item.issues as { severity: string }[]) : []));
  return {
    ...result,
    summary: {
      ...result.summary,
      itemSummary: { items: items.length, errors: itemIssues.filter((issue) => issue.severity === 'ERROR').length, warnings: itemIssues.filter((issue) => issue.severity === 'WARNING').length },
    },
    items,
  };
}
