import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { request } from 'node:http';
import { SIMULATOR_CREDENTIALS, SIMULATOR_SELLER_ID, startSimulator, DEFAULT_CATALOG } from './index';
import { modelErrors } from './test-support/amazon-models';
import { startHarness, type Harness } from './test-support/harness';
import { createClient, DE, rejectionOf } from './test-support/sp-client';

function rawRequest(port: number, options: { method: string; path: string; host: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: { host: options.host, ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('startSimulator', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.sim.close());

  test('listens on 127.0.0.1 and reports its url, port and seller', () => {
    expect(harness.sim.url).toBe(`http://127.0.0.1:${harness.sim.port}`);
    expect(harness.sim.sellerId).toBe(SIMULATOR_SELLER_ID);
    expect(harness.sim.state.catalog.map((item) => item.asin)).toEqual(DEFAULT_CATALOG.map((item) => item.asin));
  });

  test('the real client gets an LWA token with the refresh-token grant and then calls the SP-API', async () => {
    const { sp, sim } = harness;
    const before = sim.state.accessTokensIssued;
    const result = (await sp.callAPI({ operation: 'catalogItems.searchCatalogItems', query: { identifiers: ['B0SIM00001'], identifiersType: 'ASIN', marketplaceIds: [DE] } })) as { numberOfResults: number };
    expect(result.numberOfResults).toBe(1);
    expect(sim.state.accessTokensIssued).toBe(before + 1);
    expect(sim.state.calls.token).toBeGreaterThanOrEqual(1);
  });

  test('unknown client credentials get 401 invalid_client, a wrong refresh token 400 invalid_grant', async () => {
    const wrongClient = createClient(harness.sim.port, { clientSecret: 'not-the-secret' });
    expect(await rejectionOf(wrongClient.refreshAccessToken())).toMatchObject({ code: 'invalid_client', message: 'Client authentication failed' });
    const wrongGrant = createClient(harness.sim.port, { refreshToken: 'Atzr|someone-else' });
    expect(await rejectionOf(wrongGrant.refreshAccessToken())).toMatchObject({ code: 'invalid_grant' });
    const raw = await rawRequest(harness.sim.port, {
      method: 'POST',
      path: '/auth/o2/token',
      host: 'api.amazon.com',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nobody', client_secret: 'y' }),
    });
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.body)).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    const wrongToken = await rawRequest(harness.sim.port, {
      method: 'POST',
      path: '/auth/o2/token',
      host: 'api.amazon.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'Atzr|x', client_id: SIMULATOR_CREDENTIALS.clientId, client_secret: SIMULATOR_CREDENTIALS.clientSecret }).toString(),
    });
    expect(wrongToken.status).toBe(400);
    expect(JSON.parse(wrongToken.body).error).toBe('invalid_grant');
  });

  test('SP-API calls without a valid access token get 403 Unauthorized in Amazon error shape', async () => {
    const path = '/orders/2026-01-01/orders/302-0000000-0000000';
    for (const headers of [{}, { 'x-amz-access-token': 'Atza|forged' }] as Record<string, string>[]) {
      const answer = await rawRequest(harness.sim.port, { method: 'GET', path, host: 'sellingpartnerapi-eu.amazon.com', headers });
      expect(answer.status).toBe(403);
      expect(answer.headers['x-amzn-ratelimit-limit']).toBe('0.5');
      const body = JSON.parse(answer.body);
      expect(body.errors[0]).toMatchObject({ code: 'Unauthorized', message: 'Access to requested resource is denied.' });
      expect(modelErrors(body, 'sp-api-models/orders_2026-01-01.json', 'ErrorList')).toBe('');
    }
  });

  test('an expired access token gets 403 "...has expired", which the client answers with a refresh', async () => {
    const { sp, sim } = harness;
    await sp.callAPI({ operation: 'catalogItems.searchCatalogItems', query: { identifiers: ['B0SIM00001'], identifiersType: 'ASIN', marketplaceIds: [DE] } });
    const issued = sim.state.accessTokensIssued;
    sim.expireAccessTokens();
    await sp.callAPI({ operation: 'catalogItems.getCatalogItem', path: { asin: 'B0SIM00002' }, query: { marketplaceIds: [DE] } });
    expect(sim.state.accessTokensIssued).toBe(issued + 1);
  });

  test('a path the simulator does not implement gets 404 in Amazon error shape', async () => {
    const error = await rejectionOf(harness.sp.callAPI({ api_path: '/fba/inventory/v1/summaries', method: 'GET' } as never));
    expect(error.code).toBe('NotFound');
  });

  test('state views are copies: changing them changes nothing', () => {
    const order = harness.sim.seed.order({ items: [{ sellerSku: 'COPY-1', quantity: 1, unitPrice: '5.00' }] });
    (order as unknown as Record<string, unknown>).orderId = 'changed';
    expect(harness.sim.state.order(harness.sim.state.orders.at(-1)!.orderId)?.orderId).not.toBe('changed');
    const catalog = harness.sim.state.catalog as unknown as { title: string }[];
    catalog[0]!.title = 'changed';
    expect(harness.sim.state.catalog[0]!.title).not.toBe('changed');
  });

  test('calls are counted per operation and in total; internal errors stay empty', () => {
    const { calls, totalCalls, errors } = harness.sim.state;
    const sum = Object.values(calls).reduce((a, b) => a + (b ?? 0), 0);
    expect(totalCalls).toBe(sum);
    expect(calls['catalogItems.searchCatalogItems']).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
  });
});

describe('startSimulator options', () => {
  test('rejects a timeScale that is not a positive number', async () => {
    await expect(startSimulator({ timeScale: 0 })).rejects.toThrow(/timeScale/);
  });

  test('accepts its own credentials and seller id, and close() is idempotent', async () => {
    const sim = await startSimulator({ credentials: { clientId: 'amzn1.application-oa2-client.other', clientSecret: 's2', refreshToken: 'Atzr|r2' }, sellerId: 'A1OTHERSELLER', seed: { catalog: [] } });
    try {
      const sp = createClient(sim.port, { clientId: 'amzn1.application-oa2-client.other', clientSecret: 's2', refreshToken: 'Atzr|r2' });
      const result = (await sp.callAPI({ operation: 'listingsItems.searchListingsItems', path: { sellerId: 'A1OTHERSELLER' }, query: { marketplaceIds: [DE] } })) as { numberOfResults: number };
      expect(result.numberOfResults).toBe(0);
      expect(sim.state.catalog).toEqual([]);
    } finally {
      await sim.close();
      await sim.close();
    }
  });
});
