// Large pools, the extension's part (docs/BENCHMARKS.md, "Relay under load"): a relay holding 10 000 live envelopes and a
// Chromium profile with the built extension and an empty pool: time from launch until the extension's
// pool holds all of them by catch-up; then a restart with the 10 000 stored (IndexedDB load).
//   node_modules/.bin/node bench/pool-scale-extension.ts [envelopes=10000]
// Envelopes as in bench/pool-scale.ts (PoW 1e-6, relay --min-pow 0.000001). The extension's minimum is
// lowered to 1e-6 in its settings (popup `settings:set`) while the relay is down, so the measured
// launch is the first that can accept them: the relay keeps its identity and port across the gap.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExtension, onboard } from '../test/browser/harness.ts';
import { extensionHeaps, launchProfile, load, machine, newProfile, removeProfiles, sampleProcs, stopOnSignal, table, usage, type Profile } from './extension/chromium.ts';
import { fillDataDir } from './pool-scale/fill.ts';
import { ioOf, killAll, sleep, startRelay, type RelayProc } from './pool-scale/procs.ts';

const TOTAL = Number(process.argv[2] ?? 10_000);
const MIN_POW = 0.000001;
const ARGS = ['--min-pow', String(MIN_POW)];
const root = mkdtempSync(join(tmpdir(), 'shh-pool-scale-ext-'));
const data = join(root, 'relay');
let open: Profile | undefined;
const s = (ms: number): string => (ms / 1000).toFixed(1);
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const log = (m: string): void => void process.stderr.write(`${m}\n`);
type Status = { envelopes: number; peers: number; minPow: number };
const status = (p: Profile) => p.run<Status>('return shhPeer.host.status();');

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Polls the extension's pool from `t0` until it holds TOTAL; returns first-envelope and all-envelopes times. */
async function untilFull(p: Profile, t0: number, capMs = 600_000): Promise<{ firstMs: number; allMs: number; count: number }> {
  let first = NaN;
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const n = (await status(p)).envelopes;
    const t = performance.now();
    if (n > 0 && Number.isNaN(first)) first = t - t0;
    if (n !== last) {
      if (Math.floor(n / 1000) !== Math.floor(last / 1000)) log(`  ${s(t - t0)} s: ${n} envelopes in the extension`);
      last = n;
      lastChange = t;
    }
    if (n >= TOTAL || t - t0 > capMs || t - lastChange > 120_000) return { firstMs: first, allMs: lastChange - t0, count: n };
    await sleep(250);
  }
}

async function main(): Promise<void> {
  const fill = fillDataDir(data, TOTAL, { ttl: 6 * 3600, powTarget: MIN_POW, dataBytes: 256, seed: 4242 });
  log(`relay data folder: ${TOTAL} envelopes, ${mib(fill.bytes)} MiB, in ${s(fill.ms)} s`);
  const port = await freePort();
  const args = [...ARGS, '--port', String(port)];
  // Set-up: the relay's address for the build (its identity lives in the data folder, the port is
  // fixed), then the profile's vault and minimum with the relay down.
  let relay: RelayProc = await startRelay(data, args);
  const addr = relay.addr;
  await killAll();
  const ext = buildExtension([addr]);
  const dir = newProfile();
  open = await launchProfile(ext.chrome, dir);
  await onboard(open);
  await open.popup('settings:set', { minPow: MIN_POW });
  for (let i = 0; i < 60 && (await status(open)).minPow !== MIN_POW; i++) await sleep(250);
  const before = await status(open);
  await open.close();
  open = undefined;

  relay = await startRelay(data, args);
  const loaded = ((await relay.rpc('shh_info')) as { messages: number }).messages;
  log(`relay up in ${s(relay.readyMs)} s holding ${loaded}; profile minPow ${before.minPow}, ${before.envelopes} envelopes`);
  const loadStart = load();
  const io0 = ioOf(relay.pid);
  const t0 = performance.now();
  open = await launchProfile(ext.chrome, dir);
  const upMs = performance.now() - t0;
  const got = await untilFull(open, t0);
  const io1 = ioOf(relay.pid);
  const loadEnd = load();
  await sleep(3000);
  const heaps = await extensionHeaps(open);
  const procs = usage([], sampleProcs(dir));
  const ren = procs.find((u) => u.kind === 'extension renderer');
  await open.close();
  open = undefined;

  // Restart with the envelopes in IndexedDB: launch to the peer host up, and to status reporting all.
  const t1 = performance.now();
  open = await launchProfile(ext.chrome, dir);
  const up2 = performance.now() - t1;
  const first2 = (await status(open)).envelopes;
  const again = await untilFull(open, t1, 120_000);
  await open.close();
  open = undefined;

  console.log(`Machine: ${machine()}.\n`);
  console.log(
    table(
      ['step', 'result'],
      [
        ['relay start-up holding them (spawn to `rpc` line)', `${s(relay.readyMs)} s, ${loaded} envelopes (${mib(fill.bytes)} MiB)`],
        ['fresh profile (vault and minimum set, empty pool): launch to the peer host up', `${s(upMs)} s`],
        ['launch to the first envelope in the extension', `${s(got.firstMs)} s`],
        [`launch to all ${TOTAL} in the extension (catch-up)`, `${got.count} envelopes at ${s(got.allMs)} s`],
        ['catch-up rate after the first envelope', `${(got.count / ((got.allMs - got.firstMs) / 1000)).toFixed(0)} envelopes/s`],
        ["relay's socket bytes during it, both ways", `${mib(io1.rchar - io0.rchar + io1.wchar - io0.wchar)} MiB`],
        ['load average at launch -> at the end', `${loadStart} -> ${loadEnd}`],
        ['then: JS heap used, service worker / offscreen document', `${mib(heaps.worker)} / ${mib(heaps.offscreen)} MiB`],
        ['then: extension renderer PSS / RSS; whole browser PSS', `${ren?.pssMiB.toFixed(0)} / ${ren?.rssMiB.toFixed(0)} MiB; ${procs.find((u) => u.kind === 'whole browser')?.pssMiB.toFixed(0)} MiB`],
        [`restart with ${TOTAL} in IndexedDB: launch to the peer host up`, `${s(up2)} s (${first2} envelopes at first look)`],
        [`restart: launch to status reporting all ${TOTAL}`, `${again.count} at ${s(Math.max(up2, again.allMs))} s`],
      ],
    ),
  );
}

stopOnSignal(async () => {
  await open?.close();
  await killAll();
  removeProfiles();
  rmSync(root, { recursive: true, force: true });
});
try {
  await main();
} finally {
  await open?.close();
  await killAll();
  removeProfiles();
  rmSync(root, { recursive: true, force: true });
}
