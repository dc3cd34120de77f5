import { describe, expect, test } from '@jest/globals';
import { parseProcessingReport, readProcessingOutcome } from './amazon-xml-feed';

/** An XML processing report as Amazon writes it for an order feed. */
function report(options: { status?: string; processed: number; results?: readonly [number, 'Error' | 'Warning', string, string][] }): string {
  const results = (options.results ?? [])
    .map(([id, code, messageCode, text]) => `<Result><MessageID>${id}</MessageID><ResultCode>${code}</ResultCode><ResultMessageCode>${messageCode}</ResultMessageCode><ResultDescription>${text}</ResultDescription></Result>`)
    .join('');
  const errors = (options.results ?? []).filter((r) => r[1] === 'Error').length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>A2SIMSELLER01</MerchantIdentifier></Header>
<MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID><ProcessingReport>
<DocumentTransactionID>50001</DocumentTransactionID><StatusCode>${options.status ?? 'Complete'}</StatusCode>
<ProcessingSummary><MessagesProcessed>${options.processed}</MessagesProcessed><MessagesSuccessful>${options.processed - errors}</MessagesSuccessful><MessagesWithError>${errors}</MessagesWithError><MessagesWithWarning>0</MessagesWithWarning></ProcessingSummary>
${results}</ProcessingReport></Message></AmazonEnvelope>`;
}

const outcome = (xml: string, sent: number) => readProcessingOutcome(parseProcessingReport(xml), sent, '50001');

describe('readProcessingOutcome', () => {
  test('a feed processed as a whole: every message not refused was applied', () => {
    const result = outcome(report({ processed: 3, results: [[2, 'Error', '18028', 'The order id was not found.'], [3, 'Warning', '18100', 'Tracking number looks odd.']] }), 3);
    expect(result.incomplete).toBeNull();
    expect([1, 2, 3].map((id) => result.applied(id))).toEqual([true, false, true]);
    expect(result.refused.get(2)).toMatchObject({ messageCode: '18028' });
  });

  test('a document-level error (5001, MessageID 0) applies nothing and carries Amazon’s message', () => {
    const result = outcome(report({ processed: 0, results: [[0, 'Error', '5001', 'XML Parsing Fatal Error at Line 1, Column 1: Content is not allowed in prolog.']] }), 3);
    expect([1, 2, 3].map((id) => result.applied(id))).toEqual([false, false, false]);
    expect(result.refused.size).toBe(0);
    expect(result.incomplete).toEqual({
      code: 'AMAZON_5001',
      message: 'Amazon did not process feed 50001 as a whole (0 of 3 messages, status Complete): [5001] XML Parsing Fatal Error at Line 1, Column 1: Content is not allowed in prolog.; sent again after a backoff.',
    });
  });

  test('fewer messages processed than sent: only messages the report names as processed count', () => {
    const result = outcome(report({ processed: 2, results: [[1, 'Warning', '18100', 'Tracking number looks odd.'], [2, 'Error', '18031', 'Quantity exceeds.']] }), 4);
    expect([1, 2, 3, 4].map((id) => result.applied(id))).toEqual([true, false, false, false]);
    expect(result.refused.has(2)).toBe(true);
    expect(result.incomplete).toMatchObject({ code: 'REPORT_FAILED', message: expect.stringMatching(/2 of 4 messages/) });
  });

  test('a status other than Complete, or a report without summary, applies nothing', () => {
    expect(outcome(report({ status: 'Rejected', processed: 2 }), 2).applied(1)).toBe(false);
    const noSummary = report({ processed: 1 }).replace(/<ProcessingSummary>.*<\/ProcessingSummary>/s, '');
    expect(outcome(noSummary, 1).incomplete).toMatchObject({ code: 'REPORT_FAILED' });
  });

  test('a result naming a message the feed did not have counts as a document-level error', () => {
    const result = outcome(report({ processed: 2, results: [[7, 'Error', '5000', 'Unknown message.']] }), 2);
    expect(result.incomplete).toMatchObject({ code: 'AMAZON_5000' });
    expect(result.applied(1)).toBe(false);
  });
});
