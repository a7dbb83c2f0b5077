// The extension's IndexedDB schema (docs/ARCHITECTURE.md): one database, one object store
// per concern, each used only through its module in src/store/. Schema changes go here and only here,
// as numbered upgrade steps, so the worker and the offscreen document (same origin) agree on the shape.

import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { normaliseWatcherParams } from './watcher-criteria.ts';

export const DB_NAME = 'shh';
export const DB_VERSION = 4;

/** One live envelope of the peer's pool (src/store/envelopes.ts). */
export interface EnvelopeRow {
  hash: string; // 0x + 64 hex, the envelope hash (docs/PROTOCOL.md)
  expiry: number; // unix seconds
  rlp: Uint8Array; // the wire bytes, re-validated when loaded
}

/**
 * Secret bytes sealed by the vault (src/background/vault.ts): AES-256-GCM under the vault's data key,
 * `ct` = ciphertext ‖ 16-byte tag, with the row's identity as associated data so a box cannot be
 * moved to another row. Every secret the extension keeps is stored as one of these.
 */
export interface SealedBox {
  iv: Uint8Array; // 12 bytes, random per seal
  ct: Uint8Array;
}

/** A key of one origin (src/store/keys.ts): a key pair's private key or a symmetric key. */
export interface KeyRow {
  origin: string;
  kind: 'pair' | 'sym';
  id: string; // 64 hex, geth's key id
  sealed?: SealedBox;
  /** Schema 2 kept keys in the clear; such rows are sealed and this field deleted at the first unlock. */
  key?: Uint8Array;
}

/** A user identity (src/store/identities.ts); sites get its id and public key, never the key. */
export interface IdentityRow {
  id: string; // 64 hex
  name: string;
  publicKey?: string; // 0x + 130 hex (uncompressed); absent only on schema-2 rows not yet migrated
  sealed?: SealedBox;
  /** Schema 2 only (clear): sealed and deleted at the first unlock. */
  privateKey?: Uint8Array;
  createdAt: number; // ms
}

/** A site the user connected (EIP-2255-like: who = origin, what = the identities, when), src/store/permissions.ts. */
export interface PermissionRow {
  origin: string;
  connectedAt: number; // ms
  identities: string[];
  /** When each identity was granted (ms); schema-2 rows lack it and read as connectedAt. */
  grantedAt?: Record<string, number>;
}

/**
 * The vault's parameters and wrapped data key (src/store/vault.ts), kept beside the ciphertexts so
 * the KDF cost can be raised later: the data key is wrapped under PBKDF2-SHA256(password, salt).
 */
export interface VaultMeta {
  version: 1;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: Uint8Array };
  cipher: 'AES-256-GCM';
  wrappedKey: SealedBox; // the 32-byte data key
  /** The data key sealed over nothing: lets a key kept in storage.session be checked against this vault. */
  check: SealedBox;
  createdAt: number; // ms
}

/** The user's settings (src/store/settings.ts); nothing secret. */
export interface SettingsRow {
  relays?: string[] | undefined; // multiaddrs; absent = the build's default list
  minPow?: number;
  maxSize?: number;
  autoLockMinutes?: number;
  relaysOnly?: boolean; // no direct WebRTC links to other browsers (docs/PRIVACY.md "Relays only")
  darkByDefault?: boolean; // a post without `dark` goes dark (docs/PRIVACY.md "The mix layer"); absent = the build's default (on)
  alwaysDark?: boolean; // a site's `dark: false` cannot override it
}

/** Per-site message counts (src/store/activity.ts). */
export interface ActivityRow {
  origin: string;
  posted: number;
  received: number;
  lastPostedAt?: number; // ms
  lastReceivedAt?: number; // ms
}

/** A pending shh_requestIdentities, src/store/approvals.ts. */
export interface ApprovalRow {
  id: string;
  origin: string;
  method: 'shh_requestIdentities';
  createdAt: number; // ms
  windowId?: number;
  /** The top-level page's origin when the request came from an embedded frame of another origin. */
  embeddedIn?: string;
}

/** A subscription or polled filter of one document (origin, session), src/store/watchers.ts, as used in memory. */
export interface WatcherRow {
  id: string; // the id the page holds
  origin: string;
  session: string;
  kind: 'subscription' | 'filter';
  params: unknown[]; // the normalised criteria (src/store/watcher-criteria.ts), re-played after a worker restart
  createdAt: number; // ms
  detachedAt?: number; // ms; set while no Port of the session is attached
}

