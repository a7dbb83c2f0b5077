// Whisper's symmetric encryption (docs/PROTOCOL.md §2; geth message.go encryptSymmetric): AES-256-GCM, a random
// 12-byte nonce, no AAD, data = ciphertext ‖ tag (16) ‖ nonce (12). Keys are 32 bytes and never all
// zero; any failure to open (short data, wrong key, a flipped bit) is one 'decrypt-failed'.

import { gcm } from '@noble/ciphers/aes.js';
import { isAllZero } from './bytes.ts';
import { AES_NONCE_LENGTH, AES_TAG_LENGTH, SYM_KEY_LENGTH } from './constants.ts';
import { WhisperError } from './errors.ts';

export function checkSymKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new TypeError('key must be a Uint8Array');
  if (key.length !== SYM_KEY_LENGTH) throw new RangeError(`key must be ${SYM_KEY_LENGTH} bytes, got ${key.length}`);
  // geth's validateDataIntegrity: an all-zero key is what a failed key derivation leaves behind.
  if (isAllZero(key)) throw new WhisperError('bad-key', 'symmetric key is all zero');
}

export function encryptSymmetric(
  plaintext: Uint8Array,
  key: Uint8Array,
  randomBytes: (n: number) => Uint8Array,
): Uint8Array {
  if (!(plaintext instanceof Uint8Array)) throw new TypeError('plaintext must be a Uint8Array');
  checkSymKey(key);
  const nonce = randomBytes(AES_NONCE_LENGTH);
  if (!(nonce instanceof Uint8Array) || nonce.length !== AES_NONCE_LENGTH)
    throw new RangeError(`randomBytes must return ${AES_NONCE_LENGTH} bytes`);
  // geth refuses an all-zero nonce too: it would mean the random source is broken.
  if (isAllZero(nonce)) throw new Error('randomBytes returned zeros for the nonce');
  const sealed = gcm(key, nonce).encrypt(plaintext);
  const out = new Uint8Array(sealed.length + AES_NONCE_LENGTH);
  out.set(sealed);
  out.set(nonce, sealed.length);
  return out;
}

export function decryptSymmetric(data: Uint8Array, key: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
  checkSymKey(key);
  if (data.length < AES_TAG_LENGTH + AES_NONCE_LENGTH)
    throw new WhisperError('decrypt-failed', 'symmetric data too short');
  const split = data.length - AES_NONCE_LENGTH;
  try {
    return gcm(key, data.subarray(split)).decrypt(data.subarray(0, split));
  } catch {
    throw new WhisperError('decrypt-failed', 'symmetric decryption failed');
  }
}
