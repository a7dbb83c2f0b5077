// window.shh's provider logic (docs/PROTOCOL.md §4) in Node with a fake channel: argument checks that never
// reach the extension, JSON normalisation, EIP-1193 errors, web3.js send/sendAsync shapes and batches,
// events, 4900 for undeliverable requests, and independence from page overrides of built-ins.
import { describe, expect, it } from 'vitest';
import { createProvider } from '../../src/inpage/provider.ts';
import type { PageRequest } from '../../src/rpc/page.ts';

function setup() {
  const sent: PageRequest[] = [];
  const parts = createProvider((f) => void (sent[sent.length] = f)); // not push: a test overrides it
  /** Answers the i-th sent frame. */
  const answer = (i: number, body: { result: unknown } | { error: { code: number; message: string; data?: unknown } }) =>
    parts.onFrame({ kind: 'response', id: (sent[i] as PageRequest).id, ...body });
  return { ...parts, sent, answer };
}
const tick = () => new Promise((r) => setTimeout(r, 0));
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: number }) => e.code);

describe('request: arguments', () => {
  const cases: [string, unknown, number][] = [
    ['no argument', undefined, -32600],
    ['null', null, -32600],
    ['a string', 'shh_version', -32600],
    ['an array', [{ method: 'shh_version' }], -32600],
    ['method missing', { params: [] }, -32600],
    ['method not a string', { method: 5 }, -32600],
    ['empty method', { method: '' }, -32600],
    ['method too long', { method: 'x'.repeat(129) }, -32600],
    ['params a number', { method: 'shh_post', params: 5 }, -32602],
    ['params a string', { method: 'shh_post', params: 'a' }, -32602],
    ['params null', { method: 'shh_post', params: null }, -32602],
    ['params with a BigInt', { method: 'shh_post', params: [{ ttl: 1n }] }, -32602],
    ['cyclic params', { method: 'shh_post', params: (() => { const a: unknown[] = []; a.push(a); return a; })() }, -32602],
    ['params too large', { method: 'shh_post', params: ['x'.repeat(2 * 1024 * 1024)] }, -32600],
  ];
  it.each(cases)('%s -> %i, nothing sent', async (_name, args, code) => {
    const { provider, sent } = setup();
    const p = provider.request(args as { method: string });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code: number }).code).toBe(code);
    expect(sent).toEqual([]);
  });

  it('valid requests cross as JSON data with fresh ids; getters run once', async () => {
    const { provider, sent, answer } = setup();
    let reads = 0;
    const params = [{ get topic() { reads++; return '0x01020304'; }, skip: undefined, f: () => 1 }];
    const p1 = provider.request({ method: 'shh_post', params });
    const p2 = provider.request({ method: 'shh_version' });
    expect(reads).toBe(1);
    expect(sent).toEqual([
      { kind: 'request', id: 1, method: 'shh_post', params: [{ topic: '0x01020304' }] },
      { kind: 'request', id: 2, method: 'shh_version' },
    ]);
    answer(1, { result: '6.0' });
    answer(0, { error: { code: -32000, message: 'message rejected, PoW too low', data: { x: 1 } } });
    await expect(p2).resolves.toBe('6.0');
    const err = (await p1.catch((e: unknown) => e)) as Error & { code: number; data: unknown };
    expect(err).toBeInstanceOf(Error);
    expect([err.code, err.message, err.data]).toEqual([-32000, 'message rejected, PoW too low', { x: 1 }]);
  });

  it('works unbound and ignores answers for unknown or settled ids', async () => {
    const { provider, sent, answer, onFrame } = setup();
    const { request } = provider;
    const p = request({ method: 'shh_version' });
    onFrame({ kind: 'response', id: 99, result: 'nope' });
    answer(0, { result: '6.0' });
    answer(0, { result: 'again' });
    await expect(p).resolves.toBe('6.0');
    expect(sent).toHaveLength(1);
  });

  it('undeliverable requests reject with 4900', async () => {
    const { provider, sent, onDropped } = setup();
    const p = provider.request({ method: 'shh_version' });
    onDropped(sent[0] as PageRequest);
    expect(await codeOf(p)).toBe(4900);
  });

  it('page overrides of JSON, Promise and Array methods after load change nothing', async () => {
    const { provider, sent, answer } = setup();
    const saved = { stringify: JSON.stringify, parse: JSON.parse, push: Array.prototype.push, P: globalThis.Promise };
    let touched = 0;
    let p: Promise<unknown>;
    try {
      // only provider code runs while the built-ins are replaced (expect itself uses them)
      JSON.stringify = () => (touched++, '"evil"');
      JSON.parse = () => (touched++, 'evil');
      Array.prototype.push = function () { touched++; return 0; };
      p = provider.request({ method: 'shh_getPublicKey', params: ['ab'] });
      answer(0, { result: '0x04' });
    } finally {
      Object.assign(JSON, { stringify: saved.stringify, parse: saved.parse });
      Array.prototype.push = saved.push;
    }
    expect(sent[0]).toEqual({ kind: 'request', id: 1, method: 'shh_getPublicKey', params: ['ab'] });
    expect(p).toBeInstanceOf(saved.P);
    await expect(p).resolves.toBe('0x04');
    expect(touched).toBe(0);
  });
});

