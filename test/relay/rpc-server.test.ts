import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RPC, RpcError } from '../../src/rpc/errors.ts';
import { HTTP_SESSION, RpcServer, type RpcCallContext, type RpcHandler } from '../../relay/rpc-server.ts';

// A fake handler: echo returns its params and session, fail throws, boom throws a non-RPC error,
// sub pushes two notifications through ctx.notify.
class FakeHandler implements RpcHandler {
  ended: string[] = [];
  calls: string[] = [];
  async call(method: string, params: unknown, ctx: RpcCallContext): Promise<unknown> {
    this.calls.push(method);
    switch (method) {
      case 'echo':
        return { params, session: ctx.session };
      case 'fail':
        throw new RpcError(RPC.whisper, 'message rejected, PoW too low');
      case 'boom':
        throw new Error('secret internal detail');
      case 'nothing':
        return undefined;
      case 'sub':
        if (!ctx.notify) throw new RpcError(RPC.whisper, 'notifications not supported');
        setTimeout(() => {
          ctx.notify?.('shh_subscription', { subscription: 'ab', result: 1 });
          ctx.notify?.('shh_subscription', { subscription: 'ab', result: 2 });
        }, 5);
        return 'ab';
      default:
        throw new RpcError(RPC.methodNotFound, `the method ${method} does not exist/is not available`);
    }
  }
  endSession(session: string): void {
    this.ended.push(session);
  }
}

let handler: FakeHandler;
let server: RpcServer;
beforeEach(async () => {
  handler = new FakeHandler();
  server = new RpcServer({ handler, port: 0, maxBodyBytes: 64 * 1024 });
  await server.start();
});
afterEach(async () => {
  await server.stop();
});

const post = async (body: string, init: RequestInit = {}) => {
  const res = await fetch(server.url + '/', { method: 'POST', body, headers: { 'content-type': 'application/json' }, ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
};
const rpc = (method: string, params?: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

describe('RpcServer over HTTP', () => {
  it('listens on 127.0.0.1 with a picked port', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('single request, result, shared http session, no CORS header by default', async () => {
    const r = await post(rpc('echo', ['x'], 'id-1'));
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.json).toEqual({ jsonrpc: '2.0', id: 'id-1', result: { params: ['x'], session: HTTP_SESSION } });
    expect((await post(rpc('nothing'))).json).toEqual({ jsonrpc: '2.0', id: 1, result: null });
    expect((await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'echo' }))).json.result).toEqual({ session: HTTP_SESSION }); // params absent: passed on as absent (geth tells it from [] in shh_subscribe)
  });

  it('handler errors: RpcError passes, others become -32603 without their text', async () => {
    expect((await post(rpc('fail'))).json).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'message rejected, PoW too low' } });
    expect((await post(rpc('nope'))).json.error.code).toBe(-32601);
    const boom = (await post(rpc('boom'))).json;
    expect(boom.error).toEqual({ code: -32603, message: 'internal error' });
  });

  it('batch in order, notifications answered by nothing', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'echo', params: [1] },
      { jsonrpc: '2.0', method: 'echo', params: [2] },
      { jsonrpc: '2.0', id: 3, method: 'fail' },
      5,
    ];
    const r = await post(JSON.stringify(batch));
    expect(r.json).toEqual([
      { jsonrpc: '2.0', id: 1, result: { params: [1], session: 'http' } },
      { jsonrpc: '2.0', id: 3, error: { code: -32000, message: 'message rejected, PoW too low' } },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request' } },
    ]);
    expect(handler.calls).toEqual(['echo', 'echo', 'fail']);
    const n = await post(JSON.stringify({ jsonrpc: '2.0', method: 'fail' }));
    expect(n.status).toBe(204);
    expect((await post(JSON.stringify([{ jsonrpc: '2.0', method: 'echo' }]))).status).toBe(204);
  });

  it.each([
    ['{"jsonrpc":"2.0",', -32700, null],
    ['', -32700, null],
    ['[]', -32600, null],
    ['"hello"', -32600, null],
    ['null', -32600, null],
    ['{"id":1,"method":"echo"}', -32600, 1],
    ['{"jsonrpc":"1.0","id":1,"method":"echo"}', -32600, 1],
    ['{"jsonrpc":"2.0","id":1,"method":5}', -32600, 1],
    ['{"jsonrpc":"2.0","id":{},"method":"echo"}', -32600, null],
    ['{"jsonrpc":"2.0","id":[1],"method":"echo"}', -32600, null],
  ])('bad request %s -> %i', async (body, code, id) => {
    const r = await post(body);
    expect(r.status).toBe(200);
    expect(r.json.id).toBe(id);
    expect(r.json.error.code).toBe(code);
    expect(handler.calls).toEqual([]);
  });

  it('params of any shape reach the method, as in geth (null as absent; the method says "non-array args")', async () => {
    const r = async (params: string) => (await post(`{"jsonrpc":"2.0","id":1,"method":"echo","params":${params}}`)).json.result.params;
    expect(await r('"x"')).toBe('x');
    expect(await r('null')).toBe(null);
    expect(await r('{"a":1}')).toEqual({ a: 1 });
  });

  it('oversized batch and oversized body are clear errors', async () => {
    const big = JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'echo' })));
    expect((await post(big)).json.error.message).toMatch(/batch larger than 1000/);
    const r = await post(rpc('echo', ['x'.repeat(70 * 1024)]));
    expect(r.status).toBe(413);
    expect(r.json.error).toEqual({ code: -32600, message: 'request body too large (limit 65536 bytes)' });
    expect((await post(rpc('echo', [1]))).json.result.params).toEqual([1]); // still serving
  });

  it('refuses a foreign Host header (DNS rebinding), HTTP and WebSocket', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/', headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(rpc('echo'));
    });
    expect(status).toBe(403);
    await expect(open(`ws://127.0.0.1:${server.port}/`, { host: 'evil.example' })).rejects.toThrow(/401/);
    expect(handler.calls).toEqual([]);
    const ok = await open(`ws://localhost:${server.port}/`);
    ok.close();
  });

  it('non-UTF-8 body, preflight, other verbs and paths', async () => {
    const bad = await post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) as unknown as string);
    expect(bad.json.error.code).toBe(-32700);
    // A preflight from a page is refused by default (no browser origin is allowed).
    const pre = await fetch(server.url + '/', { method: 'OPTIONS', headers: { origin: 'https://dapp.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(server.url + '/')).status).toBe(405);
    expect((await fetch(server.url + '/x', { method: 'POST', body: rpc('echo') })).status).toBe(404);
  });
});

