import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { rolesOf } from '../../src/api/node.ts';
import { ShhApi, type CallContext } from '../../src/api/shh.ts';
import { methodNames } from '../../src/rpc/shh-methods.ts';
import { ParamError, RpcError } from '../../src/rpc/errors.ts';
import { MemoryNode } from './memory-node.ts';
import { zerosForTarget } from '../../src/core/pow.ts';

let node: MemoryNode;
let api: ShhApi;
let pushed: { method: string; params: { subscription: string; result: Record<string, unknown> } }[];
let ctx: CallContext;
const call = (m: string, ...p: unknown[]) => api.call(m, p, ctx);
const tick = () => new Promise((r) => setTimeout(r, 5));

async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RpcError);
    return e as RpcError;
  }
  throw new Error('expected an RpcError');
}

beforeEach(() => {
  node = new MemoryNode();
  api = new ShhApi({ node: rolesOf(node, node), randomBytes });
  api.start();
  pushed = [];
  ctx = { session: 's1', notify: (method, params) => pushed.push({ method, params: params as never }) };
});
afterEach(() => api.stop());

describe('ShhApi: keys (geth semantics)', () => {
  it('key pairs: ids are 64 hex characters, public key 65 bytes, delete, has', async () => {
    const id = (await call('shh_newKeyPair')) as string;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await call('shh_hasKeyPair', id)).toBe(true);
    expect(await call('shh_getPublicKey', id)).toMatch(/^0x04[0-9a-f]{128}$/);
    const priv = (await call('shh_getPrivateKey', id)) as string;
    const again = (await call('shh_addPrivateKey', priv)) as string;
    expect(await call('shh_getPublicKey', again)).toBe(await call('shh_getPublicKey', id));
    expect(await call('shh_deleteKeyPair', id)).toBe(true);
    expect(await call('shh_hasKeyPair', id)).toBe(false);
    expect((await rpcError(call('shh_deleteKeyPair', id))).message).toBe(`key pair ${id} not found`);
    expect((await rpcError(call('shh_getPublicKey', id))).toJSON()).toEqual({ code: -32000, message: 'invalid id' });
  });
  it('symmetric keys, including the PBKDF2 password key of docs/PROTOCOL.md §6', async () => {
    const id = (await call('shh_generateSymKeyFromPassword', 'Never use this password - password!')) as string;
    expect(await call('shh_getSymKey', id)).toBe('0xc36ac432123558109d20283d9b03a7911bd2f9b21e5794309c8a8f9531a78133');
    const added = (await call('shh_addSymKey', '0x' + '11'.repeat(32))) as string;
    expect(await call('shh_hasSymKey', added)).toBe(true);
    expect(await call('shh_deleteSymKey', added)).toBe(true);
    expect(await call('shh_deleteSymKey', added)).toBe(false);
    expect((await rpcError(call('shh_getSymKey', added))).message).toBe('non-existent key ID');
    expect((await rpcError(call('shh_addSymKey', '0x1122'))).message).toBe('wrong key size: 2');
  });
  it('bad private keys get geth texts', async () => {
    expect((await rpcError(call('shh_addPrivateKey', '0x1234'))).message).toBe('invalid length, need 256 bits');
    expect((await rpcError(call('shh_addPrivateKey', '0x' + '00'.repeat(32)))).message).toBe('invalid private key');
  });
});

