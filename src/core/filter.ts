// Message filters (geth whisperv6 filter.go): criteria matched against verified envelopes. Keys are
// tried only on envelopes whose topic a filter watches (filters without topics watch all), and each
// distinct key opens an envelope at most once per match, however many filters share it.

import { bytesToKey, equalBytes } from './bytes.ts';
import { isWhisperError } from './errors.ts';
import { openSymmetric, tryOpenAsymmetric, type OpenedPayload } from './message.ts';
import { publicKeyOf } from './signature.ts';
import { topicKey } from './topic.ts';
import type { TrialMemo } from './trial-memo.ts';
import type { VerifiedEnvelope } from './validate.ts';

export interface FilterCriteria {
  /** Exactly one of symKey (32 bytes) and privateKey (32 bytes). */
  readonly symKey?: Uint8Array;
  readonly privateKey?: Uint8Array;
  /** Topics watched; empty means every topic. */
  readonly topics: readonly Uint8Array[];
  /** Minimum PoW of a matching envelope; 0 accepts any. */
  readonly minPow: number;
  /** When set, only messages signed by this 65-byte public key match. */
  readonly signer?: Uint8Array;
  /** Whether envelopes delivered peer-to-peer (not through the pool) may match. */
  readonly allowP2P: boolean;
}

/** A decrypted message, in the fields geth's ReceivedMessage exposes to the API. */
export interface ReceivedMessage {
  readonly hash: Uint8Array;
  readonly topic: Uint8Array;
  readonly ttl: number;
  readonly timestamp: number; // sent = expiry - ttl
  readonly pow: number;
  readonly payload: Uint8Array;
  readonly padding: Uint8Array;
  readonly signer?: Uint8Array; // recovered 65-byte public key, signed messages only
  readonly recipientPublicKey?: Uint8Array; // asymmetric messages only
}

interface Filter {
  readonly id: string;
  readonly criteria: FilterCriteria;
  readonly keyId: string; // identifies the key for the per-match open cache
  readonly recipientPublicKey?: Uint8Array;
}

export interface FilterMatch {
  readonly id: string;
  readonly message: ReceivedMessage;
}

export function checkCriteria(c: FilterCriteria): void {
  if ((c.symKey === undefined) === (c.privateKey === undefined))
    throw new TypeError('criteria need exactly one of symKey and privateKey');
  if (!(c.minPow >= 0)) throw new RangeError('minPow must be >= 0');
  for (const t of c.topics) topicKey(t);
}

/** Tries one filter on one envelope; null when it does not match. Used alone for back-fill. */
export function matchFilter(c: FilterCriteria, e: VerifiedEnvelope, p2p = false): ReceivedMessage | null {
  const f = makeFilter('', c);
  return matchWith(f, e, p2p, new Map(), openWith);
}

/** Opens `data` with the filter's key; null or a thrown WhisperError when it is not for that key. */
export type Opener = (c: FilterCriteria, data: Uint8Array) => OpenedPayload | null;

const openWith: Opener = (c, data) => (c.symKey ? openSymmetric(data, c.symKey) : tryOpenAsymmetric(data, c.privateKey!));

export class Filters {
  readonly #open: Opener;
  readonly #memo: TrialMemo | undefined;
  readonly #byId = new Map<string, Filter>();
  readonly #byTopic = new Map<number, Set<Filter>>();
  readonly #allTopics = new Set<Filter>();

  /** memo: answers shared with other Filters, so that no key tries an envelope twice (TrialMemo). */
  constructor(init: { open?: Opener; memo?: TrialMemo } = {}) {
    this.#open = init.open ?? openWith;
    this.#memo = init.memo;
  }

  get size(): number {
    return this.#byId.size;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get(id: string): FilterCriteria | undefined {
    return this.#byId.get(id)?.criteria;
  }

  add(id: string, criteria: FilterCriteria): void {
    if (this.#byId.has(id)) throw new RangeError(`filter ${id} exists`);
    const f = makeFilter(id, criteria);
    this.#byId.set(id, f);
    if (criteria.topics.length === 0) this.#allTopics.add(f);
    for (const t of criteria.topics) {
      const k = topicKey(t);
      let set = this.#byTopic.get(k);
      if (!set) this.#byTopic.set(k, (set = new Set()));
      set.add(f);
    }
  }

  remove(id: string): boolean {
    const f = this.#byId.get(id);
    if (!f) return false;
    this.#byId.delete(id);
    this.#allTopics.delete(f);
    for (const t of f.criteria.topics) {
      const k = topicKey(t);
      const set = this.#byTopic.get(k);
      set?.delete(f);
      if (set?.size === 0) this.#byTopic.delete(k);
    }
    return true;
  }

  /** Every filter the envelope matches, with the opened message. */
  match(e: VerifiedEnvelope, p2p = false): FilterMatch[] {
    const candidates = new Set<Filter>(this.#allTopics);
    for (const f of this.#byTopic.get(topicKey(e.topic)) ?? []) candidates.add(f);
    const opened = new Map<string, OpenedPayload | null>();
    const out: FilterMatch[] = [];
    for (const f of candidates) {
      const message = matchWith(f, e, p2p, opened, this.#open, this.#memo);
      if (message) out.push({ id: f.id, message });
    }
    return out;
  }
}

function makeFilter(id: string, c: FilterCriteria): Filter {
  checkCriteria(c);
  if (c.symKey) return { id, criteria: c, keyId: 's' + bytesToKey(c.symKey) };
  const priv = c.privateKey!;
  return { id, criteria: c, keyId: 'a' + bytesToKey(priv), recipientPublicKey: publicKeyOf(priv) };
}

function matchWith(
  f: Filter,
  e: VerifiedEnvelope,
  p2p: boolean,
  opened: Map<string, OpenedPayload | null>,
  open: Opener,
  memo?: TrialMemo,
): ReceivedMessage | null {
  const c = f.criteria;
  if (p2p && !c.allowP2P) return null;
  if (c.minPow > 0 && e.pow < c.minPow) return null;
  if (c.topics.length > 0 && !c.topics.some((t) => equalBytes(t, e.topic))) return null;
  let payload = opened.get(f.keyId);
  if (payload === undefined) {
    payload = memo?.get(f.keyId, e.hash);
    if (payload === undefined) {
      payload = tryOpen(open, c, e.data);
      memo?.set(f.keyId, e.hash, payload);
    }
    opened.set(f.keyId, payload);
  }
  if (!payload) return null;
  if (c.signer && !(payload.signer && equalBytes(payload.signer, c.signer))) return null;
  return {
    hash: e.hash,
    topic: e.topic,
    ttl: e.ttl,
    timestamp: e.expiry - e.ttl,
    pow: e.pow,
    payload: payload.payload,
    padding: payload.padding,
    ...(payload.signer ? { signer: payload.signer } : {}),
    ...(f.recipientPublicKey ? { recipientPublicKey: f.recipientPublicKey } : {}),
  };
}

function tryOpen(open: Opener, c: FilterCriteria, data: Uint8Array): OpenedPayload | null {
  try {
    return open(c, data);
  } catch (err) {
    // Not for us (wrong key), or garbage from a peer: both are simply no match.
    if (isWhisperError(err)) return null;
    throw err;
  }
}
