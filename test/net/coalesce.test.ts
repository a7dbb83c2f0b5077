// Forwards coalesced per neighbour (src/net/coalesce.ts): envelopes bound for one neighbour within the
// delay leave as one RPC, each envelope encoded once for all neighbours, nothing lost or reordered;
// the stock path (coalesce: false) sends one RPC per envelope per neighbour.
import { afterEach, describe, expect, it } from 'vitest';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { coalesceStats } from '../../src/net/coalesce.ts';
import { IDONTWANT_MIN_BYTES } from '../../src/net/gossip.ts';
import { createWhisperNode, relayMesh } from '../../src/net/node.ts';
import type { WhisperPeer } from '../../src/net/peer.ts';
import { connect, createPeers, envelopeRlp, HEARTBEAT, stopAll, waitFor } from './helpers.ts';

const LEAVES = 3;
const BURST = 10;

async function star(coalesce: false | { delayMs: number }): Promise<{ hub: WhisperPeer; leaves: WhisperPeer[] }> {
  const [hub] = await createPeers(1, {
    nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT, coalesce, options: { ...relayMesh(), Dlazy: 0, gossipFactor: 0 } } },
  });
  const leaves = await createPeers(LEAVES);
  for (const leaf of leaves) await connect(leaf, hub!);
  await waitFor(() => hub!.meshPeerCount === LEAVES, 30_000, 'the hub meshed with every leaf');
  return { hub: hub!, leaves };
}

describe('coalesced forwards', () => {
  let all: WhisperPeer[] = [];
  afterEach(async () => {
    await stopAll(all);
    all = [];
  });

  it('sends a burst to each neighbour as one RPC, each envelope encoded once, every envelope delivered in order', async () => {
    const { hub, leaves } = await star({ delayMs: 50 });
    all = [hub, ...leaves];
    const order = leaves.map(() => [] as Uint8Array[]);
    leaves.forEach((leaf, i) => leaf.addEventListener('envelope', (e) => order[i]!.push(e.detail.envelope.hash)));
    const stats = coalesceStats(hub.node.services.pubsub)!;
    expect(stats).toBeDefined();
    const before = { ...stats };
    const posted = await Promise.all(Array.from({ length: BURST }, (_, k) => hub.publish(envelopeRlp(200 + k))));
    await waitFor(() => order.every((o) => o.length === BURST), 30_000, 'every leaf to hold the burst');
    for (const o of order) expect(o).toEqual(posted.map((e) => e.hash));
    expect(stats.messages - before.messages).toBe(BURST * LEAVES);
    expect(stats.encodings - before.encodings).toBe(BURST);
    // One RPC per leaf; a loaded machine may split the burst across a timer, never into one per envelope.
    expect(stats.rpcs - before.rpcs).toBeGreaterThanOrEqual(LEAVES);
    expect(stats.rpcs - before.rpcs).toBeLessThanOrEqual(2 * LEAVES);
  }, 120_000);

  it('forwards what a neighbour sent to the others, coalesced, and never back to it', async () => {
    const { hub, leaves } = await star({ delayMs: 20 });
    all = [hub, ...leaves];
    const got = leaves.map(() => 0);
    leaves.forEach((leaf, i) => leaf.addEventListener('envelope', (e) => void (e.detail.from && got[i]!++)));
    const stats = coalesceStats(hub.node.services.pubsub)!;
    const before = stats.messages;
    await Promise.all(Array.from({ length: BURST }, (_, k) => leaves[0]!.publish(envelopeRlp(300 + k))));
    await waitFor(() => got[1] === BURST && got[2] === BURST, 30_000, 'the other leaves to hold the burst');
    expect(got[0]).toBe(0);
    expect(stats.messages - before).toBe(BURST * (LEAVES - 1));
  }, 120_000);

  it('is off in the stock path; on by default', async () => {
    const { hub, leaves } = await star(false);
    all = [hub, ...leaves];
    expect(coalesceStats(hub.node.services.pubsub)).toBeUndefined();
    expect(coalesceStats(leaves[0]!.node.services.pubsub)).toBeDefined();
    const got = leaves.map(() => 0);
    leaves.forEach((leaf, i) => leaf.addEventListener('envelope', () => got[i]!++));
    await hub.publish(envelopeRlp(400));
    await waitFor(() => got.every((n) => n === 1), 30_000, 'delivery on the stock path');
    expect(hub.node.services.pubsub.getSubscribers(GOSSIP_TOPIC).length).toBe(LEAVES);
  }, 120_000);

  it('a relay sends IDONTWANT only from 8 KiB (its stock path and other roles: gossipsub\'s 512 B)', async () => {
    const threshold = async (init: Parameters<typeof createWhisperNode>[0]): Promise<number> =>
      ((await createWhisperNode(init)).services.pubsub as unknown as { opts: { idontwantMinDataSize: number } }).opts.idontwantMinDataSize;
    expect(await threshold({ role: 'relay', host: '127.0.0.1', port: 0 })).toBe(IDONTWANT_MIN_BYTES);
    expect(IDONTWANT_MIN_BYTES).toBe(8192);
    expect(await threshold({ role: 'relay', host: '127.0.0.1', port: 0, gossip: { coalesce: false } })).toBe(512);
    expect(await threshold({ role: 'test' })).toBe(512);
  });
});
