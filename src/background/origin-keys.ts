// The KeyStore (src/api/keys.ts) of one origin (docs/PROTOCOL.md §4): the origin's own keys, sealed by the vault in
// IndexedDB (associated data names origin, kind and id, so a box cannot serve another origin), plus
// the identities the user granted it, usable by id as `sig` and `privateKeyID` but never exported.
// The grant is read on every use, so a revoke takes effect on the next call; locked, every use is 4100.
// A granted identity always wins over a key of the origin with the same id (one could come from a
// crafted backup): the key never signs or decrypts in the identity's name.

import { PRIVATE_KEY_LENGTH } from '../core/constants.ts';
import { isValidPrivateKey } from '../core/signature.ts';
import { checkPrivateKey, checkSymKey, newKeyId, type KeyStore } from '../api/keys.ts';
import type { KeyKind, KeyRows } from '../store/keys.ts';
import type { PermissionRows } from '../store/permissions.ts';
import { AAD } from './vault-crypto.ts';
import type { Vault } from './vault.ts';

export interface OriginKeysInit {
  origin: string;
  keys: KeyRows;
  /** Opens a granted identity's private key (src/background/identities.ts). */
  identityKey: (id: string) => Promise<Uint8Array | undefined>;
  permissions: PermissionRows;
  vault: Vault;
  randomBytes: (n: number) => Uint8Array;
}

export class OriginKeyStore implements KeyStore {
  readonly #i: OriginKeysInit;

  constructor(init: OriginKeysInit) {
    this.#i = init;
  }

  async newKeyPair(): Promise<string> {
    for (;;) {
      const k = this.#i.randomBytes(PRIVATE_KEY_LENGTH);
      if (isValidPrivateKey(k)) return this.addPrivateKey(k);
    }
  }

  async addPrivateKey(privateKey: Uint8Array): Promise<string> {
    checkPrivateKey(privateKey);
    return this.#insert('pair', privateKey);
  }

  deleteKeyPair(id: string): Promise<boolean> {
    return this.#i.keys.remove(this.#i.origin, 'pair', id);
  }

  async hasKeyPair(id: string): Promise<boolean> {
    return (await this.#i.keys.has(this.#i.origin, 'pair', id)) || (await this.#grantedId(id));
  }

  async privateKey(id: string): Promise<Uint8Array | undefined> {
    return (await this.#grantedId(id)) ? this.#i.identityKey(id) : this.#own('pair', id);
  }

  /** Only keys the origin created or added itself: an identity's private key never leaves. */
  async exportPrivateKey(id: string): Promise<Uint8Array | undefined> {
    return (await this.#grantedId(id)) ? undefined : this.#own('pair', id);
  }

  async addSymKey(key: Uint8Array): Promise<string> {
    checkSymKey(key);
    return this.#insert('sym', key);
  }

  deleteSymKey(id: string): Promise<boolean> {
    return this.#i.keys.remove(this.#i.origin, 'sym', id);
  }

  hasSymKey(id: string): Promise<boolean> {
    return this.#i.keys.has(this.#i.origin, 'sym', id);
  }

  symKey(id: string): Promise<Uint8Array | undefined> {
    return this.#own('sym', id);
  }

  async #own(kind: KeyKind, id: string): Promise<Uint8Array | undefined> {
    const row = await this.#i.keys.get(this.#i.origin, kind, id);
    if (!row?.sealed) return undefined;
    return this.#i.vault.open(row.sealed, AAD.key(this.#i.origin, kind, id));
  }

  async #grantedId(id: string): Promise<boolean> {
    return (await this.#i.permissions.get(this.#i.origin))?.identities.includes(id) ?? false;
  }

  async #insert(kind: KeyKind, key: Uint8Array): Promise<string> {
    for (;;) {
      const id = newKeyId(this.#i.randomBytes);
      const sealed = await this.#i.vault.seal(key, AAD.key(this.#i.origin, kind, id));
      if (await this.#i.keys.insert(this.#i.origin, kind, id, sealed)) return id;
    }
  }
}

/** Seals schema-2 key rows still in the clear (first unlock after the upgrade); returns how many. */
export async function sealClearKeys(keys: KeyRows, vault: Vault): Promise<number> {
  let n = 0;
  for (const row of await keys.all()) {
    if (!row.key) continue;
    await keys.seal(row.origin, row.kind, row.id, await vault.seal(row.key, AAD.key(row.origin, row.kind, row.id)));
    n++;
  }
  return n;
}
