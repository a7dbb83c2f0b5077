// One run of the mix-layer observer study: R relays running the real MixNode (real Sphinx peeling on
// WebCrypto X25519, real exponential delays, replay caches, relay loop cover) and N clients running
// the real MixClient (real frames from createFrame, the Poisson send clock with loop and drop cover)
// on the EventSim clock over SimNet links, every transmission tapped. Clients connect to relays in
// turn (client i to relay i mod R). Posts are made at fixed intervals by seeded random clients, and in
// the same run (interleaved) plain posts and stem posts from other random clients travel the same
// links unpadded, for comparison. Returns the taps and the ground truth; analysis is elsewhere.

import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToKey, toHex } from '../../src/core/bytes.ts';
import { FRAME_SIZE } from '../../src/core/mix/constants.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { MixClient } from '../../src/net/mix/client.ts';
import type { VerifiedKeyRecord } from '../../src/net/mix/key-record.ts';
import { MixNode } from '../../src/net/mix/mix-node.ts';
import { nodeIdOf } from '../../src/net/mix/node-id.ts';
import { below, uniform } from '../../src/net/mix/random.ts';
import { RelayCover } from '../../src/net/mix/relay-cover.ts';
import { nativeScalarMult, nobleScalarMult } from '../../src/net/mix/scalar-mult.ts';
import { MIX_PROTOCOL } from '../../src/net/mix/settings.ts';
import { seededRandomBytes } from '../../src/net/stem/random.ts';
import { EventSim } from './event-sim.ts';
import { SimNet, type Tap } from './sim-net.ts';

export interface WorldConfig {
  clients: number;
  relays: number;
  rateHz: number;
  meanDelayMs: number;
  maxDelayMs: number;
  /** Relay loop cover, frames/s per relay. */
  relayCoverHz: number;
  hops: number;
  warmupMs: number;
  /** Dark posts are made during this window, one every postEveryMs; then the run drains. */
  postWindowMs: number;
  postEveryMs: number;
  drainMs: number;
  /** Envelope bytes (RLP) of every post. */
  envelopeBytes: number;
  seed: string;
}

export interface Post {
  id: number;
  mode: 'mix' | 'plain' | 'stem';
  origin: number;
  t0: number;
  /** When its (last) frame left the client (mix posts). */
  left?: number;
  /** When and where the envelope first appeared in gossip (the observer is a full peer). */
  seen?: { t: number; at: number; cause: number | undefined };
}

export interface World {
  config: WorldConfig;
  /** Node indices: relays are 0..R-1, clients R..R+N-1. */
  relays: number[];
  clients: number[];
  entryOf: Map<number, number>;
  taps: Tap[];
  posts: Post[];
  start: number;
  end: number;
  loops: { sent: number; returned: number; lost: number };
  rejects: Map<string, number>;
  wallMs: number;
}

const START = Math.floor(1_800_000_000_000 / 3_600_000) * 3_600_000 + 60_000; // one key period

async function peer(seed: string): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', sha256(new TextEncoder().encode(seed))));
}

