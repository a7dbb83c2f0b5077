// Browser discovery and the neighbour keeper on the memory transport: "browsers" connected only to a
// hub (a forwarding relay) learn each other from announcements and open direct links on their own.
// Memory addresses stand in for circuit WebRTC ones, through the service's address rule.
import { afterEach, describe, expect, it } from 'vitest';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Connection, PeerId } from '@libp2p/interface';
import { memory } from '@libp2p/memory';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { addressPeerId, DISCOVERY_TOPIC, encodeAnnouncement, type Announcement } from '../../src/net/announcement.ts';
import { createWhisperNode, type WhisperLibp2p } from '../../src/net/node.ts';
import { NeighbourKeeper } from '../../src/net/neighbours.ts';
import { sleep, waitFor } from './helpers.ts';

const memoryRule = (ma: Multiaddr): boolean => ma.getComponents()[0]?.name === 'memory' && addressPeerId(ma) !== undefined;
const discovery = { rule: memoryRule, intervalMs: 300, settleMs: 20 };
const gossip = { heartbeatInterval: 100 };

let stops: Array<() => unknown> = [];
afterEach(async () => {
  await Promise.all(stops.map((s) => s()));
  stops = [];
});

async function node(mode: 'announce' | 'forward'): Promise<WhisperLibp2p> {
  const n = await createWhisperNode({ role: 'test', gossip, discovery: { ...discovery, mode } });
  await n.start();
  stops.push(() => n.stop());
  return n;
}

/** A hub and n browsers, each dialled to the hub only. */
async function star(n: number): Promise<{ hub: WhisperLibp2p; peers: WhisperLibp2p[] }> {
  const hub = await node('forward');
  const peers: WhisperLibp2p[] = [];
  for (let i = 0; i < n; i++) {
    const p = await node('announce');
    await p.dial(hub.getMultiaddrs()[0]!);
    peers.push(p);
  }
  return { hub, peers };
}

function collect(n: WhisperLibp2p): Map<string, Announcement> {
  const seen = new Map<string, Announcement>();
  n.services.discovery!.addEventListener('candidate', (e) => seen.set(e.detail.peerId, e.detail));
  return seen;
}

function keeper(n: WhisperLibp2p, hub: PeerId, init: ConstructorParameters<typeof NeighbourKeeper>[1] = {}): NeighbourKeeper {
  const k = new NeighbourKeeper(n, { tickMs: 100, backoffMinMs: 100, isNeighbour: (c) => c.status === 'open' && !c.remotePeer.equals(hub), ...init });
  n.services.discovery!.addEventListener('candidate', (e) => k.offer(e.detail));
  k.start();
  stops.push(() => k.stop());
  return k;
}

describe('discovery service', () => {
  it('browsers behind one hub learn each other, late joiners too; the hub forwards but reports nothing', async () => {
    const { hub, peers } = await star(3);
    const seen = peers.map(collect);
    const hubSeen = collect(hub);
    const ids = peers.map((p) => p.peerId.toString());
    await waitFor(() => seen.every((s, i) => ids.every((id, j) => i === j || s.has(id))), 8000, 'all candidates');
    const late = await node('announce');
    const lateSeen = collect(late);
    await late.dial(hub.getMultiaddrs()[0]!);
    await waitFor(() => ids.every((id) => lateSeen.has(id)) && seen.every((s) => s.has(late.peerId.toString())), 8000, 'late joiner');
    expect(hubSeen.size).toBe(0);
    expect(seen[0]!.has(ids[0]!)).toBe(false); // never ourselves
    // Only our own memory address travels, with our peer id.
    expect(seen[1]!.get(ids[0]!)!.addrs.map(String)).toEqual([`${peers[0]!.getMultiaddrs()[0]}/p2p/${ids[0]}`]);
    expect(peers.every((p) => p.getConnections().every((c) => c.remotePeer.equals(hub.peerId)))).toBe(true); // discovery alone dials nothing
  }, 20_000);

  it('announces nothing without an announceable address', async () => {
    const n = await createWhisperNode({ role: 'test', gossip, discovery: { ...discovery, rule: () => false } });
    await n.start();
    stops.push(() => n.stop());
    expect(n.services.discovery!.ownAddresses()).toEqual([]);
    expect(n.services.discovery!.announce()).toBe(false);
  });

  it('validates: replays and older announcements are ignored, malformed ones rejected and scored down', async () => {
    const hub = await node('forward');
    const d = hub.services.discovery!;
    const peer = `/memory/x/p2p/${hub.peerId.toString()}`;
    const t = Math.floor(Date.now() / 1000);
    expect(d.check(encodeAnnouncement(t, [multiaddr(peer)])).kind).toBe('accept');
    expect(d.check(encodeAnnouncement(t, [multiaddr(peer)]))).toEqual({ kind: 'ignore', reason: 'stale' });
    expect(d.check(encodeAnnouncement(t - 1, [multiaddr(peer)]))).toEqual({ kind: 'ignore', reason: 'stale' });
    expect(d.check(encodeAnnouncement(t + 1, [multiaddr(peer)])).kind).toBe('accept');

    // A stock gossipsub node (its own message ids, no validator) publishes garbage on the topic.
    const plain = await createLibp2p({
      addresses: { listen: [] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, heartbeatInterval: 100 }) },
    });
    await plain.start();
    stops.push(() => plain.stop());
    plain.services.pubsub.subscribe(DISCOVERY_TOPIC);
    await plain.dial(hub.getMultiaddrs()[0]!);
    const verdicts: string[] = [];
    d.addEventListener('verdict', (e) => verdicts.push(e.detail.kind));
    await waitFor(() => plain.services.pubsub.getSubscribers(DISCOVERY_TOPIC).length > 0, 5000, 'subscription');
    await plain.services.pubsub.publish(DISCOVERY_TOPIC, Uint8Array.of(1, 2, 3));
    await waitFor(() => verdicts.includes('reject'), 5000, 'reject');
    await waitFor(() => hub.services.pubsub.getScore(plain.peerId.toString()) < 0, 5000, 'negative score');
  }, 15_000);
});

