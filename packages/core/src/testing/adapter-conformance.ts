import { SellerSyncError } from '../errors';
import type { Money } from '../money';
import {
  hasCapability,
  requireCapability,
  type ShopAdapter,
  type ShopAdapterCapabilities,
  type ShopAdapterCapability,
  type ShopOrderDraft,
  type ShopPackage,
  type ShopProduct,
  type ShopSalePrice,
} from '../shop-adapter';

/** A runner's `test` function; `skip` (jest's and vitest's `test.skip`) reports switched-off groups. */
export type ConformanceTest = ((name: string, body: () => Promise<void>, timeout?: number) => void) & {
  readonly skip?: (name: string, body: () => Promise<void>) => void;
};

/** The runner functions the suite registers its tests with (jest, vitest, node:test wrappers...). */
export interface ConformanceRunner {
  describe(name: string, body: () => void): void;
  test: ConformanceTest;
  expect: ConformanceExpect;
}

/** The subset of an `expect` the suite uses (jest's and vitest's both fit). */
export type ConformanceExpect = (actual: unknown) => {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toHaveLength(length: number): void;
  toBeNull(): void;
  toBeGreaterThan(value: number): void;
  toBeUndefined(): void;
  toMatchObject(expected: object): void;
  not: { toBe(expected: unknown): void; toBeNull(): void; toContain(item: unknown): void };
  toContain(item: unknown): void;
  rejects: { toThrow(expected?: unknown): Promise<void> };
};

/** A product the suite seeds straight into the shop's storage (raw queries, not the adapter). */
export interface ConformanceProduct {
  readonly sku: string;
  readonly title: string;
  readonly gtin?: string | null;
  readonly asin?: string | null;
  readonly quantity: number;
  /** Price tax included. */
  readonly price: Money;
  /** Default `true`. */
  readonly active?: boolean;
  /** Default none. */
  readonly salePrice?: ShopSalePrice | null;
  /** Default `null` (every marketplace). Only the `productMarketplaces` group sets it. */
  readonly marketplaceIds?: readonly string[] | null;
  /**
   * Insert a variant (a combination) of the product with this `productRef` rather than a product
   * of its own. Only the `variants` group sets it.
   */
  readonly variantOf?: string;
}

/**
 * What an adapter's test file provides for one test: a fresh adapter over fresh storage, and ways
 * to seed and read that storage without going through the adapter under test.
 */
export interface ConformanceFixture {
  readonly adapter: ShopAdapter;
  /** Inserts a product (or variant) directly; returns its references. */
  insertProduct(product: ConformanceProduct): Promise<{ productRef: string; variantRef: string | null }>;
  /** The sellable quantity as stored. */
  readQuantity(ref: { productRef: string; variantRef: string | null }): Promise<number>;
  /** An order as stored, or `null`. */
  readOrder(orderRef: string): Promise<{ externalId: string; status: string; lineCount: number } | null>;
  /** How many orders the shop holds for an external (Amazon) id. */
  countOrders(externalId: string): Promise<number>;
  /** Marks an order shipped with these packages, as the shop's back office would. */
  shipOrder(orderRef: string, shipment: { status: string; packages: readonly ShopPackage[] }): Promise<void>;
  /** Whether a product with this SKU exists in storage (for `createProduct`). */
  productExists(sku: string): Promise<boolean>;
  /** How many products (or variants; placeholders aside) with this SKU storage holds. */
  countProducts(sku: string): Promise<number>;
  /** Frees what the test used. */
  cleanup?(): Promise<void>;
}

/**
 * The groups of the suite; each can be switched off with a reason. `catalog`, `variants` (products
 * with combinations) and `productMarketplaces` (per-product marketplace lists) run for every adapter
 * unless switched off; the others are the capabilities.
 */
export type ConformanceGroup = 'catalog' | 'variants' | 'productMarketplaces' | ShopAdapterCapability;

