// The vault's record (src/background/vault.ts): KDF parameters, salt and the wrapped data key, under
// the key 'meta' of the `vault` store. No row means no vault yet (first run). Nothing here is usable
// without the password.

import { copyBox } from './keys.ts';
import type { VaultMeta, WhisperDatabase } from './db.ts';

const KEY = 'meta';

export class VaultRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  async get(): Promise<VaultMeta | undefined> {
    return this.#db.get('vault', KEY);
  }

  /** Creates the vault record; false when one exists (two onboarding tabs racing). */
  async create(meta: VaultMeta): Promise<boolean> {
    const tx = this.#db.transaction('vault', 'readwrite', { durability: 'strict' });
    if ((await tx.store.getKey(KEY)) !== undefined) {
      await tx.done;
      return false;
    }
    await Promise.all([tx.store.add(copyMeta(meta), KEY), tx.done]);
    return true;
  }

  /** Replaces the record (a new password or raised KDF cost re-wraps the same data key). */
  async put(meta: VaultMeta): Promise<void> {
    const tx = this.#db.transaction('vault', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put(copyMeta(meta), KEY), tx.done]);
  }

  async clear(): Promise<void> {
    await this.#db.clear('vault');
  }
}

const copyMeta = (m: VaultMeta): VaultMeta => ({ ...m, kdf: { ...m.kdf, salt: m.kdf.salt.slice() }, wrappedKey: copyBox(m.wrappedKey), check: copyBox(m.check) });
