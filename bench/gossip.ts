// Envelope dissemination cost (docs/PROTOCOL.md §3): end-to-end latency from publish at one end of a line of
// peers to the envelope's arrival at the far end, over the in-process memory transport. Anchored to
// stock libp2p + @libp2p/gossipsub (StrictNoSign, no validator) in the same line, so the ratio is
// what Whisper's validation, PoW check and pool add cost per hop. Prints a Markdown table.
//   node_modules/.bin/node bench/gossip.ts [peers=10] [envelopes=30] [dataBytes=1024]

import { cpus } from 'node:os';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { memory } from '@libp2p/memory';
import { createLibp2p } from 'libp2p';
import { GOSSIP_TOPIC } from '../src/core/constants.ts';
import { encodeEnvelope, encodeShort } from '../src/core/envelope.ts';
import { leadingZeroBits, powHash, zerosForTarget } from '../src/core/pow.ts';
import { WhisperPeer } from '../src/net/peer.ts';

const [N = 10, M = 30, SIZE = 1024] = process.argv.slice(2).map(Number);
const HEARTBEAT = 100;
const MIN_POW = 0.2;

function seal(i: number, now: number): Uint8Array {
  const data = new Uint8Array(SIZE).map((_, j) => (i * 31 + j * 7) & 0xff);
  const p = { expiry: now + 60, ttl: 60, topic: Uint8Array.of(1, 2, 3, 4), data };
  const short = encodeShort(p);
  const need = zerosForTarget(MIN_POW, short.length, p.ttl);
  let nonce = 0n;
  while (leadingZeroBits(powHash(short, nonce)) < need) nonce++;
  return encodeEnvelope({ ...p, nonce });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

async function whisperLine(envelopes: Uint8Array[]): Promise<number[]> {
  const now = Date.now;
  const peers = await Promise.all(
    Array.from({ length: N }, () =>
      WhisperPeer.create({ now, minPow: MIN_POW, nodeInit: { role: 'test', gossip: { heartbeatInterval: HEARTBEAT } } }),
    ),
  );
  await Promise.all(peers.map((p) => p.start()));
  for (let i = 0; i + 1 < N; i++) await peers[i]!.dial(peers[i + 1]!.getMultiaddrs()[0]!);
  await until(() => peers.every((p, i) => p.meshPeerCount >= (i === 0 || i === N - 1 ? 1 : 2)), 'mesh');
  const last = peers[N - 1]!;
  const out: number[] = [];
  for (const rlp of envelopes) {
    const arrived = new Promise<void>((r) => last.addEventListener('envelope', () => r(), { once: true }));
    const t0 = performance.now();
    await peers[0]!.publish(rlp);
    await arrived;
    out.push(performance.now() - t0);
  }
  await Promise.all(peers.map((p) => p.stop()));
  return out;
}

let plainRun = 0;
async function plainLine(envelopes: Uint8Array[]): Promise<number[]> {
  const run = plainRun++;
  const nodes = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      createLibp2p({
        addresses: { listen: [`/memory/bench-plain-${run}-${i}`] },
        transports: [memory()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: {
          identify: identify(),
          pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, heartbeatInterval: HEARTBEAT }),
        },
      }),
    ),
  );
  for (const n of nodes) n.services.pubsub.subscribe(GOSSIP_TOPIC);
  for (let i = 0; i + 1 < N; i++) await nodes[i]!.dial(nodes[i + 1]!.getMultiaddrs()[0]!);
  const meshSize = (i: number) => (nodes[i]!.services.pubsub as unknown as { getMeshPeers(t: string): string[] }).getMeshPeers(GOSSIP_TOPIC).length;
  await until(() => nodes.every((_, i) => meshSize(i) >= (i === 0 || i === N - 1 ? 1 : 2)), 'mesh');
  const last = nodes[N - 1]!.services.pubsub;
  const out: number[] = [];
  for (const rlp of envelopes) {
    const arrived = new Promise<void>((r) => last.addEventListener('message', () => r(), { once: true }));
    const t0 = performance.now();
    await nodes[0]!.services.pubsub.publish(GOSSIP_TOPIC, rlp);
    await arrived;
    out.push(performance.now() - t0);
  }
  await Promise.all(nodes.map((n) => n.stop()));
  return out;
}

const now = Math.floor(Date.now() / 1000);
const envelopes = Array.from({ length: M }, (_, i) => seal(i, now));
// A warm-up of each, then alternate runs, so JIT warm-up and machine noise do not favour either side.
await plainLine(envelopes.slice(0, 5));
await whisperLine(envelopes.slice(0, 5));
const plain: number[] = [];
const whisper: number[] = [];
for (let round = 0; round < 2; round++) {
  plain.push(...(await plainLine(envelopes)));
  whisper.push(...(await whisperLine(envelopes)));
}
const ratio = (a: number, b: number) => (a / b).toFixed(2);
console.log(`gossip propagation: line of ${N} peers (${N - 1} hops), ${M} envelopes of ${SIZE} B data, memory transport`);
console.log(`machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}\n`);
console.log('| stack | median ms | p95 ms | per hop ms (median) |');
console.log('| --- | ---: | ---: | ---: |');
console.log(`| @libp2p/gossipsub, no validator (anchor) | ${median(plain).toFixed(2)} | ${p95(plain).toFixed(2)} | ${(median(plain) / (N - 1)).toFixed(2)} |`);
console.log(`| WhisperPeer (validate + PoW + pool) | ${median(whisper).toFixed(2)} | ${p95(whisper).toFixed(2)} | ${(median(whisper) / (N - 1)).toFixed(2)} |`);
console.log(`\nratio Whisper / anchor (median): ${ratio(median(whisper), median(plain))}`);