describe('neighbour keeper', () => {
  it('forms direct links up to the target with no explicit dial, and replaces a lost one', async () => {
    const { hub, peers } = await star(5);
    const keepers = peers.map((p) => keeper(p, hub.peerId, { target: 2, max: 4 }));
    await waitFor(() => keepers.every((k) => k.neighbours().length >= 2), 10_000, 'two neighbours each');
    expect(keepers.every((k) => k.neighbours().length <= 4)).toBe(true);
    // Peer 0 loses a neighbour for good (it stops): it dials someone else.
    const lost = keepers[0]!.neighbours()[0]!;
    const gone = peers.find((p) => p.peerId.equals(lost))!;
    await keepers[peers.indexOf(gone)]!.stop();
    await gone.stop();
    await waitFor(() => keepers[0]!.neighbours().length >= 2 && !keepers[0]!.neighbours().some((p) => p.equals(lost)), 10_000, 'replacement');
  }, 30_000);

  it('closes links beyond max', async () => {
    const { hub, peers } = await star(4);
    const [a, ...others] = peers;
    const k = keeper(a!, hub.peerId, { target: 1, max: 1 });
    let opened = 0;
    a!.addEventListener('connection:open', (e) => void (e.detail.remotePeer.equals(hub.peerId) || opened++));
    // The keeper may close a link while the dialler is still opening it: that is the point.
    await Promise.all(others.map((o) => o!.dial(a!.getMultiaddrs()[0]!).catch(() => {})));
    expect(opened).toBeGreaterThanOrEqual(2);
    await waitFor(() => k.neighbours().length === 1, 5000, 'trimmed to max');
  }, 15_000);
});

describe('neighbour keeper bounds (fake node, injected clock)', () => {
  const target = () => multiaddr('/memory/z/p2p/12D3KooWLRPJAA5o6Z6ezxg2XU2RDA3X7Y3pELTS3M3c4YBJbJvr');
  function fake(dial: (addrs: Multiaddr[]) => Promise<unknown>) {
    const self = { toString: () => 'self', equals: () => false } as unknown as PeerId;
    return {
      peerId: self,
      dial: ((addrs: Multiaddr[]) => dial(addrs)) as never,
      getConnections: () => [] as Connection[],
      addEventListener: () => {},
      removeEventListener: () => {},
    };
  }

  it('backs off exponentially per candidate, capped, and keeps failures across re-announcements', async () => {
    let t = 0;
    const tried: number[] = [];
    const n = fake(async () => {
      tried.push(t);
      throw new Error('unreachable');
    });
    const k = new NeighbourKeeper(n, { tickMs: 3_600_000, backoffMinMs: 1000, backoffMaxMs: 4000, now: () => t, random: () => 0 });
    k.start();
    stops.push(() => k.stop());
    const offer = () => k.offer({ peerId: 'p1', addrs: [target()] });
    offer();
    for (t = 0; t <= 20_000; t += 500) {
      if (t === 6000) offer(); // re-announced: the backoff stays
      k.tick();
      await sleep(0);
    }
    // 0, +1 s, +2 s, +4 s, then every 4 s (the cap).
    expect(tried).toEqual([0, 1000, 3000, 7000, 11_000, 15_000, 19_000]);
  });

  it('never has more than maxDials in flight, and forgets candidates not re-announced', async () => {
    let t = 0;
    let inFlight = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const n = fake(
      () =>
        new Promise((_, reject) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          release.push(() => {
            inFlight--;
            reject(new Error('x'));
          });
        }),
    );
    const k = new NeighbourKeeper(n, { target: 6, maxDials: 2, tickMs: 3_600_000, candidateTtlMs: 10_000, now: () => t, random: () => 0.5 });
    k.start();
    stops.push(() => k.stop());
    for (let i = 0; i < 10; i++) k.offer({ peerId: `p${i}`, addrs: [target()] });
    await sleep(0);
    k.tick();
    expect(peak).toBe(2);
    expect(k.attempts).toBe(2);
    release.splice(0).forEach((r) => r());
    await sleep(0);
    expect(peak).toBe(2);
    expect(k.candidateCount()).toBe(10);
    t = 10_001;
    k.tick();
    expect(k.candidateCount()).toBe(0);
    release.splice(0).forEach((r) => r());
  });

  it('ignores our own announcement and addresses it may not dial', () => {
    const n = fake(async () => {});
    const k = new NeighbourKeeper(n, { canDial: () => false });
    k.offer({ peerId: 'self', addrs: [target()] });
    k.offer({ peerId: 'p1', addrs: [target()] });
    expect(k.candidateCount()).toBe(0);
    expect(() => new NeighbourKeeper(n, { target: 5, max: 4 })).toThrow(RangeError);
    expect(() => new NeighbourKeeper(n, { target: -1 })).toThrow(RangeError);
  });
});
