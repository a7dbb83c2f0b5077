// The vault: every secret the extension keeps is sealed under one random data key, itself
// wrapped under PBKDF2-SHA256(password). Unlocked, the data key lives in memory and in the browser's
// memory-only storage.session (so a restarted service worker stays unlocked); locked, neither holds it.
// A wrong password is an error and changes nothing; only wipe() deletes, and only when asked.

import { fromHex, toHex } from '../core/bytes.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import type { SealedBox, VaultMeta } from '../store/db.ts';
import type { VaultRows } from '../store/vault.ts';
import { AAD, aesKey, DATA_KEY_BYTES, deriveKey, KDF_ITERATIONS, MIN_PASSWORD_LENGTH, open, SALT_BYTES, seal } from './vault-crypto.ts';
import { createLog } from '../rpc/log.ts';

const log = createLog('shh:bg:vault');

export type VaultState = 'new' | 'locked' | 'unlocked';

/** What pages are told while the vault is locked (or not created yet): 4100 with this text. */
export const LOCKED_MESSAGE = 'The Whisper extension is locked: unlock it from its toolbar button.';
export const WRONG_PASSWORD = 'Wrong password. Nothing was changed; try again.';
/** The storage.session item holding the unlocked data key. */
export const SESSION_ITEM = 'shh-vault-session';

export const lockedError = (): RpcError => new RpcError(RPC.unauthorized, LOCKED_MESSAGE);

/** chrome.storage.session / browser.storage.session: memory only, not readable by content scripts. */
export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface VaultInit {
  rows: VaultRows;
  /** Absent (or failing): the key is kept in memory only, which a persistent background page is. */
  session?: SessionArea;
  randomBytes: (n: number) => Uint8Array;
  now?: () => number; // ms
  /** KDF cost of new vaults and backups; unlocking uses whatever the stored record says. */
  iterations?: number;
}

export class Vault {
  readonly #i: VaultInit;
  readonly #listeners = new Set<(state: VaultState) => void>();
  #meta: VaultMeta | undefined;
  #key: CryptoKey | undefined;
  #started: Promise<void> | undefined;

  constructor(init: VaultInit) {
    this.#i = init;
  }

  /** Loads the record and, if storage.session holds this vault's data key, comes back unlocked. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      this.#meta = await this.#i.rows.get();
      if (!this.#meta || !this.#i.session) return;
      try {
        const item = (await this.#i.session.get(SESSION_ITEM))[SESSION_ITEM] as { salt?: unknown; key?: unknown } | undefined;
        if (item?.salt !== toHex(this.#meta.kdf.salt) || typeof item.key !== 'string') return;
        const key = await aesKey(fromHex(item.key, true));
        await open(key, this.#meta.check, AAD.check); // the key belongs to this vault
        this.#key = key;
      } catch (e) {
        log.warn('a stale or damaged session key: staying locked', e);
      }
    })();
    return this.#started;
  }

  get state(): VaultState {
    return !this.#meta ? 'new' : this.#key ? 'unlocked' : 'locked';
  }

  get iterations(): number | undefined {
    return this.#meta?.kdf.iterations;
  }

  onChange(listener: (state: VaultState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** First run: a new vault under `password`, unlocked. */
  async create(password: string): Promise<void> {
    checkPassword(password);
    if ((await this.#i.rows.get()) !== undefined) throw new RpcError(RPC.invalidParams, 'A vault already exists: unlock it instead.');
    const iterations = this.#i.iterations ?? KDF_ITERATIONS;
    const salt = this.#i.randomBytes(SALT_BYTES);
    const dataKey = this.#i.randomBytes(DATA_KEY_BYTES);
    const kek = await aesKey(await deriveKey(password, salt, iterations));
    const key = await aesKey(dataKey);
    const meta: VaultMeta = {
      version: 1,
      kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt },
      cipher: 'AES-256-GCM',
      wrappedKey: await seal(kek, dataKey, AAD.dataKey, this.#i.randomBytes),
      check: await seal(key, new Uint8Array(0), AAD.check, this.#i.randomBytes),
      createdAt: (this.#i.now ?? Date.now)(),
    };
    if (!(await this.#i.rows.create(meta))) throw new RpcError(RPC.invalidParams, 'A vault already exists: unlock it instead.');
    this.#meta = meta;
    await this.#unlocked(key, dataKey);
  }

  /** Unlocks with the password; a wrong one throws WRONG_PASSWORD (-32602) and changes nothing. */
  async unlock(password: string): Promise<void> {
    await this.start();
    if (!this.#meta) throw new RpcError(RPC.invalidParams, 'There is no vault yet: create one first.');
    const dataKey = await this.#unwrap(password);
    await this.#unlocked(await aesKey(dataKey), dataKey);
  }

  /** Checks a password without changing state (exports ask for it again). */
  async verify(password: string): Promise<void> {
    if (!this.#meta) throw new RpcError(RPC.invalidParams, 'There is no vault yet.');
    await this.#unwrap(password);
  }

  async lock(): Promise<void> {
    const was = this.state;
    this.#key = undefined;
    await this.#i.session?.remove(SESSION_ITEM).catch(log.catcher('forgetting the session key at lock'));
    if (was === 'unlocked') this.#emit();
  }

  /** Forgets the vault record (the caller deletes the sealed rows): back to first run. */
  async wipe(): Promise<void> {
    await this.#i.rows.clear();
    this.#meta = undefined;
    this.#key = undefined;
    await this.#i.session?.remove(SESSION_ITEM).catch(log.catcher('forgetting the session key at wipe'));
    this.#emit();
  }

  async seal(plaintext: Uint8Array, aad: string): Promise<SealedBox> {
    return seal(this.#unlockedKey(), plaintext, aad, this.#i.randomBytes);
  }

  /** Opens a box sealed by this vault; throws 4100 while locked, -32603 when the box was tampered with. */
  async open(box: SealedBox, aad: string): Promise<Uint8Array> {
    const key = this.#unlockedKey();
    try {
      return await open(key, box, aad);
    } catch {
      throw new RpcError(RPC.internal, 'a sealed key could not be opened (damaged or moved)');
    }
  }

  #unlockedKey(): CryptoKey {
    if (!this.#key) throw lockedError();
    return this.#key;
  }

  async #unwrap(password: string): Promise<Uint8Array> {
    if (typeof password !== 'string' || password.length === 0) throw new RpcError(RPC.invalidParams, WRONG_PASSWORD);
    const { kdf, wrappedKey } = this.#meta!;
    const kek = await aesKey(await deriveKey(password, kdf.salt, kdf.iterations));
    try {
      return await open(kek, wrappedKey, AAD.dataKey);
    } catch {
      throw new RpcError(RPC.invalidParams, WRONG_PASSWORD);
    }
  }

  async #unlocked(key: CryptoKey, dataKey: Uint8Array): Promise<void> {
    this.#key = key;
    try {
      await this.#i.session?.set({ [SESSION_ITEM]: { salt: toHex(this.#meta!.kdf.salt), key: toHex(dataKey) } });
    } catch (e) {
      log.warn('no storage.session: the key stays in this context\'s memory only', e);
    }
    dataKey.fill(0);
    this.#emit();
  }

  #emit(): void {
    const s = this.state;
    for (const l of this.#listeners) l(s);
  }
}

export function checkPassword(password: unknown): asserts password is string {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD_LENGTH)
    throw new RpcError(RPC.invalidParams, `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
}
