// The operator's monitoring port (--metrics-port, loopback only): `GET /metrics` in the Prometheus
// text format (metrics.ts) and `GET /health`, a JSON report that answers 200 only while the relay
// serves: 503 while it starts, stops, or while its store refuses writes, so a load balancer or
// Docker's HEALTHCHECK takes it out of rotation exactly when browsers would lose envelopes there.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HealthStatus = 'starting' | 'serving' | 'store-refusing' | 'stopping';

export interface HealthReport {
  status: HealthStatus;
  version: string;
  uptimeSeconds: number;
  /** Connected libp2p peers (browsers and relays). */
  peers: number;
  /** Live envelopes in the pool. */
  envelopes: number;
  storeWritable: boolean;
}

/** 200 only while serving: the one status in which the relay stores and forwards what it receives. */
export const healthCode = (r: HealthReport): number => (r.status === 'serving' ? 200 : 503);

export interface MonitorServerInit {
  port: number; // 0: pick a free one
  host?: string; // default 127.0.0.1
  health: () => HealthReport;
  /** The Prometheus text and its content type; absent: /metrics is 404. */
  metrics?: { text(): Promise<string>; readonly contentType: string };
  onError?: (e: unknown) => void;
}

export class MonitorServer {
  readonly #init: MonitorServerInit;
  #server: Server | undefined;

  constructor(init: MonitorServerInit) {
    this.#init = init;
  }

  get url(): string {
    const a = this.#server?.address() as AddressInfo | null | undefined;
    if (!a) throw new Error('monitor server not started');
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#init.port, this.#init.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
    try {
      if (path === '/health') {
        const report = this.#init.health();
        return send(res, healthCode(report), 'application/json', `${JSON.stringify(report)}\n`);
      }
      if (path === '/metrics' && this.#init.metrics) return send(res, 200, this.#init.metrics.contentType, await this.#init.metrics.text());
      return send(res, 404, 'text/plain', 'not found: GET /metrics or /health\n');
    } catch (e) {
      this.#init.onError?.(e);
      return send(res, 500, 'text/plain', `${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
