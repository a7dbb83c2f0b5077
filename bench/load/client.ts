// One client process of bench/load.ts: hosts a share of the N WhisperPeers (our real peer, validator
// and pool, 'test' role plus WebSockets), dials them to the relay at a bounded rate, posts the
// envelopes the parent asks for and records every arrival's latency (arrival - send time in payload).

import { webSockets } from '@libp2p/websockets';
import { oneMessagePerFrame } from '../../src/net/ws-frames.ts';
import { multiaddr } from '@multiformats/multiaddr';
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { DISCOVERY_TOPIC, encodeAnnouncement } from '../../src/net/announcement.ts';
import { WhisperPeer } from '../../src/net/peer.ts';
import { Redialer } from '../../src/net/redial.ts';
import { HISTOGRAM_MS, readStamp, seal, type ClientReport, type ToClient } from './protocol.ts';

const send = (m: unknown): void => void process.send?.(m);

let peers: WhisperPeer[] = [];
// Like the extension's peer host: keep dialling the relay, again soon after a drop (src/net/redial.ts).
const redialers: Redialer[] = [];
const histogram = new Uint32Array(HISTOGRAM_MS + 1);
/** Arrivals per envelope id (own posts not counted). */
const arrivals = new Map<number, number>();
let posted = 0;
let postErrors = 0;
let late = 0;
let disconnects = 0;

function onEnvelope(evt: CustomEvent<{ envelope: { data: Uint8Array }; from?: unknown }>): void {
  if (evt.detail.from === undefined) return; // our own post
  const stamp = readStamp(evt.detail.envelope.data);
  if (!stamp) return;
  const ms = Math.max(0, Date.now() - stamp.sentMs);
  histogram[Math.min(HISTOGRAM_MS, Math.round(ms))]!++;
  if (ms > HISTOGRAM_MS) late++;
  arrivals.set(stamp.id, (arrivals.get(stamp.id) ?? 0) + 1);
}

async function setup(m: Extract<ToClient, { type: 'setup' }>): Promise<void> {
  peers = await Promise.all(
    Array.from({ length: m.count }, () =>
      WhisperPeer.create({
        minPow: m.minPow,
        // The relay's send path (bench/load.ts --send-path), so 'off' compares stock with stock.
        nodeInit: {
          role: 'test',
          listen: [],
          transports: [m.sendPath === 'off' ? webSockets() : oneMessagePerFrame(webSockets())],
          // Browser discovery in the announce role (validates, forwards nothing); the announcements
          // themselves are published below, since these peers have no circuit address to announce.
          discovery: m.announce ? { mode: 'announce' } : false,
          ...(m.sendPath === 'off' ? { gossip: { coalesce: false } } : m.sendPath === undefined ? {} : { gossip: { coalesce: { delayMs: Number(m.sendPath) } } }),
        },
        // Like a browser and its configured relay: the relay link carries the whole network's
        // traffic, so no per-neighbour rate limit on it (docs/RELAY.md "Limits").
        trusted: () => true,
      }),
    ),
  );
  for (const p of peers) {
    await p.start();
    p.addEventListener('envelope', onEnvelope as never);
    p.addEventListener('peer:disconnect', () => {
      disconnects++;
      if (process.env.LOAD_DEBUG) process.stderr.write(`[client ${process.pid}] disconnect at ${new Date().toISOString()}\n`);
    });
  }
  // The relay's connection manager admits 5 inbound connections per second per IP (libp2p default)
  // and every client here shares 127.0.0.1: start the dialers at a bounded rate; refusals are redialled.
  const gap = 1000 / m.dialsPerSecond;
  for (const p of peers) {
    const r = new Redialer(p.node, [m.relay], { label: 'load' });
    redialers.push(r);
    r.start();
    await new Promise((res) => setTimeout(res, gap));
  }
  // Ready once the relay is a topic peer (its subscription arrived): posts reach it from then on.
  const deadline = Date.now() + 300_000;
  while (!peers.every((p) => p.node.services.pubsub.getSubscribers(GOSSIP_TOPIC).length > 0)) {
    if (Date.now() > deadline) {
      const missing = peers.filter((p) => p.node.services.pubsub.getSubscribers(GOSSIP_TOPIC).length === 0).length;
      process.stderr.write(`[client ${process.pid}] ${missing} peers still without the relay after 300 s; starting anyway\n`);
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (m.announce) startAnnouncing(m.relay);
  send({ type: 'ready', withRelay: peers.filter((p) => p.node.services.pubsub.getSubscribers(GOSSIP_TOPIC).length > 0).length });
}

let announcements = 0;
const announceTimers: Array<ReturnType<typeof setInterval>> = [];

/** Each peer announces `<relay>/p2p-circuit/webrtc/p2p/<peer>` every 30 s, spread over the interval. */
function startAnnouncing(relay: string): void {
  peers.forEach((p, i) => {
    p.node.services.discovery!.addEventListener('candidate', () => void announcements++);
    const addr = multiaddr(`${relay}/p2p-circuit/webrtc/p2p/${p.node.peerId.toString()}`);
    const once = (): void => {
      const at = Math.floor(Date.now() / 1000);
      p.node.services.pubsub.publish(DISCOVERY_TOPIC, encodeAnnouncement(at, [addr])).catch((e: unknown) => process.stderr.write(`[client ${process.pid}] announce failed: ${String(e)}\n`));
    };
    setTimeout(() => {
      once();
      announceTimers.push(setInterval(once, ANNOUNCE_MS));
    }, (ANNOUNCE_MS * i) / peers.length);
  });
}

const ANNOUNCE_MS = 30_000;

async function post(m: Extract<ToClient, { type: 'post' }>): Promise<void> {
  const p = peers[m.index];
  if (!p) return;
  try {
    await p.publish(seal(m.id, Date.now(), m.size, m.ttl, m.minPow));
    posted++;
  } catch {
    postErrors++;
  }
}

function report(): ClientReport {
  const hist: Array<[number, number]> = [];
  histogram.forEach((n, ms) => n && hist.push([ms, n]));
  const meshes = peers.map((p) => p.meshPeerCount);
  return {
    type: 'report',
    hist,
    arrivals: [...arrivals],
    posted,
    postErrors,
    late,
    disconnects,
    connected: peers.filter((p) => p.peerCount > 0).length,
    meshed: meshes.filter((n) => n > 0).length,
  };
}

process.on('message', (m: ToClient) => {
  if (m.type === 'setup') setup(m).catch((e) => send({ type: 'error', message: String(e?.stack ?? e) }));
  else if (m.type === 'post') void post(m);
  else if (m.type === 'report') send(report());
  else if (m.type === 'count') send({ type: 'count', announcements });
  else if (m.type === 'stop')
    void Promise.all(redialers.map((r) => r.stop()))
      .then(() => announceTimers.forEach((t) => clearInterval(t)))
      .then(() => Promise.all(peers.map((p) => p.stop())))
      .finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
