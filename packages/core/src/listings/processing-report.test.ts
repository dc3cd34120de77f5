import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AMAZON_SPECS_DIR, testWithSpecs } from '../test-support/amazon-specs';
import { parseProcessingReport } from './processing-report';

const EXAMPLE_REPORT = 'listings-feed-v2/listings-feed-processing-report-schema-v2.example.json';

const report = {
  header: { sellerId: 'A2SIMSELLER01', version: '2.0', feedId: '50017000001' },
  issues: [
    { messageId: 2, sku: 'MUG-B', code: '90220', severity: 'ERROR', message: "'brand' is required but not supplied.", attributeName: 'brand' },
    { messageId: 2, sku: 'MUG-B', code: '99022', severity: 'ERROR', message: "'item_name' is too long." },
    { messageId: 3, sku: 'MUG-C', code: '18027', severity: 'WARNING', message: 'The image is smaller than 1000 px.' },
    { messageId: 3, sku: 'MUG-C', code: '1', severity: 'INFO', message: 'Informational.' },
    { code: '4002001', severity: 'ERROR', message: "Item 'Feed' cannot be parsed." },
  ],
  summary: { errors: 3, warnings: 1, messagesProcessed: 3, messagesAccepted: 2, messagesInvalid: 1 },
};

describe('parseProcessingReport', () => {
  test('rejects messages with ERROR issues (first code, every message), keeps warnings, ignores INFO', () => {
    const parsed = parseProcessingReport(JSON.stringify(report));
    expect(parsed.summary).toEqual({ errors: 3, warnings: 1, messagesProcessed: 3, messagesAccepted: 2, messagesInvalid: 1 });
    expect(parsed.outcomes.get(1)).toBeUndefined();
    expect(parsed.outcomes.get(2)).toEqual({
      status: 'rejected',
      errorCode: '90220',
      errorMessage: "[90220] 'brand' is required but not supplied.; [99022] 'item_name' is too long.",
      warnings: [],
    });
    expect(parsed.outcomes.get(3)).toEqual({ status: 'accepted', warnings: [{ code: '18027', message: 'The image is smaller than 1000 px.' }] });
    expect(parsed.feedIssues).toEqual([{ code: '4002001', message: "Item 'Feed' cannot be parsed." }]);
    expect(parsed.feedErrors).toEqual([{ code: '4002001', message: "Item 'Feed' cannot be parsed." }]);
  });

  test.each(['not json', '{"header":{}}', '[]', '{"issues":[],"summary":null}'])('refuses %p as REPORT_FAILED (retryable)', (text) => {
    expect(() => parseProcessingReport(text)).toThrow(expect.objectContaining({ code: 'REPORT_FAILED', isRetryable: true }));
  });

  testWithSpecs(
    "reads Amazon's published example report",
    () => {
      const file = join(AMAZON_SPECS_DIR, EXAMPLE_REPORT);
      const example = JSON.parse(readFileSync(file, 'utf8')) as { issues: { messageId: number; severity: string }[]; summary: { messagesInvalid: number } };
      const parsed = parseProcessingReport(JSON.stringify(example));
      const rejected = [...parsed.outcomes.values()].filter((o) => o.status === 'rejected');
      expect(rejected).toHaveLength(new Set(example.issues.filter((i) => i.severity === 'ERROR').map((i) => i.messageId)).size);
      expect(parsed.summary.messagesInvalid).toBe(example.summary.messagesInvalid);
    },
    { needs: EXAMPLE_REPORT },
  );
});
