import type { IncomingHttpHeaders } from 'node:http';

/** One HTTP request as the simulator's handlers see it (body fully read). */
export interface SimRequest {
  readonly method: string;
  /** Host header without port, lower case (an Amazon host when the client comes through its agent). */
  readonly host: string;
  /** Raw (still percent-encoded) path. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface SimResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

/** An SP-API error answer in Amazon's `{errors:[{code,message,details}]}` shape. */
export class SpApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'SpApiError';
  }
}

export function invalidInput(message: string, details?: string): SpApiError {
  return new SpApiError(400, 'InvalidInput', message, details);
}

export function notFound(message: string): SpApiError {
  return new SpApiError(404, 'NotFound', message);
}

export function json(status: number, value: unknown, headers?: Readonly<Record<string, string>>): SimResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function errorResponse(error: SpApiError): SimResponse {
  const entry = error.details === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, details: error.details };
  return json(error.status, { errors: [entry] });
}

/** Values of a comma-separated (or repeated) query parameter; empty when absent. */
export function queryList(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

export function queryValue(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

/** An integer query parameter within [min, max]; throws InvalidInput naming the parameter otherwise. */
export function queryInteger(query: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const raw = queryValue(query, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) throw invalidInput(`Invalid ${name}: '${raw}'. It must be an integer from ${min} to ${max}.`);
  return value;
}

/** Parses a JSON request body; InvalidInput when it is not a JSON object. */
export function jsonBody(request: SimRequest): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw invalidInput('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput('The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** Tokens for nextToken/paginationToken: opaque base64url JSON, validated on the way back. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken<T>(token: string, name: string): T {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw invalidInput(`Invalid ${name}.`);
  }
}
