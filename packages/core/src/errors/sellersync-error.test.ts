import { describe, expect, test } from '@jest/globals';
import { SellerSyncError, describeValue, driverMessage } from './sellersync-error';

describe('driverMessage', () => {
  test('drops the statement and values knex puts before the driver message', () => {
    const values = Array.from({ length: 2000 }, (_, i) => `('SKU-${i}')`).join(', ');
    const error = new Error(`insert into "x_changes" (sku) values ${values} - relation "x_changes" does not exist`);
    expect(driverMessage(error)).toBe('relation "x_changes" does not exist');
  });

  test('prefers the server message mysql2 keeps apart', () => {
    const error = Object.assign(new Error("insert into `t` values ('a - b') - Table 'db.t' doesn't exist"), {
      sqlMessage: "Table 'db.t' doesn't exist",
    });
    expect(driverMessage(error)).toBe("Table 'db.t' doesn't exist");
  });

  test('keeps other messages, shortened to the limit', () => {
    expect(driverMessage(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    const long = driverMessage(new Error('x'.repeat(1000)), 300);
    expect(long).toHaveLength(300);
    expect(long.endsWith('…')).toBe(true);
    expect(driverMessage('plain text')).toBe('plain text');
  });
});

describe('SellerSyncError', () => {
  test('carries code, details, cause and retryability, also through toJSON', () => {
    const cause = new Error('driver');
    const error = new SellerSyncError({ code: 'INVALID_CHANGE', message: 'bad', details: { item: 'SKU', field: 'sku' }, cause, isRetryable: true });
    expect(SellerSyncError.isInstance(error)).toBe(true);
    expect(SellerSyncError.isInstance(new Error('x'))).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).toEqual({ name: 'SellerSyncError', code: 'INVALID_CHANGE', message: 'bad', details: { item: 'SKU', field: 'sku' } });
  });

  test('describeValue shortens long values', () => {
    expect(describeValue('x'.repeat(100), 10)).toBe('"xxxxxxxx…');
    expect(describeValue(42)).toBe('42');
  });
});