describe('send / sendAsync (web3.js 1.x)', () => {
  it('sendAsync answers a full response with the caller id, errors as members', async () => {
    const { provider, sent, answer } = setup();
    const got: unknown[] = [];
    provider.sendAsync({ jsonrpc: '2.0', id: 'a', method: 'shh_version', params: [] }, (e, r) => got.push([e, r]));
    provider.sendAsync({ jsonrpc: '2.0', id: 7, method: 'shh_newKeyPair' }, (e, r) => got.push([e, r]));
    answer(0, { result: '6.0' });
    answer(1, { error: { code: 4100, message: 'Unauthorized' } });
    await tick();
    expect(got).toEqual([
      [null, { jsonrpc: '2.0', id: 'a', result: '6.0' }],
      [null, { jsonrpc: '2.0', id: 7, error: { code: 4100, message: 'Unauthorized' } }],
    ]);
  });

  it('batches answer an array in request order, bad items in place', async () => {
    const { provider, sent, answer } = setup();
    let got: unknown;
    provider.send([{ id: 1, method: 'a' }, 42, { id: 3, method: 'b' }, { id: 4 }], (_e: unknown, r: unknown) => (got = r));
    expect(sent.map((f) => f.method)).toEqual(['a', 'b']);
    answer(1, { result: 'B' });
    answer(0, { result: 'A' });
    await tick();
    expect(got).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'A' },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid request' } },
      { jsonrpc: '2.0', id: 3, result: 'B' },
      { jsonrpc: '2.0', id: 4, error: { code: -32600, message: 'Invalid request: method must be a non-empty string' } },
    ]);
  });

  it('an empty batch is one invalid-request response', async () => {
    const { provider } = setup();
    await expect(provider.send([])).resolves.toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('send(method, params) resolves to the bare result; send(payload) to the response', async () => {
    const { provider, sent, answer } = setup();
    const a = provider.send('shh_hasSymKey', ['00']);
    const b = provider.send({ id: 5, method: 'shh_version' });
    expect(sent[0]).toMatchObject({ method: 'shh_hasSymKey', params: ['00'] });
    answer(0, { result: false });
    answer(1, { result: '6.0' });
    await expect(a).resolves.toBe(false);
    await expect(b).resolves.toEqual({ jsonrpc: '2.0', id: 5, result: '6.0' });
  });

  it('sendAsync without a callback is a TypeError', () => {
    const { provider } = setup();
    expect(() => provider.sendAsync({ id: 1, method: 'x' }, undefined as never)).toThrow(TypeError);
  });
});

describe('events', () => {
  it('a subscription message is emitted as message and data', async () => {
    const { provider, onFrame } = setup();
    const seen: unknown[] = [];
    provider.on('message', (m) => seen.push(['message', m])).on('data', (d) => seen.push(['data', d]));
    onFrame({ kind: 'event', event: 'shh_subscription', data: { subscription: 's1', result: { hash: '0x01' } } });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([
      ['message', { type: 'eth_subscription', data: { subscription: 's1', result: { hash: '0x01' } } }],
      ['data', { jsonrpc: '2.0', method: 'shh_subscription', params: { subscription: 's1', result: { hash: '0x01' } } }],
    ]);
  });

  it('a notification right behind the shh_subscribe response reaches a listener registered in a setTimeout(0) callback (web3.js with a process polyfill)', async () => {
    const { provider, onFrame } = setup();
    const known = new Set<unknown>();
    const got: unknown[] = [];
    provider.on('message', (m) => {
      const d = (m as { data: { subscription: string; result: unknown } }).data;
      if (known.has(d.subscription)) got.push(d.result);
    });
    // web3's callbackify: resolve -> process.nextTick (setTimeout 0 in the npm polyfill) -> register the id
    void provider.request({ method: 'shh_subscribe', params: ['messages', {}] }).then((id) => setTimeout(() => known.add(id), 0));
    onFrame({ kind: 'response', id: 1, result: '0xs1' });
    await Promise.resolve(); // the response's settlement runs before the next frame arrives
    onFrame({ kind: 'event', event: 'shh_subscription', data: { subscription: '0xs1', result: { hash: '0x01' } } });
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual([{ hash: '0x01' }]);
  });

  it('on / once / removeListener follow EventEmitter semantics', () => {
    const { provider, onFrame } = setup();
    const seen: string[] = [];
    const a = () => seen.push('a');
    const b = () => seen.push('b');
    provider.on('connect', a);
    provider.once('connect', b);
    provider.on('disconnect', a);
    provider.removeListener('disconnect', a);
    onFrame({ kind: 'event', event: 'connect', data: {} });
    onFrame({ kind: 'event', event: 'connect', data: {} });
    onFrame({ kind: 'event', event: 'disconnect', data: {} });
    expect(seen).toEqual(['a', 'b', 'a']);
    expect(() => provider.on('connect', 'nope' as never)).toThrow(TypeError);
  });

  it('malformed frames are ignored', () => {
    const { provider, onFrame } = setup();
    const seen: unknown[] = [];
    provider.on('connect', (x) => seen.push(x));
    for (const f of [null, 1, 'x', [], { kind: 'event' }, { kind: 'event', event: 5 }, { kind: 'other', event: 'connect' }]) onFrame(f);
    expect(seen).toEqual([]);
  });

  it('the provider is frozen and flags itself', () => {
    const { provider } = setup();
    expect(Object.isFrozen(provider)).toBe(true);
    expect(Object.isFrozen(provider.request)).toBe(true);
    expect(provider.isWhisper).toBe(true);
  });
});
