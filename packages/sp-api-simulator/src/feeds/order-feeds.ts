import { XMLParser } from 'fast-xml-parser';
import { remainingQuantity, upsertPackage } from '../orders/confirm-shipment';
import type { OrderEvents } from '../orders/order-events';
import type { OrderRecord, OrdersStore } from '../orders/orders-store';
import { isoTime, parseIsoDateTime, type Clock } from '../support/clock';

/**
 * ResultMessageCodes of the XML order feeds' processing reports. 5001 (XML parsing/schema error)
 * is Amazon's; the 180xx codes are the simulator's.
 */
export const ORDER_FEED_RESULT_CODES = Object.freeze({
  XML_PARSING_ERROR: 5001,
  ORDER_NOT_FOUND: 18028,
  ORDER_NOT_SHIPPABLE: 18029,
  ORDER_ITEM_NOT_FOUND: 18030,
  QUANTITY_EXCEEDS_UNSHIPPED: 18031,
  INVALID_CARRIER: 18032,
  ORDER_NOT_CANCELLABLE: 18033,
} as const);

/** CarrierCode values of amzn-base.xsd (release 4.1). */
export const CARRIER_CODES: readonly string[] = Object.freeze([
  'USPS', 'UPS', 'UPSMI', 'FedEx', 'DHL', 'Fastway', 'GLS', 'GO!', 'Hermes Logistik Gruppe', 'Royal Mail', 'Parcelforce', 'City Link', 'TNT',
  'Target', 'SagawaExpress', 'NipponExpress', 'YamatoTransport', 'DHL Global Mail', 'UPS Mail Innovations', 'FedEx SmartPost', 'OSM', 'OnTrac',
  'Streamlite', 'Newgistics', 'Canada Post', 'Blue Package', 'Chronopost', 'Deutsche Post', 'DPD', 'La Poste', 'Parcelnet', 'Poste Italiane', 'SDA',
  'Smartmail', 'FEDEX_JP', 'JP_EXPRESS', 'NITTSU', 'SAGAWA', 'YAMATO', 'BlueDart', 'AFL/Fedex', 'Aramex', 'India Post', 'Professional', 'DTDC',
  'Overnite Express', 'First Flight', 'Delhivery', 'Lasership', 'Yodel', 'Other', 'Amazon Shipping', 'Seur', 'Correos', 'MRW', 'Endopack',
  'Chrono Express', 'Nacex', 'Otro', 'Correios', 'Toll Global Express', 'China Post', 'AUSSIE_POST', 'EUB', 'Australia Post', 'Yun Express', '4PX',
  'YANWEN', 'SF Express', 'BRT', 'AustraliaPost-Consignment', 'AustraliaPost-ArticleId', 'Sendle', 'CouriersPlease',
]);

const CANCEL_REASONS = [
  'NoInventory', 'ShippingAddressUndeliverable', 'CustomerExchange', 'BuyerCanceled', 'GeneralAdjustment', 'CarrierCreditDecision',
  'RiskAssessmentInformationNotValid', 'CarrierCoverageFailure', 'CustomerReturn', 'MerchandiseNotReceived', 'CannotVerifyInformation',
  'PricingError', 'RejectOrder', 'WeatherDelay',
];

interface XmlResult {
  readonly messageId: number;
  readonly resultCode: 'Error' | 'Warning';
  readonly code: number;
  readonly description: string;
  readonly amazonOrderId?: string;
  readonly amazonOrderItemCode?: string;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An XML ProcessingReport inside an AmazonEnvelope (ProcessingReport.xsd, order-envelope.xsd). */
export function buildProcessingReport(sellerId: string, feedId: string, summary: { processed: number; successful: number; withError: number; withWarning: number }, results: readonly XmlResult[]): string {
  const resultXml = results
    .map((result) => {
      const info = [
        result.amazonOrderId !== undefined && /^\w{3}-\w{7}-\w{7}$/.test(result.amazonOrderId) ? `<AmazonOrderID>${result.amazonOrderId}</AmazonOrderID>` : '',
        result.amazonOrderItemCode !== undefined && /^\d{14}$/.test(result.amazonOrderItemCode) ? `<AmazonOrderItemCode>${result.amazonOrderItemCode}</AmazonOrderItemCode>` : '',
      ].join('');
      return (
        `\n\t\t\t<Result>\n\t\t\t\t<MessageID>${result.messageId}</MessageID>\n\t\t\t\t<ResultCode>${result.resultCode}</ResultCode>` +
        `\n\t\t\t\t<ResultMessageCode>${result.code}</ResultMessageCode>\n\t\t\t\t<ResultDescription>${escapeXml(result.description)}</ResultDescription>` +
        (info === '' ? '' : `\n\t\t\t\t<AdditionalInfo>${info}</AdditionalInfo>`) +
        `\n\t\t\t</Result>`
      );
    })
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">` +
    `\n\t<Header>\n\t\t<DocumentVersion>1.02</DocumentVersion>\n\t\t<MerchantIdentifier>${escapeXml(sellerId)}</MerchantIdentifier>\n\t</Header>` +
    `\n\t<MessageType>ProcessingReport</MessageType>\n\t<Message>\n\t\t<MessageID>1</MessageID>\n\t\t<ProcessingReport>` +
    `\n\t\t\t<DocumentTransactionID>${feedId}</DocumentTransactionID>\n\t\t\t<StatusCode>Complete</StatusCode>` +
    `\n\t\t\t<ProcessingSummary>\n\t\t\t\t<MessagesProcessed>${summary.processed}</MessagesProcessed>\n\t\t\t\t<MessagesSuccessful>${summary.successful}</MessagesSuccessful>` +
    `\n\t\t\t\t<MessagesWithError>${summary.withError}</MessagesWithError>\n\t\t\t\t<MessagesWithWarning>${summary.withWarning}</MessagesWithWarning>\n\t\t\t</ProcessingSummary>` +
    resultXml +
    `\n\t\t</ProcessingReport>\n\t</Message>\n</AmazonEnvelope>\n`
  );
}

