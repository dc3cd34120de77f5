import type { Knex } from 'knex';
import type { AmazonGateway, WaitOptions } from '../amazon-gateway';
import { DEFAULT_ACCOUNT_ID, skuProblem } from '../change-log';
import { SellerSyncError, describeValue, driverMessage } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { marketplaceInfo } from '../marketplaces';
import { parseMoney } from '../money';
import { hasCapability, requireCapability, type ShopAdapter, type ShopProduct } from '../shop-adapter';
import { buildCatalogIndex, indexProducts, type GrowingCatalogIndex } from './catalog-index';
import { MERCHANT_LISTINGS_REPORT_TYPE, listingCandidate, readMerchantListingsReport, reportCharsetFor, type MerchantListingRow } from './listings-report';
import { startMismatchRun, type MismatchInput, type MismatchReason } from './mismatch-log';
import { parseAsin, parseProductIdentifier } from './product-identifier';
import type { MatchPriority, MatchRule, ProductMapping, ProductMappingInput } from './product-mapping';
import { createProductMappings } from './product-mappings';
import { createProductMatcher, matchInIndex } from './product-matcher';

/** Options of {@link syncActiveListings}. */
export interface ActiveListingsSyncOptions {
  readonly db: Knex;
  readonly gateway: AmazonGateway;
  readonly adapter: ShopAdapter;
  readonly tablePrefix?: string;
  /** Default `"default"`. */
  readonly accountId?: string;
  /** The marketplaces to read, one report each. */
  readonly marketplaceIds: readonly string[];
  /** Default `sku-first`. */
  readonly priority?: MatchPriority;
  /**
   * Create the shop products of listings that match nothing (`not-found`), as the seeds'
   * "auto-create" does. Needs the adapter's `createProducts` capability. Default `false`.
   */
  readonly createMissingProducts?: boolean;
  /** The shop category of created products. Default `null` (the adapter's default). */
  readonly defaultCategoryRef?: string | null;
  /**
   * Decode the report with this charset instead of the one its download names. Default: the
   * download's charset, else the marketplace's usual one (`reportCharsetFor`).
   */
  readonly charset?: string;
  /** How long and how often to poll the report. */
  readonly wait?: WaitOptions;
  /** Rows matched and stored per step. Default 5000. */
  readonly batchSize?: number;
  /** Reports with at least this many rows are matched against one scan of the catalog. Default 2000. */
  readonly bulkThreshold?: number;
  readonly logger?: Logger;
  /** The time source (ms since the epoch). Default `Date.now`. */
  readonly clock?: () => number;
}

/** What happened in one marketplace. */
export interface ActiveListingsMarketplaceSummary {
  readonly marketplaceId: string;
  readonly reportId: string | null;
  /** Listings in the report. */
  readonly rows: number;
  readonly matched: number;
  /** Matches per rule. */
  readonly byRule: Readonly<Record<MatchRule, number>>;
  /** Rows written to the mismatch log. */
  readonly mismatched: number;
  readonly byReason: Readonly<Partial<Record<MismatchReason, number>>>;
  /** Shop products created for listings that matched nothing. */
  readonly productsCreated: number;
  readonly mappings: { readonly created: number; readonly updated: number; readonly unchanged: number };
  /** Set when this marketplace's report could not be read; the other marketplaces still ran. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** What {@link syncActiveListings} returns. */
export interface ActiveListingsSyncSummary {
  readonly accountId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly marketplaces: readonly ActiveListingsMarketplaceSummary[];
  readonly rows: number;
  readonly matched: number;
  readonly mismatched: number;
  readonly productsCreated: number;
}

const EXPLICIT_SOURCES = new Set(['csv-import', 'manual']);

/** An error of Amazon's side (a failed call or report) that ends one marketplace's step, not the run. */
export function isAmazonFailure(error: unknown): error is SellerSyncError {
  return SellerSyncError.isInstance(error) && (error.code.startsWith('AMAZON_') || error.code === 'REPORT_FAILED' || error.code === 'FEED_STUCK');
}

function countLines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count += 1;
  return count;
}

