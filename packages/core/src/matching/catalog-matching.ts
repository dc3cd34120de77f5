import type { Knex } from 'knex';
import type { AmazonGateway, CatalogIdentifierType, CatalogItem } from '../amazon-gateway';
import { DEFAULT_ACCOUNT_ID, enqueueChange, skuProblem } from '../change-log';
import { chunk } from '../database/dialect';
import { describeValue } from '../errors';
import { silentLogger, type Logger } from '../logger';
import type { ShopAdapter, ShopProduct } from '../shop-adapter';
import { isAmazonFailure } from './active-listings-sync';
import { productKey } from './catalog-index';
import { startMismatchRun, type MismatchInput } from './mismatch-log';
import { catalogIdentifierType, equivalentIdentifierForms, parseProductIdentifier } from './product-identifier';
import type { FulfillmentChannel, ProductMapping } from './product-mapping';
import { createProductMappings } from './product-mappings';

/** Options of {@link matchCatalog}. */
export interface CatalogMatchingOptions {
  readonly db: Knex;
  readonly gateway: AmazonGateway;
  readonly adapter: ShopAdapter;
  readonly tablePrefix?: string;
  /** Default `"default"`. */
  readonly accountId?: string;
  /** The marketplaces to search in. */
  readonly marketplaceIds: readonly string[];
  /** The channel of the offers created. Default `MFN`. */
  readonly fulfillmentChannel?: FulfillmentChannel;
  /** Catalog scan page size. Default 500. */
  readonly scanPageSize?: number;
  readonly logger?: Logger;
  /** The time source (ms since the epoch). Default `Date.now`. */
  readonly clock?: () => number;
}

