/**
 * The logger sellersync writes to. It is the subset of pino's API that sellersync uses, so a pino
 * logger (or anything shaped like it, console-like adapters included) can be passed as is.
 *
 * Calls follow pino's argument order: an optional object of fields first, then the message.
 */
export interface Logger {
  debug(fields: object, message?: string): void;
  debug(message: string): void;
  info(fields: object, message?: string): void;
  info(message: string): void;
  warn(fields: object, message?: string): void;
  warn(message: string): void;
  error(fields: object, message?: string): void;
  error(message: string): void;
  /** Returns a logger that adds `bindings` to every line. Optional: not every host logger has it. */
  child?(bindings: object): Logger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** A logger that drops everything; the default when the host gives none. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const SECRET_KEY = /(token|secret|password|authorization|credential|refresh|x-amz-access)/i;
const REDACTED = '[redacted]';
const MAX_DEPTH = 8;
const ERROR_FIELDS = ['code', 'details', 'isRetryable', 'status', 'statusCode', 'errno'] as const;

/**
 * Wraps a host logger so that no secret reaches it: values under keys that name a secret
 * (`refresh_token`, `clientSecret`, `authorization`, ...) are replaced, and every known secret value
 * (registered with {@link SafeLogger.addSecret}) is masked wherever it appears in a message, a
 * field or an error's message and stack.
 */
export interface SafeLogger extends Logger {
  /** Registers a value that must never be printed (an access token obtained at run time). */
  addSecret(value: string | undefined | null): void;
  /** Masks every registered secret in a string. */
  redact(text: string): string;
  child(bindings: object): SafeLogger;
}

export function createSafeLogger(target: Logger | undefined, secrets: Iterable<string | undefined | null> = []): SafeLogger {
  const known = new Set<string>();
  const add = (value: string | undefined | null) => {
    // very short values would mask ordinary words; real secrets are long
    if (typeof value === 'string' && value.length >= 6) known.add(value);
  };
  for (const secret of secrets) add(secret);
  return buildSafeLogger(target ?? silentLogger, known, add);
}

function buildSafeLogger(target: Logger, known: Set<string>, add: (value: string | undefined | null) => void): SafeLogger {
  const redact = (text: string): string => {
    let out = text;
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  // `path`: the objects above this one. A value met twice on different branches is logged twice;
  // only a reference back to an ancestor is a cycle.
  const clean = (value: unknown, depth: number, path: Set<object>): unknown => {
    if (typeof value === 'string') return redact(value);
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    if (path.has(value)) return '[circular]';
    if (depth > MAX_DEPTH) return '[too deep]';
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    path.add(value);
    try {
      if (value instanceof Error) {
        const out: Record<string, unknown> = { type: value.name, message: redact(value.message) };
        if (value.stack) out['stack'] = redact(value.stack);
        // SellerSyncError's code, details and isRetryable; a driver's or HTTP client's code and status
        for (const key of ERROR_FIELDS) {
          const field = (value as unknown as Record<string, unknown>)[key];
          if (field !== undefined) out[key] = clean(field, depth + 1, path);
        }
        if (value.cause !== undefined) out['cause'] = clean(value.cause, depth + 1, path);
        return out;
      }
      if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1, path));
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null ? REDACTED : clean(item, depth + 1, path);
      }
      return out;
    } finally {
      path.delete(value);
    }
  };
  const write = (level: Level) =>
    ((first: object | string, message?: string) => {
      if (typeof first === 'string') target[level](redact(first));
      else {
        const fields = clean(first, 0, new Set()) as object;
        if (message === undefined) target[level](fields);
        else target[level](fields, redact(message));
      }
    }) as Logger[Level];
  const logger = Object.fromEntries(LEVELS.map((level) => [level, write(level)])) as unknown as Pick<Logger, Level>;
  return {
    ...logger,
    addSecret: add,
    redact,
    child(bindings: object): SafeLogger {
      const safeBindings = clean(bindings, 0, new Set()) as object;
      const inner = target.child ? target.child(safeBindings) : withBindings(target, safeBindings);
      return buildSafeLogger(inner, known, add);
    },
  };
}

function withBindings(target: Logger, bindings: object): Logger {
  const bind = (level: Level) =>
    ((first: object | string, message?: string) => {
      if (typeof first === 'string') target[level]({ ...bindings }, first);
      else target[level]({ ...bindings, ...first }, message);
    }) as Logger[Level];
  return Object.fromEntries(LEVELS.map((level) => [level, bind(level)])) as unknown as Logger;
}
