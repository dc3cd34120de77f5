import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';

/** The error a socket is destroyed with when it stays silent longer than the request timeout. */
function idleError(timeoutMs: number): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`no data on the connection for ${timeoutMs} ms`);
  error.code = 'ETIMEDOUT';
  return error;
}

// A silent socket must fail the request: Node only emits 'timeout' and leaves the request open.
function armIdleTimeout(socket: Duplex | null | undefined, timeoutMs: number): void {
  if (!(socket instanceof net.Socket)) return;
  socket.setTimeout(timeoutMs);
  socket.on('timeout', () => socket.destroy(idleError(timeoutMs)));
}

/**
 * The agent the `amazon-sp-api` client is given as `https_proxy_agent` when `amazon.endpoint` names
 * a local SP-API (the sellersync simulator). The client hard-codes `https://` hosts and port 443
 * (FACTS §1.8); this agent passes Node's protocol check and dials the endpoint over plain HTTP
 * instead, so the LWA token request, every SP-API call and the document uploads and downloads reach
 * the endpoint. The Host header still names Amazon's host; the endpoint routes by path.
 */
export class EndpointAgent extends http.Agent {
  private readonly host: string;
  private readonly port: number;

  constructor(
    endpoint: string,
    private readonly idleTimeoutMs: number,
  ) {
    // `timeout` keeps the idle limit on sockets reused from the keep-alive pool
    super({ keepAlive: true, maxSockets: 64, timeout: idleTimeoutMs });
    const url = new URL(endpoint);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    // https.request checks that its agent speaks https; port 443 is then the default and the Host
    // header names Amazon's host exactly as it would over TLS
    (this as unknown as { protocol: string }).protocol = 'https:';
    (this as unknown as { defaultPort: number }).defaultPort = 443;
  }

  override createConnection(): Duplex {
    const socket = net.createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    armIdleTimeout(socket, this.idleTimeoutMs);
    return socket;
  }
}

/** The agent for Amazon itself: keep-alive TLS connections that fail when they stay silent. */
export class AmazonHttpsAgent extends https.Agent {
  constructor(private readonly idleTimeoutMs: number) {
    super({ keepAlive: true, maxSockets: 64, timeout: idleTimeoutMs });
  }

  override createConnection(options: http.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    armIdleTimeout(socket, this.idleTimeoutMs);
    return socket;
  }
}

/** The agent for every request of one gateway: the endpoint's when one is given, else Amazon's. */
export function createGatewayAgent(endpoint: string | undefined, idleTimeoutMs: number): http.Agent {
  return endpoint ? new EndpointAgent(endpoint, idleTimeoutMs) : new AmazonHttpsAgent(idleTimeoutMs);
}
