import { describe, expect, test } from '@jest/globals';
import { AmazonCallError } from './amazon-call-error';
import {
  amazonErrorOf,
  failureFromError,
  failureFromResponse,
  htmlPageText,
  isExpiredTokenAnswer,
  mayHaveTakenEffect,
  sanitizeCause,
  sanitizeText,
  toAmazonCallError,
} from './amazon-failure';

const redact = (text: string) => text.split('my-client-secret').join('[redacted]');
const errorBody = (code: string, message: string, details?: string) =>
  JSON.stringify({ errors: [{ code, message, ...(details ? { details } : {}) }] });

describe('failureFromResponse: HTTP answers become typed failures', () => {
  test.each([
    [429, 'QuotaExceeded', 'AMAZON_THROTTLED', true],
    [500, 'InternalFailure', 'AMAZON_UNAVAILABLE', true],
    [503, 'ServiceUnavailable', 'AMAZON_UNAVAILABLE', true],
    [400, 'InvalidInput', 'AMAZON_INVALID_REQUEST', false],
    [403, 'Unauthorized', 'AMAZON_AUTH_FAILED', false],
    [404, 'NotFound', 'AMAZON_NOT_FOUND', false],
    [405, 'MethodNotAllowed', 'AMAZON_CALL_FAILED', false],
  ])('HTTP %i %s → %s (retryable: %s)', (status, amazonCode, code, retryable) => {
    const failure = failureFromResponse(status, errorBody(amazonCode, 'something'), redact);
    expect(failure).toMatchObject({ code, status, amazonCode, isRetryable: retryable });
  });

  test("Amazon's HTML 5xx page and S3's XML error are understood", () => {
    expect(failureFromResponse(503, '<html><body>Service Unavailable</body></html>', redact)).toMatchObject({
      code: 'AMAZON_UNAVAILABLE',
      isRetryable: true,
    });
    expect(amazonErrorOf('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>')).toEqual({
      code: 'AccessDenied',
      message: 'Request has expired',
    });
    expect(amazonErrorOf('{"error":"invalid_client","error_description":"Client authentication failed"}')).toEqual({
      code: 'invalid_client',
      message: 'Client authentication failed',
    });
  });

  test("an HTML page's message is its title or a short plain-text excerpt, never its markup", () => {
    const page =
      '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>503 Service Temporarily Unavailable</title><style>body{color:red}</style></head>' +
      `<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><script>var x = "${'y'.repeat(600)}";</script></body></html>`;
    const failure = failureFromResponse(503, page, redact);
    expect(failure).toMatchObject({ code: 'AMAZON_UNAVAILABLE', amazonCode: null, amazonMessage: '503 Service Temporarily Unavailable (an HTML page)' });
    const error = toAmazonCallError(failure, { operation: 'feeds.getFeed', attempts: 3, sellerId: 'A2SELLER' });
    expect(error.message).toBe(
      "Amazon could not serve feeds.getFeed (HTTP 503): 503 Service Temporarily Unavailable (an HTML page) after 3 attempts. The fault is on Amazon's side; try again later.",
    );
    expect(error.message).not.toMatch(/<|DOCTYPE|color:red|yyy/);

    // without a title: the text of the body, tags, scripts and styles left out, entities decoded
    expect(htmlPageText('<html><body><h1>Bad&nbsp;Gateway</h1><p>Try &amp; retry &#8212; later</p><script>alert(1)</script></body></html>')).toBe(
      'Bad Gateway Try & retry — later (an HTML page)',
    );
    expect(failureFromResponse(503, '<html><body>Service Unavailable</body></html>', redact).amazonMessage).toBe('Service Unavailable (an HTML page)');
    // a long page text is shortened
    const long = htmlPageText(`<html><body><p>${'word '.repeat(100)}</p></body></html>`)!;
    expect(long).toMatch(/^word word .*… \(an HTML page\)$/);
    expect(long.length).toBeLessThanOrEqual(200 + ' (an HTML page)'.length);
    expect(htmlPageText('<html></html>')).toBe('an HTML page without text');
    // not HTML: left to the other readers
    expect(htmlPageText('Service Unavailable')).toBeNull();
    expect(htmlPageText('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>')).toBeNull();
    expect(amazonErrorOf('upstream connect error')).toEqual({ code: null, message: 'upstream connect error' });
  });

  test("Amazon's message ending with a period is not followed by a second one", () => {
    const failure = failureFromResponse(404, errorBody('NotFound', 'Resource not found.'), redact);
    const error = toAmazonCallError(failure, { operation: 'feeds.getFeed', subject: 'feed 123', attempts: 1, sellerId: 'A2SELLER' });
    expect(error.message).toBe(
      'Amazon does not know the resource of feeds.getFeed for feed 123 (HTTP 404 NotFound): Resource not found. Check the id, the seller account A2SELLER and the marketplace.',
    );
    const invalid = toAmazonCallError(failureFromResponse(400, errorBody('InvalidInput', 'Invalid input.'), redact), { operation: 'feeds.createFeed', attempts: 1, sellerId: 'A2SELLER' });
    expect(invalid.message).toBe('Amazon rejected feeds.createFeed as invalid (HTTP 400 InvalidInput): Invalid input. Fix the request; sending it again unchanged will fail the same way.');
    // an ellipsis is Amazon's text, kept as it is
    const cut = toAmazonCallError(failureFromResponse(404, errorBody('NotFound', 'No such thing...'), redact), { operation: 'feeds.getFeed', attempts: 1, sellerId: 'A2SELLER' });
    expect(cut.message).toContain(': No such thing.... Check the id');
  });

  test('the expired-token 403 is told apart from other 403s', () => {
    expect(isExpiredTokenAnswer(403, errorBody('Unauthorized', 'Access to requested resource is denied.', 'The access token you provided has expired.'))).toBe(true);
    expect(isExpiredTokenAnswer(403, errorBody('Unauthorized', 'Access to requested resource is denied.'))).toBe(false);
    expect(isExpiredTokenAnswer(400, errorBody('Unauthorized', 'The access token you provided has expired.'))).toBe(false);
  });
});

