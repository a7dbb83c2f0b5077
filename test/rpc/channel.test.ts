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
