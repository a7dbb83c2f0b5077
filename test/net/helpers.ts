// Helpers for many-peer tests over the libp2p memory transport: WhisperPeers on a frozen injected
// clock, topologies, a plain (non-Whisper) gossipsub node, and polling with a deadline.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { memory } from '@libp2p/memory';
import { createLibp2p } from 'libp2p';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { EnvelopePool } from '../../src/core/pool.ts';
import { WhisperPeer, type WhisperPeerInit } from '../../src/net/peer.ts';
import { WhisperService, type WhisperServiceInit } from '../../src/net/service.ts';
import { makeEnvelope, testBytes, type MakeOptions } from '../core/fixtures.ts';

export const T0 = 1_700_000_000; // unix seconds of the frozen test clock
export const now = (): number => T0 * 1000;
export const HEARTBEAT = 100;

/** A sealed envelope's RLP sent at T0 (unless told), distinct per seed. */
export function envelopeRlp(seed: number, o: MakeOptions = {}): Uint8Array {
  return encodeEnvelope(makeEnvelope({ now: T0, data: testBytes(seed)(48), ...o }));
}

export async function createPeers(n: number, init: Partial<WhisperPeerInit> = {}): Promise<WhisperPeer[]> {
  const peers = await Promise.all(
    Array.from({ length: n }, () =>
      WhisperPeer.create({ now, nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT } }, ...init }),
    ),
  );
  await Promise.all(peers.map((p) => p.start()));
  return peers;
}

/** A started WhisperService on the memory transport over a pool of its own (PoW 0, no configured peers). */
export async function startService(over: Partial<WhisperServiceInit> = {}): Promise<WhisperService> {
  const pool = new EnvelopePool({ now });
  const s = await WhisperService.create({ nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT } }, pool, now, minPow: 0, trusted: [], ...over });
  pool.start();
  await s.start();
  return s;
}

/** Stops what startService started: the service, then its pool. */
export async function stopService(s: WhisperService): Promise<void> {
  await s.stop();
  s.peer.pool.stop();
}

export async function stopAll(nodes: Array<{ stop(): Promise<void> }>): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

export async function connect(a: WhisperPeer, b: WhisperPeer): Promise<void> {
  const addr = b.getMultiaddrs()[0];
  if (!addr) throw new Error('peer has no address');
  await a.dial(addr);
}

/** Connects i to i+1 (a line); `ring` also closes the loop. Returns each peer's degree. */
export async function line(peers: WhisperPeer[], ring = false): Promise<number[]> {
  const degree = peers.map(() => 0);
  const edges: Array<[number, number]> = [];
  for (let i = 0; i + 1 < peers.length; i++) edges.push([i, i + 1]);
  if (ring && peers.length > 2) edges.push([peers.length - 1, 0]);
  for (const [i, j] of edges) {
    await connect(peers[i]!, peers[j]!);
    degree[i]!++;
    degree[j]!++;
  }
  return degree;
}

/** Waits until every peer has its full degree in the topic mesh (forwarding only uses the mesh). */
export async function meshed(peers: WhisperPeer[], degree: number[]): Promise<void> {
  await waitFor(() => peers.every((p, i) => p.meshPeerCount >= Math.min(degree[i]!, 6)), 5000, 'mesh');
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A node nobody here wrote the Whisper side of: stock libp2p + @libp2p/gossipsub on the topic with
 * StrictNoSign and gossipsub's own defaults (its own message ids, no validator, no scoring tweaks).
 */
export async function createPlainNode() {
  const node = await createLibp2p({
    addresses: { listen: [] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, heartbeatInterval: HEARTBEAT }),
    },
  });
  node.services.pubsub.subscribe(GOSSIP_TOPIC);
  return node;
}

export type PlainNode = Awaited<ReturnType<typeof createPlainNode>>;
