// Mix throughput (docs/BENCHMARKS.md, "Mix layer"): frames a relay peels per CPU-second, the work of
// MixNode for every frame it relays (MAC check under the live key, replay record, β and LIONESS
// payload layer, blinding of α: two X25519 multiplications), with the X25519 the relay uses (the
// platform's WebCrypto, as MixNode picks it) and with @noble/curves (its fallback). Anchored in the
// same run to raw X25519 multiplications/s and ChaCha20 MB/s, so a figure from another machine can be
// compared by ratio. Frames are made once (not timed) and peeled again under fresh replay caches: the
// same work as new frames. Stream framing and the delay timer are not included.
//   node_modules/.bin/node bench/mix.ts          (or: npm run bench -- mix)

import { cpus, loadavg } from 'node:os';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { createFrame, peelFrameWith, type PeelKey, type ScalarMult } from '../src/core/mix/packet.ts';
import { ReplayCache } from '../src/core/mix/replay.ts';
import { nativeScalarMult, nobleScalarMult } from '../src/net/mix/scalar-mult.ts';
import { seededRandomBytes } from '../src/net/stem/random.ts';

const GOAL = 1000; // frames/s per core
const FRAMES = 200;

/** Work units per CPU-second of this process for `f` (which does `per` units), over about `ms` of wall time. */
async function rate(f: () => Promise<void> | void, per: number, ms = 1500): Promise<{ cpu: number; wall: number }> {
  await f();
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await f();
    n += per;
  }
  const c = process.cpuUsage(c0);
  return { cpu: (n * 1e6) / (c.user + c.system), wall: (n * 1000) / (performance.now() - t0) };
}

const rb = seededRandomBytes('mix bench');
const hop = (i: number) => {
  const secretKey = rb(32);
  return { secretKey, nodeId: rb(32), mixKey: x25519.getPublicKey(secretKey), i };
};
const [a, b, c] = [hop(0), hop(1), hop(2)];
const path = [a, b, c].map((h) => ({ nodeId: h.nodeId, mixKey: h.mixKey }));
const t0 = performance.now();
const frames = Array.from({ length: FRAMES }, () => createFrame({ path, exit: { kind: 'drop' }, randomBytes: rb }).frame);
const makeMs = (performance.now() - t0) / FRAMES;

async function peelAll(mult: ScalarMult): Promise<void> {
  const keys: PeelKey[] = [{ secretKey: a.secretKey, replay: new ReplayCache(FRAMES) }];
  for (const f of frames) {
    const p = await peelFrameWith(f, keys, mult);
    if (p.kind !== 'relay') throw new Error('expected a relay frame');
  }
}

const native = await nativeScalarMult(undefined, (e) => console.error('no native X25519:', e));
const u = x25519.getPublicKey(rb(32));
const s = rb(32);
const anchorNative = native ? await rate(async () => void (await native(s, u)), 1) : undefined;
const anchorNoble = await rate(() => void x25519.scalarMult(s, u), 1, 800);
const buf = new Uint8Array(1 << 16);
const key = rb(32);
const nonce = rb(12);
const chacha = await rate(() => void chacha20(key, nonce, buf), buf.length / 1e6, 800);
const peelNative = native ? await rate(() => peelAll(native), FRAMES, 3000) : undefined;
const peelNoble = await rate(() => peelAll(nobleScalarMult), FRAMES, 3000);

const f0 = (x: number) => x.toFixed(0);
console.log(`# Mix throughput: frames peeled per CPU-second at a relaying hop (${FRAMES} distinct 3-hop frames, fresh replay cache each pass)`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; node ${process.version}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log('| what | per CPU-second | per wall-second | goal |');
console.log('| --- | ---: | ---: | --- |');
if (peelNative) console.log(`| **peel, WebCrypto X25519 (MixNode's choice)** | **${f0(peelNative.cpu)} frames** | ${f0(peelNative.wall)} | ≥ ${GOAL}/s per core: **${peelNative.cpu >= GOAL ? 'met' : 'NOT met'}** |`);
console.log(`| peel, @noble/curves X25519 (fallback) | ${f0(peelNoble.cpu)} frames | ${f0(peelNoble.wall)} | ${peelNoble.cpu >= GOAL ? 'met' : 'not met'} |`);
if (anchorNative) console.log(`| anchor: X25519 multiplication, WebCrypto | ${f0(anchorNative.cpu)} | ${f0(anchorNative.wall)} | |`);
console.log(`| anchor: X25519 multiplication, @noble/curves | ${f0(anchorNoble.cpu)} | ${f0(anchorNoble.wall)} | |`);
console.log(`| anchor: ChaCha20, @noble/ciphers | ${chacha.cpu.toFixed(1)} MB | ${chacha.wall.toFixed(1)} MB | |`);
if (peelNative && anchorNative) console.log(`\nratio: a peel costs ${(anchorNative.cpu / peelNative.cpu).toFixed(2)} native X25519 multiplications (two are in it)`);
console.log(`ratio: a peel with noble costs ${(anchorNoble.cpu / peelNoble.cpu).toFixed(2)} noble multiplications`);
console.log(`making one 3-hop frame (client side, createFrame on @noble/curves): ${makeMs.toFixed(1)} ms wall`);
