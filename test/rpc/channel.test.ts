// defineChannel: one typed request/response/event primitive. A toy map served and called over an
// in-memory Port pair (frames structured-cloned as a runtime Port would), and the peer channel's
// event guards.
import { describe, expect, it } from 'vitest';
import { defineChannel, type Handlers, type RequestFrame } from '../../src/rpc/channel.ts';
import { RpcError, whisperFailure } from '../../src/rpc/errors.ts';
import { isObject, isString } from '../../src/rpc/guards.ts';
import { peerChannel } from '../../src/rpc/peer-channel.ts';

interface ToyRequests {
  echo: { params: { text: string }; result: { text: string } };
  fail: { params: { how: 'whisper' | 'type' | 'internal' }; result: null };
  never: { params: Record<string, never>; result: null };
}
interface ToyEvents {
  tick: { n: number };
}

const toy = defineChannel<ToyRequests, ToyEvents>({
  name: 'toy',
  requests: {
    echo: (p): p is { text: string } => isObject(p) && isString(p.text),
    fail: (p): p is { how: 'whisper' | 'type' | 'internal' } => isObject(p) && ['whisper', 'type', 'internal'].includes(p.how as string),
    never: (p): p is Record<string, never> => isObject(p),
  },
  events: { tick: (d): d is { n: number } => isObject(d) && typeof d.n === 'number' },
});

const handlers: Handlers<ToyRequests> = {
  echo: async ({ text }) => ({ text }),
  fail: async ({ how }) => {
    if (how === 'whisper') throw whisperFailure('message rejected, PoW too low');
    if (how === 'type') throw new TypeError('topic must be 4 bytes');
    throw new Error('a secret internal detail');
  },
  never: () => new Promise(() => {}),
};

// @ts-expect-error a handler table missing an op does not compile
const _missing: Handlers<ToyRequests> = { echo: handlers.echo, fail: handlers.fail };
// @ts-expect-error nor does a guard table missing an event
defineChannel<ToyRequests, ToyEvents>({ name: 'x', requests: { echo: toy as never, fail: toy as never, never: toy as never }, events: {} });

/** The two ends over one in-memory Port pair; `dropped` stops delivery to the server. */
function pair(o: { timeoutMs?: number } = {}) {
  const internal: unknown[] = [];
  const server = toy.serve(handlers, {
    mapError: (e) => (e instanceof TypeError ? new RpcError(-32602, e.message) : e),
    onInternal: (e) => internal.push(e),
  });
  const sent: RequestFrame<ToyRequests>[] = [];
  let open = true;
  const caller = toy.caller(
    (frame) => {
      if (!open) throw new Error('Attempting to use a disconnected port object');
      sent.push(frame);
      void server.handle(structuredClone(frame)).then((r) => r && caller.receive(structuredClone(r)));
    },
    { timeoutMs: () => o.timeoutMs ?? 5000, unreachable: (why) => new RpcError(4900, `unreachable: ${why}`) },
  );
  return { server, caller, sent, internal, close: () => void (open = false) };
}

