// The background's Whisper node (every role of src/api/node.ts but the admin) over the PeerChannel (src/rpc/peer.ts): posting and
// sealing happen in the peer host; the background keeps a mirror EnvelopePool of verified envelopes
// for back-fill and filtering. Nothing from the peer is trusted unverified: each envelope passes
// validateEnvelope before entering the mirror, and onEnvelope fires once per envelope new to the mirror,
// including ones found only in a snapshot (they arrived while the worker was stopped).

import { fromHex, toHex } from '../core/bytes.ts';
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MIN_POW, MAX_MESSAGE_SIZE_CEILING } from '../core/constants.ts';
import { encodeEnvelope, type Envelope, type EnvelopeParams } from '../core/envelope.ts';
import { EnvelopePool } from '../core/pool.ts';
import { validateEnvelope, type VerifiedEnvelope } from '../core/validate.ts';
import type { DarkSender, NodeInfo, SealOptions, WhisperNode } from '../api/node.ts';
import { DARK_BY_DEFAULT, type DarkChoice } from '../peer/dark-defaults.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import { isErrorShape } from '../rpc/guards.ts';
import type { PeerChannel, PeerOp, PeerRequests, PeerStatus } from '../rpc/peer.ts';
import { createLog, describeError } from '../rpc/log.ts';

const log = createLog('shh:bg:node');

export interface NodeProxyInit {
  channel: PeerChannel;
  randomBytes: (n: number) => Uint8Array;
  now?: () => number; // ms
}

type Listener = (e: VerifiedEnvelope, p2p: boolean) => void;

export class NodeProxy implements WhisperNode, DarkSender {
  readonly #channel: PeerChannel;
  readonly #random: (n: number) => Uint8Array;
  readonly #now: () => number;
  readonly #mirror: EnvelopePool;
  readonly #listeners = new Set<Listener>();
  readonly #off: (() => void)[] = [];
  #status: PeerStatus | null = null;
  #synced: Promise<void> | undefined;
  /** The user's dark settings (SettingsService keeps this current); until loaded, the build's defaults. */
  darkChoice: DarkChoice = { darkByDefault: DARK_BY_DEFAULT, alwaysDark: false };

  constructor(init: NodeProxyInit) {
    this.#channel = init.channel;
    this.#random = init.randomBytes;
    this.#now = init.now ?? Date.now;
    this.#mirror = new EnvelopePool({ now: this.#now });
  }

