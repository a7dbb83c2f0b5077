// The flood scenario of hostile peers, shared by test/net/flood.test.ts and bench/flood.ts:
// a plain gossipsub node (no Whisper validator, so nothing stops it sending junk) floods a victim
// WhisperPeer with invalid envelopes while honest peers post through the victim to a receiver.
//   honest H1..Hk --> victim V --> receiver R,   flooder F --> V   (memory transport, one process)
import { GOSSIP_TOPIC } from '../../src/core/constants.ts';
import { envelopeHash } from '../../src/core/envelope.ts';
import { SCORE_THRESHOLDS } from '../../src/net/gossip.ts';
import type { WhisperPeer, WhisperPeerInit } from '../../src/net/peer.ts';
import { connect, createPeers, createPlainNode, envelopeRlp, meshed, sleep, stopAll, T0, waitFor, type PlainNode } from './helpers.ts';

export type JunkKind = 'low-pow' | 'malformed' | 'expired' | 'future';
export const JUNK_KINDS: readonly JunkKind[] = ['low-pow', 'malformed', 'expired', 'future'];
/** 'valid': sealed at PoW target 0, valid for a victim with minPow 0 (the rate limit's case). */
export type FloodKind = JunkKind | 'valid';

/** Flood envelope number i of a kind; distinct per i, so gossipsub never drops one as a duplicate. */
export function junk(kind: FloodKind, i: number): Uint8Array {
  const seed = 1_000_000 + i;
  switch (kind) {
    case 'valid':
    case 'low-pow':
      return envelopeRlp(seed, { target: 0 });
    case 'malformed': {
      const b = new Uint8Array(64).map((_, j) => (i * 131 + j * 17) & 0xff);
      b[0] = 0xc1; // a list header that promises one byte: never valid RLP at this length
      return b;
    }
    case 'expired':
      return envelopeRlp(seed, { now: T0 - 200, ttl: 60, target: 0 });
    case 'future':
      return envelopeRlp(seed, { now: T0 + 120, target: 0 });
  }
}

export interface FloodOptions {
  kind: FloodKind;
  /** Invalid envelopes per second from the flooder. */
  rate: number;
  /** How long the flooder keeps sending, ms. */
  floodMs: number;
  /** Honest envelopes posted, spread over `honestMs` by `honestPeers` peers. */
  honest: number;
  honestMs: number;
  honestPeers: number;
  /** Extra WhisperPeer init for the victim (e.g. cutOff: false to measure graylisting alone). */
  victim?: Partial<WhisperPeerInit>;
  /** Extra init for every other Whisper peer (e.g. minPow 0 with kind 'valid', or the receiver
   * would count the victim's forwards as invalid and cut the victim off). */
  others?: Partial<WhisperPeerInit>;
  /** The receiver trusts the victim, as a browser trusts its configured relay (no rate limit on that link). */
  receiverTrusts?: boolean;
}

export interface FloodResult {
  /** Junk envelopes the flooder published, and how many the victim validated (read and decoded). */
  sent: number;
  validated: number;
  /** ms from the victim's first verdict on junk to graylisting (score below the threshold, as gossipsub sees it). */
  graylistMs: number | undefined;
  /** ms from the first verdict to the cut-off event and to the disconnect. */
  cutOffMs: number | undefined;
  disconnectMs: number | undefined;
  /** Flood envelopes the victim took into its pool, and those it refused by rate limit. */
  accepted: number;
  over: number;
  abuse: number;
  /** Process CPU (user + system, ms) over the flood window: flooder, victim and honest peers together. */
  cpuMs: number;
  wallMs: number;
  /** Honest envelopes posted and received by the receiver. */
  posted: number;
  delivered: number;
  /** Lowest score the victim gave an honest peer, and whether one was cut off. */
  honestMinScore: number;
  honestCut: boolean;
  /** After the flood: whether a fresh dial by the flooder was refused. */
  redialRefused: boolean;
}

