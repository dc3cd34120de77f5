import { describe, expect, test } from '@jest/globals';
import { SellerSyncError } from '../errors';
import { resolveListingsOptions, type ListingsOptions } from './listings-options';

const DE = 'A1PA6795UKMFR9';
const UK = 'A1F83G8C2ARO7P';

describe('resolveListingsOptions', () => {
  test('fills in documented defaults from the marketplaces', () => {
    const resolved = resolveListingsOptions(undefined, [DE, UK]);
    expect(resolved).toMatchObject({
      productType: 'PRODUCT',
      condition: 'new_new',
      fulfillmentChannelCode: 'DEFAULT',
      quantityBuffer: 0,
      quantityMax: null,
      batchSize: 20_000,
      maxMessages: 25_000,
      maxBytes: 10_000_000,
      quotaSubmissions: 5,
      quotaWindowMs: 300_000,
      stuckFeedMs: 3_600_000,
      leaseMs: 4_500_000,
      submissionLeaseMs: 300_000,
      withdrawFromRemovedMarketplaces: false,
      timeScale: 1,
    });
    expect(resolved.marketplaces).toEqual([
      { marketplaceId: DE, enabled: true, currency: 'EUR', rounding: 'half-up', productType: 'PRODUCT', languageTag: 'de_DE' },
      { marketplaceId: UK, enabled: true, currency: 'GBP', rounding: 'half-up', productType: 'PRODUCT', languageTag: 'en_GB' },
    ]);
  });

  test('applies per-marketplace settings and divides Amazon-side durations by timeScale', () => {
    const resolved = resolveListingsOptions(
      { marketplaces: { [UK]: { enabled: false, currency: 'EUR', rounding: 'down' } }, timeScale: 100, stuckFeedMs: 60_000 },
      [DE, UK],
    );
    expect(resolved.marketplaces[1]).toMatchObject({ enabled: false, currency: 'EUR', rounding: 'down' });
    expect(resolved.stuckFeedMs).toBe(600);
    expect(resolved.quotaWindowMs).toBe(3_000);
  });

  test.each<[string, ListingsOptions, string]>([
    ['feed limit above Amazon', { feedLimits: { maxMessages: 30_000 } }, 'listings.feedLimits.maxMessages'],
    ['rate that is not a decimal', { exchangeRates: { 'EUR/GBP': '0,86' } }, 'listings.exchangeRates["EUR/GBP"]'],
    ['rate pair without slash', { exchangeRates: { EURGBP: '0.86' } }, 'listings.exchangeRates["EURGBP"]'],
    ['unknown rounding', { rounding: 'nearest' as never }, 'listings.rounding'],
    ['negative buffer', { quantity: { buffer: -1 } }, 'listings.quantity.buffer'],
    ['marketplace of another account', { marketplaces: { ATVPDKIKX0DER: {} } }, 'listings.marketplaces.ATVPDKIKX0DER'],
    ['unknown currency', { marketplaces: { [DE]: { currency: 'EURO' } } }, `listings.marketplaces.${DE}.currency`],
    ['bad product type', { productType: 'shirt' }, 'listings.productType'],
    ['zero poll interval', { poll: { intervalMs: 0 } }, 'listings.poll.intervalMs'],
    ['submission lease not shorter than the claims’', { leaseMs: 600_000, submissionLeaseMs: 600_000 }, 'listings.submissionLeaseMs'],
    ['withdrawal opt-in that is not a boolean', { withdrawFromRemovedMarketplaces: 'yes' as never }, 'listings.withdrawFromRemovedMarketplaces'],
  ])('refuses %s naming the field', (_name, options, field) => {
    let error: unknown;
    try {
      resolveListingsOptions(options, [DE, UK]);
    } catch (caught) {
      error = caught;
    }
    expect(SellerSyncError.isInstance(error)).toBe(true);
    expect((error as SellerSyncError).code).toBe('INVALID_OPTIONS');
    expect((error as SellerSyncError).details.field).toBe(field);
    expect((error as SellerSyncError).message).toContain(field);
  });
});
