import http from 'node:http';
import net from 'node:net';

/**
 * The way the real `amazon-sp-api` client reaches a local simulator (through its https_proxy_agent option): an http.Agent
 * that claims to speak https (so Node's protocol check passes) and dials 127.0.0.1:PORT in plain
 * HTTP. The Host header still names Amazon's host.
 */
export class LoopbackAgent extends http.Agent {
  constructor(private readonly port: number) {
    super({ keepAlive: false });
    (this as unknown as { protocol: string }).protocol = 'https:';
  }

  override createConnection(): net.Socket {
    return net.createConnection({ host: '127.0.0.1', port: this.port });
  }
}
