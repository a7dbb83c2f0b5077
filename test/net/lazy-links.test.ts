// Lazy links (src/net/lazy-links.ts): a link is pruned from either end when it carried an envelope its
// far end had from elsewhere first; a forward to a lazy neighbour is held, dropped if the neighbour
// says IDONTWANT in time, otherwise sent (and the link grafted); nothing is lost. The rules are driven
// on a stand-in for gossipsub's router with a fake clock; then a real network of peers checks that
// the mechanism engages and every envelope still reaches every peer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GossipSub } from '@libp2p/gossipsub';
import { toHex } from '../../src/core/bytes.ts';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { lazyLinks, lazyLinkStats } from '../../src/net/lazy-links.ts';
import { createWhisperNode } from '../../src/net/node.ts';
import type { WhisperPeer } from '../../src/net/peer.ts';
import { connect, createPeers, envelopeRlp, stopAll, waitFor } from './helpers.ts';

const LAZY_MS = 250;
const OTHER_TOPIC = '/other';

interface Msg {
  topic: string;
  data: Uint8Array;
}

/** Gossipsub's router as far as lazy links touch it, recording what it was asked to send. */
function router(meshPeers: string[]) {
  const forwarded: Array<{ id: string; to: string[] }> = [];
  const rpcs: Array<{ to: string; id: string }> = [];
  const ids = new Map<Msg, string>();
  const gs = {
    mesh: new Map([[GOSSIP_TOPIC, new Set(meshPeers)]]),
    idontwants: new Map<string, Map<string, number>>(),
    mcache: { msgs: new Map<string, { message: Msg }>() },
    streamsOutbound: new Map(meshPeers.map((p) => [p, {}])),
    msgIdToStrFn: (id: Uint8Array) => new TextDecoder().decode(id),
    selectPeersToForward: (topic: string, source?: string, exclude?: Set<string>) =>
      new Set([...(gs.mesh.get(topic) ?? [])].filter((p) => p !== source && !exclude?.has(p))),
    forwardMessage(msgIdStr: string, msg: Msg, source?: string, exclude?: Set<string>) {
      ids.set(msg, msgIdStr);
      gs.mcache.msgs.set(msgIdStr, { message: msg });
      const to = [...gs.selectPeersToForward(msg.topic, source, exclude)].filter((p) => gs.idontwants.get(p)?.has(msgIdStr) !== true);
      forwarded.push({ id: msgIdStr, to });
    },
    handleIdontwant(id: string, idontwant: Array<{ messageIDs: Uint8Array[] }>) {
      const m = gs.idontwants.get(id) ?? new Map<string, number>();
      gs.idontwants.set(id, m);
      for (const { messageIDs } of idontwant) for (const x of messageIDs) m.set(gs.msgIdToStrFn(x), 0);
    },
    removePeer(peerId: { toString(): string }) {
      gs.mesh.get(GOSSIP_TOPIC)!.delete(peerId.toString());
    },
    sendRpc(to: string, rpc: { messages: Msg[] }) {
      for (const m of rpc.messages) rpcs.push({ to, id: ids.get(m)! });
      return true;
    },
    stop: async () => undefined,
    score: { duplicateMessage: (_from: string, _id: string, _topic: string) => undefined },
  };
  const pubsub = gs as unknown as GossipSub;
  const stats = lazyLinks(pubsub, GOSSIP_TOPIC, { lazyMs: LAZY_MS });
  const msg = (id: string, topic = GOSSIP_TOPIC): [string, Msg] => [id, { topic, data: new TextEncoder().encode(id) }];
  const forward = (id: string, source?: string, topic?: string) => {
    const [s, m] = msg(id, topic);
    gs.forwardMessage(s, m, source);
    return forwarded.at(-1)!.to;
  };
  const idontwant = (from: string, id: string) => gs.handleIdontwant(from, [{ messageIDs: [new TextEncoder().encode(id)] }]);
  const duplicate = (from: string, id: string) => gs.score.duplicateMessage(from, id, GOSSIP_TOPIC);
  return { gs, stats, forward, idontwant, duplicate, rpcs };
}

