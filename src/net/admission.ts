// The one admission path (docs/ARCHITECTURE.md "Admission"): every envelope that enters a peer's pool
// goes through admit(), whoever brings it: gossip, the stem, catch-up, an own post, the store at
// start-up, the mix layer's exit hop. In this order: a cut-off source is ignored unread;
// validation (docs/PROTOCOL.md §1.4) against the peer's policy, an invalid envelope counting against its sender; a
// network envelope below the floor ignored; the sender's per-neighbour budget; durable before pooled
// (EnvelopeStore.put, then pool.add); delivery (the 'envelope' event); forwarding: gossipsub's own for
// gossip, never back to the source; a catch-up or fluffed stem envelope is published, and reaches its
// source only as a duplicate it drops (gossipsub's publish names no exclusions). What differs per
// protocol is one row of PROTOCOLS.

import { TypedEventEmitter, type PeerId } from '@libp2p/interface';
import type { EnvelopeStore } from '../core/envelope-store.ts';
import { envelopeSize } from '../core/envelope.ts';
import { isWhisperError, WhisperError } from '../core/errors.ts';
import type { EnvelopePool } from '../core/pool.ts';
import { validateEnvelope, type ValidationPolicy, type Verdict, type VerifiedEnvelope } from '../core/validate.ts';
import type { RateVerdict } from './rate-limit.ts';

/** The protocols a neighbour hands us envelopes on. */
export type Protocol = 'gossip' | 'stem' | 'sync';

/**
 * Where an envelope comes from. 'mix': reassembled at this node as the exit of a mix path (src/net/mix/);
 * it names no neighbour (the frame's last carrier could not check the payload, so it answers for
 * nothing), is validated against the strict policy like an own post and, once pooled, is gossiped.
 */
export type EnvelopeSource = { kind: 'own' } | { kind: 'load' } | { kind: 'mix' } | { kind: Protocol; peer: PeerId };

export type IgnoreReason = 'duplicate' | 'expired' | 'cut-off' | 'below-floor' | 'over-limit' | 'not-stored' | 'pool-full';

export type Admission =
  /** Durable, pooled, delivered and forwarded. */
  | { kind: 'accept'; envelope: VerifiedEnvelope }
  /** Stem only: valid and within budget; the stem holds it and calls release() when it fluffs. */
  | { kind: 'held'; envelope: VerifiedEnvelope }
  | { kind: 'ignore'; reason: IgnoreReason }
  /** Invalid (counted against a network source) or, for an own post, refused with the error to show. */
  | { kind: 'reject'; error: WhisperError };

export interface ProtocolRules {
  /**
   * 'network': penalised only below the peer's own setting (with grace after a raise), ignored between
   * that and the floor (the sender may not know our relays); 'strict': the floor, no grace.
   */
  validation: 'network' | 'strict';
  /** Valid new envelopes draw on the sender's per-neighbour budget (rate-limit.ts). */
  budget: boolean;
  /**
   * Who counts an invalid envelope against the sender: 'gossipsub' (it scores the Reject we answer;
   * we check the cut-off), 'here' (we count it as gossipsub would, then check), 'none' (the protocol's
   * own bound, e.g. catch-up's rejects per session).
   */
  penalty: 'gossipsub' | 'here' | 'none';
  /** Valid envelopes wait outside the pool (the stem's embargo) until release(). */
  hold: boolean;
}

/**
 * One row per protocol that hands envelopes over. The mix layer hands over frames, not envelopes: it
 * charges each frame to its sender before peeling (NeighbourGuard.takeFrame) and its exits come as
 * source 'mix'.
 */
// Every protocol draws on the same budget and leads to the same cut-off: a flooder gains nothing by
// switching protocol. The same validation too: an honest neighbour behind a laxer relay is ignored,
// not penalised, whichever way its envelopes come (boundary envelopes of two clocks a little apart
// are ignored as quietly expired, never counted).
export const PROTOCOLS: Record<Protocol, ProtocolRules> = {
  gossip: { validation: 'network', budget: true, penalty: 'gossipsub', hold: false },
  stem: { validation: 'network', budget: true, penalty: 'here', hold: true },
  sync: { validation: 'network', budget: true, penalty: 'here', hold: false },
};

/** The peer's validation policy (peer-policy.ts implements it). */
export interface AdmissionRules {
  /** Own setting raised to the network floor: own posts, start-up load, 'strict' protocols. */
  current(): ValidationPolicy;
  /** What a neighbour is penalised below ('network' protocols); defaults to current(). */
  penalty?(): ValidationPolicy;
  /** The error an own post refused with `error` under `policy` gets (naming the floor). */
  postError?(error: WhisperError, rlp: Uint8Array, policy: ValidationPolicy, has: (h: Uint8Array) => boolean): WhisperError;
}