type Node = Record<string, unknown>;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
const asArray = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

class MessageError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly amazonOrderId?: string,
    readonly amazonOrderItemCode?: string,
  ) {
    super(message);
  }
}

export interface OrderFeedContext {
  readonly orders: OrdersStore;
  readonly events: OrderEvents;
  readonly clock: Clock;
  readonly sellerId: string;
}

function findOrder(context: OrderFeedContext, node: Node): OrderRecord {
  const amazonOrderId = text(node.AmazonOrderID);
  const merchantOrderId = text(node.MerchantOrderID);
  if (amazonOrderId !== undefined) {
    const order = context.orders.get(amazonOrderId);
    if (!order) throw new MessageError(ORDER_FEED_RESULT_CODES.ORDER_NOT_FOUND, `The order id ${amazonOrderId} was not found in our system.`, amazonOrderId);
    return order;
  }
  if (merchantOrderId !== undefined) {
    const order = context.orders.findByMerchantOrderId(merchantOrderId);
    if (!order) throw new MessageError(ORDER_FEED_RESULT_CODES.ORDER_NOT_FOUND, `No order was acknowledged with the MerchantOrderID ${merchantOrderId}.`);
    return order;
  }
  throw new MessageError(ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, 'The message has neither AmazonOrderID nor MerchantOrderID.');
}

