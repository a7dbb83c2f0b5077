// The browser peer's libp2p identity (ext design: a stable peer id per profile), kept in the
// `peerIdentity` store of src/store/db.ts as protobuf bytes. The first caller creates it; concurrent
// first callers agree because the read and the write share one transaction.

import type { WhisperDatabase } from './db.ts';

const KEY = 'libp2p';

/**
 * Returns the stored key bytes, or stores `create()`'s and returns those. `create` runs before the
 * transaction opens (IndexedDB transactions close on a foreign await), so a lost race wastes one key.
 */
export async function loadOrCreateIdentity(db: WhisperDatabase, create: () => Promise<Uint8Array>): Promise<Uint8Array> {
  const existing = await db.get('peerIdentity', KEY);
  if (existing instanceof Uint8Array) return existing;
  const fresh = await create();
  if (!(fresh instanceof Uint8Array) || fresh.length === 0) throw new TypeError('create() must return key bytes');
  const tx = db.transaction('peerIdentity', 'readwrite', { durability: 'strict' });
  const raced = await tx.store.get(KEY);
  if (raced instanceof Uint8Array) {
    await tx.done;
    return raced;
  }
  await Promise.all([tx.store.put(fresh.slice(), KEY), tx.done]);
  return fresh;
}