/** What matching mode did in one marketplace. */
export interface CatalogMatchingMarketplaceSummary {
  readonly marketplaceId: string;
  /** Shop products with a GTIN and no ASIN in this marketplace. */
  readonly candidates: number;
  /** Products skipped because the mapping table already holds their ASIN. */
  readonly alreadyMatched: number;
  /** `searchCatalogItems` calls (pages included). */
  readonly searchCalls: number;
  /** Products that got their ASIN, and an offer-only `listing` change queued. */
  readonly matched: number;
  /** Several ASINs for the identifier, or several shop products with the GTIN: logged, never guessed. */
  readonly ambiguous: number;
  readonly notOnAmazon: number;
  readonly invalid: number;
  /**
   * The product's seller SKU is mapped to another product, or was matched to another shop product
   * with the same seller SKU earlier in this run.
   */
  readonly conflicts: number;
  /** Set when Amazon failed; products not searched yet stay for the next run. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** What {@link matchCatalog} returns. */
export interface CatalogMatchingSummary {
  readonly accountId: string;
  readonly marketplaces: readonly CatalogMatchingMarketplaceSummary[];
  readonly matched: number;
}

/** Amazon's limit of identifiers per `searchCatalogItems` call. */
export const CATALOG_SEARCH_BATCH = 20;

interface Candidate {
  readonly product: ShopProduct;
  readonly sellerSku: string;
  readonly identifier: string;
  readonly identifiersType: CatalogIdentifierType;
  readonly gtin14: string;
}

/** The GTIN-14s an item lists (in `marketplaceId`, or in any marketplace when it lists none there). */
function itemGtins(item: CatalogItem, marketplaceId: string): Set<string> {
  const groups = item.identifiers ?? [];
  const own = groups.filter((group) => group.marketplaceId === marketplaceId);
  const out = new Set<string>();
  for (const group of own.length > 0 ? own : groups)
    for (const identifier of group.identifiers) {
      const parsed = parseProductIdentifier(identifier.identifier);
      if (parsed.ok && parsed.gtin14 !== null) out.add(parsed.gtin14);
    }
  return out;
}

/** A GTIN that several shop products carry: their keys, with the product where it is known. */
interface SharedGtin {
  readonly owners: Map<string, ShopProduct | null>;
}

/**
 * Which shop products sold in the marketplace carry each GTIN-14, over the whole catalog (one
 * `scanCatalog` pass before any search): the key of the only product that carries it, or the
 * products of a GTIN that several carry. Candidates of one GTIN written in different forms
 * (hyphens, spaces, a UPC as its EAN-13) land in different search batches, and the adapter's
 * lookup by written form cannot find them all, so the ambiguity is decided here for the run.
 * Only a string per GTIN is kept for the common case; the products of shared GTINs are fetched.
 */
async function gtinOwnersOfCatalog(adapter: ShopAdapter, marketplaceId: string, pageSize: number): Promise<Map<string, string | SharedGtin>> {
  const owners = new Map<string, string | SharedGtin>();
  let cursor: string | null = null;
  do {
    const page = await adapter.scanCatalog({ cursor, limit: pageSize });
    cursor = page.nextCursor;
    for (const product of page.items) {
      if (product.gtin === null || product.gtin.trim() === '') continue;
      if (product.marketplaceIds !== null && !product.marketplaceIds.includes(marketplaceId)) continue;
      const parsed = parseProductIdentifier(product.gtin);
      if (!parsed.ok || parsed.gtin14 === null) continue;
      const key = productKey(product.productRef, product.variantRef);
      const slot = owners.get(parsed.gtin14);
      if (slot === undefined) owners.set(parsed.gtin14, key);
      else if (typeof slot === 'string') {
        if (slot !== key) owners.set(parsed.gtin14, { owners: new Map<string, ShopProduct | null>([[slot, null], [key, product]]) });
      } else slot.owners.set(key, product);
    }
  } while (cursor !== null);
  // the first product of each shared GTIN is known by its key only
  const missing = new Set<string>();
  for (const slot of owners.values())
    if (typeof slot !== 'string') for (const [key, product] of slot.owners) if (product === null) missing.add(key);
  if (missing.size > 0) {
    const found = new Map<string, ShopProduct>();
    const refs = [...new Set([...missing].map((key) => key.split('\u0000')[0]!))];
    for (const part of chunk(refs, 500))
      for (const product of await adapter.findProducts({ productRefs: part })) found.set(productKey(product.productRef, product.variantRef), product);
    for (const slot of owners.values())
      if (typeof slot !== 'string') for (const key of slot.owners.keys()) if (slot.owners.get(key) === null) slot.owners.set(key, found.get(key) ?? null);
  }
  return owners;
}

/**
 * The shop products (by key) sold in the marketplace that carry each candidate's GTIN: the
 * candidates themselves and any product the adapter finds by a written form of the GTIN, whether it
 * is a candidate or not.
 */
async function shopProductsByGtin(adapter: ShopAdapter, candidates: readonly Candidate[], marketplaceId: string): Promise<Map<string, Map<string, ShopProduct>>> {
  const byGtin = new Map<string, Map<string, ShopProduct>>();
  const add = (gtin14: string, product: ShopProduct) => {
    const products = byGtin.get(gtin14) ?? new Map<string, ShopProduct>();
    products.set(productKey(product.productRef, product.variantRef), product);
    byGtin.set(gtin14, products);
  };
  for (const candidate of candidates) add(candidate.gtin14, candidate.product);
  const forms = [...new Set(candidates.flatMap((c) => equivalentIdentifierForms(c.gtin14)))];
  for (const part of chunk(forms, 500))
    for (const product of await adapter.findProducts({ gtins: part })) {
      const parsed = product.gtin === null ? null : parseProductIdentifier(product.gtin);
      const sold = product.marketplaceIds === null || product.marketplaceIds.includes(marketplaceId);
      if (sold && parsed?.ok && parsed.gtin14 !== null && byGtin.has(parsed.gtin14)) add(parsed.gtin14, product);
    }
  return byGtin;
}

/**
 * Matching mode: finds the ASINs of shop products that have a GTIN (EAN, UPC, ISBN) and no ASIN, by
 * `searchCatalogItems` (20 identifiers a call, under the gateway's rate limit). A unique ASIN is
 * stored in the mapping table and a `listing` change is queued in the same transaction, so the
 * listings sync sends an offer-only listing (`LISTING_OFFER_ONLY` with `merchant_suggested_asin`).
 * Several ASINs for one identifier go to the mismatch log as `ambiguous`, and so does one ASIN for a
 * GTIN that several shop products carry (none of them gets it; decided over the whole catalog,
 * which is read once more for it before the first search); no ASIN as `not-on-amazon`; an invalid
 * GTIN as `invalid-identifier`; a seller SKU that another shop product got in this run as
 * `sku-conflict`. Nothing is guessed.
 */
export async function matchCatalog(options: CatalogMatchingOptions): Promise<CatalogMatchingSummary> {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const channel = options.fulfillmentChannel ?? 'MFN';
  const mappings = createProductMappings(options.db, { tablePrefix: options.tablePrefix, accountId, clock });
  const summaries: CatalogMatchingMarketplaceSummary[] = [];

  for (const marketplaceId of options.marketplaceIds) {
    const mismatches = await startMismatchRun(options.db, { tablePrefix: options.tablePrefix, accountId, clock, marketplaceId, source: 'catalog-search' });
    const totals = { candidates: 0, alreadyMatched: 0, searchCalls: 0, matched: 0, ambiguous: 0, notOnAmazon: 0, invalid: 0, conflicts: 0 };
    const queues = new Map<CatalogIdentifierType, Candidate[]>();
    // seller SKU → the product matched to it in this run and marketplace: two shop products with one
    // seller SKU must not both be "matched" (the mapping table keeps one row per seller SKU)
    const claimed = new Map<string, ShopProduct>();
    // the owners of each GTIN over the whole catalog (read before the first search)
    let gtinOwners = new Map<string, string | SharedGtin>();

    const record = async (entries: MismatchInput[]) => {
      if (entries.length > 0) await mismatches.log.record(entries);
    };
    const mismatch = (candidate: Pick<Candidate, 'product' | 'sellerSku'>, reason: MismatchInput['reason'], message: string, asins?: readonly string[]): MismatchInput => ({
      marketplaceId,
      source: 'catalog-search',
      sellerSku: candidate.sellerSku,
      gtin: candidate.product.gtin,
      productRef: candidate.product.productRef,
      variantRef: candidate.product.variantRef,
      title: candidate.product.title,
      reason,
      message,
      candidates: asins,
    });

    const search = async (batch: readonly Candidate[]) => {
      const identifiersType = batch[0]!.identifiersType;
      const values = [...new Set(batch.map((c) => c.identifier))];
      const items: CatalogItem[] = [];
      let pageToken: string | undefined;
      do {
        const result = await options.gateway.searchCatalogItems({
          identifiers: values,
          identifiersType,
          marketplaceId,
          includedData: ['identifiers', 'summaries'],
          pageSize: CATALOG_SEARCH_BATCH,
          ...(pageToken ? { pageToken } : {}),
        });
        totals.searchCalls += 1;
        items.push(...result.items);
        pageToken = result.pagination?.nextToken;
      } while (pageToken);

      const asinsByGtin = new Map<string, Set<string>>();
      for (const item of items) {
        let gtins = itemGtins(item, marketplaceId);
        // an item listed without identifiers can only be attributed when one identifier was asked
        if (gtins.size === 0 && values.length === 1) gtins = new Set([batch[0]!.gtin14]);
        for (const gtin of gtins) asinsByGtin.set(gtin, (asinsByGtin.get(gtin) ?? new Set()).add(item.asin));
      }

      const taken = new Map<string, ProductMapping>();
      for (const mapping of await mappings.findBySellerSkus(batch.map((c) => c.sellerSku), marketplaceId)) taken.set(mapping.sellerSku, mapping);
      const owners = await shopProductsByGtin(
        options.adapter,
        batch.filter((c) => asinsByGtin.get(c.gtin14)?.size === 1),
        marketplaceId,
      );
      const entries: MismatchInput[] = [];
      const matched: { candidate: Candidate; asin: string }[] = [];
      for (const candidate of batch) {
        const asins = [...(asinsByGtin.get(candidate.gtin14) ?? [])].sort();
        const shown = `${candidate.product.sku} (${candidate.identifiersType} ${candidate.identifier})`;
        // the products found for this batch, and those of the whole catalog
        const sharingByKey = new Map<string, ShopProduct | null>(owners.get(candidate.gtin14) ?? []);
        const catalogSlot = gtinOwners.get(candidate.gtin14);
        if (catalogSlot !== undefined && typeof catalogSlot !== 'string')
          for (const [key, product] of catalogSlot.owners) if (product !== null || !sharingByKey.has(key)) sharingByKey.set(key, product);
        const sharing = [...sharingByKey.values()].filter((p): p is ShopProduct => p !== null);
        if (asins.length === 1 && sharingByKey.size > 1) {
          totals.ambiguous += 1;
          const refs = [...sharingByKey.keys()].map((key) => key.split('\u0000')[0]!).sort();
          entries.push(
            mismatch(
              candidate,
              'ambiguous',
              `${shown}: ${sharingByKey.size} shop products carry this ${candidate.identifiersType} (${sharing.map((p) => p.sku).slice(0, 5).join(', ')}); ` +
                `ASIN ${asins[0]} was given to none of them. Make the GTIN unique in the shop, or map the seller SKU explicitly (CSV import with the ASIN column).`,
              refs,
            ),
          );
        } else if (asins.length === 0) {
          totals.notOnAmazon += 1;
          entries.push(mismatch(candidate, 'not-on-amazon', `${shown}: Amazon's catalog has no ASIN for this ${candidate.identifiersType} in ${marketplaceId}. Create the product on Amazon with a full listing.`));
        } else if (asins.length > 1) {
          totals.ambiguous += 1;
          entries.push(
            mismatch(
              candidate,
              'ambiguous',
              `${shown}: ${asins.length} ASINs carry this ${candidate.identifiersType} in ${marketplaceId} (${asins.join(', ')}); nothing was guessed. Map the seller SKU to one ASIN with a CSV import.`,
              asins,
            ),
          );
        } else {
          const owner = taken.get(candidate.sellerSku);
          if (owner && (owner.productRef !== candidate.product.productRef || owner.variantRef !== candidate.product.variantRef)) {
            totals.conflicts += 1;
            entries.push(
              mismatch(
                candidate,
                'sku-conflict',
                `${shown}: ASIN ${asins[0]} found, but seller SKU ${describeValue(candidate.sellerSku)} is mapped to product ${owner.productRef} in ${marketplaceId}; nothing was changed.`,
                asins,
              ),
            );
          } else {
            const first = claimed.get(candidate.sellerSku);
            if (first && (first.productRef !== candidate.product.productRef || first.variantRef !== candidate.product.variantRef)) {
              totals.conflicts += 1;
              entries.push(
                mismatch(
                  candidate,
                  'sku-conflict',
                  `${shown}: ASIN ${asins[0]} found, but seller SKU ${describeValue(candidate.sellerSku)} was matched to product ${first.productRef}` +
                    `${first.variantRef === null ? '' : `/${first.variantRef}`} (${first.sku}) earlier in this run in ${marketplaceId}; nothing was changed. ` +
                    `Give each shop product its own SKU, or map the seller SKU explicitly (CSV import).`,
                  asins,
                ),
              );
            } else {
              claimed.set(candidate.sellerSku, candidate.product);
              matched.push({ candidate, asin: asins[0]! });
            }
          }
        }
      }
      if (matched.length > 0) {
        // the mapping and the change that makes the listings sync send the offer commit together
        await options.db.transaction(async (trx) => {
          await createProductMappings(trx, { tablePrefix: options.tablePrefix, accountId, clock }).upsert(
            matched.map(({ candidate, asin }) => ({
              marketplaceId,
              sellerSku: candidate.sellerSku,
              fulfillmentChannel: taken.get(candidate.sellerSku)?.fulfillmentChannel ?? channel,
              productRef: candidate.product.productRef,
              variantRef: candidate.product.variantRef,
              asin,
              // an explicit (CSV or manual) mapping stays explicit, so the listings report sync
              // keeps protecting it from a conflicting match
              source: taken.get(candidate.sellerSku)?.source ?? 'catalog-search',
              title: candidate.product.title,
            })),
          );
          await enqueueChange(
            trx,
            matched.map(({ candidate }) => ({ sku: candidate.sellerSku, kind: 'listing' as const, marketplaceId, productRef: candidate.product.productRef, accountId })),
            { tablePrefix: options.tablePrefix },
          );
        });
        totals.matched += matched.length;
      }
      await record(entries);
    };

    const enqueue = async (candidate: Candidate) => {
      const queue = queues.get(candidate.identifiersType) ?? [];
      queue.push(candidate);
      queues.set(candidate.identifiersType, queue);
      if (new Set(queue.map((c) => c.identifier)).size >= CATALOG_SEARCH_BATCH) {
        queues.set(candidate.identifiersType, []);
        await search(queue);
      }
    };

    let error: CatalogMatchingMarketplaceSummary['error'] = null;
    try {
      gtinOwners = await gtinOwnersOfCatalog(options.adapter, marketplaceId, options.scanPageSize ?? 500);
      let cursor: string | null = null;
      do {
        const page = await options.adapter.scanCatalog({ cursor, limit: options.scanPageSize ?? 500 });
        cursor = page.nextCursor;
        const wanted = page.items.filter(
          (p) => p.gtin !== null && p.gtin.trim() !== '' && p.asin === null && (p.marketplaceIds === null || p.marketplaceIds.includes(marketplaceId)),
        );
        if (wanted.length === 0) continue;
        const known = new Map<string, ProductMapping[]>();
        for (const mapping of await mappings.findByProductRefs(wanted.map((p) => p.productRef), marketplaceId)) {
          const key = productKey(mapping.productRef, mapping.variantRef);
          known.set(key, [...(known.get(key) ?? []), mapping]);
        }
        const invalid: MismatchInput[] = [];
        for (const product of wanted) {
          totals.candidates += 1;
          const own = known.get(productKey(product.productRef, product.variantRef)) ?? [];
          if (own.some((m) => m.asin !== null)) {
            totals.alreadyMatched += 1;
            continue;
          }
          const sellerSku = (own.find((m) => m.fulfillmentChannel === channel) ?? own[0])?.sellerSku ?? product.sku;
          const parsed = parseProductIdentifier(product.gtin);
          if (!parsed.ok || parsed.gtin14 === null) {
            totals.invalid += 1;
            invalid.push(mismatch({ product, sellerSku }, 'invalid-identifier', `${product.sku}: ${parsed.ok ? 'no GTIN' : parsed.message} It was not searched.`));
            continue;
          }
          const skuRule = skuProblem(sellerSku);
          if (skuRule) {
            totals.invalid += 1;
            invalid.push(mismatch({ product, sellerSku }, 'invalid-sku', `Seller SKU ${describeValue(sellerSku)} ${skuRule}; the product was not searched.`));
            continue;
          }
          await enqueue({ product, sellerSku, identifier: parsed.value, identifiersType: catalogIdentifierType(parsed.type), gtin14: parsed.gtin14 });
        }
        await record(invalid);
      } while (cursor !== null);
      for (const [type, queue] of queues)
        if (queue.length > 0) {
          queues.set(type, []);
          await search(queue);
        }
      await mismatches.clearStale();
    } catch (cause) {
      if (!isAmazonFailure(cause)) throw cause;
      error = { code: cause.code, message: cause.message };
      logger.warn({ marketplaceId, code: error.code }, `matching mode in ${marketplaceId} stopped: ${error.message}`);
    }
    logger.info({ marketplaceId, ...totals }, 'matching mode done');
    summaries.push({ marketplaceId, ...totals, error });
  }
  return { accountId, marketplaces: summaries, matched: summaries.reduce((sum, s) => sum + s.matched, 0) };
}
