// What catch-up learns is forwarded to the other peers, never back to the peer it came from
// (docs/ARCHITECTURE.md "Admission"). Three peers in one process (memory transport): A holds
// envelopes gossip never saw, B catches up from A and has C as a second gossip neighbour. A's own
// gossip validator is the spy: it sees every envelope anyone sends A on the topic.
import type { PeerId } from '@libp2p/interface';
import type { TopicValidatorFn } from '@libp2p/gossipsub';
import { afterEach, describe, expect, it } from 'vitest';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { CatchUp } from '../../src/net/sync/catch-up.ts';
import { WhisperPeer } from '../../src/net/peer.ts';
import { connect, envelopeRlp, HEARTBEAT, meshed, T0, waitFor } from './helpers.ts';

const MIN_POW = 0.001;
const clock = () => T0 * 1000;
interface Node {
  peer: WhisperPeer;
  catchUp: CatchUp;
}
let running: Node[] = [];

afterEach(async () => {
  for (const n of running) {
    await n.catchUp.stop();
    await n.peer.stop();
  }
  running = [];
});

async function createNode(): Promise<Node> {
  const peer = await WhisperPeer.create({ now: clock, minPow: MIN_POW, nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT } } });
  const catchUp = new CatchUp({ node: peer.node, pool: peer.pool, admission: peer.admission, now: clock, sync: { batchEnvelopes: 8 } });
  await peer.start();
  await catchUp.start();
  const node = { peer, catchUp };
  running.push(node);
  return node;
}

describe('catch-up forwarding', () => {
  it('envelopes B learns from A by catch-up reach C by gossip, and none goes back to A', async () => {
    const [a, b, c] = [await createNode(), await createNode(), await createNode()];
    await connect(b.peer, a.peer);
    await connect(b.peer, c.peer);
    await meshed([a.peer, b.peer, c.peer], [1, 2, 1]);
    // Into A's pool by the start-up path: in A's store and pool, unknown to gossipsub everywhere.
    const rlps = Array.from({ length: 40 }, (_, i) => envelopeRlp(500 + i, { ttl: 3600, target: MIN_POW }));
    for (const rlp of rlps) expect((await a.peer.admission.admit(rlp, { source: { kind: 'load' } })).kind).toBe('accept');
    // The spy: every gossip message A receives, with who sent it.
    const toA: PeerId[] = [];
    const pubsub = a.peer.node.services.pubsub;
    const validator = pubsub.topicValidators.get(GOSSIP_TOPIC)!;
    const spy: TopicValidatorFn = (from, msg) => {
      toA.push(from);
      return validator(from, msg);
    };
    pubsub.topicValidators.set(GOSSIP_TOPIC, spy);

    await b.catchUp.syncWith(a.peer.peerId);
    expect(b.peer.pool.size).toBe(40);
    await waitFor(() => c.peer.pool.size === 40, 5000, 'C to get every envelope B learned');
    // Several heartbeats, so gossip's IHAVE/IWANT would have had its chance to carry them back too.
    const until = performance.now() + 8 * HEARTBEAT;
    await waitFor(() => performance.now() > until, 5000, 'a few heartbeats');
    expect(toA).toEqual([]);
  });
});
