import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { buildExtension, onboard } from '../test/browser/harness.ts';
import { launchProfile, newProfile, removeProfiles, sleep, type Profile } from './extension/chromium.ts';
import { fillDataDir } from './pool-scale/fill.ts';
import { killAll, startRelay } from './pool-scale/procs.ts';

const TOTAL = 10000, MIN_POW = 0.000001;
const root = mkdtempSync(join(tmpdir(), 'prof-'));
const data = join(root, 'relay');
let open: Profile | undefined;
const status = (p: Profile) => p.run<{ envelopes: number; minPow: number }>('return shhPeer.host.status();');
async function session(p: Profile, type: string, urlEnd: string) {
  const port = Number(readFileSync(join(p.dir, 'DevToolsActivePort'), 'utf8').split('\n')[0]);
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as any[];
  const t = targets.find((x) => (type === '' || x.type === type) && x.url.startsWith(p.extensionOrigin) && x.url.endsWith(urlEnd));
  const ws = new WebSocket(t.webSocketDebuggerUrl);
  await new Promise((r) => ws.once('open', r));
  let id = 0;
  const call = (method: string, params = {}) => new Promise<any>((res) => { const my = ++id; const on = (d: any) => { const m = JSON.parse(String(d)); if (m.id === my) { ws.off('message', on); res(m.result); } }; ws.on('message', on); ws.send(JSON.stringify({ id: my, method, params })); });
  return { call, close: () => ws.close() };
}
try {
  fillDataDir(data, TOTAL, { ttl: 6 * 3600, powTarget: MIN_POW, dataBytes: 256, seed: 4242 });
  const port = 40000 + (process.pid % 2000);
  const args = ['--min-pow', String(MIN_POW), '--port', String(port)];
  let relay = await startRelay(data, args);
  const addr = relay.addr;
  await killAll();
  const ext = buildExtension([addr]);
  const dir = newProfile();
  open = await launchProfile(ext.chrome, dir);
  await onboard(open);
  await open.popup('settings:set', { minPow: MIN_POW });
  for (let i = 0; i < 60 && (await status(open)).minPow !== MIN_POW; i++) await sleep(250);
  await open.close();
  relay = await startRelay(data, args);
  const t0 = performance.now();
  open = await launchProfile(ext.chrome, dir);
  const off = await session(open, '', '/offscreen.html');
  const sw = await session(open, 'service_worker', '/background.js');
  await off.call('Profiler.enable'); await off.call('Profiler.setSamplingInterval', { interval: 200 }); await off.call('Profiler.start');
  await sw.call('Profiler.enable'); await sw.call('Profiler.start');
  const tp = performance.now();
  let n = 0;
  while ((n = (await status(open)).envelopes) < TOTAL) await sleep(100);
  const te = performance.now();
  const p1 = await off.call('Profiler.stop');
  const p2 = await sw.call('Profiler.stop');
  writeFileSync('/tmp/off.cpuprofile', JSON.stringify(p1.profile));
  writeFileSync('/tmp/sw.cpuprofile', JSON.stringify(p2.profile));
  console.log(`launch->profiling ${(tp - t0).toFixed(0)} ms, profiling->all ${(te - tp).toFixed(0)} ms`);
  off.close(); sw.close();
} finally {
  await open?.close();
  await killAll();
  removeProfiles();
  rmSync(root, { recursive: true, force: true });
}