describe('lazy links: the rules', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prunes a link when its far end says IDONTWANT for an envelope sent on it, then holds and drops what it already has', () => {
    vi.useFakeTimers();
    const r = router(['s', 'z', 'w']);
    expect(r.forward('m1', 's')).toEqual(['z', 'w']);
    r.idontwant('z', 'm1'); // z had m1 from elsewhere first: this copy was a duplicate
    expect(r.stats.pruned).toBe(1);
    expect(r.forward('m2', 's')).toEqual(['w']); // held for z
    expect(r.stats.held).toBe(1);
    r.idontwant('z', 'm2');
    vi.advanceTimersByTime(LAZY_MS);
    expect(r.stats.saved).toBe(1);
    expect(r.rpcs).toEqual([]);
    expect(r.forward('m3', 's')).toEqual(['w']); // still lazy
  });

  it('sends a held forward the neighbour still lacks when it is due, and grafts the link', () => {
    vi.useFakeTimers();
    const r = router(['s', 'z', 'w']);
    r.forward('m1', 's');
    r.idontwant('z', 'm1');
    r.forward('m2', 's');
    vi.advanceTimersByTime(LAZY_MS - 1);
    expect(r.rpcs).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(r.rpcs).toEqual([{ to: 'z', id: 'm2' }]);
    expect(r.stats.grafted).toBe(1);
    expect(r.forward('m3', 's')).toEqual(['z', 'w']); // eager again
  });

  it('prunes on a duplicate received, but only from a neighbour that says IDONTWANT', () => {
    const r = router(['s', 'z', 'w']);
    r.duplicate('w', 'm0'); // w never said IDONTWANT (a relay's threshold): its link stays eager
    expect(r.stats.pruned).toBe(0);
    expect(r.forward('m1', 's')).toEqual(['z', 'w']);
    expect(r.forward('m2', 'w')).toEqual(['s', 'z']);
    r.idontwant('w', 'm2');
    expect(r.stats.pruned).toBe(0); // an IDONTWANT for something never sent on the link prunes nothing
    r.duplicate('w', 'm3');
    expect(r.stats.pruned).toBe(1);
    expect(r.forward('m4', 's')).toEqual(['z']);
  });

  it('holds for a lazy neighbour only envelopes at least as large as the smallest it said IDONTWANT for', () => {
    vi.useFakeTimers();
    const r = router(['s', 'z']);
    expect(r.forward('a-large-envelope-1', 's')).toEqual(['z']);
    r.idontwant('z', 'a-large-envelope-1'); // z says IDONTWANT from this size up (its threshold): pruned
    expect(r.stats.pruned).toBe(1);
    expect(r.forward('m2', 's')).toEqual(['z']); // smaller: z would never say IDONTWANT for it, sent now
    expect(r.forward('a-large-envelope-3', 's')).toEqual([]); // held
    expect(r.stats.held).toBe(1);
  });

  it('grafts a lazy link whose far end delivered an envelope first', () => {
    const r = router(['s', 'z', 'w']);
    r.forward('m1', 's');
    r.idontwant('z', 'm1');
    expect(r.forward('m2', 's')).toEqual(['w']);
    expect(r.forward('m3', 'z')).toEqual(['s', 'w']); // m3 came from z first
    expect(r.stats.grafted).toBe(1);
    expect(r.forward('m4', 's')).toEqual(['z', 'w']);
  });

  it('leaves other topics, and neighbours that left the mesh, alone; stop() sends what is still held', async () => {
    vi.useFakeTimers();
    const r = router(['s', 'z', 'w']);
    r.forward('m1', 's');
    r.idontwant('z', 'm1');
    expect(r.forward('o1', 's', OTHER_TOPIC)).toEqual([]); // other topic: gossipsub's own choice (no mesh here)
    expect(r.stats.held).toBe(0);
    r.forward('m2', 's');
    r.gs.removePeer({ toString: () => 'z' });
    vi.advanceTimersByTime(LAZY_MS);
    expect(r.rpcs).toEqual([]); // z left: IHAVE gossip's turn, not ours
    r.gs.mesh.get(GOSSIP_TOPIC)!.add('z');
    r.forward('m3', 's'); // z is a new neighbour now: eager
    r.forward('m4', 's');
    r.idontwant('z', 'm4');
    r.forward('m5', 's');
    await r.gs.stop();
    expect(r.rpcs).toEqual([{ to: 'z', id: 'm5' }]);
  });

  it('refuses a gossipsub without the methods it wraps (an upgrade moved them)', () => {
    expect(() => lazyLinks({} as GossipSub, GOSSIP_TOPIC)).toThrow(/forwardMessage/);
    expect(() => lazyLinks({} as GossipSub, GOSSIP_TOPIC, { lazyMs: 0 })).toThrow(RangeError);
  });
});

describe('lazy links: a network of peers', () => {
  let all: WhisperPeer[] = [];
  afterEach(async () => {
    await stopAll(all);
    all = [];
  });

  it('are on for peers and off for a relay; gossipsub 17 has what they wrap', async () => {
    const peer = await createWhisperNode({ role: 'test' });
    const relay = await createWhisperNode({ role: 'relay', host: '127.0.0.1', port: 0 });
    expect(lazyLinkStats(peer.services.pubsub)).toBeDefined();
    expect(lazyLinkStats(relay.services.pubsub)).toBeUndefined();
  });

  it('prune redundant links while every envelope still reaches every peer', async () => {
    const N = 8;
    const M = 30;
    all = await createPeers(N);
    // A ring with chords: several paths of different lengths to each peer, so duplicates happen.
    for (let i = 0; i < N; i++) {
      await connect(all[i]!, all[(i + 1) % N]!);
      if (i % 2 === 0) await connect(all[i]!, all[(i + 3) % N]!);
    }
    await waitFor(() => all.every((p) => p.meshPeerCount >= 2), 30_000, 'every peer meshed');
    const got = all.map(() => new Set<string>());
    all.forEach((p, i) => p.addEventListener('envelope', (e) => got[i]!.add(toHex(e.detail.envelope.hash))));
    // Envelopes above gossipsub's 512-byte IDONTWANT threshold, which lazy links listen to.
    for (let k = 0; k < M; k++) await all[k % N]!.publish(envelopeRlp(900 + k, { data: new Uint8Array(600).fill(k) }));
    await waitFor(() => got.every((s) => s.size === M), 60_000, 'every peer to hold every envelope');
    const stats = all.map((p) => lazyLinkStats(p.node.services.pubsub)!);
    expect(stats.reduce((n, s) => n + s.pruned, 0)).toBeGreaterThan(0);
  }, 120_000);
});
