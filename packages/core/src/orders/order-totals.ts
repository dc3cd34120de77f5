import type { AmazonOrder, AmazonOrderItem, AmazonProceedsBreakdown } from '../amazon-gateway';
import { formatMoney, type Money } from '../money';
import { readMoney } from './validate-amazon-order';

/** The amounts of one order item, in minor units of the order's currency. */
export interface OrderLineTotals {
  readonly orderItemId: string;
  readonly quantity: number;
  /** Amazon's unit price (`product.price.unitPrice`), or the item amount ÷ quantity when it is absent. */
  readonly unitPrice: Money;
  /** The item amount (`ITEM`: unit price × quantity). */
  readonly items: Money;
  readonly itemTax: Money;
  /** Promotion discount on the item, as a positive amount. */
  readonly itemDiscount: Money;
  readonly shipping: Money;
  readonly shippingTax: Money;
  /** Promotion discount on shipping, as a positive amount. */
  readonly shippingDiscount: Money;
  /** Gift wrap, COD fee and other charges of the item. */
  readonly other: Money;
}

/** The amounts of an order and whether they add up to Amazon's total. */
export interface OrderTotals {
  readonly currency: string;
  readonly lines: readonly OrderLineTotals[];
  readonly items: Money;
  readonly itemTax: Money;
  readonly itemDiscount: Money;
  readonly shipping: Money;
  readonly shippingTax: Money;
  readonly shippingDiscount: Money;
  /** Gift wrap, COD fees, delivery tips and other charges. */
  readonly other: Money;
  readonly tax: Money;
  readonly discount: Money;
  /**
   * Whether Amazon's item and shipping amounts include tax (VAT and GST marketplaces: the total is
   * items + shipping − discounts) or tax comes on top (US and Canadian sales tax: the total adds
   * the tax). Decided by the marketplace or the `pricesIncludeTax` option, never by the total.
   */
  readonly pricesIncludeTax: boolean;
  /** Items + shipping + other − discounts (+ tax when prices exclude it). */
  readonly computedTotal: Money;
  /** `proceeds.grandTotal`, or `null` when Amazon sent none (Pending orders). */
  readonly amazonTotal: Money | null;
  /** The order total: Amazon's when sent, else the computed one. */
  readonly total: Money;
  /** Set when the amounts do not add up to Amazon's total; never rounded away. */
  readonly mismatch: { readonly amazonTotal: Money; readonly computedTotal: Money; readonly difference: Money } | null;
}

const add = (a: Money, b: Money): Money => ({ amount: a.amount + b.amount, currency: a.currency });
const sub = (a: Money, b: Money): Money => ({ amount: a.amount - b.amount, currency: a.currency });
const abs = (a: Money): Money => ({ amount: Math.abs(a.amount), currency: a.currency });
const sum = (list: readonly Money[], currency: string): Money => list.reduce(add, { amount: 0, currency });

interface Parts {
  items: Money[];
  itemTax: Money[];
  shippingTax: Money[];
  itemDiscount: Money[];
  shippingDiscount: Money[];
  shipping: Money[];
  other: Money[];
}

const emptyParts = (): Parts => ({ items: [], itemTax: [], shippingTax: [], itemDiscount: [], shippingDiscount: [], shipping: [], other: [] });

/** Sorts Amazon's proceeds breakdowns into the parts a shop order holds. */
function collect(parts: Parts, breakdowns: readonly AmazonProceedsBreakdown[]): void {
  for (const breakdown of breakdowns) {
    const subtotal = readMoney(breakdown.subtotal);
    switch (breakdown.type) {
      case 'ITEM':
        parts.items.push(subtotal);
        break;
      case 'SHIPPING':
        parts.shipping.push(subtotal);
        break;
      case 'TAX':
      case 'DISCOUNT': {
        const tax = breakdown.type === 'TAX';
        const details = (breakdown.detailedBreakdowns ?? []).filter((d) => d.value !== undefined);
        // the detail says whether tax or discount is on the item or on shipping; without one it is the item's
        const onShipping = details.filter((d) => d.subtype === 'SHIPPING').map((d) => readMoney(d.value!));
        const shippingPart = sum(onShipping, subtotal.currency);
        const itemPart = details.length > 0 ? sub(subtotal, shippingPart) : subtotal;
        if (tax) {
          parts.itemTax.push(itemPart);
          parts.shippingTax.push(shippingPart);
        } else {
          // Amazon may write a discount as negative proceeds or as a positive amount: it always reduces the total
          parts.itemDiscount.push(abs(itemPart));
          parts.shippingDiscount.push(abs(shippingPart));
        }
        break;
      }
      default:
        // GIFT_WRAP, COD_FEE, DELIVERY_TIP, OTHER
        parts.other.push(subtotal);
    }
  }
}

