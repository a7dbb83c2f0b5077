// The extension's IndexedDB schema (SPEC §4 persistence, ext design): one database, one object store
// per concern, each used only through its module in src/store/. Schema changes go here and only here,
// as numbered upgrade steps, so the worker and the offscreen document (same origin) agree on the shape.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const DB_NAME = 'shh';
export const DB_VERSION = 2;

/** One live envelope of the peer's pool (src/store/envelopes.ts). */
export interface EnvelopeRow {
  hash: string; // 0x + 64 hex, the envelope hash (SPEC §1)
  expiry: number; // unix seconds
  rlp: Uint8Array; // the wire bytes, re-validated when loaded
}

/** A key of one origin (src/store/keys.ts): a key pair's private key or a symmetric key. */
export interface KeyRow {
  origin: string;
  kind: 'pair' | 'sym';
  id: string; // 64 hex, geth's key id
  key: Uint8Array; // plain for now; a later issue seals it with the vault
}

/** A user identity (src/store/identities.ts); sites get its id and public key, never the key. */
export interface IdentityRow {
  id: string; // 64 hex
  name: string;
  privateKey: Uint8Array;
  createdAt: number; // ms
}

/** A site the user connected (EIP-2255-like), src/store/permissions.ts. */
export interface PermissionRow {
  origin: string;
  connectedAt: number; // ms
  identities: string[];
}

/** A pending shh_requestIdentities, src/store/approvals.ts. */
export interface ApprovalRow {
  id: string;
  origin: string;
  method: 'shh_requestIdentities';
  createdAt: number; // ms
  windowId?: number;
}

/** A subscription or polled filter of one document (origin, session), src/store/watchers.ts. */
export interface WatcherRow {
  id: string; // the id the page holds
  origin: string;
  session: string;
  kind: 'subscription' | 'filter';
  params: unknown[]; // the request's params as given, re-played after a worker restart
  createdAt: number; // ms
  detachedAt?: number; // ms; set while no Port of the session is attached
}

/** One message already handed to a watcher, so a re-registered watcher does not repeat it. */
export interface DeliveredRow {
  watcher: string;
  hash: string; // 0x hex
  expiry: number; // unix seconds: the row can go once the envelope is gone
}

export interface WhisperDB extends DBSchema {
  envelopes: { key: string; value: EnvelopeRow; indexes: { expiry: number } };
  /** The peer host's libp2p private key (protobuf bytes), under the key 'libp2p' (src/store/peer-identity.ts). */
  peerIdentity: { key: string; value: Uint8Array };
  keys: { key: [string, string, string]; value: KeyRow; indexes: { origin: string } };
  identities: { key: string; value: IdentityRow };
  permissions: { key: string; value: PermissionRow };
  approvals: { key: string; value: ApprovalRow; indexes: { createdAt: number } };
  watchers: { key: string; value: WatcherRow; indexes: { session: [string, string]; origin: string } };
  delivered: { key: [string, string]; value: DeliveredRow; indexes: { expiry: number } };
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
      if (oldVersion < 2) {
        const keys = db.createObjectStore('keys', { keyPath: ['origin', 'kind', 'id'] });
        keys.createIndex('origin', 'origin');
        db.createObjectStore('identities', { keyPath: 'id' });
        db.createObjectStore('permissions', { keyPath: 'origin' });
        db.createObjectStore('approvals', { keyPath: 'id' }).createIndex('createdAt', 'createdAt');
        const watchers = db.createObjectStore('watchers', { keyPath: 'id' });
        watchers.createIndex('session', ['origin', 'session']);
        watchers.createIndex('origin', 'origin');
        db.createObjectStore('delivered', { keyPath: ['watcher', 'hash'] }).createIndex('expiry', 'expiry');
      }
    },
    // Another context (worker or offscreen document) wants a newer schema: let it have the database.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
    },
  });
}
