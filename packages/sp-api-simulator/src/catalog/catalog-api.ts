import type { ApiRoute } from '../http/api-route';
import { decodeToken, encodeToken, invalidInput, json, notFound, queryList, queryValue, type SimRequest } from '../http/sim-http';
import type { ListingsStore } from '../listings/listings-store';
import { findMarketplace } from '../support/marketplaces';
import type { CatalogIdentifierKind, CatalogStore, SimulatedCatalogItem } from './catalog-store';

const INCLUDED_DATA = ['attributes', 'classifications', 'dimensions', 'identifiers', 'images', 'productTypes', 'relationships', 'salesRanks', 'summaries', 'vendorDetails'];
const IDENTIFIER_TYPES = ['ASIN', 'EAN', 'GTIN', 'ISBN', 'JAN', 'MINSAN', 'SKU', 'UPC'];

/** Catalog Items 2022-04-01 `Item` for one marketplace with the requested data sets. */
function renderCatalogItem(item: SimulatedCatalogItem, marketplaceId: string, included: ReadonlySet<string>): Record<string, unknown> {
  const rendered: Record<string, unknown> = { asin: item.asin };
  if (included.has('attributes'))
    rendered.attributes = {
      item_name: [{ value: item.title, marketplace_id: marketplaceId }],
      ...(item.brand !== undefined ? { brand: [{ value: item.brand, marketplace_id: marketplaceId }] } : {}),
      ...(item.manufacturer !== undefined ? { manufacturer: [{ value: item.manufacturer, marketplace_id: marketplaceId }] } : {}),
    };
  if (included.has('identifiers'))
    rendered.identifiers = [
      {
        marketplaceId,
        identifiers: Object.entries(item.identifiers).flatMap(([identifierType, values]) => (values ?? []).map((identifier) => ({ identifierType, identifier }))),
      },
    ];
  if (included.has('summaries'))
    rendered.summaries = [
      {
        marketplaceId,
        ...(item.brand !== undefined ? { brand: item.brand } : {}),
        itemClassification: 'BASE_PRODUCT',
        itemName: item.title,
        ...(item.manufacturer !== undefined ? { manufacturer: item.manufacturer } : {}),
      },
    ];
  if (included.has('productTypes')) rendered.productTypes = [{ marketplaceId, productType: item.productType }];
  // Data sets the simulator keeps nothing for come back empty rather than missing.
  for (const name of ['classifications', 'dimensions', 'images', 'relationships', 'salesRanks', 'vendorDetails']) if (included.has(name)) rendered[name] = [];
  return rendered;
}

export function createCatalogRoutes(context: { readonly catalog: CatalogStore; readonly listings: ListingsStore; readonly sellerId: string }): ApiRoute[] {
  const marketplaceOf = (request: SimRequest) => {
    const ids = queryList(request.query, 'marketplaceIds');
    if (ids.length !== 1) throw invalidInput(`'marketplaceIds' must name exactly one marketplace; got ${ids.length}.`);
    if (!findMarketplace(ids[0]!)) throw invalidInput(`Invalid marketplaceId '${ids[0]}'.`);
    return ids[0]!;
  };
  const includedOf = (request: SimRequest) => {
    const values = queryList(request.query, 'includedData');
    for (const value of values) if (!INCLUDED_DATA.includes(value)) throw invalidInput(`Invalid includedData value '${value}'.`);
    return new Set(values.length > 0 ? values : ['summaries']);
  };
  return [
    {
      operation: 'catalogItems.searchCatalogItems',
      method: 'GET',
      pattern: /^\/catalog\/2022-04-01\/items$/,
      handle(request) {
        const marketplaceId = marketplaceOf(request);
        const included = includedOf(request);
        const identifiers = queryList(request.query, 'identifiers');
        const keywords = queryList(request.query, 'keywords');
        const identifiersType = queryValue(request.query, 'identifiersType');
        if (identifiers.length > 0 && keywords.length > 0) throw invalidInput("'identifiers' and 'keywords' cannot be used together.");
        if (identifiers.length === 0 && keywords.length === 0) throw invalidInput("Either 'identifiers' or 'keywords' is required.");
        if (identifiers.length > 20) throw invalidInput("'identifiers' takes at most 20 values.");
        if (keywords.length > 20) throw invalidInput("'keywords' takes at most 20 values.");
        if (identifiers.length > 0 && identifiersType === undefined) throw invalidInput("'identifiersType' is required with 'identifiers'.");
        if (identifiersType !== undefined && !IDENTIFIER_TYPES.includes(identifiersType)) throw invalidInput(`Invalid identifiersType '${identifiersType}'.`);
        if (identifiersType === 'SKU' && queryValue(request.query, 'sellerId') !== context.sellerId) throw invalidInput("'sellerId' of the seller is required when identifiersType is SKU.");
        const pageSizeRaw = queryValue(request.query, 'pageSize');
        const pageSize = pageSizeRaw === undefined ? 10 : Number(pageSizeRaw);
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 20) throw invalidInput(`Invalid pageSize '${pageSizeRaw}'; it must be 1 to 20.`);
        const found = new Map<string, SimulatedCatalogItem>();
        if (keywords.length > 0) {
          const words = keywords.map((word) => word.toLowerCase());
          for (const item of context.catalog.all())
            if (context.catalog.get(item.asin, marketplaceId) && words.some((word) => `${item.title} ${item.brand ?? ''}`.toLowerCase().includes(word))) found.set(item.asin, item);
        }
        for (const identifier of identifiers) {
          if (identifiersType === 'ASIN') {
            const item = context.catalog.get(identifier, marketplaceId);
            if (item) found.set(item.asin, item);
          } else if (identifiersType === 'SKU') {
            const asin = context.listings.get(identifier, marketplaceId)?.asin;
            const item = asin === undefined ? undefined : context.catalog.get(asin, marketplaceId);
            if (item) found.set(item.asin, item);
          } else if (identifiersType !== 'MINSAN') {
            for (const item of context.catalog.findByIdentifier(identifiersType as CatalogIdentifierKind, identifier, marketplaceId)) found.set(item.asin, item);
          }
        }
        const items = [...found.values()];
        const token = queryValue(request.query, 'pageToken');
        const offset = token === undefined ? 0 : decodeToken<{ o: number }>(token, 'pageToken').o;
        if (!Number.isInteger(offset) || offset < 0) throw invalidInput('Invalid pageToken.');
        const pagination = {
          ...(offset + pageSize < items.length ? { nextToken: encodeToken({ o: offset + pageSize }) } : {}),
          ...(offset > 0 ? { previousToken: encodeToken({ o: Math.max(0, offset - pageSize) }) } : {}),
        };
        return json(200, {
          numberOfResults: items.length,
          ...(Object.keys(pagination).length > 0 ? { pagination } : {}),
          ...(keywords.length > 0 ? { refinements: { brands: [], classifications: [] } } : {}),
          items: items.slice(offset, offset + pageSize).map((item) => renderCatalogItem(item, marketplaceId, included)),
        });
      },
    },
    {
      operation: 'catalogItems.getCatalogItem',
      method: 'GET',
      pattern: /^\/catalog\/2022-04-01\/items\/([^/]+)$/,
      handle(request, [asin]) {
        const marketplaceId = marketplaceOf(request);
        const item = context.catalog.get(asin!, marketplaceId);
        if (!item) throw notFound(`Requested item '${asin}' not found in marketplace ${marketplaceId}.`);
        return json(200, renderCatalogItem(item, marketplaceId, includedOf(request)));
      },
    },
  ];
}
