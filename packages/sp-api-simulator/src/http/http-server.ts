import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AccessTokenStore } from '../auth/access-tokens';
import type { DocumentStore } from '../documents/document-store';
import type { ApiRoute } from './api-route';
import type { FaultInjector, InjectedFault } from './faults';
import type { SimulatorApiOperation, SimulatorOperation } from './operations';
import type { RateLimiter } from './rate-limiter';
import { SpApiError, errorResponse, json, type SimRequest, type SimResponse } from './sim-http';

/** Calls per operation, as `sim.state.calls` shows them. */
export interface CallStats {
  readonly calls: Map<SimulatorOperation, number>;
  total: number;
  throttled: number;
}

const EDGE_HTML: Readonly<Record<number, string>> = {
  500: '<html>\n<head><title>500 Internal Server Error</title></head>\n<body>\n<center><h1>500 Internal Server Error</h1></center>\n</body>\n</html>\n',
  503: '<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n<body>\n<center><h1>503 Service Temporarily Unavailable</h1></center>\n</body>\n</html>\n',
};

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function faultResponse(fault: Exclude<InjectedFault, { kind: 'drop' | 'lost-answer' }>): SimResponse {
  if (fault.kind === 'throttle') return errorResponse(new SpApiError(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.'));
  if (fault.html) return { status: fault.status, headers: { 'content-type': 'text/html' }, body: EDGE_HTML[fault.status] };
  return fault.status === 500
    ? errorResponse(new SpApiError(500, 'InternalFailure', 'We encountered an internal error. Please try again.'))
    : errorResponse(new SpApiError(503, 'ServiceUnavailable', 'Service temporarily unavailable. Please try again later.'));
}

// a stall must not keep a test process alive after the simulator closed
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The simulator's HTTP server. Routing: POST /auth/o2/token → LWA; document URLs (S3 hosts or
 * /NinetyDays/...) → upload/download; everything else → the SP-API routes by method and path.
 * SP-API calls pass: count → access token (403) → rate limit (429) → injected faults → handler.
 * Injected faults answer instead of the handler, except a lost answer (the handler runs, then the
 * socket is destroyed) and a stall (the handler runs after it).
 */
export function createSimulatorServer(context: {
  readonly routes: readonly ApiRoute[];
  readonly tokens: AccessTokenStore;
  readonly documents: DocumentStore;
  readonly rateLimiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly stats: CallStats;
  readonly onError: (error: unknown) => void;
}): Server {
  const { stats } = context;
  const count = (operation: SimulatorOperation) => {
    stats.calls.set(operation, (stats.calls.get(operation) ?? 0) + 1);
    stats.total += 1;
  };

  const send = (response: ServerResponse, result: SimResponse, extraHeaders: Readonly<Record<string, string>> = {}) => {
    if (response.destroyed) return;
    const body = result.body ?? '';
    response.writeHead(result.status, { ...extraHeaders, ...result.headers, 'content-length': String(Buffer.byteLength(body)) });
    response.end(body);
  };

  /**
   * Stalls and injects faults. `skip`: the connection was dropped or answered, do not process;
   * `lose`: process, then destroy the connection instead of answering; `answer`: process normally.
   */
  const injectFaults = async (
    operation: SimulatorOperation,
    isApi: boolean,
    request: IncomingMessage,
    response: ServerResponse,
    headers: Record<string, string>,
  ): Promise<'skip' | 'lose' | 'answer'> => {
    const { fault, delayMs } = context.faults.draw(operation, isApi);
    if (delayMs > 0) await delay(delayMs);
    if (!fault) return 'answer';
    if (fault.kind === 'lost-answer') return 'lose';
    if (fault.kind === 'drop') {
      request.socket.destroy();
      return 'skip';
    }
    if (fault.kind === 'throttle') stats.throttled += 1;
    send(response, faultResponse(fault), headers);
    return 'skip';
  };

  /** Answers, or for a lost answer destroys the connection once the work is done. */
  const reply = (fate: 'lose' | 'answer', incoming: IncomingMessage, response: ServerResponse, result: SimResponse, headers?: Record<string, string>) => {
    if (fate === 'lose') incoming.socket.destroy();
    else send(response, result, headers);
  };

  const handleApi = async (request: SimRequest, incoming: IncomingMessage, response: ServerResponse) => {
    const requestHeaders: Record<string, string> = { 'x-amzn-requestid': randomUUID() };
    let matched: { route: ApiRoute; params: string[] } | undefined;
    let methodMismatch = false;
    for (const route of context.routes) {
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      if (route.method !== request.method) {
        methodMismatch = true;
        continue;
      }
      try {
        matched = { route, params: match.slice(1).map((part) => decodeURIComponent(part)) };
      } catch {
        send(response, errorResponse(new SpApiError(400, 'InvalidInput', 'The request path is not valid percent-encoding.')), requestHeaders);
        return;
      }
      break;
    }
    if (!matched) {
      const error = methodMismatch
        ? new SpApiError(405, 'MethodNotAllowed', `${request.method} is not allowed on ${request.path}.`)
        : new SpApiError(404, 'NotFound', `The simulator does not implement ${request.method} ${request.path}.`);
      send(response, errorResponse(error), requestHeaders);
      return;
    }
    const operation: SimulatorApiOperation = matched.route.operation;
    count(operation);
    const headers = { ...requestHeaders, 'x-amzn-ratelimit-limit': String(context.rateLimiter.limitOf(operation).rate) };
    const token = context.tokens.check(request.headers['x-amz-access-token'] as string | undefined);
    if (!token.ok) {
      send(response, errorResponse(new SpApiError(403, 'Unauthorized', 'Access to requested resource is denied.', token.details)), headers);
      return;
    }
    if (!context.rateLimiter.take(operation)) {
      stats.throttled += 1;
      send(response, errorResponse(new SpApiError(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.')), headers);
      return;
    }
    const fate = await injectFaults(operation, true, incoming, response, headers);
    if (fate === 'skip') return;
    let result: SimResponse;
    try {
      result = matched.route.handle(request, matched.params);
    } catch (error) {
      if (error instanceof SpApiError) {
        if (error.status === 429) stats.throttled += 1;
        result = errorResponse(error);
      } else {
        context.onError(error);
        result = errorResponse(new SpApiError(500, 'InternalFailure', `The simulator failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    reply(fate, incoming, response, result, headers);
  };

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(incoming);
    const url = new URL(incoming.url ?? '/', 'http://simulator');
    const request: SimRequest = {
      method: (incoming.method ?? 'GET').toUpperCase(),
      host: (incoming.headers.host ?? '').replace(/:\d+$/, '').toLowerCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      body,
    };
    if (request.path === '/auth/o2/token') {
      count('token');
      const fate = await injectFaults('token', false, incoming, response, {});
      if (fate !== 'skip') reply(fate, incoming, response, context.tokens.handleTokenRequest(request));
      return;
    }
    if (context.documents.matches(request)) {
      const operation = request.method === 'PUT' ? 'upload' : 'download';
      count(operation);
      const fate = await injectFaults(operation, false, incoming, response, {});
      if (fate !== 'skip') reply(fate, incoming, response, context.documents.handle(request));
      return;
    }
    await handleApi(request, incoming, response);
  };

  return createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      context.onError(error);
      if (!response.headersSent) send(response, json(500, { errors: [{ code: 'InternalFailure', message: 'The simulator failed.' }] }));
    });
  });
}
