// The relay's gossipsub mesh (src/net/node.ts relayMesh): a hub in the relay's configuration with
// many leaves that connect only to it must mesh with all of them, so every leaf gets every envelope
// pushed through the mesh. Lazy gossip (IHAVE) is turned off on the hub: only the mesh can deliver.
import { afterEach, describe, expect, it } from 'vitest';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { createWhisperNode, relayMesh } from '../../src/net/node.ts';
import type { WhisperPeer } from '../../src/net/peer.ts';
import { connect, createPeers, envelopeRlp, HEARTBEAT, stopAll, waitFor } from './helpers.ts';

const LEAVES = 36;

describe('relay mesh', () => {
  let all: WhisperPeer[] = [];
  afterEach(async () => {
    await stopAll(all);
    all = [];
  });

  it('meshes a hub with every leaf and pushes every envelope to all of them', async () => {
    const [hub] = await createPeers(1, {
      nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT, options: { ...relayMesh(), Dlazy: 0, gossipFactor: 0 } } },
    });
    const leaves = await createPeers(LEAVES);
    all = [hub!, ...leaves];
    for (const leaf of leaves) await connect(leaf, hub!);
    const subscribers = (): number => hub!.node.services.pubsub.getSubscribers(GOSSIP_TOPIC).length;
    await waitFor(() => subscribers() === LEAVES, 30_000, 'leaf subscriptions at the hub');
    // Generous bounds for a loaded machine; gossipsub's defaults never get past Dhi = 12 here.
    await waitFor(() => hub!.meshPeerCount === LEAVES, 30_000, 'a full mesh').catch(() => undefined);
    expect(hub!.meshPeerCount).toBe(LEAVES);

    const got = leaves.map(() => 0);
    leaves.forEach((leaf, i) => leaf.addEventListener('envelope', () => got[i]!++));
    for (let k = 0; k < 3; k++) await leaves[k]!.publish(envelopeRlp(100 + k));
    // Each leaf has its own post and the two others' posts; the wait is generous, not a timing claim.
    await waitFor(() => got.every((n) => n === 3), 30_000, 'every leaf to hold every envelope').catch(() => undefined);
    expect(got.filter((n) => n < 3).length).toBe(0);
  }, 120_000);

  it('is the relay role configuration', async () => {
    const relay = await createWhisperNode({ role: 'relay', host: '127.0.0.1', port: 0 });
    const opts = (relay.services.pubsub as unknown as { opts: { D: number; Dlo: number; Dhi: number } }).opts;
    expect({ D: opts.D, Dlo: opts.Dlo, Dhi: opts.Dhi }).toEqual(relayMesh());
    expect(relayMesh().Dhi).toBeGreaterThanOrEqual(1000);
    const browserish = await createWhisperNode({ role: 'test' });
    const dflt = (browserish.services.pubsub as unknown as { opts: { Dhi: number } }).opts;
    expect(dflt.Dhi).toBe(12); // clients and browsers keep gossipsub's defaults
  });
});
