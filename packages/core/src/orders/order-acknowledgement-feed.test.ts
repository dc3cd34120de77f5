import { describe, expect, test } from '@jest/globals';
import { SellerSyncError } from '../errors';
import { parseProcessingReport } from './amazon-xml-feed';
import { buildOrderAcknowledgementFeed } from './order-acknowledgement-feed';
import { testWithSpecs } from '../test-support/amazon-specs';
import { ORDER_ENVELOPE_XSD, validateOrderFeedXml } from '../test-support/order-feed-xsd';

describe('POST_ORDER_ACKNOWLEDGEMENT_DATA', () => {
  test('carries the shop order id per Amazon order and validates against the XSD', async () => {
    const xml = buildOrderAcknowledgementFeed('A1B2C3D4E5F6G7', [
      { amazonOrderId: '303-1234567-1234567', merchantOrderId: 'shop-1001' },
      { amazonOrderId: '028-7654321-7654321', merchantOrderId: null },
    ]);
    expect(xml).toContain('<MessageType>OrderAcknowledgement</MessageType>');
    expect(xml).toMatch(/<MessageID>1<\/MessageID>\s*<OrderAcknowledgement>\s*<AmazonOrderID>303-1234567-1234567<\/AmazonOrderID>\s*<MerchantOrderID>shop-1001<\/MerchantOrderID>\s*<StatusCode>Success<\/StatusCode>/);
    expect(xml).toMatch(/<MessageID>2<\/MessageID>\s*<OrderAcknowledgement>\s*<AmazonOrderID>028-7654321-7654321<\/AmazonOrderID>\s*<StatusCode>/);
    const errors = await validateOrderFeedXml(xml);
    if (errors !== null) expect(errors).toEqual([]);
  });

  testWithSpecs(
    'the XSD check rejects a broken document (the check can fail)',
    async () => {
      const xml = buildOrderAcknowledgementFeed('A1B2C3D4E5F6G7', [{ amazonOrderId: '303-1234567-1234567', merchantOrderId: 'x' }]).replace(
        '<StatusCode>Success</StatusCode>',
        '<StatusCode>Maybe</StatusCode>',
      );
      const errors = await validateOrderFeedXml(xml);
      expect(errors?.join('\n')).toMatch(/StatusCode/);
    },
    { needs: ORDER_ENVELOPE_XSD },
  );

  test('refuses ids the schema refuses, naming the order and field', () => {
    const refuse = (merchantOrderId: string) => {
      try {
        buildOrderAcknowledgementFeed('A1B2C3D4E5F6G7', [{ amazonOrderId: '303-1234567-1234567', merchantOrderId }]);
      } catch (error) {
        return error as SellerSyncError;
      }
      throw new Error('expected a refusal');
    };
    const tooLong = refuse('x'.repeat(51));
    expect(tooLong.code).toBe('INVALID_ORDER');
    expect(tooLong.details).toMatchObject({ item: 'Amazon order 303-1234567-1234567', field: 'MerchantOrderID' });
    expect(refuse('a\nb').message).toMatch(/line breaks/);
    expect(() => buildOrderAcknowledgementFeed('A1B2C3D4E5F6G7', [{ amazonOrderId: 'nope', merchantOrderId: null }])).toThrow(/123-1234567-1234567/);
    expect(() => buildOrderAcknowledgementFeed('A1B2C3D4E5F6G7', [])).toThrow(/at least one/);
  });

  test('escapes markup in values', async () => {
    const xml = buildOrderAcknowledgementFeed('A1B2C3D4E5F6G7', [{ amazonOrderId: '303-1234567-1234567', merchantOrderId: 'A&B <1>' }]);
    expect(xml).toContain('<MerchantOrderID>A&amp;B &lt;1&gt;</MerchantOrderID>');
    const errors = await validateOrderFeedXml(xml);
    if (errors !== null) expect(errors).toEqual([]);
  });
});

describe('XML processing report', () => {
  const report = `<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>A1B2C3D4E5F6G7</MerchantIdentifier></Header>
  <MessageType>ProcessingReport</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <ProcessingReport>
      <DocumentTransactionID>50012345</DocumentTransactionID>
      <StatusCode>Complete</StatusCode>
      <ProcessingSummary>
        <MessagesProcessed>3</MessagesProcessed><MessagesSuccessful>1</MessagesSuccessful>
        <MessagesWithError>1</MessagesWithError><MessagesWithWarning>1</MessagesWithWarning>
      </ProcessingSummary>
      <Result>
        <MessageID>2</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>25</ResultMessageCode>
        <ResultDescription>Order &amp; item not found</ResultDescription>
        <AdditionalInfo><AmazonOrderID>303-1234567-1234567</AmazonOrderID></AdditionalInfo>
      </Result>
      <Result>
        <MessageID>3</MessageID><ResultCode>Warning</ResultCode><ResultMessageCode>18028</ResultMessageCode>
        <ResultDescription>Late</ResultDescription>
      </Result>
    </ProcessingReport>
  </Message>
</AmazonEnvelope>`;

  test('reads status, summary and results with entities decoded; the sample is valid against the XSD', async () => {
    const parsed = parseProcessingReport(report);
    expect(parsed).toEqual({
      documentTransactionId: '50012345',
      statusCode: 'Complete',
      summary: { processed: 3, successful: 1, withError: 1, withWarning: 1 },
      results: [
        { messageId: 2, resultCode: 'Error', messageCode: '25', description: 'Order & item not found', amazonOrderId: '303-1234567-1234567' },
        { messageId: 3, resultCode: 'Warning', messageCode: '18028', description: 'Late', amazonOrderId: null },
      ],
    });
    const errors = await validateOrderFeedXml(report);
    if (errors !== null) expect(errors).toEqual([]);
  });

  test('a document that is not a report is a retryable error', () => {
    expect(() => parseProcessingReport('<nope/>')).toThrow(/no ProcessingReport/);
    expect(() => parseProcessingReport('not xml')).toThrow(SellerSyncError);
  });
});
