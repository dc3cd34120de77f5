import { describe, expect, test } from '@jest/globals';
import { SellerSyncError } from '../errors';
import { createMemoryAdapter } from '../testing/memory-adapter';
import { hasCapability, requireCapability } from './capabilities';
import type { ShopAdapter } from './shop-adapter';

function refusal(run: () => void): SellerSyncError {
  try {
    run();
  } catch (error) {
    if (SellerSyncError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('requireCapability did not throw');
}

describe('requireCapability', () => {
  test('a declared capability with its members passes', () => {
    const adapter = createMemoryAdapter();
    expect(hasCapability(adapter, 'createProducts')).toBe(true);
    expect(() => requireCapability(adapter, 'createProducts', 'createMissingProducts of the listings report sync', 'matching.createMissingProducts')).not.toThrow();
  });

  test('an undeclared capability asked for by an option: the message names the option to switch off', () => {
    const adapter = createMemoryAdapter({ capabilities: { createProducts: false } });
    const error = refusal(() => requireCapability(adapter, 'createProducts', 'the listings report sync', 'matching.createMissingProducts'));
    expect(error.code).toBe('UNSUPPORTED_CAPABILITY');
    expect(error.message).toBe(
      'Shop adapter "memory" does not support "createProducts", which the listings report sync needs. Switch off matching.createMissingProducts, or use an adapter that declares capabilities.createProducts and implements createProduct.',
    );
    expect(error.details).toEqual({ item: 'memory', field: 'createProducts', rule: 'needed for the listings report sync', option: 'matching.createMissingProducts' });
  });

  test('without an option nothing is offered to switch off: the message says what the adapter must implement', () => {
    const adapter = createMemoryAdapter({ capabilities: { orders: false } });
    const error = refusal(() => requireCapability(adapter, 'orders', 'order import'));
    expect(error.message).toBe(
      'Shop adapter "memory" does not support "orders", which order import needs. Use an adapter that declares capabilities.orders and implements createOrder, findOrderByExternalId, updateOrderStatus, adjustStock.',
    );
    expect(error.message).not.toMatch(/option/i);
    expect(error.details).toEqual({ item: 'memory', field: 'orders', rule: 'needed for order import' });
  });

  test('a capability declared without its members names the missing members, and the option when there is one', () => {
    const base = createMemoryAdapter();
    const adapter: ShopAdapter = { ...base, capabilities: { ...base.capabilities, shipments: true }, listShipments: undefined };
    const error = refusal(() => requireCapability(adapter, 'shipments', 'shipment confirmation'));
    expect(error.message).toBe('Shop adapter "memory" declares "shipments" but lacks listShipments; shipment confirmation needs them.');
    const withOption = refusal(() => requireCapability(adapter, 'shipments', 'shipment confirmation', 'shipments.enabled'));
    expect(withOption.message).toBe(
      'Shop adapter "memory" declares "shipments" but lacks listShipments; shipment confirmation needs them. Implement them, or switch off shipments.enabled.',
    );
  });
});
