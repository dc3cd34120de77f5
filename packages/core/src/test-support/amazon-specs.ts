// Test support (not part of the package): where Amazon's published models and schemas are, and how
// a test that checks against them is registered when they are not.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from '@jest/globals';

/**
 * Where Amazon's published models and schemas live: `SELLERSYNC_AMAZON_SPECS`, else
 * `../shared/amazon-specs` beside the repository (CI has it). The files are never copied into the
 * project.
 */
export const AMAZON_SPECS_DIR =
  process.env['SELLERSYNC_AMAZON_SPECS'] ?? join(__dirname, '..', '..', '..', '..', '..', 'shared', 'amazon-specs');

/** Whether a file or folder of the specs is on this machine (`sp-api-models/feeds_2021-06-30.json`). */
export function hasAmazonSpec(relativePath = ''): boolean {
  return existsSync(join(AMAZON_SPECS_DIR, relativePath));
}

/** True when the specs folder is on this machine. */
export const amazonSpecsAvailable = hasAmazonSpec();

/**
 * Registers a test whose purpose is a check against Amazon's specs. Without them (the folder, or
 * the file or folder `needs` names, is missing) the test is registered as skipped, with the reason
 * in its name, so jest's summary counts it as skipped instead of reporting a check that never ran
 * as passed. Checks embedded in tests with another purpose keep the helpers' printed notice.
 */
export function testWithSpecs(
  name: string,
  run: () => void | Promise<void>,
  options: { readonly needs?: string; readonly timeoutMs?: number } = {},
): void {
  const needs = options.needs ?? '';
  if (hasAmazonSpec(needs)) test(name, run, options.timeoutMs);
  else test.skip(`${name} [skipped: ${join(AMAZON_SPECS_DIR, needs)} is missing]`, () => undefined);
}
