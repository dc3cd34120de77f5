import type { Knex } from 'knex';
import { DEFAULT_ACCOUNT_ID, skuProblem } from '../change-log';
import { chunk, toNumber } from '../database/dialect';
import { resolveTableNames } from '../database/table-names';
import { SellerSyncError, describeValue, driverMessage } from '../errors';
import { MARKETPLACE_ID_PATTERN } from '../marketplaces';
import { toCsv } from './csv-export';
import { storableText } from './stored-text';
import { parseAsin } from './product-identifier';
import type {
  FulfillmentChannel,
  ListProductMappingsOptions,
  ProductMapping,
  ProductMappingInput,
  ProductMappingOutcome,
  ProductMappingSource,
  ProductMappingStore,
  ProductMappingUpsertResult,
} from './product-mapping';

/** Options of {@link createProductMappings}. */
export interface ProductMappingsOptions {
  /** Prefix of sellersync's tables, as given to `migrate`. Default `sellersync_`. */
  readonly tablePrefix?: string;
  /** The seller account whose mappings this store reads and writes. Default `"default"`. */
  readonly accountId?: string;
  /** The time source (ms since the epoch). Default `Date.now`. */
  readonly clock?: () => number;
}

/** The fulfilment channels. */
export const FULFILLMENT_CHANNELS: readonly FulfillmentChannel[] = ['MFN', 'AFN'];
/** The sources of mappings. */
export const PRODUCT_MAPPING_SOURCES: readonly ProductMappingSource[] = ['listings-report', 'csv-import', 'catalog-search', 'manual'];

/**
 * The columns of `exportCsv`: the import's (Title, Internal Reference, Seller SKU, Marketplace,
 * Fulfilment, ASIN), then Product Ref and Variant Ref (which the import reads when Internal
 * Reference is empty, as it is in an export), then Source, Account and Updated At (ignored on import).
 */
export const MAPPING_EXPORT_COLUMNS: readonly string[] = [
  'Title',
  'Internal Reference',
  'Seller SKU',
  'Marketplace',
  'Fulfilment',
  'ASIN',
  'Product Ref',
  'Variant Ref',
  'Source',
  'Account',
  'Updated At',
];

const WRITE_CHUNK = 500;
const READ_CHUNK = 500;
const MAX_REF_LENGTH = 191;

interface MappingRow {
  id: number | string;
  account_id: string;
  marketplace_id: string;
  seller_sku: string;
  fulfillment_channel: string;
  product_ref: string;
  variant_ref: string | null;
  asin: string | null;
  source: string;
  title: string | null;
  created_at: number | string;
  updated_at: number | string;
}

interface NormalizedMapping {
  readonly marketplaceId: string;
  readonly sellerSku: string;
  readonly fulfillmentChannel: FulfillmentChannel;
  readonly productRef: string;
  readonly variantRef: string | null;
  readonly asin: string | null;
  readonly source: ProductMappingSource;
  readonly title: string | null;
}

function fromRow(row: MappingRow): ProductMapping {
  return {
    id: toNumber(row.id),
    accountId: row.account_id,
    marketplaceId: row.marketplace_id,
    sellerSku: row.seller_sku,
    fulfillmentChannel: row.fulfillment_channel as FulfillmentChannel,
    productRef: row.product_ref,
    variantRef: row.variant_ref,
    asin: row.asin,
    source: row.source as ProductMappingSource,
    title: row.title,
    createdAt: new Date(toNumber(row.created_at)),
    updatedAt: new Date(toNumber(row.updated_at)),
  };
}

function invalidMapping(index: number, input: unknown, field: string, rule: string, value: unknown): SellerSyncError {
  const sku = (input as { sellerSku?: unknown } | null)?.sellerSku;
  const item = typeof sku === 'string' ? `seller SKU ${describeValue(sku)}` : `mapping #${index}`;
  return new SellerSyncError({
    code: 'INVALID_MAPPING',
    message: `Mapping not stored: ${item}: ${field} ${rule}; got ${describeValue(value)}.`,
    details: { item: typeof sku === 'string' ? sku : `#${index}`, index, field, rule, value },
  });
}

function refProblem(value: unknown, nullable: boolean): string | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_REF_LENGTH)
    return `must be a string of 1 to ${MAX_REF_LENGTH} characters${nullable ? ' or null' : ''}`;
  return null;
}

