// Relay under load: one real relay process (node relay/main.ts) and N WhisperPeers in K
// client processes dialling it over WebSockets on loopback; R envelopes/s, each posted by a random
// client. Every client records every arrival: delivery latency, delivered %, relay CPU and RSS.
//   node_modules/.bin/node bench/load.ts [--peers 500] [--rate 100] [--seconds 60] [--procs 2]
//     [--drain 10] [--size 256] [--ttl 30] [--min-pow 0.001] [--sample 5] [--send-path off,5]
//     [--idle 60] [--announce] [--relay-args="--discovery-fanout 0"]
// --idle measures the relay's CPU with every client connected and nothing posted, first (with
// --announce the clients announce themselves on discovery every 30 s, as browsers do), and the load's
// cost per delivered copy is then also given net of that idle rate.
// --send-path runs the whole load once per relay send path (--coalesce-ms of the relay: `off` is
// gossipsub's stock path, a number the coalescing delay in ms; the clients follow) and ends with one
// table of them side by side: the before and after of the send path in one run.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HISTOGRAM_MS, type ClientReport, type FromClient, type ToClient } from './load/protocol.ts';
import { CpuMeter, procStat, startRelay } from './load/procs.ts';
import { COALESCE_DEFAULTS } from '../src/net/coalesce.ts';

