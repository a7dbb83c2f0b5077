// Private first hops (Dandelion++ stem phase over `/shh/6/stem/1.0.0`): an envelope this peer
// originates, or that a neighbour stems to it, goes to one successor (routes.ts) instead of gossip,
// until a diffuser fluffs it. Invariants: a stem frame is the bare envelope RLP, whoever made it, so
// relayed and own envelopes look alike; every held envelope has an embargo timer that fluffs it unless
// it is seen spreading first, so a dropped stem loses nothing; a peer forwards an envelope on the stem
// at most once (a second visit fluffs it), so no stem loops forever; stem envelopes go through the one
// admission path (../admission.ts: validation, the sender's budget and cut-off) before they are held,
// and through it again (durable, pooled, gossiped) when a relayed one is fluffed. Relayed envelopes
// held are capped overall, per predecessor and in bytes (settings.ts); beyond a cap one is fluffed.
// Over 300 lines: the held set, its timers and its caps share one lifecycle; split, they would share state.

import { logger } from '@libp2p/logger';
import { TypedEventEmitter, type Connection, type Libp2p, type PeerId, type Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { bytesToKey } from '../../core/bytes.ts';
import { MAX_MESSAGE_SIZE_CEILING } from '../../core/constants.ts';
import type { VerifiedEnvelope } from '../../core/validate.ts';
import type { EnvelopeAdmission } from '../admission.ts';
import { systemClock, type StemClock } from './clock.ts';
import { Random, type RandomBytes } from './random.ts';
import { OutboundStreams } from './outbound.ts';
import { StemRoutes, type RouteSnapshot } from './routes.ts';
import { STEM_PROTOCOL, stemSettings, type StemSettings } from './settings.ts';

const log = logger('shh:net:stem');

export type StemNode = Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'getConnections' | 'addEventListener' | 'removeEventListener' | 'peerStore'>;

/** What the stem needs of the peer it serves (WhisperPeer wires these). */
export interface StemHost {
  node: StemNode;
  /** Admits what arrives on the stem (source 'stem': held) and releases relayed envelopes at their fluff. */
  admission: Pick<EnvelopeAdmission, 'admit' | 'release'>;
  /** Publishes an own envelope on gossipsub (the fluff; relayed ones go through admission.release). */
  gossip(rlp: Uint8Array): Promise<void>;
  /** Counts a protocol violation (an oversize frame) against `peer`, as gossip would (gossipsub P4). */
  penalise(peer: PeerId): void;
  /** The gossip score of a peer: negative peers are not chosen as successors. */
  score?(peer: PeerId): number;
  onError?(e: unknown): void;
}

export interface StemInit {
  settings?: Partial<StemSettings>;
  randomBytes?: RandomBytes;
  /** Epochs, embargo timers and release delays run on this clock (default: wall clock). */
  clock?: StemClock;
}

export type StemAction =
  | 'receive' // arrived on the stem from `from`
  | 'relay' // sent on the stem to `to`
  | 'fluff' // published on gossip here; `reason` says why
  | 'reject'; // invalid, sender penalised

export type FluffReason = 'diffuser' | 'no-successor' | 'embargo' | 'loop' | 'send-failed' | 'held-full';

export interface StemEventDetail {
  action: StemAction;
  hash: Uint8Array;
  own: boolean;
  from?: PeerId;
  to?: string;
  reason?: FluffReason;
}

export interface StemEvents {
  stem: CustomEvent<StemEventDetail>;
}

interface Held {
  envelope: VerifiedEnvelope;
  own: boolean;
  /** The predecessor a relayed envelope came from. */
  from?: PeerId;
  cancel: Array<() => void>;
  /** Own envelope that came back on the stem once already. */
  returned?: boolean;
}

const isOversize = (e: unknown): boolean => /InvalidDataLength|InvalidMessageLength/.test((e as { name?: string } | null)?.name ?? '');

export class Stem extends TypedEventEmitter<StemEvents> {
  readonly settings: StemSettings;
  readonly #host: StemHost;
  readonly #random: Random;
  readonly #clock: StemClock;
  readonly #routes: StemRoutes;
  readonly #held = new Map<string, Held>();
  /** Relayed envelopes held, per predecessor, and their bytes (settings.maxHeld*). */
  readonly #heldFrom = new Map<string, number>();
  #relayedHeld = 0;
  #relayedBytes = 0;
  readonly #capable = new Set<string>();
  readonly #outbound: OutboundStreams;
  #stop = new AbortController();
  #started = false;

  constructor(host: StemHost, init: StemInit = {}) {
    super();
    this.settings = stemSettings(init.settings);
    this.#host = host;
    this.#random = new Random(init.randomBytes);
    this.#clock = init.clock ?? systemClock();
    this.#routes = new StemRoutes(this.settings, this.#random, this.#clock);
    this.#outbound = new OutboundStreams(host.node, () => this.#sendSignal());
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#stop = new AbortController();
    const node = this.#host.node;
    node.addEventListener('peer:identify', this.#onIdentify);
    node.addEventListener('peer:disconnect', this.#onDisconnect);
    await node.handle(STEM_PROTOCOL, (stream, connection) => this.#onStream(stream, connection), {
      maxInboundStreams: 4, // one long-lived stream per predecessor, and room to replace a broken one
      runOnLimitedConnection: false,
    });
    this.#started = true;
    // Peers identified before we started: ask the peer store once.
    for (const c of node.getConnections()) void this.#learn(c.remotePeer);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stop.abort();
    const node = this.#host.node;
    node.removeEventListener('peer:identify', this.#onIdentify);
    node.removeEventListener('peer:disconnect', this.#onDisconnect);
    for (const h of this.#held.values()) for (const c of h.cancel) c();
    this.#held.clear();
    this.#heldFrom.clear();
    this.#relayedHeld = this.#relayedBytes = 0;
    this.#capable.clear();
    this.#outbound.closeAll();
    await node.unhandle(STEM_PROTOCOL).catch((e: unknown) => log.error('unhandling the stem protocol failed: %e', e));
  }

  /** Current routes (epoch, role, successors), for tests and diagnostics. */
  routes(): RouteSnapshot {
    this.#routes.update(this.#candidates());
    return this.#routes.snapshot();
  }

  /** Relayed envelopes held now (own ones not counted), for tests and diagnostics. */
  get heldRelayed(): number {
    return this.#relayedHeld;
  }

  /** Whether the stem holds this envelope (own or relayed, not yet seen spreading). */
  holds(hash: Uint8Array): boolean {
    return this.#held.size !== 0 && this.#held.has(bytesToKey(hash)); // no key to make when nothing is held
  }

  /**
   * Sends an envelope this peer made (already in the pool) on the stem after the release delay.
   * Never throws: every failure ends in a fluff.
   */
  originate(envelope: VerifiedEnvelope): void {
    if (!this.#started) throw new Error('stem not started');
    const key = bytesToKey(envelope.hash);
    if (this.#held.has(key)) return;
    const held: Held = { envelope, own: true, cancel: [] };
    this.#held.set(key, held);
    const delay = this.#random.float() * this.settings.releaseDelayMs;
    held.cancel.push(this.#clock.setTimer(() => this.#release(held), delay));
  }

  /**
   * The envelope was seen spreading (gossip or sync brought it): the embargo is lifted. Returns
   * whether it was our own, which the caller still has to forward on gossip like any other peer.
   */
  settle(hash: Uint8Array): 'own' | 'relayed' | undefined {
    const key = bytesToKey(hash);
    const held = this.#held.get(key);
    if (!held) return undefined;
    this.#forget(key, held);
    return held.own ? 'own' : 'relayed';
  }

  #release(held: Held): void {
    if (!this.#isHeld(held)) return;
    const d = this.#routes.forOwn(this.#candidates());
    if (d.kind === 'fluff') return void this.#fluff(held, d.reason);
    this.#forward(held, d.to);
  }

  #forward(held: Held, to: string): void {
    this.#armEmbargo(held);
    void this.#send(held, to);
  }

  #armEmbargo(held: Held): void {
    const s = this.settings;
    const remainingMs = held.envelope.expiry * 1000 - this.#clock.now();
    const ms = Math.min(s.embargoMinMs + this.#random.exponential(s.embargoMeanMs), Math.max(1000, remainingMs / 2));
    held.cancel.push(this.#clock.setTimer(() => void this.#fluff(held, 'embargo'), ms));
  }

  async #send(held: Held, to: string): Promise<void> {
    const e = held.envelope;
    try {
      try {
        await this.#outbound.write(to, e.rlp);
      } catch (first) {
        // A stream that broke since its last frame (peer restarted it, muxer reset): one fresh try.
        if (!this.#started) return;
        this.#host.onError?.(first);
        await this.#outbound.write(to, e.rlp);
      }
      this.#emit({ action: 'relay', hash: e.hash, own: held.own, to });
    } catch (err) {
      if (!this.#started) return;
      this.#host.onError?.(err);
      await this.#fluff(held, 'send-failed');
    }
  }

  #sendSignal(): AbortSignal {
    return AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.settings.sendTimeoutMs)]);
  }

  async #fluff(held: Held, reason: FluffReason): Promise<void> {
    const e = held.envelope;
    const key = bytesToKey(e.hash);
    if (!this.#isHeld(held)) return;
    this.#forget(key, held);
    try {
      if (held.own) {
        this.#emit({ action: 'fluff', hash: e.hash, own: true, reason });
        await this.#host.gossip(e.rlp);
        return;
      }
      // Durable, pooled and gossiped by the admission path, unless it spread meanwhile.
      if (await this.#host.admission.release(e, held.from!)) this.#emit({ action: 'fluff', hash: e.hash, own: false, reason });
    } catch (err) {
      this.#host.onError?.(err);
    }
  }

  // A predecessor's stream carries frames until it ends; each is handled as it arrives.
  async #onStream(stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer;
    const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_SIZE_CEILING + 64 });
    try {
      while (this.#started) await this.#receive((await lp.read({ signal: this.#stop.signal })).subarray(), from);
    } catch (err) {
      // The end of the stream, our stop, or a frame over the size bound (the sender broke the protocol).
      if (isOversize(err)) this.#host.penalise(from);
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async #receive(rlp: Uint8Array, from: PeerId): Promise<void> {
    if (!this.#started) return;
    // Admission lets a held own envelope through (it is in the pool) to the loop check below.
    const verdict = await this.#host.admission.admit(rlp, { source: { kind: 'stem', peer: from } });
    if (!this.#started) return;
    if (verdict.kind === 'reject') {
      this.#emit({ action: 'reject', hash: new Uint8Array(0), own: false, from });
      return;
    }
    if (verdict.kind !== 'held') return;
    const e = verdict.envelope;
    const key = bytesToKey(e.hash);
    const again = this.#held.get(key);
    this.#emit({ action: 'receive', hash: e.hash, own: again?.own ?? false, from });
    if (again) {
      // Our own envelope back from the stem is relayed once like anyone's: fluffing it here would
      // make its author the gossip source. Any other second visit ends the stem.
      if (!again.own || again.returned) return void this.#fluff(again, 'loop');
      again.returned = true;
      const d = this.#routes.forRelay(from.toString(), this.#candidates());
      if (d.kind === 'fluff') return void this.#fluff(again, d.reason);
      return void this.#send(again, d.to);
    }
    const held: Held = { envelope: e, own: false, from, cancel: [] };
    const full = !this.#roomFor(e, from);
    this.#held.set(key, held);
    this.#count(held, 1);
    if (full) return void this.#fluff(held, 'held-full');
    const d = this.#routes.forRelay(from.toString(), this.#candidates());
    if (d.kind === 'fluff') return void this.#fluff(held, d.reason);
    this.#forward(held, d.to);
  }

  /** Peers we may stem to: direct (not relayed) connections that speak the stem protocol and behave. */
  #candidates(): string[] {
    const out = new Set<string>();
    for (const c of this.#host.node.getConnections()) {
      const id = c.remotePeer.toString();
      if (c.limits || !this.#capable.has(id)) continue;
      if ((this.#host.score?.(c.remotePeer) ?? 0) < 0) continue;
      out.add(id);
    }
    return [...out].sort(); // a stable order, so seeded runs repeat
  }

  async #learn(peer: PeerId): Promise<void> {
    try {
      const p = await this.#host.node.peerStore.get(peer);
      if (p.protocols.includes(STEM_PROTOCOL)) this.#capable.add(peer.toString());
    } catch {
      // not identified yet: 'peer:identify' will tell
    }
  }

  readonly #onIdentify = (evt: CustomEvent<{ peerId: PeerId; protocols: string[] }>): void => {
    const id = evt.detail.peerId.toString();
    if (evt.detail.protocols.includes(STEM_PROTOCOL)) this.#capable.add(id);
    else this.#capable.delete(id);
  };

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.#capable.delete(evt.detail.toString());
    this.#outbound.drop(evt.detail.toString());
  };

  #isHeld(held: Held): boolean {
    return this.#started && this.#held.get(bytesToKey(held.envelope.hash)) === held;
  }

  #forget(key: string, held: Held): void {
    for (const c of held.cancel) c();
    held.cancel = [];
    if (this.#held.get(key) === held) {
      this.#held.delete(key);
      this.#count(held, -1);
    }
  }

  #roomFor(e: VerifiedEnvelope, from: PeerId): boolean {
    const s = this.settings;
    return (
      this.#relayedHeld < s.maxHeld &&
      (this.#heldFrom.get(from.toString()) ?? 0) < s.maxHeldPerSender &&
      this.#relayedBytes + e.rlp.length <= s.maxHeldBytes
    );
  }

  #count(held: Held, delta: 1 | -1): void {
    if (held.own || !held.from) return;
    const id = held.from.toString();
    const n = (this.#heldFrom.get(id) ?? 0) + delta;
    if (n > 0) this.#heldFrom.set(id, n);
    else this.#heldFrom.delete(id);
    this.#relayedHeld += delta;
    this.#relayedBytes += delta * held.envelope.rlp.length;
  }

  #emit(detail: StemEventDetail): void {
    this.safeDispatchEvent('stem', { detail });
  }
}
