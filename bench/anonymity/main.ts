// Anonymity simulation: N WhisperPeers of our real code (libp2p, noise, yamux, gossipsub,
// the stem protocol) in one process over the memory transport with a constant one-way link delay,
// stem timers on a simulated clock that jumps to a new epoch between rounds. Every peer records who
// handed it each envelope first; afterwards, spy sets of fraction p are drawn and the first-spy
// estimator's precision is computed for plain gossip and for stem routing, posted in the same run.
//   node_modules/.bin/node bench/anonymity/main.ts [peers=200] [envelopesPerMode=200] [linkDelayMs=50] [rounds=2] [spacingMs=600] [dataBytes=64]
// dataBytes 512 or more makes envelopes of real size (gossipsub's IDONTWANT, and so lazy links, start at 512 bytes).

import { cpus, totalmem } from 'node:os';
import type { PeerId } from '@libp2p/interface';
import { toHex } from '../../src/core/bytes.ts';
import { encodeEnvelope, envelopeHash } from '../../src/core/envelope.ts';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { identify } from '@libp2p/identify';
import { memory } from '@libp2p/memory';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ping } from '@libp2p/ping';
import { createLibp2p } from 'libp2p';
import { whisperGossipsub } from '../../src/net/gossip.ts';
import type { WhisperLibp2p } from '../../src/net/node.ts';
import { WhisperPeer } from '../../src/net/peer.ts';
import { Random, seededRandomBytes } from '../../src/net/stem/random.ts';
import { DEFAULT_STEM_SETTINGS } from '../../src/net/stem/settings.ts';
import type { StemEventDetail } from '../../src/net/stem/stem.ts';
import { firstSpy, quantile, type Trace } from './estimator.ts';
import { setLinkDelay } from './link-delay.ts';
import { SimClock } from './sim-clock.ts';

const [N = 200, PER_MODE = 200, LINK_MS = 50, ROUNDS = 2, SPACING_MS = 600, DATA_BYTES = 64] = process.argv.slice(2).map(Number);
const DIALS = 4; // each peer dials 4 others: mean degree 8, gossipsub D = 6
// SPACING_MS between posts: one envelope costs 200 peers about 0.45 CPU-seconds here, so posts closer
// than that measure a saturated CPU's queue, not the protocol.
const SPY_FRACTIONS = [0.1, 0.2, 0.3];
const SPY_DRAWS = 200;
const HEARTBEAT_MS = 700;

