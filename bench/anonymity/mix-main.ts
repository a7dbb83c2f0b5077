// Global-passive-observer study of the mix layer (docs/PRIVACY.md, "Measured: the mix layer"): the
// analysis check first, then runs of mix-world.ts (real MixNode and MixClient code on a simulated
// clock and tapped links) judged by the adversaries of tracer.ts, plain and stem posts in the same
// runs. Each configuration runs in its own process, two at a time.
//   node_modules/.bin/node bench/anonymity/mix-main.ts [full|small]     (full: the documented run)

import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { RELAY_COVER_DEFAULTS } from '../../src/net/mix/mix-service.ts';
import { MIX_CLIENT_DEFAULTS, MIX_DEFAULTS } from '../../src/net/mix/settings.ts';
import { Random, seededRandomBytes } from '../../src/net/stem/random.ts';
import { quantile } from './estimator.ts';
import { exponentialMixCheck } from './mix-entropy.ts';
import { runWorld, type WorldConfig } from './mix-world.ts';
import { FRAME_WIRE_BYTES, TapIndex, Tracer, entropyBits, firstSender, naiveScores, rankOf, type Adversary } from './tracer.ts';

type Row = Record<string, number | string>;

function base(over: Partial<WorldConfig>, small: boolean): WorldConfig {
  return {
    clients: small ? 30 : 100,
    relays: 3,
    rateHz: MIX_CLIENT_DEFAULTS.rateHz,
    meanDelayMs: MIX_DEFAULTS.meanDelayMs,
    maxDelayMs: MIX_DEFAULTS.maxDelayMs,
    relayCoverHz: RELAY_COVER_DEFAULTS.rateHz,
    hops: MIX_CLIENT_DEFAULTS.hops,
    warmupMs: 10_000,
    postWindowMs: small ? 20_000 : 60_000,
    postEveryMs: 250,
    drainMs: 0,
    envelopeBytes: 400,
    seed: 'observer',
    ...over,
  };
}

/** Long enough after the last post for a frame that left then to cross three capped delays. */
const withDrain = (c: WorldConfig): WorldConfig => ({ ...c, drainMs: c.drainMs || 3 * c.maxDelayMs + 15_000 });

async function one(c: WorldConfig): Promise<Row> {
  const w = await runWorld(c);
  const idx = new TapIndex(w.taps);
  const n = w.clients.length;
  const slot = new Map(w.clients.map((x, i) => [x, i]));
  const mix = w.posts.filter((p) => p.mode === 'mix');
  for (const t of w.taps) if (t.label?.kind === 'real') w.posts[t.label.post!]!.left = t.sent;
  // Delivery is judged for posts whose frames left the client early enough to cross three capped delays.
  const due = mix.filter((p) => p.left !== undefined && p.left <= w.end - 3 * c.maxDelayMs - 1000);
  const seen = mix.filter((p) => p.seen);
  const adv: Adversary = { meanDelayMs: c.meanDelayMs, maxDelayMs: c.maxDelayMs, hops: c.hops };
  const spies = new Set(new Random(seededRandomBytes(`${c.seed} spies`)).sample(w.clients, Math.round(0.1 * n)));
  const score = (name: string, post: (p: (typeof seen)[number]) => Float64Array, judged = seen): Row => {
    let h = 0;
    let top = 0;
    const ranks: number[] = [];
    for (const p of judged) {
      const v = post(p);
      const i = slot.get(p.origin)!;
      h += entropyBits(v) / Math.log2(n);
      ranks.push(rankOf(v, i));
      if (rankOf(v, i) === 1) top++;
    }
    return { [`${name} degree`]: h / judged.length, [`${name} top1`]: top / judged.length, [`${name} rank`]: quantile(ranks, 0.5) };
  };
  // The naive adversary names one client; its scores are a ranking, not probabilities: no degree.
  const { ['naive degree']: _, ...naive } = score('naive', (p) => naiveScores(w, p.seen!.t, idx));
  const honest = new Tracer(w, adv, idx);
  const tracer = score('tracer', (p) => honest.posterior(p));
  // One relay of R corrupt (each in turn, averaged) plus 10 % spy clients; spies' posts not judged.
  const honestPosts = seen.filter((p) => !spies.has(p.origin));
  const corrupt: Row[] = w.relays.map((r) => {
    const t = new Tracer(w, { ...adv, corrupt: r, spies }, idx);
    return score('corrupt', (p) => t.posterior(p), honestPosts);
  });
  const avg = (k: string) => corrupt.reduce((a, r) => a + (r[k] as number), 0) / corrupt.length;
  const lat = seen.map((p) => p.seen!.t - p.t0);
  const plainLat = w.posts.filter((p) => p.mode === 'plain' && p.seen).map((p) => p.seen!.t - p.t0);
  const base = w.posts.filter((p) => p.mode !== 'mix' && p.seen);
  // Every frame a client sent once all clocks run (they start within one mean interval of the start).
  const from = w.start + 1000 / c.rateHz;
  const up = w.taps.filter((t) => slot.has(t.from) && t.bytes === FRAME_WIRE_BYTES && t.sent >= from);
  return {
    N: n,
    seed: c.seed,
    'rate Hz': c.rateHz,
    'delay ms': c.meanDelayMs,
    posts: mix.length,
    delivered: due.filter((p) => p.seen).length / due.length,
    'left late': mix.length - due.length,
    ...naive,
    ...tracer,
    'corrupt degree': avg('corrupt degree'),
    'corrupt top1': avg('corrupt top1'),
    'corrupt rank': avg('corrupt rank'),
    'latency p50 ms': quantile(lat, 0.5),
    'latency p99 ms': quantile(lat, 0.99),
    'plain p50 ms': quantile(plainLat, 0.5),
    'upload B/s': up.reduce((a, t) => a + t.bytes, 0) / n / ((w.end - from) / 1000),
    'plain+stem naive top1': base.filter((p) => firstSender(w, p) === p.origin).length / base.length,
    'plain+stem posts': base.length,
    'loops lost': `${w.loops.lost}/${w.loops.sent}`,
    rejects: [...w.rejects].map(([k, v]) => `${k} ${v}`).join(' ') || 'none',
    'wall s': w.wallMs / 1000,
    load: loadavg()[0]!.toFixed(2),
  };
}

