import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { toHex } from '../../src/core/bytes.ts';
import { envelopeHash } from '../../src/core/envelope.ts';
import { WhisperPeer, type WhisperPeerInit } from '../../src/net/peer.ts';
import { seededRandomBytes } from '../../src/net/stem/random.ts';
import { STEM_PROTOCOL, type StemSettings } from '../../src/net/stem/settings.ts';
import type { StemEventDetail } from '../../src/net/stem/stem.ts';
import { connect, envelopeRlp, HEARTBEAT, meshed, now, sleep, stopAll, T0, waitFor } from './helpers.ts';

let running: WhisperPeer[] = [];
afterEach(async () => {
  await stopAll(running);
  running = [];
});

/** Peers with stem routing, each with its own seeded randomness; `plain` indexes get none. */
async function stemPeers(n: number, settings: Partial<StemSettings>, plain: number[] = [], init: Partial<WhisperPeerInit> = {}): Promise<WhisperPeer[]> {
  const peers = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      WhisperPeer.create({
        now,
        nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT } },
        ...(plain.includes(i) ? {} : { stem: { settings: { releaseDelayMs: 0, ...settings }, randomBytes: seededRandomBytes(`peer${i}`) } }),
        ...init,
      }),
    ),
  );
  await Promise.all(peers.map((p) => p.start()));
  running.push(...peers);
  return peers;
}

async function wire(peers: WhisperPeer[], edges: Array<[number, number]>): Promise<void> {
  const degree = peers.map(() => 0);
  for (const [i, j] of edges) {
    await connect(peers[i]!, peers[j]!);
    degree[i]!++;
    degree[j]!++;
  }
  await meshed(peers, degree);
}

/** Waits until every stem peer counts `k` stem-capable successors (identify has run). */
async function routed(peers: WhisperPeer[], k: (i: number) => number): Promise<void> {
  await waitFor(() => peers.every((p, i) => !p.stem || p.stem.routes().successors.length >= k(i)), 5000, 'stem routes');
}

function stemLog(peers: WhisperPeer[]): StemEventDetail[][] {
  const logs = peers.map(() => [] as StemEventDetail[]);
  peers.forEach((p, i) => p.stem?.addEventListener('stem', (e) => logs[i]!.push(e.detail)));
  return logs;
}

const has = (peers: WhisperPeer[], hash: Uint8Array): boolean[] => peers.map((p) => p.pool.has(hash));

/** A peer that speaks the stem protocol but drops what it gets (records the frames). */
async function blackHole(p: WhisperPeer): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  await p.node.handle(STEM_PROTOCOL, async (stream) => {
    frames.push((await lpStream(stream).read()).subarray());
    await stream.close();
  });
  return frames;
}

