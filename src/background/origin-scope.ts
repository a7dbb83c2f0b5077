// One origin's shh_* scope (docs/PROTOCOL.md §4 origins): a ShhApi (admin off) over the shared NodeProxy with the
// origin's KeyStore, plus durable watchers. Subscriptions and polled filters are stored per (origin,
// session) with the params that made them; after a worker restart the session's Port comes back and
// they are replayed under the ids the page holds (the ShhApi's fresh ids map to them).
// One delivery cursor (docs/ARCHITECTURE.md "Delivery"): each watcher numbers what it hands out 1, 2, 3...;
// a delivery is written (hash, number) before it is sent, and the page side keeps only the last number
// per watcher. A replayed watcher back-fills the live pool: what lies at or below the page's cursor
// (sent with its hello) is skipped, what was written after it is sent again under the same number,
// anything else gets a new one above every number handed out. So nothing rests on timing: a worker
// stopped at any point loses no acknowledged message and the page drops every repeat.
// Limits (docs/API.md "Limits"): seals take turns through the SealScheduler; keys and live watchers are
// capped by the pipeline's quota step (pipeline.ts), which reads the counts here and in the key rows.

import { EXPIRY_TOLERANCE } from '../core/constants.ts';
import { args, str } from '../api/params.ts';
import { invalidParams, RPC, whisperFailure } from '../rpc/errors.ts';
import { ERR, ShhApi } from '../api/shh.ts';
import { MAX_WATCHER_KEYS_PER_ORIGIN } from '../api/watchers.ts';
import type { KeyStore } from '../api/keys.ts';
import { rolesOf } from '../api/node.ts';
import type { DeliveredRow, WatcherRow } from '../store/db.ts';
import { normaliseWatcherParams } from '../store/watcher-criteria.ts';
import type { WatcherRows } from '../store/watchers.ts';
import type { NodeProxy } from './node-proxy.ts';
import { LimitedSealer, SealScheduler, type SealLimits } from './seal-limits.ts';
import { createLog } from '../rpc/log.ts';

const log = createLog('shh:bg:scope');

/** Keys (pairs and symmetric) one origin may hold; shh_newSymKey & co. are refused beyond it. */
export const MAX_KEYS_PER_ORIGIN = 1024;
/** Live subscriptions and filters of one origin, every document together. */
export const MAX_WATCHERS_PER_ORIGIN = 256;

export interface OriginScopeInit {
  origin: string;
  node: NodeProxy;
  keys: KeyStore;
  watchers: WatcherRows;
  randomBytes: (n: number) => Uint8Array;
  now?: () => number; // ms
  /** Pushes a subscription message, with its sequence number, to the session's current Port, if any. */
  deliver: (session: string, data: { subscription: string; result: unknown; seq: number }) => void;
  /** Pushes a named post's sealing progress to the session's current Port, if any. */
  progress: (session: string, data: unknown) => void;
  /** The origin's share of the background's one SealScheduler (a scheduler of its own if absent). */
  sealLimits?: SealLimits;
}

/** A message handed out (or, replayed, to be handed out again) under its number. */
interface Sent {
  seq: number;
  expiry: number; // unix seconds
  /** Sent by this worker or at or below the page's cursor: never again. False for a replay still due. */
  done: boolean;
}

interface Active {
  row: WatcherRow;
  inner: string; // the ShhApi's id
  sent: Map<string, Sent>; // by envelope hash
  /** The highest number handed out; the next message gets the one above. */
  seq: number;
}

type Json = Record<string, unknown>;
/** Per watcher id, the last sequence number the page side has (sent with its hello). */
export type Cursors = Readonly<Record<string, number>>;
interface Outgoing {
  active: Active;
  result: Json;
  seq: number;
  row?: DeliveredRow; // to write first; absent for a replay of a row already written
}
const WATCHER_METHODS = ['shh_subscribe', 'shh_unsubscribe', 'shh_newMessageFilter', 'shh_getFilterMessages', 'shh_deleteMessageFilter'];

export class OriginScope {
  readonly origin: string;
  readonly #i: OriginScopeInit;
  readonly #api: ShhApi;
  readonly #now: () => number;
  readonly #byOuter = new Map<string, Active>();
  readonly #byInner = new Map<string, Active>();
  readonly #seals: SealLimits;
  /** Subscription messages waiting for their rows to be written; sent in order once they are. */
  readonly #outbox: Outgoing[] = [];
  #flushing = false;