const { values: a } = parseArgs({
  options: {
    peers: { type: 'string', default: '500' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
    procs: { type: 'string', default: '2' },
    drain: { type: 'string', default: '10' },
    size: { type: 'string', default: '256' },
    ttl: { type: 'string', default: '30' },
    'min-pow': { type: 'string', default: '0.001' },
    sample: { type: 'string', default: '5' },
    'dial-rate': { type: 'string', default: '4.5' },
    'send-path': { type: 'string' },
    /** Seconds of quiet (peers connected, nothing posted) measured before the load: the relay's idle cost. */
    idle: { type: 'string', default: '0' },
    /** More relay flags, space-separated (e.g. "--discovery-fanout 0"). */
    'relay-args': { type: 'string', default: '' },
    /** Clients announce themselves on browser discovery every 30 s (docs/PROTOCOL.md §3.6), as browsers do. */
    announce: { type: 'boolean', default: false },
    /** A folder: the relay runs with --cpu-prof and writes its profile there on exit. */
    'relay-prof': { type: 'string' },
    /** A folder: the first client process runs with --cpu-prof. */
    'client-prof': { type: 'string' },
  },
});
const N = Number(a.peers);
const RATE = Number(a.rate);
const SECONDS = Number(a.seconds);
const PROCS = Math.min(Number(a.procs), N);
const DRAIN = Number(a.drain);
const SIZE = Number(a.size);
const TTL = Number(a.ttl);
const MIN_POW = Number(a['min-pow']);
const SAMPLE_S = Number(a.sample);

// Stopped by a signal, exit through process.exit so that 'exit' handlers stop the relay (load/procs.ts);
// the client processes exit when their IPC channel closes.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const log = (s: string): void => void process.stderr.write(`[load ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

interface Client {
  child: ChildProcess;
  count: number;
  first: number;
  next: (type: FromClient['type']) => Promise<FromClient>;
}

function startClient(count: number, first: number, execArgv: string[] = []): Client {
  const child = fork(join(import.meta.dirname, 'load/client.ts'), [], { execPath: process.execPath, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<string, (m: FromClient) => void>();
  child.on('message', (m: FromClient) => {
    if (m.type === 'error') {
      log(`client ${child.pid} failed: ${m.message}`);
      process.exitCode = 1;
    }
    waiting.get(m.type)?.(m);
  });
  const next = (type: FromClient['type']) => new Promise<FromClient>((r) => waiting.set(type, r));
  return { child, count, first, next };
}

const tell = (c: Client, m: ToClient): void => void c.child.send(m);

interface Sample {
  t: number; // s since load start
  relayCpu: number;
  relayWait: number;
  relayRss: number;
  clientCpu: number[];
  clientRss: number[];
  poolKiB: number;
  rpcMs: number;
  poolMessages: number;
  load: string;
}

interface RunSummary {
  sendPath: string;
  delivered: number;
  p50: number;
  p99: number;
  relayUs: number;
  clientUs: number;
  relayCpu: number;
  load: string;
  /** Relay µs per copy net of its idle CPU rate (NaN without --idle). */
  netUs: number;
}

const IDLE = Number(a.idle);

/** The relay's CPU and the announcements clients heard while nothing was posted for IDLE seconds. */
async function measureIdle(pid: number, clients: Client[]): Promise<{ relayCpuPct: number }> {
  const count = async (): Promise<number> => {
    const got = await Promise.all(clients.map((c) => {
      const p = c.next('count');
      tell(c, { type: 'count' });
      return p;
    }));
    return got.reduce((n, m) => n + (m.type === 'count' ? m.announcements : 0), 0);
  };
  const a0 = await count();
  const cpu0 = procStat(pid).cpuS;
  const t0 = performance.now();
  log(`idle ${IDLE} s`);
  await sleep(IDLE * 1000);
  const cpuS = procStat(pid).cpuS - cpu0;
  const s = (performance.now() - t0) / 1000;
  const heard = (await count()) - a0;
  const relayCpuPct = (100 * cpuS) / s;
  console.log(`\n### Relay at rest: ${N} clients connected${a.announce ? ', announcing on discovery every 30 s' : ''}, ${s.toFixed(0)} s\n`);
  console.log('| clients | relay CPU % of a core | relay CPU ms per client per minute | announcements heard per client per minute | copies per second (all clients) | load avg |');
  console.log('|---|---|---|---|---|---|');
  console.log(`| ${N} | ${relayCpuPct.toFixed(1)} | ${((1000 * cpuS * 60) / s / N).toFixed(1)} | ${((heard * 60) / s / N).toFixed(1)} | ${(heard / s).toFixed(0)} | ${loadavg()} |`);
  return { relayCpuPct };
}

async function run(sendPath: string | undefined): Promise<RunSummary> {
  const data = mkdtempSync(join(tmpdir(), 'shh-load-'));
  const relayFlags = a['relay-prof'] ? ['--cpu-prof', '--cpu-prof-dir', a['relay-prof']] : [];
  // Every client dials from 127.0.0.1, as every browser behind a proxy does: the per-IP caps (256
  // connections, 128 reservations) would stop the run at 256 clients, so they are off, as docs/RELAY.md
  // tells an operator behind a proxy. --relay-args come after and can set them again.
  const perIpOff = ['--max-conns-per-ip', '0', '--max-reservations-per-ip', '0'];
  const relay = await startRelay(['--data', data, '--min-pow', String(MIN_POW), ...perIpOff, ...(sendPath === undefined ? [] : ['--coalesce-ms', sendPath]), ...a['relay-args'].split(' ').filter(Boolean)], relayFlags);
  const clients: Client[] = [];
  let withRelayAtStart = 0;
  const meter = new CpuMeter();
  try {
    log(`relay ${relay.child.pid} at ${relay.addr}; starting ${N} peers in ${PROCS} processes`);
    for (let k = 0, first = 0; k < PROCS; k++) {
      const count = Math.floor(N / PROCS) + (k < N % PROCS ? 1 : 0);
      const prof = k === 0 && a['client-prof'] ? ['--cpu-prof', '--cpu-prof-dir', a['client-prof']] : [];
      clients.push(startClient(count, first, prof));
      first += count;
    }
    const t0Setup = Date.now();
    const ready = clients.map((c) => c.next('ready'));
    for (const c of clients) tell(c, { type: 'setup', relay: relay.addr, count: c.count, minPow: MIN_POW, dialsPerSecond: Number(a['dial-rate']) / PROCS, sendPath, announce: a.announce });
    const withRelay = (withRelayAtStart = (await Promise.all(ready)).reduce((n, m) => n + (m.type === 'ready' ? m.withRelay : 0), 0));
    log(`${withRelay}/${N} peers connected to the relay after ${((Date.now() - t0Setup) / 1000).toFixed(0)} s; warming up 5 s`);
    await sleep(5000);
    const idle = IDLE > 0 ? await measureIdle(relay.child.pid!, clients) : undefined;

    const samples: Sample[] = [];
    const loadStart = performance.now();
    const sample = async (): Promise<void> => {
      const r = meter.sample(relay.child.pid!);
      const cs = clients.map((c) => meter.sample(c.child.pid!));
      const t = (performance.now() - loadStart) / 1000;
      // shh_info's round trip doubles as a probe of the relay's event loop (stalls show here).
      const t1 = performance.now();
      const info = (await relay.rpc('shh_info').catch(() => ({}))) as { memory?: number; messages?: number };
      const rpcMs = performance.now() - t1;
      samples.push({
        t,
        rpcMs,
        relayCpu: r.cpuPct,
        relayWait: r.waitPct,
        relayRss: r.rssMiB,
        clientCpu: cs.map((c) => c.cpuPct),
        clientRss: cs.map((c) => c.rssMiB),
        poolKiB: (info.memory ?? NaN) / 1024,
        poolMessages: info.messages ?? NaN,
        load: loadavg(),
      });
    };
    await sample(); // t = 0: RSS before load; primes the CPU meters
    const cpu0 = [relay.child.pid!, ...clients.map((c) => c.child.pid!)].map((pid) => procStat(pid).cpuS);
    const sampler = setInterval(() => void sample(), SAMPLE_S * 1000);

    // Posts on a fixed schedule (catching up if the timer ran late), each by a uniformly random peer.
    let sent = 0;
    const total = Math.round(RATE * SECONDS);
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - loadStart) / 1000) * RATE) + 1);
      for (; sent < due; sent++) {
        const g = Math.floor(Math.random() * N);
        const c = clients.find((x) => g >= x.first && g < x.first + x.count)!;
        tell(c, { type: 'post', index: g - c.first, id: sent, size: SIZE, ttl: TTL, minPow: MIN_POW });
      }
      if (sent % (RATE * 60) < RATE / 10 && sent > 0) log(`${sent}/${total} posted`);
      await sleep(Math.max(1, 1000 / RATE / 2));
    }
    log(`all ${total} posted; draining ${DRAIN} s`);
    await sleep(DRAIN * 1000);
    clearInterval(sampler);
    await sample();
    const cpuUsed = [relay.child.pid!, ...clients.map((c) => c.child.pid!)].map((pid, i) => procStat(pid).cpuS - cpu0[i]!);

    const reports = (await Promise.all(clients.map((c) => {
      const p = c.next('report');
      tell(c, { type: 'report' });
      return p;
    }))) as ClientReport[];
    const r = printResults(reports, samples, cpuUsed, relay, clients, withRelayAtStart);
    const loadS = SECONDS + DRAIN;
    const netUs = idle ? (1e6 * (cpuUsed[0]! - (idle.relayCpuPct / 100) * loadS)) / r.arrived : NaN;
    if (idle) console.log(`\nNet of the idle rate (${idle.relayCpuPct.toFixed(1)} % of a core): relay ${netUs.toFixed(0)} µs per delivered copy.`);
    return { sendPath: sendPath ?? `default (${COALESCE_DEFAULTS.delayMs})`, ...r, netUs };
  } finally {
    for (const c of clients) tell(c, { type: 'stop' });
    await sleep(a['client-prof'] ? 10_000 : 3000);
    for (const c of clients) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    relay.child.kill('SIGTERM');
    await sleep(a['relay-prof'] ? 10_000 : 2000);
    if (relay.child.exitCode === null) relay.child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }

}

