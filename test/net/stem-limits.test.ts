// The stem against a neighbour nobody here wrote: a stock libp2p node (memory transport, noise, yamux,
// identify) writing raw frames on `/shh/6/stem/1.0.0` to a WhisperPeer. The stem validates like gossip
// (one policy: below the floor or inside the grace after a raise is ignored, not penalised), and the
// envelopes it holds for others are capped overall and per sender (docs/SECURITY.md "Limits").
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { memory } from '@libp2p/memory';
import { lpStream } from '@libp2p/utils';
import { createLibp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { envelopeHash } from '../../src/core/envelope.ts';
import { validateEnvelope } from '../../src/core/validate.ts';
import { WhisperPeer, type WhisperPeerInit } from '../../src/net/peer.ts';
import { seededRandomBytes } from '../../src/net/stem/random.ts';
import { STEM_PROTOCOL, type StemSettings } from '../../src/net/stem/settings.ts';
import { envelopeRlp, HEARTBEAT, now, sleep, T0, waitFor } from './helpers.ts';

const running: Array<{ stop(): void | Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

async function victim(settings: Partial<StemSettings>, init: Partial<WhisperPeerInit> = {}): Promise<WhisperPeer> {
  const peer = await WhisperPeer.create({
    now,
    nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT } },
    stem: { settings: { releaseDelayMs: 0, ...settings }, randomBytes: seededRandomBytes('victim') },
    ...init,
  });
  await peer.start();
  running.push(peer);
  return peer;
}

/** A stock libp2p node; with `sink`, it also speaks the stem (identify tells the victim) and records what it gets. */
async function stranger(sink?: Uint8Array[]) {
  const node = await createLibp2p({
    addresses: { listen: [] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  });
  await node.start();
  running.push(node);
  if (sink)
    await node.handle(STEM_PROTOCOL, async (stream) => {
      const lp = lpStream(stream);
      try {
        for (;;) sink.push((await lp.read()).subarray());
      } catch {
        // the victim closed its stream
      }
    });
  return node;
}
type Stranger = Awaited<ReturnType<typeof stranger>>;

async function stemAll(node: Stranger, v: WhisperPeer, envs: Uint8Array[]): Promise<void> {
  const stream = await node.dialProtocol(v.getMultiaddrs()[0]!, STEM_PROTOCOL);
  const lp = lpStream(stream);
  for (const e of envs) await lp.write(e);
}

function envelopesWithPow(lo: number, hi: number, n: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let s = seed; out.length < n; s++) {
    const rlp = envelopeRlp(s, { target: lo });
    const v = validateEnvelope(rlp, { minPow: 0, maxSize: 1 << 20, now: T0 });
    if (v.kind === 'accept' && v.envelope.pow >= lo && v.envelope.pow < hi) out.push(rlp);
    if (s - seed > 10_000) throw new Error('no envelopes in range');
  }
  return out;
}

describe('stem: the same validation policy as gossip', () => {
  it('inside the grace after a raise, envelopes between the old and the new minimum are ignored, not penalised; after it they cut the sender off', async () => {
    const graceMs = 5000;
    const v = await victim({ fluffProbability: 1 }, { minPow: 0.2, requirement: { graceMs } });
    const node = await stranger();
    await node.dial(v.getMultiaddrs()[0]!);
    const cut: string[] = [];
    v.addEventListener('cut-off', (e) => cut.push(e.detail.peer.toString()));
    const verdicts: string[] = [];
    v.addEventListener('verdict', (e) => verdicts.push(e.detail.verdict.kind));
    const low = envelopesWithPow(0.5, 1, 12, 3000);
    const raisedAt = performance.now();
    v.minPow = 1;
    await stemAll(node, v, low.slice(0, 6));
    await waitFor(() => verdicts.length === 6, 5000, 'verdicts in the grace');
    expect(performance.now() - raisedAt).toBeLessThan(graceMs); // else the machine was too slow to test this
    await sleep(300);
    expect(verdicts).toEqual(Array(6).fill('accept')); // valid by the penalty policy, then ignored below the new minimum
    expect(cut).toEqual([]);
    expect(v.score(node.peerId)).toBeGreaterThanOrEqual(0);
    expect(low.slice(0, 6).some((r) => v.pool.has(envelopeHash(r)))).toBe(false);
    // After the grace the same kind of envelope is invalid: four of them cut the sender off, as on gossip.
    await sleep(Math.max(0, graceMs - (performance.now() - raisedAt)) + 100);
    await stemAll(node, v, low.slice(6)).catch(() => {});
    await waitFor(() => cut.length > 0, 5000, 'cut-off after the grace');
    expect(cut).toEqual([node.peerId.toString()]);
  }, 30_000);
});

describe('stem: the held set is capped', () => {
  it('per sender: beyond maxHeldPerSender a relayed envelope is fluffed at once (pooled, nothing lost), the held set stays at the cap', async () => {
    // Never a diffuser, long embargoes: every relayed envelope would be held for a minute.
    const v = await victim({ fluffProbability: 0, embargoMinMs: 60_000, embargoMeanMs: 1, maxHeldPerSender: 5, maxHeld: 100 });
    const sink: Uint8Array[] = [];
    const node = await stranger(sink);
    await node.dial(v.getMultiaddrs()[0]!);
    await waitFor(() => v.stem!.routes().successors.length === 1, 5000, 'the stranger as successor');
    const envs = Array.from({ length: 12 }, (_, i) => envelopeRlp(5000 + i));
    await stemAll(node, v, envs);
    await waitFor(() => envs.filter((r) => v.pool.has(envelopeHash(r))).length === 7, 5000, 'the excess fluffed');
    expect(v.stem!.heldRelayed).toBe(5);
    await waitFor(() => sink.length === 5, 5000, 'the held ones relayed on');
  }, 30_000);

  it('overall: beyond maxHeld, whoever sends', async () => {
    const v = await victim({ fluffProbability: 0, embargoMinMs: 60_000, embargoMeanMs: 1, maxHeldPerSender: 100, maxHeld: 6 });
    const sinks: Uint8Array[][] = [[], []];
    const nodes = [await stranger(sinks[0]), await stranger(sinks[1])];
    for (const n of nodes) await n.dial(v.getMultiaddrs()[0]!);
    await waitFor(() => v.stem!.routes().successors.length === 2, 5000, 'both strangers as successors');
    const envs = Array.from({ length: 10 }, (_, i) => envelopeRlp(6000 + i));
    await stemAll(nodes[0]!, v, envs.slice(0, 5));
    await waitFor(() => v.stem!.heldRelayed === 5, 5000, 'five held');
    await stemAll(nodes[1]!, v, envs.slice(5));
    await waitFor(() => envs.filter((r) => v.pool.has(envelopeHash(r))).length === 4, 5000, 'the excess fluffed');
    expect(v.stem!.heldRelayed).toBe(6);
  }, 30_000);
});
