// Subscriptions (pushed, shh_subscribe) and polled filters (shh_newMessageFilter) over core Filters.
// Beyond geth (docs/API.md, deliberate differences): a new watcher first receives every matching
// envelope already live in the pool, then new ones, each once. The live listener is registered (and
// the feed told the watcher's topics) before the back-fill asks the feed for the live envelopes on
// them; the walk then runs in slices of BACKFILL_SLICE_MS that yield to the event loop (other sites'
// requests are answered meanwhile), live matches queue behind it, and the two are merged by envelope
// hash, so nothing falls between them or arrives twice. Each distinct key costs one trial decryption per
// envelope, once: its answers are kept (TrialMemo, in memory, until its last watcher goes) for every
// later watcher's back-fill; the keys of one Watchers may be capped (maxKeys). As in geth, a
// subscription belongs to its session (connection) and polled filters never expire; where the session
// is a page (the extension), its filters end with it too (filtersEndWithSession). A polled filter's
// buffer is bounded.

import { bytesToKey } from '../core/bytes.ts';
import { Filters, type FilterCriteria, type ReceivedMessage } from '../core/filter.ts';
import { TrialMemo } from '../core/trial-memo.ts';
import type { VerifiedEnvelope } from '../core/validate.ts';
import { whisperFailure } from '../rpc/errors.ts';

/** Messages kept per polled filter between reads; the oldest go first beyond it. */
export const FILTER_BUFFER_LIMIT = 10_000;
/**
 * Distinct keys one site's watchers may use together. Every incoming envelope is tried once per
 * distinct key whose filters watch its topic (a private key without topics: every envelope, one ECDH
 * each, about 0.1 ms with libsecp256k1 and 1 ms in JavaScript), so 32 keeps one site's share of each
 * envelope to a few milliseconds; a DApp follows more conversations by giving one key several topics.
 */
export const MAX_WATCHER_KEYS_PER_ORIGIN = 32;
/** The back-fill gives the event loop a turn at least this often (ms of trial decryption per slice). */
export const BACKFILL_SLICE_MS = 10;

interface Subscription {
  kind: 'subscription';
  session: string;
  deliver: (m: ReceivedMessage) => void;
  pending: ReceivedMessage[] | null; // back-fill not yet flushed: live messages queue behind it
  keyId: string;
  release?: () => void; // the feed's interest in its topics
}

interface Polled {
  kind: 'filter';
  session: string;
  messages: ReceivedMessage[];
  pending: ReceivedMessage[] | null; // back-fill still walking the pool: live messages wait here
  keyId: string;
  release?: () => void;
}

export interface WatchersInit {
  /** The live envelopes on these topics (every one when undefined), for a back-fill. */
  envelopes: (topics?: readonly Uint8Array[]) => Iterable<VerifiedEnvelope> | Promise<Iterable<VerifiedEnvelope>>;
  /** Tells the feed a watcher follows these topics (undefined: all); returns the release. */
  watch?: (topics: readonly Uint8Array[] | undefined) => () => void;
  /** endSession drops the session's polled filters too (a page's), not only its subscriptions. */
  filtersEndWithSession: boolean;
  /** Distinct keys (symmetric or private) the watchers may use together; unbounded when absent. */
  maxKeys?: number;
  /** Milliseconds of back-fill between turns given to the event loop (BACKFILL_SLICE_MS). */
  sliceMs?: number;
}

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const keyIdOf = (c: FilterCriteria): string => (c.symKey ? 's' + bytesToKey(c.symKey) : 'a' + bytesToKey(c.privateKey!));

export class Watchers {
  /** Every key's answer per envelope, shared by the live path and each back-fill (no envelope tried twice per key). */
  readonly #memo = new TrialMemo();
  readonly #filters = new Filters({ memo: this.#memo });
  readonly #watchers = new Map<string, Subscription | Polled>();
  readonly #init: WatchersInit;
  /** keyId -> how many watchers use it. */
  readonly #keys = new Map<string, number>();

  constructor(init: WatchersInit) {
    this.#init = init;
  }

  /** Distinct keys in use by the watchers. */
  get keyCount(): number {
    return this.#keys.size;
  }

  has(id: string, kind: 'subscription' | 'filter'): boolean {
    return this.#watchers.get(id)?.kind === kind;
  }

  get size(): number {
    return this.#watchers.size;
  }

