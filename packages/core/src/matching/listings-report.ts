import { parse } from 'csv-parse/sync';
import { SellerSyncError } from '../errors';
import { marketplaceInfo } from '../marketplaces';
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

/**
 * The Japanese names Amazon.co.jp gives the columns sellersync reads (the report of a seller whose
 * "Language for feed processing report" is Japanese), as public parsers of real JP reports read
 * them; the ASIN column is `ASIN 1` in recent reports, `asin1` in older ones.
 */
const COLUMN_ALIASES: Readonly<Record<string, string>> = {
  出品者sku: 'seller-sku',
  商品名: 'item-name',
  'asin 1': 'asin1',
  商品idタイプ: 'product-id-type',
  商品id: 'product-id',
  価格: 'price',
  数量: 'quantity',
  'フルフィルメント・チャンネル': 'fulfillment-channel',
  ステータス: 'status',
};

// Latin-script stores whose flat files Amazon writes in windows-1252 ("Cp1252"); Polish letters
// outside it arrive as "?"
const CP1252_COUNTRIES = new Set(['US', 'CA', 'MX', 'BR', 'GB', 'IE', 'DE', 'FR', 'IT', 'ES', 'NL', 'BE', 'SE', 'PL']);

/**
 * The charset a marketplace's listings report is decoded with when its download names none:
 * `windows-1252` for the Latin-script NA and EU stores, `shift_jis` for Amazon.co.jp (the WHATWG
 * decoder of that name is Windows-31J, Shift_JIS with Microsoft's extensions), `utf-8` for the
 * others. A charset the Content-Type names always wins.
 */
export function reportCharsetFor(marketplaceId: string): 'windows-1252' | 'shift_jis' | 'utf-8' {
  const country = marketplaceInfo(marketplaceId)?.country;
  if (country === 'JP') return 'shift_jis';
  return country !== undefined && CP1252_COUNTRIES.has(country) ? 'windows-1252' : 'utf-8';
}
const SLICE = 1 << 20;

/** The matcher's view of a report row. */
export function listingCandidate(row: MerchantListingRow, marketplaceId: string): MatchCandidate {
  return { sellerSku: row.sellerSku, asin: row.asin, gtin: row.gtin, marketplaceId, fulfillmentChannel: row.fulfillmentChannel };
}

/**
 * Reads a `GET_MERCHANT_LISTINGS_ALL_DATA` document: tab-separated with a header row of Amazon's
 * column names (`item-name`, `seller-sku`, `asin1`, `product-id-type`, `product-id`, `price`,
 * `quantity`, `fulfillment-channel`, `status`, or their Japanese names in an Amazon.co.jp report);
 * quotes are ordinary characters. Yields rows in batches of `batchSize`, so a report of a million
 * listings is never held as parsed rows at once.
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
        columns = new Map(
          record.map((name, index) => {
            const key = name.trim().toLowerCase();
            return [COLUMN_ALIASES[key] ?? key, index];
          }),
        );
        if (!columns.has('seller-sku'))
          throw new SellerSyncError({
            code: 'REPORT_FAILED',
            message:
              `The ${MERCHANT_LISTINGS_REPORT_TYPE} report has no "seller-sku" column (found ${record.slice(0, 8).join(', ')}); ` +
              `sellersync reads Amazon's English column names (and Amazon.co.jp's Japanese ones): set the "Language for feed processing report" ` +
              `in Seller Central (Settings → Account Info) to English.`,
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
