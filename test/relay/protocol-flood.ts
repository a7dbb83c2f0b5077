// A relay (relay/relay.ts, the whole service main.ts runs, on WebSockets) and a flooder nobody here
// wrote the Whisper side of: stock libp2p + noise/yamux writing raw frames on `/shh/6/stem/1.0.0` and
// `/shh/6/sync/1.0.0`, or stock gossipsub. Shared by test/relay/flood-protocols.test.ts and
// bench/flood-protocols.ts.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, StrictNoSign, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { GOSSIP_TOPIC, SYNC_PROTOCOL, SYNC_VERSION } from '../../src/core/constants.ts';
import { STEM_PROTOCOL } from '../../src/net/stem/settings.ts';
import { envelopeRlp } from '../net/helpers.ts';
import { Relay } from '../../relay/relay.ts';
import { tempDataDir, waitFor } from './harness.ts';

const FRAME_ENVELOPE = 2;
const FRAME_END = 3;
const FRAME_MARK = 4;

/** Stock libp2p; gossipsub only for the gossip flood (a stem or sync flooder need not speak it, so has no gossipsub score). */
export async function flooder(gossip = false) {
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
export type Flooder = Awaited<ReturnType<typeof flooder>>;

export const LIMIT = { envelopesPerSecond: 20, burstEnvelopes: 200, bytesPerSecond: 1 << 20, burstBytes: 4 << 20, penaltyFactor: 2 };
export const budget = (seconds: number): number => LIMIT.burstEnvelopes + LIMIT.envelopesPerSecond * (seconds + 1);

/** Everything started here, for the caller to stop. */
export const nodes: Array<{ stop(): void | Promise<void> }> = [];

export interface RelayUnderTest {
  relay: Relay;
  addr: string;
}

export async function startRelay(rateLimit: Partial<typeof LIMIT> = LIMIT): Promise<RelayUnderTest> {
  const relay = new Relay({ host: '127.0.0.1', port: 0, rpcPort: 0, data: tempDataDir(), minPow: 0, powWorkers: 1, rateLimit });
  await relay.start();
  nodes.push(relay);
  const addr = relay.multiaddrs().find((a) => a.startsWith('/ip4/127.0.0.1/'))!;
  return { relay, addr };
}

/** `n` valid envelopes at PoW target 0, live for 5 minutes on the real clock; distinct per seed. */
export function flood(seed: number, n: number): Uint8Array[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: n }, (_, i) => envelopeRlp(seed + i, { now, ttl: 300, target: 0 }));
}

/** The relay's pool once what it accepted is on disk and pooled (group commit): the same count twice, 100 ms apart. */
export async function settled(r: RelayUnderTest): Promise<number> {
  let last = -1;
  return waitFor('the pool to settle', async () => {
    const n = r.relay.peer.pool.size;
    const same = n === last;
    last = n;
    return same ? n : undefined;
  });
}

/** Writes every envelope as one stem frame on one stream, as fast as the stream takes them. */
export async function overStem(node: Flooder, relay: RelayUnderTest, envs: Uint8Array[]): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(relay.addr), STEM_PROTOCOL);
  const lp = lpStream(stream);
  for (const e of envs) await lp.write(e);
  await stream.close();
}

/** Opens a sync session as initiator that wants nothing, then pushes every envelope (marks every 256). */
export async function overSync(node: Flooder, relay: RelayUnderTest, envs: Uint8Array[]): Promise<void> {
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

export async function overGossip(node: Flooder, relay: RelayUnderTest, envs: Uint8Array[]): Promise<void> {
  const pubsub = node.services.pubsub!;
  await node.dial(multiaddr(relay.addr));
  pubsub.subscribe(GOSSIP_TOPIC);
  await waitFor('the relay in the flooder mesh', async () => pubsub.getSubscribers(GOSSIP_TOPIC).length > 0);
  for (const e of envs) await pubsub.publish(GOSSIP_TOPIC, e);
}

export const PROTOCOLS = { gossip: overGossip, stem: overStem, sync: overSync } as const;
