import type { AddressInfo } from 'node:net';
import { createAccessTokenStore } from './auth/access-tokens';
import { createCatalogStore, type SeedCatalogItemInput, type SimulatedCatalogItem } from './catalog/catalog-store';
import { DEFAULT_CATALOG } from './catalog/default-catalog';
import { createDocumentStore } from './documents/document-store';
import { processListingsFeed } from './feeds/listings-feed';
import { createFeedsService, type FeedProcessor, type SimulatedFeed } from './feeds/feeds-service';
import { processOrderFeed } from './feeds/order-feeds';
import { createCatalogRoutes } from './catalog/catalog-api';
import { createListingsRoutes } from './listings/listings-api';
import { createConfirmShipmentRoute } from './orders/confirm-shipment';
import { createOrdersRoutes } from './orders/orders-api';
import type { ApiRoute } from './http/api-route';
import { createFaultInjector, type SimulatorFaults } from './http/faults';
import { createSimulatorServer, type CallStats } from './http/http-server';
import type { SimulatorOperation } from './http/operations';
import { createRateLimiter } from './http/rate-limiter';
import { seedListing, type SeedListingInput } from './listings/seed-listing';
import { offerOf, viewListing, type SimulatedListing, type SimulatedOffer } from './listings/listings-store';
import { createListingsStore } from './listings/listings-store';
import type { OrderEvents, SimulatedAcknowledgement, SimulatedShipmentConfirmation } from './orders/order-events';
import {
  ALL_ORDER_INCLUDED_DATA,
  createOrdersStore,
  renderOrder,
  type OrderFulfillmentStatus,
  type SeedOrderInput,
  type SimulatedOrder,
} from './orders/orders-store';
import { createReportsService, type SimulatedReport } from './reports/reports-service';
import { resolveOptions, type SimulatorOptions } from './simulator-options';
import { createClock } from './support/clock';
import { createIdSource } from './support/ids';
import { createRandom } from './support/random';
import { createScheduler } from './support/scheduler';

/**
 * Read-only views of the simulator's state, for tests. Every read returns a fresh copy: changing
 * it changes nothing in the simulator.
 */
export interface SimulatorState {
  /** Every listing (one per SKU and marketplace). */
  readonly listings: readonly SimulatedListing[];
  listing(sku: string, marketplaceId: string): SimulatedListing | undefined;
  /** The offer of a listing (quantity, price, sale price and dates, currency), parsed from its attributes. */
  offer(sku: string, marketplaceId: string): SimulatedOffer | undefined;
  readonly catalog: readonly SimulatedCatalogItem[];
  /** Orders in the Orders 2026-01-01 shape with every includedData block. */
  readonly orders: readonly SimulatedOrder[];
  order(orderId: string): SimulatedOrder | undefined;
  /** Feeds with their input and result documents. */
  readonly feeds: readonly SimulatedFeed[];
  feed(feedId: string): SimulatedFeed | undefined;
  readonly reports: readonly SimulatedReport[];
  /** Every shipment confirmation received (confirmShipment calls and fulfillment feed messages), in order. */
  readonly shipments: readonly SimulatedShipmentConfirmation[];
  readonly acknowledgements: readonly SimulatedAcknowledgement[];
  /** Requests per operation (SP-API operations plus `token`, `upload`, `download`), rejected ones included. */
  readonly calls: Readonly<Partial<Record<SimulatorOperation, number>>>;
  readonly totalCalls: number;
  /** 429 answers sent (rate limits and injected). */
  readonly throttled: number;
  readonly accessTokensIssued: number;
  /** Internal failures of the simulator itself (should stay empty). */
  readonly errors: readonly string[];
}

/** Adds data while the simulator runs. */
export interface SimulatorSeed {
  catalogItem(input: SeedCatalogItemInput): SimulatedCatalogItem;
  listing(input: SeedListingInput): SimulatedListing;
  order(input: SeedOrderInput): SimulatedOrder;
  /**
   * `count` orders for benchmarks: each is `template(index)` or the template object with a default
   * item (SKU `SIM-SKU-<index % 50>`, one unit at 19.99).
   */
  orders(count: number, template?: Partial<SeedOrderInput> | ((index: number) => SeedOrderInput)): SimulatedOrder[];
  /**
   * Moves an order on: PENDING → UNSHIPPED → SHIPPED, or → CANCELLED (also PENDING → SHIPPED for
   * FBA). Updates lastUpdatedTime, strictly later than any earlier change. Throws for a move Amazon
   * does not make.
   */
  setOrderStatus(orderId: string, status: OrderFulfillmentStatus): SimulatedOrder;
}

/** A running simulator. */
export interface Simulator {
  /** `http://127.0.0.1:PORT` — give it to core's gateway as `amazon.endpoint`. */
  readonly url: string;
  readonly port: number;
  readonly sellerId: string;
  readonly state: SimulatorState;
  readonly seed: SimulatorSeed;
  /** Changes fault injection; keys given replace the current ones (per operation, merged). */
  setFaults(faults: SimulatorFaults): void;
  /** The fault settings in force. */
  readonly faults: SimulatorFaults;
  /** Expires every access token issued so far (the next SP-API call gets 403 "...has expired"). */
  expireAccessTokens(): void;
  /**
   * Lets a feed held IN_PROGRESS by `stuckFeedRate` finish now (processed and applied, as any
   * other), as Amazon sometimes finishes a feed hours late. Returns false when the feed is not
   * such a stuck feed (unknown, not stuck, or already ended, for example cancelled).
   */
  finishStuckFeed(feedId: string): boolean;
  /** Stops the server, closes open connections and cancels pending feed and report work. */
  close(): Promise<void>;
}

