import { TypedEventEmitter } from '@libp2p/interface';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import type { Envelope, EnvelopeParams } from '../../src/core/envelope.ts';
import { WhisperError } from '../../src/core/errors.ts';
import type { PoolSealOptions } from '../../src/core/pow-pool.ts';
import type { VerifiedEnvelope } from '../../src/core/validate.ts';
import type { QueriedService } from '../../src/api/node-queries.ts';
import type { ConfigureParams, PeerHostEvents } from '../../src/peer/peer-host.ts';
import { nonceHex, PeerServer, type PeerService } from '../../src/peer/peer-server.ts';
import { inProcessChannel } from '../../src/peer/in-process-channel.ts';
import type { PeerFrame, PeerStatus } from '../../src/rpc/peer.ts';
import { makeVerified } from '../core/fixtures.ts';
import { fakeWhisperService, type FakeWhisperService } from '../api/fake-service.ts';
import { randomBytes } from '@noble/hashes/utils.js';
import { rolesOf } from '../../src/api/node.ts';
import { ShhApi } from '../../src/api/shh.ts';
import { NodeProxy } from '../../src/background/node-proxy.ts';

const STATUS: PeerStatus = { started: true, peerId: '12D3Koo', peers: 1, relays: [], envelopes: 0, bytes: 0, minPow: 0.2, maxSize: 65536 };

class FakeService extends TypedEventEmitter<PeerHostEvents> implements PeerService {
  posted: Uint8Array[] = [];
  postError: unknown;
  seals: Array<{ params: EnvelopeParams; opts: PoolSealOptions; resolve: (e: Envelope) => void; reject: (e: unknown) => void }> = [];
  held: VerifiedEnvelope[] = [];
  configured: ConfigureParams[] = [];

  async post(rlp: Uint8Array) {
    if (this.postError) throw this.postError;
    this.posted.push(rlp);
    return { hash: new Uint8Array(32).fill(7) };
  }
  seal(params: EnvelopeParams, opts: PoolSealOptions) {
    return new Promise<Envelope>((resolve, reject) => {
      this.seals.push({ params, opts, resolve, reject });
      opts.signal?.addEventListener('abort', () => reject(new WhisperError('aborted', 'seal aborted')));
    });
  }
  envelopes() {
    return this.held;
  }
  status() {
    return STATUS;
  }
  /** The Whisper service the node queries read (undefined: stopped), and how often it was asked for. */
  running: FakeWhisperService | undefined = fakeWhisperService(1);
  asked = 0;
  whisper(): QueriedService | undefined {
    this.asked++;
    return this.running;
  }
  async configure(c: ConfigureParams) {
    if (c.minPow !== undefined && c.minPow < 0) throw new RangeError('minPow must be a finite number >= 0');
    this.configured.push(c);
    return STATUS;
  }
}

function setup(progressMs = 250) {
  const service = new FakeService();
  const events: PeerFrame[] = [];
  let t = 0;
  const server = new PeerServer(service, { emit: (f) => events.push(f), progressMs, now: () => t });
  server.start();
  const req = (op: string, params: unknown, id = 1) => server.handle({ kind: 'request', id, op, params });
  return { service, server, events, req, tick: (ms: number) => (t += ms) };
}

const sealParams = { sealId: 's1', expiry: 1_700_000_050, ttl: 50, topic: '0x01020304', data: '0xdeadbeef', target: 2, timeMs: 1000 };

