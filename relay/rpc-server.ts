// JSON-RPC 2.0 over HTTP POST and WebSocket on one port, path `/` (docs/PROTOCOL.md §5). Single and batch
// requests, notifications, the standard -326xx errors; handler errors go through toRpcError. Every
// HTTP request shares the session 'http' (filters must outlive a request); each WebSocket is its own
// session, ended on close. Bad input of any shape gets an error object, never a crash.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { RPC, toRpcError, type RpcErrorShape } from '../src/rpc/errors.ts';

/** Structurally src/api/shh.ts's CallContext. */
export interface RpcCallContext {
  session: string;
  notify?: (method: string, params: unknown) => void;
}

/** What the server dispatches to: ShhApi in the relay, a fake in tests. Throws RpcError. */
export interface RpcHandler {
  call(method: string, params: unknown, ctx: RpcCallContext): Promise<unknown>;
  endSession(session: string): void;
}

export interface RpcServerInit {
  handler: RpcHandler;
  port: number; // 0: pick a free one
  /** Loopback by default: the API is the operator's (admin methods, private keys). */
  host?: string;
  maxBodyBytes?: number;
  maxBatch?: number;
  /**
   * Browser origins allowed to call (exact `scheme://host:port`, or '*'). Default none: a request
   * that carries an Origin header (any web page) is refused over HTTP and WebSocket alike, because
   * the API holds the operator's keys; clients that send no Origin (curl, Node, web3 in Node) pass.
   */
  allowOrigins?: readonly string[];
  /** A WebSocket whose unsent notifications exceed this is closed (a subscriber that does not read). */
  maxBufferedBytes?: number;
}

type Id = string | number | null;
type Response = { jsonrpc: '2.0'; id: Id; result: unknown } | { jsonrpc: '2.0'; id: Id; error: RpcErrorShape };

export const HTTP_SESSION = 'http';
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
export const DEFAULT_MAX_BATCH = 1000;

const errorResponse = (id: Id, code: number, message: string): Response => ({ jsonrpc: '2.0', id, error: { code, message } });
const isId = (v: unknown): v is Id => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

async function handleOne(req: unknown, handler: RpcHandler, ctx: RpcCallContext): Promise<Response | undefined> {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return errorResponse(null, RPC.invalidRequest, 'invalid request');
  const r = req as Record<string, unknown>;
  const hasId = Object.hasOwn(r, 'id');
  const id: Id = hasId && isId(r.id) ? r.id : null;
  if (r.jsonrpc !== '2.0') return errorResponse(id, RPC.invalidRequest, 'invalid request: jsonrpc must be "2.0"');
  if (hasId && !isId(r.id)) return errorResponse(null, RPC.invalidRequest, 'invalid request: id must be a string, number or null');
  if (typeof r.method !== 'string') return errorResponse(id, RPC.invalidRequest, 'invalid request: method must be a string');
  // Like geth, params of any shape reach the method, which decodes them (src/api/params.ts: null and
  // absent are no arguments, anything else but an array is "non-array args").
  const params = r.params;
  let response: Response;
  try {
    response = { jsonrpc: '2.0', id, result: (await handler.call(r.method, params, ctx)) ?? null };
  } catch (e) {
    response = { jsonrpc: '2.0', id, error: toRpcError(e).toJSON() };
  }
  return hasId ? response : undefined; // a notification gets no answer, even an error
}

/**
 * One request body, already decoded from bytes, to its answer: a response, an array of them, or
 * undefined when there is nothing to send (only notifications). Batches run in order.
 */
