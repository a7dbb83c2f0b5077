// Large pools (docs/BENCHMARKS.md, "Relay under load"): a relay restarted on n live envelopes in its data folder, a fresh Node
// peer catching up from it, and a second relay with an empty folder and --peer to the first catching
// up. Start-up (spawn to the `rpc` line, re-validating every stored envelope), catch-up time, bytes
// and memory, for each n. Prints Markdown tables. The extension's part is bench/pool-scale-extension.ts.
//   node_modules/.bin/node bench/pool-scale.ts [sizes=0,10000,50000,100000] [secondRelayCapSeconds=1800]
// The relay under test gets 30 s after its `rpc` line before the first peer dials it.
// Envelopes: ~256-byte payloads, distinct topics, ttl 6 h, sealed at PoW 1e-6 and the relays run with
// --min-pow 0.000001 (see docs/BENCHMARKS.md "Large pools" for why that leaves the measure unchanged).

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillDataDir } from './pool-scale/fill.ts';
import { ioOf, killAll, rssOf, runPeer, sleep, startRelay, type RelayProc } from './pool-scale/procs.ts';

const sizes = (process.argv[2] ?? '0,10000,50000,100000').split(',').map(Number);
const SECOND_CAP_S = Number(process.argv[3] ?? 1800);
const SETTLE_S = 30;
const MIN_POW = 0.000001;
const FILL = { ttl: 6 * 3600, powTarget: MIN_POW, dataBytes: 256 };
const ARGS = ['--min-pow', String(MIN_POW)];
const root = mkdtempSync(join(tmpdir(), 'shh-pool-scale-'));
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const s = (ms: number): string => (ms / 1000).toFixed(1);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const log = (m: string): void => void process.stderr.write(`${m}\n`);

interface Row {
  n: number;
  fill: { bytes: number; ms: number };
  startMs: number;
  loaded: number;
  rss: number;
  heap: number;
  peer?: { got: number; ms: number; rate: number; wire: number; rss: number; peak: number; heap: number };
  second?: { fromSpawn: number; fromReady: number; wire: number; rss: number; heap: number; stored: number };
  load: string;
}

/** Polls the relay's shh_info until it holds n; stops at `capMs` or after `stallMs` without progress. */
async function waitCount(r: RelayProc, n: number, capMs: number, stallMs = 120_000): Promise<{ at: number; count: number }> {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const info = (await r.rpc('shh_info')) as { messages: number };
    const t = performance.now();
    if (info.messages !== last) {
      if (Math.floor(info.messages / (n / 10)) !== Math.floor(last / (n / 10))) log(`  second relay: ${info.messages} at ${s(t - r.spawnedAt)} s`);
      last = info.messages;
      lastChange = t;
    }
    if (info.messages >= n || t - r.spawnedAt > capMs || t - lastChange > stallMs) return { at: lastChange, count: info.messages };
    await sleep(250);
  }
}

const rows: Row[] = [];

