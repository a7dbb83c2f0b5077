// LIONESS (Anderson and Biham 1996), the wide-block cipher Sphinx names for its payload: four rounds
// of a stream cipher (ChaCha20) and a keyed hash (BLAKE2b-256) over a left part of 32 bytes and the
// rest. Any change to any ciphertext byte garbles the whole plaintext, which is what lets the last
// hop detect tampering by checking a block of zeros. @noble/ciphers has no wide-block mode (no AEZ,
// no HCTR2); LIONESS needs only a stream cipher and a keyed hash, both of which noble has.
// Invariant: decrypt(k, encrypt(k, x)) = x for every block longer than 32 bytes.

import { chacha20 } from '@noble/ciphers/chacha.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { LIONESS_KEY_SIZE } from './kdf.ts';

const L = 32;
const NONCE = new Uint8Array(12);

function xorInto(dst: Uint8Array, src: Uint8Array): void {
  for (let i = 0; i < dst.length; i++) dst[i]! ^= src[i]!;
}

function streamRound(left: Uint8Array, right: Uint8Array, k: Uint8Array): void {
  const key = left.slice();
  xorInto(key, k);
  chacha20(key, NONCE, right, right);
}

function hashRound(left: Uint8Array, right: Uint8Array, k: Uint8Array): void {
  xorInto(left, blake2b(right, { key: k, dkLen: L }));
}

function split(keys: Uint8Array, block: Uint8Array): [Uint8Array, Uint8Array, Uint8Array[]] {
  if (keys.length !== LIONESS_KEY_SIZE) throw new RangeError('LIONESS keys must be 128 bytes');
  if (block.length <= L) throw new RangeError('LIONESS block must be longer than 32 bytes');
  const out = block.slice();
  const ks = [0, 1, 2, 3].map((i) => keys.subarray(i * 32, i * 32 + 32));
  return [out.subarray(0, L), out.subarray(L), ks];
}

export function lionessEncrypt(keys: Uint8Array, block: Uint8Array): Uint8Array {
  const [left, right, k] = split(keys, block);
  streamRound(left, right, k[0]!);
  hashRound(left, right, k[1]!);
  streamRound(left, right, k[2]!);
  hashRound(left, right, k[3]!);
  return joined(left, right);
}

export function lionessDecrypt(keys: Uint8Array, block: Uint8Array): Uint8Array {
  const [left, right, k] = split(keys, block);
  hashRound(left, right, k[3]!);
  streamRound(left, right, k[2]!);
  hashRound(left, right, k[1]!);
  streamRound(left, right, k[0]!);
  return joined(left, right);
}

// left and right are views of one buffer; return that buffer.
const joined = (left: Uint8Array, right: Uint8Array): Uint8Array =>
  new Uint8Array(left.buffer, left.byteOffset, left.length + right.length);
