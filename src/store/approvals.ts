// The approval queue (docs/PROTOCOL.md §4 shh_requestIdentities): pending requests, oldest first, with the id of
// the window showing each. Kept in IndexedDB so a pending approval outlives a service-worker restart.

import type { ApprovalRow, WhisperDatabase } from './db.ts';

export class ApprovalRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  async add(row: ApprovalRow): Promise<void> {
    const tx = this.#db.transaction('approvals', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.add(row), tx.done]);
  }

  async get(id: string): Promise<ApprovalRow | undefined> {
    return this.#db.get('approvals', id);
  }

  /** Pending approvals, oldest first. */
  async pending(): Promise<ApprovalRow[]> {
    return this.#db.getAllFromIndex('approvals', 'createdAt');
  }

  async setWindow(id: string, windowId: number | undefined): Promise<void> {
    const tx = this.#db.transaction('approvals', 'readwrite', { durability: 'strict' });
    const row = await tx.store.get(id);
    if (row) {
      if (windowId === undefined) delete row.windowId;
      else row.windowId = windowId;
      await tx.store.put(row);
    }
    await tx.done;
  }

  /** Removes a decided approval; false if it was already gone (decided twice, or by another path). */
  async remove(id: string): Promise<boolean> {
    const tx = this.#db.transaction('approvals', 'readwrite', { durability: 'strict' });
    const found = (await tx.store.getKey(id)) !== undefined;
    if (found) await tx.store.delete(id);
    await tx.done;
    return found;
  }
}