/** Validates a mapping to store and fills its defaults. @throws SellerSyncError `INVALID_MAPPING`. */
export function normalizeMapping(input: ProductMappingInput, index = 0): NormalizedMapping {
  if (typeof input !== 'object' || input === null) throw invalidMapping(index, input, 'mapping', 'must be an object', input);
  if (typeof input.marketplaceId !== 'string' || !MARKETPLACE_ID_PATTERN.test(input.marketplaceId))
    throw invalidMapping(index, input, 'marketplaceId', 'must be an Amazon marketplace id such as A1PA6795UKMFR9', input.marketplaceId);
  const skuRule = skuProblem(input.sellerSku);
  if (skuRule) throw invalidMapping(index, input, 'sellerSku', skuRule, input.sellerSku);
  const fulfillmentChannel = input.fulfillmentChannel ?? 'MFN';
  if (!FULFILLMENT_CHANNELS.includes(fulfillmentChannel))
    throw invalidMapping(index, input, 'fulfillmentChannel', 'must be MFN or AFN', fulfillmentChannel);
  const productRule = refProblem(input.productRef, false);
  if (productRule) throw invalidMapping(index, input, 'productRef', productRule, input.productRef);
  const variantRef = input.variantRef ?? null;
  const variantRule = refProblem(variantRef, true);
  if (variantRule) throw invalidMapping(index, input, 'variantRef', variantRule, variantRef);
  let asin: string | null = null;
  if (input.asin !== null && input.asin !== undefined) {
    const parsed = parseAsin(input.asin);
    if (!parsed.ok) throw invalidMapping(index, input, 'asin', parsed.message, input.asin);
    asin = parsed.value;
  }
  if (!PRODUCT_MAPPING_SOURCES.includes(input.source))
    throw invalidMapping(index, input, 'source', `must be one of ${PRODUCT_MAPPING_SOURCES.join(', ')}`, input.source);
  const title = input.title ?? null;
  if (title !== null && typeof title !== 'string') throw invalidMapping(index, input, 'title', 'must be a string or null', title);
  // a title is for display: a longer one is clipped rather than the mapping refused
  return {
    marketplaceId: input.marketplaceId,
    sellerSku: input.sellerSku,
    fulfillmentChannel,
    productRef: input.productRef,
    variantRef,
    asin,
    source: input.source,
    title: title === null ? null : storableText(title),
  };
}

function same(row: MappingRow, mapping: NormalizedMapping): boolean {
  return (
    row.fulfillment_channel === mapping.fulfillmentChannel &&
    row.product_ref === mapping.productRef &&
    (row.variant_ref ?? null) === mapping.variantRef &&
    (row.asin ?? null) === mapping.asin &&
    row.source === mapping.source &&
    (row.title ?? null) === mapping.title
  );
}

const keyOf = (marketplaceId: string, sellerSku: string) => `${marketplaceId}\u0000${sellerSku}`;

/**
 * The mapping table of one seller account (see {@link ProductMappingStore}). Pass a transaction to
 * make its writes part of it (the CSV import's all-or-nothing mode does).
 */