describe('PeerServer: requests', () => {
  it('post decodes the hex, answers the hash in hex', async () => {
    const { service, req } = setup();
    const e = makeVerified();
    expect(await req('post', { rlp: toHex(e.rlp) }, 5)).toEqual({ kind: 'response', id: 5, result: { hash: toHex(new Uint8Array(32).fill(7)) } });
    expect(service.posted).toEqual([e.rlp]);
  });

  it('maps failures to {code, message}: Whisper -32000 with the text, misuse -32602, others -32603', async () => {
    const { service, req } = setup();
    service.postError = new WhisperError('low-pow', 'message rejected, PoW too low');
    expect(await req('post', { rlp: '0x00' })).toEqual({ kind: 'response', id: 1, error: { code: -32000, message: 'message rejected, PoW too low' } });
    service.postError = new Error('disk on fire');
    expect(await req('post', { rlp: '0x00' })).toMatchObject({ error: { code: -32603 } });
    expect(await req('configure', { minPow: -1 })).toMatchObject({ error: { code: -32602 } });
  });

  it('answers bad frames with -32600 when they have an id, drops them otherwise, ignores keepalive', async () => {
    const { service, server } = setup();
    expect(await server.handle({ kind: 'request', id: 3, op: 'nope', params: {} })).toEqual({ kind: 'response', id: 3, error: { code: -32600, message: 'invalid peer frame' } });
    expect(await server.handle({ kind: 'request', id: 4, op: 'post' })).toMatchObject({ id: 4, error: { code: -32600 } });
    expect(await server.handle({ id: -1 })).toBeUndefined();
    expect(await server.handle(null)).toBeUndefined();
    expect(await server.handle('post')).toBeUndefined();
    expect(await server.handle({ kind: 'keepalive' })).toBeUndefined();
    expect(await server.handle({ kind: 'request', id: 2, op: 'post', params: {}, __proto__: null })).toMatchObject({ error: { code: -32602 } });
    expect(service.posted).toEqual([]);
  });

  it.each([
    ['post', { rlp: 'deadbeef' }],
    ['post', { rlp: '0xDEAD' }],
    ['post', { rlp: '0xabc' }],
    ['post', { rlp: 5 }],
    ['seal', { ...sealParams, topic: '0x010203' }],
    ['seal', { ...sealParams, expiry: -1 }],
    ['seal', { ...sealParams, expiry: 2 ** 32 }],
    ['seal', { ...sealParams, ttl: 0 }],
    ['seal', { ...sealParams, data: 'xyz' }],
    ['seal', { ...sealParams, target: Number.NaN }],
    ['seal', { ...sealParams, sealId: 7 }],
    ['configure', { relays: '/ip4/1.2.3.4/tcp/1/ws' }],
    ['configure', { maxSize: '1' }],
  ])('%s refuses params %j with -32602', async (op, params) => {
    const { service, req } = setup();
    expect(await req(op, params)).toMatchObject({ error: { code: -32602 } });
    expect(service.posted.length + service.seals.length + service.configured.length).toBe(0);
  });

  it('envelopes lists the live rlps in hex; status and configure pass through', async () => {
    const { service, req } = setup();
    const a = makeVerified({ now: 1_700_000_000 });
    const b = makeVerified({ now: 1_700_000_001 });
    service.held = [a, b];
    expect(await req('envelopes', {})).toMatchObject({ result: { rlps: [toHex(a.rlp), toHex(b.rlp)] } });
    expect(await req('status', {})).toMatchObject({ result: STATUS });
    expect(await req('configure', { relays: ['/dns4/relay.example/tcp/443/wss'], minPow: 1 })).toMatchObject({ result: STATUS });
    expect(service.configured).toEqual([{ relays: ['/dns4/relay.example/tcp/443/wss'], minPow: 1 }]);
  });

  it('a stopped server answers 4900', async () => {
    const { server, req } = setup();
    server.stop();
    expect(await req('status', {})).toMatchObject({ error: { code: 4900 } });
  });
});