describe('defineChannel', () => {
  it('answers a request with its typed result, and failures with {code, message} only', async () => {
    const { caller, internal } = pair();
    expect(await caller.request('echo', { text: 'hi' })).toEqual({ text: 'hi' });
    await expect(caller.request('fail', { how: 'whisper' })).rejects.toMatchObject({ code: -32000, message: 'message rejected, PoW too low' });
    await expect(caller.request('fail', { how: 'type' })).rejects.toMatchObject({ code: -32602, message: 'topic must be 4 bytes' });
    const hidden = await caller.request('fail', { how: 'internal' }).catch((e: RpcError) => e);
    expect(hidden).toMatchObject({ code: -32603, message: 'internal error' });
    expect(internal).toHaveLength(1);
  });

  it('validates unknown input before any handler runs: frame, op, then params', async () => {
    const { server } = pair();
    expect(await server.handle({ kind: 'request', id: 1, op: 'nope', params: {} })).toEqual({ kind: 'response', id: 1, error: { code: -32600, message: 'invalid toy frame' } });
    expect(await server.handle({ kind: 'request', id: 2, op: 'echo' })).toMatchObject({ id: 2, error: { code: -32600 } });
    expect(await server.handle({ kind: 'request', id: 3, op: 'echo', params: { text: 7 } })).toEqual({ kind: 'response', id: 3, error: { code: -32602, message: 'invalid params for echo' } });
    expect(await server.handle({ kind: 'request', id: 4, op: 'toString', params: {} })).toMatchObject({ error: { code: -32600 } }); // inherited names are no ops
    for (const junk of [null, 'echo', 7, { kind: 'request', id: -1, op: 'echo', params: { text: '' } }, { kind: 'event', event: 'tick', data: { n: 1 } }]) expect(await server.handle(junk)).toBeUndefined();
    await expect(server.request('echo', { text: ['x'] })).rejects.toMatchObject({ code: -32602 });
    await expect(server.request('__proto__' as never, {})).rejects.toMatchObject({ code: -32601 });
  });

  it('fails a request that cannot be sent, is never answered, or is pending when the Port drops', async () => {
    const a = pair({ timeoutMs: 30 });
    await expect(a.caller.request('never', {})).rejects.toMatchObject({ code: 4900, message: 'unreachable: no answer to never' });
    const b = pair();
    const pending = b.caller.request('never', {});
    b.caller.failAll('port dropped');
    await expect(pending).rejects.toMatchObject({ code: 4900, message: 'unreachable: port dropped' });
    b.close();
    await expect(b.caller.request('echo', { text: 'x' })).rejects.toMatchObject({ code: 4900, message: 'unreachable: port closed' });
    expect(b.caller.receive({ kind: 'response', id: 1, result: null })).toBe(true); // late answer: ignored
  });

  it('delivers events whose data passes the guard, and drops the rest', () => {
    const { caller } = pair();
    const ticks: number[] = [];
    const off = caller.on('tick', (d) => ticks.push(d.n));
    expect(caller.receive(toy.event('tick', { n: 1 }))).toBe(true);
    expect(caller.receive({ kind: 'event', event: 'tick', data: { n: 'two' } })).toBe(true);
    expect(caller.receive({ kind: 'event', event: 'tock', data: { n: 3 } })).toBe(false);
    expect(caller.receive({ kind: 'hello' })).toBe(false);
    off();
    caller.receive(toy.event('tick', { n: 4 }));
    expect(ticks).toEqual([1]);
  });
});

