// Bytes the service worker and the peer host exchange when the worker restarts (docs/BENCHMARKS.md
// "Worker restart"): a peer host holding n live envelopes (~256-byte payloads, distinct topics, plus
// 10 on one topic a page watches), a fresh NodeProxy that resyncs, then that page's subscription
// replayed (its back-fill), then one new envelope on a topic nobody watches. Every frame is counted as
// Chrome's runtime Port carries it (JSON). The same script runs on an older checkout for "before".
//   node_modules/.bin/node bench/worker-restart.ts [sizes=0,1000,10000]

import { loadavg } from 'node:os';
import { encodeEnvelope, encodeShort } from '../src/core/envelope.ts';
import { leadingZeroBits, powHash, zerosForTarget } from '../src/core/pow.ts';
import { validateEnvelope, type VerifiedEnvelope } from '../src/core/validate.ts';
import { TypedEventEmitter } from '@libp2p/interface';
import { NodeProxy } from '../src/background/node-proxy.ts';
import { PeerServer, type PeerService } from '../src/peer/peer-server.ts';
import type { PeerHostEvents } from '../src/peer/peer-host.ts';
import type { PeerChannel, PeerFrame, PeerStatus } from '../src/rpc/peer.ts';
import { sealEnvelope } from './pool-scale/fill.ts';

const sizes = (process.argv[2] ?? '0,1000,10000').split(',').map(Number);
const WATCHED = 10;
const FILL = { ttl: 6 * 3600, powTarget: 1e-6, dataBytes: 256, seed: 7 };
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

class Host extends TypedEventEmitter<PeerHostEvents> implements PeerService {
  readonly pool: VerifiedEnvelope[];
  constructor(pool: VerifiedEnvelope[]) {
    super();
    this.pool = pool;
  }
  async post(): Promise<{ hash: Uint8Array }> {
    throw new Error('not in this bench');
  }
  seal(): never {
    throw new Error('not in this bench');
  }
  envelopes(): VerifiedEnvelope[] {
    return this.pool;
  }
  whisper(): undefined {
    return undefined; // no node queries in this bench
  }
  status(): PeerStatus {
    return { started: true, peerId: 'bench', peers: 1, relays: [], envelopes: this.pool.length, bytes: 0, minPow: 0.2, maxSize: 65536 };
  }
  async configure(): Promise<PeerStatus> {
    return this.status();
  }
}

/** A PeerChannel over the server that counts every frame's JSON, both ways. */
function countingChannel(server: () => PeerServer): { channel: PeerChannel; deliver: (f: PeerFrame) => void; meter: { frames: number; bytes: number } } {
  const meter = { frames: 0, bytes: 0 };
  const count = (f: unknown): void => {
    meter.frames++;
    meter.bytes += JSON.stringify(f).length;
  };
  const listeners = new Map<string, Set<(d: never) => void>>();
  let id = 1;
  const channel: PeerChannel = {
    async request(op, params) {
      const frame = { kind: 'request' as const, id: id++, op, params };
      count(frame);
      const response = (await server().handle(JSON.parse(JSON.stringify(frame)))) as { result?: unknown; error?: unknown };
      count(response);
      if (response.error) throw Object.assign(new Error('peer error'), response.error);
      return JSON.parse(JSON.stringify(response.result ?? null));
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (d: never) => void);
      return () => void set.delete(listener as (d: never) => void);
    },
  };
  const deliver = (f: PeerFrame): void => {
    count(f);
    if (f.kind === 'event') for (const l of listeners.get(f.event) ?? []) l(JSON.parse(JSON.stringify(f.data)) as never);
  };
  return { channel, deliver, meter };
}

function pool(n: number): { envelopes: VerifiedEnvelope[]; topic: Uint8Array } {
  const now = Math.floor(Date.now() / 1000);
  const policy = { minPow: 0, maxSize: 1 << 20, now };
  const envelopes: VerifiedEnvelope[] = [];
  const verify = (rlp: Uint8Array): VerifiedEnvelope => {
    const v = validateEnvelope(rlp, policy);
    if (v.kind !== 'accept') throw new Error(`fixture ${v.kind}`);
    return v.envelope;
  };
  for (let i = 0; i < n; i++) envelopes.push(verify(sealEnvelope(i, now, FILL)));
  // WATCHED more, all on one topic no other envelope has.
  const watched = Uint8Array.of(0xfe, 0xed, 0xfa, 0xce);
  for (let i = 0; i < WATCHED; i++) envelopes.push(verify(sealOn(verify(sealEnvelope(n + i, now, FILL)), watched)));
  return { envelopes, topic: watched };
}

/** The same envelope re-sealed on `topic` (PoW 1e-6 needs next to no work). */
function sealOn(e: VerifiedEnvelope, topic: Uint8Array): Uint8Array {
  const p = { expiry: e.expiry, ttl: e.ttl, topic, data: e.data };
  const short = encodeShort(p);
  const need = zerosForTarget(FILL.powTarget, short.length, e.ttl);
  let nonce = 0n;
  while (leadingZeroBits(powHash(short, nonce)) < need) nonce++;
  return encodeEnvelope({ ...p, nonce });
}

const rows: string[] = [];
for (const n of sizes) {
  const { envelopes, topic } = pool(n);
  const host = new Host(envelopes);
  let server!: PeerServer;
  const { channel, deliver, meter } = countingChannel(() => server);
  server = new PeerServer(host, { emit: deliver });
  server.start();
  const t0 = performance.now();
  const node = new NodeProxy({ channel, randomBytes: (k) => crypto.getRandomValues(new Uint8Array(k)) });
  node.start();
  await node.resync();
  const resync = { ...meter, ms: performance.now() - t0 };
  // The page's subscription replayed: tell the topic (where the node takes it), then its back-fill.
  const watch = (node as unknown as { watch?: (t: Uint8Array[]) => () => void }).watch;
  watch?.call(node, [topic]);
  const backfill = [...(await node.envelopes([topic]))].filter((e) => e.topic.every((b, i) => b === topic[i])).length;
  const replay = { frames: meter.frames - resync.frames, bytes: meter.bytes - resync.bytes, ms: performance.now() - t0 - resync.ms };
  // One new envelope on a topic nobody watches.
  const before = meter.bytes;
  host.safeDispatchEvent('envelope', { detail: envelopes[0]! });
  const unwatched = meter.bytes - before;
  node.stop();
  server.stop();
  rows.push(
    `| ${n + WATCHED} | ${resync.frames} | ${resync.bytes.toLocaleString('en')} | ${resync.ms.toFixed(0)} | ${replay.frames} | ${replay.bytes.toLocaleString('en')} | ${backfill} | ${(resync.bytes + replay.bytes).toLocaleString('en')} | ${unwatched} | ${load()} |`,
  );
}
console.log('| envelopes in the peer | resync frames | resync bytes | resync ms | replay frames | replay bytes | back-fill matches | total bytes on restart | bytes per unwatched new envelope | load average |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
