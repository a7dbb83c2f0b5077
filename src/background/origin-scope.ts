// One origin's shh_* scope (docs/PROTOCOL.md §4 origins): a ShhApi (admin off) over the shared NodeProxy with the
// origin's KeyStore, plus durable watchers. Subscriptions and polled filters are stored per (origin,
// session) with the params that made them; after a worker restart the session's Port comes back and
// they are replayed under the ids the page holds (the ShhApi's fresh ids map to them). A replayed
// watcher back-fills the live pool, and the delivered hashes it kept drop what the page already had.
// A delivery is recorded only once its watcher outlived it by DELIVERY_CONFIRM_MS: a worker stopped
// meanwhile may have posted into a Port the browser had closed, so the replay sends it again (the
// content bridge drops what its page already has).
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
/** How long a watcher must stay live after a delivery before the delivery is recorded as made. */
export const DELIVERY_CONFIRM_MS = 1000;

export interface OriginScopeInit {
  origin: string;
  node: NodeProxy;
  keys: KeyStore;
  watchers: WatcherRows;
  randomBytes: (n: number) => Uint8Array;
  now?: () => number; // ms
  /** Pushes a subscription message to the session's current Port, if any. */
  deliver: (session: string, data: { subscription: string; result: unknown }) => void;
  /** Pushes a named post's sealing progress to the session's current Port, if any. */
  progress: (session: string, data: unknown) => void;
  /** The origin's share of the background's one SealScheduler (a scheduler of its own if absent). */
  sealLimits?: SealLimits;
}

interface Active {
  row: WatcherRow;
  inner: string; // the ShhApi's id
  delivered: Map<string, number>; // hash -> expiry (unix seconds)
  /** Messages held until the page has the watcher's id (its shh_subscribe response went out). */
  held?: { subscription: string; result: Json }[];
}

type Json = Record<string, unknown>;
const WATCHER_METHODS = ['shh_subscribe', 'shh_unsubscribe', 'shh_newMessageFilter', 'shh_getFilterMessages', 'shh_deleteMessageFilter'];

export class OriginScope {
  readonly origin: string;
  readonly #i: OriginScopeInit;
  readonly #api: ShhApi;
  readonly #now: () => number;
  readonly #byOuter = new Map<string, Active>();
  readonly #byInner = new Map<string, Active>();
  readonly #seals: SealLimits;
  readonly #unconfirmed: { active: Active; row: DeliveredRow; at: number }[] = [];
  #confirmTimer: ReturnType<typeof setTimeout> | undefined;

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
    clearTimeout(this.#confirmTimer);
    this.#unconfirmed.length = 0;
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
        const active = await this.#register(row, new Map(), []);
        row.id = active.inner; // first registration: the page's id is the ShhApi's
        this.#byOuter.set(row.id, active);
        await this.#i.watchers.put(row);
        // The back-fill is ready before the row is stored; a notification that reached the page ahead
        // of this response would name an id the page does not know yet (web3.js drops it). The router
        // posts the response in this task's microtasks, so releasing on the next task comes after it.
        setTimeout(() => this.#release(active), 0);
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
        const fresh = messages.filter((m) => !active.delivered.has(String(m.hash)));
        for (const m of fresh) this.#unconfirm(active, this.#delivered(active, m));
        return fresh;
      }
    }
  }

  /** Live subscriptions and filters of this origin, every document together (the watcher quota). */
  get watcherCount(): number {
    return this.#byOuter.size;
  }

  /** Replays a session's stored watchers that are not live (after a restart or a Port that came back). */
  async restoreSession(session: string): Promise<void> {
    const rows = await this.#i.watchers.openSession(this.origin, session);
    if (rows.length === 0) return;
    await this.#i.node.synced();
    const dead: WatcherRow[] = [];
    for (const row of rows) {
      if (this.#byOuter.has(row.id)) continue;
      try {
        const active = await this.#register(row, await this.#i.watchers.delivered(row.id));
        this.#byOuter.set(row.id, active);
      } catch (e) {
        if ((e as { code?: unknown }).code === RPC.unauthorized) throw e; // locked meanwhile: keep the rows for the next unlock
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
    for (const a of this.#byOuter.values()) for (const [hash, expiry] of a.delivered) if (expiry + EXPIRY_TOLERANCE < nowSeconds) a.delivered.delete(hash);
  }

  async #register(row: WatcherRow, delivered: Map<string, number>, held?: Active['held']): Promise<Active> {
    const method = row.kind === 'subscription' ? 'shh_subscribe' : 'shh_newMessageFilter';
    const notify = (_m: string, p: unknown): void => this.#push(p as { subscription: string; result: Json });
    const inner = (await this.#api.call(method, row.params, { session: row.session, notify })) as string;
    const active: Active = { row, inner, delivered, ...(held ? { held } : {}) };
    this.#byInner.set(inner, active);
    return active;
  }

  #push(p: { subscription: string; result: Json }): void {
    const active = this.#byInner.get(p.subscription);
    if (!active) return;
    if (active.held) return void active.held.push(p);
    const hash = String(p.result.hash);
    if (active.delivered.has(hash)) return;
    this.#unconfirm(active, this.#delivered(active, p.result));
    this.#i.deliver(active.row.session, { subscription: active.row.id, result: p.result });
  }

  #unconfirm(active: Active, row: DeliveredRow): void {
    this.#unconfirmed.push({ active, row, at: performance.now() }); // real time, whatever clock the scope was given
    this.#confirmTimer ??= setTimeout(() => this.#confirm(), DELIVERY_CONFIRM_MS);
  }

  /** Records the deliveries whose watcher is still live DELIVERY_CONFIRM_MS after them. */
  #confirm(): void {
    this.#confirmTimer = undefined;
    const due = performance.now() - DELIVERY_CONFIRM_MS;
    let n = 0;
    while (n < this.#unconfirmed.length && this.#unconfirmed[n]!.at <= due) n++;
    const rows = this.#unconfirmed
      .splice(0, n)
      .filter((u) => this.#byOuter.get(u.active.row.id) === u.active)
      .map((u) => u.row);
    this.#i.watchers.markDelivered(rows).catch(log.catcher('recording deliveries (they may be sent again after a restart)'));
    if (this.#unconfirmed.length > 0) this.#confirmTimer = setTimeout(() => this.#confirm(), Math.max(0, this.#unconfirmed[0]!.at - due));
  }

  #release(active: Active): void {
    const held = active.held ?? [];
    delete active.held;
    for (const p of held) this.#push(p);
  }

  #delivered(active: Active, m: Json): DeliveredRow {
    const hash = String(m.hash);
    const expiry = Number(m.timestamp) + Number(m.ttl);
    active.delivered.set(hash, expiry);
    return { watcher: active.row.id, hash, expiry };
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
