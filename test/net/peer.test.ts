import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '@libp2p/interface';
import { bytesToKey, toHex } from '../../src/core/bytes.ts';
import { MAX_MESSAGE_SIZE_CEILING } from '../../src/core/constants.ts';
import { envelopeHash } from '../../src/core/envelope.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import type { Verdict } from '../../src/core/validate.ts';
import type { WhisperPeer } from '../../src/net/peer.ts';
import { createPeers, envelopeRlp, HEARTBEAT, line, meshed, sleep, stopAll, T0, waitFor } from './helpers.ts';

let running: WhisperPeer[] = [];
afterEach(async () => {
  await stopAll(running);
  running = [];
});

/** Records, per peer, the hashes of the envelopes it emitted (with repeats, to catch double emits). */
function record(peers: WhisperPeer[]): string[][] {
  const seen = peers.map(() => [] as string[]);
  peers.forEach((p, i) => p.addEventListener('envelope', (e) => seen[i]!.push(toHex(e.detail.envelope.hash))));
  return seen;
}

describe('WhisperPeer: dissemination', () => {
  it('an envelope posted at one end of a line of 10 reaches every peer, each emitting it once', async () => {
    const peers = (running = await createPeers(10));
    await meshed(peers, await line(peers));
    const seen = record(peers);
    const posted = await peers[0]!.publish(envelopeRlp(1));
    const id = toHex(posted.hash);
    await waitFor(() => seen.every((s) => s.includes(id)), 5000, 'propagation');
    await sleep(5 * HEARTBEAT); // gossip rounds (IHAVE/IWANT) must not re-deliver it
    for (const [i, p] of peers.entries()) {
      expect(seen[i]).toEqual([id]);
      expect(p.pool.has(posted.hash)).toBe(true);
    }
  });

  it('a ring of 8 with every peer posting: each envelope once at every peer, sources named', async () => {
    const peers = (running = await createPeers(8));
    await meshed(peers, await line(peers, true));
    const seen = record(peers);
    const froms: Array<PeerId | undefined> = [];
    peers[4]!.addEventListener('envelope', (e) => froms.push(e.detail.from));
    const posted = await Promise.all(peers.map((p, i) => p.publish(envelopeRlp(100 + i))));
    const ids = posted.map((e) => toHex(e.hash)).sort();
    await waitFor(() => seen.every((s) => s.length >= 8), 5000, 'propagation');
    await sleep(5 * HEARTBEAT);
    for (const s of seen) expect([...s].sort()).toEqual(ids);
    // peer 4 posted one itself (no source) and got 7 from its two ring neighbours.
    expect(froms.filter((f) => f === undefined)).toHaveLength(1);
    const neighbours = new Set([peers[3]!.peerId.toString(), peers[5]!.peerId.toString()]);
    for (const f of froms) if (f) expect(neighbours.has(f.toString())).toBe(true);
  });

  it('an envelope at the 1 MiB ceiling crosses the network when both sides raised the maximum', async () => {
    const peers = (running = await createPeers(2, { maxSize: MAX_MESSAGE_SIZE_CEILING, minPow: 0 }));
    await meshed(peers, await line(peers));
    const data = new Uint8Array(MAX_MESSAGE_SIZE_CEILING - 20).fill(7);
    const rlp = envelopeRlp(0, { data, target: 0 });
    const got = new Promise<Uint8Array>((resolve) =>
      peers[1]!.addEventListener('envelope', (e) => resolve(e.detail.envelope.rlp), { once: true }),
    );
    await peers[0]!.publish(rlp);
    expect(toHex(envelopeHash(await got))).toBe(toHex(envelopeHash(rlp)));
  });
});

