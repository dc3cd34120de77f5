import { afterEach, describe, expect, test } from '@jest/globals';
import { request } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { EndpointAgent } from './endpoint-agent';

// What the agent puts on the wire: a TCP server records the first bytes a request sends.
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function firstBytesOf(endpoint: (port: number) => string): Promise<Buffer> {
  let received!: (bytes: Buffer) => void;
  const first = new Promise<Buffer>((resolve) => (received = resolve));
  const server = createServer((socket) => {
    socket.once('data', (bytes: Buffer) => {
      received(bytes);
      socket.destroy();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new EndpointAgent(endpoint((server.address() as AddressInfo).port), 2_000);
  // the client's request: https, Amazon's host, port 443
  const outgoing = request({ hostname: 'sellingpartnerapi-eu.amazon.com', port: 443, path: '/feeds/2021-06-30/feeds/1', agent });
  outgoing.on('error', () => undefined);
  outgoing.end();
  try {
    return await first;
  } finally {
    agent.destroy();
  }
}

describe('EndpointAgent', () => {
  test('an http: endpoint is spoken to in plain HTTP, with the Host of Amazon', async () => {
    const bytes = await firstBytesOf((port) => `http://127.0.0.1:${port}`);
    const text = bytes.toString('latin1');
    expect(text).toMatch(/^GET \/feeds\/2021-06-30\/feeds\/1 HTTP\/1\.1\r\n/);
    expect(text).toMatch(/\r\nHost: sellingpartnerapi-eu\.amazon\.com\r\n/i);
  });

  test('an https: endpoint is dialled with TLS, naming the endpoint host (SNI) it verifies', async () => {
    const bytes = await firstBytesOf((port) => `https://localhost:${port}`);
    // a TLS handshake record (0x16), ClientHello (0x01), and no HTTP in clear text
    expect(bytes[0]).toBe(0x16);
    expect(bytes[5]).toBe(0x01);
    expect(bytes.toString('latin1')).toContain('localhost');
    expect(bytes.toString('latin1')).not.toMatch(/GET \/feeds|amazon\.com/);
  });
});