function fulfill(context: OrderFeedContext, feedId: string, node: Node): void {
  const order = findOrder(context, node);
  const fulfillmentDate = parseIsoDateTime(text(node.FulfillmentDate));
  if (fulfillmentDate === undefined) throw new MessageError(ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, `FulfillmentDate must be an xsd:dateTime; got ${JSON.stringify(text(node.FulfillmentDate) ?? null)}.`, order.orderId);
  const data = (node.FulfillmentData ?? {}) as Node;
  const carrierCode = text(data.CarrierCode);
  const carrierName = text(data.CarrierName);
  if (carrierCode !== undefined && !CARRIER_CODES.includes(carrierCode))
    throw new MessageError(ORDER_FEED_RESULT_CODES.INVALID_CARRIER, `The CarrierCode '${carrierCode}' is not a valid value; use CarrierName for other carriers.`, order.orderId);
  if (order.fulfilledBy !== 'MERCHANT') throw new MessageError(ORDER_FEED_RESULT_CODES.ORDER_NOT_SHIPPABLE, `The order ${order.orderId} is fulfilled by Amazon.`, order.orderId);
  const merchantFulfillmentId = text(node.MerchantFulfillmentID);
  const existing = merchantFulfillmentId !== undefined && order.packages.some((pkg) => pkg.packageReferenceId === merchantFulfillmentId);
  if (order.status === 'CANCELLED' || order.status === 'PENDING' || order.status === 'PENDING_AVAILABILITY' || (order.status === 'SHIPPED' && !existing))
    throw new MessageError(ORDER_FEED_RESULT_CODES.ORDER_NOT_SHIPPABLE, `The order ${order.orderId} is ${order.status} and cannot be shipped.`, order.orderId);
  const packageReferenceId = merchantFulfillmentId ?? String(order.packages.reduce((max, pkg) => Math.max(max, Number(pkg.packageReferenceId) || 0), 0) + 1);
  const except = existing ? packageReferenceId : undefined;
  const itemNodes = asArray(node.Item) as Node[];
  const items: { orderItemId: string; quantity: number }[] = [];
  if (itemNodes.length === 0) {
    for (const item of order.items) {
      const remaining = remainingQuantity(order, item.orderItemId, except);
      if (remaining > 0) items.push({ orderItemId: item.orderItemId, quantity: remaining });
    }
  }
  for (const itemNode of itemNodes) {
    const code = text(itemNode.AmazonOrderItemCode);
    const merchantItemId = text(itemNode.MerchantOrderItemID);
    const item = order.items.find((entry) => (code !== undefined ? entry.orderItemId === code : merchantItemId !== undefined && entry.merchantOrderItemId === merchantItemId));
    if (!item) throw new MessageError(ORDER_FEED_RESULT_CODES.ORDER_ITEM_NOT_FOUND, `The order item ${code ?? merchantItemId ?? '(none)'} is not part of order ${order.orderId}.`, order.orderId, code);
    const remaining = remainingQuantity(order, item.orderItemId, except);
    const quantityText = text(itemNode.Quantity);
    const quantity = quantityText === undefined ? remaining : Number(quantityText);
    if (!Number.isInteger(quantity) || quantity < 1)
      throw new MessageError(ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, `Quantity must be a positive integer; got ${JSON.stringify(quantityText ?? null)}.`, order.orderId, item.orderItemId);
    if (quantity > remaining)
      throw new MessageError(ORDER_FEED_RESULT_CODES.QUANTITY_EXCEEDS_UNSHIPPED, `The quantity ${quantity} of order item ${item.orderItemId} exceeds the ${remaining} unit(s) not yet shipped.`, order.orderId, item.orderItemId);
    items.push({ orderItemId: item.orderItemId, quantity });
  }
  if (items.length === 0) throw new MessageError(ORDER_FEED_RESULT_CODES.ORDER_NOT_SHIPPABLE, `Every unit of order ${order.orderId} is shipped already.`, order.orderId);
  const trackingNumber = text(data.ShipperTrackingNumber) ?? '';
  const shippingMethod = text(data.ShippingMethod);
  const code = carrierCode ?? 'Other';
  const edited = upsertPackage(
    context.orders,
    order,
    { packageReferenceId, carrierCode: code, ...(carrierName !== undefined ? { carrierName } : {}), ...(shippingMethod !== undefined ? { shippingMethod } : {}), trackingNumber, shipTime: fulfillmentDate, items },
    context.clock.now(),
  );
  context.events.shipments.push({
    orderId: order.orderId,
    packageReferenceId,
    carrierCode: code,
    ...(carrierName !== undefined ? { carrierName } : {}),
    ...(shippingMethod !== undefined ? { shippingMethod } : {}),
    trackingNumber,
    shipDate: isoTime(fulfillmentDate),
    items,
    source: 'POST_ORDER_FULFILLMENT_DATA',
    feedId,
    edited,
    receivedAt: isoTime(context.clock.now()),
  });
}

function acknowledge(context: OrderFeedContext, feedId: string, node: Node): void {
  if (text(node.AmazonOrderID) === undefined) throw new MessageError(ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, 'OrderAcknowledgement needs an AmazonOrderID.');
  const order = findOrder(context, { AmazonOrderID: node.AmazonOrderID });
  const statusCode = text(node.StatusCode);
  if (statusCode !== 'Success' && statusCode !== 'Failure') throw new MessageError(ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, `StatusCode must be Success or Failure; got ${JSON.stringify(statusCode ?? null)}.`, order.orderId);
  const merchantOrderId = text(node.MerchantOrderID);
  const items = (asArray(node.Item) as Node[]).map((itemNode) => {
    const code = text(itemNode.AmazonOrderItemCode);
    const item = order.items.find((entry) => entry.orderItemId === code);
    if (!item) throw new MessageError(ORDER_FEED_RESULT_CODES.ORDER_ITEM_NOT_FOUND, `The order item ${code ?? '(none)'} is not part of order ${order.orderId}.`, order.orderId, code);
    const cancelReason = text(itemNode.CancelReason);
    if (cancelReason !== undefined && !CANCEL_REASONS.includes(cancelReason)) throw new MessageError(ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, `Invalid CancelReason '${cancelReason}'.`, order.orderId, code);
    const quantity = text(itemNode.Quantity);
    return {
      orderItemId: item.orderItemId,
      ...(text(itemNode.MerchantOrderItemID) !== undefined ? { merchantOrderItemId: text(itemNode.MerchantOrderItemID)! } : {}),
      ...(cancelReason !== undefined ? { cancelReason } : {}),
      ...(quantity !== undefined ? { quantity: Number(quantity) } : {}),
    };
  });
  if (statusCode === 'Failure') {
    // A Failure acknowledgement cancels the order (Amazon's "reject order").
    if (order.status !== 'PENDING' && order.status !== 'UNSHIPPED' && order.status !== 'CANCELLED')
      throw new MessageError(ORDER_FEED_RESULT_CODES.ORDER_NOT_CANCELLABLE, `The order ${order.orderId} is ${order.status} and can no longer be cancelled.`, order.orderId);
    if (order.status !== 'CANCELLED') context.orders.setStatus(order.orderId, 'CANCELLED', items.find((item) => item.cancelReason)?.cancelReason ?? 'GeneralAdjustment');
  }
  if (merchantOrderId !== undefined) order.merchantOrderId = merchantOrderId;
  for (const entry of items) {
    const item = order.items.find((candidate) => candidate.orderItemId === entry.orderItemId)!;
    if (entry.merchantOrderItemId !== undefined) item.merchantOrderItemId = entry.merchantOrderItemId;
  }
  context.events.acknowledgements.push({
    orderId: order.orderId,
    ...(merchantOrderId !== undefined ? { merchantOrderId } : {}),
    statusCode,
    items,
    feedId,
    receivedAt: isoTime(context.clock.now()),
  });
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => name === 'Message' || name === 'Item' });

