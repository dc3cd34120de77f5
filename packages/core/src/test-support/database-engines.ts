import { describe, expect, test } from '@jest/globals';
import { SellerSyncError } from '../errors';
import {
  describeEachDatabase,
  dropSellerSyncTables,
  uniqueTablePrefix,
  type TestDatabase,
} from '../testing/test-databases';

/** A database engine a suite can run on. */
export type TestEngine = TestDatabase;

/**
 * Runs `body` once per configured engine (jest): SQLite always, PostgreSQL and MariaDB/MySQL when
 * `SELLERSYNC_TEST_PG_URL` / `SELLERSYNC_TEST_MYSQL_URL` are set; see `describeEachDatabase`.
 */
export function describeEachEngine(
  title: string,
  body: (engine: TestEngine) => void,
  options: { readonly serversOnly?: boolean } = {},
): void {
  describeEachDatabase({ describe, test }, title, body, options);
}

export const uniquePrefix = uniqueTablePrefix;
export const dropTables = dropSellerSyncTables;

/** Awaits `promise`, expects it to reject with a `SellerSyncError` of `code`, and returns that error. */
export async function expectSellerSyncError(promise: Promise<unknown>, code: string): Promise<SellerSyncError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(SellerSyncError.isInstance(caught)).toBe(true);
  expect((caught as SellerSyncError).code).toBe(code);
  return caught as SellerSyncError;
}