/**
 * Starts a local, stateful Amazon SP-API on 127.0.0.1. The real `amazon-sp-api` client reaches it
 * through an `http.Agent` passed as `options.https_proxy_agent` whose `createConnection` dials the
 * simulator's port; the simulator routes by Host and path.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const errors: string[] = [];
  const onError = (error: unknown) => {
    errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  };
  const clock = createClock();
  const ids = createIdSource();
  const random = createRandom(options.randomSeed ?? 1);
  const scheduler = createScheduler(resolved.timeScale, onError);
  const faults = createFaultInjector(random, options.faults);
  const rateLimiter = createRateLimiter({ clock, timeScale: resolved.timeScale, limits: options.rateLimits });
  const tokens = createAccessTokenStore(clock, ids, resolved.credentials);
  const documents = createDocumentStore(clock, ids);
  const catalog = createCatalogStore();
  const listings = createListingsStore();
  const orders = createOrdersStore({ clock, ids, catalog, listings });
  const events: OrderEvents = { shipments: [], acknowledgements: [] };
  const stats: CallStats = { calls: new Map(), total: 0, throttled: 0 };
  const rules = { catalog, listings, clock, ids, sellerId: resolved.sellerId };

  const orderFeed: FeedProcessor = (feed, content) => {
    const { report } = processOrderFeed({ orders, events, clock, sellerId: resolved.sellerId }, feed, content);
    return { status: 'DONE', result: { contentType: 'text/xml; charset=UTF-8', content: Buffer.from(report, 'utf8') } };
  };
  const processors: Record<string, FeedProcessor> = {
    JSON_LISTINGS_FEED(feed, content) {
      const report = processListingsFeed(rules, feed, content);
      return { status: 'DONE', processingReport: report, result: { contentType: 'application/json', content: Buffer.from(JSON.stringify(report)) } };
    },
    POST_ORDER_FULFILLMENT_DATA: (feed, content) => orderFeed(feed, content),
    POST_ORDER_ACKNOWLEDGEMENT_DATA: (feed, content) => orderFeed(feed, content),
  };
  const feeds = createFeedsService({ options: resolved, clock, ids, scheduler, documents, faults, rateLimiter, processors, onError });
  const reports = createReportsService({ options: resolved, clock, ids, scheduler, documents, listings, catalog });
  const routes: ApiRoute[] = [
    ...feeds.routes,
    ...reports.routes,
    ...createListingsRoutes({ ...rules, uuid: ids.uuid }),
    ...createCatalogRoutes({ catalog, listings, sellerId: resolved.sellerId }),
    ...createOrdersRoutes({ orders, clock, lagMs: resolved.ordersLagMs }),
    createConfirmShipmentRoute({ orders, clock, events }),
  ];

  for (const item of options.seed?.catalog ?? DEFAULT_CATALOG) catalog.add(item);
  for (const listing of options.seed?.listings ?? []) seedListing(rules, listing);
  for (const order of options.seed?.orders ?? []) orders.add(order);

  const viewOrder = (orderId: string) => {
    const order = orders.get(orderId);
    return order ? renderOrder(order, ALL_ORDER_INCLUDED_DATA) : undefined;
  };

  const state: SimulatorState = {
    get listings() {
      return listings.all().map(viewListing);
    },
    listing(sku, marketplaceId) {
      const record = listings.get(sku, marketplaceId);
      return record ? viewListing(record) : undefined;
    },
    offer(sku, marketplaceId) {
      const record = listings.get(sku, marketplaceId);
      return record ? offerOf(record) : undefined;
    },
    get catalog() {
      return structuredClone(catalog.all());
    },
    get orders() {
      return orders.all().map((order) => renderOrder(order, ALL_ORDER_INCLUDED_DATA));
    },
    order: viewOrder,
    get feeds() {
      return feeds.all().map(feeds.view);
    },
    feed(feedId) {
      const feed = feeds.get(feedId);
      return feed ? feeds.view(feed) : undefined;
    },
    get reports() {
      return reports.views();
    },
    get shipments() {
      return structuredClone(events.shipments);
    },
    get acknowledgements() {
      return structuredClone(events.acknowledgements);
    },
    get calls() {
      return Object.fromEntries(stats.calls);
    },
    get totalCalls() {
      return stats.total;
    },
    get throttled() {
      return stats.throttled;
    },
    get accessTokensIssued() {
      return tokens.issued;
    },
    get errors() {
      return [...errors];
    },
  };

  const seed: SimulatorSeed = {
    catalogItem: (input) => structuredClone(catalog.add(input)),
    listing: (input) => viewListing(seedListing(rules, input)),
    order: (input) => viewOrder(orders.add(input).orderId)!,
    orders(count, template) {
      const created: SimulatedOrder[] = [];
      for (let index = 0; index < count; index += 1) {
        const input: SeedOrderInput =
          typeof template === 'function'
            ? template(index)
            : { items: [{ sellerSku: `SIM-SKU-${index % 50}`, quantity: 1, unitPrice: '19.99' }], ...template };
        created.push(viewOrder(orders.add(input).orderId)!);
      }
      return created;
    },
    setOrderStatus: (orderId, status) => viewOrder(orders.setStatus(orderId, status).orderId)!,
  };

  const server = createSimulatorServer({ routes, tokens, documents, rateLimiter, faults, stats, onError });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sellerId: resolved.sellerId,
    state,
    seed,
    setFaults: (change) => faults.set(change),
    get faults() {
      return structuredClone(faults.current());
    },
    expireAccessTokens: () => tokens.expireAll(),
    finishStuckFeed: (feedId) => feeds.finishStuck(feedId),
    close() {
      closed ??= new Promise<void>((resolve) => {
        scheduler.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
