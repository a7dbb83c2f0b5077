// The approval flow of shh_requestIdentities (docs/API.md "Permissions", docs/SECURITY.md): requests
// queue in IndexedDB, one approval window at a time shows the oldest, the user's decision settles every
// request of that origin waiting on it; closing the window is a rejection (4001). After a worker restart
// a pending approval whose window is still open keeps waiting for its decision; one whose window is gone
// (the browser restarted, nobody is waiting) is dropped as rejected: a page that asks again gets a fresh
// window.
// Limits, so a site cannot wear the user down or queue windows without end: after a rejection the site
// is backed off (its next requests are 4001 at once for BACKOFF_FIRST_MS, doubling with each further
// rejection up to BACKOFF_MAX_MS, forgotten after an approval or BACKOFF_FORGET_MS of quiet); at most
// MAX_WAITING_PER_SITE requests wait on one site's approval and MAX_PENDING_SITES sites wait in all.

import { toHex } from '../core/bytes.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import type { ApprovalRow } from '../store/db.ts';
import type { ApprovalRows } from '../store/approvals.ts';
import type { RuntimeApi, StorageArea, WindowsApi } from './extension-api.ts';

export const APPROVAL_PAGE = 'approval.html';
/** Requests (frames, tabs) that may wait on one site's pending approval; the next is 4001 at once. */
export const MAX_WAITING_PER_SITE = 8;
/** Sites that may have an approval pending at once, all together; the next site is 4001 at once. */
export const MAX_PENDING_SITES = 8;
/** After a first rejection the site's requests are refused (4001) this long; each further one doubles it. */
export const BACKOFF_FIRST_MS = 2_000;
export const BACKOFF_MAX_MS = 10 * 60_000;
/** A site that was not rejected for this long starts again from BACKOFF_FIRST_MS. */
export const BACKOFF_FORGET_MS = 60 * 60_000;
/** Where the back-off table outlives a worker restart (storage.session: memory only). */
const BACKOFF_KEY = 'approvalBackoff';

export interface ApprovalLimits {
  waitingPerSite: number;
  pendingSites: number;
  backoffFirstMs: number;
  backoffMaxMs: number;
  backoffForgetMs: number;
}

export interface ApprovalsInit {
  rows: ApprovalRows;
  windows: WindowsApi;
  runtime: Pick<RuntimeApi, 'getURL'>;
  randomBytes: (n: number) => Uint8Array;
  now?: () => number; // ms
  limits?: Partial<ApprovalLimits>;
  /** Keeps the back-off table across worker restarts when given. */
  session?: StorageArea;
  /** Records the grant (and tells the site) before the waiting requests resolve. */
  onApprove: (origin: string, identities: string[]) => Promise<void>;
  /** The number of pending approvals changed (the toolbar badge shows it). */
  onCount?: (pending: number) => void;
  log?: (message: string, e?: unknown) => void;
}

interface Waiter {
  resolve: (identities: string[]) => void;
  reject: (e: RpcError) => void;
}

interface Backoff {
  until: number; // ms
  stepMs: number;
  at: number; // ms, the last rejection
}

const rejected = (): RpcError => new RpcError(RPC.userRejected, 'User rejected the request.');

export class Approvals {
  readonly #i: ApprovalsInit;
  readonly #now: () => number;
  readonly #limits: ApprovalLimits;
  readonly #waiters = new Map<string, Waiter[]>(); // approval id -> requests waiting on it
  #backoff = new Map<string, Backoff>(); // origin -> when it may ask again
  #shown: { id: string; windowId: number } | undefined;
  #pumping: Promise<void> = Promise.resolve();
  #serial: Promise<void> = Promise.resolve();

