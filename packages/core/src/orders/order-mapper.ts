import type { AmazonAddress, AmazonFulfillmentStatus, AmazonOrder } from '../amazon-gateway';
import type { Money } from '../money';
import type { MatchCandidate, MatchResult } from '../matching';
import type { ShopAddress, ShopCustomerDraft, ShopOrderDraft, ShopOrderLineDraft, ShopProduct } from '../shop-adapter';
import { pricesIncludeTaxFor, type ResolvedOrdersOptions } from './orders-options';
import { computeOrderTotals, describeMoney, type OrderTotals } from './order-totals';
import { orderCurrency } from './validate-amazon-order';

/** Stock an order moves: matched lines of merchant-fulfilled orders, never placeholders. */
export interface OrderStockLine {
  readonly orderItemId: string;
  readonly productRef: string;
  readonly variantRef: string | null;
  /**
   * The shop SKU of the matched product when the order was imported: the SKU whose offer change the
   * importer queues after the stock step. Absent from lines stored before sellersync kept it.
   */
  readonly sku?: string;
  readonly quantity: number;
}

/** What {@link mapAmazonOrder} needs besides the order. */
export interface OrderMapperContext {
  readonly accountId: string;
  readonly options: ResolvedOrdersOptions;
  /**
   * The matcher's answer for each line of the order, in the order of {@link orderLineCandidates}
   * (the importer matches a whole page of orders in one call).
   */
  readonly matches: readonly MatchResult[];
  /** The marketplace searched, when the order does not name its own. */
  readonly marketplaceId: string;
  /**
   * The hidden placeholder product for unmatched FBA items, or `null` when the shop has none
   * (capability `placeholderProduct`); called only when an FBA line matches nothing.
   */
  readonly placeholder: (() => Promise<{ readonly productRef: string }>) | null;
  /**
   * The shop has this order already (an earlier attempt created it): the draft is returned whatever
   * `importUnmatched` and `importUnavailable` say, since skipping would leave a shop order, and the
   * stock it holds, that sellersync no longer follows. Default `false`.
   */
  readonly inShop?: boolean;
  /**
   * Whether lines are checked for inactive products and stock (`importUnavailable`). Only sound while
   * the order has moved no stock: its own reservation or sale would make its products look short.
   * Default `true`.
   */
  readonly checkAvailability?: boolean;
}

/** An order the mapper turned into a shop order draft. */
export interface MappedOrder {
  readonly outcome: 'draft';
  readonly draft: ShopOrderDraft;
  readonly fulfilledBy: 'merchant' | 'amazon';
  readonly amazonStatus: AmazonFulfillmentStatus;
  readonly stockLines: readonly OrderStockLine[];
  readonly totals: OrderTotals;
  /** Things staff should know (also in `draft.notes`): a total mismatch, unmatched lines. */
  readonly warnings: readonly string[];
}

/** An order the mapper refused by option (not an error). */
export interface SkippedOrder {
  readonly outcome: 'skip';
  /** `unmatched` (lines without a shop product, `importUnmatched` off) or `unavailable` (inactive or short of stock, `importUnavailable` off). */
  readonly reason: 'unmatched' | 'unavailable';
  readonly message: string;
}

/** What the matcher is asked for each line of an order, in line order. */
export function orderLineCandidates(order: AmazonOrder, fallbackMarketplaceId: string): MatchCandidate[] {
  const marketplaceId = order.salesChannel?.marketplaceId ?? fallbackMarketplaceId;
  const fulfillmentChannel = isFbaOrder(order) ? 'AFN' : 'MFN';
  return order.orderItems.map((item) => ({
    sellerSku: item.product.sellerSku ?? null,
    asin: item.product.asin ?? null,
    marketplaceId,
    fulfillmentChannel,
  }));
}

/** Whether Amazon fulfils the order (FBA / AFN). */
export function isFbaOrder(order: AmazonOrder): boolean {
  return order.fulfillment?.fulfilledBy === 'AMAZON';
}

/** The order's status; orders without fulfillment data are Pending (Amazon leaves it out only for those). */
export function amazonOrderStatus(order: AmazonOrder): AmazonFulfillmentStatus {
  return order.fulfillment?.fulfillmentStatus ?? 'PENDING';
}

/** A non-deliverable e-mail derived from the order id, under the reserved `.invalid` TLD (RFC 2606). */
export function fakeOrderEmail(orderId: string, domain: string): string {
  return `${orderId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}@${domain}`;
}

function splitName(full: string | undefined): { firstName: string; lastName: string } {
  const name = (full ?? '').trim().replace(/\s+/g, ' ');
  if (name === '') return { firstName: 'Amazon', lastName: 'customer' };
  const space = name.indexOf(' ');
  return space < 0 ? { firstName: name, lastName: name } : { firstName: name.slice(0, space), lastName: name.slice(space + 1) };
}

