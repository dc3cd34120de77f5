import { afterEach, describe, expect, test } from '@jest/globals';
import { SellerSyncError } from '../errors';
import { DE, FR, UK, listedProduct, startListingsHarness, type ListingsHarness } from '../test-support/listings-harness';
import type { SellerSyncOptions } from './seller-sync-options';

// runOnce is the host scheduler's tick: every step runs, whatever an earlier one did.

let harness: ListingsHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ordersLag = () => new Promise((resolve) => setTimeout(resolve, 150));

async function tick(h: ListingsHarness): Promise<SellerSyncError> {
  let caught: unknown;
  try {
    await h.sync.runOnce();
  } catch (error) {
    caught = error;
  }
  expect(SellerSyncError.isInstance(caught)).toBe(true);
  return caught as SellerSyncError;
}

describe('runOnce', () => {
  test('runs listings, orders and shipments in one tick', async () => {
    const h = (harness = await startListingsHarness({ products: [listedProduct('TICK-1')] }));
    await h.enqueue({ sku: 'TICK-1', kind: 'listing' });
    h.sim.seed.order({ marketplaceId: DE, status: 'UNSHIPPED', items: [{ sellerSku: 'TICK-1', quantity: 1, unitPrice: '19.99', itemTax: '3.19' }] });
    await ordersLag();
    await h.sync.runOnce();
    expect(h.sim.state.calls['feeds.createFeed']).toBe(1);
    expect(h.shop.listOrders()).toHaveLength(1);
    const status = await h.sync.status();
    expect(status.orders).toMatchObject({ imported: 1 });
    expect(status.shipments.lastRun).not.toBeNull();
  });

  test('a failing listings step no longer costs the tick its orders and shipments; the tick then throws every failure', async () => {
    const h = (harness = await startListingsHarness({ products: [listedProduct('TICK-1')] }));
    h.shop.getListingData = async () => {
      throw new Error('connection to the shop database lost');
    };
    await h.enqueue({ sku: 'TICK-1', kind: 'listing' });
    h.sim.seed.order({ marketplaceId: DE, status: 'UNSHIPPED', items: [{ sellerSku: 'TICK-1', quantity: 1, unitPrice: '19.99', itemTax: '3.19' }] });
    await ordersLag();
    const error = await tick(h);
    expect(error).toMatchObject({ code: 'SYNC_TICK_FAILED', isRetryable: true });
    expect(error.details['failures']).toEqual([{ step: 'listings', code: 'SHOP_ADAPTER_FAILED', message: expect.stringContaining('connection to the shop database lost'), isRetryable: true }]);
    expect(error.message).toMatch(/^runOnce: listings failed \(SHOP_ADAPTER_FAILED: Reading 1 product\(s\) from the shop adapter "memory" failed: connection to the shop database lost/);
    expect(SellerSyncError.isInstance(error.cause) && error.cause.code).toBe('SHOP_ADAPTER_FAILED');
    // the other steps ran
    expect(h.shop.listOrders()).toHaveLength(1);
    expect((await h.sync.status()).shipments.lastRun).not.toBeNull();
    // the listing entry given back, and the offer change for the stock the imported order took
    expect(await h.sync.changeLog.stats()).toMatchObject({ pending: 2, inFlight: 0 });

    // the entry was given back for a retry after retry.baseMs (60 ms at this timeScale)
    await new Promise((resolve) => setTimeout(resolve, 100));
    // two failed steps: both are named, the causes kept together, and a non-retryable one makes the whole not retryable
    h.sync.importOrders = async () => {
      throw new SellerSyncError({ code: 'AMAZON_AUTH_FAILED', message: 'The refresh token was revoked.' });
    };
    const both = await tick(h);
    expect((both.details['failures'] as { step: string; code: string }[]).map((f) => [f.step, f.code])).toEqual([
      ['listings', 'SHOP_ADAPTER_FAILED'],
      ['orders', 'AMAZON_AUTH_FAILED'],
    ]);
    expect(both.isRetryable).toBe(false);
    expect(both.cause).toBeInstanceOf(AggregateError);
    expect((both.cause as AggregateError).errors).toHaveLength(2);
    expect((await h.sync.status()).shipments.lastRun).not.toBeNull();
  });
});

describe('partition', () => {
  test.each<[string, unknown, string]>([
    ['not an object', [DE], 'partition'],
    ['without marketplaceIds', {}, 'partition.marketplaceIds'],
    ['with no marketplace', { marketplaceIds: [] }, 'partition.marketplaceIds'],
    ['with a marketplace the account does not have', { marketplaceIds: [DE, UK] }, 'partition.marketplaceIds'],
  ])('a partition %s is refused with INVALID_OPTIONS naming the field', async (_name, partition, field) => {
    const h = (harness = await startListingsHarness({ marketplaceIds: [DE, FR] }));
    let caught: unknown;
    try {
      h.newSync({ partition: partition as SellerSyncOptions['partition'] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'INVALID_OPTIONS', details: { field } });
    expect((caught as Error).message).toContain(field);
  });

  test('a partitioned worker reads the listings report and searches the catalog of its own marketplaces only', async () => {
    const h = (harness = await startListingsHarness({
      marketplaceIds: [DE, FR],
      products: [{ sku: 'BOTTLE', productRef: 'bottle', gtin: '036000291452', title: 'Bottle' }],
      simulator: { seed: { listings: [{ sku: 'AMZ-MUG', marketplaceId: DE, asin: 'B0SIM00001', price: '12.99', quantity: 5 }] } },
    }));
    const fr = h.newSync({ workerId: 'fr', partition: { marketplaceIds: [FR] } });
    expect((await fr.syncActiveListings()).marketplaces.map((m) => m.marketplaceId)).toEqual([FR]);
    expect((await fr.matchCatalog()).marketplaces.map((m) => m.marketplaceId)).toEqual([FR]);
    expect((await fr.changeLog.list()).map((c) => [c.marketplaceId, c.sku, c.kind])).toEqual([[FR, 'BOTTLE', 'listing']]);
    expect(fr.gateway.stats().calls['reports.createReport']).toBe(1);
    // without a partition, every marketplace of the account
    expect((await h.sync.syncActiveListings()).marketplaces.map((m) => m.marketplaceId)).toEqual([DE, FR]);
  });
});