describe('failureFromError: thrown errors', () => {
  test('dropped, refused and silent connections are retryable network errors', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']) {
      const error = Object.assign(new Error(`connect ${code}`), { code });
      expect(failureFromError(error, 'call', redact)).toMatchObject({ code: 'AMAZON_NETWORK_ERROR', isRetryable: true });
    }
    expect(failureFromError(new Error('socket hang up'), 'call', redact)).toMatchObject({ code: 'AMAZON_NETWORK_ERROR' });
  });

  test('LWA refusing the credentials is an auth failure; its 5xx page is retryable', () => {
    const refused = Object.assign(new Error(), { code: 'invalid_client', message: 'Client authentication failed' });
    expect(failureFromError(refused, 'token', redact)).toMatchObject({ code: 'AMAZON_AUTH_FAILED', isRetryable: false });
    const page = Object.assign(new Error(), { code: 'REFRESH_ACCESS_TOKEN_PARSE_ERROR', message: '<html>503</html>' });
    expect(failureFromError(page, 'token', redact)).toMatchObject({ code: 'AMAZON_UNAVAILABLE', isRetryable: true, amazonMessage: '503 (an HTML page)' });
    const titled = Object.assign(new Error(), {
      code: 'REFRESH_ACCESS_TOKEN_PARSE_ERROR',
      message: '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
    });
    const error = toAmazonCallError(failureFromError(titled, 'token', redact), { operation: 'token', attempts: 2, sellerId: 'A2SELLER' });
    expect(error.message).toBe("Amazon could not serve token (REFRESH_ACCESS_TOKEN_PARSE_ERROR): 502 Bad Gateway (an HTML page) after 2 attempts. The fault is on Amazon's side; try again later.");
  });

  test("the client's own parameter check is an invalid request", () => {
    const error = Object.assign(new Error(), { code: 'REQUIRED_PATH_PARAMETER_NOT_FOUND', message: 'Please provide the following path parameter: sku' });
    expect(failureFromError(error, 'call', redact)).toMatchObject({ code: 'AMAZON_INVALID_REQUEST', isRetryable: false });
  });
});

