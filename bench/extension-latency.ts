// Delivery latency page to page (goal: p50 under 100 ms, PoW excluded): two Chromium profiles
// with the built extension, one relay on loopback, a page per profile connected through the approval
// window. B subscribes (symmetric key from a shared password, one topic); A posts one 256-byte message
// at a time. Latency = B's receipt minus the moment A's shh_post resolved (sealed and stored by then);
// sealing = call to resolution, reported apart. Both pages read `performance.timeOrigin + now()`.
//   node_modules/.bin/node bench/extension-latency.ts [n=200] [nStem=30]

import { buildExtension, cleanup, connectSite, onboard, serve, startRelay } from '../test/browser/harness.ts';
import { launchProfile, load, machine, newProfile, quantile, removeProfiles, stopOnSignal, table, until, type Profile } from './extension/chromium.ts';

const N = Number(process.argv[2] ?? 200);
const N_STEM = Number(process.argv[3] ?? 30);
const POST = { ttl: 60, powTarget: 0.2, powTime: 5 }; // 0.2: the default minimum of relay and extension
const TOPIC = '0x62656e63';

type Shh = { request(a: { method: string; params?: unknown[] }): Promise<unknown>; on(e: string, f: (m: unknown) => void): void };
type BenchWindow = { shh: Shh; bench: { recv: Map<number, number>; waiters: Map<number, () => void> } };
type Sample = { i: number; seal: number; latency: number };

const profiles: Profile[] = [];
let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
let site: Awaited<ReturnType<typeof serve>> | undefined;

async function rpc<T>(p: Profile, page: Awaited<ReturnType<Profile['newPage']>>, method: string, ...params: unknown[]): Promise<T> {
  const r = await page.evaluate(
    async ([m, ps]) => {
      try {
        return { result: await (window as unknown as BenchWindow).shh.request({ method: m, params: ps }) };
      } catch (e) {
        return { error: `${(e as { code?: number }).code} ${(e as Error).message}` };
      }
    },
    [method, params] as [string, unknown[]],
  );
  if ('error' in r) throw new Error(`${p.dir} ${method}: ${r.error}`);
  return r.result as T;
}

/** Direct (unlimited /webrtc) links this peer has to `other`, and whether the relay is connected. */
async function paths(p: Profile, other: string): Promise<{ direct: number; relay: boolean }> {
  return p.run(`
    const conns = shhPeer.host.peer.node.getConnections();
    const direct = conns.filter((c) => c.status === 'open' && !c.limits && c.remotePeer.toString() === ${JSON.stringify(other)} && c.remoteAddr.toString().includes('/webrtc')).length;
    return { direct, relay: shhPeer.host.status().relays.every((r) => r.connected) };`);
}

