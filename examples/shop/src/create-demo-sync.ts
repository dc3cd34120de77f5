import type { Knex } from 'knex';
import { createSellerSync, type SellerSync } from '@sellersync/core';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, type Simulator } from '@sellersync/sp-api-simulator';
import { exampleShopAdapter } from './shop-adapter';

export const GERMANY = 'A1PA6795UKMFR9';
/** The simulated Amazon runs this many times faster than the real one: feeds take milliseconds. */
export const TIME_SCALE = 1000;
/** The shop's name of the carrier it ships with, and Amazon's code for it. */
export const SHOP_CARRIER = 'DHL Paket';

/**
 * The demo shop's sync object, as a shop backend would configure it: the simulator's endpoint and
 * test credentials instead of real ones (no secrets needed), and the options each part shows.
 */
export function createDemoSync(knex: Knex, sim: Simulator): SellerSync {
  return createSellerSync({
    db: knex,
    shop: exampleShopAdapter(knex),
    amazon: {
      region: 'eu',
      sellerId: SIMULATOR_SELLER_ID,
      marketplaceIds: [GERMANY],
      refreshToken: SIMULATOR_CREDENTIALS.refreshToken,
      clientId: SIMULATOR_CREDENTIALS.clientId,
      clientSecret: SIMULATOR_CREDENTIALS.clientSecret,
      endpoint: sim.url,
    },
    gateway: { timeScale: TIME_SCALE },
    listings: { quantity: { buffer: 1 } },
    orders: {
      // an order with a SKU the shop does not sell waits (reported) instead of arriving half-known
      importUnmatched: false,
      fakeEmail: true,
      carrierMap: { STANDARD: SHOP_CARRIER },
    },
    shipments: { carrierMap: { [SHOP_CARRIER]: 'DHL' } },
  });
}