describe('no secret leaves through a message or a cause', () => {
  const accessToken = 'Atza|IwEBIExampleAccessToken-1234567890';
  const refreshToken = 'Atzr|IwEBIExampleRefreshToken-1234567890';

  test('sanitizeText masks registered secrets, LWA tokens and presigned URL signatures', () => {
    const text = `PUT https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/abc?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA failed; token ${accessToken} refresh ${refreshToken} secret my-client-secret`;
    const clean = sanitizeText(text, redact);
    for (const secret of ['deadbeef', 'AKIA', accessToken, refreshToken, 'my-client-secret']) expect(clean).not.toContain(secret);
    expect(clean).toContain('https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/abc?[redacted]');
  });

  test('sanitizeCause keeps only name, code and a clean message (never the request of the client)', () => {
    const raw = Object.assign(new Error(`failed with ${accessToken}`), {
      code: 'ECONNRESET',
      request: { headers: { 'x-amz-access-token': accessToken } },
    });
    const cause = sanitizeCause(raw, redact);
    expect(cause).toMatchObject({ code: 'ECONNRESET' });
    expect(JSON.stringify({ ...cause, message: cause.message, stack: cause.stack })).not.toContain(accessToken);
    expect(Object.keys(cause)).not.toContain('request');
  });

  test('toAmazonCallError says what to do next and carries status, code and attempts', () => {
    const failure = failureFromResponse(400, errorBody('InvalidInput', 'Invalid carrierCode', 'packageDetail.carrierCode'), redact);
    const error = toAmazonCallError(failure, { operation: 'orders.confirmShipment', subject: 'order 1', attempts: 1, sellerId: 'A2SELLER' });
    expect(error).toBeInstanceOf(AmazonCallError);
    expect(error).toMatchObject({
      code: 'AMAZON_INVALID_REQUEST',
      operation: 'orders.confirmShipment',
      status: 400,
      amazonCode: 'InvalidInput',
      isRetryable: false,
      attempts: 1,
    });
    expect(error.message).toContain('Invalid carrierCode (packageDetail.carrierCode)');
    expect(error.message).toMatch(/Fix the request/);
    expect(error.details).toMatchObject({ subject: 'order 1', status: 400 });
  });

  test('a failure Amazon may have acted on: retryable, details.maybeCreated, and a message that says to look first', () => {
    const failure = failureFromError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'call', redact).asMaybeProcessed();
    const error = toAmazonCallError(failure, {
      operation: 'feeds.createFeed',
      subject: 'a JSON_LISTINGS_FEED feed',
      attempts: 1,
      sellerId: 'A2SELLER',
      creates: { thing: 'feed', check: 'look for it with getFeeds' },
    });
    expect(error).toMatchObject({ code: 'AMAZON_NETWORK_ERROR', isRetryable: true, details: { maybeCreated: true, subject: 'a JSON_LISTINGS_FEED feed' } });
    expect(error.message).toMatch(/^feeds.createFeed for a JSON_LISTINGS_FEED feed was sent, but its outcome is unknown/);
    expect(error.message).toMatch(/may have created the feed all the same, so the gateway did not send it again\. Do not simply repeat it: look for it with getFeeds\.$/);
    expect(toAmazonCallError(failureFromResponse(503, '', redact), { operation: 'feeds.createFeed', attempts: 1, sellerId: 'A2SELLER' }).details['maybeCreated']).toBeUndefined();
  });
});

describe('mayHaveTakenEffect: when a request that creates something must not be sent again', () => {
  const network = failureFromError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'call', redact);
  test('no answer: only when the request was completely written', () => {
    expect(mayHaveTakenEffect(network, true)).toBe(true);
    expect(mayHaveTakenEffect(network, false)).toBe(false);
  });
  test('an answer: 429 and 408 say it was not processed; a 5xx leaves it open', () => {
    expect(mayHaveTakenEffect(failureFromResponse(429, errorBody('QuotaExceeded', 'x'), redact), true)).toBe(false);
    expect(mayHaveTakenEffect(failureFromResponse(408, '', redact), true)).toBe(false);
    expect(mayHaveTakenEffect(failureFromResponse(500, errorBody('InternalFailure', 'x'), redact), true)).toBe(true);
    expect(mayHaveTakenEffect(failureFromResponse(503, '<html>', redact), true)).toBe(true);
  });
});
