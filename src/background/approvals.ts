// The approval flow of shh_requestIdentities (docs/PROTOCOL.md §4): requests queue in IndexedDB, one approval
// window at a time shows the oldest, the user's decision settles every request of that origin waiting
// on it; closing the window is a rejection (4001). After a worker restart a pending approval whose
// window is still open keeps waiting for its decision; one whose window is gone (the browser
// restarted, nobody is waiting) is dropped as rejected: a page that asks again gets a fresh window.

import { toHex } from '../core/bytes.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import type { ApprovalRow } from '../store/db.ts';
import type { ApprovalRows } from '../store/approvals.ts';
import type { RuntimeApi, WindowsApi } from './extension-api.ts';

export const APPROVAL_PAGE = 'approval.html';

export interface ApprovalsInit {
  rows: ApprovalRows;
  windows: WindowsApi;
  runtime: Pick<RuntimeApi, 'getURL'>;
  randomBytes: (n: number) => Uint8Array;
  now?: () => number; // ms
  /** Records the grant (and tells the site) before the waiting requests resolve. */
  onApprove: (origin: string, identities: string[]) => Promise<void>;
}

interface Waiter {
  resolve: (identities: string[]) => void;
  reject: (e: RpcError) => void;
}

const rejected = (): RpcError => new RpcError(RPC.userRejected, 'User rejected the request.');

export class Approvals {
  readonly #i: ApprovalsInit;
  readonly #now: () => number;
  readonly #waiters = new Map<string, Waiter[]>(); // approval id -> requests waiting on it
  #shown: { id: string; windowId: number } | undefined;
  #pumping: Promise<void> = Promise.resolve();

  constructor(init: ApprovalsInit) {
    this.#i = init;
    this.#now = init.now ?? Date.now;
  }

  /** Re-attaches to the approvals a previous worker left (see the module comment), then shows the next. */
  async start(): Promise<void> {
    for (const row of await this.#i.rows.pending()) {
      const open = row.windowId !== undefined && (await this.#windowExists(row.windowId));
      if (open && !this.#shown) this.#shown = { id: row.id, windowId: row.windowId! };
      else if (!open && row.windowId !== undefined) await this.#i.rows.remove(row.id);
      else if (open) await this.#close(row.windowId!); // a second window: only one is shown at a time
    }
    this.#pump();
  }

  /** Asks the user to connect `origin`; resolves to the chosen identity ids, rejects 4001. */
  async request(origin: string): Promise<string[]> {
    const pending = (await this.#i.rows.pending()).find((r) => r.origin === origin);
    let id = pending?.id;
    if (!id) {
      id = toHex(this.#i.randomBytes(16), false);
      await this.#i.rows.add({ id, origin, method: 'shh_requestIdentities', createdAt: this.#now() });
    }
    const answer = new Promise<string[]>((resolve, reject) => {
      const list = this.#waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(id, list);
    });
    this.#pump();
    return answer;
  }

  get(id: string): Promise<ApprovalRow | undefined> {
    return this.#i.rows.get(id);
  }

  async pendingCount(): Promise<number> {
    return (await this.#i.rows.pending()).length;
  }

  /** The user's decision from the approval window. False when the approval was already decided. */
  async decide(id: string, approve: boolean, identities: string[]): Promise<boolean> {
    const row = await this.#i.rows.get(id);
    if (!row || !(await this.#i.rows.remove(id))) return false;
    const waiters = this.#waiters.get(id) ?? [];
    this.#waiters.delete(id);
    try {
      if (approve) await this.#i.onApprove(row.origin, identities);
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
    for (const w of waiters) approve ? w.resolve([...identities]) : w.reject(rejected());
    return true;
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

  #pump(): void {
    this.#pumping = this.#pumping.then(() => this.#showNext()).catch(() => undefined);
  }

  async #showNext(): Promise<void> {
    if (this.#shown) return;
    const next = (await this.#i.rows.pending())[0];
    if (!next) return;
    const win = await this.#i.windows.create({
      type: 'popup',
      url: this.#i.runtime.getURL(`${APPROVAL_PAGE}?id=${encodeURIComponent(next.id)}`),
      width: 400,
      height: 560,
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
      return false;
    }
  }

  async #close(windowId: number): Promise<void> {
    try {
      await this.#i.windows.remove(windowId);
    } catch {
      // already closed by the user
    }
  }
}