describe('WhisperPeer: publish', () => {
  it('validates against the local policy before anything leaves', async () => {
    const [p] = (running = await createPeers(1));
    const cases: Array<[Uint8Array, string]> = [
      [envelopeRlp(1, { target: 0 }), 'low-pow'],
      [envelopeRlp(2, { now: T0 - 100, ttl: 50 }), 'expired'],
      [envelopeRlp(3, { now: T0 + 60 }), 'future'],
      [envelopeRlp(4, { data: new Uint8Array(64 * 1024), target: 0 }), 'too-large'],
      [Uint8Array.of(0xc0), 'bad-envelope'],
    ];
    for (const [rlp, code] of cases) {
      const err = await p!.publish(rlp).catch((e: unknown) => e);
      expect(isWhisperError(err) && err.code, code).toBe(code);
    }
    expect(p!.pool.size).toBe(0);
  });

  it('refuses a second post of the same envelope as a duplicate, and an expired-within-tolerance one', async () => {
    const [p] = (running = await createPeers(1));
    const rlp = envelopeRlp(5);
    const e = await p!.publish(rlp);
    expect(e.hash).toEqual(envelopeHash(rlp));
    await expect(p!.publish(rlp)).rejects.toSatisfy((x) => isWhisperError(x, 'duplicate'));
    await expect(p!.publish(envelopeRlp(6, { now: T0 - 55, ttl: 50 }))).rejects.toSatisfy((x) =>
      isWhisperError(x, 'expired'),
    );
    expect(p!.pool.size).toBe(1);
  });

  it('refuses to publish before start and rejects settings outside the spec', async () => {
    const [p] = (running = await createPeers(1));
    await p!.stop();
    await expect(p!.publish(envelopeRlp(7))).rejects.toThrow(/not started/);
    expect(() => (p!.maxSize = MAX_MESSAGE_SIZE_CEILING + 1)).toThrow(RangeError);
    expect(() => (p!.minPow = -1)).toThrow(RangeError);
  });
});

describe('WhisperPeer: seams', () => {
  it('counts peers and calls onPeerConnected for each new peer', async () => {
    const connected: string[] = [];
    const peers = (running = await createPeers(3, { onPeerConnected: (id) => void connected.push(id.toString()) }));
    expect(peers[0]!.peerCount).toBe(0);
    await line(peers);
    await waitFor(() => peers[1]!.peerCount === 2, 2000, 'peers');
    expect(peers[0]!.peerCount).toBe(1);
    expect(peers[1]!.connectionCount).toBe(2);
    // each of the 2 links is seen from both ends
    await waitFor(() => connected.length === 4, 2000, 'hooks');
    expect(new Set(connected).size).toBe(3);
  });

  it('emits envelopes another component adds to the pool, without a source', async () => {
    const [p] = (running = await createPeers(1));
    const got: Array<{ hash: string; from: unknown }> = [];
    p!.addEventListener('envelope', (e) => got.push({ hash: bytesToKey(e.detail.envelope.hash), from: e.detail.from }));
    const posted = await p!.publish(envelopeRlp(8));
    expect(got).toEqual([{ hash: bytesToKey(posted.hash), from: undefined }]);
  });

  it('a failing beforeForward keeps the envelope out of the pool and from being forwarded', async () => {
    const [a, c] = (running = await createPeers(2));
    // the middle peer cannot make envelopes durable: it must not pass them on.
    const [b] = await createPeers(1, {
      store: {
        put: () => {
          throw new Error('disk full');
        },
      },
    });
    running.push(b!);
    const verdicts: Verdict[] = [];
    b!.addEventListener('verdict', (e) => verdicts.push(e.detail.verdict));
    const peers = [a!, b!, c!];
    await meshed(peers, await line(peers));
    await a!.publish(envelopeRlp(9));
    await waitFor(() => verdicts.length === 1, 3000, 'verdict');
    await sleep(5 * HEARTBEAT);
    expect(verdicts[0]!.kind).toBe('accept');
    expect(b!.pool.size).toBe(0); // nothing held in memory that is not on disk
    expect(c!.pool.size).toBe(0);
  });
});
