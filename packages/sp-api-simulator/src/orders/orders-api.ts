import type { ApiRoute } from '../http/api-route';
import { decodeToken, encodeToken, invalidInput, json, notFound, queryList, queryValue, type SimRequest } from '../http/sim-http';
import { isoTime, parseIsoDateTime, type Clock } from '../support/clock';
import { ORDER_FULFILLMENT_STATUSES, ORDER_INCLUDED_DATA, renderOrder, type OrderRecord, type OrdersStore } from './orders-store';

const FULFILLED_BY = ['MERCHANT', 'AMAZON'];
export const ORDER_ID_PATTERN = /^\d{3}-\d{7}-\d{7}$/;

interface SearchFilters {
  readonly by: 'created' | 'lastUpdated';
  readonly after: number;
  readonly before: number;
  readonly statuses: readonly string[];
  readonly marketplaceIds: readonly string[];
  readonly fulfilledBy: readonly string[];
}

/** The request parameters a paginationToken is bound to (all but maxResultsPerPage and includedData). */
function fingerprint(request: SimRequest): string {
  const sorted = (name: string) => [...queryList(request.query, name)].sort();
  return JSON.stringify([
    queryValue(request.query, 'createdAfter') ?? null,
    queryValue(request.query, 'createdBefore') ?? null,
    queryValue(request.query, 'lastUpdatedAfter') ?? null,
    queryValue(request.query, 'lastUpdatedBefore') ?? null,
    sorted('fulfillmentStatuses'),
    sorted('marketplaceIds'),
    sorted('fulfilledBy'),
  ]);
}

function includedOf(request: SimRequest): Set<string> {
  const values = queryList(request.query, 'includedData');
  for (const value of values) if (!(ORDER_INCLUDED_DATA as readonly string[]).includes(value)) throw invalidInput(`Invalid includedData value '${value}'.`);
  return new Set(values);
}