describe('ShhApi: post and receive', () => {
  it('symmetric, signed: the subscription gets one notification in geth JSON', async () => {
    const sym = await call('shh_newSymKey');
    const signer = await call('shh_newKeyPair');
    const signerPub = await call('shh_getPublicKey', signer);
    const sub = (await call('shh_subscribe', 'messages', { symKeyID: sym, topics: ['0x01020304'] })) as string;
    expect(sub).toMatch(/^0x[0-9a-f]{32}$/);
    const hash = await call('shh_post', { symKeyID: sym, sig: signer, ttl: 30, topic: '0x01020304', payload: '0xc0ffee', powTime: 2, powTarget: 0.2 });
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    await tick();
    expect(pushed).toHaveLength(1);
    const { method, params } = pushed[0]!;
    expect(method).toBe('shh_subscription');
    expect(params.subscription).toBe(sub);
    const m = params.result;
    expect(Object.keys(m).sort()).toEqual(['hash', 'padding', 'payload', 'pow', 'sig', 'timestamp', 'topic', 'ttl']);
    expect(m).toMatchObject({ sig: signerPub, ttl: 30, topic: '0x01020304', payload: '0xc0ffee', hash });
    expect(typeof m.timestamp).toBe('number');
    expect(m.pow as number).toBeGreaterThanOrEqual(0.2);
    expect(((m.padding as string).length - 2) / 2 + 1 + 1 + 3 + 65).toBe(256);
  });
  it('asymmetric to a key pair: recipientPublicKey set, no sig; a polled filter drains once', async () => {
    const kp = await call('shh_newKeyPair');
    const pub = await call('shh_getPublicKey', kp);
    const filter = (await call('shh_newMessageFilter', { privateKeyID: kp })) as string;
    expect(filter).toMatch(/^[0-9a-f]{64}$/);
    await call('shh_post', { pubKey: pub, ttl: 60, topic: '0xdeadbeef', payload: '0x01', powTime: 2, powTarget: 0.2 });
    const msgs = (await call('shh_getFilterMessages', filter)) as Record<string, unknown>[];
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ recipientPublicKey: pub, payload: '0x01', topic: '0xdeadbeef' });
    expect(msgs[0]).not.toHaveProperty('sig');
    expect(await call('shh_getFilterMessages', filter)).toEqual([]);
    expect(await call('shh_deleteMessageFilter', filter)).toBe(true);
    expect((await rpcError(call('shh_getFilterMessages', filter))).message).toBe('filter not found');
  });
  it('a new subscription or filter is back-filled with live envelopes, then gets new ones, each once', async () => {
    const sym = await call('shh_newSymKey');
    const post = (payload: string) => call('shh_post', { symKeyID: sym, ttl: 60, topic: '0x0a0b0c0d', payload, powTime: 2, powTarget: 0.2 });
    await post('0x01');
    await post('0x02');
    const filter = await call('shh_newMessageFilter', { symKeyID: sym, topics: ['0x0a0b0c0d'] });
    await call('shh_subscribe', 'messages', { symKeyID: sym, topics: ['0x0a0b0c0d'] });
    await post('0x03'); // arrives before the subscription's back-fill is flushed
    await tick();
    expect(pushed.map((p) => p.params.result.payload).sort()).toEqual(['0x01', '0x02', '0x03']);
    const polled = (await call('shh_getFilterMessages', filter)) as { payload: string }[];
    expect(polled.map((m) => m.payload).sort()).toEqual(['0x01', '0x02', '0x03']);
  });
  it('criteria: topics, minPow, sig and allowP2P narrow what matches', async () => {
    const sym = await call('shh_newSymKey');
    const a = await call('shh_newKeyPair');
    const b = await call('shh_newKeyPair');
    const aPub = await call('shh_getPublicKey', a);
    const onlyA = await call('shh_newMessageFilter', { symKeyID: sym, topics: ['0x00000001'], sig: aPub });
    const highPow = await call('shh_newMessageFilter', { symKeyID: sym, topics: ['0x00000001'], minPow: 1e6 });
    const otherTopic = await call('shh_newMessageFilter', { symKeyID: sym, topics: ['0x00000002'] });
    await call('shh_post', { symKeyID: sym, sig: a, topic: '0x00000001', payload: '0xaa', powTime: 2, powTarget: 0.2 });
    await call('shh_post', { symKeyID: sym, sig: b, topic: '0x00000001', payload: '0xbb', powTime: 2, powTarget: 0.2 });
    expect(((await call('shh_getFilterMessages', onlyA)) as { payload: string }[]).map((m) => m.payload)).toEqual(['0xaa']);
    expect(await call('shh_getFilterMessages', highPow)).toEqual([]);
    expect(await call('shh_getFilterMessages', otherTopic)).toEqual([]);
  });
  it('ending a session drops its subscriptions', async () => {
    const sym = await call('shh_newSymKey');
    const sub = await call('shh_subscribe', 'messages', { symKeyID: sym, topics: ['0x01020304'] });
    api.endSession('s1');
    expect((await rpcError(call('shh_unsubscribe', sub))).message).toBe('subscription not found');
  });
});

