// The Whisper peer (docs/PROTOCOL.md §3): a libp2p node, the gossipsub envelope topic and the envelope pool as
// one service with start() / stop(). Every envelope enters the pool through its admission path
// (admission.ts: gossip, stem, catch-up, own posts, the store), and every envelope newly added to the
// pool, whoever added it, is emitted exactly once as 'envelope'. With `stem` set, envelopes this peer
// posts take private first hops (src/net/stem/) before gossip. Neighbours are rate-limited and cut off
// below the graylist threshold (guard.ts), trusted ones excepted. Neighbours announce their
// requirement (requirement.ts); the strictest trusted one is our floor.
// Over 300 lines: it is the composition point of those parts and the settings and events callers
// read (minPow, floor, counts, score); each part's logic lives in its own file.

import { TypedEventEmitter, type PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { GOSSIP_TOPIC } from '../core/constants.ts';
import { WhisperError } from '../core/errors.ts';
import { EnvelopePool } from '../core/pool.ts';
import type { ValidationPolicy, Verdict, VerifiedEnvelope } from '../core/validate.ts';
import { EnvelopeAdmission, type AdmissionInit, type EnvelopeSource, type Protocol } from './admission.ts';
import type { CutOffInit } from './cut-off.ts';
import { envelopeValidator, joinTopic, leaveTopic } from './gossip.ts';
import { forwardExcept } from './gossip-forward.ts';
import { NeighbourGuard } from './guard.ts';
import { PeerPolicy, type NetworkFloor } from './peer-policy.ts';
import type { Requirement } from './requirement.ts';
import type { RateLimitInit, RateVerdict } from './rate-limit.ts';
import { systemClock } from './stem/clock.ts';
import { Stem, type StemInit } from './stem/stem.ts';
import { createWhisperNode, type WhisperLibp2p, type WhisperNodeInit } from './node.ts';

export interface EnvelopeEventDetail {
  envelope: VerifiedEnvelope;
  /** The neighbour gossipsub received it from (not its author: StrictNoSign names none); undefined
   * for local posts and envelopes another component (catch-up sync, a store) put in the pool. */
  from?: PeerId;
  /** How it came (admission.ts); undefined when something other than admission added it to the pool. */
  source?: EnvelopeSource;
}

export interface WhisperPeerEvents {
  envelope: CustomEvent<EnvelopeEventDetail>;
  'peer:connect': CustomEvent<PeerId>;
  'peer:disconnect': CustomEvent<PeerId>;
  /** Every validation outcome of an envelope from a neighbour (gossip, stem, catch-up), for metrics and tests. */
  verdict: CustomEvent<{ verdict: Verdict; from: PeerId; protocol: Protocol }>;
  /** A valid new envelope over a neighbour's rate limit: 'over' ignored, 'abuse' rejected (penalised). */
  'rate-limited': CustomEvent<{ from: PeerId; level: Exclude<RateVerdict, 'ok'>; protocol: Protocol }>;
  /** A neighbour fell below the graylist threshold: hung up on and refused until `until` (ms). */
  'cut-off': CustomEvent<{ peer: PeerId; until: number }>;
  /** A neighbour announced its requirement (undefined: it left); the floor may have changed. */
  requirement: CustomEvent<{ peer: PeerId; requirement: Requirement | undefined }>;
}

export type { NetworkFloor } from './peer-policy.ts';

export interface WhisperPeerInit {
  /** A node built by the caller, who starts it before start() and stops it after stop(); or init to build one here. */
  node?: WhisperLibp2p;
  nodeInit?: WhisperNodeInit;
  /** A pool owned by the caller (e.g. loaded from a store); otherwise one is created and run here. */
  pool?: EnvelopePool;
  /** Clock in ms since the epoch; defaults to Date.now. Shared with the pool this peer creates. */
  now?: () => number;
  minPow?: number;
  maxSize?: number;
  /**
   * Seam for catch-up sync (src/net/sync/): called for every new connection to a peer, after the
   * event. Errors are the hook's business; they are reported to `onError`, never thrown here.
   */
  onPeerConnected?: (peerId: PeerId) => void | Promise<void>;
  /**
   * The durable store (src/core/envelope-store.ts): admission writes every envelope here after it
   * passed validation, before it enters the pool and before it is forwarded (docs/PROTOCOL.md §5.3). A failed write
   * keeps it out of the pool and stops the forward (gossip: Ignore; own post: 'not-stored').
   */
  store?: AdmissionInit['store'];
  onError?: (error: unknown) => void;
  /**
   * Private first hops (Dandelion++): serve `/shh/6/stem/1.0.0` and, while `enabled`
   * (default true), send own posts on the stem instead of gossip. Absent: plain gossip, no stem service.
   */
  stem?: StemInit & { enabled?: boolean };
  /**
   * Neighbours the operator configured (the relay's --peer addresses): no rate limit, never cut off.
   * Asked only when a limit or the cut-off would apply, so it may look at live connections.
   */
  trusted?: (peerId: PeerId) => boolean;
  /** Per-neighbour limit on valid new envelopes (RATE_LIMIT_DEFAULTS); false: none. */
  rateLimit?: Partial<Omit<RateLimitInit, 'exempt'>> | false;
  /** Cooldowns of neighbours cut off below the graylist threshold (CUT_OFF_DEFAULTS); false: none. */
  cutOff?: Partial<CutOffInit> | false;
  /**
   * `/shh/6/requirement/1.0.0` (requirement.ts): announce our minPow and maxSize to neighbours, and
   * hold own posts and validation to the strictest trusted neighbour's. false: neither (tests).
   */
  requirement?: { timeoutMs?: number; graceMs?: number } | false;
}

export class WhisperPeer extends TypedEventEmitter<WhisperPeerEvents> {
  readonly node: WhisperLibp2p;
  readonly pool: EnvelopePool;
  readonly #now: () => number;
  readonly #ownsNode: boolean;
  readonly #ownsPool: boolean;
  readonly #init: WhisperPeerInit;
  #started = false;
  readonly #admission: EnvelopeAdmission;
  readonly #stem: Stem | undefined;
  #stemEnabled: boolean;
  readonly #guard: NeighbourGuard;
  readonly #policy: PeerPolicy;

  /** Builds the node from `init.nodeInit` when no node is given. */
  static async create(init: WhisperPeerInit): Promise<WhisperPeer> {
    if (init.node) return new WhisperPeer(init.node, init);
    if (!init.nodeInit) throw new TypeError('WhisperPeer.create needs init.node or init.nodeInit');
    return new WhisperPeer(await createWhisperNode(init.nodeInit), init, true);
  }

  constructor(node: WhisperLibp2p, init: WhisperPeerInit = {}, ownsNode = false) {
    super();
    this.node = node;
    this.#init = init;
    this.#now = init.now ?? Date.now;
    this.#ownsNode = ownsNode;
    this.#ownsPool = init.pool === undefined;
    this.pool = init.pool ?? new EnvelopePool({ now: this.#now });
    this.#stemEnabled = init.stem !== undefined && init.stem.enabled !== false;
    this.#guard = new NeighbourGuard({
      node,
      ...(init.trusted ? { trusted: init.trusted } : {}),
      ...(init.rateLimit !== undefined ? { rateLimit: init.rateLimit } : {}),
      ...(init.cutOff !== undefined ? { cutOff: init.cutOff } : {}),
      onCut: (peer, until) => this.safeDispatchEvent('cut-off', { detail: { peer, until } }),
      ...(init.onError ? { onError: init.onError } : {}),
    });
    this.#policy = new PeerPolicy({
      node,
      now: this.#now,
      ...(init.minPow !== undefined ? { minPow: init.minPow } : {}),
      ...(init.maxSize !== undefined ? { maxSize: init.maxSize } : {}),
      isTrusted: (peer) => this.#guard.isTrusted(peer),
      ...(init.requirement !== undefined ? { requirement: init.requirement } : {}),
      onRequirement: (peer, requirement) => this.safeDispatchEvent('requirement', { detail: { peer, requirement } }),
      ...(init.onError ? { onError: init.onError } : {}),
    });
    this.#admission = new EnvelopeAdmission({
      pool: this.pool,
      ...(init.store ? { store: init.store } : {}),
      rules: this.#policy,
      guard: this.#guard,
      stem: () => this.#stem,
      forward: (envelope, source) => this.#forward(envelope, source),
      onVerdict: (verdict, { peer, kind }) => this.safeDispatchEvent('verdict', { detail: { verdict, from: peer, protocol: kind } }),
      onLimited: ({ peer, kind }, level) => this.safeDispatchEvent('rate-limited', { detail: { from: peer, level, protocol: kind } }),
      ...(init.onError ? { onError: init.onError } : {}),
    });
    if (init.stem) {
      const pubsub = node.services.pubsub;
      this.#stem = new Stem(
        {
          node,
          admission: this.#admission,
          gossip: async (rlp) => void (await pubsub.publish(GOSSIP_TOPIC, rlp)),
          penalise: (peer) => this.#guard.penalise(peer),
          score: (peer) => this.score(peer),
          ...(init.onError ? { onError: init.onError } : {}),
        },
        { clock: systemClock(this.#now), ...init.stem },
      );
    }
  }

  /** The one path into this peer's pool (catch-up, the store at start-up and the mix layer use it too). */
  get admission(): EnvelopeAdmission {
    return this.#admission;
  }

  /** The stem service, when this peer was built with `stem`. */
  get stem(): Stem | undefined {
    return this.#stem;
  }

  /** Whether own posts take the stem (needs `init.stem`); relaying for others continues either way. */
  get stemEnabled(): boolean {
    return this.#stemEnabled;
  }

  set stemEnabled(value: boolean) {
    if (value && !this.#stem) throw new Error('this peer was built without init.stem');
    this.#stemEnabled = value;
  }

  get peerId(): PeerId {
    return this.node.peerId;
  }

  /** Our own minimum (the operator's or user's setting): what shh_info reports and neighbours are told. */
  get minPow(): number {
    return this.#policy.minPow;
  }

  set minPow(value: number) {
    this.#policy.minPow = value;
  }

  get maxSize(): number {
    return this.#policy.maxSize;
  }

  set maxSize(value: number) {
    this.#policy.maxSize = value;
  }

  /**
   * The strictest requirement our trusted neighbours (configured relays) announced, or undefined.
   * A relay cuts off a neighbour that sends what it refuses, so we neither post nor forward below it.
   */
  floor(): NetworkFloor | undefined {
    return this.#policy.floor();
  }

  /** The last requirement a connected neighbour announced (trusted or not). */
  requirementOf(peer: PeerId): Requirement | undefined {
    return this.#policy.requirementOf(peer);
  }

  /**
   * The policy validation applies now (docs/PROTOCOL.md §1), with the injected clock in unix seconds: our own
   * setting, raised to the network floor (peer-policy.ts).
   */
  policy(): ValidationPolicy {
    return this.#policy.current();
  }

  /** Whether a neighbour is in its cut-off cooldown (hung up on, refused; trusted ones never are). */
  isCut(peer: PeerId): boolean {
    return this.#guard.isCut(peer);
  }

  /**
   * Charges one frame of a protocol that carries no envelopes (a mix frame) to its sender's
   * per-neighbour budget, the one every protocol draws on (guard.ts): 'over' drop it, 'abuse' (or a
   * neighbour in its cut-off) drop it and stop reading that sender.
   */
  chargeFrame(from: PeerId, bytes: number): RateVerdict {
    return this.#guard.takeFrame(from, bytes);
  }

  /** Counts a bad frame against its sender like an invalid envelope; enough of them cut it off. */
  penalise(from: PeerId): void {
    this.#guard.penalise(from);
  }

  /** Connected peers (net_peerCount). */
  get peerCount(): number {
    return this.node.getPeers().length;
  }

  get connectionCount(): number {
    return this.node.getConnections().length;
  }

  /** Peers in our gossipsub mesh for the envelope topic. */
  get meshPeerCount(): number {
    return this.node.services.pubsub.getMeshPeers(GOSSIP_TOPIC).length;
  }

  /** The gossipsub score we hold for a peer (negative: misbehaving). */
  score(peerId: PeerId): number {
    return this.node.services.pubsub.getScore(peerId.toString());
  }

  getMultiaddrs(): Multiaddr[] {
    return this.node.getMultiaddrs();
  }

  async dial(addr: Multiaddr | PeerId, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.node.dial(addr, options);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#admission.addEventListener('envelope', this.#onAdmitted);
    this.#admission.start();
    if (this.#ownsPool) this.pool.start();
    if (this.#ownsNode) await this.node.start();
    this.node.addEventListener('peer:connect', this.#onConnect);
    this.node.addEventListener('peer:disconnect', this.#onDisconnect);
    joinTopic(
      this.node.services.pubsub,
      envelopeValidator((rlp, peer, hash) => this.#admission.admit(rlp, { source: { kind: 'gossip', peer }, ...(hash ? { hash } : {}) })),
    );
    await this.#stem?.start();
    await this.#policy.start();
    this.#guard.start();
    this.#started = true;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#guard.stop();
    await this.#policy.stop();
    this.node.removeEventListener('peer:connect', this.#onConnect);
    this.node.removeEventListener('peer:disconnect', this.#onDisconnect);
    await this.#stem?.stop();
    if (this.node.status === 'started') leaveTopic(this.node.services.pubsub);
    if (this.#ownsNode) await this.node.stop();
    if (this.#ownsPool) this.pool.stop();
    this.#admission.stop();
    this.#admission.removeEventListener('envelope', this.#onAdmitted);
  }

  /**
   * Posts one sealed envelope through admission (source 'own'): validates it against the local
   * policy, makes it durable, adds it to the pool, then gossips it, or hands it to the stem when stem
   * routing is on (it leaves after the release delay; the result does not wait for that). Throws
   * WhisperError: the validation error, 'duplicate' if the pool has it, 'expired' if it expired
   * within the tolerance, 'not-stored' if the write failed, 'pool-full'. Returns the verified
   * envelope (its hash is the result of shh_post).
   */
  async publish(rlp: Uint8Array): Promise<VerifiedEnvelope> {
    if (!(rlp instanceof Uint8Array)) throw new TypeError('rlp must be a Uint8Array');
    if (!this.#started) throw new Error('WhisperPeer is not started');
    const r = await this.#admission.admit(rlp, { source: { kind: 'own' } });
    if (r.kind === 'accept' || r.kind === 'held') return r.envelope;
    if (r.kind === 'reject') throw r.error;
    if (r.reason === 'expired') throw new WhisperError('expired', 'failed to add envelope: expired');
    if (r.reason === 'pool-full') throw new WhisperError('pool-full', 'failed to add envelope: the pool is full of envelopes with higher PoW');
    throw new WhisperError('duplicate', 'failed to add envelope: already known');
  }

  /**
   * Gossips an envelope that is already in the pool but reached this peer outside gossipsub (catch-up
   * sync): without it, a healed partition would reach only the two peers of the new link. Peers that
   * have it drop it as a duplicate (message id = envelope hash). Failures (no peers yet) are reported.
   */
  async forward(envelope: VerifiedEnvelope): Promise<void> {
    if (!this.#started || !this.pool.has(envelope.hash)) return;
    try {
      await this.node.services.pubsub.publish(GOSSIP_TOPIC, envelope.rlp);
    } catch (e) {
      this.#init.onError?.(e);
    }
  }

  async #forwardExcept(envelope: VerifiedEnvelope, except: PeerId): Promise<void> {
    if (!this.#started || !this.pool.has(envelope.hash)) return;
    try {
      await forwardExcept(this.node.services.pubsub, envelope.rlp, envelope.hash, except, (why) => this.#init.onError?.(new Error(why)));
    } catch (e) {
      this.#init.onError?.(e);
    }
  }

  // Where admission sends what it accepted (gossip forwards are gossipsub's own): an own post takes
  // the stem when it is on, else gossip; a relayed stem envelope at its fluff is published on gossip
  // (as an origin would); one catch-up brought goes to the mesh except the peer it came from.
  async #forward(envelope: VerifiedEnvelope, source: EnvelopeSource): Promise<void> {
    if (source.kind === 'sync') return this.#forwardExcept(envelope, source.peer);
    if (source.kind !== 'own') return this.forward(envelope);
    if (this.#stem && this.#stemEnabled) return this.#stem.originate(envelope);
    await this.node.services.pubsub.publish(GOSSIP_TOPIC, envelope.rlp);
  }

  readonly #onAdmitted = (evt: CustomEvent<{ envelope: VerifiedEnvelope; source?: EnvelopeSource }>): void => {
    const { envelope, source } = evt.detail;
    const detail: EnvelopeEventDetail = { envelope };
    if (source?.kind === 'gossip') detail.from = source.peer;
    if (source) detail.source = source;
    this.safeDispatchEvent('envelope', { detail });
  };

  readonly #onConnect = (evt: CustomEvent<PeerId>): void => {
    if (this.#guard.refuse(evt.detail)) return; // in its cooldown
    this.safeDispatchEvent('peer:connect', { detail: evt.detail });
    const hook = this.#init.onPeerConnected;
    if (!hook) return;
    try {
      Promise.resolve(hook(evt.detail)).catch((e: unknown) => this.#init.onError?.(e));
    } catch (e) {
      this.#init.onError?.(e);
    }
  };

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.safeDispatchEvent('peer:disconnect', { detail: evt.detail });
  };
}

