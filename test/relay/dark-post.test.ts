// Dark posts through the relay's JSON-RPC (docs/RELAY.md "Dark posts"): three relays, each a mix, the
// first posting for its operator with `dark: true`; the envelope reaches a subscriber on the third,
// byte-identical to the one sealed, without entering gossip at the first. Too few relays with mix keys,
// or the mix client turned off (--mix-client off), and the post fails with -32000 naming why, before
// the envelope is sealed (the proof of work can take seconds).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { Relay, type RelayInit } from '../../relay/relay.ts';
import { RelayShhNode } from '../../relay/shh-node.ts';
import { nobleScalarMult } from '../../src/net/mix/scalar-mult.ts';
import { cleanup, tempDataDir, waitFor, wsClient } from './harness.ts';

// Short delays, a faster client clock, key records asked for every 2 s, a patient next-hop write. The mixes multiply with
// @noble/curves here: WebCrypto's X25519 runs on libuv's thread pool, and with three relays in one
// process on a loaded machine its queue delayed frames by seconds (docs/PRIVACY.md, "Not built yet").
const FAST: RelayInit['mix'] = {
  settings: { meanDelayMs: 20, maxDelayMs: 200, sendTimeoutMs: 30_000 },
  clientSettings: { rateHz: 2 },
  cover: { rateHz: 0.5 },
  refreshMs: 2000,
  scalarMult: nobleScalarMult,
};
const relays: Relay[] = [];
const reasons = new Map<string, number>();
const clients: Array<{ close(): void }> = [];

async function start(init: Partial<RelayInit> = {}): Promise<Relay> {
  const r = new Relay({ host: '127.0.0.1', port: 0, rpcPort: 0, data: tempDataDir(), minPow: 0, powWorkers: 1, mix: FAST, ...init });
  await r.start();
  r.mix.node.addEventListener('mix', (e) => {
    if (e.detail.action === 'reject') reasons.set(e.detail.reason!, (reasons.get(e.detail.reason!) ?? 0) + 1);
  });
  relays.push(r);
  return r;
}

const addrOf = (r: Relay): string => r.multiaddrs().find((a) => a.startsWith('/ip4/127.0.0.1/'))!;

async function rpc(r: Relay) {
  const c = await wsClient(r.rpcUrl);
  clients.push(c);
  return c;
}

const post = (symKeyID: string, extra: Record<string, unknown>) => ({ symKeyID, ttl: 300, topic: '0xda4c0001', payload: '0x0102', powTime: 2, powTarget: 0, ...extra });

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of clients.splice(0)) c.close();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await cleanup();
});

describe('dark posts over the relay JSON-RPC', () => {
  it('relay A posts dark: true; a subscriber on relay C gets it, byte-identical to what A sealed', async () => {
    const a = await start();
    const b = await start({ peers: [addrOf(a)] });
    const c = await start({ peers: [addrOf(a), addrOf(b)] });
    await waitFor('every relay knows three mix keys', async () => relays.every((r) => r.mix.status().relays === 3), 30_000);
    expect(a.mix.status()).toMatchObject({ active: true, mix: true, hops: 3 });
    const [ra, rc] = [await rpc(a), await rpc(c)];
    const keyId = (await ra.call('shh_newSymKey')) as string;
    const key = await ra.call('shh_getSymKey', [keyId]);
    const cKey = await rc.call('shh_addSymKey', [key]);
    await rc.call('shh_subscribe', ['messages', { symKeyID: cKey, topics: ['0xda4c0001'] }]);
    // What A's mix client is handed: the sealed envelope's bytes.
    const sealed: Uint8Array[] = [];
    const postDark = a.mix.postDark.bind(a.mix);
    a.mix.postDark = (rlp) => (sealed.push(rlp.slice()), postDark(rlp));
    const hash = (await ra.call('shh_post', [post(keyId, { dark: true })])) as string;
    expect(sealed).toHaveLength(1);
    // Left through the mixes: not in A's pool until it comes back through gossip.
    expect([...a.peer.pool.values()].some((e) => toHex(e.hash) === hash)).toBe(false);
    await waitFor('the subscriber on C', async () => rc.notifications.length > 0, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; ${JSON.stringify([...reasons])} ${JSON.stringify(relays.map((r) => ({ pool: r.peer.pool.size, ...r.mix.status() })))}`);
    });
    expect(rc.notifications[0]!.result).toMatchObject({ hash, payload: '0x0102', topic: '0xda4c0001' });
    const atC = [...c.peer.pool.values()].find((e) => toHex(e.hash) === hash)!;
    expect(toHex(atC.rlp)).toBe(toHex(sealed[0]!));
    // One exit among the three mixes published it.
    expect(relays.reduce((n, r) => n + r.mix.status().frames.exit, 0)).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('refuses dark: true with too few relays or the mix client off, naming why; dark: false and absent take the plain path', async () => {
    const alone = await start();
    const off = await start({ mixClient: false });
    const [r1, r2] = [await rpc(alone), await rpc(off)];
    const k1 = (await r1.call('shh_newSymKey')) as string;
    const k2 = (await r2.call('shh_newSymKey')) as string;
    await expect(r1.call('shh_post', [post(k1, { dark: true })])).rejects.toMatchObject({
      code: -32000,
      message: 'dark post not sent: no mix path: a dark post needs 2 relays with mix key records and this node knows 1',
    });
    await expect(r2.call('shh_post', [post(k2, { dark: true })])).rejects.toMatchObject({
      code: -32000,
      message: 'dark post not sent: dark sending is off on this relay (--mix-client off)',
    });
    expect(alone.peer.pool.size + off.peer.pool.size).toBe(0); // nothing went out another way
    expect(off.mix.status()).toMatchObject({ active: false, mix: true });
    await r2.call('shh_post', [post(k2, { dark: false })]);
    await r2.call('shh_post', [post(k2, { payload: '0x03' })]);
    expect(off.peer.pool.size).toBe(2);
  }, 60_000);

  it('refuses dark: true with too few relays before sealing: a proof of work that would not end is never started', async () => {
    const alone = await start();
    const r = await rpc(alone);
    const k = (await r.call('shh_newSymKey')) as string;
    const seal = vi.spyOn(RelayShhNode.prototype, 'seal');
    // No nonce meets this target: sealed first, the post would search for ten minutes, then fail otherwise.
    await expect(r.call('shh_post', [post(k, { dark: true, powTarget: 1e9, powTime: 600 })])).rejects.toMatchObject({
      code: -32000,
      message: 'dark post not sent: no mix path: a dark post needs 2 relays with mix key records and this node knows 1',
    });
    expect(seal).not.toHaveBeenCalled();
    // The same relay's plain post is sealed through the spied method.
    await r.call('shh_post', [post(k, { dark: false })]);
    expect(seal).toHaveBeenCalledTimes(1);
    expect(alone.peer.pool.size).toBe(1);
  }, 60_000);
});