/** Orders 2026-01-01 searchOrders and getOrder. */
export function createOrdersRoutes(context: { readonly orders: OrdersStore; readonly clock: Clock; readonly lagMs: number }): ApiRoute[] {
  const parseFilters = (request: SimRequest): SearchFilters => {
    const raw = (name: string) => queryValue(request.query, name);
    const createdAfter = raw('createdAfter');
    const lastUpdatedAfter = raw('lastUpdatedAfter');
    const createdBefore = raw('createdBefore');
    const lastUpdatedBefore = raw('lastUpdatedBefore');
    if ((createdAfter === undefined) === (lastUpdatedAfter === undefined)) throw invalidInput('Exactly one of createdAfter and lastUpdatedAfter must be provided.');
    if (createdAfter !== undefined && lastUpdatedBefore !== undefined) throw invalidInput('lastUpdatedBefore cannot be combined with createdAfter.');
    if (lastUpdatedAfter !== undefined && createdBefore !== undefined) throw invalidInput('createdBefore cannot be combined with lastUpdatedAfter.');
    const by = createdAfter !== undefined ? 'created' : 'lastUpdated';
    const afterName = `${by}After`;
    const beforeName = `${by}Before`;
    const afterRaw = (createdAfter ?? lastUpdatedAfter)!;
    const beforeRaw = by === 'created' ? createdBefore : lastUpdatedBefore;
    const after = parseIsoDateTime(afterRaw);
    if (after === undefined) throw invalidInput(`Invalid ${afterName}: '${afterRaw}' is not an ISO 8601 date-time.`);
    const horizon = context.clock.now() - context.lagMs;
    let before: number;
    if (beforeRaw !== undefined) {
      const parsed = parseIsoDateTime(beforeRaw);
      if (parsed === undefined) throw invalidInput(`Invalid ${beforeName}: '${beforeRaw}' is not an ISO 8601 date-time.`);
      if (parsed < after) throw invalidInput(`${beforeName} must be equal to or after ${afterName}.`);
      if (parsed > horizon) throw invalidInput(`${beforeName} must be at least two minutes before the time of the request.`);
      before = parsed;
    } else before = Math.max(after, horizon);
    const statuses = queryList(request.query, 'fulfillmentStatuses');
    for (const status of statuses) if (!(ORDER_FULFILLMENT_STATUSES as readonly string[]).includes(status)) throw invalidInput(`Invalid fulfillmentStatuses value '${status}'.`);
    const fulfilledBy = queryList(request.query, 'fulfilledBy');
    for (const value of fulfilledBy) if (!FULFILLED_BY.includes(value)) throw invalidInput(`Invalid fulfilledBy value '${value}'.`);
    const marketplaceIds = queryList(request.query, 'marketplaceIds');
    if (marketplaceIds.length > 50) throw invalidInput('marketplaceIds takes at most 50 values.');
    return { by, after, before, statuses, marketplaceIds, fulfilledBy };
  };

  const timeOf = (order: OrderRecord, by: SearchFilters['by']) => (by === 'created' ? order.createdTime : order.lastUpdatedTime);

  return [
    {
      operation: 'orders.searchOrders',
      method: 'GET',
      pattern: /^\/orders\/2026-01-01\/orders$/,
      handle(request) {
        const included = includedOf(request);
        const rawMax = queryValue(request.query, 'maxResultsPerPage');
        const max = rawMax === undefined ? 100 : Number(rawMax);
        if (!/^\d+$/.test(rawMax ?? '100') || max < 1 || max > 100) throw invalidInput(`Invalid maxResultsPerPage '${rawMax}'; it must be 1 to 100.`);
        const filters = parseFilters(request);
        const token = queryValue(request.query, 'paginationToken');
        let cursor: [number, string] | undefined;
        let before = filters.before;
        if (token !== undefined) {
          const decoded = decodeToken<{ f: string; k: [number, string]; b: number }>(token, 'paginationToken');
          if (typeof decoded?.f !== 'string' || !Array.isArray(decoded.k) || typeof decoded.b !== 'number') throw invalidInput('Invalid paginationToken.');
          if (decoded.f !== fingerprint(request))
            throw invalidInput('The paginationToken was issued for other parameters; send the same parameters as the first request (only maxResultsPerPage and includedData may change).');
          cursor = decoded.k;
          before = decoded.b;
        }
        const matching = context.orders
          .all()
          .filter((order) => {
            const time = timeOf(order, filters.by);
            return (
              time >= filters.after &&
              time <= before &&
              (filters.statuses.length === 0 || filters.statuses.includes(order.status)) &&
              (filters.marketplaceIds.length === 0 || filters.marketplaceIds.includes(order.marketplaceId)) &&
              (filters.fulfilledBy.length === 0 || filters.fulfilledBy.includes(order.fulfilledBy))
            );
          })
          .sort((a, b) => timeOf(a, filters.by) - timeOf(b, filters.by) || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
        // Keyset pagination: an order that changes between pages moves past `before` and drops out,
        // without shifting the others (no gaps, no duplicates).
        const start = cursor === undefined ? 0 : matching.findIndex((order) => { const time = timeOf(order, filters.by); return time > cursor[0] || (time === cursor[0] && order.orderId > cursor[1]); });
        const rest = start < 0 ? [] : matching.slice(start);
        const page = rest.slice(0, max);
        const last = page[page.length - 1];
        const nextToken = rest.length > max && last ? encodeToken({ f: fingerprint(request), k: [timeOf(last, filters.by), last.orderId], b: before }) : undefined;
        return json(200, {
          orders: page.map((order) => renderOrder(order, included)),
          ...(nextToken !== undefined ? { pagination: { nextToken } } : {}),
          ...(filters.by === 'created' ? { createdBefore: isoTime(before) } : { lastUpdatedBefore: isoTime(before) }),
        });
      },
    },
    {
      operation: 'orders.getOrder',
      method: 'GET',
      pattern: /^\/orders\/2026-01-01\/orders\/([^/]+)$/,
      handle(request, [orderId]) {
        const included = includedOf(request);
        if (!ORDER_ID_PATTERN.test(orderId!)) throw invalidInput(`Invalid orderId '${orderId}'.`);
        const order = context.orders.get(orderId!);
        if (!order) throw notFound(`Order ${orderId} not found.`);
        return json(200, { order: renderOrder(order, included) });
      },
    },
  ];
}

