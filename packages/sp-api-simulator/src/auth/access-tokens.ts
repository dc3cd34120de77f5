import type { Clock } from '../support/clock';
import type { IdSource } from '../support/ids';
import type { SimulatorCredentials } from '../simulator-options';
import { json, type SimRequest, type SimResponse } from '../http/sim-http';

/** Access tokens live one hour of real time, as Amazon's (not scaled: the client does not check expiry). */
const TOKEN_LIFETIME_SECONDS = 3600;

export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly details: string };

export interface AccessTokenStore {
  /** POST /auth/o2/token (api.amazon.com): the refresh-token and client-credentials grants. */
  handleTokenRequest(request: SimRequest): SimResponse;
  check(token: string | undefined): TokenCheck;
  /** Makes every issued token expired (tests of the client's refresh on 403). */
  expireAll(): void;
  readonly issued: number;
}

function lwaError(status: number, error: string, description: string): SimResponse {
  return json(status, { error_description: description, error }, { 'cache-control': 'no-cache, no-store, must-revalidate' });
}

function parseBody(request: SimRequest): Record<string, unknown> | undefined {
  const text = request.body.toString('utf8');
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return Object.fromEntries(new URLSearchParams(text));
  }
}

export function createAccessTokenStore(clock: Clock, ids: IdSource, credentials: SimulatorCredentials): AccessTokenStore {
  const tokens = new Map<string, number>();
  let issued = 0;
  return {
    handleTokenRequest(request) {
      if (request.method !== 'POST') return lwaError(405, 'invalid_request', 'The token endpoint only accepts POST.');
      const body = parseBody(request);
      if (!body || typeof body.grant_type !== 'string') return lwaError(400, 'invalid_request', 'The request is missing a required parameter : grant_type');
      if (body.client_id !== credentials.clientId || body.client_secret !== credentials.clientSecret)
        return lwaError(401, 'invalid_client', 'Client authentication failed');
      if (body.grant_type === 'refresh_token') {
        if (typeof body.refresh_token !== 'string') return lwaError(400, 'invalid_request', 'The request is missing a required parameter : refresh_token');
        if (body.refresh_token !== credentials.refreshToken) return lwaError(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token');
      } else if (body.grant_type !== 'client_credentials') {
        return lwaError(400, 'unsupported_grant_type', `The authorization grant type is not supported by the authorization server : ${body.grant_type}`);
      }
      const token = `Atza|SIM${ids.uuid().replace(/-/g, '')}`;
      tokens.set(token, clock.now() + TOKEN_LIFETIME_SECONDS * 1000);
      issued += 1;
      return json(
        200,
        body.grant_type === 'refresh_token'
          ? { access_token: token, refresh_token: credentials.refreshToken, token_type: 'bearer', expires_in: TOKEN_LIFETIME_SECONDS }
          : { access_token: token, scope: body.scope, token_type: 'bearer', expires_in: TOKEN_LIFETIME_SECONDS },
        { 'cache-control': 'no-cache, no-store, must-revalidate' },
      );
    },
    check(token) {
      if (token === undefined || token === '') return { ok: false, details: 'The request has no access token (x-amz-access-token).' };
      const expires = tokens.get(token);
      if (expires === undefined) return { ok: false, details: 'The access token you provided is revoked, malformed or invalid.' };
      if (clock.now() >= expires) return { ok: false, details: 'The access token you provided has expired.' };
      return { ok: true };
    },
    expireAll() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    get issued() {
      return issued;
    },
  };
}
