// The browser's EnvelopeStore (src/core/envelope-store.ts; docs/PROTOCOL.md §1.5 pool, §5.3 "on disk
// before forwarded"): object store `envelopes` of src/store/db.ts, keyed by the hash in 0x hex, indexed
// by expiry. put() resolves only once its transaction committed with strict durability; rows are raw
// wire bytes that the loader (src/net/admission.ts) re-validates, so nothing read back is trusted
// more than a network envelope.

import { toHex } from '../core/bytes.ts';
import type { EnvelopeStore as DurableEnvelopes, StorableEnvelope } from '../core/envelope-store.ts';
import type { EnvelopeRow, WhisperDatabase } from './db.ts';

export type { StorableEnvelope } from '../core/envelope-store.ts';

function toRow(e: StorableEnvelope): EnvelopeRow {
  if (!(e.rlp instanceof Uint8Array) || !(e.hash instanceof Uint8Array) || e.hash.length !== 32)
    throw new TypeError('envelope must carry rlp bytes and a 32-byte hash');
  if (!Number.isSafeInteger(e.expiry) || e.expiry < 0) throw new RangeError('expiry must be a non-negative integer');
  return { hash: toHex(e.hash), expiry: e.expiry, rlp: e.rlp.slice() };
}

export class EnvelopeStore implements DurableEnvelopes {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  /** Writes one envelope; resolves once it is committed. A second put of the same hash is a no-op overwrite. */
  async put(e: StorableEnvelope): Promise<void> {
    const row = toRow(e);
    const tx = this.#db.transaction('envelopes', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put(row), tx.done]);
  }

  /**
   * Writes several envelopes in one transaction (catch-up's batches: one commit instead of one each);
   * resolves once it committed, rejects (nothing written) when it could not.
   */
  async putMany(es: readonly StorableEnvelope[]): Promise<void> {
    const rows = es.map(toRow);
    if (rows.length === 0) return;
    const tx = this.#db.transaction('envelopes', 'readwrite', { durability: 'strict' });
    await Promise.all([...rows.map((row) => tx.store.put(row)), tx.done]);
  }

  /** Removes one envelope (expired or evicted from the pool); unknown hashes are ignored. */
  async remove(hash: Uint8Array): Promise<void> {
    await this.removeRow(toHex(hash));
  }

  /** Removes a row by its stored key (a row the loader refused may not even decode). */
  async removeRow(key: string): Promise<void> {
    const tx = this.#db.transaction('envelopes', 'readwrite');
    await Promise.all([tx.store.delete(key), tx.done]);
  }

  /** Deletes a row the loader refused, by its stored key (it may not even decode). */
  async discard(row: EnvelopeRow): Promise<void> {
    await this.removeRow(row.hash);
  }

  /** Rows whose expiry is at or after `nowSeconds` (the pool keeps an envelope through its expiry second). */
  async live(nowSeconds: number): Promise<EnvelopeRow[]> {
    return this.#db.getAllFromIndex('envelopes', 'expiry', IDBKeyRange.lowerBound(nowSeconds));
  }

  /** Deletes every row that expired before `nowSeconds`; returns how many. */
  async deleteExpired(nowSeconds: number): Promise<number> {
    const tx = this.#db.transaction('envelopes', 'readwrite');
    let n = 0;
    let cursor = await tx.store.index('expiry').openCursor(IDBKeyRange.upperBound(nowSeconds, true));
    while (cursor) {
      await cursor.delete();
      n++;
      cursor = await cursor.continue();
    }
    await tx.done;
    return n;
  }

  async count(): Promise<number> {
    return this.#db.count('envelopes');
  }
}
