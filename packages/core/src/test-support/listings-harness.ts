// Test support for the listings suites: a simulator, a database, a memory shop and sync objects
// wired together as a host would. Not part of the package: nothing public imports it.
import { expect } from '@jest/globals';
import type { Knex } from 'knex';
import knexFactory from 'knex';
import {
  SIMULATOR_CREDENTIALS,
  SIMULATOR_SELLER_ID,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '@sellersync/sp-api-simulator';
import { enqueueChange, type ChangeInput } from '../change-log';
import { migrate } from '../database/migrate';
import { formatMoney } from '../money';
import type { ShopAdapterCapabilities } from '../shop-adapter';
import { createSellerSync, type SellerSync, type SellerSyncOptions } from '../sync';
import { createMemoryAdapter, type MemoryAdapter, type MemoryProductInput } from '../testing';
import { dropSellerSyncTables, uniqueTablePrefix, type TestDatabase } from '../testing/test-databases';
import { loadListingsFeedValidator } from './listings-feed-schema';
import type { ListingsOptions } from '../listings/listings-options';

export const DE = 'A1PA6795UKMFR9';
export const FR = 'A13V1IB3VIYZZH';
export const UK = 'A1F83G8C2ARO7P';

/** Options of {@link startListingsHarness}. */
export interface ListingsHarnessOptions {
  /** The database; default a fresh in-memory SQLite. */
  readonly database?: TestDatabase;
  readonly products?: readonly MemoryProductInput[];
  readonly shopCapabilities?: Partial<ShopAdapterCapabilities>;
  readonly marketplaceIds?: readonly string[];
  readonly listings?: ListingsOptions;
  readonly simulator?: SimulatorOptions;
  /** Default 1000: Amazon's minutes become milliseconds. */
  readonly timeScale?: number;
}

/** Everything a listings test works with. */
export interface ListingsHarness {
  readonly sim: Simulator;
  readonly knex: Knex;
  readonly shop: MemoryAdapter;
  readonly tablePrefix: string;
  readonly marketplaceIds: readonly string[];
  /** The first sync object. */
  readonly sync: SellerSync;
  /** A new sync object on the same database, shop and simulator (a restarted process). */
  newSync(overrides?: Partial<SellerSyncOptions>): SellerSync;
  /** The shop's save hook: changes a product and queues the change. */
  save(product: MemoryProductInput, kind?: ChangeInput['kind']): Promise<void>;
  enqueue(changes: ChangeInput | readonly ChangeInput[]): Promise<void>;
  /** Every document the simulator received, parsed. */
  documents(): { header: unknown; messages: Record<string, unknown>[] }[];
  /** Asserts that the simulator's offer of every shop product equals the shop's offer. */
  expectConverged(marketplaceId?: string): void;
  /** Checks every received document against Amazon's schema, then stops everything. */
  close(): Promise<void>;
}

/** The offer the shop expects on Amazon, written as the simulator reports it. */
export function expectedOffer(shop: MemoryAdapter, sku: string, now = new Date()) {
  const product = shop.getProduct(sku)!;
  const sale = product.salePrice;
  const saleRuns = sale !== null && (sale.endsAt === null || sale.endsAt > now);
  return {
    quantity: product.active ? Math.max(0, product.quantity) : 0,
    price: formatMoney(product.price),
    salePrice: saleRuns ? formatMoney(sale.price) : undefined,
    saleStartAt: saleRuns ? sale.startsAt?.toISOString() : undefined,
    saleEndAt: saleRuns ? sale.endsAt?.toISOString() : undefined,
  };
}

export async function startListingsHarness(options: ListingsHarnessOptions = {}): Promise<ListingsHarness> {
  const timeScale = options.timeScale ?? 1000;
  const sim = await startSimulator({ timeScale, ...options.simulator });
  const knex = options.database
    ? options.database.connect()
    : knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  const tablePrefix = uniqueTablePrefix('ls');
  await migrate(knex, { tablePrefix });
  const shop = createMemoryAdapter({ products: options.products ?? [], capabilities: options.shopCapabilities });
  const marketplaceIds = options.marketplaceIds ?? [DE];
  const base: SellerSyncOptions = {
    db: knex,
    shop,
    tablePrefix,
    amazon: {
      region: 'eu',
      sellerId: SIMULATOR_SELLER_ID,
      marketplaceIds,
      refreshToken: SIMULATOR_CREDENTIALS.refreshToken,
      clientId: SIMULATOR_CREDENTIALS.clientId,
      clientSecret: SIMULATOR_CREDENTIALS.clientSecret,
      endpoint: sim.url,
    },
    gateway: { timeScale },
    listings: options.listings,
  };
  const newSync = (overrides: Partial<SellerSyncOptions> = {}) => createSellerSync({ ...base, ...overrides });
  const enqueue = async (changes: ChangeInput | readonly ChangeInput[]) => {
    await enqueueChange(knex, changes, { tablePrefix });
  };
  const validate = loadListingsFeedValidator();
  const documents = () =>
    sim.state.feeds
      .filter((feed) => feed.feedType === 'JSON_LISTINGS_FEED' && feed.input)
      .map((feed) => JSON.parse(feed.input!.content) as { header: unknown; messages: Record<string, unknown>[] });
  return {
    sim,
    knex,
    shop,
    tablePrefix,
    marketplaceIds,
    sync: newSync(),
    newSync,
    enqueue,
    async save(product, kind = 'offer') {
      shop.upsertProduct(product);
      await enqueue({ sku: product.sku, kind });
    },
    documents,
    expectConverged(marketplaceId = marketplaceIds[0]!) {
      const now = new Date();
      for (const product of shop.listProducts()) {
        const offer = sim.state.offer(product.sku, marketplaceId);
        const expected = expectedOffer(shop, product.sku, now);
        expect({ sku: product.sku, ...offer }).toMatchObject({ sku: product.sku, quantity: expected.quantity, price: expected.price });
        expect({ sku: product.sku, salePrice: offer?.salePrice, saleStartAt: offer?.saleStartAt, saleEndAt: offer?.saleEndAt }).toEqual({
          sku: product.sku,
          salePrice: expected.salePrice,
          saleStartAt: expected.saleStartAt,
          saleEndAt: expected.saleEndAt,
        });
      }
    },
    async close() {
      try {
        if (validate) for (const document of documents()) expect(validate(document)).toEqual([]);
        expect(sim.state.errors).toEqual([]);
      } finally {
        await sim.close();
        await dropSellerSyncTables(knex, tablePrefix);
        await knex.destroy();
      }
    },
  };
}

/** A product with the metadata a full listing needs. */
export function listedProduct(sku: string, overrides: Partial<MemoryProductInput> = {}): MemoryProductInput {
  return {
    sku,
    title: `Product ${sku}`,
    quantity: 10,
    price: { amount: 1999, currency: 'EUR' },
    listing: { brand: 'Kaffeeklatsch', title: `Product ${sku}`, images: { main: `https://shop.example/${encodeURIComponent(sku)}.jpg`, others: [] } },
    ...overrides,
  };
}

/** A small deterministic PRNG (mulberry32) so random tests replay. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
