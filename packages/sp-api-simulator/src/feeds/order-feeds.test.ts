import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { XMLParser } from 'fast-xml-parser';
import { xmlSchemaErrors } from '../test-support/amazon-models';
import { XML_CONTENT_TYPE, feedResult, startHarness, submitFeed, waitForFeed, type Harness } from '../test-support/harness';
import { ORDER_FEED_RESULT_CODES as CODES } from './order-feeds';
import type { SimulatedOrder } from '../orders/orders-store';

const parser = new XMLParser({ isArray: (name) => name === 'Result' });

function envelope(messageType: string, messages: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>A2SIMSELLER01</MerchantIdentifier></Header>
  <MessageType>${messageType}</MessageType>
  ${messages.map((body, index) => `<Message><MessageID>${index + 1}</MessageID>${body}</Message>`).join('\n  ')}
</AmazonEnvelope>`;
}

interface ParsedReport {
  summary: { MessagesProcessed: number; MessagesSuccessful: number; MessagesWithError: number; MessagesWithWarning: number };
  results: { MessageID: number; ResultCode: string; ResultMessageCode: number; ResultDescription: string; AdditionalInfo?: Record<string, unknown> }[];
  xml: string;
}

async function run(harness: Harness, feedType: string, xml: string): Promise<ParsedReport> {
  const feed = await waitForFeed(harness.sp, await submitFeed(harness.sp, feedType, xml, XML_CONTENT_TYPE));
  expect(feed.processingStatus).toBe('DONE');
  const report = await feedResult(harness.sp, feed);
  expect(await xmlSchemaErrors(report)).toBe('');
  const parsed = parser.parse(report).AmazonEnvelope;
  expect(parsed.MessageType).toBe('ProcessingReport');
  expect(parsed.Message.ProcessingReport.DocumentTransactionID).toBe(Number(feed.feedId));
  expect(parsed.Message.ProcessingReport.StatusCode).toBe('Complete');
  return { summary: parsed.Message.ProcessingReport.ProcessingSummary, results: parsed.Message.ProcessingReport.Result ?? [], xml: report };
}

describe('XML order feeds', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ rateLimits: false });
  });
  afterAll(() => harness.sim.close());

  test('POST_ORDER_FULFILLMENT_DATA ships items like confirmShipment and reports errors per message', async () => {
    const { sim } = harness;
    const twoLines = sim.seed.order({ items: [{ sellerSku: 'F-1', quantity: 2, unitPrice: '10.00' }, { sellerSku: 'F-2', quantity: 1, unitPrice: '5.00' }] });
    const whole = sim.seed.order({ items: [{ sellerSku: 'F-3', quantity: 3, unitPrice: '4.00' }] });
    const fba = sim.seed.order({ fulfilledBy: 'AMAZON', items: [{ sellerSku: 'F-4', quantity: 1, unitPrice: '4.00' }] });
    const pending = sim.seed.order({ status: 'PENDING', items: [{ sellerSku: 'F-5', quantity: 1, unitPrice: '4.00' }] });
    const [first, second] = twoLines.orderItems.map((item) => item.orderItemId);
    const message = (orderId: string, items: string, data = '<CarrierCode>DHL</CarrierCode><ShippingMethod>Paket</ShippingMethod><ShipperTrackingNumber>00340434161234567890</ShipperTrackingNumber>') =>
      `<OrderFulfillment><AmazonOrderID>${orderId}</AmazonOrderID><FulfillmentDate>2026-11-20T10:00:00Z</FulfillmentDate><FulfillmentData>${data}</FulfillmentData>${items}</OrderFulfillment>`;
    const report = await run(
      harness,
      'POST_ORDER_FULFILLMENT_DATA',
      envelope('OrderFulfillment', [
        message(twoLines.orderId, `<Item><AmazonOrderItemCode>${first}</AmazonOrderItemCode><Quantity>1</Quantity></Item>`),
        message(whole.orderId, ''),
        message('302-9999999-9999999', ''),
        message(twoLines.orderId, `<Item><AmazonOrderItemCode>${second}</AmazonOrderItemCode><Quantity>5</Quantity></Item>`),
        message(twoLines.orderId, `<Item><AmazonOrderItemCode>12345678901234</AmazonOrderItemCode></Item>`),
        message(fba.orderId, ''),
        message(pending.orderId, ''),
        message(twoLines.orderId, '', '<CarrierCode>Pigeon Post</CarrierCode>'),
        message(twoLines.orderId, '', '<CarrierName>Kurier Müller</CarrierName><ShipperTrackingNumber>KM-1</ShipperTrackingNumber>'),
      ]),
    );
    expect(report.summary).toEqual({ MessagesProcessed: 9, MessagesSuccessful: 3, MessagesWithError: 6, MessagesWithWarning: 0 });
    expect(report.results.map((result) => [result.MessageID, result.ResultCode, result.ResultMessageCode])).toEqual([
      [3, 'Error', CODES.ORDER_NOT_FOUND],
      [4, 'Error', CODES.QUANTITY_EXCEEDS_UNSHIPPED],
      [5, 'Error', CODES.ORDER_ITEM_NOT_FOUND],
      [6, 'Error', CODES.ORDER_NOT_SHIPPABLE],
      [7, 'Error', CODES.ORDER_NOT_SHIPPABLE],
      [8, 'Error', CODES.INVALID_CARRIER],
    ]);
    expect(report.results[0]!.AdditionalInfo).toEqual({ AmazonOrderID: '302-9999999-9999999' });
    // Message 1 shipped one unit, message 9 (carrier name, no items) the rest.
    const shipped = sim.state.order(twoLines.orderId)!;
    expect(shipped.fulfillment!.fulfillmentStatus).toBe('SHIPPED');
    expect(shipped.packages).toEqual([
      expect.objectContaining({ packageReferenceId: '1', carrier: 'DHL', trackingNumber: '00340434161234567890', shippingService: 'Paket', packageItems: [{ orderItemId: first, quantity: 1 }] }),
      expect.objectContaining({ packageReferenceId: '2', carrier: 'Kurier Müller', trackingNumber: 'KM-1', packageItems: [{ orderItemId: first, quantity: 1 }, { orderItemId: second, quantity: 1 }] }),
    ]);
    expect(sim.state.order(whole.orderId)!.fulfillment!.fulfillmentStatus).toBe('SHIPPED');
    expect(sim.state.shipments.filter((shipment) => shipment.source === 'POST_ORDER_FULFILLMENT_DATA')).toHaveLength(3);
  });

  test('POST_ORDER_ACKNOWLEDGEMENT_DATA records the MerchantOrderID, and a Failure cancels the order', async () => {
    const { sim } = harness;
    const acknowledged = sim.seed.order({ items: [{ sellerSku: 'A-1', quantity: 1, unitPrice: '3.00' }] });
    const rejected = sim.seed.order({ items: [{ sellerSku: 'A-2', quantity: 1, unitPrice: '3.00' }] });
    const shipped = sim.seed.order({ status: 'SHIPPED', items: [{ sellerSku: 'A-3', quantity: 1, unitPrice: '3.00' }] });
    const itemOf = (order: SimulatedOrder) => order.orderItems[0]!.orderItemId;
    const report = await run(
      harness,
      'POST_ORDER_ACKNOWLEDGEMENT_DATA',
      envelope('OrderAcknowledgement', [
        `<OrderAcknowledgement><AmazonOrderID>${acknowledged.orderId}</AmazonOrderID><MerchantOrderID>SHOP-1001</MerchantOrderID><StatusCode>Success</StatusCode><Item><AmazonOrderItemCode>${itemOf(acknowledged)}</AmazonOrderItemCode><MerchantOrderItemID>SHOP-1001-1</MerchantOrderItemID></Item></OrderAcknowledgement>`,
        `<OrderAcknowledgement><AmazonOrderID>${rejected.orderId}</AmazonOrderID><StatusCode>Failure</StatusCode><Item><AmazonOrderItemCode>${itemOf(rejected)}</AmazonOrderItemCode><CancelReason>NoInventory</CancelReason></Item></OrderAcknowledgement>`,
        `<OrderAcknowledgement><AmazonOrderID>${shipped.orderId}</AmazonOrderID><StatusCode>Failure</StatusCode></OrderAcknowledgement>`,
        `<OrderAcknowledgement><AmazonOrderID>302-0000000-0000001</AmazonOrderID><StatusCode>Success</StatusCode></OrderAcknowledgement>`,
      ]),
    );
    expect(report.summary).toMatchObject({ MessagesProcessed: 4, MessagesSuccessful: 2, MessagesWithError: 2 });
    expect(report.results.map((result) => [result.MessageID, result.ResultMessageCode])).toEqual([
      [3, CODES.ORDER_NOT_CANCELLABLE],
      [4, CODES.ORDER_NOT_FOUND],
    ]);
    expect(sim.state.order(acknowledged.orderId)!.orderAliases).toEqual([{ aliasId: 'SHOP-1001', aliasType: 'SELLER_ORDER_ID' }]);
    expect(sim.state.acknowledgements.find((entry) => entry.orderId === acknowledged.orderId)).toMatchObject({ merchantOrderId: 'SHOP-1001', statusCode: 'Success', items: [{ merchantOrderItemId: 'SHOP-1001-1' }] });
    const cancelled = sim.state.order(rejected.orderId)!;
    expect(cancelled.fulfillment!.fulfillmentStatus).toBe('CANCELLED');
    expect(cancelled.orderItems[0]!.cancellation).toEqual({ cancellationExecution: { cancelledBy: 'SELLER', cancelReason: 'NoInventory' } });
    // A later fulfillment feed can name the order by the MerchantOrderID the acknowledgement set.
    const byMerchantId = await run(
      harness,
      'POST_ORDER_FULFILLMENT_DATA',
      envelope('OrderFulfillment', [`<OrderFulfillment><MerchantOrderID>SHOP-1001</MerchantOrderID><MerchantFulfillmentID>77</MerchantFulfillmentID><FulfillmentDate>2026-11-21T08:00:00+01:00</FulfillmentDate><FulfillmentData><CarrierCode>DPD</CarrierCode><ShipperTrackingNumber>0123</ShipperTrackingNumber></FulfillmentData><Item><MerchantOrderItemID>SHOP-1001-1</MerchantOrderItemID></Item></OrderFulfillment>`]),
    );
    expect(byMerchantId.summary.MessagesSuccessful).toBe(1);
    expect(sim.state.order(acknowledged.orderId)!.packages).toEqual([expect.objectContaining({ packageReferenceId: '77', carrier: 'DPD', shipTime: '2026-11-21T07:00:00.000Z' })]);
  });

  test.each([
    ['not XML', 'order 1 shipped'],
    ['malformed XML', '<AmazonEnvelope><Message>'],
    ['another root', '<?xml version="1.0"?><Envelope/>'],
    ['the wrong MessageType', envelope('OrderAcknowledgement', ['<OrderAcknowledgement/>'])],
  ])('a document that is %s gets one 5001 error with MessageID 0', async (_name, xml) => {
    const report = await run(harness, 'POST_ORDER_FULFILLMENT_DATA', xml);
    expect(report.summary).toEqual({ MessagesProcessed: 0, MessagesSuccessful: 0, MessagesWithError: 1, MessagesWithWarning: 0 });
    expect(report.results).toEqual([expect.objectContaining({ MessageID: 0, ResultCode: 'Error', ResultMessageCode: CODES.XML_PARSING_ERROR })]);
  });
});