const text = (value: string | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

function toAddress(address: AmazonAddress | undefined): ShopAddress | null {
  if (!address) return null;
  const line1 = text(address.addressLine1) ?? text(address.addressLine2);
  const city = text(address.city) ?? text(address.municipality) ?? text(address.districtOrCounty);
  const countryCode = text(address.countryCode)?.toUpperCase() ?? null;
  if (!line1 || !city || !countryCode) return null;
  return {
    name: text(address.name) ?? '',
    company: text(address.companyName),
    line1,
    line2: text(address.addressLine1) ? text(address.addressLine2) : null,
    line3: text(address.addressLine3),
    city,
    region: text(address.stateOrRegion),
    postalCode: text(address.postalCode),
    countryCode,
    phone: text(address.phone),
  };
}

/**
 * Turns an Amazon order (validated by `validateAmazonOrder`) into a shop order draft with every
 * option of {@link ResolvedOrdersOptions}: statuses (FBA apart), carrier (none for FBA), payment, customer
 * (real or fake e-mail, fake tax id, matched by e-mail or guest), lines matched to shop products
 * (unmatched FBA items on the placeholder product, prefixed `{FBA}`; other unmatched lines kept
 * by name or the order skipped, unless the shop has it already), and amounts in minor units that add up to Amazon's total (a
 * mismatch is written into the notes, never rounded away). Buyer data is limited to what the
 * order needs.
 */
export async function mapAmazonOrder(order: AmazonOrder, context: OrderMapperContext): Promise<MappedOrder | SkippedOrder> {
  const { options } = context;
  const fba = isFbaOrder(order);
  const status = amazonOrderStatus(order);
  const marketplaceId = order.salesChannel?.marketplaceId ?? context.marketplaceId;
  const currency = orderCurrency(order);
  const totals = computeOrderTotals(order, currency, { pricesIncludeTax: pricesIncludeTaxFor(options, marketplaceId) });
  const notes: string[] = [];
  const warnings: string[] = [];

  const matches = context.matches;
  const checkAvailability = context.checkAvailability ?? true;
  const maySkip = context.inShop !== true;

  const unmatched: string[] = [];
  const unavailable: string[] = [];
  const lines: ShopOrderLineDraft[] = [];
  const stockLines: OrderStockLine[] = [];
  let placeholderRef: string | null = null;

  for (const [index, item] of order.orderItems.entries()) {
    const match = matches[index];
    const amounts = totals.lines[index]!;
    const title = text(item.product.title) ?? item.product.sellerSku ?? item.product.asin ?? item.orderItemId;
    const identity = [item.product.sellerSku && `SKU ${item.product.sellerSku}`, item.product.asin && `ASIN ${item.product.asin}`]
      .filter(Boolean)
      .join(', ');
    const product: ShopProduct | null = match?.ok ? match.product : null;
    let placeholder = false;
    let name = title;
    if (!product) {
      const why = match && !match.ok ? match.message : 'the matcher gave no answer';
      if (fba && context.placeholder) {
        placeholderRef ??= (await context.placeholder()).productRef;
        placeholder = true;
        name = `{FBA} ${title}`;
        notes.push(`Line ${item.orderItemId} (${identity}) matched no shop product (${why}); it is on the FBA placeholder product.`);
      } else {
        unmatched.push(`${item.orderItemId} (${identity}): ${why}`);
        notes.push(`Line ${item.orderItemId} (${identity}) matched no shop product (${why}); it is kept by name only.`);
      }
    }
    // the shop stores tax-inclusive unit prices; where Amazon's exclude tax (US sales tax) the tax is added
    const lineGross = totals.pricesIncludeTax ? amounts.items : { amount: amounts.items.amount + amounts.itemTax.amount, currency };
    let unitPrice: Money = amounts.unitPrice;
    if (amounts.quantity > 0) {
      const exact = lineGross.amount % amounts.quantity === 0;
      unitPrice = { amount: Math.floor(lineGross.amount / amounts.quantity), currency };
      if (!exact)
        notes.push(
          `Line ${item.orderItemId}: ${describeMoney(lineGross)} for ${amounts.quantity} units does not divide evenly; ` +
            `unit price shown as ${describeMoney(unitPrice)}, the order total keeps Amazon's amount.`,
        );
    }
    lines.push({
      externalLineId: item.orderItemId,
      productRef: placeholder ? placeholderRef : (product?.productRef ?? null),
      variantRef: placeholder ? null : (product?.variantRef ?? null),
      sku: product?.sku ?? item.product.sellerSku ?? null,
      asin: item.product.asin ?? null,
      name,
      quantity: amounts.quantity,
      unitPrice,
      tax: amounts.itemTax,
      discount: amounts.itemDiscount,
      placeholder,
    });
    if (!fba && product && amounts.quantity > 0) {
      stockLines.push({ orderItemId: item.orderItemId, productRef: product.productRef, variantRef: product.variantRef, sku: product.sku, quantity: amounts.quantity });
      // FBA stock is Amazon's; a merchant-fulfilled line needs an active product with the units in stock
      const short = Number.isFinite(product.quantity) && product.quantity < amounts.quantity;
      if (checkAvailability && (!product.active || short))
        unavailable.push(
          `${item.orderItemId} (${identity}): shop product ${product.sku ?? product.productRef} ` +
            (!product.active ? 'is inactive' : `has ${product.quantity} of the ${amounts.quantity} unit(s) in stock`),
        );
    }
  }

  if (unmatched.length > 0 && !options.importUnmatched && maySkip)
    return {
      outcome: 'skip',
      reason: 'unmatched',
      message: `Amazon order ${order.orderId}: ${unmatched.length} line(s) match no shop product (${unmatched.join('; ')}); not imported (importUnmatched is off).`,
    };
  if (unmatched.length > 0) warnings.push(`${unmatched.length} line(s) match no shop product: ${unmatched.join('; ')}`);
  if (unavailable.length > 0 && !options.importUnavailable && maySkip)
    return {
      outcome: 'skip',
      reason: 'unavailable',
      message: `Amazon order ${order.orderId}: ${unavailable.length} line(s) are unavailable in the shop (${unavailable.join('; ')}); not imported (importUnavailable is off).`,
    };
  if (unavailable.length > 0) {
    const message = `${unavailable.length} line(s) are unavailable in the shop: ${unavailable.join('; ')}`;
    warnings.push(message);
    notes.push(`${message}.`);
  }

  if (totals.mismatch) {
    const m = totals.mismatch;
    const message =
      `Order total mismatch: Amazon's total is ${describeMoney(m.amazonTotal)}, the lines, shipping, tax and charges ` +
      `add up to ${describeMoney(m.computedTotal)} (difference ${describeMoney(m.difference)}; ` +
      `${totals.pricesIncludeTax ? 'tax taken as included in the prices' : 'tax taken as added to the prices'}); the order keeps Amazon's total.`;
    notes.unshift(message);
    warnings.unshift(message);
  }
  if (totals.amazonTotal === null) notes.push('Amazon sent no order total yet (pending order); the total is the sum of the lines.');
  if (totals.other.amount !== 0)
    notes.push(`Other charges (gift wrap, COD fee, delivery tip, ...) of ${describeMoney(totals.other)} are part of the total.`);
  if (order.buyer?.buyerPurchaseOrderNumber) notes.push(`Buyer purchase order number: ${order.buyer.buyerPurchaseOrderNumber}.`);

  const shippingPrice = totals.pricesIncludeTax ? totals.shipping : { amount: totals.shipping.amount + totals.shippingTax.amount, currency };
  const level = order.fulfillment?.fulfillmentServiceLevel;
  // Amazon ships FBA orders: a shop carrier would invite the shop to ship (and confirm) them too
  const carrier = fba ? null : ((level !== undefined ? options.carrierMap[level] : undefined) ?? options.defaultCarrier);
  const amazonPaymentMethod = order.payment?.paymentExecutions?.find((p) => p.paymentMethod)?.paymentMethod;
  const paymentMethod = (amazonPaymentMethod !== undefined ? options.paymentMethodMap[amazonPaymentMethod] : undefined) ?? options.paymentMethod;

  const buyerEmail = text(order.buyer?.buyerEmail);
  const email = options.fakeEmail || !buyerEmail ? fakeOrderEmail(order.orderId, options.fakeEmailDomain) : buyerEmail;
  const shippingAddress = toAddress(order.recipient?.deliveryAddress);
  const customer: ShopCustomerDraft = {
    email,
    ...splitName(order.buyer?.buyerName ?? order.recipient?.deliveryAddress?.name),
    company: text(order.buyer?.buyerCompanyName) ?? shippingAddress?.company ?? null,
    taxId: options.fakeTaxId,
    matchByEmail: options.matchCustomersByEmail,
  };

  const draft: ShopOrderDraft = {
    externalId: order.orderId,
    accountId: context.accountId,
    marketplaceId,
    status: (fba ? options.fbaStatusMap : options.statusMap)[status],
    fulfilledBy: fba ? 'amazon' : 'merchant',
    purchasedAt: new Date(order.createdTime),
    currency,
    customer,
    shippingAddress,
    billingAddress: shippingAddress,
    lines,
    shipping: {
      carrier,
      price: shippingPrice,
      tax: totals.shippingTax,
      discount: totals.shippingDiscount,
    },
    payment: { method: paymentMethod, status: options.paymentStatusMap[status] },
    total: totals.total,
    taxTotal: totals.tax,
    notes,
  };
  return { outcome: 'draft', draft, fulfilledBy: draft.fulfilledBy, amazonStatus: status, stockLines, totals, warnings };
}
