// The relay's send path alone: CPU per delivered copy when one relay-role node sends envelopes to L
// subscribers over WebSockets on loopback (the forward path: gossipsub → yamux → Noise → WebSocket),
// for the stock send path and for coalescing delays. The leaves run in a child process (their cost is
// not counted); the relay's CPU is its own process's, net of its idle rate measured just before.
// Delivery latency is arrival − send time at the leaves (one clock).
//   node_modules/.bin/node bench/fanout.ts [--leaves 50] [--rate 100] [--seconds 10] [--size 560] [--paths off,0,5,25]

import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { webSockets } from '@libp2p/websockets';
import { GOSSIP_TOPIC } from '../src/core/constants.ts';
import { createWhisperNode } from '../src/net/node.ts';
import { coalesceStats } from '../src/net/coalesce.ts';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    leaves: { type: 'string', default: '50' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    size: { type: 'string', default: '560' },
    paths: { type: 'string', default: 'off,0,5,25' },
  },
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

type Msg = { type: 'ready' } | { type: 'count'; n: number; lat: number[] };

if (positionals[0] === 'leaves') {
  // Child: L plain subscribers of the envelope topic (no validation: only the relay's cost matters).
  const [addr, count, stock] = [positionals[1]!, Number(positionals[2]), positionals[3] === 'off'];
  const lat: number[] = [];
  let n = 0;
  const nodes = await Promise.all(Array.from({ length: count }, () => createWhisperNode({ role: 'test', listen: [], transports: [webSockets()], ...(stock ? { gossip: { coalesce: false } } : {}) })));
  for (const node of nodes) {
    await node.start();
    node.services.pubsub.subscribe(GOSSIP_TOPIC);
    node.services.pubsub.addEventListener('message', (e) => {
      n++;
      const d = e.detail.data;
      lat.push(Date.now() - new DataView(d.buffer, d.byteOffset).getFloat64(0));
    });
    await node.dial((await import('@multiformats/multiaddr')).multiaddr(addr));
  }
  process.send!({ type: 'ready' } satisfies Msg);
  process.on('message', (m: string) => {
    if (m === 'count') process.send!({ type: 'count', n, lat: lat.splice(0) } satisfies Msg);
    if (m === 'stop') void Promise.all(nodes.map((x) => x.stop())).finally(() => process.exit(0));
  });
} else {
  const L = Number(a.leaves);
  const RATE = Number(a.rate);
  const SECONDS = Number(a.seconds);
  const SIZE = Number(a.size);
  const rows: string[] = [];
  for (const path of a.paths.split(',')) {
    const stock = path === 'off';
    const hub = await createWhisperNode({ role: 'relay', host: '127.0.0.1', port: 0, discovery: false, ...(stock ? { gossip: { coalesce: false }, joinWsFrames: false } : { gossip: { coalesce: { delayMs: Number(path) } } }) });
    await hub.start();
    hub.services.pubsub.subscribe(GOSSIP_TOPIC);
    const addr = hub.getMultiaddrs().find((m) => m.toString().includes('/ws'))!.toString();
    const child = fork(import.meta.filename, ['leaves', addr, String(L), path], { execPath: process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const next = (): Promise<Msg> => new Promise((r) => child.once('message', r as never));
    await next();
    const deadline = Date.now() + 120_000;
    while (hub.services.pubsub.getMeshPeers(GOSSIP_TOPIC).length < L && Date.now() < deadline) await sleep(200);
    const meshed = hub.services.pubsub.getMeshPeers(GOSSIP_TOPIC).length;
    await sleep(2000);
    // Idle rate over the same length as the load.
    let c0 = process.cpuUsage();
    let t0 = performance.now();
    await sleep(SECONDS * 1000);
    let c = process.cpuUsage(c0);
    const idleUsPerS = (c.user + c.system) / ((performance.now() - t0) / 1000);
    const stats0 = { ...(coalesceStats(hub.services.pubsub) ?? { rpcs: 0, messages: 0 }) };
    c0 = process.cpuUsage();
    t0 = performance.now();
    const total = RATE * SECONDS;
    for (let i = 0; i < total; i++) {
      await sleep(Math.max(0, t0 + (1000 * i) / RATE - performance.now()));
      const data = new Uint8Array(SIZE);
      new DataView(data.buffer).setFloat64(0, Date.now());
      new DataView(data.buffer).setUint32(8, i);
      data[12] = path.length; // distinct per path and envelope: a new message id each
      await hub.services.pubsub.publish(GOSSIP_TOPIC, data);
    }
    let got = 0;
    const lat: number[] = [];
    while (got < total * meshed && performance.now() - t0 < (SECONDS + 30) * 1000) {
      child.send('count');
      const m = (await next()) as Extract<Msg, { type: 'count' }>;
      got = m.n;
      lat.push(...m.lat);
      if (got < total * meshed) await sleep(100);
    }
    c = process.cpuUsage(c0);
    const s = (performance.now() - t0) / 1000;
    const cpuUs = c.user + c.system;
    const st = coalesceStats(hub.services.pubsub);
    const sent = total * meshed; // the relay's work is per copy sent, whether or not a leaf kept up
    const rpcs = st ? ((st.rpcs - stats0.rpcs) / sent).toFixed(2) : '1';
    lat.sort((x, y) => x - y);
    const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
    rows.push(`| ${stock ? 'stock' : `coalesced, ${path} ms`} | ${meshed} | ${got} / ${sent} | ${(cpuUs / sent).toFixed(1)} | **${((cpuUs - idleUsPerS * s) / sent).toFixed(1)}** | ${rpcs} | ${q(0.5)} | ${q(0.99)} | ${loadavg()} |`);
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
    await hub.stop();
  }
  console.log(`\n### Relay send path: ${L} subscribers over WebSockets, ${RATE} envelopes/s of ${SIZE} bytes, ${SECONDS} s\n`);
  console.log('| send path | meshed | copies delivered / sent | relay µs per copy sent | same, net of idle | RPCs per copy | p50 ms | p99 ms | load avg |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}