export function createProductMappings(db: Knex | Knex.Transaction, options: ProductMappingsOptions = {}): ProductMappingStore {
  const table = resolveTableNames(options.tablePrefix).productMappings;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const clock = options.clock ?? Date.now;
  const base = () => db<MappingRow>(table).where('account_id', accountId);

  const findBy = async (column: 'seller_sku' | 'asin' | 'product_ref', values: readonly string[], marketplaceId?: string) => {
    const out: ProductMapping[] = [];
    for (const part of chunk([...new Set(values)], READ_CHUNK)) {
      const query = base().whereIn(column, part);
      if (marketplaceId !== undefined) query.andWhere('marketplace_id', marketplaceId);
      for (const row of await query.select('*')) out.push(fromRow(row));
    }
    return out.sort((a, b) => a.id - b.id);
  };

  const filtered = (filter: { readonly marketplaceId?: string; readonly source?: ProductMappingSource }) => {
    const query = base();
    if (filter.marketplaceId !== undefined) query.andWhere('marketplace_id', filter.marketplaceId);
    if (filter.source !== undefined) query.andWhere('source', filter.source);
    return query;
  };

  const store: ProductMappingStore = {
    accountId,

    async upsert(inputs) {
      const normalized = inputs.map((input, index) => normalizeMapping(input, index));
      const outcomes: ProductMappingOutcome[] = normalized.map(() => 'unchanged');
      const lastIndex = new Map<string, number>();
      normalized.forEach((mapping, index) => lastIndex.set(keyOf(mapping.marketplaceId, mapping.sellerSku), index));
      const byMarketplace = new Map<string, number[]>();
      for (const index of lastIndex.values()) {
        const marketplaceId = normalized[index]!.marketplaceId;
        const list = byMarketplace.get(marketplaceId) ?? [];
        list.push(index);
        byMarketplace.set(marketplaceId, list);
      }
      let created = 0;
      let updated = 0;
      const now = clock();
      const refused = (error: unknown, marketplaceId: string, skus: readonly string[]) =>
        new SellerSyncError({
          code: 'DATABASE_ERROR',
          message:
            `Could not store ${skus.length} mapping(s) of ${marketplaceId} (seller SKU ${describeValue(skus[0])}${skus.length > 1 ? ' and others' : ''}): ` +
            `${driverMessage(error)}. Has migrate() run for this table prefix? Earlier statements of this call are kept unless it ran in a transaction.`,
          details: { item: skus[0], field: 'mapping', rule: 'the database accepts the row' },
          cause: error,
        });
      for (const [marketplaceId, indexes] of byMarketplace) {
        for (const part of chunk(indexes, WRITE_CHUNK)) {
          const skus = part.map((index) => normalized[index]!.sellerSku);
          const existing = new Map<string, MappingRow>();
          let rows: MappingRow[];
          try {
            rows = await base().andWhere('marketplace_id', marketplaceId).whereIn('seller_sku', skus).select('*');
          } catch (error) {
            throw refused(error, marketplaceId, skus);
          }
          for (const row of rows) existing.set(row.seller_sku, row);
          const writes: Record<string, unknown>[] = [];
          for (const index of part) {
            const mapping = normalized[index]!;
            const row = existing.get(mapping.sellerSku);
            if (row && same(row, mapping)) continue;
            outcomes[index] = row ? 'updated' : 'created';
            if (row) updated += 1;
            else created += 1;
            writes.push({
              account_id: accountId,
              marketplace_id: mapping.marketplaceId,
              seller_sku: mapping.sellerSku,
              fulfillment_channel: mapping.fulfillmentChannel,
              product_ref: mapping.productRef,
              variant_ref: mapping.variantRef,
              asin: mapping.asin,
              source: mapping.source,
              title: mapping.title,
              created_at: now,
              updated_at: now,
            });
          }
          if (writes.length > 0)
            try {
              await db(table)
                .insert(writes)
                .onConflict(['account_id', 'marketplace_id', 'seller_sku'])
                .merge(['fulfillment_channel', 'product_ref', 'variant_ref', 'asin', 'source', 'title', 'updated_at']);
            } catch (error) {
              throw refused(error, marketplaceId, writes.map((w) => String(w.seller_sku)));
            }
        }
      }
      const unchanged = outcomes.length - created - updated;
      return { created, updated, unchanged, outcomes } satisfies ProductMappingUpsertResult;
    },

    findBySellerSkus: (sellerSkus, marketplaceId) => findBy('seller_sku', sellerSkus, marketplaceId),
    findByAsins: (asins, marketplaceId) => findBy('asin', asins.map((asin) => asin.toUpperCase()), marketplaceId),
    findByProductRefs: (productRefs, marketplaceId) => findBy('product_ref', productRefs, marketplaceId),

    async findByProduct(productRef, variantRef) {
      const query = base().andWhere('product_ref', productRef);
      if (variantRef === null) query.whereNull('variant_ref');
      else if (variantRef !== undefined) query.andWhere('variant_ref', variantRef);
      return (await query.orderBy('id').select('*')).map(fromRow);
    },

    async list(listOptions: ListProductMappingsOptions = {}) {
      const query = filtered(listOptions);
      if (listOptions.afterId !== undefined) query.andWhere('id', '>', listOptions.afterId);
      const rows = await query
        .orderBy('id')
        .limit(listOptions.limit ?? 1000)
        .offset(listOptions.offset ?? 0)
        .select('*');
      return rows.map(fromRow);
    },

    async count(filter = {}) {
      const [row] = await filtered(filter).count({ n: '*' });
      return toNumber((row as { n: unknown } | undefined)?.n ?? 0);
    },

    async remove(keys) {
      let removed = 0;
      const byMarketplace = new Map<string, string[]>();
      for (const key of keys) byMarketplace.set(key.marketplaceId, [...(byMarketplace.get(key.marketplaceId) ?? []), key.sellerSku]);
      for (const [marketplaceId, skus] of byMarketplace)
        for (const part of chunk(skus, READ_CHUNK)) removed += await base().andWhere('marketplace_id', marketplaceId).whereIn('seller_sku', part).delete();
      return removed;
    },

    async exportCsv(exportOptions = {}) {
      const rows: (string | null)[][] = [];
      let afterId = 0;
      for (;;) {
        const page = await store.list({ marketplaceId: exportOptions.marketplaceId, afterId, limit: 5000 });
        for (const m of page)
          rows.push([m.title, '', m.sellerSku, m.marketplaceId, m.fulfillmentChannel, m.asin, m.productRef, m.variantRef, m.source, m.accountId, m.updatedAt.toISOString()]);
        if (page.length < 5000) break;
        afterId = page[page.length - 1]!.id;
      }
      return toCsv(MAPPING_EXPORT_COLUMNS, rows);
    },
  };
  return store;
}
