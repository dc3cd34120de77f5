import { describe, expect, test } from '@jest/globals';
import { runAdapterConformance, type ConformanceProduct } from './adapter-conformance';
import { createMemoryAdapter, type MemoryAdapter } from './memory-adapter';

function fixtureFor(adapter: MemoryAdapter) {
  return {
    adapter,
    async insertProduct({ variantOf, ...product }: ConformanceProduct) {
      // a fresh product every time, even for a SKU already held (the suite checks duplicates)
      const seed = adapter.listProducts().length + 1;
      const created = adapter.upsertProduct(
        variantOf === undefined
          ? { ...product, productRef: `seed-${seed}`, variantRef: null }
          : { ...product, productRef: variantOf, variantRef: `variant-${seed}` },
      );
      return { productRef: created.productRef, variantRef: created.variantRef };
    },
    async readQuantity(ref: { productRef: string; variantRef: string | null }) {
      return adapter.getProductByRef(ref.productRef, ref.variantRef)!.quantity;
    },
    async readOrder(orderRef: string) {
      const order = adapter.getOrder(orderRef);
      return order ? { externalId: order.externalId, status: order.status, lineCount: order.draft.lines.length } : null;
    },
    async countOrders(externalId: string) {
      return adapter.listOrders().filter((order) => order.externalId === externalId).length;
    },
    async shipOrder(orderRef: string, shipment: Parameters<MemoryAdapter['shipOrder']>[1]) {
      adapter.shipOrder(orderRef, shipment);
    },
    async productExists(sku: string) {
      return adapter.getProduct(sku) !== undefined;
    },
    async countProducts(sku: string) {
      return adapter.listProducts().filter((product) => product.sku === sku && !product.hidden).length;
    },
  };
}

const ALL = {
  listingData: true,
  orders: true,
  stockReservations: true,
  shipments: true,
  placeholderProduct: true,
  createProducts: true,
};

runAdapterConformance(
  { describe, test, expect },
  { name: 'memory', capabilities: ALL, setup: async () => fixtureFor(createMemoryAdapter()) },
);

runAdapterConformance(
  { describe, test, expect },
  {
    name: 'memory without orders',
    capabilities: { ...ALL, orders: false, stockReservations: false, shipments: false },
    setup: async () =>
      fixtureFor(createMemoryAdapter({ capabilities: { orders: false, stockReservations: false, shipments: false } })),
  },
);

describe('conformance suite', () => {
  const record = (withSkip: boolean) => {
    const calls: string[] = [];
    const test = Object.assign((name: string) => void calls.push(`test ${name}`), withSkip ? { skip: (name: string) => void calls.push(`skip ${name}`) } : {});
    const runner = { describe: (name: string, body: () => void) => (calls.push(`describe ${name}`), body()), test, expect: expect as never };
    runAdapterConformance(runner, {
      name: 'rec',
      capabilities: { ...ALL },
      skip: { variants: 'no combinations here' },
      setup: async () => fixtureFor(createMemoryAdapter()),
    });
    const start = calls.indexOf('describe rec adapter: variants');
    return calls.slice(start, calls.findIndex((call, index) => index > start && call.startsWith('describe ')));
  };

  test('a switched-off group is one skipped test naming the reason, not a passing one', () => {
    expect(record(true)).toEqual(['describe rec adapter: variants', 'skip switched off: no combinations here']);
  });

  test('a runner without test.skip gets no test for a switched-off group', () => {
    expect(record(false)).toEqual(['describe rec adapter: variants']);
  });
});

describe('memory adapter test API', () => {
  test('products given at creation are in the catalog; upsert by SKU replaces them', async () => {
    const shop = createMemoryAdapter({ products: [{ sku: 'A', quantity: 2, price: { amount: 500, currency: 'EUR' } }] });
    expect(shop.getProduct('A')?.quantity).toBe(2);
    shop.upsertProduct({ sku: 'A', quantity: 7 });
    expect((await shop.getProductsBySku(['A'])).map((p) => p.quantity)).toEqual([7]);
    expect(shop.removeProduct('A')).toBe(true);
    expect(await shop.getProductsBySku(['A'])).toEqual([]);
  });

  test('switched-off capabilities have no members', () => {
    const shop = createMemoryAdapter({ capabilities: { orders: false } });
    expect(shop.createOrder).toBeUndefined();
    expect(shop.capabilities.orders).toBe(false);
    expect(typeof shop.reserveStock).toBe('function');
  });
});
