// Catch-up throughput (docs/BENCHMARKS.md "Catch-up"), before and after batched admission, in one run:
//  1. anchor: the relay's SQLite store alone (relay/store.ts), one transaction per envelope and one per
//     256, 1024 and 4096, the most a receiver can store at each transaction size;
//  2. relay to relay: relay A holds n envelopes, relay B (empty folder, --peer A) catches up; rate from
//     B's `rpc` line to B holding n, and A's socket bytes both ways (/proc rchar + wchar) against the
//     envelope bytes B lacked. "after" runs this tree; "before" runs both relays from the tree of
//     BEFORE_REF (git archive into a temporary folder), the per-envelope path;
//  3. into IndexedDB (fake-indexeddb in Node: no fsync, so it shows CPU per transaction, not a disk):
//     the extension's store under admission, admit() per envelope vs admitBatch() per 256.
//   node_modules/.bin/node bench/sync-catch-up.ts [n=100000] [beforeN=20000] [idbN=10000] [beforeRef]
// beforeN 0 skips the old relays. Envelopes as in bench/pool-scale.ts (276 bytes, PoW 1e-6).

import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { envelopeHash } from '../src/core/envelope.ts';
import { EnvelopePool } from '../src/core/pool.ts';
import { validateEnvelope } from '../src/core/validate.ts';
import { EnvelopeAdmission } from '../src/net/admission.ts';
import { openWhisperDb } from '../src/store/db.ts';
import { EnvelopeStore as IdbEnvelopeStore } from '../src/store/envelopes.ts';
import { EnvelopeStore } from '../relay/store.ts';
import { fillDataDir, sealEnvelope } from './pool-scale/fill.ts';
import { ioOf, killAll, sleep, startRelay, type RelayProc } from './pool-scale/procs.ts';

const N = Number(process.argv[2] ?? 100_000);
const BEFORE_N = Number(process.argv[3] ?? 20_000);
const IDB_N = Number(process.argv[4] ?? 10_000);
/** The last commit whose catch-up admitted, stored and forwarded one envelope at a time. */
const BEFORE_REF = process.argv[5] ?? '8090664';
const MIN_POW = 0.000001;
const FILL = { ttl: 6 * 3600, powTarget: MIN_POW, dataBytes: 256 };
const ARGS = ['--min-pow', String(MIN_POW), '--host', '127.0.0.1'];
const ROOT = join(import.meta.dirname, '..');
const root = mkdtempSync(join(tmpdir(), 'shh-catch-up-'));
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (m: string): void => void process.stderr.write(`${m}\n`);
const line = (c: (string | number)[]): string => `| ${c.join(' | ')} |`;
const rate = (n: number, ms: number): string => (n / (ms / 1000)).toFixed(0);
/** CPU time (user + system) a process has used, ms. */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

function seal(n: number, seed: number): Uint8Array[] {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: n }, (_, i) => sealEnvelope(i, now, { ...FILL, seed }));
}

// 1. The anchor: what SQLite stores alone, on the same disk, one transaction per envelope and at the
// transaction sizes a receiver may use (catch-up stores a batch, 256 envelopes, per transaction).
const ANCHOR_SIZES = [256, 1024, 4096];
function anchor(rlps: Uint8Array[]): { one: number; oneN: number; batched: { size: number; ms: number }[] } {
  const rows = rlps.map((rlp) => {
    const v = validateEnvelope(rlp, { now: Math.floor(Date.now() / 1000), minPow: 0, maxSize: 1 << 20 });
    if (v.kind !== 'accept') throw new Error('fill made an invalid envelope');
    return v.envelope;
  });
  const dir = join(root, 'anchor');
  let store = EnvelopeStore.open(join(dir, 'one'));
  const oneN = Math.min(rows.length, 2000);
  let t = performance.now();
  for (let i = 0; i < oneN; i++) store.put(rows[i]!);
  const one = performance.now() - t;
  store.close();
  const batched = ANCHOR_SIZES.map((size) => {
    store = EnvelopeStore.open(join(dir, `batched-${size}`));
    t = performance.now();
    for (let i = 0; i < rows.length; i += size) store.putMany(rows.slice(i, i + size));
    const ms = performance.now() - t;
    store.close();
    log(`anchor: ${size} per transaction, ${rate(rows.length, ms)}/s`);
    return { size, ms };
  });
  return { one, oneN, batched };
}