  constructor(init: ApprovalsInit) {
    this.#i = init;
    this.#now = init.now ?? Date.now;
    this.#limits = {
      waitingPerSite: MAX_WAITING_PER_SITE,
      pendingSites: MAX_PENDING_SITES,
      backoffFirstMs: BACKOFF_FIRST_MS,
      backoffMaxMs: BACKOFF_MAX_MS,
      backoffForgetMs: BACKOFF_FORGET_MS,
      ...init.limits,
    };
  }

  /** Re-attaches to the approvals a previous worker left (see the module comment), then shows the next. */
  async start(): Promise<void> {
    await this.#loadBackoff();
    for (const row of await this.#i.rows.pending()) {
      const open = row.windowId !== undefined && (await this.#windowExists(row.windowId));
      if (open && !this.#shown) this.#shown = { id: row.id, windowId: row.windowId! };
      else if (!open && row.windowId !== undefined) await this.#i.rows.remove(row.id);
      else if (open) await this.#close(row.windowId!); // a second window: only one is shown at a time
    }
    this.#pump();
  }

  /**
   * Asks the user to connect `origin`; resolves to the chosen identity ids, rejects 4001 (rejected,
   * backed off, or too many waiting). `embeddedIn` is the top-level origin when a frame asks.
   */
  async request(origin: string, o: { embeddedIn?: string } = {}): Promise<string[]> {
    const now = this.#now();
    const b = this.#backoff.get(origin);
    if (b && now < b.until) {
      const retryAfterMs = b.until - now;
      throw new RpcError(RPC.userRejected, `The user rejected this site recently: ask again in ${Math.ceil(retryAfterMs / 1000)} s.`, { retryAfterMs });
    }
    // One at a time from the read of the queue to the waiter's entry: two frames asking at once join one approval.
    const joined = this.#serial.then(() => this.#join(origin, now, o.embeddedIn));
    this.#serial = joined.then(
      () => undefined,
      () => undefined,
    );
    const { answer } = await joined;
    this.#pump();
    return answer;
  }

  async #join(origin: string, now: number, embeddedIn: string | undefined): Promise<{ answer: Promise<string[]> }> {
    const pending = await this.#i.rows.pending();
    let id = pending.find((r) => r.origin === origin)?.id;
    if (id) {
      if ((this.#waiters.get(id)?.length ?? 0) >= this.#limits.waitingPerSite)
        throw new RpcError(RPC.userRejected, `Too many requests of this site are waiting for the user (at most ${this.#limits.waitingPerSite}).`);
    } else {
      if (pending.length >= this.#limits.pendingSites)
        throw new RpcError(RPC.userRejected, `Too many sites are waiting for the user (at most ${this.#limits.pendingSites}): ask again later.`);
      id = toHex(this.#i.randomBytes(16), false);
      const top = embeddedIn !== undefined && embeddedIn !== origin ? { embeddedIn } : {};
      await this.#i.rows.add({ id, origin, method: 'shh_requestIdentities', createdAt: now, ...top });
    }
    const list = this.#waiters.get(id) ?? [];
    this.#waiters.set(id, list);
    return { answer: new Promise<string[]>((resolve, reject) => list.push({ resolve, reject })) }; // boxed: not awaited here
  }

  get(id: string): Promise<ApprovalRow | undefined> {
    return this.#i.rows.get(id);
  }

  async pendingCount(): Promise<number> {
    return (await this.#i.rows.pending()).length;
  }

  /** The approval window now showing, if any (the popup brings it to the front). */
  shown(): { id: string; windowId: number } | undefined {
    return this.#shown ? { ...this.#shown } : undefined;
  }

  /** Brings the approval window to the front; false when none is open. */
  async focus(): Promise<boolean> {
    const s = this.#shown;
    if (!s) return false;
    try {
      await this.#i.windows.update(s.windowId, { focused: true });
      return true;
    } catch (e) {
      this.#i.log?.('could not focus the approval window', e);
      return false;
    }
  }

  /** The user's decision from the approval window. False when the approval was already decided. */
  decide(id: string, approve: boolean, identities: string[]): Promise<boolean> {
    return this.#settle(id, approve ? { grant: identities } : 'reject');
  }

  /** The site turned out to be connected already (the vault was unlocked in the window): its requests go on, nothing is granted. */
  release(id: string): Promise<boolean> {
    return this.#settle(id, 'connected');
  }

  /** windows.onRemoved: closing the approval window rejects its request. */
  async windowRemoved(windowId: number): Promise<void> {
    if (this.#shown?.windowId === windowId) {
      const { id } = this.#shown;
      this.#shown = undefined;
      await this.decide(id, false, []);
      return;
    }
    // A worker that restarted before start() finished may not know the window yet.
    for (const row of await this.#i.rows.pending()) if (row.windowId === windowId) await this.decide(row.id, false, []);
  }

  async #settle(id: string, outcome: { grant: string[] } | 'reject' | 'connected'): Promise<boolean> {
    const row = await this.#i.rows.get(id);
    if (!row || !(await this.#i.rows.remove(id))) return false;
    const waiters = this.#waiters.get(id) ?? [];
    this.#waiters.delete(id);
    const granted = typeof outcome === 'object' ? outcome.grant : [];
    try {
      if (outcome === 'reject') this.#backOff(row.origin);
      else this.#forgive(row.origin);
      if (typeof outcome === 'object') await this.#i.onApprove(row.origin, granted);
    } catch (e) {
      for (const w of waiters) w.reject(e instanceof RpcError ? e : new RpcError(RPC.internal, 'could not record the approval'));
      throw e;
    } finally {
      if (this.#shown?.id === id) {
        const { windowId } = this.#shown;
        this.#shown = undefined;
        await this.#close(windowId);
      }
      this.#pump();
    }
    for (const w of waiters) outcome === 'reject' ? w.reject(rejected()) : w.resolve([...granted]);
    return true;
  }

  #backOff(origin: string): void {
    const now = this.#now();
    const prev = this.#backoff.get(origin);
    const fresh = !prev || now - prev.at > this.#limits.backoffForgetMs;
    const stepMs = fresh ? this.#limits.backoffFirstMs : Math.min(prev.stepMs * 2, this.#limits.backoffMaxMs);
    this.#backoff.set(origin, { until: now + stepMs, stepMs, at: now });
    this.#saveBackoff();
  }

  #forgive(origin: string): void {
    if (this.#backoff.delete(origin)) this.#saveBackoff();
  }

  async #loadBackoff(): Promise<void> {
    if (!this.#i.session) return;
    try {
      const saved = (await this.#i.session.get(BACKOFF_KEY))[BACKOFF_KEY];
      if (!Array.isArray(saved)) return;
      const now = this.#now();
      for (const e of saved as [string, Backoff][])
        if (typeof e?.[0] === 'string' && typeof e[1]?.until === 'number' && now - e[1].at <= this.#limits.backoffForgetMs) this.#backoff.set(e[0], e[1]);
    } catch (e) {
      this.#i.log?.('could not read the approval back-off table', e);
    }
  }

  #saveBackoff(): void {
    const now = this.#now();
    for (const [origin, b] of this.#backoff) if (now - b.at > this.#limits.backoffForgetMs) this.#backoff.delete(origin);
    void this.#i.session?.set({ [BACKOFF_KEY]: [...this.#backoff] }).catch((e) => this.#i.log?.('could not save the approval back-off table', e));
  }

  #pump(): void {
    this.#pumping = this.#pumping
      .then(() => this.#showNext())
      .catch((e) => this.#i.log?.('could not show the next approval', e))
      .then(() => this.#count());
  }

  async #count(): Promise<void> {
    if (!this.#i.onCount) return;
    try {
      this.#i.onCount((await this.#i.rows.pending()).length);
    } catch (e) {
      this.#i.log?.('could not count pending approvals', e);
    }
  }

  async #showNext(): Promise<void> {
    if (this.#shown) return;
    const next = (await this.#i.rows.pending())[0];
    if (!next) return;
    const win = await this.#i.windows.create({
      type: 'popup',
      url: this.#i.runtime.getURL(`${APPROVAL_PAGE}?id=${encodeURIComponent(next.id)}`),
      width: 400,
      height: 600,
      focused: true,
    });
    if (win.id === undefined) return;
    this.#shown = { id: next.id, windowId: win.id };
    await this.#i.rows.setWindow(next.id, win.id);
  }

  async #windowExists(windowId: number): Promise<boolean> {
    try {
      await this.#i.windows.get(windowId);
      return true;
    } catch {
      return false; // windows.get throws "No window with id": that is the answer, not a failure
    }
  }

  async #close(windowId: number): Promise<void> {
    try {
      await this.#i.windows.remove(windowId);
    } catch (e) {
      this.#i.log?.('approval window already closed', e); // closed by the user meanwhile
    }
  }
}