function runChild(c: WorldConfig): Promise<Row> {
  return new Promise((resolve, reject) => {
    const ch = spawn(process.execPath, [new URL(import.meta.url).pathname, '--one', JSON.stringify(c)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    ch.stdout.on('data', (d: Buffer) => (out += d.toString()));
    ch.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Row) : reject(new Error(`config ${JSON.stringify(c)} exited ${code}`))));
  });
}

const fmt = (v: number | string) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v < 10 ? v.toFixed(3) : v.toFixed(0)) : v);

async function main(): Promise<void> {
  if (process.argv[2] === '--one') {
    console.log(JSON.stringify(await one(JSON.parse(process.argv[3]!) as WorldConfig)));
    return;
  }
  const small = process.argv[2] === 'small';
  const started = performance.now();
  console.log(`# Mix layer against a global passive observer (${small ? 'small' : 'full'} run)`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}; node ${process.version}; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('## Analysis check: one exponential mix, Poisson arrivals (expected entropy log2(e·λ·m))\n');
  console.log('| λ (1/s) | mean delay | outputs traced | measured H (bits) | expected H (bits) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [lambda, mean] of [[5, 1000], [20, 1000], [20, 2500]] as const) {
    const r = exponentialMixCheck(lambda, mean, small ? 1500 : 4000);
    console.log(`| ${lambda} | ${mean} ms | ${r.outputs} | ${r.measured.toFixed(3)} | ${r.expected.toFixed(3)} |`);
  }
  // The defaults first, then one setting at a time: the rate, the mean delay, the number of clients.
  const sweep = (o: Partial<WorldConfig>) => base(o, small);
  const configs: WorldConfig[] = [
    base({}, small),
    base({ seed: 'observer-2' }, small), // the same settings in another world: how much the figures move
    sweep({ rateHz: 0.1 }),
    sweep({ rateHz: 0.5 }),
    sweep({ meanDelayMs: 1000 }),
    sweep({ meanDelayMs: 3000 }),
    sweep({ clients: small ? 15 : 50 }),
    sweep({ clients: small ? 60 : 200, postWindowMs: small ? 10_000 : 30_000 }),
  ];
  const rows: Row[] = new Array(configs.length);
  let next = 0;
  const worker = async () => {
    while (next < configs.length) {
      const i = next++;
      rows[i] = await runChild(withDrain(configs[i]!));
      console.error(`config ${i + 1}/${configs.length} done: ${JSON.stringify(rows[i])}`);
    }
  };
  await Promise.all([worker(), worker()]);
  const keys = Object.keys(rows[0]!);
  const b = configs[0]!;
  console.log(`\n## Runs (${b.relays} relays, ${b.hops} hops, relay cover ${b.relayCoverHz} loops/s each, delay cap ${b.maxDelayMs / 1000} s, links 20-150 ms, a post every ${b.postEveryMs} ms alternating mix, plain, mix, stem; the first row is the defaults)\n`);
  console.log(`| ${keys.join(' | ')} |`);
  console.log(`| ${keys.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${keys.map((k) => fmt(r[k]!)).join(' | ')} |`);
  console.log(`\ngoal top-1 precision <= 2/N (${(2 / 100).toFixed(3)} at N = 100); total ${((performance.now() - started) / 1000).toFixed(0)} s; load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

await main();