  constructor(init: OriginScopeInit) {
    this.origin = init.origin;
    this.#i = init;
    this.#now = init.now ?? Date.now;
    this.#seals = init.sealLimits ?? new SealScheduler().forOrigin(init.origin);
    // No admin role: node settings are the user's, never a site's.
    const node = { ...rolesOf(init.node), sealer: new LimitedSealer(init.node, this.#seals), dark: init.node };
    this.#api = new ShhApi({ node, keys: init.keys, randomBytes: init.randomBytes, now: this.#now, maxWatcherKeys: MAX_WATCHER_KEYS_PER_ORIGIN });
    this.#api.start();
  }

  stop(): void {
    this.#outbox.length = 0;
    this.#seals.cancelAll();
    this.#api.stop();
  }

  /** Runs one shh_* / net_* method for a document of this origin. */
  async call(method: string, params: unknown, session: string): Promise<unknown> {
    if (!WATCHER_METHODS.includes(method)) {
      const notify = (m: string, p: unknown): void => {
        if (m === 'shh_postProgress') this.#i.progress(session, p);
      };
      return this.#api.call(method, params, { session, notify });
    }
    // geth's argument rules first (src/api/params.ts), so a page gets the relay's answers.
    if (params !== undefined && params !== null && !Array.isArray(params)) throw invalidParams('non-array args');
    const a: unknown[] = params ?? [];
    switch (method) {
      case 'shh_subscribe':
      case 'shh_newMessageFilter': {
        const kind = method === 'shh_subscribe' ? 'subscription' : 'filter';
        const row: WatcherRow = { id: '', origin: this.origin, session, kind, params: normaliseWatcherParams(kind, a), createdAt: this.#now() };
        await this.#register(row, new Map(), 0, (a) => {
          row.id = a.inner; // first registration: the page's id is the ShhApi's
          this.#byOuter.set(row.id, a);
        });
        // The router holds this Port's notifications until the response naming the id went out.
        await this.#i.watchers.put(row);
        return row.id;
      }
      case 'shh_unsubscribe':
      case 'shh_deleteMessageFilter': {
        const kind = method === 'shh_unsubscribe' ? 'subscription' : 'filter';
        const outer = str(args(params, method)[0], { arg: 0 });
        const active = this.#byOuter.get(outer);
        if (!active || active.row.kind !== kind) throw whisperFailure(kind === 'subscription' ? ERR.subscriptionNotFound : ERR.unsubscribeInvalidId);
        await this.#api.call(method, [active.inner], { session });
        await this.#forget([active]);
        return true;
      }
      default: {
        // shh_getFilterMessages: hand out only what this filter never handed out (recorded once confirmed).
        const outer = str(args(params, method)[0], { arg: 0 });
        const active = this.#byOuter.get(outer);
        if (!active || active.row.kind !== 'filter') throw whisperFailure(ERR.filterNotFound);
        let messages: Json[];
        try {
          messages = (await this.#api.call(method, [active.inner], { session })) as Json[];
        } catch (e) {
          await this.#forget([active]); // the API no longer has it: forget it here too
          throw e;
        }
        const out = messages.flatMap((m) => {
          const o = this.#number(active, m);
          return o ? [o] : [];
        });
        out.sort((x, y) => x.seq - y.seq); // replays (lower numbers) first: the page keeps only the last
        // Written before they are handed out: a worker stopped after this poll answers them again under the same numbers.
        await this.#i.watchers.markDelivered(out.flatMap((o) => (o.row ? [o.row] : []))).catch(log.catcher('recording polled deliveries'));
        return out.map((o) => ({ ...o.result, seq: o.seq }));
      }
    }
  }

  /** Live subscriptions and filters of this origin, every document together (the watcher quota). */
  get watcherCount(): number {
    return this.#byOuter.size;
  }

  /**
   * Replays a session's stored watchers that are not live (after a restart or a Port that came back).
   * `cursors`: the last number the page side has of each watcher; what was written after it is sent again.
   */
  async restoreSession(session: string, cursors: Cursors = {}): Promise<void> {
    const rows = await this.#i.watchers.openSession(this.origin, session);
    if (rows.length === 0) return;
    await this.#i.node.synced();
    const dead: WatcherRow[] = [];
    for (const row of rows) {
      if (this.#byOuter.has(row.id)) continue;
      try {
        const cursor = cursors[row.id] ?? 0;
        const sent = new Map<string, Sent>();
        let seq = Math.max(cursor, await this.#i.watchers.highestSeq(row.id));
        for (const [hash, d] of await this.#i.watchers.delivered(row.id)) {
          sent.set(hash, { seq: d.seq, expiry: d.expiry, done: d.seq <= cursor });
          seq = Math.max(seq, d.seq);
        }
        await this.#register(row, sent, seq, (a) => this.#byOuter.set(row.id, a));
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        // Locked meanwhile, or the peer did not answer the back-fill: keep the rows for the next try.
        if (code === RPC.unauthorized || code === RPC.disconnected) throw e;
        dead.push(row); // its key was deleted since: the watcher cannot match anything any more
      }
    }
    await this.#i.watchers.remove(dead.map((r) => r.id));
    await this.#i.watchers.setDetached(this.origin, session, undefined);
  }

  /** A Port went away: drop the session's live watchers; `forget` also deletes the stored ones. */
  async endSession(session: string, forget: boolean): Promise<void> {
    this.#api.endSession(session);
    const gone = [...this.#byOuter.values()].filter((a) => a.row.session === session);
    for (const a of gone) this.#drop(a);
    if (forget) await this.#i.watchers.remove((await this.#i.watchers.ofSession(this.origin, session)).map((r) => r.id));
    else await this.#i.watchers.setDetached(this.origin, session, this.#now());
  }

  /** The site was disconnected: every watcher of every session goes. */
  async endAll(): Promise<void> {
    const sessions = new Set([...this.#byOuter.values()].map((a) => a.row.session));
    for (const s of sessions) this.#api.endSession(s);
    for (const a of [...this.#byOuter.values()]) this.#drop(a);
    await this.#i.watchers.remove((await this.#i.watchers.ofOrigin(this.origin)).map((r) => r.id));
  }

  /**
   * The vault locked: every live watcher goes (their keys with them), the stored rows stay, so the
   * sessions' Ports replay them on unlock. The scope is not usable afterwards.
   */
  async suspend(): Promise<void> {
    this.#seals.cancelAll();
    const sessions = new Set([...this.#byOuter.values()].map((a) => a.row.session));
    for (const s of sessions) this.#api.endSession(s);
    for (const a of [...this.#byOuter.values()]) this.#drop(a);
    this.#api.stop();
  }

  /** Forgets delivered hashes of envelopes gone from every pool (expired beyond the tolerance). */
  pruneDelivered(nowSeconds: number): void {
    for (const a of this.#byOuter.values()) for (const [hash, d] of a.sent) if (d.expiry + EXPIRY_TOLERANCE < nowSeconds) a.sent.delete(hash);
  }

  /** Registers the watcher with the ShhApi; `live` runs before any of its messages can arrive. */
  async #register(row: WatcherRow, sent: Map<string, Sent>, seq: number, live: (a: Active) => void): Promise<Active> {
    const method = row.kind === 'subscription' ? 'shh_subscribe' : 'shh_newMessageFilter';
    let active: Active | undefined;
    const notify = (_m: string, p: unknown): void => {
      if (active) this.#push(active, (p as { result: Json }).result);
    };
    const inner = (await this.#api.call(method, row.params, { session: row.session, notify })) as string;
    active = { row, inner, sent, seq };
    this.#byInner.set(inner, active);
    live(active);
    return active;
  }

  /** The message's number: a new one, or the one it had if a replay is due; undefined when the page has it. */
  #number(active: Active, m: Json): Outgoing | undefined {
    const hash = String(m.hash);
    const known = active.sent.get(hash);
    if (known) {
      if (known.done) return undefined;
      known.done = true;
      return { active, result: m, seq: known.seq };
    }
    const seq = ++active.seq;
    const expiry = Number(m.timestamp) + Number(m.ttl);
    active.sent.set(hash, { seq, expiry, done: true });
    return { active, result: m, seq, row: { watcher: active.row.id, hash, expiry, seq } };
  }

  #push(active: Active, result: Json): void {
    const o = this.#number(active, result);
    if (!o) return;
    this.#outbox.push(o);
    if (!this.#flushing) void this.#flush();
  }

  /** Writes the waiting rows, then sends their messages in each watcher's order; repeats while more came. */
  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#outbox.length > 0) {
        const batch = this.#outbox.splice(0);
        try {
          await this.#i.watchers.markDelivered(batch.flatMap((o) => (o.row ? [o.row] : [])));
        } catch (e) {
          // Sent all the same: a stopped worker may then repeat them, under numbers the page may not drop.
          log.warn('recording deliveries failed', e);
        }
        batch.sort((x, y) => x.seq - y.seq);
        for (const o of batch)
          if (this.#byOuter.get(o.active.row.id) === o.active) this.#i.deliver(o.active.row.session, { subscription: o.active.row.id, result: o.result, seq: o.seq });
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #forget(list: Active[]): Promise<void> {
    for (const a of list) this.#drop(a);
    await this.#i.watchers.remove(list.map((a) => a.row.id));
  }

  #drop(a: Active): void {
    this.#byOuter.delete(a.row.id);
    this.#byInner.delete(a.inner);
  }
}