/** Options of {@link runAdapterConformance}. */
export interface ConformanceOptions {
  /** Shown in test names. */
  readonly name: string;
  /** Builds a fresh fixture; called once per test. */
  setup(): Promise<ConformanceFixture>;
  /**
   * The capabilities the adapter declares. Groups of declared capabilities run in full; for the
   * others the suite checks that they are refused. Each test checks the adapter agrees.
   */
  readonly capabilities: ShopAdapterCapabilities;
  /** The shop status an order gets when the suite marks it shipped. Default `shipped`. */
  readonly shippedStatus?: string;
  /**
   * Groups this adapter cannot pass, each with the reason, printed in the test name. A switched-off
   * group is reported as one skipped test (through the runner's `test.skip`; a runner without it
   * gets no test for the group).
   */
  readonly skip?: Partial<Record<ConformanceGroup, string>>;
}

const money = (amount: number, currency = 'EUR'): Money => ({ amount, currency });

function orderDraft(externalId: string, lines: ShopOrderDraft['lines']): ShopOrderDraft {
  return {
    externalId,
    accountId: 'default',
    marketplaceId: 'A1PA6795UKMFR9',
    status: 'awaiting_shipment',
    fulfilledBy: 'merchant',
    purchasedAt: new Date('2026-11-01T10:00:00Z'),
    currency: 'EUR',
    customer: {
      email: `${externalId}@marketplace.invalid`,
      firstName: 'Erika',
      lastName: 'Mustermann',
      company: null,
      taxId: null,
      matchByEmail: false,
    },
    shippingAddress: {
      name: 'Erika Mustermann',
      company: null,
      line1: 'Heidestraße 17',
      line2: null,
      line3: null,
      city: 'Köln',
      region: null,
      postalCode: '51147',
      countryCode: 'DE',
      phone: null,
    },
    billingAddress: null,
    lines,
    shipping: { carrier: 'DHL', price: money(490), tax: money(78), discount: money(0) },
    payment: { method: 'amazon', status: 'paid' },
    total: money(lines.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 490)),
    taxTotal: money(lines.reduce((sum, line) => sum + line.tax.amount, 78)),
    notes: [],
  };
}

/**
 * The shop-adapter conformance suite. Every adapter runs it on a real database; it takes the
 * runner's `describe`, `test` and `expect` so it runs under any test runner.
 *
 * ```ts
 * import { describe, test, expect } from '@jest/globals';
 * runAdapterConformance({ describe, test, expect }, { name: 'prestashop', setup: async () => ... });
 * ```
 */
