// Idle cost of the extension with a full pool: 10 000 live envelopes reach a Chromium profile
// by gossip from a relay they are posted to, then 60 s of idle: CPU time and memory of the browser's processes from
// /proc (by process kind; the extension's service worker, offscreen peer and PoW workers share the
// extension renderer) and the JS heaps over DevTools; then the profile restarts and the time until
// its peer reports the 10 000 envelopes loaded from IndexedDB.
//   node_modules/.bin/node bench/extension-idle.ts [envelopes=10000] [idleSeconds=60]
// Low PoW so that filling takes seconds: relay --min-pow 0.001, and the same minimum saved in the
// extension's settings (popup channel `settings:set`), which the peer host applies before loading.

import { readFileSync } from 'node:fs';
import { buildExtension, cleanup, onboard, startRelay } from '../test/browser/harness.ts';
import {
  extensionHeaps,
  launchProfile,
  load,
  machine,
  newProfile,
  removeProfiles,
  stopOnSignal,
  sampleProcs,
  sleep,
  table,
  until,
  usage,
  type Profile,
} from './extension/chromium.ts';

const TOTAL = Number(process.argv[2] ?? 10_000);
const IDLE_S = Number(process.argv[3] ?? 60);
const MIN_POW = 0.001;
const POST = { ttl: 3600, powTarget: 0.002, powTime: 2 };
const TOPICS = ['0x69646c30', '0x69646c31', '0x69646c32', '0x69646c33'];
const CONCURRENCY = 8;

type Status = { envelopes: number; bytes: number; minPow: number; peers: number };
let open: Profile | undefined;
const status = (p: Profile) => p.run<Status>('return shhPeer.host.status();');
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const ticksOf = (pid: number): number => {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
};

/** One idle window: per-kind CPU and memory of the profile's processes, the relay's CPU, JS heaps. */
async function idle(p: Profile, relayPid: number, label: string): Promise<string> {
  await sleep(5_000); // let the last status events and GC of the fill settle
  const heap0 = await extensionHeaps(p);
  const loadStart = load();
  const s0 = sampleProcs(p.dir);
  const r0 = ticksOf(relayPid);
  await sleep(IDLE_S * 1000);
  const s1 = sampleProcs(p.dir);
  const r1 = ticksOf(relayPid);
  const loadEnd = load();
  const heap1 = await extensionHeaps(p);
  const st = await status(p);
  const rows = usage(s0, s1).map((u) => [u.kind, u.processes, u.cpuSeconds.toFixed(2), ((u.cpuSeconds / IDLE_S) * 100).toFixed(2), u.rssMiB.toFixed(0), u.pssMiB.toFixed(0)]);
  rows.push(['relay process (not the browser)', 1, ((r1 - r0) / 100).toFixed(2), (((r1 - r0) / 100 / IDLE_S) * 100).toFixed(2), '', '']);
  return [
    `### ${label}: ${st.envelopes} envelopes (${mib(st.bytes)} MiB) in the pool, ${IDLE_S} s idle, load ${loadStart} -> ${loadEnd}`,
    '',
    table(['processes', 'count', 'CPU s', 'CPU % of one core', 'RSS MiB', 'PSS MiB'], rows),
    '',
    `JS heap used (Runtime.getHeapUsage), start -> end of the window: service worker ${mib(heap0.worker)} -> ${mib(heap1.worker)} MiB, offscreen document ${mib(heap0.offscreen)} -> ${mib(heap1.offscreen)} MiB`,
  ].join('\n');
}

