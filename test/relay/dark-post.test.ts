// Dark posts through the relay's JSON-RPC (docs/RELAY.md "Dark posts"): three relays, each a mix, the
// first posting for its operator with `dark: true`; the envelope reaches a subscriber on the third,
// byte-identical to the one sealed, without entering gossip at the first. Too few relays with mix keys,
// or the mix client turned off (--mix-client off), and the post fails with -32000 naming why, before
// the envelope is sealed (the proof of work can take seconds). The relays' mix metrics
// (relay/mix-metrics.ts) move as the frames flow, and never split the client's frames into real and cover.
import { lpStream } from '@libp2p/utils';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { RelayMetrics } from '../../relay/metrics.ts';
import { Relay, type RelayInit } from '../../relay/relay.ts';
import { RelayShhNode } from '../../relay/shh-node.ts';
import { nobleScalarMult } from '../../src/net/mix/scalar-mult.ts';
import { MIX_PROTOCOL } from '../../src/net/mix/settings.ts';
import { createWhisperNode, type WhisperLibp2p } from '../../src/net/node.ts';
import { cleanup, tempDataDir, waitFor, wsClient } from './harness.ts';
import { sample } from './prometheus.ts';

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
const nodes: WhisperLibp2p[] = [];

const metricsOf = new Map<Relay, RelayMetrics>();

async function start(init: Partial<RelayInit> = {}): Promise<Relay> {
  const data = tempDataDir();
  const metrics = new RelayMetrics({ data, version: 'test' });
  const r = new Relay({ host: '127.0.0.1', port: 0, rpcPort: 0, data, minPow: 0, powWorkers: 1, mix: FAST, metrics, ...init });
  await r.start();
  metricsOf.set(r, metrics);
  r.mix.node.addEventListener('mix', (e) => {
    if (e.detail.action === 'reject') reasons.set(e.detail.reason!, (reasons.get(e.detail.reason!) ?? 0) + 1);
  });
  relays.push(r);
  return r;
}

/** The relay's /metrics text (what monitor.ts serves). */
const scrape = (r: Relay): Promise<string> => metricsOf.get(r)!.text();
const mixSum = async (name: string, labels: Record<string, string>): Promise<number> =>
  (await Promise.all(relays.map(scrape))).reduce((n, t) => n + sample(t, name, labels), 0);

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
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  metricsOf.clear();
  await cleanup();
});

describe('dark posts over the relay JSON-RPC', () => {
  it('relay A posts dark: true; a subscriber on relay C gets it, byte-identical to what A sealed', async () => {
    const a = await start();
    const b = await start({ peers: [addrOf(a)] });
    const c = await start({ peers: [addrOf(a), addrOf(b)] });
    await waitFor('every relay knows three mix keys', async () => relays.every((r) => r.mix.status().relays === 3), 30_000);
    expect(a.mix.status()).toMatchObject({ active: true, mix: true, hops: 3 });
    // A's metrics: a mix with its client running, three relays' keys known, every action counted from 0.
    const m0 = await scrape(a);
    expect([sample(m0, 'whisper_mix_enabled'), sample(m0, 'whisper_mix_client_running'), sample(m0, 'whisper_mix_relays_known')]).toEqual([1, 1, 3]);
    for (const action of ['relay', 'loop', 'exit', 'drop', 'own-loop', 'reject']) expect(m0).toContain(`whisper_mix_frames_total{action="${action}"} `);
    expect(m0).toMatch(/^whisper_mix_frames_held \d+$/m);
    const exits0 = await mixSum('whisper_mix_frames_total', { action: 'exit' });
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
    // ... and the exits' metrics counted it, with the frames the mixes passed on; A's client has sent
    // frames (one total, real and cover together) and loops that came back.
    expect(await mixSum('whisper_mix_frames_total', { action: 'exit' })).toBeGreaterThan(exits0);
    expect(await mixSum('whisper_mix_frames_total', { action: 'relay' })).toBeGreaterThan(0);
    await waitFor('A counted its client frames and loops', async () => {
      const t = await scrape(a);
      return sample(t, 'whisper_mix_client_frames_sent_total') > 0 && sample(t, 'whisper_mix_loops_sent_total', { kind: 'client' }) > 0 && sample(t, 'whisper_mix_frames_total', { action: 'own-loop' }) > 0;
    }, 60_000);
    const m1 = await scrape(a);
    expect(m1).toMatch(/^whisper_mix_loops_lost_total\{kind="client"\} \d+$/m);
    expect(m1).toMatch(/^whisper_mix_loops_sent_total\{kind="relay"\} \d+$/m);
    // Never a count of real frames apart from cover.
    expect(m1).not.toMatch(/^whisper_mix\S*(real|cover)/m);
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
    const mOff = await scrape(off);
    expect([sample(mOff, 'whisper_mix_enabled'), sample(mOff, 'whisper_mix_client_running'), sample(mOff, 'whisper_mix_client_frames_sent_total')]).toEqual([1, 0, 0]);
    await r2.call('shh_post', [post(k2, { dark: false })]);
    await r2.call('shh_post', [post(k2, { payload: '0x03' })]);
    expect(off.peer.pool.size).toBe(2);
  }, 60_000);

  it("counts a frame the relay's mix rejects in its metrics, by reason", async () => {
    const r = await start();
    const sender = await createWhisperNode({ role: 'test', listen: [], transports: [webSockets()] });
    nodes.push(sender);
    await sender.start();
    const lp = lpStream(await sender.dialProtocol(multiaddr(addrOf(r)), MIX_PROTOCOL));
    await lp.write(new Uint8Array(1000).fill(7)); // a frame is 1024 bytes: refused for its length
    const t = await waitFor('the reject counted', async () => {
      const text = await scrape(r);
      return sample(text, 'whisper_mix_frames_total', { action: 'reject' }) > 0 ? text : undefined;
    });
    expect(sample(t, 'whisper_mix_frames_total', { action: 'reject' })).toBe(1);
    expect(sample(t, 'whisper_mix_rejects_total', { reason: 'bad-length' })).toBe(1);
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
