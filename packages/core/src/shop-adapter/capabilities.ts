import { SellerSyncError } from '../errors';
import type { ShopAdapter, ShopAdapterCapability } from './shop-adapter';

const MEMBERS: Record<ShopAdapterCapability, readonly (keyof ShopAdapter)[]> = {
  listingData: ['getListingData'],
  orders: ['createOrder', 'findOrderByExternalId', 'updateOrderStatus', 'adjustStock'],
  stockReservations: ['reserveStock', 'commitStockReservation', 'releaseStockReservation'],
  shipments: ['listShipments'],
  placeholderProduct: ['ensurePlaceholderProduct'],
  createProducts: ['createProduct'],
};

/** The adapter members each capability promises. */
export const CAPABILITY_MEMBERS: Readonly<Record<ShopAdapterCapability, readonly (keyof ShopAdapter)[]>> = MEMBERS;

/** Whether the adapter declares a capability (and has its members). */
export function hasCapability(adapter: ShopAdapter, capability: ShopAdapterCapability): boolean {
  return adapter.capabilities[capability] === true && MEMBERS[capability].every((member) => typeof adapter[member] === 'function');
}

/**
 * Asserts a capability before core relies on it.
 *
 * @param neededFor what needs the capability, in words (`order import`), for the message.
 * @param option the caller's option that asks for the capability (`matching.createMissingProducts`),
 *   when there is one: the message names it as the one to switch off. Without it the message only
 *   says which adapter members to implement, since nothing can be switched off.
 * @throws SellerSyncError `UNSUPPORTED_CAPABILITY` naming the adapter and the capability.
 */
export function requireCapability(adapter: ShopAdapter, capability: ShopAdapterCapability, neededFor: string, option?: string): void {
  if (hasCapability(adapter, capability)) return;
  const declared = adapter.capabilities[capability] === true;
  const members = MEMBERS[capability].join(', ');
  const remedy = option
    ? `Switch off ${option}, or use an adapter that declares capabilities.${capability} and implements ${members}.`
    : `Use an adapter that declares capabilities.${capability} and implements ${members}.`;
  throw new SellerSyncError({
    code: 'UNSUPPORTED_CAPABILITY',
    message: declared
      ? `Shop adapter "${adapter.name}" declares "${capability}" but lacks ${members}; ${neededFor} needs them.${option ? ` Implement them, or switch off ${option}.` : ''}`
      : `Shop adapter "${adapter.name}" does not support "${capability}", which ${neededFor} needs. ${remedy}`,
    details: { item: adapter.name, field: capability, rule: `needed for ${neededFor}`, ...(option ? { option } : {}) },
  });
}

/**
 * Checks that an object is a usable adapter: the required members exist and every declared
 * capability has its members.
 * @throws SellerSyncError `INVALID_OPTIONS` naming what is missing.
 */
export function assertShopAdapter(adapter: unknown): asserts adapter is ShopAdapter {
  const candidate = adapter as Partial<ShopAdapter> | null;
  const missing: string[] = [];
  if (typeof candidate !== 'object' || candidate === null) missing.push('the adapter object');
  else {
    if (typeof candidate.name !== 'string') missing.push('name');
    if (typeof candidate.capabilities !== 'object' || candidate.capabilities === null) missing.push('capabilities');
    for (const member of ['getProductsBySku', 'scanCatalog', 'findProducts'] as const)
      if (typeof candidate[member] !== 'function') missing.push(member);
    if (candidate.capabilities)
      for (const [capability, members] of Object.entries(MEMBERS) as [ShopAdapterCapability, (keyof ShopAdapter)[]][])
        if (candidate.capabilities[capability])
          for (const member of members) if (typeof candidate[member] !== 'function') missing.push(`${member} (declared by "${capability}")`);
  }
  if (missing.length > 0)
    throw new SellerSyncError({
      code: 'INVALID_OPTIONS',
      message: `The shop adapter is incomplete: missing ${missing.join(', ')}.`,
      details: { field: 'shop', rule: 'a ShopAdapter', value: missing },
    });
}
