// The peer host (docs/PROTOCOL.md §1 and §3): the browser's Whisper peer. The Whisper service the
// relay runs too (src/net/service.ts: WhisperPeer in the 'browser' role, catch-up on every outbound
// direct connection, relays kept dialled) over a pool loaded (re-validated) from IndexedDB, plus the
// extension's extras: direct WebRTC neighbours found through discovery and kept at a target number
// (src/net/neighbours.ts), status for the worker. Invariant: an envelope is in IndexedDB before it counts as
// posted or is forwarded; rows whose envelope left the pool are deleted, and a sweep catches the rest.
// Over 300 lines: start-up, settings (configure restarts the network) and status share its state.

import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { TypedEventEmitter } from '@libp2p/interface';
import { RPC, RpcError } from '../rpc/errors.ts';
import type { Envelope, EnvelopeParams } from '../core/envelope.ts';
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MIN_POW } from '../core/constants.ts';
import { isWhisperError, WhisperError } from '../core/errors.ts';
import { EnvelopePool } from '../core/pool.ts';
import type { PoolSealOptions, PowPool } from '../core/pow-pool.ts';
import type { VerifiedEnvelope } from '../core/validate.ts';
import { EnvelopeAdmission } from '../net/admission.ts';
import type { Announcement } from '../net/announcement.ts';
import { BROWSER_NEIGHBOUR_TICK_MS } from '../net/browser-timers.ts';
import { NeighbourKeeper, type NeighbourInit } from '../net/neighbours.ts';
import { relayDialAllowed, type WhisperNodeInit } from '../net/node.ts';
import type { WhisperPeer } from '../net/peer.ts';
import { WhisperService } from '../net/service.ts';
import type { StemSettings } from '../net/stem/settings.ts';
import type { ConfigureRequest, PeerStatus } from '../rpc/peer.ts';
import type { WhisperDatabase } from '../store/db.ts';
import { EnvelopeStore } from '../store/envelopes.ts';
import { loadOrCreateIdentity } from '../store/peer-identity.ts';
import { parseRelays } from '../net/redial.ts';
import { MIX_CLIENT_DEFAULTS, type MixClientSettings } from '../net/mix/settings.ts';
import { validateEnvelope } from '../core/validate.ts';
import { DarkSending, MIN_HOPS } from './dark-sending.ts';

export interface PeerHostInit {
  db: WhisperDatabase;
  /**
   * Private first hops (docs/PRIVACY.md): own posts wait a random release delay, then cross the stem
   * (relays and direct WebRTC neighbours alike) before gossip. Settings over the defaults, or false.
   */
  stem?: Partial<StemSettings> | false;
  /** Relay multiaddrs to keep dialled (the build-time default until the background configures). */
  relays: string[];
  /**
   * The user's "relays only (no direct links to other browsers)" (docs/PRIVACY.md): no discovery
   * announcements, no WebRTC dials or accepts, no circuit reservation. Default false.
   */
  relaysOnly?: boolean;
  /** PoW workers; the host starts and stops them. */
  pow: PowPool;
  now?: () => number;
  minPow?: number;
  maxSize?: number;
  /** Replaces parts of the node init ('browser' role); tests pass `{role: 'test'}`. */
  nodeInit?: Partial<WhisperNodeInit>;
  /**
   * Direct WebRTC neighbours to keep (default target 4, max 8; src/net/neighbours.ts), when the
   * node runs discovery in 'announce' mode (the browser role does).
   */
  neighbours?: NeighbourInit;
  redialMinMs?: number;
  redialMaxMs?: number;
  /** Period of the IndexedDB expiry sweep (default 10 min; the pool's own expiry deletes promptly). */
  sweepMs?: number;
  /** The pool's expiry step (EnvelopePoolInit.expiryStepMs); default EXPIRY_STEP_MS. */
  expiryStepMs?: number;
  /**
   * The mix client's settings over MIX_CLIENT_DEFAULTS (tests pass a fast clock); it runs while
   * `configure({dark: true})` holds (docs/PRIVACY.md, "The mix layer").
   */
  mix?: Partial<MixClientSettings>;
  /** Dark sending enabled from the start (default false; the background's configure changes it). */
  dark?: boolean;
  /** Failures that do not stop the peer (a write, a dial, a peer's bad sync). */
  onError?: (e: unknown) => void;
}

export interface PeerHostEvents {
  /** An envelope newly accepted into the pool (network, sync, or a local post). */
  envelope: CustomEvent<VerifiedEnvelope>;
  status: CustomEvent<PeerStatus>;
}

export type ConfigureParams = ConfigureRequest;

/**
 * The browser pool expires in 10-second steps (inside the 20-second tolerance): an extension holding
 * thousands of envelopes wakes at most every 10 s for them, and deletes each step's rows in one
 * IndexedDB transaction (docs/BENCHMARKS.md "Idle cost").
 */