/** A watcher without its criteria: what can be read while the vault is locked. */
export type WatcherMeta = Omit<WatcherRow, 'params'>;

/**
 * A watcher as stored: its criteria (which name topics and keys) sealed by the vault, so a copied
 * profile does not tell which conversations were followed. `params` only on rows of schema 3, already
 * normalised by the upgrade, until the first unlock seals them.
 */
export interface WatcherRecord extends WatcherMeta {
  sealed?: SealedBox;
  params?: unknown[];
  /** The highest delivery sequence number handed out (origin-scope.ts): a restarted worker goes on above it. */
  seq?: number;
}

/**
 * One message handed to a watcher under its sequence number (in memory), written before it is sent,
 * so a re-registered watcher sends it again under the same number or, at or below the page's cursor, not at all.
 */
export interface DeliveredRow {
  watcher: string;
  hash: string; // 0x hex
  expiry: number; // unix seconds: the row can go once the envelope is gone
  seq?: number; // the watcher's delivery sequence number; absent on rows written before sequences (never sent again)
}

/** A delivered row as stored: the envelope hash sealed by the vault, under a random row id `n`. */
export interface DeliveredRecord {
  watcher: string;
  n: string; // 16 hex, random
  expiry: number;
  seq?: number;
  sealed: SealedBox;
}

export interface WhisperDB extends DBSchema {
  envelopes: { key: string; value: EnvelopeRow; indexes: { expiry: number } };
  /** The peer host's libp2p private key (protobuf bytes), under the key 'libp2p' (src/store/peer-identity.ts). */
  peerIdentity: { key: string; value: Uint8Array };
  keys: { key: [string, string, string]; value: KeyRow; indexes: { origin: string } };
  identities: { key: string; value: IdentityRow };
  permissions: { key: string; value: PermissionRow };
  approvals: { key: string; value: ApprovalRow; indexes: { createdAt: number } };
  watchers: { key: string; value: WatcherRecord; indexes: { session: [string, string]; origin: string } };
  delivered: { key: [string, string]; value: DeliveredRecord; indexes: { expiry: number } };
  /** Under the key 'meta'. */
  vault: { key: string; value: VaultMeta };
  /** Under the key 'settings'. */
  settings: { key: string; value: SettingsRow };
  activity: { key: string; value: ActivityRow };
}

export type WhisperDatabase = IDBPDatabase<WhisperDB>;

/** Schema 3 kept each watcher's raw params (up to a whole request): keep only the criteria. */
async function normaliseOldWatchers(tx: IDBPTransaction<WhisperDB, StoreNames<WhisperDB>[], 'versionchange'>): Promise<void> {
  for (let c = await tx.objectStore('watchers').openCursor(); c; c = await c.continue()) {
    const row = c.value;
    await c.update({ ...row, params: normaliseWatcherParams(row.kind, Array.isArray(row.params) ? row.params : []) });
  }
}

/** Opens (creating or upgrading) the database; `name` lets tests use a fresh one each. */
export function openWhisperDb(name: string = DB_NAME): Promise<WhisperDatabase> {
  return openDB<WhisperDB>(name, DB_VERSION, {
    async upgrade(db, oldVersion, _newVersion, tx) {
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
      // Schema 3 (vault): clear keys of schema 2 stay as they are until the first unlock seals them,
      // since sealing needs the password, which an upgrade does not have.
      if (oldVersion < 3) {
        db.createObjectStore('vault');
        db.createObjectStore('settings');
        db.createObjectStore('activity', { keyPath: 'origin' });
      }
      // Schema 4 (metadata at rest): watcher rows keep only their normalised criteria (sealed at the
      // first unlock, as schema-2 keys were); delivered rows held envelope hashes in the clear and are
      // dropped: a replayed watcher may repeat a message, which the content bridge drops for its page.
      if (oldVersion < 4) {
        if (oldVersion >= 2) await normaliseOldWatchers(tx);
        if (db.objectStoreNames.contains('delivered')) db.deleteObjectStore('delivered');
        db.createObjectStore('delivered', { keyPath: ['watcher', 'n'] }).createIndex('expiry', 'expiry');
      }
    },
    // Another context (worker or offscreen document) wants a newer schema: let it have the database.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
    },
  });
}
