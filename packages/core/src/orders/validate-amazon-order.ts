import type { AmazonMoney, AmazonOrder } from '../amazon-gateway';
import { SellerSyncError, describeValue } from '../errors';
import { isCurrencyCode, parseMoney, type Money } from '../money';

/** Amazon order ids: three groups of 3, 7 and 7 word characters (`303-1234567-1234567`). */
export const AMAZON_ORDER_ID_PATTERN = /^\w{3}-\w{7}-\w{7}$/;

function problem(orderId: string, field: string, rule: string, value?: unknown): SellerSyncError {
  const shown = value === undefined ? '' : ` (got ${describeValue(value)})`;
  return new SellerSyncError({
    code: 'INVALID_ORDER',
    message: `Amazon order ${orderId}: ${field} ${rule}${shown}; the order is not imported until Amazon sends it corrected.`,
    details: { item: orderId, field, rule, ...(value === undefined ? {} : { value }) },
  });
}

function isInstant(text: unknown): text is string {
  return typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text));
}

/** Every money field of an order with its path, for currency and amount checks. */
function moneyFields(order: AmazonOrder): [string, AmazonMoney][] {
  const out: [string, AmazonMoney][] = [];
  const add = (path: string, money: AmazonMoney | undefined) => {
    if (money !== undefined) out.push([path, money]);
  };
  add('proceeds.grandTotal', order.proceeds?.grandTotal);
  order.proceeds?.breakdowns?.forEach((b, i) => add(`proceeds.breakdowns[${i}].subtotal`, b.subtotal));
  order.orderItems.forEach((item, i) => {
    add(`orderItems[${i}].product.price.unitPrice`, item.product?.price?.unitPrice);
    add(`orderItems[${i}].proceeds.proceedsTotal`, item.proceeds?.proceedsTotal);
    item.proceeds?.breakdowns?.forEach((b, j) => {
      add(`orderItems[${i}].proceeds.breakdowns[${j}].subtotal`, b.subtotal);
      b.detailedBreakdowns?.forEach((d, k) => add(`orderItems[${i}].proceeds.breakdowns[${j}].detailedBreakdowns[${k}].value`, d.value));
    });
  });
  return out;
}

/**
 * Checks that an Amazon order can be imported: ids, times, at least one item, whole non-negative
 * quantities, one known ISO 4217 currency and decimal amounts throughout. Returns the first
 * problem as a `SellerSyncError` (`INVALID_ORDER`, naming the order, the field and the rule), or
 * `null` when the order is sound.
 */
export function validateAmazonOrder(order: unknown): SellerSyncError | null {
  if (typeof order !== 'object' || order === null) return problem('(unknown)', 'order', 'must be an object', order);
  const o = order as Partial<AmazonOrder>;
  if (typeof o.orderId !== 'string' || o.orderId.trim() === '') return problem('(no id)', 'orderId', 'is missing', o.orderId);
  const id = o.orderId;
  if (!AMAZON_ORDER_ID_PATTERN.test(id)) return problem(id, 'orderId', 'must look like 123-1234567-1234567', id);
  if (!isInstant(o.lastUpdatedTime)) return problem(id, 'lastUpdatedTime', 'must be an ISO 8601 instant', o.lastUpdatedTime);
  if (!isInstant(o.createdTime)) return problem(id, 'createdTime', 'must be an ISO 8601 instant', o.createdTime);
  if (!Array.isArray(o.orderItems) || o.orderItems.length === 0) return problem(id, 'orderItems', 'must hold at least one item');
  const itemIds = new Set<string>();
  for (const [index, item] of o.orderItems.entries()) {
    const field = `orderItems[${index}]`;
    if (typeof item !== 'object' || item === null) return problem(id, field, 'must be an object', item);
    if (typeof item.orderItemId !== 'string' || item.orderItemId.trim() === '')
      return problem(id, `${field}.orderItemId`, 'is missing', item.orderItemId);
    if (itemIds.has(item.orderItemId)) return problem(id, `${field}.orderItemId`, 'must be unique within the order', item.orderItemId);
    itemIds.add(item.orderItemId);
    if (typeof item.quantityOrdered !== 'number' || !Number.isInteger(item.quantityOrdered) || item.quantityOrdered < 0)
      return problem(id, `${field}.quantityOrdered`, 'must be a whole number ≥ 0', item.quantityOrdered);
    if (typeof item.product !== 'object' || item.product === null) return problem(id, `${field}.product`, 'is missing');
    if (!item.product.asin && !item.product.sellerSku) return problem(id, `${field}.product`, 'must name an ASIN or a seller SKU');
  }
  const fields = moneyFields(o as AmazonOrder);
  let currency: string | undefined;
  for (const [path, money] of fields) {
    if (typeof money !== 'object' || money === null) return problem(id, path, 'must be a Money object', money);
    if (!isCurrencyCode(money.currencyCode)) return problem(id, `${path}.currencyCode`, 'must be a known ISO 4217 currency code', money.currencyCode);
    currency ??= money.currencyCode;
    if (money.currencyCode !== currency)
      return problem(id, `${path}.currencyCode`, `must be the order's currency ${currency}`, money.currencyCode);
    if (parseMoney(money.amount, money.currencyCode) === null)
      return problem(id, `${path}.amount`, `must be a decimal amount with at most the decimals of ${money.currencyCode}`, money.amount);
  }
  if (currency === undefined) return problem(id, 'proceeds / product.price', 'must give at least one amount (no prices in the order)');
  return null;
}

/** The currency of an order that passed {@link validateAmazonOrder}. */
export function orderCurrency(order: AmazonOrder): string {
  return moneyFields(order)[0]?.[1].currencyCode ?? '';
}

/** Reads Amazon money that passed validation; amounts are exact minor units. */
export function readMoney(money: AmazonMoney): Money {
  const parsed = parseMoney(money.amount, money.currencyCode);
  if (parsed === null) throw new Error(`unvalidated amount ${money.amount} ${money.currencyCode}`);
  return parsed;
}
