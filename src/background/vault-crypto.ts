// The vault's cryptography: PBKDF2-SHA256 turns the password into a key-encryption key that
// wraps a random 32-byte data key; the data key seals every secret with AES-256-GCM and a fresh 12-byte
// IV, binding each box to its row through associated data. WebCrypto only; nothing here stores anything.

import type { SealedBox } from '../store/db.ts';

/** OWASP's 2023 floor for PBKDF2-HMAC-SHA256; stored beside the ciphertext so it can be raised later. */
export const KDF_ITERATIONS = 600_000;
export const SALT_BYTES = 16;
export const DATA_KEY_BYTES = 32;
export const IV_BYTES = 12;
export const MIN_PASSWORD_LENGTH = 8;

const enc = new TextEncoder();
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b); // a fresh ArrayBuffer-backed copy WebCrypto accepts

/** PBKDF2-HMAC-SHA256(password as NFC UTF-8, salt, iterations) -> 32 bytes. */
export async function deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new RangeError('iterations must be a positive integer');
  const base = await crypto.subtle.importKey('raw', enc.encode(password.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations }, base, 256);
  return new Uint8Array(bits);
}

/** An AES-256-GCM CryptoKey that cannot be exported again. */
export function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) throw new RangeError('AES-256 key must be 32 bytes');
  return crypto.subtle.importKey('raw', buf(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function seal(key: CryptoKey, plaintext: Uint8Array, aad: string, randomBytes: (n: number) => Uint8Array): Promise<SealedBox> {
  const iv = randomBytes(IV_BYTES);
  if (iv.length !== IV_BYTES) throw new RangeError('randomBytes returned the wrong length');
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: enc.encode(aad) }, key, buf(plaintext));
  return { iv: iv.slice(), ct: new Uint8Array(ct) };
}

/** Opens a box; throws (OperationError) when the key, the associated data or a byte is wrong. */
export async function open(key: CryptoKey, box: SealedBox, aad: string): Promise<Uint8Array> {
  if (!(box?.iv instanceof Uint8Array) || !(box.ct instanceof Uint8Array) || box.iv.length !== IV_BYTES) throw new TypeError('not a sealed box');
  const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(box.iv), additionalData: enc.encode(aad) }, key, buf(box.ct));
  return new Uint8Array(pt);
}

/** Associated data of each kind of row: a box opens only where it was sealed. */
export const AAD = {
  dataKey: 'shh-vault/data-key/1',
  check: 'shh-vault/check/1',
  backup: 'shh-vault/backup/1',
  identity: (id: string) => `shh-vault/identity/1/${id}`,
  key: (origin: string, kind: string, id: string) => `shh-vault/key/1/${kind}/${id}/${origin}`,
};