const open = (url: string, headers?: Record<string, string>) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
const collect = (ws: WebSocket) => {
  const got: unknown[] = [];
  ws.on('message', (d) => got.push(JSON.parse(String(d))));
  const until = async (n: number) => {
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return got;
  };
  return { got, until };
};

describe('RpcServer over WebSocket', () => {
  it('a session per connection, notifications in geth shape, endSession on close', async () => {
    const a = await open(`ws://127.0.0.1:${server.port}/`);
    const b = await open(`ws://127.0.0.1:${server.port}/`);
    const ca = collect(a);
    const cb = collect(b);
    a.send(rpc('echo', [], 7));
    b.send(rpc('echo', [], 8));
    const [ra] = (await ca.until(1)) as { result: { session: string } }[];
    const [rb] = (await cb.until(1)) as { result: { session: string } }[];
    expect(ra?.result.session).not.toBe(rb?.result.session);
    expect(ra?.result.session).not.toBe(HTTP_SESSION);

    a.send(rpc('sub', ['messages'], 9));
    const msgs = await ca.until(4);
    expect(msgs.slice(1)).toEqual([
      { jsonrpc: '2.0', id: 9, result: 'ab' },
      { jsonrpc: '2.0', method: 'shh_subscription', params: { subscription: 'ab', result: 1 } },
      { jsonrpc: '2.0', method: 'shh_subscription', params: { subscription: 'ab', result: 2 } },
    ]);
    a.close();
    for (let i = 0; i < 100 && handler.ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(handler.ended).toEqual([ra?.result.session]);
    b.close();
  });

  it('http has no notify', async () => {
    expect((await post(rpc('sub', ['messages']))).json.error.message).toBe('notifications not supported');
  });

  it('garbage frames get errors and the connection keeps working', async () => {
    const ws = await open(`ws://127.0.0.1:${server.port}/`);
    const c = collect(ws);
    ws.send('not json');
    ws.send(Buffer.from([0xff, 0xfe]), { binary: true });
    ws.send('[]');
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'echo' })); // notification: no answer
    ws.send(rpc('echo', [1], 2));
    const got = (await c.until(4)) as { error?: { code: number }; result?: unknown }[];
    expect(got.map((g) => g.error?.code ?? 'ok')).toEqual([-32700, -32700, -32600, 'ok']);
    ws.close();
  });

  it('a frame above the body cap closes that socket only', async () => {
    const ws = await open(`ws://127.0.0.1:${server.port}/`);
    const code = await new Promise<number>((resolve) => {
      ws.on('close', (c) => resolve(c));
      ws.on('error', () => {});
      ws.send(rpc('echo', ['x'.repeat(70 * 1024)]));
    });
    expect(code).toBe(1009);
    expect((await post(rpc('echo', [1]))).json.result.params).toEqual([1]);
  });

  it('refuses every browser Origin by default, over HTTP (even a preflight-free text/plain POST) and WebSocket', async () => {
    const calls: string[] = [];
    await server.stop();
    server = new RpcServer({
      handler: { call: async (m, p, c) => (calls.push(m), handler.call(m, p, c)), endSession: (s) => handler.endSession(s) },
      port: 0,
    });
    await server.start();
    await expect(open(`ws://127.0.0.1:${server.port}/`, { origin: 'https://evil.example' })).rejects.toThrow(/401/);
    const r = await fetch(server.url + '/', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: 'https://evil.example' },
      body: rpc('echo'),
    });
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(calls).toEqual([]);
  });

  it('allows exactly the listed origins', async () => {
    await server.stop();
    server = new RpcServer({ handler, port: 0, allowOrigins: ['https://ok.example'] });
    await server.start();
    await expect(open(`ws://127.0.0.1:${server.port}/`, { origin: 'https://evil.example' })).rejects.toThrow(/401/);
    const ok = await open(`ws://127.0.0.1:${server.port}/`, { origin: 'https://ok.example' });
    ok.close();
    const pre = await fetch(server.url + '/', { method: 'OPTIONS', headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
    const r = await fetch(server.url + '/', { method: 'POST', headers: { Origin: 'https://ok.example' }, body: rpc('echo') });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://ok.example');
  });
});
