// Relay start-up and memory with a full data folder (docs/BENCHMARKS.md, "Relay start-up"): n live
// envelopes (256-byte payloads, 276 bytes of RLP, sealed at PoW 1e-6) written once into a data folder,
// then a relay started on it (and on an empty folder, the baseline): wall time and CPU time from spawn
// to its `rpc` line, heap after a full GC (heapUsed + arrayBuffers) per envelope over the empty relay,
// and the ratio to the envelopes' own bytes (the anchor). With `--tree DIR`, the relay of that other
// checkout (e.g. /work/main) runs on the same folders first: before and after in one run.
//   node_modules/.bin/node bench/relay-startup.ts [n=100000] [--tree DIR] [--runs 2]
// The data folder is written in the schema of the relay that opens it first; a later relay migrates it.
// Each relay first starts once on a copy of the empty folder with no compile cache (the "cold" line: a
// relay's first start, or its first after an upgrade); the compile cache that start writes in its data
// folder (relay/compile-cache.ts) is copied into every later folder, as a restarted relay finds it.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fillDataDir } from './pool-scale/fill.ts';
import { killAll, startRelay } from './pool-scale/procs.ts';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const tree = opt('--tree');
const runs = Number(opt('--runs') ?? 2);
const n = Number(args[0] ?? 100_000);
const MIN_POW = 0.000001;
const ARGS = ['--min-pow', String(MIN_POW)];
const root = mkdtempSync(join(tmpdir(), 'shh-relay-startup-'));
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const log = (m: string): void => void process.stderr.write(`${m}\n`);
const TICK = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

interface Sample {
  label: string;
  n: number;
  wall: number;
  cpu: number;
  heap: number;
  buffers: number;
  loaded: number;
  load: string;
}

const CACHE = 'compile-cache';
const cacheOf = (label: string): string => join(root, `cache-${label.replace(/\W/g, '-')}`);

async function once(label: string, relayRoot: string, data: string, count: number): Promise<Sample> {
  // A fresh copy per start: a relay may rewrite its folder (schema migration, discarded rows).
  const dir = join(root, `run-${label}-${count}-${Math.random().toString(16).slice(2)}`);
  cpSync(data, dir, { recursive: true });
  const cache = cacheOf(label);
  if (existsSync(cache)) cpSync(cache, join(dir, CACHE), { recursive: true });
  const rowLoad = load();
  const r = await startRelay(dir, ARGS, relayRoot);
  const cpu = cpuSeconds(r.pid);
  const loaded = ((await r.rpc('shh_info')) as { messages: number }).messages;
  const m = await r.heap();
  await killAll();
  // Written once the relay serves (before its rpc line was read here): kept for the later starts.
  if (!existsSync(cache) && existsSync(join(dir, CACHE))) cpSync(join(dir, CACHE), cache, { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  if (loaded !== count) throw new Error(`${label}: relay loaded ${loaded} of ${count}`);
  const s = { label, n: count, wall: r.readyMs / 1000, cpu, heap: m.heapUsed, buffers: m.arrayBuffers, loaded, load: rowLoad };
  log(`${label} n=${count}: ${s.wall.toFixed(1)} s wall, ${cpu.toFixed(2)} s CPU, heap ${mib(m.heapUsed)} MiB + buffers ${mib(m.arrayBuffers)} MiB; load ${rowLoad}`);
  return s;
}

const empty = join(root, 'empty');
const full = join(root, 'full');
fillDataDir(empty, 0, { ttl: 6 * 3600, powTarget: MIN_POW, dataBytes: 256, seed: 0 });
const fill = fillDataDir(full, n, { ttl: 6 * 3600, powTarget: MIN_POW, dataBytes: 256, seed: n });
log(`filled ${n} envelopes (${mib(fill.bytes)} MiB of RLP) in ${(fill.ms / 1000).toFixed(1)} s`);

const trees: [string, string][] = [...(tree ? [['before', resolve(tree)] as [string, string]] : []), ['this tree', resolve(import.meta.dirname, '..')]];
const rows: string[] = [];
const cold: string[] = [];
try {
  for (const [label, dir] of trees) {
    const c = await once(label, dir, empty, 0);
    cold.push(`${label}: ${c.wall.toFixed(1)} s wall / ${c.cpu.toFixed(2)} s CPU (load ${c.load})`);
  }
  for (let k = 0; k < runs; k++) {
    for (const [label, dir] of trees) {
      const e = await once(label, dir, empty, 0);
      const f = await once(label, dir, full, n);
      const per = (f.heap + f.buffers - e.heap - e.buffers) / n;
      rows.push(
        `| ${label}, run ${k + 1} | ${f.load} | ${e.wall.toFixed(1)} / ${e.cpu.toFixed(2)} | ${f.wall.toFixed(1)} / **${f.cpu.toFixed(2)}** | ` +
          `${mib(f.heap)} + ${mib(f.buffers)} | ${per.toFixed(0)} | ${(per / (fill.bytes / n)).toFixed(2)}x | ${mib(per * 100_000)} |`,
      );
    }
  }
} catch (e) {
  log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await killAll();
  rmSync(root, { recursive: true, force: true });
}

console.log(`Node ${process.version}, ${cpus()[0]?.model.trim()} × ${cpus().length}; ${n} envelopes of ${(fill.bytes / n).toFixed(0)} B RLP (anchor), --min-pow ${MIN_POW}\n`);
console.log('| relay | load at start (1, 5, 15 min) | empty folder: wall s / CPU s to `rpc` | full folder: wall s / CPU s to `rpc` | heap + buffers MiB (after GC) | B / envelope over empty | ratio to RLP | MiB per 100 000 |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(r);
console.log(`\nFirst start, empty folder, no compile cache yet: ${cold.join('; ')}`);
console.log(`\nload average at the end: ${load()}`);
