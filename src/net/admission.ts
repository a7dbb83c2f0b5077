// The one admission path (docs/ARCHITECTURE.md "Admission"): every envelope that enters a peer's pool
// goes through admit(), whoever brings it: gossip, the stem, catch-up, an own post, the store at
// start-up, the mix layer's exit hop. In this order: a cut-off source is ignored unread;
// validation (docs/PROTOCOL.md §1.4) against the peer's policy, an invalid envelope counting against its sender; a
// network envelope below the floor ignored; the sender's per-neighbour budget; durable before pooled
// (EnvelopeStore.put, then pool.add); delivery (the 'envelope' event); forwarding: gossipsub's own for
// gossip, never back to the source; a catch-up envelope goes to the other peers only (forward() gets
// the source to leave out), a fluffed stem envelope is published. admitBatch() admits a catch-up batch with one
// durable write for all its valid envelopes; each envelope still gets its own verdict, so a bad one is
// refused alone. What differs per protocol is one row of PROTOCOLS.
// Over 300 lines: it is the one path every envelope takes; split, the order of its steps would live
// in several files.

import { TypedEventEmitter, type PeerId } from '@libp2p/interface';
import type { EnvelopeStore, StoredRow } from '../core/envelope-store.ts';
import { envelopeSize } from '../core/envelope.ts';
import { bytesToKey } from '../core/bytes.ts';
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
  store?: Pick<EnvelopeStore, 'put'> & Partial<Pick<EnvelopeStore, 'putMany' | 'live' | 'discard'>>;
  rules: AdmissionRules;
  guard?: AdmissionGuard;
  stem?: () => AdmissionStem | undefined;
  /**
   * Sends an accepted envelope on (not called for gossip, whose forward is gossipsub's, nor for load).
   * A network source must not get it back: the implementation leaves `source.peer` out.
   */
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
  /** keccak256 of `rlp` when the caller already computed it (gossip's message id, catch-up's): not hashed again. */
  hash?: Uint8Array;
  /**
   * Start-up load only: the hash a row is stored under, and its PoW when the store proved the row
   * intact (then both are trusted: validateEnvelope's hash and pow). Without the PoW the envelope is
   * validated in full and must hash to this key, else it is refused as damaged.
   */
  stored?: { hash: Uint8Array; pow?: number };
}

/** One envelope of a batch: its wire bytes and, when known, its hash (see AdmitOptions.hash). */
export interface BatchItem {
  rlp: Uint8Array;
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

/** Envelopes the start-up load hands the pool at once (EnvelopePool.addMany). */
const LOAD_BATCH = 4096;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

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
  async admit(rlp: Uint8Array, { source, policy, hash, stored }: AdmitOptions): Promise<Admission> {
    const checked = this.#check(rlp, source, policy, hash, source.kind === 'load' ? stored : undefined);
    if (checked.kind !== 'valid') return checked;
    if (source.kind !== 'load' && this.#init.store) {
      try {
        await this.#init.store.put(checked.envelope);
      } catch (e) {
        return this.#notStored(e, source);
      }
    }
    return this.#pooled(checked.envelope, source);
  }

  /**
   * Admits a batch from one network source (catch-up): each envelope is checked as admit() would,
   * then every valid one is made durable in one write (EnvelopeStore.putMany, one transaction; when
   * that fails, one put each, so near a full disk what fits alone still goes in), then pooled,
   * delivered and forwarded in order. Returns one Admission per item, in order; a bad envelope is
   * refused (and counted) alone. A second copy of an envelope within the batch is a duplicate.
   */
  async admitBatch(items: readonly BatchItem[], { source, policy }: Omit<AdmitOptions, 'hash'>): Promise<Admission[]> {
    if (!Array.isArray(items)) throw new TypeError('items must be an array');
    const out: Admission[] = new Array(items.length);
    const valid: { i: number; envelope: VerifiedEnvelope }[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const c = this.#check(item.rlp, source, policy, item.hash);
      if (c.kind !== 'valid') {
        out[i] = c;
        continue;
      }
      const key = bytesToKey(c.envelope.hash);
      if (seen.has(key)) {
        out[i] = { kind: 'ignore', reason: 'duplicate' };
        continue;
      }
      seen.add(key);
      valid.push({ i, envelope: c.envelope });
    }
    const stored = await this.#storeAll(valid.map((v) => v.envelope), source);
    // Pooled in one run, in order, with no await between two adds: whoever listens to the pool (the
    // peer host's status, the background's events) hears one turn's worth, not one per envelope.
    const pooled = valid.map(({ envelope }, k) => (stored[k] === undefined ? this.#pooled(envelope, source) : this.#notStored(stored[k], source)));
    const results = await Promise.all(pooled);
    valid.forEach(({ i }, k) => (out[i] = results[k]!));
    return out;
  }

  // Returns, per envelope, undefined once it is durable or the error that kept it out.
  async #storeAll(envelopes: readonly VerifiedEnvelope[], source: EnvelopeSource): Promise<unknown[]> {
    const store = this.#init.store;
    if (source.kind === 'load' || !store || envelopes.length === 0) return envelopes.map(() => undefined);
    if (store.putMany) {
      try {
        await store.putMany(envelopes);
        return envelopes.map(() => undefined);
      } catch (e) {
        // One by one below: each refusal is reported with its own envelope, and some may still fit.
        this.#init.onError?.(e);
      }
    }
    // Issued together: a store that groups the puts of one turn (relay/store-writer.ts) commits them at once.
    const settled = await Promise.allSettled(envelopes.map(async (e) => store.put(e)));
    return settled.map((r) => (r.status === 'fulfilled' ? undefined : r.reason));
  }

  // Everything admission decides before the write: cut-off, validation, floor, budget, the stem's hold.
  #check(
    rlp: Uint8Array,
    source: EnvelopeSource,
    policy: ValidationPolicy | undefined,
    hash: Uint8Array | undefined,
    stored?: AdmitOptions['stored'],
  ): Admission | { kind: 'valid'; envelope: VerifiedEnvelope } {
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
    const trusted = stored?.pow !== undefined ? stored : undefined;
    // The start-up load asks the pool nothing per row: a duplicate is refused when pooled all the same.
    let verdict = validateEnvelope(rlp, checked, source.kind === 'load' ? undefined : known, trusted?.hash ?? hash, trusted?.pow);
    if (stored && !trusted && verdict.kind === 'accept' && !sameBytes(verdict.envelope.hash, stored.hash))
      verdict = { kind: 'reject', error: new WhisperError('bad-envelope', 'stored envelope does not hash to its key (damaged row)') };
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
    return { kind: 'valid', envelope };
  }