export async function runFlood(o: FloodOptions): Promise<FloodResult> {
  const running: Array<{ stop(): Promise<void> }> = [];
  try {
    const [v] = (await createPeers(1, o.victim ?? {})) as [WhisperPeer];
    running.push(v);
    const trusted = o.receiverTrusts ? { trusted: (id: { equals(o: unknown): boolean }) => id.equals(v.peerId) } : {};
    const [receiver] = (await createPeers(1, { ...o.others, ...trusted })) as [WhisperPeer];
    const honest = await createPeers(o.honestPeers, o.others ?? {});
    running.push(receiver, ...honest);
    for (const h of [receiver, ...honest]) await connect(h, v);
    await meshed([v], [1 + o.honestPeers]);
    const honestEnvs = Array.from({ length: o.honest }, (_, i) => envelopeRlp(500_000 + i));
    const junkEnvs = Array.from({ length: Math.ceil((o.rate * o.floodMs) / 1000) }, (_, i) => junk(o.kind, i));

    const flooder: PlainNode = await createPlainNode();
    running.push(flooder as { stop(): Promise<void> });
    await flooder.dial(v.getMultiaddrs()[0]!);
    const fid = flooder.peerId.toString();
    await waitFor(() => flooder.services.pubsub.getSubscribers(GOSSIP_TOPIC).some((p) => p.equals(v.peerId)), 5000, 'flooder sees the victim');

    let first: number | undefined;
    let validated = 0;
    v.addEventListener('verdict', (e) => {
      if (e.detail.from.toString() !== fid) return;
      first ??= performance.now();
      validated++;
    });
    let accepted = 0;
    let over = 0;
    let abuse = 0;
    v.addEventListener('envelope', (e) => {
      if (e.detail.from?.toString() === fid) accepted++;
    });
    v.addEventListener('rate-limited', (e) => {
      if (e.detail.from.toString() !== fid) return;
      if (e.detail.level === 'over') over++;
      else abuse++;
    });
    let cutAt: number | undefined;
    let discAt: number | undefined;
    let honestCut = false;
    v.addEventListener('cut-off', (e) => {
      if (e.detail.peer.toString() === fid) cutAt ??= performance.now();
      else honestCut = true;
    });
    v.addEventListener('peer:disconnect', (e) => {
      if (e.detail.toString() === fid) discAt ??= performance.now();
    });
    let grayAt: number | undefined;
    const gray = setInterval(() => {
      if (grayAt === undefined && first !== undefined && v.score(flooder.peerId) < SCORE_THRESHOLDS.graylistThreshold) grayAt = performance.now();
    }, 2);
    const got = new Set<string>();
    receiver.addEventListener('envelope', (e) => got.add(Buffer.from(e.detail.envelope.hash).toString('hex')));

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // Honest posts at a steady rate, round robin over the honest peers.
    const posting = (async () => {
      for (let i = 0; i < honestEnvs.length; i++) {
        const due = t0 + (i * o.honestMs) / honestEnvs.length;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        await honest[i % honest.length]!.publish(honestEnvs[i]!).catch(() => {});
      }
    })();
    // The flood: `rate` per second in 10 ms ticks, each message its own publish.
    let sent = 0;
    const perTick = Math.max(1, Math.round(o.rate / 100));
    while (sent < junkEnvs.length) {
      const due = t0 + (sent / o.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      for (let k = 0; k < perTick && sent < junkEnvs.length; k++)
        await flooder.services.pubsub.publish(GOSSIP_TOPIC, junkEnvs[sent++]!).catch(() => {});
    }
    const rest = t0 + o.floodMs - performance.now();
    if (rest > 0) await sleep(rest);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    await posting;
    const want = honestEnvs.map((r) => Buffer.from(envelopeHash(r)).toString('hex'));
    await waitFor(() => want.every((h) => got.has(h)), 5000, 'honest delivery').catch(() => {});
    clearInterval(gray);

    // Refusal: the flooder dials again during its cooldown.
    let redialRefused = true;
    if (cutAt !== undefined) {
      await flooder.dial(v.getMultiaddrs()[0]!).catch(() => {});
      await sleep(300);
      redialRefused = v.node.getConnections(flooder.peerId).length === 0;
    }
    const rel = (t: number | undefined): number | undefined => (t === undefined || first === undefined ? undefined : t - first);
    return {
      sent,
      validated,
      graylistMs: rel(grayAt),
      cutOffMs: rel(cutAt),
      disconnectMs: rel(discAt),
      accepted,
      over,
      abuse,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs,
      posted: honestEnvs.length,
      delivered: want.filter((h) => got.has(h)).length,
      honestMinScore: Math.min(...honest.map((h) => v.score(h.peerId))),
      honestCut,
      redialRefused,
    };
  } finally {
    await stopAll(running);
  }
}
