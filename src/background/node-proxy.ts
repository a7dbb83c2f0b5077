// The background's Whisper node (every role of src/api/node.ts but the admin) over the PeerChannel (src/rpc/peer.ts):
// posting and sealing happen in the peer host, and so does the pool: the worker keeps no copy of it.
// It tells the peer which topics its watchers follow (their union: topics are public, keys stay here)
// and receives the bytes of new envelopes on those topics only; a new watcher's back-fill is asked for
// by topic. Nothing from the peer is trusted unverified: every envelope passes validateEnvelope before
// a watcher sees it. A worker restart therefore moves only what its replayed watchers need.
// Node queries (src/rpc/node-queries.ts) are peer ops of their own name: `query` forwards any of them.

import { fromHex, toHex } from '../core/bytes.ts';
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MIN_POW, MAX_MESSAGE_SIZE_CEILING } from '../core/constants.ts';
import { encodeEnvelope, type Envelope, type EnvelopeParams } from '../core/envelope.ts';
import { validateEnvelope, type VerifiedEnvelope } from '../core/validate.ts';
import type { DarkSender, NodeInfo, SealOptions, WhisperNode } from '../api/node.ts';
import { DARK_BY_DEFAULT, type DarkChoice } from '../peer/dark-defaults.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import { isErrorShape } from '../rpc/guards.ts';
import type { PeerChannel, PeerOp, PeerRequests, PeerStatus } from '../rpc/peer.ts';
import type { NodeQueries, NodeQueryName } from '../rpc/node-queries.ts';
import { createLog } from '../rpc/log.ts';

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
  readonly #listeners = new Set<Listener>();
  readonly #off: (() => void)[] = [];
  /** Watchers per topic (8 hex), and watchers of every topic. */
  readonly #topics = new Map<string, number>();
  #everything = 0;
  /** The last `watch` sent (or being sent); a back-fill waits for it, so the peer sends what follows. */
  #interestSent: Promise<void> = Promise.resolve();
  #interestDirty = false;
  #status: PeerStatus | null = null;
  #synced: Promise<void> | undefined;
  /** The user's dark settings (SettingsService keeps this current); until loaded, the build's defaults. */
  darkChoice: DarkChoice = { darkByDefault: DARK_BY_DEFAULT, alwaysDark: false };

  constructor(init: NodeProxyInit) {
    this.#channel = init.channel;
    this.#random = init.randomBytes;
    this.#now = init.now ?? Date.now;
  }

  start(): void {
    this.#off.push(
      this.#channel.on('envelope', (d) => {
        if (typeof d.rlp !== 'string') return; // a topic nobody here watches: only its size came
        const e = this.#verify(d.rlp);
        if (e) for (const l of this.#listeners) l(e, d.p2p === true);
      }),
      this.#channel.on('status', (s) => {
        this.#status = s;
      }),
    );
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
  }

  /** The last status the peer reported, or null before it answered. */
  get status(): PeerStatus | null {
    return this.#status;
  }

  /**
   * Pulls the peer's status and tells it the watched topics again; call it whenever the channel
   * (re)connects. A peer host that restarted under live watchers may have taken envelopes before it
   * knew their topics: those on watched topics are handed to the listeners again (the watchers' owners
   * drop what they already delivered).
   */
  resync(): Promise<void> {
    const run = (async () => {
      this.#status = await this.#channel.request('status', {});
      this.#interestChanged();
      if (this.#topics.size === 0 && this.#everything === 0) return;
      for (const e of await this.envelopes(this.#interest())) for (const l of this.#listeners) l(e, false);
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

  /** A node query, asked of the peer host's Whisper service (the peer server checks its params). */
  query<K extends NodeQueryName>(name: K, params: NodeQueries[K]['params']): Promise<NodeQueries[K]['result']> {
    return this.#call(name, params);
  }

  info(): NodeInfo {
    return this.#status ? { memory: this.#status.bytes, messages: this.#status.envelopes } : { memory: 0, messages: 0 };
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
   * Before the proof of work: what the peer's status says is missing for a dark post (the peer checks
   * again when it sends). Before the peer's first status it is asked for one, so a post never seals
   * for minutes only to be refused; an unreachable peer fails the post here, as it would later.
   */
  async unavailable(): Promise<string | undefined> {
    const status = this.#status ?? (this.#status = await this.#call('status', {}));
    return status.dark ? status.dark.missing : "this browser's peer has no mix layer";
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
    // The peer's envelope event brings it to the watchers of its topic, as any other.
    await this.#call('post', { rlp: toHex(rlp) });
    return verdict.envelope;
  }

  /** The peer's live envelopes on `topics` (every one when undefined), verified. */
  async envelopes(topics?: readonly Uint8Array[]): Promise<VerifiedEnvelope[]> {
    await this.#interestSent;
    const { rlps } = await this.#call('envelopes', topics === undefined ? {} : { topics: topics.map((t) => toHex(t)) });
    const out: VerifiedEnvelope[] = [];
    for (const rlp of rlps) {
      const e = this.#verify(rlp);
      if (e) out.push(e);
    }
    return out;
  }

  onEnvelope(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  watch(topics: readonly Uint8Array[] | undefined): () => void {
    const keys = topics === undefined ? undefined : [...new Set(topics.map((t) => toHex(t, false)))];
    let widened = false;
    if (keys === undefined) widened = this.#everything++ === 0;
    else for (const k of keys) if (this.#topics.set(k, (this.#topics.get(k) ?? 0) + 1).get(k) === 1) widened = true;
    if (widened) this.#interestChanged();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      let narrowed = false;
      if (keys === undefined) narrowed = --this.#everything === 0;
      else
        for (const k of keys) {
          const n = (this.#topics.get(k) ?? 1) - 1;
          if (n > 0) this.#topics.set(k, n);
          else narrowed = this.#topics.delete(k) || narrowed;
        }
      if (narrowed) this.#interestChanged();
    };
  }

  /** The watched topics as the peer takes them: undefined for every topic. */
  #interest(): Uint8Array[] | undefined {
    return this.#everything > 0 ? undefined : [...this.#topics.keys()].map((k) => fromHex(k, false));
  }

  /** Sends the current interest after any `watch` already on its way (one for a burst of changes). */
  #interestChanged(): void {
    if (this.#interestDirty) return;
    this.#interestDirty = true;
    this.#interestSent = this.#interestSent.then(async () => {
      this.#interestDirty = false;
      const topics = this.#interest();
      await this.#call('watch', topics === undefined ? {} : { topics: topics.map((t) => toHex(t)) }).catch(log.catcher('telling the peer the watched topics (sent again when it reconnects)'));
    });
  }

  // The peer already enforced its own minimum PoW and size; here we prove the bytes are a live
  // envelope with the hash and PoW we will report, under the widest limits a peer may use.
  #policy() {
    return { minPow: 0, maxSize: MAX_MESSAGE_SIZE_CEILING, now: Math.floor(this.#now() / 1000) };
  }

  #verify(rlpHex: string): VerifiedEnvelope | undefined {
    let rlp: Uint8Array;
    try {
      rlp = fromHex(rlpHex, true, 'rlp');
    } catch (e) {
      log.warn('the peer host sent an envelope that is not hex', e);
      return undefined;
    }
    const verdict = validateEnvelope(rlp, this.#policy());
    return verdict.kind === 'accept' ? verdict.envelope : undefined;
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
