import { describe, expect, test } from '@jest/globals';
import { SellerSyncError } from '../errors';
import { createSafeLogger, type Logger } from './logger';

type Line = { level: string; fields?: unknown; message?: string; bindings?: unknown[] };

/** A pino-shaped target that records what reaches it; `withChild` gives it pino's `child`. */
function recorder(withChild: boolean, bindings: unknown[] = [], lines: Line[] = []): Logger & { lines: Line[] } {
  const at =
    (level: string) =>
    (first: unknown, message?: string): void => {
      if (typeof first === 'string') lines.push({ level, message: first, bindings });
      else lines.push({ level, fields: first, message, bindings });
    };
  const logger: Logger & { lines: Line[] } = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  if (withChild) logger.child = (more: object) => recorder(true, [...bindings, more], lines);
  return logger;
}

const TOKEN = 'Atzr|IwEBIAbCdEfGhIjKlMnOp';
const SECRET = 'amzn1.oa2-cs.v1.0123456789abcdef';

describe('createSafeLogger', () => {
  test('masks known secret values in messages, nested fields and arrays, also ones added later', () => {
    const target = recorder(false);
    const log = createSafeLogger(target, [TOKEN, undefined, null]);
    log.info(`refreshing with ${TOKEN}`);
    log.warn({ request: { url: `https://x/?t=${TOKEN}`, list: ['a', `b ${TOKEN}`] } }, `failed for ${TOKEN}`);
    log.addSecret(SECRET);
    log.error({ note: `client ${SECRET}` });
    expect(target.lines).toEqual([
      { level: 'info', message: 'refreshing with [redacted]', bindings: [] },
      { level: 'warn', fields: { request: { url: 'https://x/?t=[redacted]', list: ['a', 'b [redacted]'] } }, message: 'failed for [redacted]', bindings: [] },
      { level: 'error', fields: { note: 'client [redacted]' }, message: undefined, bindings: [] },
    ]);
    expect(log.redact(`${TOKEN}/${SECRET}`)).toBe('[redacted]/[redacted]');
  });

  test('very short values are not registered (they would mask ordinary words)', () => {
    const target = recorder(false);
    const log = createSafeLogger(target, ['abc']);
    log.info('abc is fine');
    expect(target.lines[0]!.message).toBe('abc is fine');
  });

  test('values under secret-named keys are masked whatever they hold; empty ones stay visible', () => {
    const target = recorder(false);
    const log = createSafeLogger(target);
    log.info({
      refresh_token: 'r-1',
      clientSecret: { nested: 'x' },
      headers: { Authorization: 'Bearer abc', 'x-amz-access-token': 'tok', accept: 'json' },
      password: null,
      credentials: undefined,
      sku: 'MUG-RED',
    });
    expect(target.lines[0]!.fields).toEqual({
      refresh_token: '[redacted]',
      clientSecret: '[redacted]',
      headers: { Authorization: '[redacted]', 'x-amz-access-token': '[redacted]', accept: 'json' },
      password: null,
      credentials: undefined,
      sku: 'MUG-RED',
    });
  });

  test('an object met twice on different branches is logged twice; only a cycle is "[circular]"', () => {
    const target = recorder(false);
    const log = createSafeLogger(target);
    const marketplace = { id: 'A1PA6795UKMFR9' };
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    log.info({ from: marketplace, to: marketplace, list: [marketplace, marketplace], cyclic });
    expect(target.lines[0]!.fields).toEqual({
      from: { id: 'A1PA6795UKMFR9' },
      to: { id: 'A1PA6795UKMFR9' },
      list: [{ id: 'A1PA6795UKMFR9' }, { id: 'A1PA6795UKMFR9' }],
      cyclic: { name: 'loop', self: '[circular]' },
    });
  });

  test('errors keep type, message, stack, code and cause, with secrets masked', () => {
    const target = recorder(false);
    const log = createSafeLogger(target, [TOKEN]);
    const cause = Object.assign(new Error(`token ${TOKEN} expired`), { code: 'ECONNRESET', status: 401 });
    const error = new Error('call failed', { cause });
    log.error({ err: error }, 'Amazon call failed');
    const logged = (target.lines[0]!.fields as { err: Record<string, unknown> }).err;
    expect(logged['type']).toBe('Error');
    expect(logged['message']).toBe('call failed');
    expect(String(logged['stack'])).toContain('call failed');
    const loggedCause = logged['cause'] as Record<string, unknown>;
    expect(loggedCause).toMatchObject({ type: 'Error', message: 'token [redacted] expired', code: 'ECONNRESET', status: 401 });
    expect(String(loggedCause['stack'])).not.toContain(TOKEN);
  });

  test('a logged SellerSyncError keeps its code, details and retryability', () => {
    const target = recorder(false);
    const log = createSafeLogger(target, [TOKEN]);
    const error = new SellerSyncError({
      code: 'INVALID_CHANGE',
      message: 'Change not queued: SKU "MUG ": sku must not begin or end with white space',
      details: { item: 'MUG ', field: 'sku', rule: 'must not begin or end with white space', value: 'MUG ', note: `seen ${TOKEN}` },
      isRetryable: false,
    });
    log.warn({ err: error });
    expect((target.lines[0]!.fields as { err: unknown }).err).toMatchObject({
      type: 'SellerSyncError',
      code: 'INVALID_CHANGE',
      isRetryable: false,
      details: { item: 'MUG ', field: 'sku', rule: 'must not begin or end with white space', value: 'MUG ', note: 'seen [redacted]' },
    });
  });

  test('child adds cleaned bindings through the target\'s own child, and shares the secrets', () => {
    const target = recorder(true);
    const log = createSafeLogger(target, [TOKEN]);
    const child = log.child({ component: 'gateway', clientSecret: 'shh', url: `x?${TOKEN}` });
    child.addSecret(SECRET);
    child.info({ sku: 'A' }, `with ${SECRET}`);
    log.info(`parent sees ${SECRET} too`);
    expect(target.lines).toEqual([
      { level: 'info', fields: { sku: 'A' }, message: 'with [redacted]', bindings: [{ component: 'gateway', clientSecret: '[redacted]', url: 'x?[redacted]' }] },
      { level: 'info', message: 'parent sees [redacted] too', bindings: [] },
    ]);
  });

  test('child on a target without child merges the bindings into every line', () => {
    const target = recorder(false);
    const child = createSafeLogger(target).child({ worker: 'w1', password: 'p' }).child({ pass: 2 });
    child.warn('plain message');
    child.error({ sku: 'B', worker: 'overridden' }, 'with fields');
    expect(target.lines).toEqual([
      { level: 'warn', fields: { worker: 'w1', password: '[redacted]', pass: 2 }, message: 'plain message', bindings: [] },
      { level: 'error', fields: { worker: 'overridden', password: '[redacted]', pass: 2, sku: 'B' }, message: 'with fields', bindings: [] },
    ]);
  });

  test('no target: everything is dropped without error', () => {
    const log = createSafeLogger(undefined, [TOKEN]);
    expect(() => {
      log.debug('x');
      log.child({ a: 1 }).error({ err: new Error(TOKEN) });
    }).not.toThrow();
  });
});
