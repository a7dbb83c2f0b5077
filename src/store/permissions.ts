// Connected sites (SPEC §4 access; EIP-2255-like records): one row per origin with the time the user
// connected it and the identities it may use. No row means not connected. The origin is the
// browser-reported one, stored exactly as shown to the user in the approval window.

import type { PermissionRow, WhisperDatabase } from './db.ts';

export class PermissionRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  async get(origin: string): Promise<PermissionRow | undefined> {
    return this.#db.get('permissions', origin);
  }

  async list(): Promise<PermissionRow[]> {
    return this.#db.getAll('permissions');
  }

  /** Connects a site, replacing an earlier grant. */
  async grant(origin: string, identities: readonly string[], connectedAt: number): Promise<PermissionRow> {
    const row: PermissionRow = { origin, connectedAt, identities: [...identities] };
    const tx = this.#db.transaction('permissions', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put(row), tx.done]);
    return row;
  }

  /** Disconnects a site; false when it was not connected. */
  async revoke(origin: string): Promise<boolean> {
    const tx = this.#db.transaction('permissions', 'readwrite', { durability: 'strict' });
    const found = (await tx.store.getKey(origin)) !== undefined;
    if (found) await tx.store.delete(origin);
    await tx.done;
    return found;
  }
}
