import { isoTime, parseIsoDateTime, type Clock } from '../support/clock';
import type { IdSource } from '../support/ids';
import { findMarketplace } from '../support/marketplaces';
import { formatMinor, parseDecimalMinor } from '../support/money';
import type { CatalogStore } from '../catalog/catalog-store';
import type { ListingsStore } from '../listings/listings-store';

/** Orders 2026-01-01 `FulfillmentStatus`. */
export type OrderFulfillmentStatus = 'PENDING_AVAILABILITY' | 'PENDING' | 'UNSHIPPED' | 'PARTIALLY_SHIPPED' | 'SHIPPED' | 'CANCELLED' | 'UNFULFILLABLE';
export const ORDER_FULFILLMENT_STATUSES: readonly OrderFulfillmentStatus[] = ['PENDING_AVAILABILITY', 'PENDING', 'UNSHIPPED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'CANCELLED', 'UNFULFILLABLE'];

/** A postal address as Orders 2026-01-01 `CustomerAddress` has it. */
export interface SeedAddress {
  readonly name?: string;
  readonly companyName?: string;
  readonly addressLine1?: string;
  readonly addressLine2?: string;
  readonly addressLine3?: string;
  readonly city?: string;
  readonly districtOrCounty?: string;
  readonly stateOrRegion?: string;
  readonly municipality?: string;
  readonly postalCode?: string;
  readonly countryCode?: string;
  readonly phone?: string;
  readonly addressType?: 'RESIDENTIAL' | 'COMMERCIAL';
}

/** One line of a seeded order. Amounts are decimal strings in the order's currency. */
export interface SeedOrderItemInput {
  /** 14 digits; generated when absent. */
  readonly orderItemId?: string;
  /** Default: the ASIN of the seller's listing of `sellerSku` in the marketplace, else B0SIM00001. */
  readonly asin?: string;
  readonly sellerSku: string;
  /** Default: the listing's or catalog item's title. */
  readonly title?: string;
  readonly quantity: number;
  /** The price of one unit ("19.99"): with VAT where prices include tax, before sales tax where it is added. */
  readonly unitPrice: string;
  /** Tax of the whole line (inside the price, or on top: see `pricesIncludeTax`). Default "0". */
  readonly itemTax?: string;
  /** Shipping charged for the line. Default "0". */
  readonly shipping?: string;
  readonly shippingTax?: string;
  /** Promotion discount of the line, as a positive amount. Default "0". */
  readonly promotionDiscount?: string;
  readonly promotionIds?: readonly string[];
  /** Default "NEW". */
  readonly conditionType?: string;
}

/** Input of `sim.seed.order`: a full Orders 2026-01-01 order is built from it. */
export interface SeedOrderInput {
  /** 3-7-7 digits; generated when absent. */
  readonly orderId?: string;
  /** Default A1PA6795UKMFR9 (Amazon.de). */
  readonly marketplaceId?: string;
  /** MERCHANT (MFN, default) or AMAZON (FBA). */
  readonly fulfilledBy?: 'MERCHANT' | 'AMAZON';
  /** Default UNSHIPPED. SHIPPED marks every unit shipped (without packages). */
  readonly status?: OrderFulfillmentStatus;
  /** ISO 8601 or Date; default now. The order's lastUpdatedTime starts equal to it. */
  readonly createdTime?: string | Date;
  /** Default the marketplace's currency. */
  readonly currency?: string;
  readonly items: readonly SeedOrderItemInput[];
  readonly buyer?: { readonly buyerName?: string; readonly buyerEmail?: string; readonly buyerCompanyName?: string; readonly buyerPurchaseOrderNumber?: string };
  readonly deliveryAddress?: SeedAddress;
  /** STANDARD (default), EXPEDITED, NEXT_DAY, SECOND_DAY, PRIORITY, SAME_DAY, SCHEDULED, FREE_ECONOMY. */
  readonly fulfillmentServiceLevel?: string;
  /** e.g. PRIME, AMAZON_BUSINESS. */
  readonly programs?: readonly string[];
  /**
   * The payment method of the order's payment execution (`PaymentExecution.paymentMethod`:
   * `CreditCard`, `CashOnDelivery`, `ConvenienceStore`, `Invoice`, `Pix`, ...), returned with
   * includedData PAYMENT. Default `CreditCard`; `null` leaves the payment block out.
   */
  readonly paymentMethod?: string | null;
  /**
   * Whether item and shipping prices include the tax (VAT/GST: the order total adds no tax) or the
   * tax comes on top (sales tax). Default: `false` on Amazon.com and Amazon.ca, `true` elsewhere.
   */
  readonly pricesIncludeTax?: boolean;
}

export interface OrderItemRecord {
  readonly orderItemId: string;
  readonly asin: string;
  readonly sellerSku: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly itemTax: number;
  readonly shipping: number;
  readonly shippingTax: number;
  readonly promotionDiscount: number;
  readonly promotionIds: readonly string[];
  readonly conditionType: string;
  quantityShipped: number;
  merchantOrderItemId?: string;
}

export interface PackageRecord {
  readonly packageReferenceId: string;
  carrierCode: string;
  carrierName?: string;
  shippingMethod?: string;
  trackingNumber: string;
  shipTime: number;
  readonly createdTime: number;
  items: { orderItemId: string; quantity: number }[];
}

export interface OrderRecord {
  readonly orderId: string;
  readonly marketplaceId: string;
  readonly currency: string;
  readonly fulfilledBy: 'MERCHANT' | 'AMAZON';
  status: OrderFulfillmentStatus;
  readonly createdTime: number;
  lastUpdatedTime: number;
  readonly fulfillmentServiceLevel: string;
  readonly programs: readonly string[];
  readonly buyer: NonNullable<SeedOrderInput['buyer']>;
  readonly deliveryAddress: SeedAddress;
  readonly items: OrderItemRecord[];
  readonly packages: PackageRecord[];
  readonly paymentMethod: string | null;
  readonly pricesIncludeTax: boolean;
  merchantOrderId?: string;
  cancelReason?: string;
}

/** The includedData blocks of searchOrders/getOrder. */
export const ORDER_INCLUDED_DATA = ['BUYER', 'RECIPIENT', 'PROCEEDS', 'EXPENSE', 'PROMOTION', 'CANCELLATION', 'FULFILLMENT', 'PACKAGES', 'TAX', 'PAYMENT', 'FULFILLMENT_ORDERS'] as const;
export type OrderIncludedData = (typeof ORDER_INCLUDED_DATA)[number];

/** Amazon's money: a decimal string and an ISO 4217 code. */
export interface SimulatedMoney {
  readonly amount: string;
  readonly currencyCode: string;
}

/** An order item in the Orders 2026-01-01 `OrderItem` shape. */
export interface SimulatedOrderItem {
  readonly orderItemId: string;
  readonly quantityOrdered: number;
  readonly product: {
    readonly asin: string;
    readonly title: string;
    readonly sellerSku: string;
    readonly condition: { readonly conditionType: string };
    readonly price: { readonly unitPrice: SimulatedMoney };
  };
  readonly proceeds?: {
    readonly proceedsTotal: SimulatedMoney;
    readonly breakdowns: readonly { readonly type: string; readonly subtotal: SimulatedMoney; readonly detailedBreakdowns?: readonly { readonly subtype: string; readonly value: SimulatedMoney }[] }[];
  };
  readonly promotion?: { readonly breakdowns: readonly { readonly promotionId: string }[] };
  readonly cancellation?: { readonly cancellationExecution: { readonly cancelledBy: string; readonly cancelReason: string } };
  readonly fulfillment?: { readonly quantityFulfilled: number; readonly quantityUnfulfilled: number };
}

/** A package of a merchant-fulfilled order (Orders 2026-01-01 `OrderPackage`). */
export interface SimulatedOrderPackage {
  readonly packageReferenceId: string;
  readonly createdTime: string;
  readonly packageStatus: { readonly status: string };
  readonly carrier: string;
  readonly shipTime: string;
  readonly shippingService?: string;
  readonly trackingNumber: string;
  readonly packageItems: readonly { readonly orderItemId: string; readonly quantity: number }[];
}

/**
 * A simulated order in the Orders 2026-01-01 `Order` shape. `sim.state` shows every block; the
 * API answers carry only those requested with includedData.
 */
export interface SimulatedOrder {
  readonly orderId: string;
  readonly orderAliases?: readonly { readonly aliasId: string; readonly aliasType: string }[];
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  readonly programs?: readonly string[];
  readonly salesChannel: { readonly channelName: string; readonly marketplaceId: string; readonly marketplaceName?: string };
  readonly buyer?: { readonly buyerName?: string; readonly buyerEmail?: string; readonly buyerCompanyName?: string; readonly buyerPurchaseOrderNumber?: string };
  readonly recipient?: { readonly deliveryAddress: SeedAddress };
  readonly proceeds?: { readonly grandTotal: SimulatedMoney; readonly breakdowns: readonly { readonly type: string; readonly subtotal: SimulatedMoney }[] };
  readonly payment?: { readonly paymentExecutions: readonly { readonly paymentMethod: string; readonly paymentAmount: SimulatedMoney }[] };
  readonly fulfillment?: {
    readonly fulfillmentStatus: OrderFulfillmentStatus;
    readonly fulfilledBy: 'MERCHANT' | 'AMAZON';
    readonly fulfillmentServiceLevel: string;
    readonly shipByWindow: { readonly earliestDateTime: string; readonly latestDateTime: string };
    readonly deliverByWindow: { readonly earliestDateTime: string; readonly latestDateTime: string };
  };
  readonly orderItems: readonly SimulatedOrderItem[];
  readonly packages?: readonly SimulatedOrderPackage[];
}

const TRANSITIONS: Readonly<Record<OrderFulfillmentStatus, readonly OrderFulfillmentStatus[]>> = {
  PENDING_AVAILABILITY: ['PENDING', 'CANCELLED'],
  PENDING: ['UNSHIPPED', 'SHIPPED', 'CANCELLED', 'UNFULFILLABLE'],
  UNSHIPPED: ['SHIPPED', 'CANCELLED'],
  PARTIALLY_SHIPPED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: [],
  CANCELLED: [],
  UNFULFILLABLE: [],
};

const ORDER_ID_PATTERN = /^\d{3}-\d{7}-\d{7}$/;

/** Marketplaces where sales tax is added to the prices (Amazon.com, Amazon.ca); the others include VAT or GST. */
const SALES_TAX_MARKETPLACES: readonly string[] = ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2'];

export interface OrdersStore {
  add(input: SeedOrderInput): OrderRecord;
  get(orderId: string): OrderRecord | undefined;
  findByMerchantOrderId(merchantOrderId: string): OrderRecord | undefined;
  all(): OrderRecord[];
  setStatus(orderId: string, status: OrderFulfillmentStatus, cancelReason?: string): OrderRecord;
  /** Marks the order changed now (strictly later than any earlier change). */
  touch(order: OrderRecord): void;
  /** Recomputes shipped quantities from the packages and moves the status to PARTIALLY_SHIPPED/SHIPPED. */
  recomputeShipping(order: OrderRecord): void;
  readonly size: number;
}

function money(amount: number, currency: string) {
  return { amount: formatMinor(amount, currency), currencyCode: currency };
}

function requireDecimal(value: string | undefined, currency: string, field: string, orderLabel: string): number {
  if (value === undefined) return 0;
  const units = typeof value === 'string' ? parseDecimalMinor(value, currency) : undefined;
  if (units === undefined || units < 0)
    throw new TypeError(`seed.order ${orderLabel}: ${field} must be a non-negative decimal string in ${currency} (e.g. "19.99"); got ${JSON.stringify(value)}.`);
  return units;
}

export function createOrdersStore(context: { readonly clock: Clock; readonly ids: IdSource; readonly catalog: CatalogStore; readonly listings: ListingsStore }): OrdersStore {
  const { clock, ids } = context;
  const orders = new Map<string, OrderRecord>();

  const recomputeShipping = (order: OrderRecord) => {
    for (const item of order.items)
      item.quantityShipped = order.packages.reduce((sum, pkg) => sum + pkg.items.filter((entry) => entry.orderItemId === item.orderItemId).reduce((s, entry) => s + entry.quantity, 0), 0);
    const shipped = order.items.reduce((sum, item) => sum + item.quantityShipped, 0);
    const ordered = order.items.reduce((sum, item) => sum + item.quantity, 0);
    if (shipped >= ordered) order.status = 'SHIPPED';
    else if (shipped > 0) order.status = 'PARTIALLY_SHIPPED';
  };

  const store: OrdersStore = {
    add(input) {
      const marketplaceId = input.marketplaceId ?? 'A1PA6795UKMFR9';
      const marketplace = findMarketplace(marketplaceId);
      if (!marketplace) throw new TypeError(`seed.order: unknown marketplaceId ${JSON.stringify(marketplaceId)}.`);
      const orderId = input.orderId ?? ids.orderId(marketplace.region);
      if (!ORDER_ID_PATTERN.test(orderId)) throw new TypeError(`seed.order: orderId must look like 302-1234567-1234567; got ${JSON.stringify(orderId)}.`);
      if (orders.has(orderId)) throw new TypeError(`seed.order: order ${orderId} exists already.`);
      const currency = input.currency ?? marketplace.currency;
      if (!Array.isArray(input.items) || input.items.length === 0) throw new TypeError(`seed.order ${orderId}: items must list at least one item.`);
      const status = input.status ?? 'UNSHIPPED';
      if (!ORDER_FULFILLMENT_STATUSES.includes(status)) throw new TypeError(`seed.order ${orderId}: unknown status ${JSON.stringify(status)}.`);
      const fulfilledBy = input.fulfilledBy ?? 'MERCHANT';
      let createdTime: number;
      if (input.createdTime === undefined) createdTime = clock.updateTime();
      else {
        const parsed = input.createdTime instanceof Date ? input.createdTime.getTime() : parseIsoDateTime(input.createdTime);
        if (parsed === undefined || Number.isNaN(parsed)) throw new TypeError(`seed.order ${orderId}: createdTime must be an ISO 8601 date-time or a Date.`);
        createdTime = parsed;
      }
      const items: OrderItemRecord[] = input.items.map((item, index) => {
        const label = `${orderId} item ${index + 1}`;
        if (typeof item.sellerSku !== 'string' || item.sellerSku === '') throw new TypeError(`seed.order ${label}: sellerSku is required.`);
        if (!Number.isInteger(item.quantity) || item.quantity < 1) throw new TypeError(`seed.order ${label}: quantity must be a whole number ≥ 1.`);
        const unitPrice = requireDecimal(item.unitPrice, currency, 'unitPrice', label);
        if (item.unitPrice === undefined) throw new TypeError(`seed.order ${label}: unitPrice is required.`);
        const listing = context.listings.get(item.sellerSku, marketplaceId);
        const asin = item.asin ?? listing?.asin ?? 'B0SIM00001';
        const listingTitle = listing?.attributes.item_name?.[0]?.value;
        const title = item.title ?? (typeof listingTitle === 'string' ? listingTitle : undefined) ?? context.catalog.get(asin)?.title ?? item.sellerSku;
        return {
          orderItemId: item.orderItemId ?? ids.orderItemId(),
          asin,
          sellerSku: item.sellerSku,
          title,
          quantity: item.quantity,
          unitPrice,
          itemTax: requireDecimal(item.itemTax, currency, 'itemTax', label),
          shipping: requireDecimal(item.shipping, currency, 'shipping', label),
          shippingTax: requireDecimal(item.shippingTax, currency, 'shippingTax', label),
          promotionDiscount: requireDecimal(item.promotionDiscount, currency, 'promotionDiscount', label),
          promotionIds: [...(item.promotionIds ?? [])],
          conditionType: item.conditionType ?? 'NEW',
          quantityShipped: 0,
        };
      });
      const order: OrderRecord = {
        orderId,
        marketplaceId,
        currency,
        fulfilledBy,
        status,
        createdTime,
        lastUpdatedTime: createdTime,
        fulfillmentServiceLevel: input.fulfillmentServiceLevel ?? 'STANDARD',
        programs: [...(input.programs ?? [])],
        buyer: input.buyer ?? { buyerName: 'Erika Mustermann', buyerEmail: `${orderId.replace(/-/g, '')}@marketplace.amazon.de` },
        deliveryAddress: input.deliveryAddress ?? {
          name: 'Erika Mustermann',
          addressLine1: 'Heidestraße 17',
          city: 'Köln',
          postalCode: '51147',
          countryCode: marketplace.countryCode,
          addressType: 'RESIDENTIAL',
        },
        items,
        packages: [],
        paymentMethod: input.paymentMethod === undefined ? 'CreditCard' : input.paymentMethod,
        pricesIncludeTax: input.pricesIncludeTax ?? !SALES_TAX_MARKETPLACES.includes(marketplaceId),
      };
      if (input.pricesIncludeTax !== undefined && typeof input.pricesIncludeTax !== 'boolean')
        throw new TypeError(`seed.order ${orderId}: pricesIncludeTax must be true or false; got ${JSON.stringify(input.pricesIncludeTax)}.`);
      if (input.paymentMethod !== undefined && input.paymentMethod !== null && (typeof input.paymentMethod !== 'string' || input.paymentMethod === ''))
        throw new TypeError(`seed.order ${orderId}: paymentMethod must be a non-empty string or null; got ${JSON.stringify(input.paymentMethod)}.`);
      if (status === 'SHIPPED') for (const item of items) item.quantityShipped = item.quantity;
      orders.set(orderId, order);
      return order;
    },
    get: (orderId) => orders.get(orderId),
    findByMerchantOrderId(merchantOrderId) {
      for (const order of orders.values()) if (order.merchantOrderId === merchantOrderId) return order;
      return undefined;
    },
    all: () => [...orders.values()],
    setStatus(orderId, status, cancelReason) {
      const order = orders.get(orderId);
      if (!order) throw new TypeError(`seed.setOrderStatus: order ${orderId} does not exist.`);
      if (order.status === status) return order;
      if (!TRANSITIONS[order.status].includes(status))
        throw new TypeError(`seed.setOrderStatus: order ${orderId} cannot go from ${order.status} to ${status} (allowed: ${TRANSITIONS[order.status].join(', ') || 'none'}).`);
      order.status = status;
      if (status === 'SHIPPED') for (const item of order.items) item.quantityShipped = item.quantity;
      if (status === 'CANCELLED') order.cancelReason = cancelReason ?? 'BuyerCanceled';
      store.touch(order);
      return order;
    },
    touch(order) {
      order.lastUpdatedTime = Math.max(clock.updateTime(), order.lastUpdatedTime + 1);
    },
    recomputeShipping,
    get size() {
      return orders.size;
    },
  };
  return store;
}

/** Renders an order in the Orders 2026-01-01 shape with the requested includedData blocks. */
export function renderOrder(order: OrderRecord, included: ReadonlySet<string>): SimulatedOrder {
  const { currency } = order;
  const marketplace = findMarketplace(order.marketplaceId);
  const itemProceeds = (item: OrderItemRecord) => {
    const itemTotal = item.unitPrice * item.quantity;
    const tax = item.itemTax + item.shippingTax;
    const breakdowns: Record<string, unknown>[] = [{ type: 'ITEM', subtotal: money(itemTotal, currency) }];
    if (item.shipping > 0) breakdowns.push({ type: 'SHIPPING', subtotal: money(item.shipping, currency) });
    if (tax > 0)
      breakdowns.push({
        type: 'TAX',
        subtotal: money(tax, currency),
        detailedBreakdowns: [
          { subtype: 'ITEM', value: money(item.itemTax, currency) },
          ...(item.shippingTax > 0 ? [{ subtype: 'SHIPPING', value: money(item.shippingTax, currency) }] : []),
        ],
      });
    if (item.promotionDiscount > 0)
      breakdowns.push({ type: 'DISCOUNT', subtotal: money(-item.promotionDiscount, currency), detailedBreakdowns: [{ subtype: 'ITEM', value: money(-item.promotionDiscount, currency) }] });
    // where prices include VAT the tax is inside the item and shipping amounts; sales tax comes on top
    return { total: itemTotal + item.shipping + (order.pricesIncludeTax ? 0 : tax) - item.promotionDiscount, breakdowns };
  };
  const rendered: Record<string, unknown> = {
    orderId: order.orderId,
    ...(order.merchantOrderId !== undefined ? { orderAliases: [{ aliasId: order.merchantOrderId, aliasType: 'SELLER_ORDER_ID' }] } : {}),
    createdTime: isoTime(order.createdTime),
    lastUpdatedTime: isoTime(order.lastUpdatedTime),
    ...(order.programs.length > 0 ? { programs: [...order.programs] } : {}),
    salesChannel: { channelName: 'AMAZON', marketplaceId: order.marketplaceId, ...(marketplace ? { marketplaceName: marketplace.name } : {}) },
  };
  if (included.has('BUYER')) {
    const { buyerEmail, ...rest } = order.buyer;
    // Amazon gives the (anonymised) e-mail only for merchant-fulfilled orders.
    rendered.buyer = order.fulfilledBy === 'MERCHANT' && buyerEmail !== undefined ? { ...rest, buyerEmail } : { ...rest };
  }
  // Addresses stay hidden until the order is ready to ship, as Amazon does for Pending orders.
  if (included.has('RECIPIENT') && order.status !== 'PENDING' && order.status !== 'PENDING_AVAILABILITY') rendered.recipient = { deliveryAddress: { ...order.deliveryAddress } };
  const grandTotal = order.items.reduce((sum, item) => sum + itemProceeds(item).total, 0);
  if (included.has('PROCEEDS')) {
    const totals = new Map<string, number>();
    for (const item of order.items) {
      for (const breakdown of itemProceeds(item).breakdowns) {
        const type = breakdown.type as string;
        const amount = parseDecimalMinor((breakdown.subtotal as { amount: string }).amount, currency) ?? 0;
        totals.set(type, (totals.get(type) ?? 0) + amount);
      }
    }
    rendered.proceeds = { grandTotal: money(grandTotal, currency), breakdowns: [...totals].map(([type, amount]) => ({ type, subtotal: money(amount, currency) })) };
  }
  // OrderPayment: one payment execution of the whole amount
  if (included.has('PAYMENT') && order.paymentMethod !== null)
    rendered.payment = { paymentExecutions: [{ paymentMethod: order.paymentMethod, paymentAmount: money(grandTotal, currency) }] };
  if (included.has('FULFILLMENT')) {
    const day = 24 * 3600 * 1000;
    rendered.fulfillment = {
      fulfillmentStatus: order.status,
      fulfilledBy: order.fulfilledBy,
      fulfillmentServiceLevel: order.fulfillmentServiceLevel,
      shipByWindow: { earliestDateTime: isoTime(order.createdTime), latestDateTime: isoTime(order.createdTime + 2 * day) },
      deliverByWindow: { earliestDateTime: isoTime(order.createdTime + 3 * day), latestDateTime: isoTime(order.createdTime + 5 * day) },
    };
  }
  rendered.orderItems = order.items.map((item) => {
    const rendered: Record<string, unknown> = {
      orderItemId: item.orderItemId,
      quantityOrdered: item.quantity,
      product: {
        asin: item.asin,
        title: item.title,
        sellerSku: item.sellerSku,
        condition: { conditionType: item.conditionType },
        price: { unitPrice: money(item.unitPrice, currency) },
      },
    };
    if (included.has('PROCEEDS')) {
      const proceeds = itemProceeds(item);
      rendered.proceeds = { proceedsTotal: money(proceeds.total, currency), breakdowns: proceeds.breakdowns };
    }
    if (included.has('PROMOTION') && item.promotionIds.length > 0) rendered.promotion = { breakdowns: item.promotionIds.map((promotionId) => ({ promotionId })) };
    if (included.has('CANCELLATION') && order.status === 'CANCELLED')
      rendered.cancellation = { cancellationExecution: { cancelledBy: order.cancelReason === 'BuyerCanceled' ? 'BUYER' : 'SELLER', cancelReason: order.cancelReason ?? 'BuyerCanceled' } };
    if (included.has('FULFILLMENT')) rendered.fulfillment = { quantityFulfilled: item.quantityShipped, quantityUnfulfilled: Math.max(0, item.quantity - item.quantityShipped) };
    return rendered;
  });
  if (included.has('PACKAGES') && order.fulfilledBy === 'MERCHANT')
    rendered.packages = order.packages.map((pkg) => ({
      packageReferenceId: pkg.packageReferenceId,
      createdTime: isoTime(pkg.createdTime),
      packageStatus: { status: 'SHIPPED' },
      carrier: pkg.carrierCode === 'Other' && pkg.carrierName !== undefined ? pkg.carrierName : pkg.carrierCode,
      shipTime: isoTime(pkg.shipTime),
      ...(pkg.shippingMethod !== undefined ? { shippingService: pkg.shippingMethod } : {}),
      trackingNumber: pkg.trackingNumber,
      packageItems: pkg.items.map((entry) => ({ ...entry })),
    }));
  return rendered as unknown as SimulatedOrder;
}

export const ALL_ORDER_INCLUDED_DATA: ReadonlySet<string> = new Set(ORDER_INCLUDED_DATA);