/**
 * Processes POST_ORDER_FULFILLMENT_DATA / POST_ORDER_ACKNOWLEDGEMENT_DATA against the simulator's
 * orders, message by message, and returns the XML ProcessingReport. A document that does not
 * parse, or is not an AmazonEnvelope of the feed's message type, gets one 5001 result with
 * MessageID 0 and nothing processed.
 */
export function processOrderFeed(context: OrderFeedContext, feed: { readonly feedId: string; readonly feedType: string }, content: Buffer): { report: string; results: readonly XmlResult[] } {
  const expectedType = feed.feedType === 'POST_ORDER_FULFILLMENT_DATA' ? 'OrderFulfillment' : 'OrderAcknowledgement';
  const fatal = (description: string) => {
    const results: XmlResult[] = [{ messageId: 0, resultCode: 'Error', code: ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, description }];
    return { report: buildProcessingReport(context.sellerId, feed.feedId, { processed: 0, successful: 0, withError: 1, withWarning: 0 }, results), results };
  };
  const source = content.toString('utf8');
  let document: Node;
  try {
    if (!source.trimStart().startsWith('<')) return fatal('XML Parsing Fatal Error at Line 1, Column 1: Content is not allowed in prolog.');
    document = parser.parse(source, true) as Node;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fatal(`XML Parsing Fatal Error: ${detail}`);
  }
  const envelope = document.AmazonEnvelope as Node | undefined;
  if (!envelope || typeof envelope !== 'object') return fatal('XML Parsing Error: the root element must be AmazonEnvelope.');
  const messageType = text(envelope.MessageType);
  if (messageType !== expectedType) return fatal(`XML Parsing Error: MessageType must be ${expectedType} for ${feed.feedType}; got ${JSON.stringify(messageType ?? null)}.`);
  const messages = asArray(envelope.Message) as Node[];
  if (messages.length === 0) return fatal('XML Parsing Error: the envelope has no Message.');
  const results: XmlResult[] = [];
  let successful = 0;
  for (const message of messages) {
    const idText = text(message.MessageID);
    const messageId = idText !== undefined && /^\d{1,20}$/.test(idText) && Number(idText) > 0 ? Number(idText) : 0;
    try {
      if (messageId === 0) throw new MessageError(ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, `MessageID must be a positive integer; got ${JSON.stringify(idText ?? null)}.`);
      const body = message[expectedType];
      if (typeof body !== 'object' || body === null) throw new MessageError(ORDER_FEED_RESULT_CODES.XML_PARSING_ERROR, `Message ${messageId} has no ${expectedType} element.`);
      if (expectedType === 'OrderFulfillment') fulfill(context, feed.feedId, body as Node);
      else acknowledge(context, feed.feedId, body as Node);
      successful += 1;
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      results.push({
        messageId,
        resultCode: 'Error',
        code: error.code,
        description: error.message,
        ...(error.amazonOrderId !== undefined ? { amazonOrderId: error.amazonOrderId } : {}),
        ...(error.amazonOrderItemCode !== undefined ? { amazonOrderItemCode: error.amazonOrderItemCode } : {}),
      });
    }
  }
  return {
    report: buildProcessingReport(context.sellerId, feed.feedId, { processed: messages.length, successful, withError: messages.length - successful, withWarning: 0 }, results),
    results,
  };
}