export async function handlePayload(
  text: string,
  handler: RpcHandler,
  ctx: RpcCallContext,
  maxBatch = DEFAULT_MAX_BATCH,
): Promise<Response | Response[] | undefined> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return errorResponse(null, RPC.parseError, 'parse error');
  }
  if (!Array.isArray(body)) return handleOne(body, handler, ctx);
  if (body.length === 0) return errorResponse(null, RPC.invalidRequest, 'invalid request: empty batch');
  if (body.length > maxBatch) return errorResponse(null, RPC.invalidRequest, `invalid request: batch larger than ${maxBatch}`);
  const out: Response[] = [];
  for (const req of body) {
    const r = await handleOne(req, handler, ctx);
    if (r) out.push(r);
  }
  return out.length ? out : undefined;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export class RpcServer {
  readonly #init: Required<RpcServerInit>;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  #sessions = 0;

  constructor(init: RpcServerInit) {
    this.#init = {
      host: '127.0.0.1',
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      maxBatch: DEFAULT_MAX_BATCH,
      allowOrigins: [],
      maxBufferedBytes: 16 * 1024 * 1024,
      ...init,
    };
    this.#http = createServer((req, res) => this.#onHttp(req, res));
    this.#http.on('clientError', (_e, socket) => socket.destroy());
    this.#wss = new WebSocketServer({
      server: this.#http,
      path: '/',
      maxPayload: this.#init.maxBodyBytes,
      verifyClient: ({ req }: { req: IncomingMessage }) => this.#hostAllowed(req) && this.#originAllowed(req),
    });
    this.#wss.on('connection', (ws) => this.#onSocket(ws));
    this.#wss.on('error', () => {}); // errors of the shared HTTP server surface there
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://${this.#init.host}:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.#init.port, this.#init.host, () => {
        this.#http.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate(); // each close ends its session
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    if (!this.#http.listening) return;
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    this.#http.closeAllConnections();
    await closed;
  }

  // A simple cross-origin POST (text/plain) runs without a preflight, so leaving out CORS headers is
  // not enough: requests from origins not on the list are refused before anything runs.
  #originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return this.#init.allowOrigins.includes('*') || this.#init.allowOrigins.includes(origin);
  }

  #cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin === undefined || !this.#originAllowed(req)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Max-Age', '600');
  }

  #send(res: ServerResponse, status: number, body?: unknown): void {
    if (res.headersSent) return;
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    const json = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) }).end(json);
  }

  // DNS rebinding: a page on evil.example whose name later resolves to 127.0.0.1 reaches this port with
  // its own Host header; geth refuses such requests (--http.vhosts), so do we.
  #hostAllowed(req: IncomingMessage): boolean {
    const host = (req.headers.host ?? '').toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    return name === '127.0.0.1' || name === 'localhost' || name === '[::1]' || name === this.#init.host;
  }

  #onHttp(req: IncomingMessage, res: ServerResponse): void {
    this.#cors(req, res);
    if (!this.#hostAllowed(req)) return this.#send(res, 403, errorResponse(null, RPC.invalidRequest, 'invalid host specified'));
    if (!this.#originAllowed(req)) return this.#send(res, 403, errorResponse(null, RPC.invalidRequest, 'origin not allowed'));
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/') return this.#send(res, 404, errorResponse(null, RPC.invalidRequest, 'not found: JSON-RPC is served on /'));
    if (req.method === 'OPTIONS') return this.#send(res, 204);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS');
      return this.#send(res, 405, errorResponse(null, RPC.invalidRequest, 'method not allowed: use POST'));
    }
    const max = this.#init.maxBodyBytes;
    if (Number(req.headers['content-length'] ?? 0) > max) return this.#tooLarge(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) this.#tooLarge(req, res);
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (size > max) return;
      const text = decode(Buffer.concat(chunks));
      if (text === undefined) return this.#send(res, 200, errorResponse(null, RPC.parseError, 'parse error: body is not UTF-8'));
      handlePayload(text, this.#init.handler, { session: HTTP_SESSION }, this.#init.maxBatch).then(
        (out) => (out === undefined ? this.#send(res, 204) : this.#send(res, 200, out)),
        () => this.#send(res, 500, errorResponse(null, RPC.internal, 'internal error')),
      );
    });
  }

  #tooLarge(req: IncomingMessage, res: ServerResponse): void {
    this.#send(res, 413, errorResponse(null, RPC.invalidRequest, `request body too large (limit ${this.#init.maxBodyBytes} bytes)`));
    req.removeAllListeners('data');
    req.resume(); // drain, so the answer reaches the client before the socket closes
    res.on('finish', () => req.socket.destroy());
  }

  #onSocket(ws: WebSocket): void {
    const session = `ws-${++this.#sessions}`;
    const send = (msg: unknown): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > this.#init.maxBufferedBytes) {
        ws.close(1008, 'subscriber too slow');
        return;
      }
      ws.send(JSON.stringify(msg));
    };
    const ctx: RpcCallContext = {
      session,
      notify: (method, params) => send({ jsonrpc: '2.0', method, params }),
    };
    ws.on('error', () => ws.terminate()); // e.g. a frame above maxPayload: ws closes with 1009
    ws.on('close', () => {
      try {
        this.#init.handler.endSession(session);
      } catch {
        // a failing cleanup must not take the server down
      }
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      const text = isBinary ? decode(bytes) : bytes.toString('utf8');
      if (text === undefined) return send(errorResponse(null, RPC.parseError, 'parse error: frame is not UTF-8'));
      handlePayload(text, this.#init.handler, ctx, this.#init.maxBatch).then(
        (out) => out !== undefined && send(out),
        () => send(errorResponse(null, RPC.internal, 'internal error')),
      );
    });
  }
}

