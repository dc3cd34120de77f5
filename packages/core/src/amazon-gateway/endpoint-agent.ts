import { AsyncLocalStorage } from 'node:async_hooks';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
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
 * What became of the HTTP request one SP-API attempt sent: the gateway needs to know whether a
 * request that got no answer was completely written (Amazon may have acted on it) or not.
 */
export interface RequestWatch {
  /** The last request sent inside {@link watchRequests}. */
  request?: http.ClientRequest;
  /** True once that request was handed to the network in full (its `finish` event). */
  written: boolean;
}

const watches = new AsyncLocalStorage<RequestWatch>();
let watching = 0;

/**
 * Runs `run` (one call of the client) so that the gateway's agents record the request it sends
 * in `watch`. The client builds its request several awaits into the call, hence the async context.
 * An AsyncLocalStorage slows every promise of the process while it is enabled (Node 20), so it is
 * enabled only while a watched call runs: use it for the few calls that need it.
 *
 * The storage stays enabled until `run` settles, so `run` MUST settle: give it its deadline inside
 * (`amazon-sp-api` never settles a call whose answer is cut after its headers).
 */
export async function watchRequests<T>(watch: RequestWatch, run: () => Promise<T>): Promise<T> {
  watching += 1;
  try {
    return await watches.run(watch, run);
  } finally {
    watching -= 1;
    if (watching === 0) watches.disable();
  }
}

/** How many watched calls are running (the storage is enabled while this is above 0). */
export function watchedCallsRunning(): number {
  return watching;
}

interface AgentInternals {
  addRequest(request: http.ClientRequest, options: http.RequestOptions): void;
}

// Agent#addRequest is where Node hands every request to its agent, synchronously inside
// http.request, so the async context of the call that sent it is still the current one.
function noteRequest(request: http.ClientRequest): void {
  const watch = watches.getStore();
  if (!watch) return;
  watch.request = request;
  watch.written = false;
  request.once('finish', () => {
    if (watch.request === request) watch.written = true;
  });
}

const httpAddRequest = (http.Agent.prototype as unknown as AgentInternals).addRequest;
const httpsAddRequest = (https.Agent.prototype as unknown as AgentInternals).addRequest;

/**
 * The agent the `amazon-sp-api` client is given as `https_proxy_agent` when `amazon.endpoint` names
 * a local SP-API (the sellersync simulator). The client hard-codes `https://` hosts and port 443;
 * this agent passes Node's protocol check and dials the endpoint instead — over plain
 * TCP for an `http:` endpoint, over TLS (verified against the endpoint's host name) for an `https:`
 * one — so the LWA token request, every SP-API call and the document uploads and downloads reach
 * the endpoint. The Host header still names Amazon's host; the endpoint routes by path.
 */
export class EndpointAgent extends http.Agent {
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;

  constructor(
    endpoint: string,
    private readonly idleTimeoutMs: number,
  ) {
    // `timeout` keeps the idle limit on sockets reused from the keep-alive pool
    super({ keepAlive: true, maxSockets: 64, timeout: idleTimeoutMs });
    const url = new URL(endpoint);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.secure = url.protocol === 'https:';
    this.port = url.port ? Number(url.port) : this.secure ? 443 : 80;
    // https.request checks that its agent speaks https; port 443 is then the default and the Host
    // header names Amazon's host exactly as it would over TLS
    (this as unknown as { protocol: string }).protocol = 'https:';
    (this as unknown as { defaultPort: number }).defaultPort = 443;
  }

  override createConnection(): Duplex {
    // SNI only for names: an IP address must not be sent as a server name
    const servername = net.isIP(this.host) === 0 ? this.host : undefined;
    const socket = this.secure
      ? tls.connect({ host: this.host, port: this.port, ...(servername ? { servername } : {}), ALPNProtocols: ['http/1.1'] })
      : net.createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    armIdleTimeout(socket, this.idleTimeoutMs);
    return socket;
  }

  addRequest(request: http.ClientRequest, options: http.RequestOptions): void {
    noteRequest(request);
    httpAddRequest.call(this, request, options);
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

  addRequest(request: http.ClientRequest, options: http.RequestOptions): void {
    noteRequest(request);
    httpsAddRequest.call(this, request, options);
  }
}

/** The agent for every request of one gateway: the endpoint's when one is given, else Amazon's. */
export function createGatewayAgent(endpoint: string | undefined, idleTimeoutMs: number): http.Agent {
  return endpoint ? new EndpointAgent(endpoint, idleTimeoutMs) : new AmazonHttpsAgent(idleTimeoutMs);
}
