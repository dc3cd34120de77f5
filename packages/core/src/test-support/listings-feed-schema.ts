// Test support: checks documents against Amazon's published listings feed schema when the specs
// folder is there (CI has it). Never bundled: nothing in the public entry points imports it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { AMAZON_SPECS_DIR, hasAmazonSpec } from './amazon-specs';

/** The schema's path inside the specs folder (for `testWithSpecs(name, run, { needs })`). */
export const LISTINGS_FEED_SCHEMA = 'listings-feed-v2/listings-feed-schema-v2.json';

/** True when listings-feed-schema-v2.json is on this machine. */
export const listingsFeedSchemaAvailable = hasAmazonSpec(LISTINGS_FEED_SCHEMA);

let noticed = false;

/**
 * A validator for `JSON_LISTINGS_FEED` documents built from listings-feed-schema-v2.json, or
 * `null` (after printing a notice once) when the specs folder is missing. The validator returns
 * the schema's complaints, `[]` for a valid document.
 */
export function loadListingsFeedValidator(): ((document: unknown) => string[]) | null {
  const file = join(AMAZON_SPECS_DIR, LISTINGS_FEED_SCHEMA);
  if (!existsSync(file)) {
    if (!noticed) console.log(`notice: ${file} is missing; documents were not checked against Amazon's schema`);
    noticed = true;
    return null;
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
  return (document) => (validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`));
}
