// Subscriptions and polled filters of each document (origin, session) with the params that made them,
// and the messages already handed to each (SPEC §4: each envelope once). After a worker restart the
// background replays a session's rows when its Port comes back, keeping the ids the page holds, and
// skips what was delivered. Delivered rows go when their envelope expires.

import type { DeliveredRow, WatcherRow, WhisperDatabase } from './db.ts';

export class WatcherRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  async put(row: WatcherRow): Promise<void> {
    const tx = this.#db.transaction('watchers', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put(row), tx.done]);
  }

  async get(id: string): Promise<WatcherRow | undefined> {
    return this.#db.get('watchers', id);
  }

  async ofSession(origin: string, session: string): Promise<WatcherRow[]> {
    return this.#db.getAllFromIndex('watchers', 'session', [origin, session]);
  }

  async ofOrigin(origin: string): Promise<WatcherRow[]> {
    return this.#db.getAllFromIndex('watchers', 'origin', origin);
  }

  async all(): Promise<WatcherRow[]> {
    return this.#db.getAll('watchers');
  }

  /** Marks every watcher of a session detached at `at` (or attached again with undefined). */
  async setDetached(origin: string, session: string, at: number | undefined): Promise<void> {
    const tx = this.#db.transaction('watchers', 'readwrite');
    for (const row of await tx.store.index('session').getAll([origin, session])) {
      if (at === undefined) delete row.detachedAt;
      else row.detachedAt = at;
      await tx.store.put(row);
    }
    await tx.done;
  }

  /** Deletes watchers and their delivered rows. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const tx = this.#db.transaction(['watchers', 'delivered'], 'readwrite');
    const delivered = tx.objectStore('delivered');
    for (const id of ids) {
      await tx.objectStore('watchers').delete(id);
      await delivered.delete(IDBKeyRange.bound([id, ''], [id, '\uffff']));
    }
    await tx.done;
  }

  /** Hashes already handed to a watcher, with their envelopes' expiry. */
  async delivered(watcher: string): Promise<Map<string, number>> {
    const rows = await this.#db.getAll('delivered', IDBKeyRange.bound([watcher, ''], [watcher, '\uffff']));
    return new Map(rows.map((r) => [r.hash, r.expiry]));
  }

  async markDelivered(rows: readonly DeliveredRow[]): Promise<void> {
    if (rows.length === 0) return;
    const tx = this.#db.transaction('delivered', 'readwrite');
    await Promise.all([...rows.map((r) => tx.store.put(r)), tx.done]);
  }

  /** Drops delivered rows of envelopes expired before `nowSeconds` (pass now minus the pool's tolerance); returns how many. */
  async sweepDelivered(nowSeconds: number): Promise<number> {
    const tx = this.#db.transaction('delivered', 'readwrite');
    let n = 0;
    for (let c = await tx.store.index('expiry').openCursor(IDBKeyRange.upperBound(nowSeconds, true)); c; c = await c.continue()) {
      await c.delete();
      n++;
    }
    await tx.done;
    return n;
  }
}
