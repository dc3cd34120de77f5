/**
 * The SP-API operations the simulator implements, named as the `amazon-sp-api` client names them
 * (`endpoint.operation`). Calls are counted, rate limited and fault-injected per operation.
 */
export type SimulatorApiOperation =
  | 'feeds.createFeedDocument'
  | 'feeds.createFeed'
  | 'feeds.getFeed'
  | 'feeds.getFeeds'
  | 'feeds.cancelFeed'
  | 'feeds.getFeedDocument'
  | 'reports.createReport'
  | 'reports.getReport'
  | 'reports.getReportDocument'
  | 'listingsItems.getListingsItem'
  | 'listingsItems.putListingsItem'
  | 'listingsItems.patchListingsItem'
  | 'listingsItems.deleteListingsItem'
  | 'listingsItems.searchListingsItems'
  | 'catalogItems.searchCatalogItems'
  | 'catalogItems.getCatalogItem'
  | 'orders.searchOrders'
  | 'orders.getOrder'
  | 'orders.confirmShipment';

/**
 * Everything the simulator counts: the SP-API operations plus the LWA token call (`token`), the
 * PUT of a feed document (`upload`) and the GET of a feed or report document (`download`) — the
 * same names core's gateway uses in its stats.
 */
export type SimulatorOperation = SimulatorApiOperation | 'token' | 'upload' | 'download';

/** A usage plan: `rate` requests per second refilling a bucket of `burst`. */
export interface SimulatorRateLimit {
  readonly rate: number;
  readonly burst: number;
}

/** Amazon's default usage plans (the models' "Usage Plan" tables), at timeScale 1. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<SimulatorApiOperation, SimulatorRateLimit>> = {
  'feeds.createFeedDocument': { rate: 0.5, burst: 15 },
  'feeds.createFeed': { rate: 0.0083, burst: 15 },
  'feeds.getFeed': { rate: 2, burst: 15 },
  'feeds.getFeeds': { rate: 0.0222, burst: 10 },
  'feeds.cancelFeed': { rate: 2, burst: 15 },
  'feeds.getFeedDocument': { rate: 0.0222, burst: 10 },
  'reports.createReport': { rate: 0.0167, burst: 15 },
  'reports.getReport': { rate: 2, burst: 15 },
  'reports.getReportDocument': { rate: 0.0167, burst: 15 },
  'listingsItems.getListingsItem': { rate: 5, burst: 10 },
  'listingsItems.putListingsItem': { rate: 5, burst: 10 },
  'listingsItems.patchListingsItem': { rate: 5, burst: 5 },
  'listingsItems.deleteListingsItem': { rate: 5, burst: 5 },
  'listingsItems.searchListingsItems': { rate: 5, burst: 5 },
  'catalogItems.searchCatalogItems': { rate: 2, burst: 2 },
  'catalogItems.getCatalogItem': { rate: 2, burst: 2 },
  'orders.searchOrders': { rate: 0.0056, burst: 20 },
  'orders.getOrder': { rate: 0.5, burst: 30 },
  'orders.confirmShipment': { rate: 2, burst: 10 },
};

/** JSON_LISTINGS_FEED's own limit on top of createFeed's bucket: 5 submissions per 5 minutes per region. */
export const JSON_LISTINGS_FEED_LIMIT = { count: 5, windowMs: 5 * 60_000 } as const;
