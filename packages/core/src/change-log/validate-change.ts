import { SellerSyncError, describeValue } from '../errors';
import { MARKETPLACE_ID_PATTERN } from '../marketplaces';
import { ALL_MARKETPLACES, CHANGE_KINDS, DEFAULT_ACCOUNT_ID, type ChangeInput, type ChangeKind } from './change';

/** A validated change, ready to store. */
export interface NormalizedChange {
  readonly accountId: string;
  readonly marketplaceId: string;
  readonly sku: string;
  readonly kind: ChangeKind;
  readonly productRef: string | null;
}

const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ACCOUNT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const EDGE_WHITE_SPACE = /^\s|\s$/u;

/** Amazon's limit on seller SKUs, in characters. */
export const MAX_SKU_LENGTH = 40;

/**
 * Checks a seller SKU; returns the broken rule, or `null` when it is valid. White space at either
 * end is refused: Amazon trims it, so `"MUG "` would reach Amazon as `"MUG"`, another SKU's listing.
 */
export function skuProblem(sku: unknown): string | null {
  if (typeof sku !== 'string') return 'must be a string';
  const length = [...sku].length;
  if (length < 1 || length > MAX_SKU_LENGTH) return `must be 1 to ${MAX_SKU_LENGTH} characters (has ${length})`;
  if (CONTROL.test(sku)) return 'must not contain control characters';
  if (EDGE_WHITE_SPACE.test(sku)) return 'must not begin or end with white space';
  if (LONE_SURROGATE.test(sku)) return 'must be valid Unicode text';
  return null;
}

function invalid(index: number, change: unknown, field: string, rule: string, value: unknown): SellerSyncError {
  const sku = typeof (change as { sku?: unknown } | null)?.sku === 'string' ? (change as { sku: string }).sku : undefined;
  const item = sku === undefined ? `change #${index}` : `SKU ${describeValue(sku)}`;
  return new SellerSyncError({
    code: 'INVALID_CHANGE',
    message: `Change not queued: ${item}: ${field} ${rule}; got ${describeValue(value)}. Fix the value in the save hook.`,
    details: { item: sku ?? `#${index}`, index, field, rule, value },
  });
}

/**
 * Validates one change and fills its defaults.
 * @throws SellerSyncError `INVALID_CHANGE` naming the SKU, the field and the rule.
 */
export function normalizeChange(change: ChangeInput, index = 0): NormalizedChange {
  if (typeof change !== 'object' || change === null) throw invalid(index, change, 'change', 'must be an object', change);
  const problem = skuProblem(change.sku);
  if (problem) throw invalid(index, change, 'sku', problem, change.sku);
  const kind = change.kind ?? 'offer';
  if (!CHANGE_KINDS.includes(kind)) throw invalid(index, change, 'kind', `must be one of ${CHANGE_KINDS.join(', ')}`, kind);
  const marketplaceId = change.marketplaceId ?? ALL_MARKETPLACES;
  if (marketplaceId !== ALL_MARKETPLACES && (typeof marketplaceId !== 'string' || !MARKETPLACE_ID_PATTERN.test(marketplaceId)))
    throw invalid(index, change, 'marketplaceId', 'must be an Amazon marketplace id such as A1PA6795UKMFR9', marketplaceId);
  const accountId = change.accountId ?? DEFAULT_ACCOUNT_ID;
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId))
    throw invalid(index, change, 'accountId', 'must be 1 to 64 letters, digits, ".", "_" or "-"', accountId);
  const productRef = change.productRef ?? null;
  if (productRef !== null) {
    if (typeof productRef !== 'string' || productRef.length === 0 || productRef.length > 191 || CONTROL.test(productRef) || LONE_SURROGATE.test(productRef))
      throw invalid(index, change, 'productRef', 'must be 1 to 191 characters of valid Unicode text without control characters', productRef);
  }
  return { accountId, marketplaceId, sku: change.sku, kind, productRef };
}