const summaries: RunSummary[] = [];
for (const sp of a['send-path'] === undefined ? [undefined] : a['send-path'].split(',')) summaries.push(await run(sp));
if (summaries.length > 1 || IDLE > 0) {
  console.log(`\n### Send path compared (${N} peers, ${RATE} envelopes/s of ${SIZE} data bytes, ${SECONDS} s each)\n`);
  console.log('| relay --coalesce-ms | delivered % | p50 ms | p99 ms | relay CPU % mean | relay µs per delivered copy | same, net of idle | clients µs per delivered copy | load avg (end) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of summaries) console.log(`| ${r.sendPath} | ${r.delivered.toFixed(2)} | ${r.p50} | ${r.p99} | ${r.relayCpu.toFixed(0)} | ${r.relayUs.toFixed(0)} | ${Number.isFinite(r.netUs) ? r.netUs.toFixed(0) : '-'} | ${r.clientUs.toFixed(0)} | ${r.load} |`);
}

function printResults(reports: ClientReport[], samples: Sample[], cpuUsed: number[], relay: Awaited<ReturnType<typeof startRelay>>, clients: Client[], withRelayAtStart: number): Omit<RunSummary, 'sendPath' | 'netUs'> & { arrived: number } {
  const hist = new Map<number, number>();
  const perEnvelope = new Map<number, number>();
  let posted = 0;
  let postErrors = 0;
  let late = 0;
  for (const r of reports) {
    for (const [ms, n] of r.hist) hist.set(ms, (hist.get(ms) ?? 0) + n);
    for (const [id, n] of r.arrivals) perEnvelope.set(id, (perEnvelope.get(id) ?? 0) + n);
    posted += r.posted;
    postErrors += r.postErrors;
    late += r.late;
  }
  const pairs = posted * (N - 1);
  let arrived = 0;
  for (const n of perEnvelope.values()) arrived += n;
  const complete = [...perEnvelope.values()].filter((n) => n >= N - 1).length;
  const sorted = [...hist].sort((x, y) => x[0] - y[0]);
  const pct = (q: number): number => {
    let acc = 0;
    for (const [ms, n] of sorted) if ((acc += n) >= q * arrived) return ms;
    return NaN;
  };
  const max = sorted.length ? sorted[sorted.length - 1]![0] : NaN;
  const load = samples.slice(1, -1);
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const at = (t: number): Sample => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
  const relayCpu = load.map((s) => s.relayCpu).filter(Number.isFinite);
  const relayWait = load.map((s) => s.relayWait).filter(Number.isFinite);
  const clientCpu = clients.map((_, k) => mean(load.map((s) => s.clientCpu[k]!).filter(Number.isFinite)));
  const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '-');
  const ms = (x: number): string => (x >= HISTOGRAM_MS ? `>${HISTOGRAM_MS}` : f0(x));
  console.log(`\n### Relay under load: ${N} peers, ${RATE} envelopes/s, ${SECONDS} s (+${DRAIN} s drain)\n`);
  console.log('| peers | rate/s | duration s | posted | delivered % | complete envelopes | p50 ms | p99 ms | max ms | relay CPU % mean / max | relay wait % | relay RSS MiB start / mid / end | client procs CPU % (mean each) | load avg (end) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(
    `| ${N} | ${RATE} | ${SECONDS} | ${posted}${postErrors ? ` (${postErrors} failed)` : ''} | ${((100 * arrived) / pairs).toFixed(2)} | ${complete}/${posted} | ${ms(pct(0.5))} | ${ms(pct(0.99))} | ${ms(max)} | ${f0(mean(relayCpu))} / ${f0(Math.max(...relayCpu))} | ${f0(mean(relayWait))} | ${f0(samples[0]!.relayRss)} / ${f0(at(SECONDS / 2).relayRss)} / ${f0(at(SECONDS).relayRss)} | ${clientCpu.map(f0).join(', ')} | ${samples[samples.length - 1]!.load} |`,
  );
  if (late) console.log(`\n${late} arrivals later than ${HISTOGRAM_MS} ms.`);
  const step = Math.max(1, Math.round(Math.min(60, Math.max(SAMPLE_S, SECONDS / 10)) / SAMPLE_S));
  console.log('\n| t s | relay CPU % | relay wait % | relay RSS MiB | pool envelopes | pool KiB | shh_info ms | client CPU % | client RSS MiB | load avg |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  samples.forEach((s, i) => {
    if (i % step !== 0 && i !== samples.length - 1) return;
    console.log(
      `| ${f0(s.t)} | ${f0(s.relayCpu)} | ${f0(s.relayWait)} | ${f0(s.relayRss)} | ${f0(s.poolMessages)} | ${f0(s.poolKiB)} | ${f0(s.rpcMs)} | ${s.clientCpu.map(f0).join(', ')} | ${s.clientRss.map(f0).join(', ')} | ${s.load} |`,
    );
  });
  // CPU time per delivered copy does not depend on how much of a core the process was granted: on a
  // shared machine it is the figure to extrapolate capacity from.
  const [relayS = 0, ...clientS] = cpuUsed;
  const clientTotal = clientS.reduce((x, y) => x + y, 0);
  console.log(
    `\nCPU over load + drain: relay ${relayS.toFixed(1)} s, clients ${clientTotal.toFixed(1)} s, for ${arrived} delivered copies: relay ${((1e6 * relayS) / arrived).toFixed(0)} µs and clients ${((1e6 * clientTotal) / arrived).toFixed(0)} µs per delivered copy.`,
  );
  const connected = reports.reduce((s, r) => s + r.connected, 0);
  const meshed = reports.reduce((s, r) => s + r.meshed, 0);
  const disconnects = reports.reduce((s, r) => s + r.disconnects, 0);
  console.log(`\nAt the start of the load ${withRelayAtStart}/${N} clients had the relay as a topic peer. At the end ${connected}/${N} clients were connected (${disconnects} disconnects seen, each redialled) and ${meshed}/${N} had the relay in their mesh.`);
  if (relay.stderr()) console.log(`\nRelay stderr (tail):\n\n    ${relay.stderr().slice(-2000).split('\n').join('\n    ')}`);
  return {
    delivered: (100 * arrived) / pairs,
    p50: pct(0.5),
    p99: pct(0.99),
    relayUs: (1e6 * relayS) / arrived,
    clientUs: (1e6 * clientTotal) / arrived,
    relayCpu: mean(relayCpu),
    load: samples[samples.length - 1]!.load,
    arrived,
  };
}
