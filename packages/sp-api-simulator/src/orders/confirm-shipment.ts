import type { ApiRoute } from '../http/api-route';
import { invalidInput, jsonBody, notFound } from '../http/sim-http';
import { isoTime, parseIsoDateTime, type Clock } from '../support/clock';
import type { OrderEvents } from './order-events';
import type { OrderRecord, OrdersStore, PackageRecord } from './orders-store';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** Units of an item not shipped by any package other than `exceptPackage` (the one being edited). */
export function remainingQuantity(order: OrderRecord, orderItemId: string, exceptPackage?: string): number {
  const item = order.items.find((entry) => entry.orderItemId === orderItemId);
  if (!item) return 0;
  const shipped = order.packages
    .filter((pkg) => pkg.packageReferenceId !== exceptPackage)
    .reduce((sum, pkg) => sum + pkg.items.filter((entry) => entry.orderItemId === orderItemId).reduce((s, entry) => s + entry.quantity, 0), 0);
  return item.quantity - shipped;
}

/** Adds a package or, for a known packageReferenceId, edits it; then updates quantities, status and lastUpdatedTime. */
export function upsertPackage(orders: OrdersStore, order: OrderRecord, pkg: Omit<PackageRecord, 'createdTime'>, now: number): boolean {
  const existing = order.packages.find((entry) => entry.packageReferenceId === pkg.packageReferenceId);
  if (existing) Object.assign(existing, pkg);
  else order.packages.push({ ...pkg, createdTime: now });
  orders.recomputeShipping(order);
  orders.touch(order);
  return existing !== undefined;
}

/** Orders v0 confirmShipment: 204, 400 InvalidInput naming the field and rule, or 404. */
export function createConfirmShipmentRoute(context: { readonly orders: OrdersStore; readonly clock: Clock; readonly events: OrderEvents }): ApiRoute {
  return {
    operation: 'orders.confirmShipment',
    method: 'POST',
    pattern: /^\/orders\/v0\/orders\/([^/]+)\/shipmentConfirmation$/,
    handle(request, [orderId]) {
      const order = context.orders.get(orderId!);
      if (!order) throw notFound(`Order ${orderId} not found.`);
      const body = jsonBody(request);
      if (!nonEmpty(body.marketplaceId)) throw invalidInput("'marketplaceId' is required.");
      if (body.marketplaceId !== order.marketplaceId) throw invalidInput(`'marketplaceId' ${body.marketplaceId} is not the marketplace of order ${order.orderId} (${order.marketplaceId}).`);
      if (body.codCollectionMethod !== undefined && body.codCollectionMethod !== 'DirectPayment') throw invalidInput("'codCollectionMethod' must be DirectPayment.");
      const detail = body.packageDetail;
      if (!isObject(detail)) throw invalidInput("'packageDetail' is required.");
      const { packageReferenceId, carrierCode, carrierName, shippingMethod, trackingNumber, shipDate, orderItems } = detail;
      if (typeof packageReferenceId !== 'string' || !/^[1-9]\d*$/.test(packageReferenceId))
        throw invalidInput(`'packageDetail.packageReferenceId' must be a positive numeric string; got ${JSON.stringify(packageReferenceId)}.`);
      if (!nonEmpty(carrierCode)) throw invalidInput("'packageDetail.carrierCode' is required.");
      if (carrierCode === 'Other' && !nonEmpty(carrierName)) throw invalidInput("'packageDetail.carrierName' is required when carrierCode is Other.");
      if (carrierName !== undefined && typeof carrierName !== 'string') throw invalidInput("'packageDetail.carrierName' must be a string.");
      if (shippingMethod !== undefined && typeof shippingMethod !== 'string') throw invalidInput("'packageDetail.shippingMethod' must be a string.");
      if (!nonEmpty(trackingNumber)) throw invalidInput("'packageDetail.trackingNumber' is required.");
      const shipTime = parseIsoDateTime(shipDate);
      if (shipTime === undefined) throw invalidInput(`'packageDetail.shipDate' must be an ISO 8601 date-time; got ${JSON.stringify(shipDate)}.`);
      if (!Array.isArray(orderItems) || orderItems.length === 0) throw invalidInput("'packageDetail.orderItems' must list at least one order item.");
      const items: { orderItemId: string; quantity: number }[] = [];
      for (const [index, entry] of orderItems.entries()) {
        if (!isObject(entry) || !nonEmpty(entry.orderItemId)) throw invalidInput(`'packageDetail.orderItems[${index}].orderItemId' is required.`);
        if (typeof entry.quantity !== 'number' || !Number.isInteger(entry.quantity) || entry.quantity < 1)
          throw invalidInput(`'packageDetail.orderItems[${index}].quantity' must be a whole number ≥ 1; got ${JSON.stringify(entry.quantity)}.`);
        if (entry.transparencyCodes !== undefined && (!Array.isArray(entry.transparencyCodes) || entry.transparencyCodes.some((code) => typeof code !== 'string')))
          throw invalidInput(`'packageDetail.orderItems[${index}].transparencyCodes' must be a list of strings.`);
        if (!order.items.some((item) => item.orderItemId === entry.orderItemId)) throw invalidInput(`Order item ${entry.orderItemId} is not part of order ${order.orderId}.`);
        if (items.some((item) => item.orderItemId === entry.orderItemId)) throw invalidInput(`Order item ${entry.orderItemId} is listed twice.`);
        items.push({ orderItemId: entry.orderItemId, quantity: entry.quantity });
      }
      if (order.fulfilledBy !== 'MERCHANT') throw invalidInput(`Order ${order.orderId} is fulfilled by Amazon; only merchant-fulfilled orders can be confirmed.`);
      const existing = order.packages.some((pkg) => pkg.packageReferenceId === packageReferenceId);
      if (order.status === 'CANCELLED') throw invalidInput(`Order ${order.orderId} is CANCELLED and cannot be shipped.`);
      if (!existing && order.status !== 'UNSHIPPED' && order.status !== 'PARTIALLY_SHIPPED')
        throw invalidInput(`Order ${order.orderId} is ${order.status}; only UNSHIPPED and PARTIALLY_SHIPPED orders can be confirmed.`);
      for (const item of items) {
        const remaining = remainingQuantity(order, item.orderItemId, existing ? packageReferenceId : undefined);
        if (item.quantity > remaining)
          throw invalidInput(`The quantity ${item.quantity} of order item ${item.orderItemId} exceeds the ${remaining} unit(s) not yet shipped.`);
      }
      const edited = upsertPackage(
        context.orders,
        order,
        {
          packageReferenceId,
          carrierCode,
          ...(typeof carrierName === 'string' ? { carrierName } : {}),
          ...(typeof shippingMethod === 'string' ? { shippingMethod } : {}),
          trackingNumber,
          shipTime,
          items,
        },
        context.clock.now(),
      );
      context.events.shipments.push({
        orderId: order.orderId,
        packageReferenceId,
        carrierCode,
        ...(typeof carrierName === 'string' ? { carrierName } : {}),
        ...(typeof shippingMethod === 'string' ? { shippingMethod } : {}),
        trackingNumber,
        shipDate: isoTime(shipTime),
        items,
        source: 'confirmShipment',
        edited,
        receivedAt: isoTime(context.clock.now()),
      });
      return { status: 204, headers: { 'content-type': 'application/json' } };
    },
  };
}