/**
 * "Sync active products": requests each marketplace's `GET_MERCHANT_LISTINGS_ALL_DATA` report,
 * matches every listing to a shop product and stores the mappings (seller SKU, fulfilment channel,
 * ASIN). Listings that match nothing, match several products, carry invalid identifiers or SKUs, or
 * contradict an explicit (CSV or manual) mapping go to the mismatch log; entries of earlier runs
 * that match now leave it. A bad row never stops the rest; a marketplace whose report fails is
 * reported and the others still run.
 *
 * @throws SellerSyncError `UNSUPPORTED_CAPABILITY` when `createMissingProducts` is on and the
 *   adapter cannot create products.
 */
export async function syncActiveListings(options: ActiveListingsSyncOptions): Promise<ActiveListingsSyncSummary> {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? silentLogger;
  if (options.createMissingProducts) requireCapability(options.adapter, 'createProducts', 'createMissingProducts of the listings report sync', 'createMissingProducts');
  const mappings = createProductMappings(options.db, { tablePrefix: options.tablePrefix, accountId, clock });
  const startedAt = new Date(clock());
  let catalogIndex: GrowingCatalogIndex | undefined;
  // the products createMissingProducts made in this run, across marketplaces
  const created = indexProducts([]);
  const summaries: ActiveListingsMarketplaceSummary[] = [];

  for (const marketplaceId of options.marketplaceIds) {
    const mismatches = await startMismatchRun(options.db, { tablePrefix: options.tablePrefix, accountId, clock, marketplaceId, source: 'listings-report' });
    const byRule: Record<MatchRule, number> = { asin: 0, 'seller-sku': 0, mapping: 0, gtin: 0 };
    const byReason: Partial<Record<MismatchReason, number>> = {};
    const totals = { rows: 0, matched: 0, mismatched: 0, productsCreated: 0, created: 0, updated: 0, unchanged: 0 };
    let reportId: string | null = null;
    let error: ActiveListingsMarketplaceSummary['error'] = null;
    try {
      reportId = (await options.gateway.createReport({ reportType: MERCHANT_LISTINGS_REPORT_TYPE, marketplaceIds: [marketplaceId] })).reportId;
      const report = await options.gateway.waitForReport(reportId, options.wait);
      if (!report.reportDocumentId)
        throw new SellerSyncError({
          code: 'REPORT_FAILED',
          message: `Report ${reportId} (${MERCHANT_LISTINGS_REPORT_TYPE}, ${marketplaceId}) is done but names no document.`,
          details: { item: reportId, field: 'reportDocumentId' },
        });
      const document = await options.gateway.getReportDocument(report.reportDocumentId);
      const defaultCharset = reportCharsetFor(marketplaceId);
      const text = await options.gateway.downloadDocument(document, options.charset ? { charset: options.charset } : { defaultCharset });
      const decodedWith = options.charset
        ? `the charset ${options.charset} (options.charset)`
        : `the charset the download named, else ${defaultCharset} (${marketplaceId}'s usual encoding)`;

      if (catalogIndex === undefined && countLines(text) >= (options.bulkThreshold ?? 2000))
        catalogIndex = await buildCatalogIndex(options.adapter);
      const matcher = createProductMatcher({
        adapter: options.adapter,
        mappings,
        priority: options.priority,
        catalogIndex,
        bulkThreshold: Number.POSITIVE_INFINITY,
      });
      const currency = marketplaceInfo(marketplaceId)?.currency ?? null;

      for await (const rows of readMerchantListingsReport(text, { batchSize: options.batchSize })) {
        totals.rows += rows.length;
        const misses: MismatchInput[] = [];
        const miss = (row: MerchantListingRow, reason: MismatchReason, message: string, candidates?: readonly string[]) => {
          misses.push({
            marketplaceId,
            source: 'listings-report',
            sellerSku: row.sellerSku,
            asin: row.asin,
            gtin: row.gtin,
            title: row.title,
            reason,
            message,
            candidates,
          });
          byReason[reason] = (byReason[reason] ?? 0) + 1;
        };
        const valid: MerchantListingRow[] = [];
        for (const row of rows) {
          // a byte the charset could not read: the SKU is not the seller's, and storing it would
          // merge SKUs that differ only in that character
          if (row.sellerSku.includes('\uFFFD'))
            miss(
              row,
              'invalid-sku',
              `Report line ${row.line}: seller SKU ${describeValue(row.sellerSku)} holds bytes that ${decodedWith} cannot decode (shown as U+FFFD); ` +
                `it was not stored. Set matching.reportCharset to the report's real encoding (windows-1252, shift_jis, utf-8).`,
            );
          else {
            const problem = skuProblem(row.sellerSku);
            if (problem) miss(row, 'invalid-sku', `Report line ${row.line}: seller SKU ${describeValue(row.sellerSku)} ${problem}.`);
            else valid.push(row);
          }
        }
        const results = await matcher.match(valid.map((row) => listingCandidate(row, marketplaceId)));
        const existing = new Map<string, ProductMapping>();
        for (const mapping of await mappings.findBySellerSkus(
          valid.map((row) => row.sellerSku),
          marketplaceId,
        ))
          existing.set(mapping.sellerSku, mapping);

        const writes: ProductMappingInput[] = [];
        const validAsin = (asin: string | null) => {
          const parsed = asin === null ? null : parseAsin(asin);
          return parsed?.ok ? parsed.value : null;
        };
        const accept = (row: MerchantListingRow, product: ShopProduct, rule: MatchRule, current: ProductMapping | undefined) => {
          if (
            current &&
            EXPLICIT_SOURCES.has(current.source) &&
            (current.productRef !== product.productRef || current.variantRef !== product.variantRef)
          ) {
            miss(
              row,
              'sku-conflict',
              `Seller SKU ${describeValue(row.sellerSku)}: the ${current.source} mapping names product ${current.productRef}` +
                `${current.variantRef === null ? '' : `/${current.variantRef}`} but its ${rule} matches ${product.sku} ` +
                `(ref ${product.productRef}${product.variantRef === null ? '' : `/${product.variantRef}`}); the mapping was kept. Fix one of them.`,
              [product.productRef, current.productRef],
            );
            return;
          }
          byRule[rule] += 1;
          totals.matched += 1;
          writes.push({
            marketplaceId,
            sellerSku: row.sellerSku,
            fulfillmentChannel: row.fulfillmentChannel,
            productRef: product.productRef,
            variantRef: product.variantRef,
            asin: validAsin(row.asin),
            source: current?.source ?? 'listings-report',
            title: row.title === '' ? (current?.title ?? null) : row.title,
          });
        };
        for (let index = 0; index < valid.length; index += 1) {
          const row = valid[index]!;
          const result = results[index]!;
          const current = existing.get(row.sellerSku);
          if (result.ok) {
            accept(row, result.product, result.rule, current);
            continue;
          }
          if (result.reason === 'not-found' && options.createMissingProducts && current && EXPLICIT_SOURCES.has(current.source)) {
            // the seller said which product this SKU is: a product the shop no longer returns is
            // theirs to restore or remap, never replaced by a new one
            miss(
              row,
              'sku-conflict',
              `Report line ${row.line}: seller SKU ${describeValue(row.sellerSku)}: the ${current.source} mapping names product ${current.productRef}` +
                `${current.variantRef === null ? '' : `/${current.variantRef}`}, which the shop no longer returns; no product was created and the mapping was kept. ` +
                `Restore the product, or map the seller SKU to another one.`,
              [current.productRef],
            );
            continue;
          }
          if (result.reason === 'not-found' && options.createMissingProducts && hasCapability(options.adapter, 'createProducts')) {
            // a product this run created (an earlier marketplace, or the MFN SKU of an FBA row) is
            // not in the matcher's view of the shop yet; creating it again would duplicate it
            const [again] = matchInIndex([listingCandidate(row, marketplaceId)], created, options.priority);
            if (again!.ok) {
              accept(row, again!.product, again!.rule, current);
              continue;
            }
            const price = currency !== null && row.price !== null ? parseMoney(row.price, currency) : null;
            if (price === null || price.amount <= 0) {
              miss(
                row,
                'missing-price',
                `Report line ${row.line}: seller SKU ${describeValue(row.sellerSku)} matches no shop product and was not created: ` +
                  `its price ${describeValue(row.price ?? '')} is ${row.price === null ? 'missing' : currency === null ? 'in an unknown currency' : 'not a positive amount'}. ` +
                  `Give the listing a price on Amazon, or create or map the product yourself.`,
              );
              continue;
            }
            try {
              const gtin = row.gtin === null ? null : parseProductIdentifier(row.gtin);
              const quantity = row.quantity !== null && /^\d+$/.test(row.quantity) ? Number(row.quantity) : 0;
              const draft = {
                sku: row.sellerSku,
                title: row.title === '' ? row.sellerSku : row.title,
                gtin: gtin?.ok ? gtin.value : null,
                asin: validAsin(row.asin),
                price,
                quantity,
                categoryRef: options.defaultCategoryRef ?? null,
              };
              const ref = await options.adapter.createProduct!(draft);
              const product: ShopProduct = { ...draft, ...ref, salePrice: null, marketplaceIds: null, active: true };
              created.add(product);
              catalogIndex?.add(product);
              totals.productsCreated += 1;
              totals.matched += 1;
              writes.push({
                marketplaceId,
                sellerSku: row.sellerSku,
                fulfillmentChannel: row.fulfillmentChannel,
                productRef: ref.productRef,
                variantRef: ref.variantRef,
                asin: validAsin(row.asin),
                // an existing mapping keeps its source
                source: current?.source ?? 'listings-report',
                title: row.title === '' ? (current?.title ?? null) : row.title,
              });
            } catch (cause) {
              miss(row, 'create-failed', `Seller SKU ${describeValue(row.sellerSku)}: the shop could not create the product: ${driverMessage(cause)}`);
            }
            continue;
          }
          miss(row, result.reason, `Report line ${row.line}: ${result.message}`, result.candidates?.map((p) => p.productRef));
        }
        const stored = await mappings.upsert(writes);
        totals.created += stored.created;
        totals.updated += stored.updated;
        totals.unchanged += stored.unchanged;
        if (misses.length > 0) await mismatches.log.record(misses);
        totals.mismatched += misses.length;
      }
      await mismatches.clearStale();
    } catch (cause) {
      if (!isAmazonFailure(cause)) throw cause;
      error = { code: cause.code, message: cause.message };
      logger.warn({ marketplaceId, reportId, code: error.code }, `listings report sync of ${marketplaceId} failed: ${error.message}`);
    }
    const summary: ActiveListingsMarketplaceSummary = {
      marketplaceId,
      reportId,
      rows: totals.rows,
      matched: totals.matched,
      byRule,
      mismatched: totals.mismatched,
      byReason,
      productsCreated: totals.productsCreated,
      mappings: { created: totals.created, updated: totals.updated, unchanged: totals.unchanged },
      error,
    };
    logger.info({ marketplaceId, reportId, rows: summary.rows, matched: summary.matched, mismatched: summary.mismatched }, 'listings report synced');
    summaries.push(summary);
  }
  return {
    accountId,
    startedAt,
    finishedAt: new Date(clock()),
    marketplaces: summaries,
    rows: summaries.reduce((sum, s) => sum + s.rows, 0),
    matched: summaries.reduce((sum, s) => sum + s.matched, 0),
    mismatched: summaries.reduce((sum, s) => sum + s.mismatched, 0),
    productsCreated: summaries.reduce((sum, s) => sum + s.productsCreated, 0),
  };
}
