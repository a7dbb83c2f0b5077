// A stranger floods a real relay (relay/relay.ts, the whole service main.ts runs, on WebSockets) with
// valid cheap envelopes over each protocol that accepts envelopes, from a node nobody here wrote the
// Whisper side of: stock libp2p + noise/yamux writing raw frames on `/shh/6/stem/1.0.0` and
// `/shh/6/sync/1.0.0` (and stock gossipsub for the baseline). Every protocol draws on the same
// per-neighbour budget and leads to the same cut-off (docs/SECURITY.md "Limits"): what enters the
// relay's pool is held to the budget, and past the abuse level the flooder is hung up on and refused
// on redial. The budget is tightened (burst 200, 20 a second, abuse at twice that) so that reaching
// the abuse level does not depend on how fast a loaded machine lets the flood through.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, StrictNoSign, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { GOSSIP_TOPIC, SYNC_PROTOCOL, SYNC_VERSION } from '../../src/core/constants.ts';
import { STEM_PROTOCOL } from '../../src/net/stem/settings.ts';
import { envelopeRlp } from '../net/helpers.ts';
import { Relay } from '../../relay/relay.ts';
import { tempDataDir, cleanup, waitFor } from './harness.ts';

const FRAME_ENVELOPE = 2;
const FRAME_END = 3;
const FRAME_MARK = 4;

/** Stock libp2p; gossipsub only for the gossip flood (a stem or sync flooder need not speak it, so has no gossipsub score). */
async function flooder(gossip = false) {
  const node = await createLibp2p({
    addresses: { listen: [] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ...(gossip ? { pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign }) } : {}) },
  });
  await node.start();
  return node as Libp2p<{ identify: Identify; pubsub?: GossipSub }>;
}
type Flooder = Awaited<ReturnType<typeof flooder>>;

const LIMIT = { envelopesPerSecond: 20, burstEnvelopes: 200, bytesPerSecond: 1 << 20, burstBytes: 4 << 20, penaltyFactor: 2 };
const budget = (seconds: number): number => LIMIT.burstEnvelopes + LIMIT.envelopesPerSecond * (seconds + 1);

const nodes: Array<{ stop(): void | Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await cleanup();
});

interface RelayUnderTest {
  relay: Relay;
  addr: string;
}

async function startRelay(): Promise<RelayUnderTest> {
  const relay = new Relay({ host: '127.0.0.1', port: 0, rpcPort: 0, data: tempDataDir(), minPow: 0, powWorkers: 1, rateLimit: LIMIT });
  await relay.start();
  nodes.push(relay);
  const addr = relay.multiaddrs().find((a) => a.startsWith('/ip4/127.0.0.1/'))!;
  return { relay, addr };
}

/** `n` valid envelopes at PoW target 0, live for 5 minutes on the real clock; distinct per seed. */
function flood(seed: number, n: number): Uint8Array[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: n }, (_, i) => envelopeRlp(seed + i, { now, ttl: 300, target: 0 }));
}

/** The relay's pool once what it accepted is on disk and pooled (group commit): the same count twice, 100 ms apart. */
async function settled(r: RelayUnderTest): Promise<number> {
  let last = -1;
  return waitFor('the pool to settle', async () => {
    const n = r.relay.peer.pool.size;
    const same = n === last;
    last = n;
    return same ? n : undefined;
  });
}

/** Writes every envelope as one stem frame on one stream, as fast as the stream takes them. */
async function overStem(node: Flooder, relay: RelayUnderTest, envs: Uint8Array[]): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(relay.addr), STEM_PROTOCOL);
  const lp = lpStream(stream);
  for (const e of envs) await lp.write(e);
  await stream.close();
}

/** Opens a sync session as initiator that wants nothing, then pushes every envelope (marks every 256). */
async function overSync(node: Flooder, relay: RelayUnderTest, envs: Uint8Array[]): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(relay.addr), SYNC_PROTOCOL);
  const lp = lpStream(stream);
  await lp.write(Uint8Array.of(SYNC_VERSION, FRAME_END)); // no reconciliation, an empty want list
  await lp.read(); // the responder's (empty) envelope stream ends
  let i = 0;
  for (const e of envs) {
    const frame = new Uint8Array(2 + e.length);
    frame.set([SYNC_VERSION, FRAME_ENVELOPE]);
    frame.set(e, 2);
    await lp.write(frame);
    if (++i % 256 === 0) {
      await lp.write(Uint8Array.of(SYNC_VERSION, FRAME_MARK));
      await lp.read();
    }
  }
  await lp.write(Uint8Array.of(SYNC_VERSION, FRAME_END));
  await stream.close();
}

async function overGossip(node: Flooder, relay: RelayUnderTest, envs: Uint8Array[]): Promise<void> {
  const pubsub = node.services.pubsub!;
  await node.dial(multiaddr(relay.addr));
  pubsub.subscribe(GOSSIP_TOPIC);
  await waitFor('the relay in the flooder mesh', async () => pubsub.getSubscribers(GOSSIP_TOPIC).length > 0);
  for (const e of envs) await pubsub.publish(GOSSIP_TOPIC, e);
}

const PROTOCOLS = { gossip: overGossip, stem: overStem, sync: overSync } as const;

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
