import { describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { charsetOf, decodeDocument, transferDocument } from './document-transfer';
import { EndpointAgent } from './endpoint-agent';

// "Müller – 5 €" in windows-1252: ü = FC, – = 96, € = 80
const CP1252 = Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x20, 0x96, 0x20, 0x35, 0x20, 0x80]);

describe('decodeDocument', () => {
  test('decodes with the charset of the Content-Type (windows-1252 reports)', async () => {
    const text = await decodeDocument({ status: 200, headers: { 'content-type': 'text/tab-separated-values; charset=windows-1252' }, body: CP1252 }, { compressed: false });
    expect(text).toBe('Müller – 5 €');
  });

  test('an explicit charset wins; UTF-8 is the default', async () => {
    const utf8 = Buffer.from('Müller – 5 €', 'utf8');
    expect(await decodeDocument({ status: 200, headers: {}, body: utf8 }, { compressed: false })).toBe('Müller – 5 €');
    expect(await decodeDocument({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: CP1252 }, { compressed: false, charset: 'Cp1252' })).toBe(
      'Müller – 5 €',
    );
  });

  test('without a named charset, valid UTF-8 bytes are read as UTF-8 whatever defaultCharset says', async () => {
    const utf8 = Buffer.from('Müller – 5 €', 'utf8');
    expect(await decodeDocument({ status: 200, headers: { 'content-type': 'text/plain' }, body: utf8 }, { compressed: false, defaultCharset: 'windows-1252' })).toBe(
      'Müller – 5 €',
    );
    expect(await decodeDocument({ status: 200, headers: {}, body: utf8 }, { compressed: false, defaultCharset: 'shift_jis' })).toBe('Müller – 5 €');
  });

  test('defaultCharset applies only when the Content-Type names no charset', async () => {
    expect(await decodeDocument({ status: 200, headers: { 'content-type': 'text/plain' }, body: CP1252 }, { compressed: false, defaultCharset: 'windows-1252' })).toBe(
      'Müller – 5 €',
    );
    const utf8 = Buffer.from('Müller – 5 €', 'utf8');
    expect(
      await decodeDocument({ status: 200, headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: utf8 }, { compressed: false, defaultCharset: 'windows-1252' }),
    ).toBe('Müller – 5 €');
  });

  test('gunzips a GZIP document, and leaves plain bytes alone even when told GZIP', async () => {
    const report = JSON.stringify({ header: { sellerId: 'A', version: '2.0', feedId: '1' }, issues: [], summary: {} });
    expect(await decodeDocument({ status: 200, headers: {}, body: gzipSync(report) }, { compressed: true })).toBe(report);
    expect(await decodeDocument({ status: 200, headers: {}, body: Buffer.from(report) }, { compressed: true })).toBe(report);
  });

  test('an unknown charset is a clear error', async () => {
    await expect(decodeDocument({ status: 200, headers: { 'content-type': 'text/plain; charset=x-klingon' }, body: CP1252 }, { compressed: false })).rejects.toThrow(
      /x-klingon/,
    );
    expect(charsetOf('text/xml; charset="UTF-8"')).toBe('UTF-8');
    expect(charsetOf('text/xml')).toBeUndefined();
  });
});

describe('transferDocument through the endpoint agent', () => {
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  test('reaches the endpoint whatever host the presigned URL names, and sends the body', async () => {
    const { server, url } = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.setHeader('content-type', 'text/plain');
        res.end(`${req.method} ${req.headers.host} ${req.url} ${Buffer.concat(chunks).toString()}`);
      });
    });
    const agent = new EndpointAgent(url, 2000);
    try {
      const answer = await transferDocument(agent, {
        method: 'PUT',
        url: 'https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com/doc-1?X-Amz-Signature=abc',
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from('{"a":1}'),
        timeoutMs: 2000,
      });
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toBe('PUT tortuga-prod-eu.s3-eu-west-1.amazonaws.com /doc-1?X-Amz-Signature=abc {"a":1}');
    } finally {
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a connection dropped in the middle of the answer, or a silent one, rejects instead of hanging', async () => {
    const { server, url } = await serve((req, res) => {
      if (req.url === '/drop') {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
      }
      // '/silent' never answers
    });
    const agent = new EndpointAgent(url, 10_000);
    try {
      await expect(transferDocument(agent, { method: 'GET', url: 'https://example.com/drop', timeoutMs: 5000 })).rejects.toMatchObject({
        code: expect.stringMatching(/ECONNRESET|ERR_STREAM_PREMATURE_CLOSE/),
      });
      const started = performance.now();
      await expect(transferDocument(agent, { method: 'GET', url: 'https://example.com/silent', timeoutMs: 200 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