describe('PeerServer: seal', () => {
  it('decodes the params, answers the nonce as 16 hex digits, throttles progress events', async () => {
    const { service, req, events, tick } = setup(250);
    const answer = req('seal', sealParams);
    await Promise.resolve();
    const s = service.seals[0]!;
    expect(s.params).toEqual({ expiry: 1_700_000_050, ttl: 50, topic: fromHex('01020304', false), data: fromHex('deadbeef', false) });
    expect(s.opts).toMatchObject({ target: 2, timeMs: 1000 });
    for (let i = 1; i <= 5; i++) {
      s.opts.onProgress?.({ hashes: i * 100, bestPow: i, elapsedMs: i * 100 });
      tick(100);
    }
    // t = 0, 100, 200, 300, 400: events at 0 and 300 only
    expect(events).toEqual([
      { kind: 'event', event: 'sealProgress', data: { sealId: 's1', hashes: 100, bestPow: 1, elapsedMs: 100 } },
      { kind: 'event', event: 'sealProgress', data: { sealId: 's1', hashes: 400, bestPow: 4, elapsedMs: 400 } },
    ]);
    s.resolve({ ...s.params, nonce: 276n });
    expect(await answer).toEqual({ kind: 'response', id: 1, result: { nonce: '0x0000000000000114' } });
    expect(nonceHex(0xffff_ffff_ffff_ffffn)).toBe('0xffffffffffffffff');
  });

  it('cancelSeal aborts the running seal; a second seal with a running id is refused', async () => {
    const { service, req } = setup();
    const answer = req('seal', sealParams, 1);
    await Promise.resolve();
    expect(await req('seal', sealParams, 2)).toMatchObject({ id: 2, error: { code: -32602 } });
    expect(await req('cancelSeal', { sealId: 's1' }, 3)).toEqual({ kind: 'response', id: 3, result: null });
    expect(await answer).toEqual({ kind: 'response', id: 1, error: { code: -32000, message: 'seal aborted' } });
    expect(service.seals[0]!.opts.signal?.aborted).toBe(true);
    // the id is free again; cancelling an unknown id is harmless
    expect(await req('cancelSeal', { sealId: 'nobody' }, 4)).toMatchObject({ result: null });
    void req('seal', sealParams, 5);
    await Promise.resolve();
    expect(service.seals).toHaveLength(2);
  });
});

describe('PeerServer: events', () => {
  it('turns host envelope and status events into event frames while started', async () => {
    const { service, server, events, req } = setup();
    await req('watch', {}); // every topic
    const e = makeVerified();
    service.safeDispatchEvent('envelope', { detail: e });
    service.safeDispatchEvent('status', { detail: STATUS });
    server.stop();
    service.safeDispatchEvent('envelope', { detail: e });
    expect(events).toEqual([
      { kind: 'event', event: 'envelope', data: { rlp: toHex(e.rlp), size: e.rlp.length, p2p: false } },
      { kind: 'event', event: 'status', data: STATUS },
    ]);
  });

  it('sends envelope bytes only for watched topics (none until told), and the back-fill by topic', async () => {
    const { service, events, req } = setup();
    const a = makeVerified({ topic: Uint8Array.of(1, 2, 3, 4) });
    const b = makeVerified({ topic: Uint8Array.of(5, 6, 7, 8) });
    service.held = [a, b];
    service.safeDispatchEvent('envelope', { detail: a }); // nothing watched yet: only its size
    expect(await req('watch', { topics: ['0x01020304'] })).toEqual({ kind: 'response', id: 1, result: null });
    service.safeDispatchEvent('envelope', { detail: a });
    service.safeDispatchEvent('envelope', { detail: b });
    expect(events.map((f) => (f as { data: unknown }).data)).toEqual([
      { size: a.rlp.length, p2p: false },
      { rlp: toHex(a.rlp), size: a.rlp.length, p2p: false },
      { size: b.rlp.length, p2p: false },
    ]);
    expect(await req('envelopes', { topics: ['0x05060708'] })).toMatchObject({ result: { rlps: [toHex(b.rlp)] } });
    expect(await req('envelopes', { topics: [] })).toMatchObject({ result: { rlps: [] } });
    expect(await req('envelopes', {})).toMatchObject({ result: { rlps: [toHex(a.rlp), toHex(b.rlp)] } });
    for (const bad of [{ topics: ['0x0102'] }, { topics: '0x01020304' }, { topics: ['0X01020304'] }])
      expect(await req('watch', bad)).toMatchObject({ error: { code: -32602 } });
  });
});

