// Key storage behind shh_* key methods (geth whisper.go): key pairs and symmetric keys under random
// 64-hex-character ids. The relay keeps them in memory for its operator; the extension implements
// KeyStore over its vault, scoped per origin. Errors use geth's texts.

import { bytesToKey } from '../core/bytes.ts';
import { PRIVATE_KEY_LENGTH, SYM_KEY_LENGTH } from '../core/constants.ts';
import { isValidPrivateKey } from '../core/signature.ts';
import { whisperFailure } from '../rpc/errors.ts';

export interface KeyStore {
  newKeyPair(): Promise<string>;
  addPrivateKey(privateKey: Uint8Array): Promise<string>;
  deleteKeyPair(id: string): Promise<boolean>;
  hasKeyPair(id: string): Promise<boolean>;
  /** For signing and decryption inside the node; undefined when unknown. */
  privateKey(id: string): Promise<Uint8Array | undefined>;
  /** For shh_getPrivateKey: a store may refuse keys that must not leave it (identities). */
  exportPrivateKey(id: string): Promise<Uint8Array | undefined>;
  addSymKey(key: Uint8Array): Promise<string>;
  deleteSymKey(id: string): Promise<boolean>;
  hasSymKey(id: string): Promise<boolean>;
  symKey(id: string): Promise<Uint8Array | undefined>;
}

/** geth's ids: 32 random bytes as 64 lowercase hex characters, no prefix. */
export const newKeyId = (randomBytes: (n: number) => Uint8Array): string => bytesToKey(randomBytes(32));

/** geth's crypto.ToECDSA checks, with its texts. */
export function checkPrivateKey(k: Uint8Array): void {
  if (k.length !== PRIVATE_KEY_LENGTH) throw whisperFailure('invalid length, need 256 bits');
  if (!isValidPrivateKey(k)) throw whisperFailure('invalid private key');
}

/** geth's AddSymKeyDirect check: the length only (an all-zero key is stored, then refused on use). */
export function checkSymKey(k: Uint8Array): void {
  if (k.length !== SYM_KEY_LENGTH) throw whisperFailure(`wrong key size: ${k.length}`);
}

/** geth's validateDataIntegrity(key, aesKeyLength): 32 bytes, not all zero ("invalid symmetric key" on use). */
export const isValidSymKey = (k: Uint8Array): boolean => k.length === SYM_KEY_LENGTH && k.some((b) => b !== 0);

/**
 * A subscription id as geth's rpc.NewID writes it: 0x and 16 random bytes as a hex quantity. geth trims
 * leading zero digits; we draw again instead, so ids always have 32 digits and still parse as geth's.
 */
export function newSubscriptionId(randomBytes: (n: number) => Uint8Array): string {
  for (;;) {
    const b = randomBytes(16);
    if (b[0]! >= 0x10) return `0x${bytesToKey(b)}`;
  }
}

export class MemoryKeyStore implements KeyStore {
  readonly #pairs = new Map<string, Uint8Array>();
  readonly #syms = new Map<string, Uint8Array>();
  readonly #random: (n: number) => Uint8Array;

  constructor(randomBytes: (n: number) => Uint8Array) {
    this.#random = randomBytes;
  }

  async newKeyPair(): Promise<string> {
    for (;;) {
      const k = this.#random(PRIVATE_KEY_LENGTH);
      if (isValidPrivateKey(k)) return this.addPrivateKey(k);
    }
  }

  async addPrivateKey(privateKey: Uint8Array): Promise<string> {
    checkPrivateKey(privateKey);
    const id = this.#freshId(this.#pairs);
    this.#pairs.set(id, privateKey.slice());
    return id;
  }

  async deleteKeyPair(id: string): Promise<boolean> {
    return this.#pairs.delete(id);
  }

  async hasKeyPair(id: string): Promise<boolean> {
    return this.#pairs.has(id);
  }

  async privateKey(id: string): Promise<Uint8Array | undefined> {
    return this.#pairs.get(id)?.slice();
  }

  exportPrivateKey(id: string): Promise<Uint8Array | undefined> {
    return this.privateKey(id);
  }

  async addSymKey(key: Uint8Array): Promise<string> {
    checkSymKey(key);
    const id = this.#freshId(this.#syms);
    this.#syms.set(id, key.slice());
    return id;
  }

  async deleteSymKey(id: string): Promise<boolean> {
    return this.#syms.delete(id);
  }

  async hasSymKey(id: string): Promise<boolean> {
    return this.#syms.has(id);
  }

  async symKey(id: string): Promise<Uint8Array | undefined> {
    return this.#syms.get(id)?.slice();
  }

  #freshId(map: Map<string, Uint8Array>): string {
    for (;;) {
      const id = newKeyId(this.#random);
      if (!map.has(id)) return id;
    }
  }
}