  /**
   * Registers a push subscription and back-fills it from the pool; resolves once the back-fill is
   * ready. Its messages are delivered on the next macrotask, after the caller returned the id.
   */
  async subscribe(id: string, session: string, criteria: FilterCriteria, deliver: (m: ReceivedMessage) => void): Promise<void> {
    const sub: Subscription = { kind: 'subscription', session, deliver, pending: [], keyId: keyIdOf(criteria) };
    const backfill = await this.#register(id, sub, criteria);
    setTimeout(() => {
      if (this.#watchers.get(id) !== sub) return;
      const queued = merge(backfill, sub.pending ?? []);
      sub.pending = null;
      for (const m of queued) sub.deliver(m);
    }, 0);
  }

  /** Registers a polled filter holding the pool's matching envelopes; resolves once they are in. */
  async newFilter(id: string, session: string, criteria: FilterCriteria): Promise<void> {
    const w: Polled = { kind: 'filter', session, messages: [], pending: [], keyId: keyIdOf(criteria) };
    const backfill = await this.#register(id, w, criteria);
    w.messages = merge(backfill, w.pending ?? []).slice(-FILTER_BUFFER_LIMIT);
    w.pending = null;
  }

  /** Drains a polled filter; undefined when there is no such filter. */
  take(id: string): ReceivedMessage[] | undefined {
    const w = this.#watchers.get(id);
    if (w?.kind !== 'filter') return undefined;
    const out = w.messages;
    w.messages = [];
    return out;
  }

  /** Removes a watcher; with `session`, only if it belongs to that session (geth's subscriptions). */
  remove(id: string, kind: 'subscription' | 'filter', session?: string): boolean {
    const w = this.#watchers.get(id);
    if (w?.kind !== kind || (session !== undefined && w.session !== session)) return false;
    this.#watchers.delete(id);
    this.#filters.remove(id);
    w.release?.();
    const n = (this.#keys.get(w.keyId) ?? 1) - 1;
    if (n > 0) this.#keys.set(w.keyId, n);
    else {
      this.#keys.delete(w.keyId);
      this.#memo.forget(w.keyId); // nothing opened with a key outlives its last watcher
    }
    return true;
  }

  /** Drops a session's subscriptions (a closed WebSocket, a closed tab), and its filters if so configured. */
  endSession(session: string): void {
    for (const [id, w] of this.#watchers)
      if (w.session === session && (w.kind === 'subscription' || this.#init.filtersEndWithSession)) this.remove(id, w.kind);
  }

  /** Routes a newly accepted envelope to the watchers it matches. */
  dispatch(e: VerifiedEnvelope, p2p: boolean): void {
    for (const { id, message } of this.#filters.match(e, p2p)) {
      const w = this.#watchers.get(id);
      if (!w) continue;
      if (w.pending) {
        w.pending.push(message);
      } else if (w.kind === 'filter') {
        w.messages.push(message);
        if (w.messages.length > FILTER_BUFFER_LIMIT) w.messages.shift();
      } else {
        w.deliver(message);
      }
    }
  }

  /**
   * Makes the watcher live, then walks the pool in slices; the matches sorted by timestamp. Throws when
   * the key cap is reached, or when the watcher was removed (its session ended) during the walk.
   */
  async #register(id: string, w: Subscription | Polled, criteria: FilterCriteria): Promise<ReceivedMessage[]> {
    const single = new Filters({ memo: this.#memo });
    single.add(id, criteria); // checks the criteria before anything is registered
    const max = this.#init.maxKeys ?? Infinity;
    if (!this.#keys.has(w.keyId) && this.#keys.size >= max)
      throw whisperFailure(`too many distinct keys in this site's subscriptions and filters: at most ${max}; remove some first`);
    this.#keys.set(w.keyId, (this.#keys.get(w.keyId) ?? 0) + 1);
    this.#watchers.set(id, w);
    this.#filters.add(id, criteria);
    const topics = criteria.topics.length > 0 ? criteria.topics : undefined; // none: every topic
    w.release = this.#init.watch?.(topics);
    let live: Iterable<VerifiedEnvelope>;
    try {
      live = await this.#init.envelopes(topics);
    } catch (e) {
      this.remove(id, w.kind);
      throw e;
    }
    if (this.#watchers.get(id) !== w) throw whisperFailure('the watcher was removed before its back-fill finished');
    const sliceMs = this.#init.sliceMs ?? BACKFILL_SLICE_MS;
    const backfill: ReceivedMessage[] = [];
    let sliceEnd = performance.now() + sliceMs;
    for (const e of live) {
      if (performance.now() >= sliceEnd) {
        await turn();
        if (this.#watchers.get(id) !== w) throw whisperFailure('the watcher was removed before its back-fill finished');
        sliceEnd = performance.now() + sliceMs;
      }
      for (const m of single.match(e)) backfill.push(m.message);
    }
    backfill.sort((a, b) => a.timestamp - b.timestamp);
    return backfill;
  }
}

/** The back-fill, then live messages it does not already hold (the walk may meet an envelope that also came live). */
function merge(backfill: ReceivedMessage[], live: ReceivedMessage[]): ReceivedMessage[] {
  if (live.length === 0) return backfill;
  const seen = new Set(backfill.map((m) => bytesToKey(m.hash)));
  return [...backfill, ...live.filter((m) => !seen.has(bytesToKey(m.hash)))];
}
