// Test support for the order and shipment suites: a simulator, a database, a memory shop and sync
// objects wired together as a host would. Not part of the package: nothing public imports it.
import type { Knex } from 'knex';
import knexFactory from 'knex';
import {
  SIMULATOR_CREDENTIALS,
  SIMULATOR_SELLER_ID,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '@sellersync/sp-api-simulator';
import { migrate } from '../database/migrate';
import { resolveTableNames } from '../database/table-names';
import type { ShipmentsOptions } from '../shipments/shipments-options';
import type { ShopAdapter, ShopAdapterCapabilities } from '../shop-adapter';
import { createSellerSync, type SellerSync, type SellerSyncOptions } from '../sync';
import { createMemoryAdapter, type MemoryAdapter, type MemoryProductInput } from '../testing';
import { dropSellerSyncTables, uniqueTablePrefix, type TestDatabase } from '../testing/test-databases';
import type { OrdersOptions } from '../orders/orders-options';

export const DE = 'A1PA6795UKMFR9';
export const FR = 'A13V1IB3VIYZZH';

/** Default 1000: Amazon's minutes become milliseconds (the Orders API's 2-minute lag is 120 ms). */
export const TIME_SCALE = 1000;

export interface OrdersHarnessOptions {
  /** The database; default a fresh in-memory SQLite. */
  readonly database?: TestDatabase;
  readonly products?: readonly MemoryProductInput[];
  readonly shopCapabilities?: Partial<ShopAdapterCapabilities>;
  /** Another shop instead of the memory one (the memory shop is still created for `harness.shop`). */
  readonly shopAdapter?: ShopAdapter;
  readonly marketplaceIds?: readonly string[];
  readonly orders?: OrdersOptions;
  readonly shipments?: ShipmentsOptions;
  readonly simulator?: SimulatorOptions;
  /** Pool size of a server database connection. Default 4. */
  readonly poolSize?: number;
}

export interface OrdersHarness {
  readonly sim: Simulator;
  readonly knex: Knex;
  readonly shop: MemoryAdapter;
  readonly tablePrefix: string;
  readonly tables: ReturnType<typeof resolveTableNames>;
  readonly sync: SellerSync;
  /** A new sync object on the same database, shop and simulator (another worker, a restarted process). */
  newSync(overrides?: Partial<SellerSyncOptions>): SellerSync;
  /** Waits until changes made in the simulator now are past the Orders API's lag. */
  settle(): Promise<void>;
  /** The shop's quantity of a SKU. */
  stock(sku: string): number;
  close(): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A point where a test holds code: `pass()` waits there until `release()`; `reached` resolves once code got there. */
export interface HoldPoint {
  pass(): Promise<void>;
  readonly reached: Promise<void>;
  release(): void;
}

export function holdPoint(): HoldPoint {
  let release = () => {};
  const open = new Promise<void>((resolve) => (release = resolve));
  let arrive = () => {};
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  return {
    reached,
    release: () => release(),
    async pass() {
      arrive();
      await open;
    },
  };
}

/** A clock that moves only when a test says so: leases run out on it, not on a loaded machine's timing. */
export interface ManualClock {
  readonly now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Polls until `condition` holds: it waits for an event, never for a margin; fails after `timeoutMs`. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}.`);
    await sleep(5);
  }
}

/** Counts the UPDATE statements sent through `knex` that write `marker` (an error code), until `stop()`. */
export function countUpdatesWriting(knex: Knex, marker: string): { readonly count: () => number; stop(): void } {
  let count = 0;
  const listener = (query: { sql?: string; bindings?: readonly unknown[] }) => {
    if (/^\s*update\b/i.test(query.sql ?? '') && (query.bindings ?? []).includes(marker)) count += 1;
  };
  knex.on('query', listener);
  return { count: () => count, stop: () => void knex.removeListener('query', listener) };
}

/** A row of the orders table as an importer that died while holding it leaves it (claimed, lease over). */
export function abandonedOrderRow(amazonOrderId: string, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    account_id: 'acme-eu',
    marketplace_id: DE,
    amazon_order_id: amazonOrderId,
    fulfilled_by: 'merchant',
    amazon_status: 'UNSHIPPED',
    amazon_updated_at: 0,
    state: 'claimed',
    claimed_by: 'dead#1',
    lease_until: Date.now() - 1,
    stock_state: 'none',
    attempts: 0,
    created_at: Date.now(),
    updated_at: Date.now(),
    ...overrides,
  };
}

export async function startOrdersHarness(options: OrdersHarnessOptions = {}): Promise<OrdersHarness> {
  const sim = await startSimulator({ timeScale: TIME_SCALE, ...options.simulator });
  const knex = options.database
    ? options.database.connect(options.poolSize)
    : knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  const tablePrefix = uniqueTablePrefix('or');
  await migrate(knex, { tablePrefix });
  const shop = createMemoryAdapter({ products: options.products ?? [], capabilities: options.shopCapabilities });
  const base: SellerSyncOptions = {
    db: knex,
    shop: options.shopAdapter ?? shop,
    tablePrefix,
    accountId: 'acme-eu',
    amazon: {
      region: 'eu',
      sellerId: SIMULATOR_SELLER_ID,
      marketplaceIds: options.marketplaceIds ?? [DE],
      refreshToken: SIMULATOR_CREDENTIALS.refreshToken,
      clientId: SIMULATOR_CREDENTIALS.clientId,
      clientSecret: SIMULATOR_CREDENTIALS.clientSecret,
      endpoint: sim.url,
    },
    gateway: { timeScale: TIME_SCALE, retry: { retries: 6, minTimeoutMs: 1000, maxTimeoutMs: 20_000 } },
    orders: options.orders,
    shipments: { retryBaseMs: 1, ...options.shipments },
  };
  const newSync = (overrides: Partial<SellerSyncOptions> = {}) => createSellerSync({ ...base, ...overrides });
  const lagMs = Math.ceil((options.simulator?.ordersLagMs ?? 120_000 / TIME_SCALE) + 20);
  return {
    sim,
    knex,
    shop,
    tablePrefix,
    tables: resolveTableNames(tablePrefix),
    sync: newSync(),
    newSync,
    settle: () => sleep(lagMs),
    stock: (sku) => shop.getProduct(sku)!.quantity,
    async close() {
      await sim.close();
      await dropSellerSyncTables(knex, tablePrefix);
      await knex.destroy();
    },
  };
}
