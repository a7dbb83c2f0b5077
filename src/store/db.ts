// The extension's IndexedDB schema (SPEC §4 persistence, ext design): one database, one object store
// per concern, each used only through its module in src/store/. Schema changes go here and only here,
// as numbered upgrade steps, so the worker and the offscreen document (same origin) agree on the shape.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const DB_NAME = 'shh';
export const DB_VERSION = 1;

/** One live envelope of the peer's pool (src/store/envelopes.ts). */
export interface EnvelopeRow {
  hash: string; // 0x + 64 hex, the envelope hash (SPEC §1)
  expiry: number; // unix seconds
  rlp: Uint8Array; // the wire bytes, re-validated when loaded
}

export interface WhisperDB extends DBSchema {
  envelopes: { key: string; value: EnvelopeRow; indexes: { expiry: number } };
  /** The peer host's libp2p private key (protobuf bytes), under the key 'libp2p' (src/store/peer-identity.ts). */
  peerIdentity: { key: string; value: Uint8Array };
}

export type WhisperDatabase = IDBPDatabase<WhisperDB>;

/** Opens (creating or upgrading) the database; `name` lets tests use a fresh one each. */
export function openWhisperDb(name: string = DB_NAME): Promise<WhisperDatabase> {
  return openDB<WhisperDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const envelopes = db.createObjectStore('envelopes', { keyPath: 'hash' });
        envelopes.createIndex('expiry', 'expiry');
        db.createObjectStore('peerIdentity');
      }
    },
    // Another context (worker or offscreen document) wants a newer schema: let it have the database.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
    },
  });
}