export function runAdapterConformance(runner: ConformanceRunner, options: ConformanceOptions): void {
  const { describe, test, expect } = runner;
  const shipped = options.shippedStatus ?? 'shipped';

  const withFixture = (body: (fixture: ConformanceFixture) => Promise<void>) => async () => {
    const fixture = await options.setup();
    try {
      await body(fixture);
    } finally {
      await fixture.cleanup?.();
    }
  };

  /** A group that runs when the capability is declared, and otherwise checks it is refused. */
  const group = (name: ConformanceGroup, body: () => void) => {
    const reason = options.skip?.[name];
    describe(`${options.name} adapter: ${name}`, () => {
      if (reason !== undefined) {
        test.skip?.(`switched off: ${reason}`, async () => {});
        return;
      }
      if (name !== 'catalog' && name !== 'variants' && name !== 'productMarketplaces' && !options.capabilities[name]) {
        test(`"${name}" is not declared and is refused with UNSUPPORTED_CAPABILITY`, withFixture(async ({ adapter }) => {
          expect(hasCapability(adapter, name)).toBe(false);
          let error: unknown;
          try {
            requireCapability(adapter, name, 'the conformance suite');
          } catch (caught) {
            error = caught;
          }
          expect(SellerSyncError.isInstance(error) && error.code).toBe('UNSUPPORTED_CAPABILITY');
        }));
        return;
      }
      body();
    });
  };

  const scanAll = async (adapter: ShopAdapter): Promise<ShopProduct[]> => {
    const items: ShopProduct[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 1000; pages += 1) {
      const page = await adapter.scanCatalog({ cursor, limit: 50 });
      items.push(...page.items);
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    return items;
  };

  const when = (capability: ShopAdapterCapability, name: string, body: (fixture: ConformanceFixture) => Promise<void>) =>
    test(name, withFixture(async (fixture) => {
      expect(hasCapability(fixture.adapter, capability)).toBe(true);
      await body(fixture);
    }));

  group('catalog', () => {
    test('getProductsBySku returns the products of known SKUs and nothing for unknown ones', withFixture(async (f) => {
      await f.insertProduct({ sku: 'MUG-RED', title: 'Red mug', quantity: 5, price: money(1299), gtin: '4006381333931' });
      await f.insertProduct({ sku: 'MUG-BLUE', title: 'Blue mug', quantity: 0, price: money(1399) });
      const found = await f.adapter.getProductsBySku(['MUG-RED', 'NOPE']);
      expect(found).toHaveLength(1);
      expect(found[0]!.sku).toBe('MUG-RED');
      expect(found[0]!.quantity).toBe(5);
      expect(found[0]!.price).toEqual(money(1299));
      expect(found[0]!.title).toBe('Red mug');
      expect(await f.adapter.getProductsBySku(['NOPE'])).toEqual([]);
      expect(await f.adapter.getProductsBySku([])).toEqual([]);
    }));

    test('SKUs are compared exactly (case matters)', withFixture(async (f) => {
      await f.insertProduct({ sku: 'Mug-1', title: 'Mug', quantity: 1, price: money(100) });
      expect(await f.adapter.getProductsBySku(['MUG-1'])).toEqual([]);
      expect(await f.adapter.getProductsBySku(['Mug-1'])).toHaveLength(1);
    }));

    test('a SKU held by two products is returned twice, for core to report', withFixture(async (f) => {
      await f.insertProduct({ sku: 'TWIN', title: 'Twin A', quantity: 1, price: money(100) });
      await f.insertProduct({ sku: 'TWIN', title: 'Twin B', quantity: 2, price: money(100) });
      expect(await f.adapter.getProductsBySku(['TWIN'])).toHaveLength(2);
    }));

    test('scanCatalog returns every product exactly once across pages', withFixture(async (f) => {
      const skus: string[] = [];
      for (let index = 0; index < 7; index += 1) {
        skus.push(`SCAN-${index}`);
        await f.insertProduct({ sku: `SCAN-${index}`, title: `Item ${index}`, quantity: index, price: money(100 + index) });
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await f.adapter.scanCatalog({ cursor, limit: 3 });
        expect(page.items.length <= 3).toBe(true);
        seen.push(...page.items.map((item) => item.sku));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 20);
      expect(seen.sort()).toEqual(skus.sort());
      expect(pages).toBeGreaterThan(2);
    }));

    test('findProducts matches by SKU, GTIN, ASIN or reference and returns [] for none', withFixture(async (f) => {
      const a = await f.insertProduct({ sku: 'F-1', title: 'One', quantity: 1, price: money(100), gtin: '4006381333931' });
      await f.insertProduct({ sku: 'F-2', title: 'Two', quantity: 1, price: money(100), asin: 'B000000002' });
      await f.insertProduct({ sku: 'F-3', title: 'Three', quantity: 1, price: money(100) });
      expect((await f.adapter.findProducts({ gtins: ['4006381333931'] })).map((p) => p.sku)).toEqual(['F-1']);
      expect((await f.adapter.findProducts({ asins: ['B000000002'] })).map((p) => p.sku)).toEqual(['F-2']);
      expect((await f.adapter.findProducts({ productRefs: [a.productRef] })).map((p) => p.sku)).toEqual(['F-1']);
      const both = await f.adapter.findProducts({ skus: ['F-3', 'F-1'], gtins: ['4006381333931'] });
      expect(both.map((p) => p.sku).sort()).toEqual(['F-1', 'F-3']);
      expect(await f.adapter.findProducts({ skus: ['none'], gtins: ['0000000000000'] })).toEqual([]);
    }));

    test('a disabled product is returned with active: false, by SKU and in the scan, not left out', withFixture(async (f) => {
      const off = await f.insertProduct({ sku: 'OFF-1', title: 'Switched off', quantity: 4, price: money(100), active: false });
      await f.insertProduct({ sku: 'ON-1', title: 'On sale', quantity: 1, price: money(100) });
      const found = await f.adapter.getProductsBySku(['OFF-1', 'ON-1']);
      expect(found.map((p) => [p.sku, p.active]).sort()).toEqual([
        ['OFF-1', false],
        ['ON-1', true],
      ]);
      expect(found.find((p) => p.sku === 'OFF-1')!.quantity).toBe(4);
      const scanned = (await scanAll(f.adapter)).filter((p) => p.sku === 'OFF-1');
      expect(scanned.map((p) => [p.productRef, p.active])).toEqual([[off.productRef, false]]);
    }));

    test('a sale price comes back with its window; a product without one has salePrice null', withFixture(async (f) => {
      const window = { price: money(999), startsAt: new Date('2026-12-01T00:00:00Z'), endsAt: new Date('2026-12-24T23:00:00Z') };
      await f.insertProduct({ sku: 'SALE-1', title: 'On sale', quantity: 1, price: money(1299), salePrice: window });
      await f.insertProduct({ sku: 'SALE-OPEN', title: 'Open sale', quantity: 1, price: money(1299), salePrice: { price: money(899), startsAt: null, endsAt: null } });
      await f.insertProduct({ sku: 'NO-SALE', title: 'Full price', quantity: 1, price: money(1299) });
      const bySku = new Map((await f.adapter.getProductsBySku(['SALE-1', 'SALE-OPEN', 'NO-SALE'])).map((p) => [p.sku, p]));
      expect(bySku.get('SALE-1')!.price).toEqual(money(1299));
      expect(bySku.get('SALE-1')!.salePrice).toEqual(window);
      expect(bySku.get('SALE-OPEN')!.salePrice).toEqual({ price: money(899), startsAt: null, endsAt: null });
      expect(bySku.get('NO-SALE')!.salePrice).toBeNull();
    }));
  });

  group('productMarketplaces', () => {
    test('a product limited to some marketplaces says so; null means every marketplace', withFixture(async (f) => {
      await f.insertProduct({ sku: 'DE-FR', title: 'Two markets', quantity: 1, price: money(100), marketplaceIds: ['A1PA6795UKMFR9', 'A13V1IB3VIYZZH'] });
      await f.insertProduct({ sku: 'EVERYWHERE', title: 'All markets', quantity: 1, price: money(100) });
      const bySku = new Map((await f.adapter.getProductsBySku(['DE-FR', 'EVERYWHERE'])).map((p) => [p.sku, p]));
      expect([...(bySku.get('DE-FR')!.marketplaceIds ?? [])].sort()).toEqual(['A13V1IB3VIYZZH', 'A1PA6795UKMFR9']);
      expect(bySku.get('EVERYWHERE')!.marketplaceIds).toBeNull();
    }));
  });

  group('variants', () => {
    const tee = async (f: ConformanceFixture) => {
      const product = await f.insertProduct({ sku: 'TEE', title: 'T-shirt', quantity: 0, price: money(1999) });
      const small = await f.insertProduct({ sku: 'TEE-S', title: 'T-shirt S', quantity: 3, price: money(1999), variantOf: product.productRef });
      const medium = await f.insertProduct({ sku: 'TEE-M', title: 'T-shirt M', quantity: 5, price: money(2199), variantOf: product.productRef });
      return { product, small, medium };
    };

    test('variants share their product reference and have their own variantRef, SKU, price and stock', withFixture(async (f) => {
      const { product, small, medium } = await tee(f);
      expect(small.productRef).toBe(product.productRef);
      expect(medium.productRef).toBe(product.productRef);
      expect(small.variantRef).not.toBeNull();
      expect(medium.variantRef).not.toBe(small.variantRef);
      const found = await f.adapter.getProductsBySku(['TEE-S', 'TEE-M']);
      const bySku = new Map(found.map((p) => [p.sku, p]));
      expect(found).toHaveLength(2);
      expect(bySku.get('TEE-S')).toMatchObject({ productRef: product.productRef, variantRef: small.variantRef, quantity: 3, price: money(1999) });
      expect(bySku.get('TEE-M')).toMatchObject({ productRef: product.productRef, variantRef: medium.variantRef, quantity: 5, price: money(2199) });
      const byRef = await f.adapter.findProducts({ productRefs: [product.productRef] });
      expect(byRef.map((p) => p.sku)).toContain('TEE-S');
      expect(byRef.map((p) => p.sku)).toContain('TEE-M');
      const scanned = (await scanAll(f.adapter)).filter((p) => p.sku === 'TEE-S' || p.sku === 'TEE-M');
      expect(scanned.map((p) => `${p.sku}:${p.variantRef}`).sort()).toEqual([`TEE-M:${medium.variantRef}`, `TEE-S:${small.variantRef}`]);
      expect(await f.readQuantity(small)).toBe(3);
      expect(await f.readQuantity(medium)).toBe(5);
    }));

    if (options.capabilities.orders)
      when('orders', 'a stock movement of a variant changes that variant only', async (f) => {
        const { small, medium } = await tee(f);
        const result = await f.adapter.adjustStock!([{ movementId: 'v-1', productRef: small.productRef, variantRef: small.variantRef, delta: -2 }]);
        expect(result.applied).toBe(1);
        expect(await f.readQuantity(small)).toBe(1);
        expect(await f.readQuantity(medium)).toBe(5);
      });

    if (options.capabilities.stockReservations)
      when('stockReservations', 'a reservation of a variant holds and gives back that variant\'s stock only', async (f) => {
        const { small, medium } = await tee(f);
        await f.adapter.reserveStock!({ reservationId: 'v-res', lines: [{ productRef: medium.productRef, variantRef: medium.variantRef, quantity: 2 }] });
        expect(await f.readQuantity(medium)).toBe(3);
        expect(await f.readQuantity(small)).toBe(3);
        await f.adapter.releaseStockReservation!('v-res');
        expect(await f.readQuantity(medium)).toBe(5);
      });
  });

  group('listingData', () => {
    when('listingData', 'getListingData returns metadata for known SKUs only', async (f) => {
      await f.insertProduct({ sku: 'L-1', title: 'Listing one', quantity: 1, price: money(100) });
      const data = await f.adapter.getListingData!(['L-1', 'missing']);
      expect(data).toHaveLength(1);
      expect(data[0]!.sku).toBe('L-1');
      expect(data[0]!.title.length).toBeGreaterThan(0);
      expect(Array.isArray(data[0]!.bulletPoints)).toBe(true);
    });
  });

  group('orders', () => {
    when('orders', 'createOrder is idempotent by external id', async (f) => {
      const p = await f.insertProduct({ sku: 'O-1', title: 'Order me', quantity: 4, price: money(1000) });
      const line = {
        externalLineId: '11111111111111',
        productRef: p.productRef,
        variantRef: p.variantRef,
        sku: 'O-1',
        asin: null,
        name: 'Order me',
        quantity: 2,
        unitPrice: money(1000),
        tax: money(319),
        discount: money(0),
        placeholder: false,
      };
      const first = await f.adapter.createOrder!(orderDraft('302-1111111-1111111', [line]));
      const second = await f.adapter.createOrder!(orderDraft('302-1111111-1111111', [line]));
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.orderRef).toBe(first.orderRef);
      expect(await f.countOrders('302-1111111-1111111')).toBe(1);
      const stored = await f.readOrder(first.orderRef);
      expect(stored?.externalId).toBe('302-1111111-1111111');
      expect(stored?.lineCount).toBe(1);
      expect(await f.readQuantity(p)).toBe(4);
      expect((await f.adapter.findOrderByExternalId!('302-1111111-1111111'))?.orderRef).toBe(first.orderRef);
      expect(await f.adapter.findOrderByExternalId!('302-0000000-0000000')).toBeNull();
    });

    when('orders', 'updateOrderStatus changes the stored status', async (f) => {
      const created = await f.adapter.createOrder!(orderDraft('302-2222222-2222222', []));
      await f.adapter.updateOrderStatus!(created.orderRef, shipped);
      await f.adapter.updateOrderStatus!(created.orderRef, shipped);
      expect((await f.readOrder(created.orderRef))?.status).toBe(shipped);
    });

    when('orders', 'adjustStock applies each movement id once and reports unknown products', async (f) => {
      const p = await f.insertProduct({ sku: 'S-1', title: 'Stock', quantity: 10, price: money(100) });
      const movement = { movementId: 'm-1', productRef: p.productRef, variantRef: p.variantRef, delta: -3 };
      const first = await f.adapter.adjustStock!([movement]);
      const again = await f.adapter.adjustStock!([movement]);
      expect(first.applied).toBe(1);
      expect(again.applied).toBe(0);
      expect(await f.readQuantity(p)).toBe(7);
      const mixed = await f.adapter.adjustStock!([
        { movementId: 'm-2', productRef: 'no-such-product', variantRef: null, delta: 1 },
        { movementId: 'm-3', productRef: p.productRef, variantRef: p.variantRef, delta: 2 },
      ]);
      expect(mixed.unknown).toEqual(['m-2']);
      expect(await f.readQuantity(p)).toBe(9);
    });
  });

  group('stockReservations', () => {
    when('stockReservations', 'reserve, commit and release move stock once each', async (f) => {
      const p = await f.insertProduct({ sku: 'R-1', title: 'Reserve', quantity: 10, price: money(100) });
      const reservation = { reservationId: 'res-1', lines: [{ productRef: p.productRef, variantRef: p.variantRef, quantity: 3 }] };
      await f.adapter.reserveStock!(reservation);
      await f.adapter.reserveStock!(reservation);
      expect(await f.readQuantity(p)).toBe(7);
      await f.adapter.commitStockReservation!('res-1');
      await f.adapter.commitStockReservation!('res-1');
      expect(await f.readQuantity(p)).toBe(7);
      await f.adapter.releaseStockReservation!('res-1');
      await f.adapter.releaseStockReservation!('res-1');
      expect(await f.readQuantity(p)).toBe(10);
      await f.adapter.releaseStockReservation!('unknown');
      await f.adapter.commitStockReservation!('unknown');
      expect(await f.readQuantity(p)).toBe(10);
    });

    when('stockReservations', 'a released reservation gives back exactly what it held', async (f) => {
      const p = await f.insertProduct({ sku: 'R-2', title: 'Reserve', quantity: 5, price: money(100) });
      await f.adapter.reserveStock!({ reservationId: 'res-2', lines: [{ productRef: p.productRef, variantRef: p.variantRef, quantity: 2 }] });
      expect(await f.readQuantity(p)).toBe(3);
      await f.adapter.releaseStockReservation!('res-2');
      expect(await f.readQuantity(p)).toBe(5);
    });
  });

  group('shipments', () => {
    when('shipments', 'listShipments returns shipped orders with stable packages only', async (f) => {
      expect(hasCapability(f.adapter, 'orders')).toBe(true);
      const shippedOrder = await f.adapter.createOrder!(orderDraft('302-3333333-3333333', []));
      const openOrder = await f.adapter.createOrder!(orderDraft('302-4444444-4444444', []));
      await f.shipOrder(shippedOrder.orderRef, {
        status: shipped,
        packages: [{ packageId: '1', carrier: 'DHL', trackingNumber: '00340434161094042557', shippingMethod: null, lines: null }],
      });
      const request = { orderRefs: [shippedOrder.orderRef, openOrder.orderRef, 'unknown'], shippedStatuses: [shipped] };
      const first = await f.adapter.listShipments!(request);
      const second = await f.adapter.listShipments!(request);
      expect(first.map((s) => s.orderRef)).toEqual([shippedOrder.orderRef]);
      expect(first[0]!.packages).toHaveLength(1);
      expect(first[0]!.packages[0]!.trackingNumber).toBe('00340434161094042557');
      expect(second[0]!.packages[0]!.packageId).toBe(first[0]!.packages[0]!.packageId);
      expect(first[0]!.packages[0]!.lines).toBeNull();
    });

    when('shipments', 'packages keep the order lines they hold, in the order shipped', async (f) => {
      const order = await f.adapter.createOrder!(orderDraft('302-5555555-5555555', []));
      const firstBox = [{ externalLineId: '11111111111111', quantity: 1 }];
      const secondBox = [
        { externalLineId: '11111111111111', quantity: 1 },
        { externalLineId: '22222222222222', quantity: 2 },
      ];
      await f.shipOrder(order.orderRef, {
        status: shipped,
        packages: [
          { packageId: '1', carrier: 'DHL', trackingNumber: '00340434161094042557', shippingMethod: null, lines: firstBox },
          { packageId: '2', carrier: 'DPD', trackingNumber: '01234567890123', shippingMethod: 'Classic', lines: secondBox },
        ],
      });
      const [shipment] = await f.adapter.listShipments!({ orderRefs: [order.orderRef], shippedStatuses: [shipped] });
      expect(shipment!.packages.map((p) => [p.carrier, p.trackingNumber, p.lines])).toEqual([
        ['DHL', '00340434161094042557', firstBox],
        ['DPD', '01234567890123', secondBox],
      ]);
      expect(new Set(shipment!.packages.map((p) => p.packageId)).size).toBe(2);
    });
  });

  group('placeholderProduct', () => {
    when('placeholderProduct', 'the placeholder is idempotent by key and never offered for sale', async (f) => {
      const first = await f.adapter.ensurePlaceholderProduct!({ key: 'fba', name: 'Amazon FBA item' });
      const second = await f.adapter.ensurePlaceholderProduct!({ key: 'fba', name: 'Amazon FBA item' });
      expect(second.productRef).toBe(first.productRef);
      const page = await f.adapter.scanCatalog({ cursor: null, limit: 1000 });
      expect(page.items.map((item) => item.productRef)).not.toContain(first.productRef);
    });
  });

  group('createProducts', () => {
    when('createProducts', 'createProduct adds a product that the catalog then returns', async (f) => {
      const created = await f.adapter.createProduct!({
        sku: 'NEW-1',
        title: 'Created from Amazon',
        gtin: '4006381333931',
        asin: 'B0000NEW01',
        price: money(2599),
        quantity: 0,
        categoryRef: null,
      });
      expect(typeof created.productRef).toBe('string');
      expect(await f.productExists('NEW-1')).toBe(true);
      expect((await f.adapter.getProductsBySku(['NEW-1'])).map((p) => p.productRef)).toEqual([created.productRef]);
    });

    when('createProducts', 'createProduct is idempotent by SKU: an existing product is returned unchanged, not duplicated', async (f) => {
      const draft = { title: 'From Amazon', gtin: null, asin: 'B0000NEW02', price: money(2599), quantity: 9, categoryRef: null };
      const existing = await f.insertProduct({ sku: 'KNOWN-1', title: 'In the shop', quantity: 2, price: money(1000) });
      const again = await f.adapter.createProduct!({ ...draft, sku: 'KNOWN-1' });
      expect(again.productRef).toBe(existing.productRef);
      expect(again.variantRef).toBe(existing.variantRef);
      expect(await f.countProducts('KNOWN-1')).toBe(1);
      expect(await f.readQuantity(existing)).toBe(2);
      const first = await f.adapter.createProduct!({ ...draft, sku: 'NEW-2' });
      const second = await f.adapter.createProduct!({ ...draft, sku: 'NEW-2' });
      expect(second.productRef).toBe(first.productRef);
      expect(await f.countProducts('NEW-2')).toBe(1);
    });
  });
}
