// The user's identities (docs/PROTOCOL.md §4 shh_requestIdentities): named key pairs a site may be granted. Rows
// hold the name and public key in the clear (lists work without unlocking) and the private key only
// as a vault-sealed box, opened by the background to sign and decrypt.

import { copyBox } from './keys.ts';
import type { IdentityRow, WhisperDatabase } from './db.ts';

export class IdentityRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  /** Adds a new identity; rejects (ConstraintError) when the id exists. */
  async add(row: IdentityRow): Promise<void> {
    const tx = this.#db.transaction('identities', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.add(copyRow(row)), tx.done]);
  }

  /** Writes a row whole (rename, sealing a schema-2 row). */
  async put(row: IdentityRow): Promise<void> {
    const tx = this.#db.transaction('identities', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put(copyRow(row)), tx.done]);
  }

  async get(id: string): Promise<IdentityRow | undefined> {
    return this.#db.get('identities', id);
  }

  /** Oldest first, so the popup's order is stable. */
  async list(): Promise<IdentityRow[]> {
    return (await this.#db.getAll('identities')).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async rename(id: string, name: string): Promise<boolean> {
    const tx = this.#db.transaction('identities', 'readwrite', { durability: 'strict' });
    const row = await tx.store.get(id);
    if (row) await tx.store.put({ ...row, name });
    await tx.done;
    return row !== undefined;
  }

  async remove(id: string): Promise<boolean> {
    const tx = this.#db.transaction('identities', 'readwrite', { durability: 'strict' });
    const found = (await tx.store.getKey(id)) !== undefined;
    if (found) await tx.store.delete(id);
    await tx.done;
    return found;
  }

  async clear(): Promise<void> {
    await this.#db.clear('identities');
  }
}

function copyRow(row: IdentityRow): IdentityRow {
  const { privateKey, sealed, ...rest } = row;
  return { ...rest, ...(sealed ? { sealed: copyBox(sealed) } : {}), ...(privateKey ? { privateKey: privateKey.slice() } : {}) };
}
