// geth's ECIES on secp256k1 (docs/PROTOCOL.md §2 asymmetric; geth crypto/ecies with ECIES_AES128_SHA256, no s1/s2):
//   z = x(R·P), K = ConcatKDF-SHA256(z), Ke = K[0:16], Km = sha256(K[16:32]),
//   data = R (65, uncompressed) ‖ IV (16) ‖ AES-128-CTR(Ke, IV, m) ‖ HMAC-SHA256(Km, IV ‖ c) (32).
// The tag is checked, in constant time, before anything is decrypted; every failure is 'decrypt-failed'.

import { ctr } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { constantTimeEqual } from './bytes.ts';
import {
  ECIES_IV_LENGTH,
  ECIES_KEY_LENGTH,
  ECIES_OVERHEAD,
  ECIES_TAG_LENGTH,
  PRIVATE_KEY_LENGTH,
  PUBLIC_KEY_LENGTH,
} from './constants.ts';
import { WhisperError } from './errors.ts';
import { secp256k1Backend } from './secp256k1.ts';

/** NIST SP 800-56 Concatenation KDF with SHA-256 and no shared info, as geth's concatKDF. */
export function concatKdf(z: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 32 * 1024) throw new RangeError('length out of range');
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  const block = new Uint8Array(4 + z.length);
  block.set(z, 4);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  for (let i = 0; i * 32 < length; i++) {
    view.setUint32(0, i + 1, false);
    out.set(sha256(block), i * 32);
  }
  return out.subarray(0, length);
}

export interface EciesKeys {
  readonly ke: Uint8Array; // AES-128 key
  readonly km: Uint8Array; // HMAC-SHA256 key
}

/** Ke and Km from the 32-byte shared x coordinate. */
export function eciesKeys(z: Uint8Array): EciesKeys {
  const k = concatKdf(z, 2 * ECIES_KEY_LENGTH);
  return { ke: k.slice(0, ECIES_KEY_LENGTH), km: sha256(k.subarray(ECIES_KEY_LENGTH)) };
}

const tagOf = (km: Uint8Array, ivAndCiphertext: Uint8Array): Uint8Array => hmac(sha256, km, ivAndCiphertext);

/**
 * Encrypts to a 65-byte public key. Draws randomBytes(32) for the ephemeral key (again until it is a
 * valid scalar), then randomBytes(16) for the IV; that order is fixed so tests can inject both.
 */
export function eciesEncrypt(
  plaintext: Uint8Array,
  publicKey: Uint8Array,
  randomBytes: (n: number) => Uint8Array,
): Uint8Array {
  if (!(plaintext instanceof Uint8Array)) throw new TypeError('plaintext must be a Uint8Array');
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array');
  if (publicKey.length !== PUBLIC_KEY_LENGTH)
    throw new RangeError(`publicKey must be ${PUBLIC_KEY_LENGTH} bytes, got ${publicKey.length}`);
  const b = secp256k1Backend();
  if (!b.isPublicKey(publicKey)) throw new WhisperError('bad-key', 'invalid public key');
  let ephemeral = randomBytes(PRIVATE_KEY_LENGTH);
  for (let tries = 0; !b.isPrivateKey(ephemeral); tries++) {
    if (tries === 8) throw new Error('randomBytes keeps returning invalid private keys');
    ephemeral = randomBytes(PRIVATE_KEY_LENGTH);
  }
  const r = b.publicKey(ephemeral);
  const z = b.sharedX(ephemeral, publicKey);
  if (!r || !z) throw new WhisperError('bad-key', 'ECDH failed');
  const iv = randomBytes(ECIES_IV_LENGTH);
  if (!(iv instanceof Uint8Array) || iv.length !== ECIES_IV_LENGTH)
    throw new RangeError(`randomBytes must return ${ECIES_IV_LENGTH} bytes`);
  const { ke, km } = eciesKeys(z);
  const out = new Uint8Array(ECIES_OVERHEAD + plaintext.length);
  out.set(r);
  out.set(iv, PUBLIC_KEY_LENGTH);
  const c = ctr(ke, iv).encrypt(plaintext);
  out.set(c, PUBLIC_KEY_LENGTH + ECIES_IV_LENGTH);
  const tagAt = out.length - ECIES_TAG_LENGTH;
  out.set(tagOf(km, out.subarray(PUBLIC_KEY_LENGTH, tagAt)), tagAt);
  return out;
}

/** Opens what eciesEncrypt sealed for `privateKey`'s public key. Throws 'decrypt-failed' or 'bad-key'. */
export function eciesDecrypt(data: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const r = eciesOpen(data, privateKey);
  if (typeof r === 'string') throw new WhisperError('decrypt-failed', `ecies: ${r}`);
  return r;
}

/**
 * Trial decryption: eciesDecrypt's plaintext, or undefined when `data` is not for this key (or not
 * ECIES at all). No error is built for the wrong key, the common case a filter meets for almost every
 * envelope. Misuse (not bytes, a bad private key) still throws.
 */
export function eciesTryDecrypt(data: Uint8Array, privateKey: Uint8Array): Uint8Array | undefined {
  const r = eciesOpen(data, privateKey);
  return typeof r === 'string' ? undefined : r;
}

/** The plaintext, or why `data` does not open with `privateKey`. */
function eciesOpen(data: Uint8Array, privateKey: Uint8Array): Uint8Array | string {
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
  if (!(privateKey instanceof Uint8Array)) throw new TypeError('privateKey must be a Uint8Array');
  if (privateKey.length !== PRIVATE_KEY_LENGTH)
    throw new RangeError(`privateKey must be ${PRIVATE_KEY_LENGTH} bytes, got ${privateKey.length}`);
  const b = secp256k1Backend();
  if (!b.isPrivateKey(privateKey)) throw new WhisperError('bad-key', 'invalid private key');
  if (data.length < ECIES_OVERHEAD) return 'data too short';
  // geth's elliptic.Unmarshal takes only the uncompressed form, and only points on the curve.
  if (data[0] !== 0x04) return 'ephemeral key is not an uncompressed point';
  const tagAt = data.length - ECIES_TAG_LENGTH;
  const body = data.subarray(PUBLIC_KEY_LENGTH, tagAt);
  if (b.eciesKey) {
    // The whole trial inside libsecp256k1's module: one call, nothing allocated for the wrong key.
    const ke = b.eciesKey(privateKey, data.subarray(0, PUBLIC_KEY_LENGTH), body, data.subarray(tagAt));
    if (ke === 'bad-key') return 'ephemeral key is not a valid point';
    if (ke === 'tag-mismatch') return 'tag mismatch';
    return ctr(ke, body.subarray(0, ECIES_IV_LENGTH)).decrypt(body.subarray(ECIES_IV_LENGTH));
  }
  const z = b.sharedX(privateKey, data.subarray(0, PUBLIC_KEY_LENGTH));
  if (!z) return 'ephemeral key is not a valid point';
  const { ke, km } = eciesKeys(z);
  if (!constantTimeEqual(tagOf(km, body), data.subarray(tagAt))) return 'tag mismatch';
  return ctr(ke, body.subarray(0, ECIES_IV_LENGTH)).decrypt(body.subarray(ECIES_IV_LENGTH));
}
