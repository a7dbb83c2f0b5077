// A fresh Node peer for bench/pool-scale.ts, run as its own process so its memory and socket bytes are
// its own: WhisperPeer + CatchUp wired as relay/relay.ts wires them (WebSockets, sync on the outbound
// connection, accepted envelopes forwarded to gossip), with an empty pool and no disk.
//   node bench/pool-scale/peer.ts <relay multiaddr> <expected envelopes> <min-pow>
// Prints JSON lines: {"started":ms}, {"size":n,"ms":t} while filling, then {"done":...} with memory.
import { multiaddr } from '@multiformats/multiaddr';
import { readFileSync } from 'node:fs';
import { WhisperPeer } from '../../src/net/peer.ts';
import { CatchUp } from '../../src/net/sync/catch-up.ts';

const [addr, expectedArg, minPowArg] = process.argv.slice(2);
if (!addr || !expectedArg || !minPowArg) throw new TypeError('usage: peer.ts <multiaddr> <expected> <min-pow>');
const expected = Number(expectedArg);
const say = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const io = (): { rchar: number; wchar: number } => {
  const t = readFileSync('/proc/self/io', 'utf8');
  return { rchar: Number(/rchar: (\d+)/.exec(t)?.[1]), wchar: Number(/wchar: (\d+)/.exec(t)?.[1]) };
};
const errors: string[] = [];
const onError = (e: unknown): void => {
  const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  if (errors.length < 5) errors.push(m);
  process.stderr.write(`peer error at ${Math.round(performance.now())} ms: ${m}\n`);
};

const peer = await WhisperPeer.create({
  nodeInit: { role: 'relay', host: '127.0.0.1', port: 0, discovery: false },
  minPow: Number(minPowArg),
  onPeerConnected: (id) => {
    const conns = peer.node.getConnections(id);
    if (conns.some((c) => c.direction === 'outbound' && !c.limits)) void catchUp.syncWith(id);
  },
  onError,
});
const catchUp = new CatchUp({
  node: peer.node,
  pool: peer.pool,
  admission: peer.admission,
  onError,
});
await catchUp.start();
await peer.start();
// Diagnostics on stderr: a dropped connection ends catch-up (nothing redials here), and a blocked
// event loop is what makes libp2p's ping monitor (5 s minimum timeout) drop one.
peer.node.addEventListener('peer:disconnect', () => process.stderr.write(`peer: disconnected at ${Math.round(performance.now())} ms\n`));
let tick = performance.now();
setInterval(() => {
  const lag = performance.now() - tick - 500;
  if (lag > 2000) process.stderr.write(`peer: event loop blocked ${Math.round(lag)} ms at ${Math.round(performance.now())} ms\n`);
  tick = performance.now();
}, 500).unref();
const io0 = io();
const t0 = performance.now();
say({ started: true, rss: process.memoryUsage().rss });
await peer.dial(multiaddr(addr));
// Catch-up that makes no progress for STALL_MS is reported as stalled (size below expected).
const STALL_MS = 90_000;
let last = -1;
let lastChange = performance.now();
while (peer.pool.size < expected && performance.now() - lastChange < STALL_MS) {
  if (peer.pool.size !== last) {
    say({ size: (last = peer.pool.size), ms: Math.round(performance.now() - t0) });
    lastChange = performance.now();
  }
  await new Promise((r) => setTimeout(r, 100));
}
const ms = (peer.pool.size < expected ? lastChange : performance.now()) - t0;
const io1 = io();
const peak = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
(globalThis as { gc?: () => void }).gc?.();
const mem = process.memoryUsage();
say({ done: true, size: peer.pool.size, ms, rx: io1.rchar - io0.rchar, tx: io1.wchar - io0.wchar, rss: mem.rss, peakRss: peak, heapUsed: mem.heapUsed, poolBytes: peer.pool.bytes, errors });
await catchUp.stop();
await peer.stop();
process.exit(0);