describe('stem: private first hops', () => {
  it("a posted envelope leaves by the stem, and the stem's frames are the bare envelope", async () => {
    // 0 - 1 - 2 - 3(black hole, records) ; nobody fluffs, so 0's envelope must cross 1 to reach 3.
    const peers = await stemPeers(4, { fluffProbability: 0, embargoMinMs: 200, embargoMeanMs: 50 }, [3]);
    const frames = await blackHole(peers[3]!);
    await wire(peers, [[0, 1], [1, 2], [2, 3]]);
    await routed(peers, (i) => (i === 0 ? 1 : 2));
    const logs = stemLog(peers);
    const rlp = envelopeRlp(1);
    const posted = await peers[0]!.publish(rlp);
    await waitFor(() => has(peers, posted.hash).every(Boolean), 5000, 'delivery');
    // 0 handed it to 1 on the stem, never to gossip first; 1 did not know it came from its author.
    expect(logs[0]!.find((e) => e.action === 'relay')).toMatchObject({ own: true, to: peers[1]!.peerId.toString() });
    const at1 = logs[1]!.find((e) => e.action === 'receive')!;
    expect(at1.from!.toString()).toBe(peers[0]!.peerId.toString());
    expect(at1.own).toBe(false);
    // What the black hole got, relayed by 1 -> 2 -> 3 or by embargo, is the envelope's RLP, nothing more.
    for (const f of frames) expect(toHex(f)).toBe(toHex(rlp));
    // Its author lets go once gossip brings it back (forwards leave a few ms late, coalesced).
    await waitFor(() => !peers[0]!.stem!.holds(posted.hash), 5000, 'the author lets go');
  });

  it('an envelope dropped by a stem peer still arrives everywhere through the embargo', async () => {
    // 0 - 1 - 2(drops) - 3 with q = 0: 0 stems to 1, 1 to 2 (not back to 0), 2 drops it.
    const peers = await stemPeers(4, { fluffProbability: 0, embargoMinMs: 300, embargoMeanMs: 100 }, [2]);
    const frames = await blackHole(peers[2]!);
    await wire(peers, [[0, 1], [1, 2], [2, 3]]);
    await routed(peers, (i) => (i === 0 || i === 3 ? 1 : 2));
    const logs = stemLog(peers);
    const rlp = envelopeRlp(2);
    const t0 = Date.now();
    const posted = await peers[0]!.publish(rlp);
    await waitFor(() => has(peers, posted.hash).every(Boolean), 5000, 'delivery after embargo');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(frames.map((f) => toHex(f))).toEqual([toHex(rlp)]);
    const fluffs = logs.flat().filter((e) => e.action === 'fluff');
    expect(fluffs.length).toBeGreaterThanOrEqual(1);
    expect(fluffs.every((e) => e.reason === 'embargo')).toBe(true);
    await sleep(600); // the other embargo was lifted by the fluff, not fired too
    expect(logs.flat().filter((e) => e.action === 'fluff')).toHaveLength(fluffs.length);
    expect(peers.every((p) => !p.stem?.holds(posted.hash))).toBe(true);
  });

  it('stems never loop forever: on a ring where nobody fluffs, a second visit fluffs', async () => {
    const n = 6;
    // Embargo of an hour: only the loop rule can end this stem within the test.
    const peers = await stemPeers(n, { fluffProbability: 0, embargoMinMs: 3_600_000, embargoMeanMs: 0 });
    await wire(peers, Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as [number, number]));
    await routed(peers, () => 2);
    const logs = stemLog(peers);
    const posted = await peers[0]!.publish(envelopeRlp(3, { ttl: 7200 }));
    await waitFor(() => has(peers, posted.hash).every(Boolean), 5000, 'delivery');
    const all = logs.flat();
    expect(all.filter((e) => e.action === 'fluff').map((e) => e.reason)).toEqual(['loop']);
    // Each peer put it on the stem at most once; its author at most twice (its own send, and once
    // more if it came back: the author relays it like anyone's rather than fluff it itself).
    logs.forEach((log, i) => expect(log.filter((e) => e.action === 'relay').length).toBeLessThanOrEqual(i === 0 ? 2 : 1));
    expect(logs[0]!.some((e) => e.action === 'fluff')).toBe(false);
    await sleep(300);
    expect(peers.every((p) => !p.stem!.holds(posted.hash))).toBe(true);
  });

  it('a diffuser fluffs at once; a peer without stem peers fluffs its own post', async () => {
    const peers = await stemPeers(3, { fluffProbability: 1, embargoMinMs: 3_600_000 });
    await wire(peers, [[0, 1], [1, 2]]);
    await routed(peers, (i) => (i === 1 ? 2 : 1));
    const logs = stemLog(peers);
    const posted = await peers[0]!.publish(envelopeRlp(4));
    await waitFor(() => has(peers, posted.hash).every(Boolean), 5000, 'delivery');
    expect(logs[0]!.some((e) => e.action === 'relay' && e.own)).toBe(true); // own: stem even as a diffuser
    expect(logs[1]!.find((e) => e.action === 'fluff')?.reason).toBe('diffuser');

    const [alone] = await stemPeers(1, {});
    const log = stemLog([alone!]);
    const mine = await alone!.publish(envelopeRlp(5));
    await waitFor(() => log[0]!.some((e) => e.action === 'fluff'), 2000, 'fluff');
    expect(log[0]![0]).toMatchObject({ action: 'fluff', reason: 'no-successor', own: true });
    expect(alone!.pool.has(mine.hash)).toBe(true);
  });

  it('routes change with the epoch on a running peer', async () => {
    let t = 0;
    const clock = { now: () => t, setTimer: (fn: () => void, ms: number) => { const h = setTimeout(fn, ms); return () => clearTimeout(h); } };
    const hub = await WhisperPeer.create({
      now,
      nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT } },
      stem: { clock, randomBytes: seededRandomBytes('hub'), settings: { epochMs: 1000, epochJitterMs: 0 } },
    });
    await hub.start();
    running.push(hub);
    const leaves = await stemPeers(6, {});
    for (const l of leaves) await connect(hub, l);
    await waitFor(() => hub.stem!.routes().successors.length === 2 && leaves.every((l) => l.stem!.routes().successors.length === 1), 5000, 'routes');
    const seen = new Set<string>();
    let epoch = hub.stem!.routes().epoch;
    for (let e = 0; e < 6; e++) {
      const before = hub.stem!.routes();
      t += 500;
      expect(hub.stem!.routes()).toEqual(before);
      t += 600;
      const after = hub.stem!.routes();
      expect(after.epoch).toBe(++epoch);
      seen.add([...after.successors].sort().join());
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe('stem: hostile input', () => {
  async function sendRaw(from: WhisperPeer, to: PeerId, bytes: Uint8Array): Promise<void> {
    const s = await from.node.dialProtocol(to, STEM_PROTOCOL);
    await lpStream(s).write(bytes);
    await s.close();
  }

  it('rejects invalid envelopes like gossip does and penalises the sender; ignores duplicates unpunished', async () => {
    // Five rejections in a row: with the cut-off on, the fourth would hang up (test/net/flood.test.ts).
    const [target, sender] = await stemPeers(2, {}, [1], { cutOff: false });
    await wire([target!, sender!], [[0, 1]]);
    const logs = stemLog([target!]);
    const rejects = () => logs[0]!.filter((e) => e.action === 'reject').length;
    const cases: Uint8Array[] = [
      Uint8Array.of(0xc0), // bad-envelope
      new Uint8Array([1, 2, 3]), // bad-rlp
      envelopeRlp(10, { target: 0 }), // low-pow
      envelopeRlp(11, { now: T0 - 100, ttl: 50 }), // expired beyond the tolerance
      envelopeRlp(12, { now: T0 + 60 }), // future
    ];
    for (const [i, bytes] of cases.entries()) {
      await sendRaw(sender!, target!.peerId, bytes);
      await waitFor(() => rejects() === i + 1, 3000, `reject ${i}`);
      expect(target!.pool.has(envelopeHash(bytes.length > 3 ? bytes : Uint8Array.of(0xc0)))).toBe(false);
    }
    await waitFor(() => target!.score(sender!.peerId) < 0, 3000, 'penalty');
    // Nothing invalid went anywhere: the target never relayed or fluffed.
    expect(logs[0]!.filter((e) => e.action === 'relay' || e.action === 'fluff')).toEqual([]);
  });

  it('takes a valid envelope from a plain sender, and a duplicate costs the sender nothing', async () => {
    const [target, sender] = await stemPeers(2, {}, [1]);
    await wire([target!, sender!], [[0, 1]]);
    const logs = stemLog([target!]);
    const rlp = envelopeRlp(20);
    await sendRaw(sender!, target!.peerId, rlp);
    // The sender does not speak the stem protocol, so the target has no successor and fluffs.
    await waitFor(() => target!.pool.has(envelopeHash(rlp)) && sender!.pool.has(envelopeHash(rlp)), 3000, 'fluffed');
    expect(logs[0]!.map((e) => e.action)).toEqual(['receive', 'fluff']);
    await sendRaw(sender!, target!.peerId, rlp);
    await sleep(300);
    expect(logs[0]!).toHaveLength(2);
    expect(target!.score(sender!.peerId)).toBeGreaterThanOrEqual(0);
  });
});
