import { randomUUID } from 'node:crypto';

/** Identifiers shaped like Amazon's; counters keep them unique and readable in test output. */
export interface IdSource {
  /** Numeric, like Amazon's feed ids ("50017018932"). */
  feedId(): string;
  reportId(): string;
  /** 3-7-7 digits; the first block hints the region as Amazon's do. */
  orderId(region: 'na' | 'eu' | 'fe'): string;
  /** 14 digits (the XML feeds' AmazonOrderItemCode pattern). */
  orderItemId(): string;
  /** 10 characters starting with B0, for listings that create a new catalog item. */
  asin(): string;
  /** Merchant listings report "listing-id". */
  listingId(): string;
  feedDocumentId(region: string): string;
  reportDocumentId(region: string): string;
  uuid(): string;
}

export function createIdSource(): IdSource {
  let feed = 50_017_000_000;
  let report = 53_000_000_000;
  let order = 0;
  let item = 10_000_000_000_000;
  let asin = 0;
  let listing = 0;
  const suffix = () => randomUUID().replace(/-/g, '').slice(0, 14).toUpperCase();
  return {
    feedId: () => String(++feed),
    reportId: () => String(++report),
    orderId(region) {
      order += 1;
      const prefix = region === 'na' ? '111' : region === 'eu' ? '302' : '503';
      const middle = String(1_000_000 + ((order * 7_919) % 9_000_000)).padStart(7, '0');
      return `${prefix}-${middle}-${String(order).padStart(7, '0')}`;
    },
    orderItemId: () => String((item += 7)),
    asin: () => `B0NEW${String(++asin).padStart(5, '0')}`,
    listingId: () => `1123SIM${String(++listing).padStart(6, '0')}`,
    feedDocumentId: (region) => `amzn1.tortuga.4.${region}.${randomUUID()}.T${suffix()}`,
    reportDocumentId: (region) => `amzn1.spdoc.1.4.${region}.${randomUUID()}.T${suffix()}`,
    uuid: () => randomUUID(),
  };
}
