// Bytes each peer receives per envelope in a network of our peers (the envelope topic only): N
// WhisperPeers on the in-process memory transport, each dialling `links` others at random (a seeded
// topology, the same for every configuration), M envelopes posted by random peers at R per second.
// Counted at every peer: gossipsub RPC bytes received (each RPC's protobuf, from gossipsub's decoder)
// plus 33 bytes of framing per RPC (length prefix up to 3, yamux header 12, Noise length 2 and tag 16),
// split into envelope copies (first and duplicate) and control (IHAVE, IWANT, IDONTWANT, GRAFT, PRUNE).
// Heartbeat 1 s as shipped. Every link delays what it carries by its own latency, drawn once per link
// between --min-ms and --max-ms (gossipsub's handling of each received RPC is put off by it, which
// keeps each link's order): who hears an envelope first, and so what IDONTWANT and lazy links can
// save, depends on it. Prints one row per configuration, the ratio to the envelope size, and the
// delivery latency (post to each peer's first copy).
//   node_modules/.bin/node bench/gossip-bytes.ts [--peers 30] [--links 3] [--envelopes 60] [--rate 20] [--size 512] [--min-ms 10] [--max-ms 80]
//     [--only 1,3] (the configurations to run, counted from 1; default all)

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { GossipsubOpts } from '@libp2p/gossipsub';
import type { RPC } from '@libp2p/gossipsub/message';
import { GOSSIP_TOPIC } from '../src/core/constants.ts';
import { toHex } from '../src/core/bytes.ts';
import { encodeEnvelope, encodeShort, envelopeHash } from '../src/core/envelope.ts';
import { leadingZeroBits, powHash, zerosForTarget } from '../src/core/pow.ts';
import type { WhisperGossipInit } from '../src/net/gossip.ts';
import { lazyLinkStats, type LazyLinkStats } from '../src/net/lazy-links.ts';
import { WhisperPeer } from '../src/net/peer.ts';

const { values: a } = parseArgs({
  options: {
    peers: { type: 'string', default: '30' },
    links: { type: 'string', default: '3' },
    envelopes: { type: 'string', default: '60' },
    rate: { type: 'string', default: '20' },
    size: { type: 'string', default: '512' },
    'min-ms': { type: 'string', default: '10' },
    'max-ms': { type: 'string', default: '80' },
    only: { type: 'string' },
  },
});
const N = Number(a.peers);
const LINKS = Number(a.links);
const M = Number(a.envelopes);
const RATE = Number(a.rate);
const SIZE = Number(a.size);
const MIN_MS = Number(a['min-ms']);
const MAX_MS = Number(a['max-ms']);
const MIN_POW = 0.001;
const FRAMING = 33;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** A small seeded generator: the same topology and posters for every configuration. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function seal(i: number): Uint8Array {
  // The first two bytes number the envelope, so that no two of a run are the same.
  const data = new Uint8Array(SIZE).map((_, j) => (j < 2 ? i >> (8 * j) : i * 31 + j * 7) & 0xff);
  const p = { expiry: Math.floor(Date.now() / 1000) + 60, ttl: 60, topic: Uint8Array.of(1, 2, 3, 4), data };
  const short = encodeShort(p);
  const need = zerosForTarget(MIN_POW, short.length, p.ttl);
  let nonce = 0n;
  while (leadingZeroBits(powHash(short, nonce)) < need) nonce++;
  return encodeEnvelope({ ...p, nonce });
}

