// The KeyStore (src/api/keys.ts) of one origin (SPEC §4): the origin's own keys in IndexedDB, plus the
// identities the user granted it, usable by id as `sig` and `privateKeyID` but never exported. The
// grant is read on every use, so a revoke takes effect on the next call.

import { PRIVATE_KEY_LENGTH } from '../core/constants.ts';
import { isValidPrivateKey } from '../core/signature.ts';
import { checkPrivateKey, checkSymKey, newKeyId, type KeyStore } from '../api/keys.ts';
import type { IdentityRows } from '../store/identities.ts';
import type { KeyKind, KeyRows } from '../store/keys.ts';
import type { PermissionRows } from '../store/permissions.ts';

export interface OriginKeysInit {
  origin: string;
  keys: KeyRows;
  identities: IdentityRows;
  permissions: PermissionRows;
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
    return (await this.#i.keys.has(this.#i.origin, 'pair', id)) || (await this.#granted(id)) !== undefined;
  }

  async privateKey(id: string): Promise<Uint8Array | undefined> {
    return (await this.#i.keys.get(this.#i.origin, 'pair', id)) ?? (await this.#granted(id));
  }

  /** Only keys the origin created or added itself: an identity's private key never leaves. */
  exportPrivateKey(id: string): Promise<Uint8Array | undefined> {
    return this.#i.keys.get(this.#i.origin, 'pair', id);
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
    return this.#i.keys.get(this.#i.origin, 'sym', id);
  }

  async #granted(id: string): Promise<Uint8Array | undefined> {
    const grant = await this.#i.permissions.get(this.#i.origin);
    if (!grant?.identities.includes(id)) return undefined;
    return (await this.#i.identities.get(id))?.privateKey.slice();
  }

  async #insert(kind: KeyKind, key: Uint8Array): Promise<string> {
    for (;;) {
      const id = newKeyId(this.#i.randomBytes);
      if (await this.#i.keys.insert(this.#i.origin, kind, id, key)) return id;
    }
  }
}
