// The user's identities (SPEC §4 shh_requestIdentities): named key pairs a site may be granted. A
// site sees an identity's id, name and public key; the private key is read only by the background to
// sign and decrypt. Managing identities (create, rename, vault) comes in a later issue.

import type { IdentityRow, WhisperDatabase } from './db.ts';

export class IdentityRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  async add(row: IdentityRow): Promise<void> {
    const tx = this.#db.transaction('identities', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.add({ ...row, privateKey: row.privateKey.slice() }), tx.done]);
  }

  async get(id: string): Promise<IdentityRow | undefined> {
    return this.#db.get('identities', id);
  }

  async list(): Promise<IdentityRow[]> {
    return this.#db.getAll('identities');
  }

  async remove(id: string): Promise<void> {
    await this.#db.delete('identities', id);
  }
}
