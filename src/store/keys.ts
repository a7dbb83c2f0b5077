// Keys of each origin (docs/PROTOCOL.md §4 "keys belong to the origin that made them"): rows of the `keys`
// store keyed by (origin, kind, id). Every verb takes the origin, so no call can reach another
// origin's rows. Rows hold only vault-sealed boxes; the background seals and opens them.

import type { KeyRow, SealedBox, WhisperDatabase } from './db.ts';

export type KeyKind = KeyRow['kind'];

export class KeyRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  /** Stores a sealed key under an id that must be new for this origin and kind; false if the id is taken. */
  async insert(origin: string, kind: KeyKind, id: string, sealed: SealedBox): Promise<boolean> {
    const tx = this.#db.transaction('keys', 'readwrite', { durability: 'strict' });
    if ((await tx.store.getKey([origin, kind, id])) !== undefined) {
      await tx.done;
      return false;
    }
    await Promise.all([tx.store.add({ origin, kind, id, sealed: copyBox(sealed) }), tx.done]);
    return true;
  }

  async get(origin: string, kind: KeyKind, id: string): Promise<KeyRow | undefined> {
    return this.#db.get('keys', [origin, kind, id]);
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

  /** Every row (backup export, migration of schema-2 clear rows). */
  async all(): Promise<KeyRow[]> {
    return this.#db.getAll('keys');
  }

  /** Replaces a row with its sealed form: the clear `key` field of schema 2 is gone afterwards. */
  async seal(origin: string, kind: KeyKind, id: string, sealed: SealedBox): Promise<void> {
    const tx = this.#db.transaction('keys', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put({ origin, kind, id, sealed: copyBox(sealed) }), tx.done]);
  }

  /** Deletes every key of every origin (vault wipe). */
  async clear(): Promise<void> {
    await this.#db.clear('keys');
  }
}

export const copyBox = (b: SealedBox): SealedBox => ({ iv: b.iv.slice(), ct: b.ct.slice() });
