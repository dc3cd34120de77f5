import type { CatalogStore } from '../catalog/catalog-store';
import { isAmazonFulfilled, listingStatus, offerOf, textAttribute, type ListingRecord } from '../listings/listings-store';

/** The columns of GET_MERCHANT_LISTINGS_ALL_DATA / GET_MERCHANT_LISTINGS_DATA, in Amazon's order. */
export const MERCHANT_LISTINGS_COLUMNS = [
  'item-name', 'item-description', 'listing-id', 'seller-sku', 'price', 'quantity', 'open-date', 'image-url',
  'item-is-marketplace', 'product-id-type', 'zshop-shipping-fee', 'item-note', 'item-condition', 'zshop-category1',
  'zshop-browse-path', 'zshop-storefront-feature', 'asin1', 'asin2', 'asin3', 'will-ship-internationally',
  'expedited-shipping', 'zshop-boldface', 'product-id', 'bid-for-featured-placement', 'add-delete', 'pending-quantity',
  'fulfillment-channel', 'merchant-shipping-group', 'status',
] as const;

type Column = (typeof MERCHANT_LISTINGS_COLUMNS)[number];

/**
 * The columns of the same report on Amazon.co.jp, in its order: Japanese names, several columns
 * fewer and the business-price columns more. Each names the English column it carries (`null`:
 * always empty here). Read from public parsers of real JP reports; the ASIN column is `ASIN 1`
 * in recent files (`asin1` in older ones).
 */
export const MERCHANT_LISTINGS_COLUMNS_JA: readonly (readonly [string, Column | null])[] = [
  ['出品者SKU', 'seller-sku'], ['ASIN 1', 'asin1'], ['商品名', 'item-name'], ['商品の説明', 'item-description'], ['出品ID', 'listing-id'],
  ['価格', 'price'], ['数量', 'quantity'], ['出品日', 'open-date'], ['商品IDタイプ', 'product-id-type'], ['コンディション説明', 'item-note'],
  ['コンディション', 'item-condition'], ['国外へ配送可', 'will-ship-internationally'], ['迅速な配送', 'expedited-shipping'], ['商品ID', 'product-id'],
  ['在庫数', 'pending-quantity'], ['フルフィルメント・チャンネル', 'fulfillment-channel'], ['法人価格', null], ['数量割引のタイプ', null],
  ['数量の下限1', null], ['数量割引1', null], ['数量の下限2', null], ['数量割引2', null], ['数量の下限3', null], ['数量割引3', null],
  ['数量の下限4', null], ['数量割引4', null], ['数量の下限5', null], ['数量割引5', null], ['使用しない支払い方法', null],
  ['配送日時指定SKUリスト', null], ['merchant-shipping-group', 'merchant-shipping-group'], ['ポイント', null], ['商品税コード', null],
  ['ステータス', 'status'], ['出品価格の下限', null], ['出品価格の上限', null],
];

const PRODUCT_ID_TYPES: Readonly<Record<string, string>> = { ASIN: '1', ISBN: '2', UPC: '3', EAN: '4' };
const CONDITIONS: Readonly<Record<string, string>> = {
  used_like_new: '1', used_very_good: '2', used_good: '3', used_acceptable: '4', collectible_like_new: '5',
  collectible_very_good: '6', collectible_good: '7', collectible_acceptable: '8', refurbished_refurbished: '10', new_new: '11',
};

const clean = (value: string) => value.replace(/[\t\r\n]+/g, ' ');

function openDate(ms: number, language: 'en' | 'ja'): string {
  // Amazon.co.jp writes Japan time as 2026/01/31 09:00:00 JST
  if (language === 'ja') return `${new Date(ms + 9 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '/')} JST`;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * The tab-separated report text (one header line, one line per listing, CRLF-free), with English
 * column names or (`ja`, Amazon.co.jp) Japanese ones.
 */
export function buildMerchantListingsReport(listings: readonly ListingRecord[], catalog: CatalogStore, activeOnly: boolean, language: 'en' | 'ja' = 'en'): string {
  const lines = [language === 'ja' ? MERCHANT_LISTINGS_COLUMNS_JA.map(([name]) => name).join('\t') : MERCHANT_LISTINGS_COLUMNS.join('\t')];
  const sorted = [...listings].sort((a, b) => a.createdDate - b.createdDate || a.sku.localeCompare(b.sku));
  for (const record of sorted) {
    const status = listingStatus(record);
    if (activeOnly && status !== 'Active') continue;
    const offer = offerOf(record);
    const afn = isAmazonFulfilled(offer);
    const image = record.attributes.main_product_image_locator?.[0]?.media_location;
    const name = textAttribute(record, 'item_name') ?? (record.asin !== undefined ? catalog.get(record.asin)?.title : undefined) ?? '';
    const row: Record<Column, string> = {
      'item-name': name,
      'item-description': textAttribute(record, 'product_description') ?? '',
      'listing-id': record.listingId,
      'seller-sku': record.sku,
      price: offer.price ?? '',
      quantity: afn ? '' : String(offer.quantity ?? 0),
      'open-date': openDate(record.createdDate, language),
      'image-url': typeof image === 'string' ? image : '',
      'item-is-marketplace': 'y',
      'product-id-type': PRODUCT_ID_TYPES[record.productIdType ?? 'ASIN'] ?? '1',
      'zshop-shipping-fee': '',
      'item-note': '',
      'item-condition': CONDITIONS[offer.conditionType ?? 'new_new'] ?? '11',
      'zshop-category1': '',
      'zshop-browse-path': '',
      'zshop-storefront-feature': '',
      asin1: record.asin ?? '',
      asin2: '',
      asin3: '',
      'will-ship-internationally': '',
      'expedited-shipping': '',
      'zshop-boldface': '',
      'product-id': record.productId ?? record.asin ?? '',
      'bid-for-featured-placement': '',
      'add-delete': '',
      'pending-quantity': afn ? '' : '0',
      'fulfillment-channel': offer.fulfillmentChannelCode ?? 'DEFAULT',
      'merchant-shipping-group': afn ? '' : 'Migrated Template',
      status,
    };
    lines.push(
      language === 'ja'
        ? MERCHANT_LISTINGS_COLUMNS_JA.map(([, column]) => (column === null ? '' : clean(row[column]))).join('\t')
        : MERCHANT_LISTINGS_COLUMNS.map((column) => clean(row[column])).join('\t'),
    );
  }
  return `${lines.join('\n')}\n`;
}
