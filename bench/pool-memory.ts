// Memory per envelope in the relay's pool: 100 000 real sealed envelopes (256-byte payloads, distinct
// topics, PoW sealed by the WebAssembly sealer at a low target) validated and added to a pool, once per
// step of the redesign, each step in its own Node process run with --expose-gc. Retained memory is
// the difference, after full collections, of heapUsed + arrayBuffers (process.memoryUsage(): V8's heap
// and the ArrayBuffer backing stores outside it) before validating and after dropping the inputs.
// The anchor is the envelope's own RLP bytes; the ratio is retained bytes / RLP bytes.
//   node_modules/.bin/node bench/pool-memory.ts [n=100000]
// Memory figures do not depend on the machine's load; the load average is printed anyway.

import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { hashKey } from '../src/core/pool-record.ts';
import { EnvelopePool } from '../src/core/pool.ts';
import { validateEnvelope } from '../src/core/validate.ts';
import { encodeEnvelope } from '../src/core/envelope.ts';
import { createWasmKernel } from '../src/core/pow-kernel.ts';
import { sealEnvelope } from '../src/core/pow-seal.ts';
import { toHex } from '../src/core/bytes.ts';
import { LegacyEnvelopePool } from './baseline/legacy-pool.ts';
import { legacyHexKey, legacyValidateEnvelope, type LegacyEnvelope } from './baseline/legacy-validate.ts';

const MIN_POW = 0.000001;
const SEAL_TARGET = 0.00001; // a few leading zero bits: real work, quickly done
const DATA_BYTES = 256; // a 278-byte envelope, the size the relay's figure was measured at

interface Step {
  name: string;
  what: string;
  /** Validates and adds every envelope; returns the pool (kept alive until measured). */
  fill(rlps: Uint8Array[], now: number): { size: number; bytes: number; pool: unknown };
}

const policy = (now: number) => ({ minPow: MIN_POW, maxSize: 1 << 20, now });

function legacyFill(key: (h: Uint8Array) => string) {
  return (rlps: Uint8Array[], now: number) => {
    const pool = new LegacyEnvelopePool({ key, now: () => now * 1000 });
    for (const rlp of rlps) {
      const v = legacyValidateEnvelope(rlp, policy(now), (h) => pool.has(h));
      if (v.kind !== 'accept') throw new Error(`envelope not accepted: ${v.kind}`);
      pool.add(v.envelope);
    }
    return { size: pool.size, bytes: pool.bytes, pool };
  };
}

/** This tree's validateEnvelope (one RLP copy, topic/data views of it) into the old pool, latin1 keys. */
function viewsFill(rlps: Uint8Array[], now: number) {
  const pool = new LegacyEnvelopePool({ key: hashKey, now: () => now * 1000 });
  for (const rlp of rlps) {
    const v = validateEnvelope(rlp, policy(now), (h) => pool.has(h));
    if (v.kind !== 'accept') throw new Error(`envelope not accepted: ${v.kind}`);
    pool.add(v.envelope as unknown as LegacyEnvelope);
  }
  return { size: pool.size, bytes: pool.bytes, pool };
}

function compactFill(rlps: Uint8Array[], now: number) {
  const pool = new EnvelopePool({ now: () => now * 1000 });
  for (const rlp of rlps) {
    const v = validateEnvelope(rlp, policy(now), (h) => pool.has(h));
    if (v.kind !== 'accept') throw new Error(`envelope not accepted: ${v.kind}`);
    pool.add(v.envelope);
  }
  return { size: pool.size, bytes: pool.bytes, pool };
}

const STEPS: Step[] = [
  { name: 'before', what: 'copies (decode slices, validate copies), hex key built by += (a rope)', fill: legacyFill(legacyHexKey) },
  { name: 'flat-hex', what: 'as before, the hex key flat (toHex now)', fill: legacyFill((h) => toHex(h, false)) },
  { name: 'views', what: 'validateEnvelope now: one RLP copy, topic/data views of it; the old pool with 32-char latin1 keys', fill: viewsFill },
  { name: 'compact', what: 'this tree: validateEnvelope + EnvelopePool (PoolRecord: wire bytes and hash as one-byte strings)', fill: compactFill },
];

function makeEnvelopes(n: number, now: number): Uint8Array[] {
  const kernel = createWasmKernel();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(DATA_BYTES);
    const dv = new DataView(data.buffer);
    for (let j = 0; j < DATA_BYTES; j += 4) dv.setUint32(j, Math.imul(i + 1, 2654435761) ^ Math.imul(j + 1, 40503));
    const topic = new Uint8Array(4);
    new DataView(topic.buffer).setUint32(0, Math.imul(i, 2654435761) >>> 0);
    const ttl = 3600 + (i % 60);
    out.push(encodeEnvelope(sealEnvelope({ expiry: now + ttl, ttl, topic, data }, { target: SEAL_TARGET, timeMs: 60_000, kernel })));
  }
  return out;
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) g();
};
const retained = (): { heap: number; buffers: number; v8: number } => {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers, v8: getHeapStatistics().used_heap_size };
};

/** Child: one step, prints one JSON line. */
function runStep(step: Step, n: number): void {
  const now = Math.floor(Date.now() / 1000);
  const rlps = makeEnvelopes(n, now);
  const rlpBytes = rlps.reduce((s, r) => s + r.length, 0);
  step.fill(rlps.slice(0, 10), now); // warm-up: modules, WebAssembly instances, inline caches
  const before = retained(); // with the inputs alive, and again after: the difference is the pool
  const filled = step.fill(rlps, now);
  const after = retained();
  if (filled.size !== n) throw new Error(`${step.name}: pool holds ${filled.size} of ${n}`);
  const line = {
    step: step.name,
    n,
    rlpBytes,
    inputs: rlps.length,
    heap: after.heap - before.heap,
    buffers: after.buffers - before.buffers,
    v8: after.v8 - before.v8,
  };
  console.log(JSON.stringify(line));
  if (filled.pool === undefined) throw new Error('unreachable'); // keeps the pool alive to here
}

function main(): void {
  const n = Number(process.argv[2] ?? 100_000);
  const stepArg = process.argv[3];
  if (stepArg) return runStep(STEPS.find((s) => s.name === stepArg)!, n);
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`pool memory, ${n} envelopes; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}; Node ${process.version}; load ${load}`);
  console.log('retained = heapUsed + arrayBuffers after full GCs with the pool filled, minus the same before (inputs alive in both)\n');
  console.log('| step | what | RLP B/env (anchor) | heap B/env | buffers B/env | retained B/env | ratio | MiB for n |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of STEPS) {
    const r = spawnSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, String(n), s.name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`step ${s.name} failed (exit ${r.status ?? r.signal})`);
    const x = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rlpBytes: number; heap: number; buffers: number };
    const per = (v: number): string => (v / n).toFixed(0);
    const total = x.heap + x.buffers;
    console.log(
      `| ${s.name} | ${s.what} | ${per(x.rlpBytes)} | ${per(x.heap)} | ${per(x.buffers)} | ${per(total)} | ${(total / x.rlpBytes).toFixed(2)}x | ${(total / 2 ** 20).toFixed(1)} |`,
    );
  }
  console.log(`\nload after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main();