const rnd = new Random(seededRandomBytes('anonymity-bench'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const clock = () => performance.now();

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

interface StemTrace extends Trace {
  released?: number;
  relays: number;
  fluffs: string[];
}

async function main(): Promise<void> {
  const started = clock();
  setLinkDelay(LINK_MS);
  const sim = new SimClock();
  const peers: WhisperPeer[] = [];
  for (let i = 0; i < N; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, N - i) }, (_, k) =>
        testNode().then((node) =>
          WhisperPeer.create({ node, now: sim.now, minPow: 0, stem: { clock: sim, randomBytes: seededRandomBytes(`peer-${i + k}`) } }),
        ),
      ),
    );
    await Promise.all(batch.map(async (p) => (await p.node.start(), await p.start())));
    peers.push(...batch);
  }
  const index = new Map(peers.map((p, i) => [p.peerId.toString(), i]));
  const idx = (id: PeerId | undefined): number => (id ? (index.get(id.toString()) ?? -2) : -1);

  // Random graph: every peer dials DIALS distinct others.
  const edges = new Set<string>();
  const dials: Array<[number, number]> = [];
  for (let i = 0; i < N; i++)
    for (const j of rnd.sample([...Array(N).keys()].filter((j) => j !== i), DIALS)) {
      const key = i < j ? `${i}-${j}` : `${j}-${i}`;
      if (!edges.has(key)) edges.add(key), dials.push([i, j]);
    }
  // Noise handshakes are CPU work: a few at a time, retried (a loaded machine trips libp2p's dial timeout).
  const dial = async (i: number, j: number): Promise<void> => {
    for (let attempt = 1; ; attempt++)
      try {
        return await peers[i]!.dial(peers[j]!.getMultiaddrs()[0]!);
      } catch (e) {
        if (attempt === 5) throw e;
      }
  };
  for (let k = 0; k < dials.length; k += 10) await Promise.all(dials.slice(k, k + 10).map(([i, j]) => dial(i, j)));
  await until(() => peers.every((p) => p.meshPeerCount >= Math.min(4, p.peerCount)), 120_000, 'gossip mesh');
  // Identify tells which neighbours speak the stem protocol; on a loaded machine a few identify
  // exchanges time out, and those links then carry gossip only (as they would in the field).
  await until(() => peers.every((p) => p.stem!.routes().successors.length === 2), 60_000, 'stem routes').catch(() => {});
  const short = peers.filter((p) => p.stem!.routes().successors.length < 2).length;
  const setupS = (clock() - started) / 1000;

  const traces = new Map<string, StemTrace>();
  const record = (hash: Uint8Array, at: number, from: number): void => {
    const tr = traces.get(toHex(hash));
    if (tr && !tr.first[at]) tr.first[at] = { t: clock(), from };
  };
  peers.forEach((p, i) => {
    p.addEventListener('envelope', (e) => record(e.detail.envelope.hash, i, idx(e.detail.from)));
    p.stem!.addEventListener('stem', (e: CustomEvent<StemEventDetail>) => {
      const d = e.detail;
      const tr = traces.get(toHex(d.hash));
      if (!tr) return;
      if (d.action === 'receive') record(d.hash, i, idx(d.from));
      if (d.action === 'relay') tr.relays++;
      if (d.action === 'fluff') tr.fluffs.push(d.reason ?? '?');
      if (d.own && (d.action === 'relay' || d.action === 'fluff') && tr.released === undefined) tr.released = clock();
    });
  });

  let seq = 0;
  const perRound = Math.ceil(PER_MODE / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const mine: StemTrace[] = [];
    for (let k = 0; k < perRound; k++)
      for (const mode of ['gossip', 'stem'] as const) {
        const origin = rnd.int(N);
        const p = peers[origin]!;
        const data = new Uint8Array(DATA_BYTES);
        new DataView(data.buffer).setUint32(0, ++seq);
        const rlp = encodeEnvelope({ expiry: Math.floor(sim.now() / 1000) + 7200, ttl: 7200, topic: Uint8Array.of(1, 2, 3, 4), data, nonce: 0n });
        p.stemEnabled = mode === 'stem';
        const tr: StemTrace = { origin, mode, t0: clock(), first: new Array(N), relays: 0, fluffs: [] };
        // Registered before publish: with gossip, neighbours can handle it before publish() returns.
        traces.set(toHex(envelopeHash(rlp)), tr);
        tr.first[origin] = { t: tr.t0, from: -1 };
        await p.publish(rlp);
        mine.push(tr);
        await sleep(SPACING_MS);
      }
    await until(() => mine.every((tr) => tr.first.filter(Boolean).length === N), 120_000, `round ${round} delivery`).catch(() => {
      const missing = mine.map((tr) => N - tr.first.filter(Boolean).length).filter((m) => m > 0);
      console.log(`round ${round}: ${missing.length} envelopes missed ${missing.join(', ')} peers after 120 s`);
    });
    const avg = (f: (p: WhisperPeer) => number) => (peers.reduce((a, p) => a + f(p), 0) / N).toFixed(1);
    console.error(`round ${round}: mean peers ${avg((p) => p.peerCount)}, mesh ${avg((p) => p.meshPeerCount)}, min score ${Math.min(...peers.flatMap((p) => p.node.getPeers().map((q) => p.score(q))))}`);
    // Next epoch everywhere: new diffusers, new successors.
    sim.jump(DEFAULT_STEM_SETTINGS.epochMs + DEFAULT_STEM_SETTINGS.epochJitterMs + 1);
  }
  const runS = (clock() - started) / 1000 - setupS;
  report([...traces.values()], setupS, runS);
  console.log(`peers with fewer than 2 stem successors at the start: ${short}`);
  await Promise.all(peers.map(async (p) => (await p.stop(), await p.node.stop())));
}