describe('ShhApi: errors', () => {
  const rows: [string, string, unknown[], number, string | RegExp][] = [
    ['unknown method', 'shh_nope', [], -32601, /does not exist/],
    ['eth method', 'eth_accounts', [], -32601, /does not exist/],
    ['both keys', 'shh_post', [{ symKeyID: 'a', pubKey: '0x04' }], -32000, 'specify either a symmetric or an asymmetric key'],
    ['no key', 'shh_post', [{ topic: '0x01020304' }], -32000, 'specify either a symmetric or an asymmetric key'],
    ['unknown sym key', 'shh_post', [{ symKeyID: 'ab', topic: '0x01020304', powTarget: 1 }], -32000, 'non-existent key ID'],
    ['unknown signing key', 'shh_post', [{ symKeyID: 'ab', sig: 'cd', topic: '0x01020304' }], -32000, 'invalid id'],
    ['bad public key', 'shh_post', [{ pubKey: '0x0401', powTarget: 1 }], -32000, 'invalid public key'],
    ['bad topic', 'shh_post', [{ pubKey: '0x0401', topic: '0x010203' }], -32602, /Topic/],
    ['payload without 0x', 'shh_post', [{ pubKey: '0x0401', payload: 'abcd' }], -32602, /0x/],
    ['ttl not an integer', 'shh_post', [{ pubKey: '0x0401', ttl: 1.5 }], -32602, /ttl/],
    ['params not an array', 'shh_post', { symKeyID: 'x' } as never, -32602, 'non-array args'],
    ['missing argument', 'shh_getPublicKey', [], -32602, 'missing value for required argument 0'],
    ['too many arguments', 'shh_hasSymKey', ['a', 'b', 'c'], -32602, /too many/],
    ['wrong type', 'shh_hasKeyPair', [42], -32602, /cannot unmarshal number into Go value of type string/],
    ['subscribe: no key', 'shh_subscribe', ['messages', { topics: [] }], -32000, 'specify either a symmetric or an asymmetric key'],
    ['subscribe: sym needs topics', 'shh_subscribe', ['messages', { symKeyID: 'x' }], -32000, 'missing topic(s)'],
    ['subscribe: unknown kind', 'shh_subscribe', ['envelopes', {}], -32601, /no "envelopes" subscription/],
    ['subscribe: unknown private key', 'shh_subscribe', ['messages', { privateKeyID: 'x' }], -32000, 'invalid public key'],
    ['filter: unknown private key', 'shh_newMessageFilter', [{ privateKeyID: 'x' }], -32000, 'invalid id'],
    ['filter: bad signer', 'shh_newMessageFilter', [{ privateKeyID: 'x', sig: '0x0401' }], -32000, 'invalid signing public key'],
    ['setMinPoW negative', 'shh_setMinPoW', [-1], -32000, /invalid PoW/],
    ['setMaxMessageSize above 1 MiB', 'shh_setMaxMessageSize', [2 ** 20 + 1], -32000, /too large/],
    ['bloom of the wrong size', 'shh_setBloomFilter', ['0x00'], -32000, 'invalid bloom filter size: 1'],
  ];
  it.each(rows)('%s', async (_n, method, params, code, message) => {
    const e = await rpcError(api.call(method, params, ctx));
    expect(e.code).toBe(code);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  });
  it('PoW target below the node minimum is refused before any work', async () => {
    const sym = await call('shh_newSymKey');
    const e = await rpcError(call('shh_post', { symKeyID: sym, topic: '0x01020304', powTarget: 0.1, powTime: 1 }));
    expect(e.message).toBe('message rejected, PoW too low');
    expect(node.pool.size).toBe(0);
  });
  it('symmetric post needs a non-zero topic', async () => {
    const sym = await call('shh_newSymKey');
    expect((await rpcError(call('shh_post', { symKeyID: sym, powTarget: 1 }))).message).toBe('missing topic(s)');
  });
  it('an envelope above the maximum size is refused', async () => {
    await call('shh_setMaxMessageSize', 300);
    const sym = await call('shh_newSymKey');
    const e = await rpcError(call('shh_post', { symKeyID: sym, topic: '0x01020304', payload: '0x' + '00'.repeat(400), powTarget: 1, powTime: 1 }));
    expect(e.message).toBe('huge messages are not allowed');
  });
  it('subscriptions need a transport that can push', async () => {
    const sym = await call('shh_newSymKey');
    const e = await rpcError(api.call('shh_subscribe', ['messages', { symKeyID: sym, topics: ['0x01020304'] }], { session: 'http' }));
    expect(e.message).toBe('notifications not supported');
  });
  it('node settings are reserved to an admin API (a page gets 4100)', async () => {
    const page = new ShhApi({ node: rolesOf(node), randomBytes });
    for (const m of ['shh_setMinPoW', 'shh_setMaxMessageSize', 'shh_markTrustedPeer', 'shh_setBloomFilter'])
      expect((await rpcError(page.call(m, [1], ctx))).code).toBe(4100);
    expect(await page.call('shh_version', [], ctx)).toBe('6.0');
  });
  it('an unexpected error is -32603 "internal error" and leaks nothing; a ParamError is -32602', async () => {
    class Broken extends MemoryNode {
      override async post(): Promise<never> {
        throw new TypeError('Cannot read properties of undefined (reading \'secret\') at /home/user/whisper/peer.ts:42');
      }
    }
    const broken = new ShhApi({ node: rolesOf(new Broken()), randomBytes });
    const sym = await broken.call('shh_newSymKey', [], ctx);
    const e = await rpcError(broken.call('shh_post', [{ symKeyID: sym, topic: '0x01020304', payload: '0x01', powTarget: 0.2, powTime: 5 }], ctx));
    expect(e.toJSON()).toEqual({ code: -32603, message: 'internal error' });
    const p = await rpcError(call('shh_hasSymKey', 42));
    expect(p).toBeInstanceOf(ParamError);
    expect(p.toJSON()).toEqual({ code: -32602, message: 'invalid argument 0: json: cannot unmarshal number into Go value of type string' });
  });
  it('every method of the set answers something for well-formed input, never an internal error', async () => {
    for (const m of methodNames()) {
      try {
        await api.call(m, [], { session: 'x' });
      } catch (e) {
        expect((e as RpcError).code).not.toBe(-32603);
      }
    }
  });
});