/** Polls the relay's shh_info until it holds n, or 2 min pass without progress. */
async function waitCount(r: RelayProc, n: number): Promise<{ at: number; count: number }> {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const info = (await r.rpc('shh_info')) as { messages: number };
    const t = performance.now();
    if (info.messages !== last) {
      if (process.env.CATCH_UP_TRACE) log(`  ${((t - r.spawnedAt - r.readyMs) / 1000).toFixed(2)} s: ${info.messages}`);
      [last, lastChange] = [info.messages, t];
    }
    if (info.messages >= n || t - lastChange > 120_000) return { at: lastChange, count: info.messages };
    await sleep(100);
  }
}

interface RelayRun {
  label: string;
  n: number;
  got: number;
  ms: number;
  wire: number;
  envelopeBytes: number;
  cpuA: number;
  cpuB: number;
  loadStart: string;
  loadEnd: string;
}

// 2. Relay to relay, with the relays of `tree`.
async function relays(label: string, tree: string, n: number, seed: number): Promise<RelayRun> {
  const dataA = join(root, `${label}-a`);
  const { bytes } = fillDataDir(dataA, n, { ...FILL, seed });
  const a = await startRelay(dataA, ARGS, tree);
  const loaded = ((await a.rpc('shh_info')) as { messages: number }).messages;
  if (loaded !== n) throw new Error(`${label}: relay A loaded ${loaded} of ${n}`);
  await sleep(5000); // let A settle after loading
  const loadStart = load();
  const io0 = ioOf(a.pid);
  const cpuA0 = cpuOf(a.pid);
  const b = await startRelay(join(root, `${label}-b`), [...ARGS, '--peer', a.addr], tree);
  const cpuB0 = cpuOf(b.pid);
  const got = await waitCount(b, n);
  const io1 = ioOf(a.pid);
  const run = {
    label,
    n,
    got: got.count,
    ms: got.at - b.spawnedAt - b.readyMs,
    wire: io1.rchar - io0.rchar + io1.wchar - io0.wchar,
    envelopeBytes: bytes,
    cpuA: cpuOf(a.pid) - cpuA0,
    cpuB: cpuOf(b.pid) - cpuB0,
    loadStart,
    loadEnd: load(),
  };
  log(`${label}: ${run.got} of ${n} in ${(run.ms / 1000).toFixed(1)} s (${rate(run.got, run.ms)}/s), CPU A ${(run.cpuA / 1000).toFixed(1)} s, B ${(run.cpuB / 1000).toFixed(1)} s, wire ${(run.wire / run.envelopeBytes).toFixed(3)}x`);
  await killAll();
  return run;
}