// The 'test' role of createWhisperNode (memory transport, noise, yamux, identify, ping, our gossipsub)
// minus libp2p's connection monitor: 200 peers on 2 shared cores answer its pings late, and it then
// closes healthy links, which would measure the machine, not the protocol.
async function testNode(): Promise<WhisperLibp2p> {
  const privateKey = await generateKeyPair('Ed25519');
  return (await createLibp2p({
    start: false,
    privateKey,
    addresses: { listen: [`/memory/${peerIdFromPrivateKey(privateKey).toString()}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    services: { identify: identify(), ping: ping(), pubsub: whisperGossipsub({ heartbeatInterval: HEARTBEAT_MS }) } as never,
  })) as unknown as WhisperLibp2p;
}

function report(all: StemTrace[], setupS: number, runS: number): void {
  const byMode = { gossip: all.filter((t) => t.mode === 'gossip'), stem: all.filter((t) => t.mode === 'stem') };
  console.log(`# Anonymity simulation: ${N} peers (mean degree ${(2 * N * DIALS) / N} dialled, gossipsub D=6), ${LINK_MS} ms one-way link delay`);
  console.log(`${byMode.gossip.length} gossip + ${byMode.stem.length} stem envelopes from random origins, one every ${SPACING_MS} ms, ${ROUNDS} epochs, ${SPY_DRAWS} spy sets per p`);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; setup ${setupS.toFixed(1)} s, run ${runS.toFixed(1)} s\n`);

  console.log('| spies p | first-spy precision, gossip | first-spy precision, stem | goal (stem <= p + 0.05) |');
  console.log('| --- | --- | --- | --- |');
  const draw = new Random(seededRandomBytes('spy-sets'));
  for (const p of SPY_FRACTIONS) {
    const acc = { gossip: { correct: 0, judged: 0 }, stem: { correct: 0, judged: 0 } };
    for (let d = 0; d < SPY_DRAWS; d++) {
      const spies = new Set(draw.sample([...Array(N).keys()], Math.round(p * N)));
      for (const mode of ['gossip', 'stem'] as const) {
        const r = firstSpy(byMode[mode], spies);
        acc[mode].correct += r.correct;
        acc[mode].judged += r.judged;
      }
    }
    const g = acc.gossip.correct / acc.gossip.judged;
    const s = acc.stem.correct / acc.stem.judged;
    console.log(`| ${p} | ${g.toFixed(3)} | ${s.toFixed(3)} | ${s <= p + 0.05 ? 'met' : 'NOT met'} |`);
  }

  const lat = (trs: StemTrace[], from: (t: StemTrace) => number) => ({
    each: trs.flatMap((t) => t.first.flatMap((a, i) => (a && i !== t.origin ? [a.t - from(t)] : []))),
    all: trs.filter((t) => t.first.every(Boolean)).map((t) => Math.max(...t.first.map((a) => a!.t)) - from(t)),
  });
  const g = lat(byMode.gossip, (t) => t.t0);
  const s = lat(byMode.stem, (t) => t.t0);
  const h = lat(byMode.stem, (t) => t.released ?? t.t0);
  const ms = (x: number) => `${Math.round(x)} ms`;
  console.log('\n| latency (publish -> arrival) | median | p99 | reach all: median | reach all: p99 |');
  console.log('| --- | --- | --- | --- | --- |');
  const row = (name: string, l: { each: number[]; all: number[] }) =>
    console.log(`| ${name} | ${ms(quantile(l.each, 0.5))} | ${ms(quantile(l.each, 0.99))} | ${ms(quantile(l.all, 0.5))} | ${ms(quantile(l.all, 0.99))} |`);
  row('plain gossip', g);
  row('stem (release delay + stem + fluff)', s);
  row('stem, from release (without the delay)', h);
  console.log(
    `| **added by stem routing** | **${ms(quantile(s.each, 0.5) - quantile(g.each, 0.5))}** | **${ms(quantile(s.each, 0.99) - quantile(g.each, 0.99))}** | ${ms(quantile(s.all, 0.5) - quantile(g.all, 0.5))} | ${ms(quantile(s.all, 0.99) - quantile(g.all, 0.99))} |`,
  );

  const hops = byMode.stem.map((t) => t.relays);
  const reasons = new Map<string, number>();
  for (const t of byMode.stem) for (const r of t.fluffs) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  console.log(
    `\nstem hops per envelope: mean ${(hops.reduce((a, b) => a + b, 0) / hops.length).toFixed(2)}, median ${quantile(hops, 0.5)}, p99 ${quantile(hops, 0.99)}, max ${Math.max(...hops)}`,
  );
  console.log(`fluffs by reason: ${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}`);
}

await main();