async function measure(n: number): Promise<void> {
  const dataA = join(root, `a-${n}`);
  const fill = fillDataDir(dataA, n, { ...FILL, seed: n });
  log(`n=${n}: data folder filled in ${s(fill.ms)} s (${mib(fill.bytes)} MiB of envelopes); load ${load()}`);
  const rowLoad = load();
  const a = await startRelay(dataA, ARGS);
  const loaded = ((await a.rpc('shh_info')) as { messages: number }).messages;
  if (loaded !== n) throw new Error(`relay loaded ${loaded} of ${n}`);
  const row: Row = { n, fill, startMs: a.readyMs, loaded, rss: rssOf(a.pid).rss, heap: (await a.heap()).heapUsed, load: rowLoad };
  rows.push(row); // now, so a failure further on still prints what was measured
  log(`  relay up in ${s(a.readyMs)} s with ${loaded}; rss ${mib(row.rss)} MiB, heap ${mib(row.heap)} MiB`);
  if (n > 0) {
    // Dialled at once, a large relay just started broke the first session (docs/BENCHMARKS.md, Large
    // pools): let it settle so what follows measures catch-up.
    await sleep(SETTLE_S * 1000);
    // A fresh Node peer dials the relay and catches up (the relay's socket bytes, both ways, are the wire).
    const io0 = ioOf(a.pid);
    let shown = 0;
    const p = await runPeer(a.addr, n, MIN_POW, (k, ms) => {
      if (k >= shown) log(`  peer: ${(shown = k + n / 10, k)} at ${s(ms)} s`);
    });
    const io1 = ioOf(a.pid);
    if (p.errors.length) log(`  peer errors: ${p.errors.join('; ')}`);
    if (p.size < n) log(`  peer STALLED at ${p.size} of ${n}`);
    row.peer = { got: p.size, ms: p.ms, rate: p.size / (p.ms / 1000), wire: io1.rchar - io0.rchar + io1.wchar - io0.wchar, rss: p.rss, peak: p.peakRss, heap: p.heapUsed };
    log(`  peer caught up in ${s(p.ms)} s; relay socket bytes ${mib(row.peer.wire)} MiB`);
    // A second relay, empty folder, --peer to the first.
    const io2 = ioOf(a.pid);
    process.env.DEBUG = 'shh:relay'; // its sync failures on stderr, shown if it stalls
    const b = await startRelay(join(root, `b-${n}`), [...ARGS, '--peer', a.addr]);
    delete process.env.DEBUG;
    const got = await waitCount(b, n, SECOND_CAP_S * 1000);
    const done = got.at;
    const io3 = ioOf(a.pid);
    const hb = await b.heap();
    row.second = {
      fromSpawn: done - b.spawnedAt,
      fromReady: done - b.spawnedAt - b.readyMs,
      wire: io3.rchar - io2.rchar + io3.wchar - io2.wchar,
      rss: rssOf(b.pid).rss,
      heap: hb.heapUsed,
      stored: got.count,
    };
    log(`  second relay: ${got.count} of ${n}, ${s(row.second.fromReady)} s after its rpc line`);
    if (got.count < n) log(`  second relay stderr: ${b.stderr().slice(-1500)}`);
  }
  await killAll();
}

try {
  for (const n of sizes) await measure(n);
} catch (e) {
  // Print what was measured before the failure; the failure itself goes to stderr and the exit code.
  log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await killAll();
  rmSync(root, { recursive: true, force: true });
}

const base = rows.find((r) => r.n === 0);
const per = (v: number, b: number | undefined, n: number): string => (b === undefined || n === 0 ? '' : `${((v - b) / n).toFixed(0)}`);
const line = (c: (string | number)[]): string => `| ${c.join(' | ')} |`;
console.log(`Node ${process.version}, ${cpus()[0]?.model.trim()} × ${cpus().length}; envelopes ${FILL.dataBytes}-byte payload, ttl ${FILL.ttl} s, PoW ${MIN_POW}\n`);
console.log('Relay start-up on a full data folder (spawn to the `rpc` line: imports, re-validation of every stored envelope, network up)\n');
console.log(line(['envelopes', 'envelope MiB', 'load at start', 'start-up s', 'RSS MiB', 'heap used MiB (after GC)', 'RSS bytes / envelope over empty', 'heap bytes / envelope over empty']));
console.log(line(['---:', '---:', '---', '---:', '---:', '---:', '---:', '---:']));
for (const r of rows)
  console.log(line([r.n, mib(r.fill.bytes), r.load, s(r.startMs), mib(r.rss), mib(r.heap), per(r.rss, base?.rss, r.n), per(r.heap, base?.heap, r.n)]));
console.log('\nCatch-up from that relay\n');
console.log(line(['envelopes', 'fresh Node peer: envelopes it got', 'dial to last s', 'envelopes/s', "relay's socket MiB (both ways)", 'peer RSS MiB (peak)', 'peer heap MiB', 'second relay: envelopes it got', 'spawn to last s', 'its rpc line to last s', 'its envelopes/s', "first relay's socket MiB", 'second relay RSS MiB', 'its heap MiB']));
console.log(line(Array(14).fill('---:')));
for (const r of rows.filter((x) => x.peer)) {
  const p = r.peer!;
  const b = r.second ?? { stored: NaN, fromSpawn: NaN, fromReady: NaN, wire: NaN, rss: NaN, heap: NaN };
  console.log(line([r.n, p.got, s(p.ms), p.rate.toFixed(0), mib(p.wire), `${mib(p.rss)} (${mib(p.peak)})`, mib(p.heap), b.stored, s(b.fromSpawn), s(b.fromReady), (b.stored / (b.fromReady / 1000)).toFixed(0), mib(b.wire), mib(b.rss), mib(b.heap)]));
}
console.log(`\nload average at the end: ${load()}`);