describe('defineChannel: context, admit and a JSON-RPC wire', () => {
  // A channel named the way the page's is: `method`, any name, params optional and left to the guard.
  const rpc = defineChannel<{ echo: { params: unknown[] | undefined; result: unknown } }, ToyEvents, 'method'>({
    name: 'rpc',
    requests: { echo: (p): p is unknown[] | undefined => p === undefined || Array.isArray(p) },
    events: { tick: (d): d is { n: number } => isObject(d) && typeof d.n === 'number' },
    wire: { key: 'method', op: (m): m is string => typeof m === 'string' && m.length <= 8, params: () => true },
  });
  const serve = (seen: unknown[]) =>
    rpc.serve<{ who: string }>(
      { echo: async (params, ctx) => (seen.push([params, ctx.who]), ctx.who === 'quiet' ? undefined : { params, who: ctx.who }) },
      {
        admit: (method, ctx) => {
          if (ctx.who === 'stranger') throw new RpcError(4100, `${ctx.who} may not call ${method}`);
          if (method === 'data') throw new RpcError(4001, 'later', { retryAfterMs: 5 });
        },
        unknownOpCode: 4200,
      },
    );

  it('hands the transport its context: admit and every handler see who asks', async () => {
    const seen: unknown[] = [];
    const s = serve(seen);
    expect(await s.handle({ kind: 'request', id: 1, method: 'echo', params: [1] }, { who: 'a' })).toEqual({ kind: 'response', id: 1, result: { params: [1], who: 'a' } });
    expect(await s.handle({ kind: 'request', id: 2, method: 'echo' }, { who: 'b' })).toEqual({ kind: 'response', id: 2, result: { params: undefined, who: 'b' } });
    // A result that is undefined crosses as null: a JSON Port would drop it, leaving a response of neither.
    expect(await s.handle({ kind: 'request', id: 3, method: 'echo', params: [] }, { who: 'quiet' })).toEqual({ kind: 'response', id: 3, result: null });
    expect(seen).toEqual([[[1], 'a'], [undefined, 'b'], [[], 'quiet']]);
  });

  it('admits before anything else: unknown names and bad params of a refused caller get the refusal', async () => {
    const seen: unknown[] = [];
    const s = serve(seen);
    expect(await s.handle({ kind: 'request', id: 1, method: 'echo', params: 'x' }, { who: 'stranger' })).toEqual({ kind: 'response', id: 1, error: { code: 4100, message: 'stranger may not call echo' } });
    expect(await s.handle({ kind: 'request', id: 2, method: 'nope' }, { who: 'stranger' })).toMatchObject({ error: { code: 4100 } });
    // An open wire takes any name: an unknown one is the server's to refuse, not a malformed frame.
    expect(await s.handle({ kind: 'request', id: 3, method: 'nope' }, { who: 'a' })).toEqual({ kind: 'response', id: 3, error: { code: 4200, message: 'unknown op nope' } });
    expect(await s.handle({ kind: 'request', id: 4, method: 'echo', params: 'x' }, { who: 'a' })).toMatchObject({ error: { code: -32602, message: 'invalid params for echo' } });
    // An error's data crosses with it.
    expect(await s.handle({ kind: 'request', id: 5, method: 'data' }, { who: 'a' })).toEqual({ kind: 'response', id: 5, error: { code: 4001, message: 'later', data: { retryAfterMs: 5 } } });
    // The wire's own rules: the key is `method` (an `op` is no request), names are bounded.
    expect(await s.handle({ kind: 'request', id: 6, op: 'echo', params: [] }, { who: 'a' })).toEqual({ kind: 'response', id: 6, error: { code: -32600, message: 'invalid rpc frame' } });
    expect(await s.handle({ kind: 'request', id: 7, method: 'x'.repeat(9) }, { who: 'a' })).toMatchObject({ error: { code: -32600 } });
    expect(seen).toEqual([]);
  });

  it('defines its frames once: isRequest, isResponse, isEvent (data guarded)', () => {
    expect(rpc.isRequest({ kind: 'request', id: 0, method: 'anything' })).toBe(true);
    for (const f of [{ kind: 'request', id: -1, method: 'echo' }, { kind: 'request', id: 1.5, method: 'echo' }, { kind: 'request', method: 'echo' }, { kind: 'request', id: 1, method: 7 }, { kind: 'request', id: 1, op: 'echo', params: {} }, { kind: 'response', id: 1, result: 1 }])
      expect(rpc.isRequest(f), JSON.stringify(f)).toBe(false);
    expect(rpc.isResponse({ kind: 'response', id: 1, result: null })).toBe(true);
    expect(rpc.isResponse({ kind: 'response', id: 1, error: { code: 1, message: 'm', data: 2 } })).toBe(true);
    for (const f of [{ kind: 'response', id: 1 }, { kind: 'response', id: 1, error: { code: 'x', message: 'm' } }, { kind: 'response', id: -1, result: 1 }, { kind: 'event', event: 'tick', data: { n: 1 } }])
      expect(rpc.isResponse(f), JSON.stringify(f)).toBe(false);
    expect(rpc.isEvent(rpc.event('tick', { n: 1 }))).toBe(true);
    for (const f of [{ kind: 'event', event: 'tick', data: { n: '1' } }, { kind: 'event', event: 'tock', data: { n: 1 } }, { kind: 'event', event: 'toString', data: { n: 1 } }])
      expect(rpc.isEvent(f), JSON.stringify(f)).toBe(false);
  });

  it('a caller of such a channel names its requests with the key, and fails a malformed answer at once', async () => {
    const posted: unknown[] = [];
    const c = rpc.caller((f) => void posted.push(f), { timeoutMs: () => 60_000, unreachable: (w) => new Error(w) });
    const answer = c.request('echo', [1]);
    expect(posted).toEqual([{ kind: 'request', id: 1, method: 'echo', params: [1] }]);
    expect(c.receive({ kind: 'response', id: 1, error: { code: 'not a code' } })).toBe(true);
    await expect(answer).rejects.toMatchObject({ code: -32603, message: 'rpc error' });
  });
});

describe('the peer channel', () => {
  it("checks each event's data before the background sees it", () => {
    const c = peerChannel.caller(() => {}, { timeoutMs: () => 1000, unreachable: (w) => new Error(w) });
    const seen: unknown[] = [];
    for (const e of ['envelope', 'status', 'sealProgress'] as const) c.on(e, (d) => seen.push(d));
    const status = { started: true, peerId: 'p', peers: 1, relays: [{ addr: '/ip4/127.0.0.1/tcp/1/ws', connected: true }], envelopes: 0, bytes: 0, minPow: 0.2, maxSize: 1024 };
    const good = [
      peerChannel.event('envelope', { rlp: '0x00', size: 1, p2p: false }),
      peerChannel.event('envelope', { size: 1, p2p: true }),
      peerChannel.event('status', status),
      peerChannel.event('sealProgress', { sealId: 's', hashes: 1, bestPow: 0.5, elapsedMs: 3 }),
    ];
    const bad = [
      { kind: 'event', event: 'envelope', data: { rlp: 'zz', p2p: false } },
      { kind: 'event', event: 'envelope', data: { rlp: '0x00' } },
      { kind: 'event', event: 'status', data: { ...status, relays: [{ addr: 1 }] } },
      { kind: 'event', event: 'sealProgress', data: { sealId: 's' } },
    ];
    for (const f of [...good, ...bad]) c.receive(f);
    expect(seen).toEqual(good.map((f) => f.data));
  });
});
