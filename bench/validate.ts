// Validation throughput: envelopes per second through the old path (bench/baseline/legacy-validate.ts:
// decode with copies, the short form re-encoded, two @noble/hashes keccaks, the RLP copied again) and
// this tree's validateEnvelope (one scan, the short form spliced, two WebAssembly keccaks, the hash
// carried), on the same 2 000 sealed 278-byte envelopes, rounds interleaved. Anchor: @noble/hashes'
// keccak256 of one such envelope per second in the same run; the kernel keccak (what validation
// uses) and hash-wasm's (the other WebAssembly candidate, a devDependency) beside it.
// Rates are per CPU-second of this process (process.cpuUsage), which the machine's load disturbs less
// than wall time; wall-clock rates and the load average are printed too: on a loaded machine the
// figures are provisional.
//   node_modules/.bin/node bench/validate.ts [rounds=5] [msPerRun=400]

import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak } from 'hash-wasm';
import { cpus, loadavg } from 'node:os';
import { encodeEnvelope } from '../src/core/envelope.ts';
import { keccak256 } from '../src/core/keccak.ts';
import { createWasmKernel } from '../src/core/pow-kernel.ts';
import { sealEnvelope } from '../src/core/pow-seal.ts';
import { validateEnvelope } from '../src/core/validate.ts';
import { EnvelopePool } from '../src/core/pool.ts';
import { legacyValidateEnvelope } from './baseline/legacy-validate.ts';

const ROUNDS = Number(process.argv[2] ?? 5);
const MS = Number(process.argv[3] ?? 400);
const N = 2000;
const MIN_POW = 0.000001;

const now = Math.floor(Date.now() / 1000);
const kernel = createWasmKernel();
const envelopes: Uint8Array[] = [];
for (let i = 0; i < N; i++) {
  const data = new Uint8Array(256);
  for (let j = 0; j < data.length; j++) data[j] = (i * 31 + j * 7) & 0xff;
  const topic = Uint8Array.of(i >> 8, i & 0xff, 1, 2);
  const ttl = 3600;
  envelopes.push(encodeEnvelope(sealEnvelope({ expiry: now + ttl, ttl, topic, data }, { target: 0.00001, timeMs: 60_000, kernel })));
}
const policy = { minPow: MIN_POW, maxSize: 1 << 20, now };
const isKnown = (): boolean => false;
const hashWasm = await createKeccak(256);
const pool = new EnvelopePool({ now: () => now * 1000 });
let added = 0;

const cases: Record<string, (rlp: Uint8Array) => unknown> = {
  'old path (legacy validate)': (rlp) => {
    if (legacyValidateEnvelope(rlp, policy, isKnown).kind !== 'accept') throw new Error('old path refused');
  },
  'new path (validateEnvelope)': (rlp) => {
    if (validateEnvelope(rlp, policy, isKnown).kind !== 'accept') throw new Error('new path refused');
  },
  'new path, then added to an EnvelopePool': () => {
    // Its own walk over the envelopes, the pool emptied at each lap: every envelope is new to it.
    if (added % N === 0) pool.clear();
    const v = validateEnvelope(envelopes[added++ % N]!, policy, (h) => pool.has(h));
    if (v.kind !== 'accept' || !pool.add(v.envelope)) throw new Error('new path refused');
  },
  'anchor: @noble keccak256 of the envelope': (rlp) => keccak_256(rlp),
  'keccak256 of the envelope (kernel, keccak.ts)': (rlp) => keccak256(rlp),
  'keccak256 of the envelope (hash-wasm, init/update/digest)': (rlp) => hashWasm.init().update(rlp).digest('binary'),
};

/** Runs `f` over the envelopes for about `ms` of wall time; returns calls per CPU-second and per second. */
function run(f: (rlp: Uint8Array) => unknown, ms: number): { cpu: number; wall: number } {
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 200; i++) f(envelopes[(calls + i) % N]!);
    calls += 200;
    t = performance.now();
  }
  const c = process.cpuUsage(c0);
  return { cpu: calls / ((c.user + c.system) / 1e6), wall: calls / ((t - t0) / 1000) };
}

const load0 = loadavg();
for (const f of Object.values(cases)) run(f, 100); // warm-up
const best: Record<string, { cpu: number; wall: number }> = {};
for (let r = 0; r < ROUNDS; r++)
  for (const [name, f] of Object.entries(cases)) {
    const x = run(f, MS);
    const b = best[name];
    best[name] = { cpu: Math.max(b?.cpu ?? 0, x.cpu), wall: Math.max(b?.wall ?? 0, x.wall) };
  }
const load1 = loadavg();

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const anchor = best['anchor: @noble keccak256 of the envelope']!.cpu;
const oldRate = best['old path (legacy validate)']!.cpu;
console.log(`validation, ${envelopes[0]!.length}-byte envelopes; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}; Node ${process.version}`);
console.log(`load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`);
console.log(`best of ${ROUNDS} interleaved runs of ${MS} ms\n`);
console.log('| what | per CPU-second | us each (CPU) | per wall second | vs noble keccak | vs old path |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, x] of Object.entries(best))
  console.log(
    `| ${name} | ${fmt(x.cpu)} | ${(1e6 / x.cpu).toFixed(1)} | ${fmt(x.wall)} | ${(x.cpu / anchor).toFixed(2)}x | ${(x.cpu / oldRate).toFixed(2)}x |`,
  );
const goal = best['new path (validateEnvelope)']!.cpu;
console.log(`\ngoal: at least 50,000 envelopes/s per core; new path ${fmt(goal)}/CPU-s (${goal >= 50_000 ? 'met' : 'not met'} here)`);
