import type { CatalogIdentifierKind } from '../catalog/catalog-store';
import type { ApiRoute } from '../http/api-route';
import { SpApiError, decodeToken, encodeToken, json, jsonBody, queryList, queryValue, type SimRequest } from '../http/sim-http';
import { parseIsoDateTime } from '../support/clock';
import { findMarketplace } from '../support/marketplaces';
import { LISTING_INCLUDED_DATA, renderListingsItem } from './listing-item-view';
import { applySubmission, checkSubmission, PATCH_OPS, refuses, REQUIREMENTS, type ListingRulesContext, type ListingSubmission } from './listing-rules';
import { listingStatus, type ListingIssue, type ListingRecord, type ListingRequirements, type PatchOperation } from './listings-store';

const badRequest = (message: string) => new SpApiError(400, 'BAD_REQUEST', message);
const ITEM_PATH = /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/;
const SEARCH_PATH = /^\/listings\/2021-08-01\/items\/([^/]+)$/;
const SEARCH_IDENTIFIER_TYPES = ['ASIN', 'EAN', 'FNSKU', 'GTIN', 'ISBN', 'JAN', 'MINSAN', 'SKU', 'UPC'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Listings Items API 2021-08-01 routes (get, put, patch, delete, search). */
export function createListingsRoutes(context: ListingRulesContext & { readonly sellerId: string; readonly uuid: () => string }): ApiRoute[] {
  const checkSeller = (sellerId: string) => {
    if (sellerId !== context.sellerId) throw new SpApiError(403, 'Unauthorized', 'Access to requested resource is denied.', `The seller ${sellerId} has not authorised this application.`);
  };
  const marketplacesOf = (request: SimRequest, max?: number) => {
    const ids = queryList(request.query, 'marketplaceIds');
    if (ids.length === 0) throw badRequest("Missing required parameter 'marketplaceIds'.");
    if (max !== undefined && ids.length > max) throw badRequest(`'marketplaceIds' takes at most ${max} value${max === 1 ? '' : 's'} for this operation.`);
    for (const id of ids) if (!findMarketplace(id)) throw badRequest(`Invalid marketplaceId '${id}'.`);
    return ids;
  };
  const includedOf = (request: SimRequest, allowed: readonly string[], fallback: string) => {
    const values = queryList(request.query, 'includedData');
    for (const value of values) if (!allowed.includes(value)) throw badRequest(`Invalid includedData value '${value}'; allowed: ${allowed.join(', ')}.`);
    return new Set(values.length > 0 ? values : [fallback]);
  };
  const modeOf = (request: SimRequest) => {
    const mode = queryValue(request.query, 'mode');
    if (mode !== undefined && mode !== 'VALIDATION_PREVIEW') throw badRequest(`Invalid mode '${mode}'.`);
    return mode;
  };

  const submissionResponse = (sku: string, marketplaceIds: readonly string[], issues: readonly ListingIssue[], status: 'ACCEPTED' | 'INVALID' | 'VALID', included: ReadonlySet<string>, asinOf: (marketplaceId: string) => string | undefined) =>
    json(200, {
      sku,
      status,
      submissionId: context.uuid(),
      ...(included.has('issues') ? { issues: issues.map((issue) => ({ ...issue, marketplaceIds: [...marketplaceIds] })) } : {}),
      ...(included.has('identifiers')
        ? { identifiers: status === 'INVALID' ? [] : marketplaceIds.flatMap((marketplaceId) => { const asin = asinOf(marketplaceId); return asin !== undefined ? [{ marketplaceId, asin }] : []; }) }
        : {}),
    });

  const submit = (request: SimRequest, sku: string, submission: ListingSubmission, marketplaceIds: readonly string[], included: ReadonlySet<string>) => {
    const found = new Map<string, ListingIssue>();
    for (const marketplaceId of marketplaceIds) for (const issue of checkSubmission(context, submission, marketplaceId)) found.set(`${issue.code}|${issue.message}`, issue);
    const issues = [...found.values()];
    const preview = modeOf(request) === 'VALIDATION_PREVIEW';
    if (refuses(issues)) return submissionResponse(sku, marketplaceIds, issues, 'INVALID', included, () => undefined);
    if (preview) {
      const suggested = submission.operationType === 'UPDATE' ? submission.attributes.merchant_suggested_asin?.[0]?.value : undefined;
      return submissionResponse(sku, marketplaceIds, issues, 'VALID', included, (marketplaceId) => (typeof suggested === 'string' ? suggested : context.listings.get(sku, marketplaceId)?.asin));
    }
    const applied = new Map<string, ListingRecord | undefined>();
    for (const marketplaceId of marketplaceIds) applied.set(marketplaceId, applySubmission(context, submission, marketplaceId));
    return submissionResponse(sku, marketplaceIds, issues, 'ACCEPTED', included, (marketplaceId) => applied.get(marketplaceId)?.asin);
  };

  const search = (request: SimRequest) => {
    const marketplaceIds = marketplacesOf(request);
    const included = includedOf(request, LISTING_INCLUDED_DATA, 'summaries');
    const identifiers = queryList(request.query, 'identifiers');
    const identifiersType = queryValue(request.query, 'identifiersType');
    if (identifiers.length > 20) throw badRequest("'identifiers' takes at most 20 values.");
    if ((identifiers.length > 0) !== (identifiersType !== undefined)) throw badRequest("'identifiers' and 'identifiersType' must be given together.");
    if (identifiersType !== undefined && !SEARCH_IDENTIFIER_TYPES.includes(identifiersType)) throw badRequest(`Invalid identifiersType '${identifiersType}'.`);
    const pageSizeRaw = queryValue(request.query, 'pageSize');
    const pageSize = pageSizeRaw === undefined ? 10 : Number(pageSizeRaw);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 20) throw badRequest(`Invalid pageSize '${pageSizeRaw}'; it must be 1 to 20.`);
    const sortBy = queryValue(request.query, 'sortBy') ?? 'lastUpdatedDate';
    const sortOrder = queryValue(request.query, 'sortOrder') ?? 'DESC';
    if (!['sku', 'createdDate', 'lastUpdatedDate'].includes(sortBy)) throw badRequest(`Invalid sortBy '${sortBy}'.`);
    if (!['ASC', 'DESC'].includes(sortOrder)) throw badRequest(`Invalid sortOrder '${sortOrder}'.`);
    const dates: Record<string, number | undefined> = {};
    for (const name of ['createdAfter', 'createdBefore', 'lastUpdatedAfter', 'lastUpdatedBefore']) {
      const raw = queryValue(request.query, name);
      if (raw === undefined) continue;
      dates[name] = parseIsoDateTime(raw);
      if (dates[name] === undefined) throw badRequest(`Invalid ${name} '${raw}'.`);
    }
    const withStatus = queryList(request.query, 'withStatus');
    const withoutStatus = queryList(request.query, 'withoutStatus');
    const matchesIdentifier = (record: ListingRecord) => {
      if (identifiersType === undefined) return true;
      if (identifiersType === 'SKU') return identifiers.includes(record.sku);
      if (identifiersType === 'ASIN') return record.asin !== undefined && identifiers.includes(record.asin);
      if (record.productIdType === identifiersType && record.productId !== undefined && identifiers.includes(record.productId)) return true;
      if (!['EAN', 'UPC', 'ISBN', 'GTIN', 'JAN'].includes(identifiersType) || record.asin === undefined) return false;
      return identifiers.some((identifier) => context.catalog.findByIdentifier(identifiersType as CatalogIdentifierKind, identifier, record.marketplaceId).some((item) => item.asin === record.asin));
    };
    const statusOf = (record: ListingRecord) => (listingStatus(record) === 'Active' ? ['BUYABLE', 'DISCOVERABLE'] : record.asin !== undefined ? ['DISCOVERABLE'] : []);
    const records = context.listings
      .all()
      .filter(
        (record) =>
          marketplaceIds.includes(record.marketplaceId) &&
          matchesIdentifier(record) &&
          (dates.createdAfter === undefined || record.createdDate >= dates.createdAfter) &&
          (dates.createdBefore === undefined || record.createdDate <= dates.createdBefore) &&
          (dates.lastUpdatedAfter === undefined || record.lastUpdatedDate >= dates.lastUpdatedAfter) &&
          (dates.lastUpdatedBefore === undefined || record.lastUpdatedDate <= dates.lastUpdatedBefore) &&
          (withStatus.length === 0 || withStatus.some((status) => statusOf(record).includes(status))) &&
          withoutStatus.every((status) => !statusOf(record).includes(status)),
      );
    const bySku = new Map<string, ListingRecord[]>();
    for (const record of records) bySku.set(record.sku, [...(bySku.get(record.sku) ?? []), record]);
    const key = (group: ListingRecord[]) =>
      sortBy === 'sku' ? 0 : sortBy === 'createdDate' ? Math.min(...group.map((record) => record.createdDate)) : Math.max(...group.map((record) => record.lastUpdatedDate));
    const direction = sortOrder === 'ASC' ? 1 : -1;
    const groups = [...bySku.entries()].sort(([skuA, a], [skuB, b]) => direction * (key(a) - key(b) || (skuA < skuB ? -1 : skuA > skuB ? 1 : 0)));
    const token = queryValue(request.query, 'pageToken');
    const offset = token === undefined ? 0 : decodeToken<{ o: number }>(token, 'pageToken').o;
    if (!Number.isInteger(offset) || offset < 0) throw badRequest('Invalid pageToken.');
    const page = groups.slice(offset, offset + pageSize);
    const pagination = {
      ...(offset + pageSize < groups.length ? { nextToken: encodeToken({ o: offset + pageSize }) } : {}),
      ...(offset > 0 ? { previousToken: encodeToken({ o: Math.max(0, offset - pageSize) }) } : {}),
    };
    return json(200, {
      numberOfResults: groups.length,
      ...(Object.keys(pagination).length > 0 ? { pagination } : {}),
      items: page.map(([sku, group]) => renderListingsItem(sku, group, included)),
    });
  };

  return [
    {
      operation: 'listingsItems.searchListingsItems',
      method: 'GET',
      pattern: SEARCH_PATH,
      handle(request, [sellerId]) {
        checkSeller(sellerId!);
        return search(request);
      },
    },
    {
      operation: 'listingsItems.getListingsItem',
      method: 'GET',
      pattern: ITEM_PATH,
      handle(request, [sellerId, sku]) {
        checkSeller(sellerId!);
        const marketplaceIds = marketplacesOf(request);
        const included = includedOf(request, LISTING_INCLUDED_DATA, 'summaries');
        const records = marketplaceIds.map((id) => context.listings.get(sku!, id)).filter((record) => record !== undefined);
        if (records.length === 0) throw new SpApiError(404, 'NOT_FOUND', `SKU '${sku}' not found in marketplace ${marketplaceIds.join(', ')}.`);
        return json(200, renderListingsItem(sku!, records, included));
      },
    },
    {
      operation: 'listingsItems.putListingsItem',
      method: 'PUT',
      pattern: ITEM_PATH,
      handle(request, [sellerId, sku]) {
        checkSeller(sellerId!);
        const marketplaceIds = marketplacesOf(request, 1);
        const included = includedOf(request, ['identifiers', 'issues'], 'issues');
        const body = jsonBody(request);
        if (typeof body.productType !== 'string' || body.productType === '') throw badRequest("'productType' is required.");
        if (!isObject(body.attributes)) throw badRequest("'attributes' is required and must be an object.");
        if (body.requirements !== undefined && !REQUIREMENTS.includes(body.requirements as ListingRequirements))
          throw badRequest(`Invalid requirements '${String(body.requirements)}'; allowed: ${REQUIREMENTS.join(', ')}.`);
        const submission: ListingSubmission = {
          sku: sku!,
          operationType: 'UPDATE',
          productType: body.productType,
          requirements: (body.requirements as ListingRequirements | undefined) ?? 'LISTING',
          attributes: body.attributes as never,
        };
        return submit(request, sku!, submission, marketplaceIds, included);
      },
    },
    {
      operation: 'listingsItems.patchListingsItem',
      method: 'PATCH',
      pattern: ITEM_PATH,
      handle(request, [sellerId, sku]) {
        checkSeller(sellerId!);
        const marketplaceIds = marketplacesOf(request);
        const included = includedOf(request, ['identifiers', 'issues'], 'issues');
        const body = jsonBody(request);
        if (typeof body.productType !== 'string' || body.productType === '') throw badRequest("'productType' is required.");
        if (!Array.isArray(body.patches) || body.patches.length === 0) throw badRequest("'patches' must be a non-empty array.");
        for (const patch of body.patches as unknown[])
          if (!isObject(patch) || !PATCH_OPS.includes(patch.op as PatchOperation['op']) || typeof patch.path !== 'string' || (patch.value !== undefined && !Array.isArray(patch.value)))
            throw badRequest('Every patch needs op (add, replace, merge, delete), a path and, except for delete, a value array.');
        return submit(request, sku!, { sku: sku!, operationType: 'PATCH', productType: body.productType, patches: body.patches as PatchOperation[] }, marketplaceIds, included);
      },
    },
    {
      operation: 'listingsItems.deleteListingsItem',
      method: 'DELETE',
      pattern: ITEM_PATH,
      handle(request, [sellerId, sku]) {
        checkSeller(sellerId!);
        const marketplaceIds = marketplacesOf(request, 1);
        return submit(request, sku!, { sku: sku!, operationType: 'DELETE' }, marketplaceIds, new Set(['issues']));
      },
    },
  ];
}
