// A relay acting as a mix on `/shh/6/mix/1.0.0` (docs/PROTOCOL.md §7): reads fixed-size frames from
// each sender's stream, charges each against the sender's budget, peels one layer (MAC and replay
// checked under the live mix keys), holds the frame for an exponential random delay and then acts:
// relay to the next mix, hand a loop frame on to its creator, or at the exit reassemble the envelope
// and give it to the node's one admission path. Invariants: a frame of any other size ends the
// stream; a frame that fails a check is dropped and charged again; drop cover is discarded at once
// and nothing of it reaches admission; at most `maxHeld` frames wait at once.

import { TypedEventEmitter, type Connection, type Libp2p, type PeerId, type Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { bytesToKey, equalBytes } from '../../core/bytes.ts';
import { FRAME_SIZE } from '../../core/mix/constants.ts';
import { isMixError, type MixErrorCode } from '../../core/mix/errors.ts';
import { decodeFragment } from '../../core/mix/fragment.ts';
import { peelFrameWith, type Peeled, type ScalarMult } from '../../core/mix/packet.ts';
import { Reassembler } from '../../core/mix/reassembly.ts';
import { MixKeys } from './keys.ts';
import { nodeIdOf } from './node-id.ts';
import { MixOutbound } from './outbound.ts';
import { exponential, webRandomBytes, type RandomBytes } from './random.ts';
import { nativeScalarMult, nobleScalarMult } from './scalar-mult.ts';
import { MIX_PROTOCOL, mixSettings, type MixSettings } from './settings.ts';

/** Frames of one stream peeled at once; the reader waits for one to finish beyond this. */
const PEELS_PER_STREAM = 32;

export type MixLibp2p = Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'getConnections' | 'peerId'>;

export interface MixClock {
  now(): number;
  /** Runs `fn` once after `ms`; returns its cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** What the mix needs of the node it runs in. */
export interface MixHost {
  node: MixLibp2p;
  /**
   * Counts a frame against `source` ('frame', before any work), and again a frame that failed a check
   * ('invalid', with the check's code); false drops it and cuts the stream, 'drop' (a 'frame' over
   * the sender's budget, not yet far over it) drops it unread and reads on. Only the frame's creator
   * can be sure of a later hop's MAC or of the payload (a Sphinx hop cannot check them for the next
   * hop), so `bad-mac` and `bad-payload` from a peer that is itself a mix may be a client's doing,
   * not that mix's: weigh them accordingly. `bad-length` and `replay` are always the sender's own.
   */
  charge(source: PeerId, what: 'frame' | 'invalid', code?: MixErrorCode): boolean | 'drop';
  /** The node's admission path, for an envelope that left the mix network here. */
  admit(rlp: Uint8Array, meta: { source: 'mix' }): unknown;
  /** Recognises this node's own loop cover coming back (checked before peeling). */
  ownLoop?(frame: Uint8Array): boolean;
  /** Maps a node id to the peer to send to (default: a connected peer with that id). */
  resolve?(nodeId: Uint8Array): PeerId | undefined;
  onError?(e: unknown): void;
}

export interface MixNodeInit {
  settings?: Partial<MixSettings>;
  randomBytes?: RandomBytes;
  clock?: MixClock;
  /** Shares keys with a key publisher; default: keys of its own. */
  keys?: MixKeys;
  /** The X25519 multiplications; default: WebCrypto's where it works, else @noble/curves. */
  scalarMult?: ScalarMult;
}

export type MixAction = 'relay' | 'loop' | 'exit' | 'drop' | 'own-loop' | 'reject';
export type MixRejectReason = MixErrorCode | 'no-route' | 'send-failed' | 'held-full' | 'admit-failed' | 'over-budget';

export interface MixEventDetail {
  action: MixAction;
  from?: PeerId;
  to?: string;
  reason?: MixRejectReason;
}

export interface MixEvents {
  mix: CustomEvent<MixEventDetail>;
}

export const wallClock: MixClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

export class MixNode extends TypedEventEmitter<MixEvents> {
  readonly settings: MixSettings;
  readonly keys: MixKeys;
  readonly #host: MixHost;
  readonly #random: RandomBytes;
  readonly #clock: MixClock;
  readonly #reassembler: Reassembler;
  readonly #outbound: MixOutbound;
  readonly #timers = new Set<() => void>();
  readonly #injectedMult: ScalarMult | undefined;
  #mult: ScalarMult = nobleScalarMult;
  #ownId: Uint8Array;
  #stop = new AbortController();
  #started = false;

  constructor(host: MixHost, init: MixNodeInit = {}) {
    super();
    this.settings = mixSettings(init.settings);
    this.#host = host;
    this.#random = init.randomBytes ?? webRandomBytes;
    this.#clock = init.clock ?? wallClock;
    const s = this.settings;
    this.keys = init.keys ?? new MixKeys({ now: () => this.#clock.now(), randomBytes: this.#random, periodMs: s.keyPeriodMs, graceMs: s.keyGraceMs, replayEntries: s.replayEntries });
    this.#reassembler = new Reassembler({ now: () => this.#clock.now(), maxBytes: s.reassemblyBytes, ttlMs: s.reassemblyTtlMs });
    this.#outbound = new MixOutbound(host.node, () => AbortSignal.any([this.#stop.signal, AbortSignal.timeout(s.sendTimeoutMs)]), (e) => host.onError?.(e));
    this.#ownId = nodeIdOf(host.node.peerId);
    this.#injectedMult = init.scalarMult;
  }

  /** Frames waiting out their delay. */
  get held(): number {
    return this.#timers.size;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#stop = new AbortController();
    this.#ownId = nodeIdOf(this.#host.node.peerId);
    this.#mult = this.#injectedMult ?? (await nativeScalarMult(undefined, (e) => this.#host.onError?.(e))) ?? nobleScalarMult;
    await this.#host.node.handle(MIX_PROTOCOL, (stream, connection) => this.#onStream(stream, connection), {
      maxInboundStreams: 4,
      runOnLimitedConnection: false,
    });
    this.#started = true;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stop.abort();
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#outbound.closeAll();
    await this.#host.node.unhandle(MIX_PROTOCOL);
  }

  /** Sends a frame this node made (its own client traffic) to its first hop, without delay. */
  async send(to: PeerId, frame: Uint8Array): Promise<void> {
    await this.#outbound.write(to, frame);
  }

  /**
   * Takes a frame this node made for its own mix as first hop (a relay posting for its operator): it
   * is peeled and held like any received frame, so it leaves among the others. Never charged.
   */
  async inject(frame: Uint8Array): Promise<void> {
    if (!this.#started) throw new Error('mix node not started');
    if (frame.length !== FRAME_SIZE) throw new RangeError(`a mix frame is ${FRAME_SIZE} bytes`);
    await this.#receive(frame, this.#host.node.peerId);
  }

  async #onStream(stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer;
    // maxDataLength bounds the read; a shorter frame is refused below: lengths are strict both ways.
    const lp = lpStream(stream, { maxDataLength: FRAME_SIZE });
    const peeling = new Set<Promise<void>>();
    let cut = false;
    try {
      while (this.#started) {
        const frame = (await lp.read({ signal: this.#stop.signal })).subarray();
        const charged = this.#host.charge(from, 'frame');
        if (charged === false) throw new Error('sender over its budget');
        if (charged === 'drop') {
          this.#emit({ action: 'reject', from, reason: 'over-budget' });
          continue;
        }
        if (frame.length !== FRAME_SIZE) {
          this.#host.charge(from, 'invalid', 'bad-length');
          this.#emit({ action: 'reject', from, reason: 'bad-length' });
          throw new Error(`mix frame of ${frame.length} bytes`);
        }
        // Peeled while the next frames are read: a peel waits on the X25519 multiplications (WebCrypto's
        // run off the main thread), and waiting for each in turn would bound a link by their latency.
        const peel: Promise<void> = this.#receive(frame, from).then(
          (ok) => void (ok || (cut = true)),
          (err: unknown) => this.#host.onError?.(err),
        );
        peeling.add(peel);
        void peel.finally(() => peeling.delete(peel));
        if (peeling.size >= PEELS_PER_STREAM) await Promise.race(peeling);
        if (cut) throw new Error('sender over its budget');
      }
    } catch (err) {
      // The end of the stream, our stop, an oversized or wrong-sized frame, or a spent budget.
      const name = (err as Error | null)?.name ?? '';
      if (/InvalidDataLength|InvalidMessageLength/.test(name)) {
        this.#host.charge(from, 'invalid', 'bad-length');
        this.#emit({ action: 'reject', from, reason: 'bad-length' });
      } else if (this.#started && !/UnexpectedEOF|Abort/.test(name)) {
        this.#host.onError?.(err);
      }
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Handles one frame; false when the sender's budget is spent (the stream is cut). */
  async #receive(frame: Uint8Array, from: PeerId): Promise<boolean> {
    if (this.#host.ownLoop?.(frame)) {
      this.#emit({ action: 'own-loop', from });
      return true;
    }
    let peeled: Peeled;
    try {
      peeled = await peelFrameWith(frame, this.keys.live(), this.#mult);
    } catch (err) {
      if (!isMixError(err)) throw err;
      this.#emit({ action: 'reject', from, reason: err.code });
      return this.#host.charge(from, 'invalid', err.code) !== false;
    }
    if (!this.#started) return true;
    if (peeled.kind === 'drop') {
      this.#emit({ action: 'drop', from });
      return true;
    }
    if (this.#timers.size >= this.settings.maxHeld) {
      this.#emit({ action: 'reject', from, reason: 'held-full' });
      return true;
    }
    const delay = Math.min(exponential(this.#random, this.settings.meanDelayMs), this.settings.maxDelayMs);
    const cancel = this.#clock.setTimer(() => {
      this.#timers.delete(cancel);
      if (this.#started) void this.#act(peeled, from);
    }, delay);
    this.#timers.add(cancel);
    return true;
  }

  async #act(p: Exclude<Peeled, { kind: 'drop' }>, from: PeerId): Promise<void> {
    if (p.kind === 'gossip') return this.#exit(p.body, from);
    const id = p.kind === 'relay' ? p.next : p.to;
    if (p.kind === 'loop' && equalBytes(id, this.#ownId) && this.#host.ownLoop?.(p.frame)) {
      return this.#emit({ action: 'own-loop', from });
    }
    // A path may pass this mix twice in a row (a loop through a client's lone entry relay): peel again here.
    if (p.kind === 'relay' && equalBytes(id, this.#ownId)) {
      await this.#receive(p.frame, this.#host.node.peerId);
      return;
    }
    const to = this.#resolve(id);
    if (!to) return this.#emit({ action: 'reject', from, reason: 'no-route' });
    try {
      await this.#outbound.write(to, p.frame);
      this.#emit({ action: p.kind, from, to: to.toString() });
    } catch (err) {
      if (!this.#started) return;
      this.#host.onError?.(err);
      this.#emit({ action: 'reject', from, to: to.toString(), reason: 'send-failed' });
    }
  }

  async #exit(body: Uint8Array, from: PeerId): Promise<void> {
    let rlp: Uint8Array | undefined;
    try {
      rlp = this.#reassembler.add(decodeFragment(body));
    } catch (err) {
      if (!isMixError(err)) throw err;
      return this.#emit({ action: 'reject', from, reason: err.code });
    }
    if (!rlp) return;
    try {
      await this.#host.admit(rlp, { source: 'mix' });
      this.#emit({ action: 'exit', from });
    } catch (err) {
      this.#host.onError?.(err);
      this.#emit({ action: 'reject', from, reason: 'admit-failed' });
    }
  }

  #resolve(nodeId: Uint8Array): PeerId | undefined {
    if (this.#host.resolve) return this.#host.resolve(nodeId);
    const want = bytesToKey(nodeId);
    return this.#host.node.getConnections().find((c) => !c.limits && bytesToKey(nodeIdOf(c.remotePeer)) === want)?.remotePeer;
  }

  #emit(detail: MixEventDetail): void {
    this.safeDispatchEvent('mix', { detail });
  }
}