export const EXPIRY_STEP_MS = 10_000;

export class PeerHost extends TypedEventEmitter<PeerHostEvents> {
  readonly #init: PeerHostInit;
  readonly #now: () => number;
  readonly #store: EnvelopeStore;
  readonly #onError: (e: unknown) => void;
  #relays: string[];
  #relaysOnly: boolean;
  #pool: EnvelopePool | undefined;
  #service: WhisperService | undefined;
  #peer: WhisperPeer | undefined;
  #keeper: NeighbourKeeper | undefined;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #privateKey: Uint8Array | undefined;
  #minPow: number | undefined;
  #maxSize: number | undefined;
  #statusQueued = false;
  /** Envelopes the pool dropped in this turn, deleted together. */
  #gone: Uint8Array[] = [];
  readonly #dark: DarkSending;
  readonly #mixSettings: MixClientSettings;
  #darkWatch: ReturnType<typeof setInterval> | undefined;
  #darkSeen = '';

  constructor(init: PeerHostInit) {
    super();
    parseRelays(init.relays);
    this.#init = init;
    this.#now = init.now ?? Date.now;
    this.#store = new EnvelopeStore(init.db);
    this.#relays = [...init.relays];
    this.#relaysOnly = init.relaysOnly ?? false;
    this.#minPow = init.minPow;
    this.#maxSize = init.maxSize;
    this.#onError = init.onError ?? (() => {});
    const mix = (this.#mixSettings = { ...MIX_CLIENT_DEFAULTS, ...init.mix });
    this.#dark = new DarkSending({ rateHz: mix.rateHz, hops: mix.hops });
    this.#dark.setEnabled(init.dark ?? false);
  }

  get started(): boolean {
    return this.#peer !== undefined;
  }

  /** The Whisper service while the network runs (it is replaced when configure restarts it), for node queries. */
  whisper(): WhisperService | undefined {
    return this.#service;
  }

  /** The running Whisper peer (for inspection and tests). */
  get peer(): WhisperPeer {
    if (!this.#peer) throw new Error('peer host not started');
    return this.#peer;
  }

  get store(): EnvelopeStore {
    return this.#store;
  }

  async start(): Promise<void> {
    if (this.#pool) return;
    const keyBytes = await loadOrCreateIdentity(this.#init.db, async () => privateKeyToProtobuf(await generateKeyPair('Ed25519')));
    this.#privateKey = keyBytes;
    const pool = (this.#pool = new EnvelopePool({ now: this.#now, expiryStepMs: this.#init.expiryStepMs ?? EXPIRY_STEP_MS }));
    try {
      await this.#load(pool);
      pool.addEventListener('added', this.#onAdded);
      pool.addEventListener('expired', this.#onGone);
      pool.addEventListener('evicted', this.#onGone);
      pool.start();
      this.#init.pow.start();
      await this.#startNetwork();
      this.#sweep = setInterval(() => void this.#sweepStore(), this.#init.sweepMs ?? 600_000);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    await this.#stopNetwork();
    this.#init.pow.stop();
    const pool = this.#pool;
    if (pool) {
      pool.stop();
      pool.removeEventListener('added', this.#onAdded);
      pool.removeEventListener('expired', this.#onGone);
      pool.removeEventListener('evicted', this.#onGone);
    }
    this.#pool = undefined;
  }

  /**
   * Validates one sealed envelope against the local policy, writes it to IndexedDB (the peer's
   * beforeForward), then pools and gossips it. Throws WhisperError (invalid, 'duplicate', 'expired'),
   * or RpcError -32603 when the write failed (then nothing was sent).
   */
  async post(rlp: Uint8Array, opts: { dark?: boolean } = {}): Promise<VerifiedEnvelope> {
    if (opts.dark === true) return this.#postDark(rlp);
    try {
      return await this.peer.publish(rlp);
    } catch (e) {
      if (isWhisperError(e, 'not-stored')) throw new RpcError(RPC.internal, e.message);
      throw e;
    }
  }

  /**
   * A dark post: checked against the local policy, then handed to the mix client only. It is neither
   * pooled, stored nor gossiped here (catch-up would hand it to the next peer that syncs, naming this
   * node as its source); it comes back like anyone's envelope once the exit mix publishes it.
   */
  async #postDark(rlp: Uint8Array): Promise<VerifiedEnvelope> {
    const peer = this.peer;
    const verdict = validateEnvelope(rlp, peer.policy(), (h) => this.#pool?.has(h) ?? false);
    if (verdict.kind === 'reject') throw verdict.error;
    if (verdict.kind === 'ignore') throw verdict.reason === 'expired' ? new WhisperError('expired', 'failed to add envelope: expired') : new WhisperError('duplicate', 'failed to add envelope: already known');
    await this.#dark.post(verdict.envelope.rlp);
    this.#queueStatus();
    return verdict.envelope;
  }

  /** Seals in the PoW workers; rejects with WhisperError 'pow-timeout' or 'aborted'. */
  seal(params: EnvelopeParams, opts: PoolSealOptions): Promise<Envelope> {
    if (!this.#pool) return Promise.reject(new Error('peer host not started'));
    return this.#init.pow.seal(params, opts);
  }

  /**
   * Dials one address through the connection gater (e.g. another browser's `/p2p-circuit/webrtc`
   * address behind a configured relay, which upgrades to a direct WebRTC connection).
   */
  async dial(addr: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const [ma] = parseRelays([addr]);
    await this.peer.dial(ma!, options);
  }

  /** The neighbour keeper while the network runs with discovery (for inspection and tests). */
  get neighbours(): NeighbourKeeper | undefined {
    return this.#keeper;
  }

  envelopes(): VerifiedEnvelope[] {
    return this.#pool ? [...this.#pool.values()] : [];
  }

  status(): PeerStatus {
    const peer = this.#peer;
    const dialer = this.#service?.redial.state();
    return {
      started: peer !== undefined,
      peerId: peer?.peerId.toString() ?? '',
      peers: peer?.peerCount ?? 0,
      relays: dialer ?? this.#relays.map((addr) => ({ addr, connected: false })),
      envelopes: this.#pool?.size ?? 0,
      bytes: this.#pool?.bytes ?? 0,
      minPow: peer?.minPow ?? this.#minPow ?? 0,
      maxSize: peer?.maxSize ?? this.#maxSize ?? 0,
      ...(peer ? { effectiveMinPow: peer.policy().minPow } : {}),
      dark: this.#dark.status(),
    };
  }

  /**
   * Applies settings. Limits are checked first (RangeError) and take effect at once; a new relay
   * list (TypeError if an address is not a multiaddr) restarts the network part, because the
   * connection gater that lets those relays through is fixed when the node is built. So does a change
   * of `relaysOnly` (the node's transports change). The pool stays.
   */
  async configure(c: ConfigureParams): Promise<PeerStatus> {
    if (c.relaysOnly !== undefined && typeof c.relaysOnly !== 'boolean') throw new TypeError('relaysOnly must be a boolean');
    if (c.dark !== undefined && typeof c.dark !== 'boolean') throw new TypeError('dark must be a boolean');
    const relays = c.relays === undefined ? undefined : (parseRelays(c.relays), [...new Set(c.relays)]);
    const peer = this.#peer;
    if (peer) {
      const old = { minPow: peer.minPow, maxSize: peer.maxSize };
      try {
        if (c.minPow !== undefined) peer.minPow = c.minPow;
        if (c.maxSize !== undefined) peer.maxSize = c.maxSize;
      } catch (e) {
        peer.minPow = old.minPow;
        peer.maxSize = old.maxSize;
        throw e;
      }
    }
    if (c.minPow !== undefined) this.#minPow = c.minPow;
    if (c.maxSize !== undefined) this.#maxSize = c.maxSize;
    const restart = (relays !== undefined && !sameList(relays, this.#relays)) || (c.relaysOnly !== undefined && c.relaysOnly !== this.#relaysOnly);
    if (relays) this.#relays = relays;
    if (c.relaysOnly !== undefined) this.#relaysOnly = c.relaysOnly;
    if (c.dark !== undefined) this.#dark.setEnabled(c.dark);
    if (restart) {
      if (this.#peer) {
        await this.#stopNetwork();
        await this.#startNetwork();
      }
    }
    this.#queueStatus();
    return this.status();
  }

  async #load(pool: EnvelopePool): Promise<void> {
    const now = Math.floor(this.#now() / 1000);
    // The policy the peer will apply, so the pool holds nothing the network would refuse.
    const policy = { minPow: this.#minPow ?? DEFAULT_MIN_POW, maxSize: this.#maxSize ?? DEFAULT_MAX_MESSAGE_SIZE, now };
    // The admission path's load, before any network exists: a row that no longer passes (damaged,
    // or quietly expired) has no reason to stay on disk, and is discarded.
    await new EnvelopeAdmission({ pool, store: this.#store, rules: { current: () => policy }, onError: this.#onError }).load(now, policy);
    await this.#sweepStore();
  }

  async #startNetwork(): Promise<void> {
    const privateKey = privateKeyFromProtobuf(this.#privateKey!);
    // The service the relay runs too (src/net/service.ts): the user's relays are trusted (they carry
    // the whole network's traffic: no rate limit, never cut off) and kept dialled.
    const service = await WhisperService.create({
      nodeInit: {
        role: 'browser',
        allowedRelays: this.#relays,
        ...this.#init.nodeInit,
        privateKey,
        // Relays only: no announcements, and (browser role) no WebRTC and no reservation either.
        ...(this.#relaysOnly ? { relaysOnly: true, discovery: false as const } : {}),
      },
      pool: this.#pool!,
      store: this.#store,
      now: this.#now,
      ...(this.#minPow !== undefined ? { minPow: this.#minPow } : {}),
      ...(this.#maxSize !== undefined ? { maxSize: this.#maxSize } : {}),
      trusted: this.#relays,
      redial: {
        ...(this.#init.redialMinMs !== undefined ? { minDelayMs: this.#init.redialMinMs } : {}),
        ...(this.#init.redialMaxMs !== undefined ? { maxDelayMs: this.#init.redialMaxMs } : {}),
        onChange: this.#queueStatus,
      },
      ...(this.#init.stem === false ? {} : { stem: { settings: this.#init.stem ?? {} } }),
      // A client, never a mix; its clock starts when dark sending is on (DarkSending.attach below).
      mix: { mix: false, client: false, clientSettings: this.#mixSettings, minHops: MIN_HOPS },
      onError: this.#onError,
    });
    await service.start();
    const peer = service.peer;
    this.#service = service;
    this.#peer = peer;
    peer.addEventListener('peer:connect', this.#queueStatus);
    peer.addEventListener('peer:disconnect', this.#queueStatus);
    peer.addEventListener('requirement', this.#queueStatus); // a relay's requirement moves effectiveMinPow
    this.#dark.attach(service.mix ? DarkSending.role(service.mix) : undefined);
    // The mix client learns relays' key records on its own: the worker hears when a path appears or
    // goes (the popup's status, and the check before a dark post's proof of work).
    this.#darkWatch = setInterval(this.#watchDark, DARK_WATCH_MS);
    // The extension's extra: direct WebRTC neighbours found through discovery.
    const discovery = peer.node.services.discovery;
    if (discovery?.mode === 'announce') {
      const browser = (this.#init.nodeInit?.role ?? 'browser') === 'browser';
      this.#keeper = new NeighbourKeeper(peer.node, {
        // Only candidates behind our own relays: the gater would refuse the rest anyway.
        ...(browser ? { canDial: relayDialAllowed(this.#relays), tickMs: BROWSER_NEIGHBOUR_TICK_MS } : {}),
        onError: this.#onError,
        ...this.#init.neighbours,
      });
      discovery.addEventListener('candidate', this.#onCandidate);
      this.#keeper.start();
    }
    this.#queueStatus();
  }

  async #stopNetwork(): Promise<void> {
    clearInterval(this.#darkWatch);
    this.#darkWatch = undefined;
    this.#dark.attach(undefined);
    const peer = this.#peer;
    peer?.node.services.discovery?.removeEventListener('candidate', this.#onCandidate);
    await this.#keeper?.stop();
    if (peer) {
      peer.removeEventListener('peer:connect', this.#queueStatus);
      peer.removeEventListener('peer:disconnect', this.#queueStatus);
      peer.removeEventListener('requirement', this.#queueStatus);
    }
    await this.#service?.stop();
    this.#peer = this.#service = this.#keeper = undefined;
  }

  readonly #watchDark = (): void => {
    const d = this.#dark.status();
    const seen = JSON.stringify([d.enabled, d.running, d.hops, d.relaysKnown, d.missing]);
    if (seen === this.#darkSeen) return;
    this.#darkSeen = seen;
    this.#queueStatus();
  };

  readonly #onCandidate = (evt: CustomEvent<Announcement>): void => {
    this.#keeper?.offer(evt.detail);
  };

  readonly #onAdded = (evt: Event): void => {
    this.safeDispatchEvent('envelope', { detail: (evt as CustomEvent<VerifiedEnvelope>).detail });
    this.#queueStatus();
  };

  readonly #onGone = (evt: Event): void => {
    const e = (evt as CustomEvent<VerifiedEnvelope>).detail;
    // One expiry step drops many at once (synchronously): one transaction deletes them all.
    if (this.#gone.push(e.hash) > 1) return;
    queueMicrotask(() => {
      const gone = this.#gone;
      this.#gone = [];
      this.#store.removeMany(gone).catch(this.#onError);
    });
  };

  async #sweepStore(): Promise<void> {
    try {
      await this.#store.deleteExpired(Math.floor(this.#now() / 1000));
    } catch (e) {
      this.#onError(e);
    }
  }

  // Many envelopes or connections can change the status in one tick; the background needs one event.
  readonly #queueStatus = (): void => {
    if (this.#statusQueued) return;
    this.#statusQueued = true;
    queueMicrotask(() => {
      this.#statusQueued = false;
      this.safeDispatchEvent('status', { detail: this.status() });
    });
  };
}

/** How often the peer looks whether its dark sending changed (a path appeared or went). */
const DARK_WATCH_MS = 1000;

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
