// Proof-of-work throughput (docs/PROTOCOL.md §1): Keccak-256 nonce hashes per CPU-second on one core for the
// WebAssembly kernel, @noble/hashes and hash-wasm, anchored to native OpenSSL measured in the same run
// (`openssl speed -evp sha3-256`: the same Keccak-f[1600], one block per 64-byte hash, user CPU time),
// then the worker pool's total rate on every core. Prints a Markdown table.
//   node_modules/.bin/node bench/pow.ts

import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak } from 'hash-wasm';
import { createWasmKernel } from '../src/core/pow-kernel.ts';
import { createNodePowPool } from '../relay/pow-pool-node.ts';

const GOAL = 1.0; // wasm kernel hashes/s per core relative to native (the goal)

/** Hashes per CPU-second of this process, best of three runs of about `ms` wall time each. CPU time,
 * not wall time: the machine is shared, and OpenSSL's speed also divides by (user) CPU time. */
function rate(batch: (n: number) => void, n: number, ms = 700): number {
  batch(n); // warm up, and let V8 tier the kernel up to its optimising compiler
  batch(n);
  let best = 0;
  for (let run = 0; run < 3; run++) {
    let done = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      batch(n);
      done += n;
    }
    const c = process.cpuUsage(c0);
    best = Math.max(best, (done * 1e6) / (c.user + c.system));
  }
  return best;
}

/** OpenSSL's sha3-256 rate on `bytes`-long inputs, divided by `per` bytes: hashes (per = 64) or
 * Keccak-f permutations (per = 136, the rate, on long inputs where per-call overhead vanishes). */
function nativeAnchor(bytes: number, per: number): number | undefined {
  try {
    const out = execFileSync('openssl', ['speed', '-bytes', String(bytes), '-seconds', '3', '-evp', 'sha3-256'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // "sha3-256   113337.71k": thousands of bytes per second
    const m = /^sha3-256\s+([\d.]+)k\s*$/m.exec(out);
    return m ? (Number(m[1]) * 1000) / per : undefined;
  } catch {
    return undefined;
  }
}

/** A short whose short ‖ nonce is `total` bytes. */
const shortOf = (total: number) => new Uint8Array(total - 8).map((_, i) => (i * 13 + 1) & 255);

async function main(): Promise<void> {
  const hashWasm = await createKeccak(256);
  const sizes = [64, 600]; // one block (OpenSSL's size); a typical envelope's short (5 blocks)
  const rows: Array<[string, number[]]> = [];

  for (const [name, simd] of [
    ['wasm kernel, SIMD (default)', true],
    ['wasm kernel, scalar', false],
  ] as const) {
    const k = createWasmKernel({ simd });
    rows.push([
      `${name} [${k.kind}]`,
      sizes.map((s) => {
        k.load(shortOf(s));
        let start = 0n;
        return rate((n) => {
          k.search(start, n, 257);
          start += BigInt(n);
        }, 50_000);
      }),
    ]);
  }
  const loop = (hash: (b: Uint8Array) => unknown) =>
    sizes.map((s) => {
      const buf = new Uint8Array(s);
      buf.set(shortOf(s));
      const view = new DataView(buf.buffer);
      let nonce = 0;
      return rate((n) => {
        for (let i = 0; i < n; i++) {
          view.setUint32(s - 4, nonce++);
          hash(buf);
        }
      }, 2_000);
    });
  rows.push(['@noble/hashes keccak_256', loop((b) => keccak_256(b))]);
  rows.push([
    'hash-wasm keccak-256',
    loop((b) => {
      hashWasm.init();
      hashWasm.update(b);
      return hashWasm.digest('binary');
    }),
  ]);
  const native = nativeAnchor(64, 64);
  const nativePermutations = nativeAnchor(16384, 136);

  const cores = availableParallelism();
  const pool = createNodePowPool({ size: cores });
  pool.start();
  const params = { expiry: 1_700_000_050, ttl: 50, topic: new Uint8Array(4), data: new Uint8Array(43) }; // short 56 B + nonce 8 = 64 B hashed
  await pool.seal(params, { target: 0.01, timeMs: 60_000 }); // waits out worker start-up
  const marks: Array<{ hashes: number; elapsedMs: number }> = [];
  await pool
    .seal(params, { target: 1e60, timeMs: 3000, onProgress: (p) => marks.push(p) })
    .catch(() => undefined); // the impossible target times out by design
  pool.stop();
  const from = marks.find((m) => m.elapsedMs >= 500) ?? marks[0]!; // skip the kernels' tier-up
  const to = marks.at(-1)!;
  const poolRate = ((to.hashes - from.hashes) * 1000) / (to.elapsedMs - from.elapsedMs);

  const fmt = (x: number) => `${(x / 1e6).toFixed(3)} M/s`;
  const ratio = (x: number) => (native ? `${(x / native).toFixed(2)}x` : 'n/a');
  console.log(`\nPoW hashes per CPU-second, one core (${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, Node ${process.versions.node})\n`);
  console.log('| implementation | 64 B input (1 block) | vs native | 600 B input (5 blocks) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, [r64, r600]] of rows) console.log(`| ${name} | ${fmt(r64!)} | ${ratio(r64!)} | ${fmt(r600!)} |`);
  console.log(`| native OpenSSL sha3-256, 64 B inputs (anchor) | ${native ? fmt(native) : 'not available'} | 1.00x | |`);
  if (nativePermutations)
    console.log(`| native OpenSSL Keccak-f alone (16 KiB inputs / 136 B) | ${fmt(nativePermutations)} | ${ratio(nativePermutations)} | |`);
  console.log(`\nPool, ${cores} worker threads, wall clock: ${fmt(poolRate)} total (${fmt(poolRate / cores)} per worker)`);
  console.log(`Load average while measuring: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (shared machine: wall-clock rates suffer)`);
  const w = rows[0]![1][0]!;
  const scalar = rows[1]![1][0]!;
  if (native)
    console.log(`Goal: wasm >= ${GOAL.toFixed(1)}x native per core: ${w / native >= GOAL ? 'met' : 'NOT met'} (SIMD ${ratio(w)}, scalar ${ratio(scalar)})`);
  if (nativePermutations)
    console.log(`Against bare native permutations: SIMD ${(w / nativePermutations).toFixed(2)}x, scalar ${(scalar / nativePermutations).toFixed(2)}x`);
}

await main();
