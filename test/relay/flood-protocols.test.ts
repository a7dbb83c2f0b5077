// A stranger floods a real relay (relay/relay.ts, the whole service main.ts runs, on WebSockets) with
// valid cheap envelopes over each protocol that accepts envelopes, from a node nobody here wrote the
// Whisper side of: stock libp2p + noise/yamux writing raw frames on `/shh/6/stem/1.0.0` and
// `/shh/6/sync/1.0.0` (and stock gossipsub for the baseline). Every protocol draws on the same
// per-neighbour budget and leads to the same cut-off (docs/SECURITY.md "Limits"): what enters the
// relay's pool is held to the budget, and past the abuse level the flooder is hung up on and refused
// on redial. The budget is tightened (burst 200, 20 a second, abuse at twice that) so that reaching
// the abuse level does not depend on how fast a loaded machine lets the flood through.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, waitFor } from './harness.ts';
import { budget, flood, flooder, LIMIT, nodes, overGossip, overStem, overSync, PROTOCOLS, settled, startRelay } from './protocol-flood.ts';
import { multiaddr } from '@multiformats/multiaddr';

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await cleanup();
});

describe('a flood of valid envelopes over every protocol a relay accepts envelopes on', () => {
  it.each(Object.keys(PROTOCOLS) as Array<keyof typeof PROTOCOLS>)(
    '%s: 2000 envelopes put at most the per-neighbour budget in the pool, and the flooder is cut off and refused on redial',
    async (protocol) => {
      const relay = await startRelay();
      const node = await flooder(protocol === 'gossip');
      nodes.push(node);
      const envs = flood(100_000, 2000);
      const t0 = performance.now();
      // The relay hangs up on the flooder somewhere in the flood: what is left unsent does not matter.
      await PROTOCOLS[protocol](node, relay, envs).catch(() => {});
      await waitFor('the flooder hung up on', async () => node.getConnections().length === 0, 20_000);
      // Nothing enters after the hang-up: the budget refills at most until then.
      const seconds = (performance.now() - t0) / 1000;
      const pooled = await settled(relay);
      console.log(`[flood-protocols] ${protocol}: ${envs.length} sent, cut off after ${seconds.toFixed(1)} s, ${pooled} pooled (budget ${Math.round(budget(seconds))})`);
      expect(pooled).toBeGreaterThanOrEqual(LIMIT.burstEnvelopes * 0.9);
      expect(pooled).toBeLessThanOrEqual(budget(seconds));
      // Refused on redial: the connection is hung up on at once (or never opens).
      await node.dial(multiaddr(relay.addr)).catch(() => {});
      await waitFor('the redial hung up on', async () => node.getConnections().length === 0, 10_000);
    },
    120_000,
  );

  it('the budget is one per neighbour across protocols: gossip, stem and catch-up together get no more than one of them', async () => {
    const relay = await startRelay();
    const node = await flooder(true);
    nodes.push(node);
    const t0 = performance.now();
    // Each below the abuse level on its own; the flooder may be cut off on the way (then the rest fails).
    await overGossip(node, relay, flood(200_000, 300)).catch(() => {});
    await overStem(node, relay, flood(300_000, 300)).catch(() => {});
    await overSync(node, relay, flood(400_000, 300)).catch(() => {});
    const pooled = await settled(relay);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`[flood-protocols] 300 each over gossip, stem, sync in ${seconds.toFixed(1)} s: ${pooled} pooled (budget ${Math.round(budget(seconds))})`);
    expect(pooled).toBeLessThanOrEqual(budget(seconds));
  }, 120_000);
});
