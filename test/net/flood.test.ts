// Hostile peers: a neighbour flooding 1 000 invalid envelopes a second is cut off (hung up
// on, refused for a cooldown) after a handful, honest traffic through the same victim still arrives;
// a neighbour sending valid envelopes beyond its rate limit gets only the limit through.
import { afterEach, describe, expect, it } from 'vitest';
import { envelopeHash } from '../../src/core/envelope.ts';
import { SCORE_THRESHOLDS } from '../../src/net/gossip.ts';
import type { WhisperPeer } from '../../src/net/peer.ts';
import { JUNK_KINDS, runFlood } from './flood-harness.ts';
import { connect, createPeers, envelopeRlp, meshed, sleep, stopAll, T0, waitFor } from './helpers.ts';

let running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await stopAll(running);
  running = [];
});

describe('flood of invalid envelopes', () => {
  it.each(JUNK_KINDS)('%s at 1000/s: flooder cut off after a handful, refused on redial; honest delivery at least 99 percent, honest peers unharmed', async (kind) => {
    const r = await runFlood({ kind, rate: 1000, floodMs: 2000, honest: 100, honestMs: 2000, honestPeers: 2 });
    expect(r.sent).toBe(2000);
    expect(r.cutOffMs).toBeDefined();
    expect(r.disconnectMs).toBeDefined();
    // Count, not time: gossipsub alone reads >= 128 RPCs (its whitelist grace) and keeps reading.
    expect(r.validated).toBeGreaterThanOrEqual(4);
    expect(r.validated).toBeLessThan(100);
    expect(r.redialRefused).toBe(true);
    expect(r.delivered / r.posted).toBeGreaterThanOrEqual(0.99);
    expect(r.honestMinScore).toBeGreaterThanOrEqual(0);
    expect(r.honestCut).toBe(false);
  }, 60_000);
});

/** A victim on a manual clock, a sender and an honest peer, all connected to the victim. */
async function rateSetup(init: Parameters<typeof createPeers>[1] = {}) {
  let offset = 0;
  const now = (): number => T0 * 1000 + offset;
  const rateLimit = init.rateLimit === false ? false : { ...init.rateLimit, now };
  const [victim] = await createPeers(1, { now, ...init, rateLimit });
  const [sender, honest] = await createPeers(2);
  running.push(victim!, sender!, honest!);
  await connect(sender!, victim!);
  await connect(honest!, victim!);
  await meshed([victim!], [2]);
  const from = (peer: WhisperPeer): (() => number) => {
    let n = 0;
    victim!.addEventListener('envelope', (e) => {
      if (e.detail.from?.equals(peer.peerId)) n++;
    });
    return () => n;
  };
  return { victim: victim!, sender: sender!, honest: honest!, from, advance: (ms: number) => (offset += ms) };
}

async function post(peer: WhisperPeer, seed: number, n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const rlp = envelopeRlp(seed + i);
    out.push(rlp);
    await peer.publish(rlp);
  }
  return out;
}

describe('per-neighbour rate limit on valid new envelopes', () => {
  const limit = { envelopesPerSecond: 5, burstEnvelopes: 10, bytesPerSecond: 1 << 20, burstBytes: 1 << 20, penaltyFactor: 100 };

  it('a fast sender gets its burst through, then the sustained rate; the rest is ignored, not stored; others unaffected', async () => {
    const s = await rateSetup({ rateLimit: limit });
    const fromSender = s.from(s.sender);
    const fromHonest = s.from(s.honest);
    const limited: string[] = [];
    s.victim.addEventListener('rate-limited', (e) => limited.push(e.detail.level));
    const sent = await post(s.sender, 7000, 30);
    await waitFor(() => fromSender() + limited.length === 30, 5000, 'verdicts on the burst');
    expect(fromSender()).toBe(10);
    expect(limited).toEqual(Array(20).fill('over'));
    expect(sent.filter((r) => s.victim.pool.has(envelopeHash(r)))).toHaveLength(10);
    // One second later: five more tokens.
    s.advance(1000);
    await post(s.sender, 8000, 10);
    await waitFor(() => fromSender() + limited.length === 40, 5000, 'verdicts after a second');
    expect(fromSender()).toBe(15);
    // The honest neighbour has its own bucket, and over-the-limit envelopes cost the sender no score.
    await post(s.honest, 9000, 10);
    await waitFor(() => fromHonest() === 10, 5000, 'honest envelopes');
    await sleep(300);
    expect(s.victim.score(s.sender.peerId)).toBeGreaterThanOrEqual(0);
    expect(s.victim.score(s.honest.peerId)).toBeGreaterThanOrEqual(0);
  }, 30_000);

  it('an envelope ignored over the limit still arrives when another neighbour brings it (not left marked as seen)', async () => {
    const s = await rateSetup({ rateLimit: limit });
    const fromHonest = s.from(s.honest);
    const sent = await post(s.sender, 7000, 30);
    await waitFor(() => sent.filter((r) => s.victim.pool.has(envelopeHash(r))).length === 10, 5000, 'the burst');
    await sleep(200);
    const ignored = sent.filter((r) => !s.victim.pool.has(envelopeHash(r)));
    expect(ignored).toHaveLength(20);
    // The honest neighbour brings the same 20 (its own bucket has room for 10).
    for (const r of ignored) await s.honest.publish(r).catch(() => {});
    await waitFor(() => fromHonest() === 10, 5000, 'the honest copies');
    expect(ignored.filter((r) => s.victim.pool.has(envelopeHash(r)))).toHaveLength(10);
  }, 30_000);

  it('far over the limit (penaltyFactor) counts as invalid: the sender is cut off', async () => {
    const s = await rateSetup({ rateLimit: { ...limit, penaltyFactor: 2 } });
    const cut: string[] = [];
    s.victim.addEventListener('cut-off', (e) => cut.push(e.detail.peer.toString()));
    await post(s.sender, 7000, 40).catch(() => {});
    await waitFor(() => cut.length > 0, 5000, 'cut-off');
    expect(cut).toEqual([s.sender.peerId.toString()]);
    await waitFor(() => s.victim.node.getConnections(s.sender.peerId).length === 0, 5000, 'hang-up');
    expect(s.victim.score(s.sender.peerId)).toBeLessThan(SCORE_THRESHOLDS.graylistThreshold);
    await post(s.honest, 9000, 5);
    await waitFor(() => [...Array(5).keys()].every((i) => s.victim.pool.has(envelopeHash(envelopeRlp(9000 + i)))), 5000, 'honest delivery');
  }, 30_000);

  it('a trusted (configured) neighbour has no limit and is never cut off', async () => {
    let senderId = '';
    const s = await rateSetup({ rateLimit: { ...limit, penaltyFactor: 2 }, trusted: (id) => id.toString() === senderId });
    senderId = s.sender.peerId.toString();
    const fromSender = s.from(s.sender);
    await post(s.sender, 7000, 40);
    await waitFor(() => fromSender() === 40, 5000, 'all 40');
    expect(s.victim.node.getConnections(s.sender.peerId).length).toBeGreaterThan(0);
  }, 30_000);
});