  start(): void {
    this.#mirror.start();
    this.#off.push(
      this.#channel.on('envelope', (d) => {
        if (typeof d.rlp === 'string') this.#accept(d.rlp, d.p2p === true);
      }),
      this.#channel.on('status', (s) => {
        this.#status = s;
      }),
    );
  }

  stop(): void {
    this.#mirror.stop();
    for (const off of this.#off.splice(0)) off();
  }

  /** The last status the peer reported, or null before it answered. */
  get status(): PeerStatus | null {
    return this.#status;
  }

  /**
   * Pulls the peer's status and every live envelope into the mirror; call it whenever the channel
   * (re)connects. Envelopes the mirror lacked reach onEnvelope listeners.
   */
  resync(): Promise<void> {
    const run = (async () => {
      this.#status = await this.#channel.request('status', {});
      const { rlps } = await this.#channel.request('envelopes', {});
      for (const rlp of rlps) this.#accept(rlp, false);
    })();
    this.#synced = run.catch(log.catcher('resync with the peer host'));
    return run;
  }

  /** Settles once the latest resync finished (or failed), so back-fills see the peer's pool. */
  synced(): Promise<void> {
    return this.#synced ?? Promise.resolve();
  }

  minPow(): number {
    return this.#status?.minPow ?? DEFAULT_MIN_POW;
  }

  maxMessageSize(): number {
    return this.#status?.maxSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** The user's settings (relays, limits) for the peer host; resolves to its new status. */
  async configure(c: PeerRequests['configure']['params']): Promise<PeerStatus> {
    this.#status = await this.#call('configure', c);
    return this.#status;
  }

  peerCount(): number {
    return this.#status?.peers ?? 0;
  }

  listening(): boolean {
    return this.#status?.started ?? false;
  }

  info(): NodeInfo {
    return this.#status
      ? { memory: this.#status.bytes, messages: this.#status.envelopes }
      : { memory: this.#mirror.bytes, messages: this.#mirror.size };
  }

  async seal(params: EnvelopeParams, opts: SealOptions): Promise<Envelope> {
    const sealId = toHex(this.#random(16), false);
    const cancel = (): void => void this.#channel.request('cancelSeal', { sealId }).catch(log.catcher('cancelling a seal'));
    opts.signal?.throwIfAborted();
    opts.signal?.addEventListener('abort', cancel, { once: true });
    const onProgress = opts.onProgress;
    const offProgress = onProgress
      ? this.#channel.on('sealProgress', (p) => {
          if (p.sealId === sealId) onProgress({ hashes: p.hashes, bestPow: p.bestPow, elapsedMs: p.elapsedMs });
        })
      : undefined;
    let settled = false;
    try {
      const { nonce } = await this.#call('seal', {
        expiry: params.expiry,
        ttl: params.ttl,
        topic: toHex(params.topic),
        data: toHex(params.data),
        target: opts.target,
        timeMs: opts.timeMs,
        sealId,
      });
      settled = true;
      if (typeof nonce !== 'string' || !/^0x[0-9a-f]{1,16}$/.test(nonce)) throw new RpcError(RPC.internal, 'peer returned a bad nonce');
      return { ...params, nonce: BigInt(nonce) };
    } catch (e) {
      // No answer in time (the seal may still be queued in the peer's pool) or the channel failed:
      // tell the peer to drop it, or it would hold the pool for a post that has already failed.
      if (!settled && !opts.signal?.aborted) cancel();
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', cancel);
      offProgress?.();
    }
  }

  /** The user's "Send dark by default" (a post without `dark` goes dark). */
  darkByDefault(): boolean {
    return this.darkChoice.darkByDefault;
  }

  /** The user's "Always dark" (a site's `dark: false` goes dark anyway). */
  alwaysDark(): boolean {
    return this.darkChoice.alwaysDark;
  }

  /**
   * Before the proof of work: what the peer's last status says is missing for a dark post (the peer
   * checks again when it sends). Unknown status: the post itself will say the peer is unreachable.
   */
  unavailable(): string | undefined {
    if (this.#status === null) return undefined;
    const dark = this.#status.dark;
    return dark ? dark.missing : "this browser's peer has no mix layer";
  }

  /**
   * Hands the envelope to the peer's mix client only. It is in no pool yet: it reaches the mirror (and
   * the page's subscriptions) when it comes back from the network, as everyone else's does.
   */
  async postDark(envelope: Envelope): Promise<VerifiedEnvelope> {
    const rlp = encodeEnvelope(envelope);
    const verdict = validateEnvelope(rlp, this.#policy());
    if (verdict.kind !== 'accept') throw verdict.kind === 'reject' ? verdict.error : new RpcError(RPC.whisper, 'failed to add envelope: expired');
    await this.#call('post', { rlp: toHex(rlp), dark: true });
    return verdict.envelope;
  }

  async post(envelope: Envelope): Promise<VerifiedEnvelope> {
    const rlp = encodeEnvelope(envelope);
    const verdict = validateEnvelope(rlp, this.#policy());
    if (verdict.kind !== 'accept') throw verdict.kind === 'reject' ? verdict.error : new RpcError(RPC.whisper, 'failed to add envelope: expired');
    await this.#call('post', { rlp: toHex(rlp) });
    const mirrored = this.#mirror.get(verdict.envelope.hash);
    if (mirrored) return mirrored;
    this.#add(verdict.envelope, false);
    return verdict.envelope;
  }

  envelopes(): Iterable<VerifiedEnvelope> {
    return this.#mirror.values();
  }

  onEnvelope(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // The peer already enforced its own minimum PoW and size; here we prove the bytes are a live
  // envelope with the hash and PoW we will report, under the widest limits a peer may use.
  #policy() {
    return { minPow: 0, maxSize: MAX_MESSAGE_SIZE_CEILING, now: Math.floor(this.#now() / 1000) };
  }

  #accept(rlpHex: string, p2p: boolean): void {
    let rlp: Uint8Array;
    try {
      rlp = fromHex(rlpHex, true, 'rlp');
    } catch (e) {
      return log.warn('the peer host sent an envelope that is not hex', e);
    }
    const verdict = validateEnvelope(rlp, this.#policy(), (h) => this.#mirror.has(h));
    if (verdict.kind === 'accept') this.#add(verdict.envelope, p2p);
  }

  #add(e: VerifiedEnvelope, p2p: boolean): void {
    try {
      if (!this.#mirror.add(e)) return;
    } catch (e) {
      // mirror full of higher-PoW envelopes: the peer's pool is the one that matters
      return log('mirror refused an envelope: %s', describeError(e));
    }
    for (const l of this.#listeners) l(e, p2p);
  }

  async #call<K extends PeerOp>(op: K, params: PeerRequests[K]['params']): Promise<PeerRequests[K]['result']> {
    try {
      return await this.#channel.request(op, params);
    } catch (e) {
      if (e instanceof RpcError) throw e;
      if (isErrorShape(e)) throw new RpcError(e.code, e.message, e.data);
      throw new RpcError(RPC.disconnected, 'the Whisper peer is unreachable');
    }
  }
}