describe('PeerServer: node queries', () => {
  it("answers each query from the Whisper service running now, in the page's format", async () => {
    const { service, req } = setup();
    expect(await req('net_peerCount', [], 2)).toEqual({ kind: 'response', id: 2, result: '0x1' });
    service.running!.peer.peerCount = 26;
    expect(await req('net_peerCount', [])).toMatchObject({ result: '0x1a' });
    expect(await req('net_listening', [])).toMatchObject({ result: true });
    service.running!.peer.node.status = 'stopping';
    expect(await req('net_listening', [])).toMatchObject({ result: false });
    service.running = undefined; // the network restarting after configure
    expect(await req('net_peerCount', [])).toMatchObject({ result: '0x0' });
    expect(await req('net_listening', [])).toMatchObject({ result: false });
  });

  it("refuses a query's bad params with -32602 before the service is asked", async () => {
    const { service, req } = setup();
    for (const bad of [[1], ['x'], {}, [[]]]) expect(await req('net_peerCount', bad)).toMatchObject({ error: { code: -32602, message: 'invalid params for net_peerCount' } });
    expect(await req('net_listening', [true])).toMatchObject({ error: { code: -32602 } });
    expect(service.asked).toBe(0);
    expect(await req('net_peerCount', [])).toMatchObject({ result: '0x1' });
    expect(service.asked).toBe(1);
  });

  it('reaches a page: the shh_* API over NodeProxy over the channel asks the service', async () => {
    const service = new FakeService();
    let server: PeerServer | undefined;
    const { channel, deliver } = inProcessChannel(() => server);
    server = new PeerServer(service, { emit: deliver });
    server.start();
    const node = new NodeProxy({ channel, randomBytes });
    const api = new ShhApi({ node: rolesOf(node), randomBytes });
    service.running!.peer.peerCount = 3;
    expect(await api.call('net_peerCount', [], { session: 's' })).toBe('0x3');
    expect(await api.call('net_listening', null, { session: 's' })).toBe(true);
    // geth's arity check, in geth's words, before anything crosses the channel.
    await expect(api.call('net_peerCount', [1], { session: 's' })).rejects.toMatchObject({ code: -32602, message: 'too many arguments, want at most 0' });
    expect(service.asked).toBe(2);
  });
});

describe('in-process channel (Firefox)', () => {
  it('requests resolve to results, failures reject with code and message, events reach listeners', async () => {
    const service = new FakeService();
    let server: PeerServer | undefined;
    const { channel, deliver } = inProcessChannel(() => server);
    await expect(channel.request('status', {})).rejects.toMatchObject({ code: 4900 });
    server = new PeerServer(service, { emit: deliver });
    server.start();
    expect(await channel.request('status', {})).toEqual(STATUS);
    service.postError = new WhisperError('duplicate', 'failed to add envelope: already known');
    await expect(channel.request('post', { rlp: '0x00' })).rejects.toMatchObject({ code: -32000, message: 'failed to add envelope: already known' });
    await expect(channel.request('post', { rlp: 'zz' } as never)).rejects.toMatchObject({ code: -32602 });
    const got: unknown[] = [];
    expect(await channel.request('watch', {})).toBeNull();
    const off = channel.on('envelope', (d) => got.push(d));
    const e = makeVerified();
    service.safeDispatchEvent('envelope', { detail: e });
    off();
    service.safeDispatchEvent('envelope', { detail: e });
    expect(got).toEqual([{ rlp: toHex(e.rlp), size: e.rlp.length, p2p: false }]);
  });
});
