// Many peers in one process (memory transport, injected clock) with catch-up sync wired the way the
// relay and the browser wire it: a partition heals and both sides end with the same pool, whatever
// the envelopes' TTL; expired envelopes are dropped everywhere and never come back through sync.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '@libp2p/interface';
import { bytesToKey } from '../../src/core/bytes.ts';
import { CatchUp, WITHHOLD_RECHECK_MS } from '../../src/net/sync/catch-up.ts';
import { validateEnvelope } from '../../src/core/validate.ts';
import { WhisperPeer } from '../../src/net/peer.ts';
import { connect, envelopeRlp, HEARTBEAT, line, meshed, sleep, T0, waitFor } from './helpers.ts';

interface Node {
  peer: WhisperPeer;
  catchUp: CatchUp;
}

// A day-long TTL at the default PoW 0.2 takes ~2^21 reference hashes to seal: too slow for a test.
const MIN_POW = 0.001;
let clockMs = T0 * 1000;
const clock = () => clockMs;
let running: Node[] = [];

afterEach(async () => {
  for (const n of running) {
    await n.catchUp.stop();
    await n.peer.stop();
  }
  running = [];
  clockMs = T0 * 1000;
});

async function createNodes(
  count: number,
  withhold?: (hash: Uint8Array) => boolean,
  sync?: ConstructorParameters<typeof CatchUp>[0]['sync'],
): Promise<Node[]> {
  const nodes: Node[] = [];
  for (let i = 0; i < count; i++) {
    let catchUp: CatchUp | undefined;
    const peer = await WhisperPeer.create({
      now: clock,
      minPow: MIN_POW,
      nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT } },
      // As the relay does: the side that dialled starts the session.
      onPeerConnected: (id: PeerId) => {
        if (peer.node.getConnections(id).some((c) => c.direction === 'outbound')) void catchUp?.syncWith(id);
      },
    });
    catchUp = new CatchUp({
      node: peer.node,
      pool: peer.pool,
      admission: peer.admission,
      ...(withhold ? { withhold } : {}),
      ...(sync ? { sync } : {}),
      now: clock,
    });
    await peer.start();
    await catchUp.start();
    nodes.push({ peer, catchUp });
  }
  running.push(...nodes);
  return nodes;
}

const hashes = (n: Node) => [...n.peer.pool.values()].map((e) => bytesToKey(e.hash)).sort();

describe('partition and heal', () => {
  it('two groups that posted apart end with the same pool once one link joins them', async () => {
    const nodes = await createNodes(6);
    const left = nodes.slice(0, 3);
    const right = nodes.slice(3);
    await meshed(left.map((n) => n.peer), await line(left.map((n) => n.peer)));
    await meshed(right.map((n) => n.peer), await line(right.map((n) => n.peer)));
    // Short, hour-long and day-long envelopes on both sides of the partition.
    const ttls = [60, 3600, 86_400];
    for (let i = 0; i < 3; i++) await left[i]!.peer.publish(envelopeRlp(100 + i, { ttl: ttls[i]!, target: MIN_POW }));
    for (let i = 0; i < 3; i++) await right[i]!.peer.publish(envelopeRlp(200 + i, { ttl: ttls[i]!, target: MIN_POW }));
    await waitFor(() => nodes.every((n) => n.peer.pool.size === 3), 5000, 'each side spreads its own');
    expect(hashes(left[0]!)).not.toEqual(hashes(right[0]!));
    // Gossip has moved on; only catch-up can carry the other side's envelopes now.
    await sleep(3 * HEARTBEAT);
    await connect(left[2]!.peer, right[0]!.peer);
    await waitFor(() => nodes.every((n) => n.peer.pool.size === 6), 10_000, 'union everywhere');
    const want = hashes(nodes[0]!);
    for (const n of nodes) expect(hashes(n)).toEqual(want);
  });

  it('expired envelopes leave every pool and are not brought back by a later catch-up', async () => {
    const nodes = await createNodes(3);
    const [a, b, c] = nodes as [Node, Node, Node];
    await meshed([a.peer, b.peer], await line([a.peer, b.peer]));
    await a.peer.publish(envelopeRlp(300, { ttl: 10, target: MIN_POW }));
    await a.peer.publish(envelopeRlp(301, { ttl: 3600, target: MIN_POW }));
    await waitFor(() => b.peer.pool.size === 2, 5000, 'b has both');
    clockMs += 11_000; // the 10 s envelope has expired
    for (const n of nodes) n.peer.pool.expire();
    expect(a.peer.pool.size).toBe(1);
    expect(b.peer.pool.size).toBe(1);
    await connect(c.peer, b.peer); // c arrives late and catches up
    await waitFor(() => c.peer.pool.size === 1, 5000, 'c catches up');
    await sleep(5 * HEARTBEAT);
    expect(hashes(c)).toEqual(hashes(a));
  });

  it('catch-up withholds what the stem still holds (an own post would name its author), then offers it', async () => {
    const held = new Set<string>();
    const nodes = await createNodes(2, (h) => held.has(bytesToKey(h)));
    const [a, b] = nodes as [Node, Node];
    const rlp = envelopeRlp(400, { ttl: 3600, target: MIN_POW });
    const v = validateEnvelope(rlp, a.peer.policy());
    if (v.kind !== 'accept') throw new Error('fixture');
    held.add(bytesToKey(v.envelope.hash));
    a.peer.pool.add(v.envelope); // as a post does before the stem releases it
    await connect(b.peer, a.peer); // b dials: b runs a session and must not learn it
    await sleep(10 * HEARTBEAT);
    expect(b.peer.pool.size).toBe(0);
    held.clear(); // the stem let it go
    await sleep(WITHHOLD_RECHECK_MS + 200);
    await b.catchUp.syncWith(a.peer.peerId);
    await waitFor(() => b.peer.pool.size === 1, 5000, 'b catches up once released');
  });

  it('a backlog larger than one session carries runs more sessions until it is all there', async () => {
    const nodes = await createNodes(2, undefined, { maxEnvelopes: 25, batchEnvelopes: 8 });
    const [a, b] = nodes as [Node, Node];
    for (let i = 0; i < 60; i++) {
      const v = validateEnvelope(envelopeRlp(500 + i, { ttl: 3600, target: MIN_POW }), a.peer.policy());
      if (v.kind === 'accept') a.peer.pool.add(v.envelope);
    }
    expect(a.peer.pool.size).toBe(60);
    await connect(b.peer, a.peer); // b dials and runs the sessions: 25 + 25 + 10
    await waitFor(() => b.peer.pool.size === 60, 10_000, 'the whole backlog');
  });
});