/** The per-neighbour budget and cut-off (guard.ts implements it). */
export interface AdmissionGuard {
  isCut(peer: PeerId): boolean;
  /** Takes one valid new envelope from `peer`'s budget ('abuse' already counts against it). */
  take(envelope: VerifiedEnvelope, peer: PeerId): RateVerdict;
  /** After gossipsub counted a rejection: checks the cut-off. */
  penalised(peer: PeerId): void;
  /** A rejection outside gossipsub: counts it as gossipsub would, then checks the cut-off. */
  penalise(peer: PeerId): void;
}

/** The stem's embargo, as admission needs it (stem.ts; late-bound: the stem is built with an admission). */
export interface AdmissionStem {
  holds(hash: Uint8Array): boolean;
  settle(hash: Uint8Array): 'own' | 'relayed' | undefined;
}

export interface AdmissionInit {
  pool: EnvelopePool;
  /** Durable before pooled; absent: memory only (tests, benches). */
  store?: Pick<EnvelopeStore, 'put'> & Partial<Pick<EnvelopeStore, 'live' | 'discard'>>;
  rules: AdmissionRules;
  guard?: AdmissionGuard;
  stem?: () => AdmissionStem | undefined;
  /** Sends an accepted envelope on (not called for gossip, whose forward is gossipsub's, nor for load). */
  forward?: (envelope: VerifiedEnvelope, source: EnvelopeSource) => void | Promise<void>;
  /** Every validation verdict on a network envelope (metrics, tests). */
  onVerdict?: (verdict: Verdict, source: EnvelopeSource & { peer: PeerId }) => void;
  /** A valid new envelope over its sender's budget. */
  onLimited?: (source: EnvelopeSource & { peer: PeerId }, level: Exclude<RateVerdict, 'ok'>) => void;
  onError?: (e: unknown) => void;
}

export interface AdmitOptions {
  source: EnvelopeSource;
  /** Validate against this policy instead of the rules' (start-up load before the network runs). */
  policy?: ValidationPolicy;
  /** keccak256 of `rlp` when the caller already computed it (gossip's message id): not hashed again. */
  hash?: Uint8Array;
}

export interface AdmittedDetail {
  envelope: VerifiedEnvelope;
  /** Undefined when something other than admission added it to the pool. */
  source?: EnvelopeSource;
}

export interface AdmissionEvents {
  /** Every envelope newly in the pool while started, exactly once: what watchers are told. */
  envelope: CustomEvent<AdmittedDetail>;
}

const isNetwork = (s: EnvelopeSource): s is EnvelopeSource & { kind: Protocol; peer: PeerId } => 'peer' in s;

export class EnvelopeAdmission extends TypedEventEmitter<AdmissionEvents> {
  readonly pool: EnvelopePool;
  readonly #init: AdmissionInit;
  #adding: EnvelopeSource | undefined;
  #started = false;

  constructor(init: AdmissionInit) {
    super();
    this.pool = init.pool;
    this.#init = init;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.pool.addEventListener('added', this.#onAdded);
  }

