// Connected sites (docs/PROTOCOL.md §4 access; EIP-2255-like records: who = the origin, what = the identities it
// may use, when = connectedAt and each identity's grant time). No row means not connected. The origin
// is the browser-reported one, stored exactly as shown to the user in the approval window.

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

  /** Connects a site, replacing an earlier grant; identities granted before keep their grant time. */
  async grant(origin: string, identities: readonly string[], connectedAt: number): Promise<PermissionRow> {
    const tx = this.#db.transaction('permissions', 'readwrite', { durability: 'strict' });
    const old = await tx.store.get(origin);
    const grantedAt: Record<string, number> = {};
    for (const id of identities) grantedAt[id] = old?.identities.includes(id) ? (old.grantedAt?.[id] ?? old.connectedAt) : connectedAt;
    const row: PermissionRow = { origin, connectedAt, identities: [...identities], grantedAt };
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

  /**
   * Takes one identity away from one site (or from every site when origin is undefined); the sites
   * stay connected. Returns the rows that changed, as they are now.
   */
  async revokeIdentity(identity: string, origin?: string): Promise<PermissionRow[]> {
    const tx = this.#db.transaction('permissions', 'readwrite', { durability: 'strict' });
    const rows = origin === undefined ? await tx.store.getAll() : [await tx.store.get(origin)].filter((r) => r !== undefined);
    const changed: PermissionRow[] = [];
    for (const row of rows) {
      if (!row.identities.includes(identity)) continue;
      row.identities = row.identities.filter((i) => i !== identity);
      if (row.grantedAt) delete row.grantedAt[identity];
      await tx.store.put(row);
      changed.push(row);
    }
    await tx.done;
    return changed;
  }

  async clear(): Promise<void> {
    await this.#db.clear('permissions');
  }
}
