import { SellerSyncError } from '../errors';
import { buildAmazonEnvelope, checkXsdString } from './amazon-xml-feed';
import { AMAZON_ORDER_ID_PATTERN } from './validate-amazon-order';

/** The feed type that acknowledges orders with the shop's order id. */
export const ORDER_ACKNOWLEDGEMENT_FEED_TYPE = 'POST_ORDER_ACKNOWLEDGEMENT_DATA';

/** One order to acknowledge. */
export interface OrderAcknowledgement {
  readonly amazonOrderId: string;
  /** The shop's order id (`MerchantOrderID`), at most 50 characters; `null` to leave it out. */
  readonly merchantOrderId: string | null;
  /** `Success`: the shop took the order. `Failure`: it could not (Amazon then cancels it). Default `Success`. */
  readonly statusCode?: 'Success' | 'Failure';
}

/**
 * Builds a `POST_ORDER_ACKNOWLEDGEMENT_DATA` document: one `OrderAcknowledgement` message per
 * order, `MessageID` 1, 2, ... in the order given. Valid against Amazon's OrderAcknowledgement.xsd.
 * @throws SellerSyncError `INVALID_ORDER` for an order id or merchant order id the schema refuses.
 */
export function buildOrderAcknowledgementFeed(merchantIdentifier: string, acknowledgements: readonly OrderAcknowledgement[]): string {
  if (acknowledgements.length === 0)
    throw new SellerSyncError({
      code: 'INVALID_ORDER',
      message: 'An order acknowledgement feed needs at least one order.',
      details: { field: 'acknowledgements', rule: 'at least one' },
    });
  for (const ack of acknowledgements) {
    if (!AMAZON_ORDER_ID_PATTERN.test(ack.amazonOrderId))
      throw new SellerSyncError({
        code: 'INVALID_ORDER',
        message: `Amazon order id ${JSON.stringify(ack.amazonOrderId)} does not look like 123-1234567-1234567.`,
        details: { item: ack.amazonOrderId, field: 'AmazonOrderID', rule: '3-7-7 word characters' },
      });
    if (ack.merchantOrderId !== null) checkXsdString(ack.merchantOrderId, 'MerchantOrderID', `Amazon order ${ack.amazonOrderId}`, 'INVALID_ORDER');
  }
  return buildAmazonEnvelope(merchantIdentifier, 'OrderAcknowledgement', acknowledgements, (message, ack) => {
    const body = message.ele('OrderAcknowledgement');
    body.ele('AmazonOrderID').txt(ack.amazonOrderId);
    if (ack.merchantOrderId !== null) body.ele('MerchantOrderID').txt(ack.merchantOrderId);
    body.ele('StatusCode').txt(ack.statusCode ?? 'Success');
  });
}