export async function runWorld(c: WorldConfig): Promise<World> {
  const wall = performance.now();
  const rb = seededRandomBytes(`world ${c.seed}`);
  const sim = new EventSim(START);
  const net = new SimNet(sim, () => uniform(rb));
  const native = await nativeScalarMult(undefined, (e) => console.error('bench: no native X25519, using noble:', e));
  const mult = native ? (s: Uint8Array, u: Uint8Array) => sim.track(native(s, u)) : nobleScalarMult;
  const posts: Post[] = [];
  const byEnvelope = new Map<string, Post>();
  const rejects = new Map<string, number>();
  const onError = (e: unknown) => console.error('bench: mix error', e);

  const relayIds = await Promise.all(Array.from({ length: c.relays }, (_, i) => peer(`${c.seed} relay ${i}`)));
  const clientIds = await Promise.all(Array.from({ length: c.clients }, (_, i) => peer(`${c.seed} client ${i}`)));
  const relayNodes = relayIds.map((id) => net.add(id));
  const clientNodes = clientIds.map((id) => net.add(id));
  const resolveMap = new Map([...relayIds, ...clientIds].map((id) => [bytesToKey(nodeIdOf(id)), id]));
  const records: VerifiedKeyRecord[] = [];
  const covers: RelayCover[] = [];
  const mixes: MixNode[] = [];

  for (const [i, node] of relayNodes.entries()) {
    let cover: RelayCover | undefined;
    const mix = new MixNode(
      {
        node: node as never,
        charge: () => true,
        admit: (rlp) => {
          const p = byEnvelope.get(toHex(rlp));
          if (p && !p.seen) p.seen = { t: sim.now(), at: node.index, cause: sim.cause };
        },
        ownLoop: (f) => cover?.recognise(f) ?? false,
        resolve: (id) => resolveMap.get(bytesToKey(id)),
        onError,
      },
      { randomBytes: seededRandomBytes(`${c.seed} mix ${i}`), clock: sim, scalarMult: mult, settings: { meanDelayMs: c.meanDelayMs, maxDelayMs: c.maxDelayMs } },
    );
    mix.addEventListener('mix', (e) => {
      if (e.detail.action === 'reject') rejects.set(e.detail.reason ?? '?', (rejects.get(e.detail.reason ?? '?') ?? 0) + 1);
    });
    await mix.start();
    const k = mix.keys.current();
    records.push({ peerId: node.peerId, nodeId: nodeIdOf(node.peerId), mixKey: k.publicKey, notBefore: k.notBefore, notAfter: k.notAfter });
    if (c.relayCoverHz > 0) {
      cover = new RelayCover({
        clock: sim,
        randomBytes: seededRandomBytes(`${c.seed} cover ${i}`),
        ownId: nodeIdOf(node.peerId),
        ownKey: () => mix.keys.current().publicKey,
        records: () => records,
        send: (to, frame) => mix.send(to, frame),
        rateHz: c.relayCoverHz,
        hops: Math.max(2, c.hops),
        loopTimeoutMs: 60_000,
        onError,
      });
      covers.push(cover);
    }
    mixes.push(mix);
  }

  const entryOf = new Map<number, number>();
  const clients: MixClient[] = [];
  const postQueue = new Map<number, number[]>();
  for (const [i, node] of clientNodes.entries()) {
    const entry = relayNodes[i % c.relays]!;
    entryOf.set(node.index, entry.index);
    const entryId = nodeIdOf(entry.peerId);
    const queue: number[] = [];
    postQueue.set(node.index, queue);
    const outbound = { stream: undefined as undefined | ReturnType<typeof lpStream> };
    const client: MixClient = new MixClient({
      clock: sim,
      randomBytes: seededRandomBytes(`${c.seed} client ${i}`),
      ownId: nodeIdOf(node.peerId),
      entry: () => entryId,
      records: () => records,
      send: async (frame, kind) => {
        node.labels.push(kind === 'real' ? { kind, post: queue.shift()! } : { kind });
        outbound.stream ??= lpStream((await node.dialProtocol(entry.peerId, MIX_PROTOCOL)) as never, { maxDataLength: FRAME_SIZE });
        await outbound.stream.write(frame);
      },
      settings: { rateHz: c.rateHz, hops: c.hops },
      onError,
    });
    await node.handle(MIX_PROTOCOL, (stream) => {
      const lp = lpStream(stream as never, { maxDataLength: FRAME_SIZE });
      void (async () => {
        for (;;) client.recognise((await lp.read()).subarray());
      })().catch((e: unknown) => (stream.closed ? undefined : onError(e)));
    });
    clients.push(client);
  }

  // Clocks start at random moments within one mean interval, as clients would come online.
  for (const [i, cl] of clients.entries()) sim.at(uniform(rb) * (1000 / c.rateHz), () => cl.start(), undefined);
  for (const cv of covers) sim.at(uniform(rb) * 1000, () => cv.start(), undefined);

  const envelope = (id: number): Uint8Array => {
    const data = new Uint8Array(Math.max(8, c.envelopeBytes - 30));
    new DataView(data.buffer).setUint32(0, id);
    return encodeEnvelope({ expiry: Math.floor(START / 1000) + 7200, ttl: 7200, topic: Uint8Array.of(1, 2, 3, 4), data, nonce: 0n });
  };
  const relayOf = (clientNode: number) => entryOf.get(clientNode)!;
  const plainSeen = (p: Post) => (tap: Tap) => void (p.seen ??= { t: sim.now(), at: tap.to, cause: tap.id });
  // Stem: the entry relay, then 0-2 further relays (a Dandelion++ stem of 1-3 hops), then gossip.
  const stemHop = (p: Post, bytes: number, hopsLeft: number) => (tap: Tap) => {
    if (hopsLeft === 0) return plainSeen(p)(tap);
    const others = c.relays > 1 ? [...Array(c.relays).keys()].filter((r) => r !== tap.to) : [tap.to];
    const next = others[below(rb, others.length)]!;
    net.plain(tap.to, next, bytes, undefined, stemHop(p, bytes, hopsLeft - 1));
  };

  const first = START + c.warmupMs;
  const count = Math.floor(c.postWindowMs / c.postEveryMs);
  for (let k = 0; k < count; k++) {
    const mode = (['mix', 'plain', 'mix', 'stem'] as const)[k % 4]!;
    sim.at(first - START + k * c.postEveryMs, () => {
      const ci = below(rb, c.clients);
      const node = clientNodes[ci]!;
      const p: Post = { id: posts.length, mode, origin: node.index, t0: sim.now() };
      posts.push(p);
      const rlp = envelope(p.id);
      if (mode === 'mix') {
        byEnvelope.set(toHex(rlp), p);
        const r = clients[ci]!.post(rlp);
        for (let f = 0; f < r.frames; f++) postQueue.get(node.index)!.push(p.id);
      } else if (mode === 'plain') {
        net.plain(node.index, relayOf(node.index), rlp.length, { kind: 'plain', post: p.id }, plainSeen(p));
      } else {
        net.plain(node.index, relayOf(node.index), rlp.length, { kind: 'stem', post: p.id }, stemHop(p, rlp.length, below(rb, 3)));
      }
    }, undefined);
  }
  const end = first + c.postWindowMs + c.drainMs;
  await sim.run(end);
  for (const cl of clients) cl.stop();
  for (const cv of covers) cv.stop();
  const loops = { sent: 0, returned: 0, lost: 0 };
  for (const cl of clients) {
    const s = cl.loopStats();
    loops.sent += s.sent;
    loops.returned += s.returned;
    loops.lost += s.lost;
  }
  for (const m of mixes) await m.stop();
  return {
    config: c,
    relays: relayNodes.map((n) => n.index),
    clients: clientNodes.map((n) => n.index),
    entryOf,
    taps: net.taps,
    posts,
    start: START,
    end,
    loops,
    rejects,
    wallMs: performance.now() - wall,
  };
}
