import { test } from '@jest/globals';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Amazon's published models and schemas: `SELLERSYNC_AMAZON_SPECS` (as core's tests read it), else
 * ../shared/amazon-specs beside the repository (CI has it). Without them the embedded checks below
 * pass with a notice, and tests registered with {@link testWithSpecs} are skipped.
 */
export const SPECS_DIR = process.env['SELLERSYNC_AMAZON_SPECS'] ?? join(resolve(__dirname, '..', '..', '..', '..'), '..', 'shared', 'amazon-specs');
export const specsAvailable = existsSync(SPECS_DIR);

/**
 * Registers a test whose purpose is a check against Amazon's models: without the specs it is
 * registered as skipped, with the reason in its name, so jest's summary counts it as skipped
 * rather than as a check that passed.
 */
export function testWithSpecs(name: string, run: () => void | Promise<void>, timeoutMs?: number): void {
  if (specsAvailable) test(name, run, timeoutMs);
  else test.skip(`${name} [skipped: ${SPECS_DIR} is missing]`, () => undefined);
}

let noticeShown = false;
function notice(): void {
  if (noticeShown) return;
  noticeShown = true;
  console.log(`[sp-api-simulator] ${SPECS_DIR} not found: answers are not checked against Amazon's models in this run.`);
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

function validatorFor(file: string, definition?: string): ValidateFunction {
  const key = `${file}#${definition ?? ''}`;
  let validate = compiled.get(key);
  if (!validate) {
    const document = JSON.parse(readFileSync(join(SPECS_DIR, file), 'utf8')) as Record<string, unknown>;
    // Swagger 2.0 models keep their schemas under `definitions` and refer to them as
    // #/definitions/X, which is also where draft-07 looks: wrap them and point at one.
    const schema = definition === undefined ? document : { definitions: document.definitions, $ref: `#/definitions/${definition}` };
    const copy = structuredClone(schema) as Record<string, unknown>;
    delete copy.$schema;
    delete copy.$id;
    validate = ajv.compile(copy);
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * Validates `value` against a definition of an official model (`sp-api-models/orders_2026-01-01.json`,
 * `SearchOrdersResponse`) or against a whole JSON schema (definition omitted). Returns the errors
 * as text ('' when valid, or when the specs are not there).
 */
export function modelErrors(value: unknown, file: string, definition?: string): string {
  if (!specsAvailable) {
    notice();
    return '';
  }
  const validate = validatorFor(file, definition);
  if (validate(value)) return '';
  return ajv.errorsText(validate.errors, { separator: '\n' });
}

/** The XSD files of order-feeds-xsd, for xmllint-wasm. */
export async function xmlSchemaErrors(xml: string): Promise<string> {
  if (!specsAvailable) {
    notice();
    return '';
  }
  const { validateXML } = await import('xmllint-wasm');
  const dir = join(SPECS_DIR, 'order-feeds-xsd');
  const file = (fileName: string) => ({ fileName, contents: readFileSync(join(dir, fileName), 'utf8') });
  const result = await validateXML({
    xml: [{ fileName: 'report.xml', contents: xml }],
    schema: [file('order-envelope.xsd')],
    preload: ['amzn-base.xsd', 'amzn-header.xsd', 'OrderAcknowledgement.xsd', 'OrderAdjustment.xsd', 'OrderFulfillment.xsd', 'ProcessingReport.xsd'].map(file),
  });
  return result.valid ? '' : result.errors.map((error) => error.rawMessage).join('\n');
}
