import { describe, expect, test } from '@jest/globals';
import { runAdapterConformance } from './adapter-conformance';
import { createMemoryAdapter, type MemoryAdapter } from './memory-adapter';

function fixtureFor(adapter: MemoryAdapter) {
  return {
    adapter,
    async insertProduct(product: Parameters<MemoryAdapter['upsertProduct']>[0]) {
      // a fresh product every time, even for a SKU already held (the suite checks duplicates)
      const created = adapter.upsertProduct({ ...product, productRef: `seed-${adapter.listProducts().length + 1}` });
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
