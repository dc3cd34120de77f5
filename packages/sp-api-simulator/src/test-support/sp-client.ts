import { SellingPartner } from 'amazon-sp-api';
import { SIMULATOR_CREDENTIALS } from '../simulator-options';
import { LoopbackAgent } from './loopback-agent';

export interface ClientOptions {
  readonly refreshToken?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly timeoutMs?: number;
}

/** The real amazon-sp-api client pointed at a simulator, its own retry loops off. */
export function createClient(port: number, options: ClientOptions = {}): SellingPartner {
  return new SellingPartner({
    region: 'eu',
    refresh_token: options.refreshToken ?? SIMULATOR_CREDENTIALS.refreshToken,
    credentials: {
      SELLING_PARTNER_APP_CLIENT_ID: options.clientId ?? SIMULATOR_CREDENTIALS.clientId,
      SELLING_PARTNER_APP_CLIENT_SECRET: options.clientSecret ?? SIMULATOR_CREDENTIALS.clientSecret,
    },
    endpoints_versions: { orders: '2026-01-01', listingsItems: '2021-08-01', catalogItems: '2022-04-01', feeds: '2021-06-30', reports: '2021-06-30' },
    options: {
      auto_request_throttled: false,
      retry_remote_timeout: false,
      https_proxy_agent: new LoopbackAgent(port) as never,
      ...(options.timeoutMs !== undefined ? { timeouts: { response: options.timeoutMs } } : {}),
    },
  });
}

/** Runs `call` and returns what it threw (fails when it resolves). */
export async function rejectionOf(call: Promise<unknown>): Promise<{ code?: string; message?: string; details?: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code?: string; message?: string; details?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const DE = 'A1PA6795UKMFR9';