describe('ShhApi: net_* and info', () => {
  it('answers like geth', async () => {
    expect(await call('shh_version')).toBe('6.0');
    expect(await call('net_peerCount')).toBe('0x3');
    expect(await call('net_listening')).toBe(true);
    expect(await call('net_version')).toBe('0');
    expect(await call('shh_info')).toEqual({ memory: 0, messages: 0, minPow: 0.2, maxMessageSize: 65536 });
  });
});

describe('ShhApi: progress and cancelling a post (beyond geth)', () => {
  /** A node whose sealing reports progress and then waits until it is aborted (or released). */
  class SlowNode extends MemoryNode {
    release: (() => void) | undefined;
    override async seal(p: Parameters<MemoryNode['seal']>[0], o: Parameters<MemoryNode['seal']>[1]) {
      // Reports 300 ms, 100 ms and 300 ms apart on the API's clock: the middle one is throttled.
      for (const [i, step] of [[1, 300], [2, 100], [3, 300]] as const) {
        t += step;
        o.onProgress?.({ hashes: i * 1000, bestPow: i / 10, elapsedMs: i * 300 });
      }
      await new Promise<void>((resolve, reject) => {
        this.release = resolve;
        o.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
      return super.seal(p, o);
    }
  }
  let slow: SlowNode;
  let t = Date.now();
  beforeEach(() => {
    t = Date.now();
    slow = new SlowNode();
    api.stop();
    api = new ShhApi({ node: rolesOf(slow), randomBytes, now: () => t });
  });
  const post = async (postId: unknown) =>
    api.call('shh_post', [{ symKeyID: await api.call('shh_newSymKey', [], ctx), topic: '0x01020304', payload: '0x01', powTime: 5, powTarget: 0.2, postId }], ctx);
  const sealing = () => new Promise((r) => setTimeout(r, 20));

  it('a named post reports throttled progress and is cancelled by shh_cancelPost', async () => {
    const pending = post('offer-1').catch((e: unknown) => e);
    await sealing();
    expect(pushed.map((p) => p.method)).toEqual(['shh_postProgress', 'shh_postProgress']); // at most one per 250 ms
    // A 1-byte payload pads to 256 bytes, +28 of AES-GCM, ~300 bytes of RLP with the default ttl 50:
    // PoW 0.2 needs ceil(log2(0.2 * 300 * 50)) = 12 leading zero bits, 2^12 tries expected.
    const expectedHashes = 2 ** 12;
    expect(zerosForTarget(0.2, 300, 50)).toBe(12);
    expect(pushed.map((p) => p.params)).toEqual([
      { postId: 'offer-1', hashes: 1000, expectedHashes, bestPow: 0.1, targetPow: 0.2, elapsedMs: 300 },
      { postId: 'offer-1', hashes: 3000, expectedHashes, bestPow: 0.3, targetPow: 0.2, elapsedMs: 900 },
    ]);
    expect(await api.call('shh_cancelPost', ['offer-1'], ctx)).toBe(true);
    const e = (await pending) as RpcError;
    expect(e.toJSON()).toEqual({ code: -32000, message: 'post cancelled' });
    expect(slow.pool.size).toBe(0);
    expect(await api.call('shh_cancelPost', ['offer-1'], ctx)).toBe(false); // finished: nothing to cancel
  });

  it('a post finishes normally when not cancelled; another session cannot cancel it', async () => {
    const pending = post('mine');
    await sealing();
    expect(await api.call('shh_cancelPost', ['mine'], { session: 'other' })).toBe(false);
    slow.release!();
    expect(await pending).toMatch(/^0x[0-9a-f]{64}$/);
    expect(slow.pool.size).toBe(1);
  });

  it('closing the page (ending its session) cancels its posts still sealing', async () => {
    const pending = post('p').catch((e: unknown) => e);
    await sealing();
    api.endSession('s1');
    expect(((await pending) as RpcError).message).toBe('post cancelled');
  });

  it('postId is checked, and a postId still in use is refused', async () => {
    for (const bad of ['', 'a b', 'x'.repeat(65), 42]) expect((await rpcError(post(bad))).code).toBe(-32602);
    const first = post('same').catch((e: unknown) => e);
    await sealing();
    expect((await rpcError(post('same'))).message).toMatch(/still being posted/);
    await api.call('shh_cancelPost', ['same'], ctx);
    await first;
  });
});