interface Count {
  bytes: number;
  rpcs: number;
  copies: number;
  copyBytes: number;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

async function measure(name: string, gossip: WhisperGossipInit): Promise<string> {
  const peers = await Promise.all(Array.from({ length: N }, () => WhisperPeer.create({ minPow: MIN_POW, nodeInit: { role: 'test', gossip }, requirement: false, rateLimit: false })));
  await Promise.all(peers.map((p) => p.start()));
  const counts: Count[] = peers.map(() => ({ bytes: 0, rpcs: 0, copies: 0, copyBytes: 0 }));
  let counting = false;
  const index = new Map(peers.map((p, i) => [p.node.peerId.toString(), i]));
  const linkRnd = lcg(11);
  const latency = Array.from({ length: N }, () => new Array<number>(N).fill(0));
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) latency[i]![j] = latency[j]![i] = MIN_MS + (MAX_MS - MIN_MS) * linkRnd();
  peers.forEach((p, i) => {
    const gs = p.node.services.pubsub as unknown as {
      decodeRpc(bytes: Uint8Array): RPC;
      handleReceivedRpc(from: { toString(): string }, rpc: RPC): Promise<void>;
    };
    const handle = gs.handleReceivedRpc.bind(gs);
    gs.handleReceivedRpc = (from, rpc) => {
      const ms = latency[i]![index.get(from.toString()) ?? i]!;
      return ms === 0 ? handle(from, rpc) : new Promise((r) => setTimeout(() => void handle(from, rpc).then(r, r), ms));
    };
    const decode = gs.decodeRpc.bind(gs);
    gs.decodeRpc = (bytes) => {
      const rpc = decode(bytes);
      if (counting) {
        const c = counts[i]!;
        c.bytes += bytes.length + FRAMING;
        c.rpcs++;
        for (const m of rpc.messages) if (m.topic === GOSSIP_TOPIC) {
          c.copies++;
          c.copyBytes += m.data?.length ?? 0;
        }
      }
      return rpc;
    };
  });
  const rnd = lcg(7);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < LINKS; k++) {
      let j = Math.floor(rnd() * N);
      if (j === i) j = (j + 1) % N;
      await peers[i]!.dial(peers[j]!.getMultiaddrs()[0]!).catch(() => undefined);
    }
  }
  const degree = peers.map((p) => p.peerCount);
  await until(() => peers.every((p) => p.meshPeerCount > 0), 20_000);
  await sleep(3000); // a few heartbeats: meshes settle
  const got = peers.map(() => 0);
  const postedAt = new Map<string, number>();
  const delays: number[] = [];
  peers.forEach((p, i) =>
    p.addEventListener('envelope', (e) => {
      got[i]!++;
      const at = postedAt.get(toHex(e.detail.envelope.hash));
      if (at !== undefined && e.detail.from !== undefined) delays.push(performance.now() - at);
    }),
  );
  const envs = Array.from({ length: M }, (_, i) => seal(i));
  const envBytes = envs.reduce((n, e) => n + e.length, 0) / M;
  counting = true;
  const t0 = performance.now();
  for (let i = 0; i < M; i++) {
    await sleep(Math.max(0, t0 + (1000 * i) / RATE - performance.now()));
    const from = peers[Math.floor(rnd() * N)]!;
    postedAt.set(toHex(envelopeHash(envs[i]!)), performance.now());
    void from.publish(envs[i]!).catch(() => undefined);
  }
  const all = await until(() => got.every((n) => n === M), 30_000);
  await sleep(3500); // IHAVE gossip about the last ones (three heartbeats of history)
  counting = false;
  const mean = (f: (c: Count) => number): number => counts.reduce((s, c) => s + f(c), 0) / N / M;
  const perPeer = mean((c) => c.bytes);
  const copyBytes = mean((c) => c.copyBytes);
  const copies = mean((c) => c.copies);
  const control = perPeer - copyBytes - mean((c) => c.rpcs) * FRAMING;
  const meshes = peers.map((p) => p.meshPeerCount);
  const links = peers.map((p) => lazyLinkStats(p.node.services.pubsub)).filter((x) => x !== undefined);
  const sum = (f: (x: LazyLinkStats) => number): number => links.reduce((n, x) => n + f(x), 0);
  const lazyCol = links.length === 0 ? '-' : `${sum((x) => x.pruned)} / ${sum((x) => x.grafted)} / ${sum((x) => x.saved)}`;
  await Promise.all(peers.map((p) => p.stop()));
  const avg = (xs: number[]): string => (xs.reduce((x, y) => x + y, 0) / xs.length).toFixed(1);
  delays.sort((x, y) => x - y);
  const pct = (q: number): string => (delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? NaN).toFixed(0);
  return `| ${name} | ${avg(degree)} / ${avg(meshes)} | ${all ? 'all' : got.filter((n) => n === M).length + '/' + N + ' (min ' + Math.min(...got) + ')'} | ${envBytes.toFixed(0)} | ${perPeer.toFixed(0)} | **${(perPeer / envBytes).toFixed(2)}** | ${copies.toFixed(2)} | ${control.toFixed(0)} | ${mean((c) => c.rpcs).toFixed(2)} | ${pct(0.5)} / ${pct(0.99)} | ${lazyCol} | ${loadavg()} |`;
}

const opts = (o: Partial<GossipsubOpts>): WhisperGossipInit => ({ options: o });
const configs: Array<[string, WhisperGossipInit]> = [
  ['stock gossipsub (D 6, IDONTWANT from 512 B, no coalescing, every link eager)', { coalesce: false, lazy: false }],
  ['coalesced 5 ms, every link eager (the peers\' send path before lazy links)', { lazy: false }],
  ['coalesced 5 ms, lazy links 250 ms (shipped for peers)', {}],
  ['coalesced 5 ms, lazy links 500 ms', { lazy: { lazyMs: 500 } }],
  ['coalesced 5 ms, lazy links 1000 ms', { lazy: { lazyMs: 1000 } }],
  ['coalesced 5 ms, lazy links 250 ms, D 4 (Dlo 3, Dhi 6)', opts({ D: 4, Dlo: 3, Dhi: 6 })],
  ['coalesced 5 ms, lazy links 1000 ms, D 4 (Dlo 3, Dhi 6)', { lazy: { lazyMs: 1000 }, ...opts({ D: 4, Dlo: 3, Dhi: 6 }) }],
  ['coalesced 5 ms, every link eager, D 2 (Dlo 1, Dhi 3, Dlazy 3)', { lazy: false, ...opts({ D: 2, Dlo: 1, Dhi: 3, Dlazy: 3 }) }],
];
console.log(`\n### Bytes received per peer per envelope: ${N} peers, ${LINKS} dials each, ${M} envelopes of ${SIZE} data bytes at ${RATE}/s\n`);
console.log(`Links delay ${MIN_MS}-${MAX_MS} ms each.\n`);
console.log('| configuration | links / mesh per peer | delivered to | envelope B | received B per peer per envelope | ratio | envelope copies per peer | control B | RPCs per peer per envelope | latency p50 / p99 ms | links pruned / grafted, forwards saved (all peers) | load avg |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
const only = a.only?.split(',').map(Number);
for (const [k, [name, g]] of configs.entries()) if (only === undefined || only.includes(k + 1)) console.log(await measure(name, g));
