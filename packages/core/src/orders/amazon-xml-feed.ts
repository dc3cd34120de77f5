import { create } from 'xmlbuilder2';
import { SellerSyncError, describeValue, type SellerSyncErrorCode } from '../errors';

/** An element being built (xmlbuilder2's `XMLBuilder`, which its package index does not export). */
export type XmlElement = ReturnType<typeof create>;

/** Content type of Amazon's XML feeds. */
export const XML_FEED_CONTENT_TYPE = 'text/xml; charset=UTF-8';

/** The XML message types sellersync sends (amzn-envelope.xsd `MessageType`). */
export type AmazonXmlMessageType = 'OrderAcknowledgement' | 'OrderFulfillment';

/**
 * Builds an `AmazonEnvelope` (amzn-envelope.xsd, DocumentVersion 1.01): the header with the
 * merchant token, the message type, and one `Message` per item with `MessageID` 1, 2, 3, ...
 * in the order given. `fill` writes the message body into the `Message` element.
 */
export function buildAmazonEnvelope<T>(
  merchantIdentifier: string,
  messageType: AmazonXmlMessageType,
  items: readonly T[],
  fill: (message: XmlElement, item: T, messageId: number) => void,
): string {
  checkXsdString(merchantIdentifier, 'MerchantIdentifier', 'sellerId', 'INVALID_OPTIONS');
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('AmazonEnvelope', {
    'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
    'xsi:noNamespaceSchemaLocation': 'amzn-envelope.xsd',
  });
  root.ele('Header').ele('DocumentVersion').txt('1.01').up().ele('MerchantIdentifier').txt(merchantIdentifier);
  root.ele('MessageType').txt(messageType);
  items.forEach((item, index) => {
    const message = root.ele('Message');
    message.ele('MessageID').txt(String(index + 1));
    fill(message, item, index + 1);
  });
  return root.end({ prettyPrint: true });
}

// characters XML 1.0 does not allow (control characters, U+FFFE/U+FFFF) and lone surrogates: one
// of them makes the whole document unreadable for Amazon, and every message in it fails
const NOT_XML_CHAR = /[\u0000-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a value against the XSD type `String` (a normalizedString of 1 to `max` characters: no
 * tab, carriage return or line feed), made of characters XML 1.0 allows.
 * @throws SellerSyncError with `code`, naming the item and the field.
 */
export function checkXsdString(value: unknown, field: string, item: string, code: SellerSyncErrorCode, max = 50): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || NOT_XML_CHAR.test(value))
    throw new SellerSyncError({
      code,
      message: `${item}: ${field} must be 1 to ${max} characters without tabs, line breaks or other control characters (Amazon's XML schema); got ${describeValue(value)}.`,
      details: { item, field, rule: `1 to ${max} characters XML allows, no tab, line break or control character`, value },
    });
  return value;
}

/** One result line of an XML processing report: a message with an error or a warning. */
export interface ProcessingReportResult {
  readonly messageId: number;
  readonly resultCode: 'Error' | 'Warning';
  /** Amazon's numeric result code, as text (`25`, `18028`). */
  readonly messageCode: string;
  readonly description: string;
  readonly amazonOrderId: string | null;
}

/** Amazon's XML `ProcessingReport` (ProcessingReport.xsd) of an order feed. */
export interface ProcessingReport {
  readonly documentTransactionId: string | null;
  /** `Complete`, `Processing` or `Rejected`. */
  readonly statusCode: string;
  readonly summary: {
    readonly processed: number;
    readonly successful: number;
    readonly withError: number;
    readonly withWarning: number;
  } | null;
  /** Messages with errors or warnings; a message not listed here succeeded. */
  readonly results: readonly ProcessingReportResult[];
}

interface DomElement {
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<{ readonly nodeType: number }>;
  getElementsByTagName(name: string): ArrayLike<DomElement> & { item(index: number): DomElement | null };
}

function childText(element: DomElement, name: string): string | null {
  const found = element.getElementsByTagName(name).item(0);
  const value = found?.textContent?.trim();
  return value === undefined || value === '' ? null : value;
}

/**
 * Reads the XML processing report of an order feed (`POST_ORDER_ACKNOWLEDGEMENT_DATA`,
 * `POST_ORDER_FULFILLMENT_DATA`).
 * @throws SellerSyncError `AMAZON_CALL_FAILED` when the document is not a processing report.
 */
