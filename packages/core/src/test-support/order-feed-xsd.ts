// Test support (not part of the package): validates order feed XML against Amazon's XSDs when
// ../shared/amazon-specs is present, as CI has it. Never copies the schemas.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { AMAZON_SPECS_DIR as SPECS_DIR, hasAmazonSpec } from './amazon-specs';

export const ORDER_FEEDS_XSD_DIR = join(SPECS_DIR, 'order-feeds-xsd');

/** The envelope schema's path inside the specs folder (for `testWithSpecs(name, run, { needs })`). */
export const ORDER_ENVELOPE_XSD = 'order-feeds-xsd/order-envelope.xsd';

/** True when the order feed XSDs are on this machine. */
export const orderFeedXsdAvailable = hasAmazonSpec(ORDER_ENVELOPE_XSD);

let noticed = false;

/**
 * Validates a document against order-envelope.xsd with libxml2 (xmllint-wasm). Returns `null`
 * (after printing a notice once) when the schemas are not on this machine, else the list of
 * errors (empty when valid).
 */
export async function validateOrderFeedXml(xml: string): Promise<string[] | null> {
  if (!orderFeedXsdAvailable) {
    if (!noticed) {
      noticed = true;
      process.stderr.write(`notice: ${ORDER_FEEDS_XSD_DIR} is missing; the XSD check of order feeds is skipped on this machine.\n`);
    }
    return null;
  }
  const schemas = readdirSync(ORDER_FEEDS_XSD_DIR).filter((name) => name.endsWith('.xsd'));
  const result = await validateXML({
    xml: [{ fileName: 'feed.xml', contents: xml }],
    schema: [{ fileName: 'order-envelope.xsd', contents: readFileSync(join(ORDER_FEEDS_XSD_DIR, 'order-envelope.xsd'), 'utf8') }],
    preload: schemas
      .filter((name) => name !== 'order-envelope.xsd')
      .map((name) => ({ fileName: name, contents: readFileSync(join(ORDER_FEEDS_XSD_DIR, name), 'utf8') })),
  });
  return result.errors.map((error) => error.rawMessage);
}
