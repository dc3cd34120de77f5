import { SellerSyncError } from '../errors';
import { buildAmazonEnvelope, checkXsdString } from '../orders/amazon-xml-feed';
import { AMAZON_ORDER_ID_PATTERN } from '../orders/validate-amazon-order';
import { isAmazonCarrierCode } from './amazon-carrier-codes';

/** The feed type that confirms shipments in bulk. */
export const ORDER_FULFILLMENT_FEED_TYPE = 'POST_ORDER_FULFILLMENT_DATA';

/** Amazon order item codes in XML feeds are 14 digits. */
const ORDER_ITEM_CODE = /^\d{14}$/;

/** One package of one order, as `POST_ORDER_FULFILLMENT_DATA` states it. */
export interface OrderFulfillment {
  readonly amazonOrderId: string;
  /** sellersync's numeric package reference (`MerchantFulfillmentID`, 1 to 20 digits). */
  readonly merchantFulfillmentId: string;
  readonly fulfillmentDate: Date;
  /** One of Amazon's carrier codes; `Other` sends `carrierName` instead. */
  readonly carrierCode: string;
  readonly carrierName: string | null;
  readonly shippingMethod: string | null;
  readonly trackingNumber: string;
  /** Items in the package; empty = the whole order. */
  readonly items: readonly { readonly orderItemId: string; readonly quantity: number }[];
}

function refuse(item: string, field: string, rule: string, value: unknown): never {
  throw new SellerSyncError({
    code: 'INVALID_SHIPMENT',
    message: `${item}: ${field} ${rule} (Amazon's XML schema); got ${JSON.stringify(value)}.`,
    details: { item, field, rule, value },
  });
}

/** Checks one fulfillment against OrderFulfillment.xsd; throws `INVALID_SHIPMENT` naming the field. */
export function checkOrderFulfillment(fulfillment: OrderFulfillment): void {
  const item = `Amazon order ${fulfillment.amazonOrderId}, package ${fulfillment.merchantFulfillmentId}`;
  if (!AMAZON_ORDER_ID_PATTERN.test(fulfillment.amazonOrderId)) refuse(item, 'AmazonOrderID', 'must look like 123-1234567-1234567', fulfillment.amazonOrderId);
  if (!/^[1-9]\d{0,19}$/.test(fulfillment.merchantFulfillmentId))
    refuse(item, 'MerchantFulfillmentID', 'must be a positive whole number of at most 20 digits', fulfillment.merchantFulfillmentId);
  const year = fulfillment.fulfillmentDate.getUTCFullYear();
  // xs:dateTime as xmlbuilder2 writes it: a four-digit year (a later one is written "+010000-…")
  if (Number.isNaN(fulfillment.fulfillmentDate.getTime()) || year < 1 || year > 9999)
    refuse(item, 'FulfillmentDate', 'must be a valid date in the years 0001 to 9999', String(fulfillment.fulfillmentDate));
  if (!isAmazonCarrierCode(fulfillment.carrierCode)) refuse(item, 'CarrierCode', "must be one of Amazon's carrier codes", fulfillment.carrierCode);
  if (fulfillment.carrierCode === 'Other') checkXsdString(fulfillment.carrierName, 'CarrierName', item, 'INVALID_SHIPMENT');
  if (fulfillment.shippingMethod !== null) checkXsdString(fulfillment.shippingMethod, 'ShippingMethod', item, 'INVALID_SHIPMENT');
  checkXsdString(fulfillment.trackingNumber, 'ShipperTrackingNumber', item, 'INVALID_SHIPMENT');
  for (const line of fulfillment.items) {
    if (!ORDER_ITEM_CODE.test(line.orderItemId)) refuse(item, 'AmazonOrderItemCode', 'must be 14 digits', line.orderItemId);
    if (!Number.isInteger(line.quantity) || line.quantity < 1) refuse(item, `Quantity of item ${line.orderItemId}`, 'must be a whole number ≥ 1', line.quantity);
  }
}

/**
 * Builds a `POST_ORDER_FULFILLMENT_DATA` document: one `OrderFulfillment` message per package,
 * `MessageID` 1, 2, ... in the order given, `MerchantFulfillmentID` = the package reference.
 * Valid against Amazon's OrderFulfillment.xsd.
 * @throws SellerSyncError `INVALID_SHIPMENT` for a value the schema refuses.
 */
export function buildOrderFulfillmentFeed(merchantIdentifier: string, fulfillments: readonly OrderFulfillment[]): string {
  if (fulfillments.length === 0)
    throw new SellerSyncError({
      code: 'INVALID_SHIPMENT',
      message: 'An order fulfillment feed needs at least one package.',
      details: { field: 'fulfillments', rule: 'at least one' },
    });
  fulfillments.forEach(checkOrderFulfillment);
  return buildAmazonEnvelope(merchantIdentifier, 'OrderFulfillment', fulfillments, (message, f) => {
    const body = message.ele('OrderFulfillment');
    body.ele('AmazonOrderID').txt(f.amazonOrderId);
    body.ele('MerchantFulfillmentID').txt(f.merchantFulfillmentId);
    body.ele('FulfillmentDate').txt(f.fulfillmentDate.toISOString());
    const data = body.ele('FulfillmentData');
    if (f.carrierCode === 'Other') data.ele('CarrierName').txt(f.carrierName ?? 'Other');
    else data.ele('CarrierCode').txt(f.carrierCode);
    if (f.shippingMethod !== null) data.ele('ShippingMethod').txt(f.shippingMethod);
    data.ele('ShipperTrackingNumber').txt(f.trackingNumber);
    for (const line of f.items) {
      const entry = body.ele('Item');
      entry.ele('AmazonOrderItemCode').txt(line.orderItemId);
      entry.ele('Quantity').txt(String(line.quantity));
    }
  });
}