  #notStored(e: unknown, source: EnvelopeSource): Admission {
    if (source.kind === 'own') {
      const why = e instanceof Error ? e.message : String(e);
      return { kind: 'reject', error: new WhisperError('not-stored', `envelope not stored, not sent: ${why}`) };
    }
    this.#init.onError?.(e);
    return { kind: 'ignore', reason: 'not-stored' };
  }

  /**
   * The stem lets go of an envelope it held for `peer` (its fluff): durable, pooled, delivered and
   * gossiped, unless it spread meanwhile. Returns whether it was pooled here.
   */
  async release(envelope: VerifiedEnvelope, peer: PeerId): Promise<boolean> {
    if (this.pool.has(envelope.hash)) return false;
    const source: EnvelopeSource = { kind: 'stem', peer };
    if (this.#init.store) {
      try {
        await this.#init.store.put(envelope);
      } catch (e) {
        this.#notStored(e, source);
        return false;
      }
    }
    return (await this.#pooled(envelope, source)).kind === 'accept';
  }

  /**
   * Start-up load: every live row of the store, re-validated like a network envelope (against
   * `policy`, default the rules'), pooled without a second write. Rows that no longer pass are
   * discarded from the store. Returns how many entered the pool. Each row is checked as admit()
   * checks it, without a promise per row, and the valid ones enter the pool LOAD_BATCH at a time
   * (EnvelopePool.addMany: no event; the pool's watchers start after the load and read it whole).
   */
  async load(nowSeconds: number, policy?: ValidationPolicy): Promise<number> {
    const store = this.#init.store;
    if (!store?.live) return 0;
    const current = policy ?? this.#init.rules.current();
    const source: EnvelopeSource = { kind: 'load' };
    const refused: StoredRow[] = [];
    let rows: StoredRow[] = [];
    let envelopes: VerifiedEnvelope[] = [];
    let n = 0;
    const flush = (): void => {
      this.#adding = source; // add() instead of addMany() when the pool is full: its events name the load
      let added: boolean[];
      try {
        added = this.pool.addMany(envelopes);
      } finally {
        this.#adding = undefined;
      }
      for (let i = 0; i < added.length; i++) {
        if (added[i]) n++;
        else refused.push(rows[i]!);
      }
      rows = [];
      envelopes = [];
    };
    for (const row of await store.live(nowSeconds)) {
      const key = row.hash instanceof Uint8Array && row.hash.length === 32 ? row.hash : undefined;
      const stored = key ? (typeof row.pow === 'number' && row.pow >= 0 ? { hash: key, pow: row.pow } : { hash: key }) : undefined;
      const c = row.rlp instanceof Uint8Array ? this.#check(row.rlp, source, current, undefined, stored) : undefined;
      if (c?.kind !== 'valid') {
        refused.push(row);
        continue;
      }
      rows.push(row);
      envelopes.push(c.envelope);
      if (envelopes.length === LOAD_BATCH) flush();
    }
    flush();
    if (store.discard)
      for (const row of refused) {
        try {
          await store.discard(row);
        } catch (e) {
          this.#init.onError?.(e);
        }
      }
    return n;
  }

  #penalise(peer: PeerId, rules: ProtocolRules): void {
    const guard = this.#init.guard;
    if (rules.penalty === 'gossipsub') guard?.penalised(peer);
    else if (rules.penalty === 'here') guard?.penalise(peer);
  }

  // Called once the envelope is durable (or needs no write): durable first, so an envelope whose write
  // failed never enters the pool, and nothing is held (or offered to catch-up peers) that a restart
  // would lose. A concurrent duplicate writes twice (put is idempotent) and loses the pool race harmlessly.
  async #pooled(envelope: VerifiedEnvelope, source: EnvelopeSource): Promise<Admission> {
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
