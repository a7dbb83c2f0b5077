// Subscriptions (pushed, shh_subscribe) and polled filters (shh_newMessageFilter) over core Filters.
// Beyond geth (docs/API.md, deliberate differences): a new watcher first receives every matching
// envelope already live in the pool, then new ones, each once: the back-fill snapshot and the live
// listener are registered in the same synchronous step, so no envelope can fall between them or
// arrive twice. As in geth, a subscription belongs to its session (connection) and polled filters
// never expire; where the session is a page (the extension), its filters end with it too
// (filtersEndWithSession). A polled filter's buffer is bounded.

import { Filters, type FilterCriteria, type ReceivedMessage } from '../core/filter.ts';
import type { VerifiedEnvelope } from '../core/validate.ts';

/** Messages kept per polled filter between reads; the oldest go first beyond it. */
export const FILTER_BUFFER_LIMIT = 10_000;

interface Subscription {
  kind: 'subscription';
  session: string;
  deliver: (m: ReceivedMessage) => void;
  pending: ReceivedMessage[] | null; // back-fill not yet flushed: live messages queue behind it
}

interface Polled {
  kind: 'filter';
  session: string;
  messages: ReceivedMessage[];
}

export interface WatchersInit {
  envelopes: () => Iterable<VerifiedEnvelope>;
  /** endSession drops the session's polled filters too (a page's), not only its subscriptions. */
  filtersEndWithSession: boolean;
}

export class Watchers {
  readonly #filters = new Filters();
  readonly #watchers = new Map<string, Subscription | Polled>();
  readonly #init: WatchersInit;

  constructor(init: WatchersInit) {
    this.#init = init;
  }

  has(id: string, kind: 'subscription' | 'filter'): boolean {
    return this.#watchers.get(id)?.kind === kind;
  }

  get size(): number {
    return this.#watchers.size;
  }

  /** Registers a push subscription; the back-fill is delivered on the next macrotask, after the id is returned. */
  subscribe(id: string, session: string, criteria: FilterCriteria, deliver: (m: ReceivedMessage) => void): void {
    const backfill = this.#register(id, criteria);
    const sub: Subscription = { kind: 'subscription', session, deliver, pending: backfill };
    this.#watchers.set(id, sub);
    setTimeout(() => {
      const queued = sub.pending ?? [];
      sub.pending = null;
      if (this.#watchers.get(id) !== sub) return;
      for (const m of queued) sub.deliver(m);
    }, 0);
  }

  newFilter(id: string, session: string, criteria: FilterCriteria): void {
    const backfill = this.#register(id, criteria);
    this.#watchers.set(id, { kind: 'filter', session, messages: backfill.slice(-FILTER_BUFFER_LIMIT) });
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
      if (w.kind === 'filter') {
        w.messages.push(message);
        if (w.messages.length > FILTER_BUFFER_LIMIT) w.messages.shift();
      } else if (w.pending) {
        w.pending.push(message);
      } else {
        w.deliver(message);
      }
    }
  }

  #register(id: string, criteria: FilterCriteria): ReceivedMessage[] {
    const single = new Filters();
    single.add(id, criteria);
    const backfill: ReceivedMessage[] = [];
    for (const e of this.#init.envelopes()) for (const m of single.match(e)) backfill.push(m.message);
    backfill.sort((a, b) => a.timestamp - b.timestamp);
    this.#filters.add(id, criteria);
    return backfill;
  }
}