function checkout(ref: string): string {
  const dir = join(root, 'before-tree');
  mkdirSync(dir);
  execFileSync('sh', ['-c', `git -C "${ROOT}" archive "${ref}" relay src package.json | tar -x -C "${dir}"`]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

// 3. Into IndexedDB under admission: the extension's store, one transaction per envelope or per batch.
async function idb(n: number): Promise<{ one: number; batched: number }> {
  const rlps = seal(n, 77);
  const time = async (name: string, batched: boolean): Promise<number> => {
    const db = await openWhisperDb(`bench-${name}`);
    const admission = new EnvelopeAdmission({
      pool: new EnvelopePool(),
      store: new IdbEnvelopeStore(db),
      rules: { current: () => ({ now: Math.floor(Date.now() / 1000), minPow: MIN_POW, maxSize: 1 << 20 }) },
    });
    const t = performance.now();
    if (batched) {
      for (let i = 0; i < n; i += 256) {
        const rs = await admission.admitBatch(rlps.slice(i, i + 256).map((rlp) => ({ rlp, hash: envelopeHash(rlp) })), { source: { kind: 'own' } });
        if (rs.some((r) => r.kind !== 'accept')) throw new Error('batch not admitted');
      }
    } else {
      for (const rlp of rlps) if ((await admission.admit(rlp, { source: { kind: 'own' } })).kind !== 'accept') throw new Error('not admitted');
    }
    const ms = performance.now() - t;
    if ((await new IdbEnvelopeStore(db).count()) !== n) throw new Error('rows missing');
    db.close();
    return ms;
  };
  return { one: await time('one', false), batched: await time('batched', true) };
}

const runs: RelayRun[] = [];
let a1: ReturnType<typeof anchor> | undefined;
let i1: Awaited<ReturnType<typeof idb>> | undefined;
const loadAtStart = load();
try {
  log(`sealing ${N} envelopes for the anchor; load ${load()}`);
  a1 = anchor(seal(N, 1));
  runs.push(await relays('after', ROOT, N, 2));
  if (BEFORE_N > 0) runs.push(await relays('before', checkout(BEFORE_REF), BEFORE_N, 3));
  if (IDB_N > 0) i1 = await idb(IDB_N);
} catch (e) {
  log(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exitCode = 1;
} finally {
  await killAll();
  rmSync(root, { recursive: true, force: true });
}

console.log(`Node ${process.version}, ${cpus()[0]?.model.trim()} × ${cpus().length}; 276-byte envelopes; load average at start ${loadAtStart}\n`);
if (a1) {
  console.log('Anchor: relay/store.ts alone (SQLite WAL, synchronous=FULL)\n');
  console.log(line(['writes', 'envelopes', 'envelopes/s']));
  console.log(line(['---', '---:', '---:']));
  console.log(line(['one transaction each (put)', a1.oneN, rate(a1.oneN, a1.one)]));
  for (const b of a1.batched) console.log(line([`${b.size} per transaction (putMany)`, N, rate(N, b.ms)]));
}
if (runs.length) {
  console.log('\nRelay to relay: B (empty, --peer A) catches up from A\n');
  console.log(line(['code', 'envelopes', 'B got', "B's rpc line to last, s", 'envelopes/s', 'CPU s, A / B', 'envelopes per CPU-second of B', "A's socket bytes / envelope bytes", 'load at start', 'load at end']));
  console.log(line(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---', '---']));
  for (const r of runs)
    console.log(
      line([
        r.label === 'before' ? `before (${BEFORE_REF})` : 'after (this tree)',
        r.n,
        r.got,
        (r.ms / 1000).toFixed(1),
        rate(r.got, r.ms),
        `${(r.cpuA / 1000).toFixed(1)} / ${(r.cpuB / 1000).toFixed(1)}`,
        rate(r.got, r.cpuB),
        (r.wire / r.envelopeBytes).toFixed(3),
        r.loadStart,
        r.loadEnd,
      ]),
    );
}
if (a1 && runs.length) {
  // The store is the receiver's ceiling: how close catch-up comes to it, at each transaction size.
  console.log('\nCatch-up against the anchor (relay to relay envelopes/s over the store alone)\n');
  console.log(line(['code', ...a1.batched.map((b) => `anchor at ${b.size} per transaction`)]));
  console.log(line(['---', ...a1.batched.map(() => '---:')]));
  for (const r of runs)
    console.log(line([r.label === 'before' ? `before (${BEFORE_REF})` : 'after (this tree)', ...a1.batched.map((b) => `${((100 * (r.got / r.ms)) / (N / b.ms)).toFixed(0)} %`)]));
}
if (i1) {
  console.log(`\nInto IndexedDB (fake-indexeddb, no fsync) under admission, ${IDB_N} envelopes\n`);
  console.log(line(['path', 'envelopes/s']));
  console.log(line(['---', '---:']));
  console.log(line(['admit() each, one transaction each (before)', rate(IDB_N, i1.one)]));
  console.log(line(['admitBatch() of 256, one transaction each (after)', rate(IDB_N, i1.batched)]));
}
console.log(`\nload average at the end: ${load()}`);
