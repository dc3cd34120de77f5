import { parse } from 'csv-parse/sync';
import { SellerSyncError } from '../errors';
import type { FulfillmentChannel, MatchCandidate } from './product-mapping';

/** Amazon's report of every listing of a seller in one marketplace (tab-separated). */
export const MERCHANT_LISTINGS_REPORT_TYPE = 'GET_MERCHANT_LISTINGS_ALL_DATA';

/** One row of `GET_MERCHANT_LISTINGS_ALL_DATA`, the columns sellersync reads. */
export interface MerchantListingRow {
  /** Position of the row in the report: the header is 1; blank lines are not counted. */
  readonly line: number;
  readonly sellerSku: string;
  readonly title: string;
  readonly asin: string | null;
  /** `product-id` when `product-id-type` says ISBN (2), UPC (3) or EAN (4). */
  readonly gtin: string | null;
  readonly price: string | null;
  readonly quantity: string | null;
  readonly fulfillmentChannel: FulfillmentChannel;
  /** `Active`, `Inactive`, `Incomplete`, ... as Amazon writes it. */
  readonly status: string | null;
}

const GTIN_ID_TYPES = new Set(['2', '3', '4']);
const SLICE = 1 << 20;

/** The matcher's view of a report row. */
export function listingCandidate(row: MerchantListingRow, marketplaceId: string): MatchCandidate {
  return { sellerSku: row.sellerSku, asin: row.asin, gtin: row.gtin, marketplaceId, fulfillmentChannel: row.fulfillmentChannel };
}

/**
 * Reads a `GET_MERCHANT_LISTINGS_ALL_DATA` document: tab-separated with a header row of Amazon's
 * column names (`item-name`, `seller-sku`, `asin1`, `product-id-type`, `product-id`, `price`,
 * `quantity`, `fulfillment-channel`, `status`); quotes are ordinary characters. Yields rows in
 * batches of `batchSize`, so a report of a million listings is never held as parsed rows at once.
 *
 * @throws SellerSyncError `REPORT_FAILED` when the header lacks `seller-sku`.
 */
export async function* readMerchantListingsReport(text: string, options: { readonly batchSize?: number } = {}): AsyncGenerator<MerchantListingRow[]> {
  const batchSize = options.batchSize ?? 5000;
  let columns: Map<string, number> | null = null;
  let batch: MerchantListingRow[] = [];
  let line = 0;
  // quotes are not special, so a line break always ends a row: the text is parsed in slices cut at
  // line breaks, synchronously (csv-parse's stream costs an await per row)
  for (let offset = 0; offset < text.length; ) {
    let end = offset + SLICE >= text.length ? text.length : text.indexOf('\n', offset + SLICE);
    end = end === -1 ? text.length : end + 1;
    const records = parse(text.slice(offset, end), {
      delimiter: '\t',
      quote: false,
      bom: offset === 0,
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
    offset = end;
    for (const record of records) {
      line += 1;
      if (columns === null) {
        columns = new Map(record.map((name, index) => [name.trim().toLowerCase(), index]));
        if (!columns.has('seller-sku'))
          throw new SellerSyncError({
            code: 'REPORT_FAILED',
            message:
              `The ${MERCHANT_LISTINGS_REPORT_TYPE} report has no "seller-sku" column (found ${record.slice(0, 8).join(', ')}); ` +
              `sellersync reads Amazon's English column names.`,
            details: { item: MERCHANT_LISTINGS_REPORT_TYPE, field: 'seller-sku', rule: 'report header' },
          });
        continue;
      }
      const header = columns;
      const cell = (name: string): string | null => {
        const index = header.get(name);
        const value = index === undefined ? undefined : record[index];
        return value === undefined || value.trim() === '' ? null : value.trim();
      };
      const productIdType = cell('product-id-type');
      const channel = cell('fulfillment-channel');
      batch.push({
        line,
        sellerSku: (header.get('seller-sku') !== undefined ? record[header.get('seller-sku')!] : '') ?? '',
        title: cell('item-name') ?? '',
        asin: cell('asin1') ?? (productIdType === '1' ? cell('product-id') : null),
        gtin: productIdType !== null && GTIN_ID_TYPES.has(productIdType) ? cell('product-id') : null,
        price: cell('price'),
        quantity: cell('quantity'),
        fulfillmentChannel: channel === null || channel.toUpperCase() === 'DEFAULT' ? 'MFN' : 'AFN',
        status: cell('status'),
      });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