function lineTotals(item: AmazonOrderItem, currency: string): OrderLineTotals {
  const parts = emptyParts();
  collect(parts, item.proceeds?.breakdowns ?? []);
  const unit = item.product.price?.unitPrice ? readMoney(item.product.price.unitPrice) : null;
  const items =
    parts.items.length > 0 ? sum(parts.items, currency) : { amount: (unit?.amount ?? 0) * item.quantityOrdered, currency };
  const unitPrice =
    unit ??
    (item.quantityOrdered > 0 && items.amount % item.quantityOrdered === 0
      ? { amount: items.amount / item.quantityOrdered, currency }
      : { amount: item.quantityOrdered > 0 ? Math.trunc(items.amount / item.quantityOrdered) : 0, currency });
  return {
    orderItemId: item.orderItemId,
    quantity: item.quantityOrdered,
    unitPrice,
    items,
    itemTax: sum(parts.itemTax, currency),
    itemDiscount: sum(parts.itemDiscount, currency),
    shipping: sum(parts.shipping, currency),
    shippingTax: sum(parts.shippingTax, currency),
    shippingDiscount: sum(parts.shippingDiscount, currency),
    other: sum(parts.other, currency),
  };
}

/**
 * Marketplaces whose prices exclude tax: sales tax is added at checkout (Amazon.com, Amazon.ca).
 * Every other marketplace shows prices with VAT or GST included.
 */
export const SALES_TAX_MARKETPLACE_IDS: readonly string[] = ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2'];

/** Whether Amazon's prices on a marketplace include tax: `false` for sales-tax marketplaces (US, CA), else `true`. */
export function marketplacePricesIncludeTax(marketplaceId: string): boolean {
  return !SALES_TAX_MARKETPLACE_IDS.includes(marketplaceId);
}

/**
 * Adds up an order (validated by `validateAmazonOrder`) in integer minor units: per item from
 * its proceeds breakdowns (or unit price × quantity), order-level charges such as delivery tips,
 * and compares the sum with Amazon's `proceeds.grandTotal`. A difference is reported in
 * `mismatch`, never rounded away.
 * @param options.pricesIncludeTax whether the amounts include tax; default by the order's
 *   marketplace ({@link marketplacePricesIncludeTax}).
 */
export function computeOrderTotals(order: AmazonOrder, currency: string, options: { readonly pricesIncludeTax?: boolean } = {}): OrderTotals {
  const lines = order.orderItems.map((item) => lineTotals(item, currency));
  const itemsHaveProceeds = order.orderItems.some((item) => (item.proceeds?.breakdowns?.length ?? 0) > 0);
  const orderParts = emptyParts();
  // order-level breakdowns aggregate the items' ones; use them only for what the items do not carry
  const orderBreakdowns = (order.proceeds?.breakdowns ?? []).filter((b) => !itemsHaveProceeds || b.type === 'DELIVERY_TIP');
  collect(orderParts, orderBreakdowns);
  const pick = (key: keyof Parts & keyof OrderLineTotals) => add(sum(lines.map((l) => l[key] as Money), currency), sum(orderParts[key], currency));
  const items = itemsHaveProceeds || orderParts.items.length === 0 ? sum(lines.map((l) => l.items), currency) : sum(orderParts.items, currency);
  const itemTax = pick('itemTax');
  const itemDiscount = pick('itemDiscount');
  const shipping = pick('shipping');
  const shippingTax = pick('shippingTax');
  const shippingDiscount = pick('shippingDiscount');
  const other = pick('other');
  const tax = add(itemTax, shippingTax);
  const discount = add(itemDiscount, shippingDiscount);
  const withoutTax = sub(add(add(items, shipping), other), discount);
  const withTax = add(withoutTax, tax);
  const amazonTotal = order.proceeds?.grandTotal ? readMoney(order.proceeds.grandTotal) : null;
  // a guess from the total would turn a one-cent difference on a VAT order into VAT added twice
  const pricesIncludeTax = options.pricesIncludeTax ?? marketplacePricesIncludeTax(order.salesChannel?.marketplaceId ?? '');
  const computedTotal = pricesIncludeTax ? withoutTax : withTax;
  const mismatch =
    amazonTotal !== null && amazonTotal.amount !== computedTotal.amount
      ? { amazonTotal, computedTotal, difference: sub(amazonTotal, computedTotal) }
      : null;
  return {
    currency,
    lines,
    items,
    itemTax,
    itemDiscount,
    shipping,
    shippingTax,
    shippingDiscount,
    other,
    tax,
    discount,
    pricesIncludeTax,
    computedTotal,
    amazonTotal,
    total: amazonTotal ?? computedTotal,
    mismatch,
  };
}

/** A money amount for notes: `19.99 EUR`. */
export function describeMoney(money: Money): string {
  return `${formatMoney(money)} ${money.currency}`;
}
