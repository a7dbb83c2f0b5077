// Keys of each origin (SPEC §4 "keys belong to the origin that made them"): rows of the `keys`
// store keyed by (origin, kind, id). Every verb takes the origin, so no call can reach another
// origin's rows. Key bytes are stored as given; the vault (a later issue) will seal them here.

import type { KeyRow, WhisperDatabase } from './db.ts';

export type KeyKind = KeyRow['kind'];

export class KeyRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  /** Stores a key under an id that must be new for this origin and kind; false if the id is taken. */
  async insert(origin: string, kind: KeyKind, id: string, key: Uint8Array): Promise<boolean> {
    const tx = this.#db.transaction('keys', 'readwrite', { durability: 'strict' });
    if ((await tx.store.getKey([origin, kind, id])) !== undefined) {
      await tx.done;
      return false;
    }
    await Promise.all([tx.store.add({ origin, kind, id, key: key.slice() }), tx.done]);
    return true;
  }

  async get(origin: string, kind: KeyKind, id: string): Promise<Uint8Array | undefined> {
    const row = await this.#db.get('keys', [origin, kind, id]);
    return row?.key.slice();
  }

  async has(origin: string, kind: KeyKind, id: string): Promise<boolean> {
    return (await this.#db.getKey('keys', [origin, kind, id])) !== undefined;
  }

  /** Deletes one key; false when the origin had no such key. */
  async remove(origin: string, kind: KeyKind, id: string): Promise<boolean> {
    const tx = this.#db.transaction('keys', 'readwrite');
    const found = (await tx.store.getKey([origin, kind, id])) !== undefined;
    if (found) await tx.store.delete([origin, kind, id]);
    await tx.done;
    return found;
  }

  async count(origin: string): Promise<number> {
    return this.#db.countFromIndex('keys', 'origin', origin);
  }
}