async function main(): Promise<void> {
  relay = await startRelay();
  const ext = buildExtension([relay.addr]);
  site = await serve({ '/bench.html': '<!doctype html><meta charset="utf-8"><title>latency bench</title><p>bench</p>' });
  const [a, b] = await Promise.all([launchProfile(ext.chrome, newProfile()), launchProfile(ext.chrome, newProfile())]);
  profiles.push(a!, b!);
  await Promise.all(profiles.map((p) => onboard(p)));
  const pageA = await a!.newPage();
  const pageB = await b!.newPage();
  for (const [p, page] of [[a!, pageA], [b!, pageB]] as const) {
    await page.goto(`${site.url}/bench.html`);
    const { outcome } = await connectSite(p, page, 'Approve');
    if (!outcome.result) throw new Error(`connect: ${JSON.stringify(outcome)}`);
    await until('a peer', async () => (await rpc<string>(p, page, 'net_peerCount')) !== '0x0');
  }
  const idA = (await a!.run<{ peerId: string }>('return shhPeer.host.status();')).peerId;
  const idB = (await b!.run<{ peerId: string }>('return shhPeer.host.status();')).peerId;

  const password = `latency bench ${Date.now()}`;
  const keyA = await rpc<string>(a!, pageA, 'shh_generateSymKeyFromPassword', password);
  const keyB = await rpc<string>(b!, pageB, 'shh_generateSymKeyFromPassword', password);
  await pageB.evaluate(() => {
    const w = window as unknown as BenchWindow;
    w.bench = { recv: new Map(), waiters: new Map() };
    w.shh.on('message', (m) => {
      const at = performance.timeOrigin + performance.now();
      const hex = (m as { data: { result: { payload: string } } }).data.result.payload;
      const text = new TextDecoder().decode(Uint8Array.from(hex.slice(2).match(/../g) ?? [], (h) => parseInt(h, 16)));
      const i = (JSON.parse(text) as { i: number }).i;
      if (!w.bench.recv.has(i)) w.bench.recv.set(i, at);
      w.bench.waiters.get(i)?.();
    });
  }, 0);
  await rpc(b!, pageB, 'shh_subscribe', 'messages', { symKeyID: keyB, topics: [TOPIC] });

  let seq = 0;
  /** Posts message `i` from A's page; resolves to [called, resolved] in page time. */
  const post = (i: number) =>
    pageA.evaluate(
      async ([k, topic, idx, p]) => {
        const json = JSON.stringify({ i: idx, sentAt: performance.timeOrigin + performance.now() });
        const bytes = new TextEncoder().encode(json.padEnd(256, ' '));
        const payload = '0x' + Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
        const t0 = performance.timeOrigin + performance.now();
        await (window as unknown as BenchWindow).shh.request({ method: 'shh_post', params: [{ symKeyID: k, topic, payload, ...p }] });
        return [t0, performance.timeOrigin + performance.now()] as const;
      },
      [keyA, TOPIC, i, POST] as const,
    );
  const waitRecv = (i: number, ms: number) =>
    pageB.evaluate(
      ([idx, t]) => {
        const w = (window as unknown as BenchWindow).bench;
        if (w.recv.has(idx)) return w.recv.get(idx)!;
        return new Promise<number | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), t);
          w.waiters.set(idx, () => (clearTimeout(timer), resolve(w.recv.get(idx)!)));
        });
      },
      [i, ms] as const,
    );

  /** One at a time: post, wait for B's receipt (or `timeoutMs`), next. */
  async function serial(n: number, timeoutMs = 10_000): Promise<{ samples: Sample[]; lost: number }> {
    const samples: Sample[] = [];
    let lost = 0;
    for (let k = 0; k < n; k++) {
      const i = seq++;
      const [t0, t1] = await post(i);
      const at = await waitRecv(i, timeoutMs);
      if (at === null) lost++;
      else samples.push({ i, seal: t1 - t0, latency: at - t1 });
    }
    return { samples, lost };
  }

  /** Posts back to back (own posts wait out the stem's delays independently), then waits for all. */
  async function pipelined(n: number, timeoutMs: number): Promise<{ samples: Sample[]; lost: number }> {
    const sent: { i: number; t0: number; t1: number }[] = [];
    for (let k = 0; k < n; k++) {
      const i = seq++;
      const [t0, t1] = await post(i);
      sent.push({ i, t0, t1 });
    }
    const samples: Sample[] = [];
    let lost = 0;
    const end = Date.now() + timeoutMs;
    for (const s of sent) {
      const at = await waitRecv(s.i, Math.max(1, end - Date.now()));
      if (at === null) lost++;
      else samples.push({ i: s.i, seal: s.t1 - s.t0, latency: at - s.t1 });
    }
    return { samples, lost };
  }

  const setStem = (on: boolean) => Promise.all(profiles.map((p) => p.run(`shhPeer.host.peer.stemEnabled = ${on}; return null;`)));
  const ms = (x: number) => x.toFixed(1);
  const rows: (string | number)[][] = [];
  const sealRows: number[] = [];
  const record = (label: string, r: { samples: Sample[]; lost: number }, path: string, loadAvg: string) => {
    const lat = r.samples.map((s) => s.latency).sort((x, y) => x - y);
    sealRows.push(...r.samples.map((s) => s.seal));
    rows.push([label, path, r.samples.length, r.lost, ms(quantile(lat, 0.5)), ms(quantile(lat, 0.9)), ms(quantile(lat, 0.99)), ms(lat.at(-1) ?? NaN), loadAvg]);
    console.error(`${label}: done (${r.samples.length} received, ${r.lost} lost)`);
  };
  const describePaths = async () => {
    const [pa, pb] = [await paths(a!, idB), await paths(b!, idA)];
    return `${pa.direct + pb.direct > 0 ? 'relay + direct WebRTC' : 'relay only'}${pa.relay && pb.relay ? '' : ' (a relay link was down)'}`;
  };

  // 1. The relay as the only path: no neighbour keeping, direct links hung up, stem off.
  for (const [p, other] of [[a!, idB], [b!, idA]] as const)
    await p.run(`
      await shhPeer.host.neighbours?.stop();
      const id = shhPeer.host.peer.node.getConnections().find((c) => c.remotePeer.toString() === ${JSON.stringify(other)})?.remotePeer;
      if (id) await shhPeer.host.peer.node.hangUp(id);
      return null;`);
  await setStem(false);
  await serial(5); // warm-up: JIT, first streams
  const before1 = await describePaths();
  const l1 = load();
  const r1 = await serial(N);
  const path1 = (await describePaths()) === before1 ? before1 : `${before1}, then changed`;
  record('relay only, stem off', r1, path1, l1);

  // 2. Browser discovery on again: wait for A and B to link directly over WebRTC, then the same.
  await Promise.all(profiles.map((p) => p.run('shhPeer.host.neighbours?.start(); return null;')));
  const linked = await until('a direct WebRTC link A-B', async () => (await paths(a!, idB)).direct > 0, 120_000, 1000).then(() => true, () => false);
  await setStem(false);
  const l2 = load();
  const before2 = await describePaths();
  const r2 = await serial(N);
  record('discovery on, stem off', r2, linked ? `${before2} (first copy wins)` : `${before2}: no direct link within 120 s`, l2);

  // 3. Defaults: own posts take the stem (release delay, stem hops, embargo) before gossip.
  await setStem(true);
  const l3 = load();
  const before3 = await describePaths();
  const r3 = await pipelined(N_STEM, 180_000);
  record('defaults (stem on)', r3, before3, l3);

  const seal = sealRows.sort((x, y) => x - y);
  console.log(`\nMachine: ${machine()}. Load average (1, 5, 15 min) at the start of each run in the table.\n`);
  console.log(table(['run', 'path', 'N', 'lost', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'load'], rows));
  console.log(`\nSealing (shh_post call to resolution: encrypt, PoW at target ${POST.powTarget} on a 256-byte payload, ttl ${POST.ttl}, store), all runs:\n`);
  console.log(table(['N', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], [[seal.length, ms(quantile(seal, 0.5)), ms(quantile(seal, 0.9)), ms(quantile(seal, 0.99)), ms(seal.at(-1) ?? NaN)]]));
}

stopOnSignal(async () => {
  await Promise.all(profiles.map((p) => p.close()));
  await site?.close();
  await cleanup();
  removeProfiles();
});
try {
  await main();
} finally {
  await Promise.all(profiles.map((p) => p.close()));
  await site?.close();
  await cleanup();
  removeProfiles();
}