  stop(): void {
    this.#started = false;
    this.pool.removeEventListener('added', this.#onAdded);
  }

  /** Admits one envelope's wire bytes from `source`; never throws for a bad envelope (see Admission). */
  async admit(rlp: Uint8Array, { source, policy, hash }: AdmitOptions): Promise<Admission> {
    if (!(rlp instanceof Uint8Array)) throw new TypeError('rlp must be a Uint8Array');
    const guard = this.#init.guard;
    const net = isNetwork(source) ? source : undefined;
    const rules = net ? PROTOCOLS[net.kind] : undefined;
    if (net && guard?.isCut(net.peer)) return { kind: 'ignore', reason: 'cut-off' };
    const strict = policy ?? this.#init.rules.current();
    const checked = rules?.validation === 'network' ? (policy ?? this.#init.rules.penalty?.() ?? strict) : strict;
    const stem = this.#init.stem?.();
    // An own envelope still on the stem is in the pool, yet its return (gossip, stem) must pass like anywhere.
    const known =
      source.kind === 'gossip' || source.kind === 'stem'
        ? (h: Uint8Array): boolean => this.pool.has(h) && !stem?.holds(h)
        : (h: Uint8Array): boolean => this.pool.has(h);
    const verdict = validateEnvelope(rlp, checked, known, hash);
    if (net) this.#init.onVerdict?.(verdict, net);
    if (verdict.kind === 'reject') {
      if (net && rules) this.#penalise(net.peer, rules);
      if (source.kind === 'own' && this.#init.rules.postError)
        return { kind: 'reject', error: this.#init.rules.postError(verdict.error, rlp, strict, known) };
      return verdict;
    }
    if (verdict.kind === 'ignore') return verdict;
    const envelope = verdict.envelope;
    if (checked !== strict && (envelope.pow < strict.minPow || envelopeSize(envelope) > strict.maxSize))
      return { kind: 'ignore', reason: 'below-floor' };
    if (net && rules?.budget && guard) {
      const level = guard.take(envelope, net.peer);
      if (level !== 'ok') this.#init.onLimited?.(net, level);
      if (level === 'over') return { kind: 'ignore', reason: 'over-limit' };
      if (level === 'abuse') {
        // gossipsub counts the Reject itself; elsewhere it is counted here, whatever the protocol's own bound.
        if (rules.penalty !== 'gossipsub') guard.penalise(net.peer);
        return { kind: 'reject', error: new WhisperError('over-limit', 'far over the per-neighbour rate limit') };
      }
    }
    if (rules?.hold) return { kind: 'held', envelope };
    return this.#pooled(envelope, source);
  }

  /**
   * The stem lets go of an envelope it held for `peer` (its fluff): durable, pooled, delivered and
   * gossiped, unless it spread meanwhile. Returns whether it was pooled here.
   */
  async release(envelope: VerifiedEnvelope, peer: PeerId): Promise<boolean> {
    if (this.pool.has(envelope.hash)) return false;
    return (await this.#pooled(envelope, { kind: 'stem', peer })).kind === 'accept';
  }

  /**
   * Start-up load: every live row of the store, re-validated like a network envelope (against
   * `policy`, default the rules'), pooled without a second write. Rows that no longer pass are
   * discarded from the store. Returns how many entered the pool.
   */
  async load(nowSeconds: number, policy?: ValidationPolicy): Promise<number> {
    const store = this.#init.store;
    if (!store?.live) return 0;
    let n = 0;
    for (const row of await store.live(nowSeconds)) {
      const r = row.rlp instanceof Uint8Array ? await this.admit(row.rlp, { source: { kind: 'load' }, ...(policy ? { policy } : {}) }) : undefined;
      if (r?.kind === 'accept') n++;
      else if (store.discard) {
        try {
          await store.discard(row);
        } catch (e) {
          this.#init.onError?.(e);
        }
      }
    }
    return n;
  }

  #penalise(peer: PeerId, rules: ProtocolRules): void {
    const guard = this.#init.guard;
    if (rules.penalty === 'gossipsub') guard?.penalised(peer);
    else if (rules.penalty === 'here') guard?.penalise(peer);
  }

  // Durable first: an envelope whose write fails never enters the pool, so nothing is held (or offered
  // to catch-up peers) that a restart would lose. A concurrent duplicate writes twice (put is
  // idempotent) and then loses the pool race harmlessly.
  async #pooled(envelope: VerifiedEnvelope, source: EnvelopeSource): Promise<Admission> {
    if (source.kind !== 'load' && this.#init.store) {
      try {
        await this.#init.store.put(envelope);
      } catch (e) {
        if (source.kind === 'own') {
          const why = e instanceof Error ? e.message : String(e);
          return { kind: 'reject', error: new WhisperError('not-stored', `envelope not stored, not sent: ${why}`) };
        }
        this.#init.onError?.(e);
        return { kind: 'ignore', reason: 'not-stored' };
      }
    }
    // Seen spreading: lifts the embargo. Our own envelope is in the pool already, and is forwarded.
    const held = source.kind === 'gossip' || source.kind === 'sync' ? this.#init.stem?.()?.settle(envelope.hash) : undefined;
    let added: boolean;
    this.#adding = source;
    try {
      added = this.pool.add(envelope);
    } catch (e) {
      // A full pool is our limit, not the sender's fault.
      if (isWhisperError(e, 'pool-full')) return { kind: 'ignore', reason: 'pool-full' };
      throw e;
    } finally {
      this.#adding = undefined;
    }
    if (!added && held !== 'own') return { kind: 'ignore', reason: 'duplicate' };
    if (source.kind !== 'gossip' && source.kind !== 'load' && this.#init.forward) {
      if (source.kind === 'own') await this.#init.forward(envelope, source);
      else void Promise.resolve(this.#init.forward(envelope, source)).catch((e: unknown) => this.#init.onError?.(e));
    }
    return { kind: 'accept', envelope };
  }

  // The pool dispatches 'added' synchronously inside add(), so #adding names the source of exactly
  // the add() made here; adds by anyone else arrive with no source (and lift the stem's embargo).
  readonly #onAdded = (evt: Event): void => {
    const envelope = (evt as CustomEvent<VerifiedEnvelope>).detail;
    const source = this.#adding;
    if (source === undefined) this.#init.stem?.()?.settle(envelope.hash);
    if (source?.kind === 'load') return;
    this.safeDispatchEvent('envelope', { detail: source ? { envelope, source } : { envelope } });
  };
}