export function parseProcessingReport(xml: string): ProcessingReport {
  let root: DomElement;
  try {
    root = create(xml).root().node as unknown as DomElement;
  } catch (error) {
    throw new SellerSyncError({
      code: 'AMAZON_CALL_FAILED',
      message: `Amazon's feed result is not XML (${(error as Error).message}); the feed is checked again on the next run.`,
      details: { item: 'processing report', value: xml.slice(0, 200) },
      cause: error,
      isRetryable: true,
    });
  }
  const report = root.getElementsByTagName('ProcessingReport').item(0);
  if (!report)
    throw new SellerSyncError({
      code: 'AMAZON_CALL_FAILED',
      message: "Amazon's feed result holds no ProcessingReport; the feed is checked again on the next run.",
      details: { item: 'processing report', value: xml.slice(0, 200) },
      isRetryable: true,
    });
  const summary = report.getElementsByTagName('ProcessingSummary').item(0);
  const count = (name: string) => Number(summary ? (childText(summary, name) ?? '0') : '0');
  const results: ProcessingReportResult[] = [];
  const list = report.getElementsByTagName('Result');
  for (let index = 0; index < list.length; index += 1) {
    const result = list.item(index);
    if (!result) continue;
    const code = childText(result, 'ResultCode');
    results.push({
      messageId: Number(childText(result, 'MessageID') ?? '0'),
      resultCode: code === 'Warning' ? 'Warning' : 'Error',
      messageCode: childText(result, 'ResultMessageCode') ?? '',
      description: childText(result, 'ResultDescription') ?? '',
      amazonOrderId: childText(result, 'AmazonOrderID'),
    });
  }
  return {
    documentTransactionId: childText(report, 'DocumentTransactionID'),
    statusCode: childText(report, 'StatusCode') ?? 'Complete',
    summary: summary
      ? {
          processed: count('MessagesProcessed'),
          successful: count('MessagesSuccessful'),
          withError: count('MessagesWithError'),
          withWarning: count('MessagesWithWarning'),
        }
      : null,
    results,
  };
}

/** What a processing report means for the messages of the feed it answers. */
export interface ProcessingOutcome {
  /** Messages an `Error` result names: Amazon refused them. */
  readonly refused: ReadonlyMap<number, ProcessingReportResult>;
  /**
   * `null` when Amazon processed the feed as a whole, so every message it does not refuse was
   * applied. Otherwise why not: a document-level error (`MessageID` 0, such as 5001 "XML parsing
   * error"), fewer messages processed than sent, or a status other than `Complete`. Then only the
   * messages the report names with a warning were applied; the others were not.
   */
  readonly incomplete: { readonly code: string; readonly message: string } | null;
  /** Whether the message was applied at Amazon. */
  applied(messageId: number): boolean;
}

/**
 * Reads a processing report against the feed it answers (`messagesSent` messages numbered from
 * 1): a message counts as applied only when the report says so, never because it is not named
 * in a report of a document Amazon did not process.
 */
export function readProcessingOutcome(report: ProcessingReport, messagesSent: number, feedId: string): ProcessingOutcome {
  const named = (result: ProcessingReportResult) => Number.isInteger(result.messageId) && result.messageId >= 1 && result.messageId <= messagesSent;
  const refused = new Map(report.results.filter((r) => r.resultCode === 'Error' && named(r)).map((r) => [r.messageId, r]));
  const warned = new Set(report.results.filter((r) => r.resultCode === 'Warning' && named(r)).map((r) => r.messageId));
  const documentErrors = report.results.filter((r) => r.resultCode === 'Error' && !named(r));
  const processed = report.summary?.processed ?? 0;
  const whole = documentErrors.length === 0 && report.statusCode === 'Complete' && report.summary !== null && processed >= messagesSent;
  const detail = documentErrors.map((r) => `[${r.messageCode}] ${r.description}`).join('; ');
  const incomplete = whole
    ? null
    : {
        code: documentErrors[0] ? `AMAZON_${documentErrors[0].messageCode}`.slice(0, 64) : 'REPORT_FAILED',
        message:
          `Amazon did not process feed ${feedId} as a whole (${processed} of ${messagesSent} messages, status ${report.statusCode})` +
          `${detail ? `: ${detail}` : ''}; sent again after a backoff.`,
      };
  return {
    refused,
    incomplete,
    applied: (messageId) => !refused.has(messageId) && (whole || warned.has(messageId)),
  };
}