async function main(): Promise<void> {
  const out: string[] = [];
  const relay = await startRelay(['--min-pow', String(MIN_POW)]);
  const ext = buildExtension([relay.addr]);
  const dir = newProfile();
  /** Closes the profile and launches it again; `shhPeer` exists once the host has loaded its pool. */
  const restart = async () => {
    await open?.close();
    const at = performance.now();
    open = await launchProfile(ext.chrome, dir);
    const first = await open.run<{ envelopes: number; age: number }>('return { envelopes: shhPeer.host.status().envelopes, age: performance.now() };');
    return { at, upS: (performance.now() - at) / 1000, ...first };
  };

  // First run: a vault, then the low minimum saved (the background also configures the running peer).
  open = await launchProfile(ext.chrome, dir);
  await onboard(open);
  await open.popup('settings:set', { minPow: MIN_POW });
  await until('the peer takes the minimum', async () => (await status(open!)).minPow === MIN_POW, 15_000);
  await until('the relay is connected', async () => (await status(open!)).peers > 0, 30_000);
  out.push(await idle(open, relay.child.pid!, 'Baseline, empty pool'));
  const empty = await restart();
  await until('the relay is connected again', async () => (await status(open!)).peers > 0, 30_000);

  // Fill through the relay's JSON-RPC while the profile is connected: the envelopes arrive by gossip.
  // (Catch-up of this many stalls: see docs/BENCHMARKS.md, Extension.)
  const key = (await relay.rpc('shh_generateSymKeyFromPassword', [`idle bench ${Date.now()}`])) as string;
  const fillStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL) {
        const i = next++;
        const payload = '0x' + Buffer.from(`envelope ${i} `.padEnd(200, '.')).toString('hex');
        await relay.rpc('shh_post', [{ symKeyID: key, topic: TOPICS[i % TOPICS.length], payload, ...POST }]);
      }
    }),
  );
  const fillS = (performance.now() - fillStart) / 1000;
  const info = (await relay.rpc('shh_info')) as { messages: number };
  if (info.messages < TOTAL) throw new Error(`relay holds ${info.messages} envelopes, expected ${TOTAL}`);
  let seen = -1;
  await until(`${TOTAL} envelopes in the extension`, async () => {
    const n = (await status(open!)).envelopes;
    if (n !== seen) console.error(`  ${((performance.now() - fillStart) / 1000).toFixed(1)} s: ${(seen = n)} envelopes in the extension`);
    return n >= TOTAL;
  }, 120_000, 1000);
  const arrivedS = (performance.now() - fillStart) / 1000;
  out.push(await idle(open, relay.child.pid!, `Full pool (${TOTAL})`));
  // The IndexedDB read alone (the live rows), in the running peer.
  const read = await open.run<{ rows: number; ms: number }>(
    'const t = performance.now(); const rows = await shhPeer.host.store.live(Math.floor(Date.now() / 1000)); return { rows: rows.length, ms: performance.now() - t };',
  );
  await open.close();
  open = undefined;

  // The pool comes back from IndexedDB (the peer host loads it before it starts the network).
  const full = await restart();
  await until(`${TOTAL} envelopes after the restart`, async () => (await status(open!)).envelopes >= TOTAL, 120_000, 100);
  const reportedS = (performance.now() - full.at) / 1000;
  await open!.close();
  open = undefined;

  console.log(`Machine: ${machine()}.\n`);
  console.log(
    table(
      ['step', 'result'],
      [
        [`fill the relay: ${TOTAL} shh_post over HTTP JSON-RPC, ${CONCURRENCY} at a time, PoW ${POST.powTarget}, ttl ${POST.ttl} s, 200-byte payloads`, `${fillS.toFixed(1)} s`],
        ['the same envelopes by gossip: first post to the extension holding them all', `${arrivedS.toFixed(1)} s`],
        ['IndexedDB read of the live rows alone (EnvelopeStore.live in the running peer)', `${read.rows} rows in ${read.ms.toFixed(0)} ms`],
        ['restart, empty pool: launch to the peer host up; age of the offscreen document then', `${empty.upS.toFixed(1)} s; ${(empty.age / 1000).toFixed(1)} s`],
        [`restart, full pool: launch to the peer host up (pool loaded, re-validated); age of the offscreen document then`, `${full.upS.toFixed(1)} s; ${(full.age / 1000).toFixed(1)} s; ${full.envelopes} envelopes at first look`],
        ['restart, full pool: launch to status reporting all of them', `${reportedS.toFixed(1)} s`],
      ],
    ),
  );
  console.log(`\n${out.join('\n\n')}`);
}

stopOnSignal(async () => {
  await open?.close();
  await cleanup();
  removeProfiles();
});
try {
  await main();
} finally {
  await open?.close();
  await cleanup();
  removeProfiles();
}
