// Whisper proof of work in geth 1.9's form (docs/PROTOCOL.md §1, not the EIP-627 text):
//   h = keccak256(short ‖ nonce as 8 bytes big-endian), z = leading zero bits of h,
//   pow = 2^z / (len(short) * ttl).
// This file is the reference used for verification, on @noble/hashes. The fast sealer
// (pow-kernel.ts, pow-seal.ts, pow-pool.ts) must agree with `powHash` hash for hash.

import { keccak_256 } from '@noble/hashes/sha3.js';
import { encodeShort, type Envelope, type EnvelopeParams } from './envelope.ts';

/** keccak256(short ‖ nonce_be64). */
export function powHash(short: Uint8Array, nonce: bigint): Uint8Array {
  const buf = new Uint8Array(short.length + 8);
  buf.set(short);
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setBigUint64(short.length, nonce, false);
  return keccak_256(buf);
}

/** Leading zero bits of a big-endian number (256 for all zeros). */
export function leadingZeroBits(h: Uint8Array): number {
  let z = 0;
  for (const b of h) {
    if (b === 0) {
      z += 8;
      continue;
    }
    return z + Math.clz32(b) - 24;
  }
  return z;
}

/** pow = 2^z / (shortLength * ttl); a TTL of 0 yields Infinity for z > 0, as geth's float division. */
export const powFromZeros = (zeros: number, shortLength: number, ttl: number): number =>
  2 ** zeros / (shortLength * ttl);

/** The smallest number of leading zero bits whose pow reaches `target` (0 for a target of 0). */
export function zerosForTarget(target: number, shortLength: number, ttl: number): number {
  if (!(target >= 0) || !Number.isFinite(target)) throw new RangeError('target must be a finite number >= 0');
  if (target === 0) return 0;
  let z = Math.max(0, Math.ceil(Math.log2(target * shortLength * ttl)));
  // log2 rounding can be off by one either way at the boundary: settle it on the exact formula.
  while (z > 0 && powFromZeros(z - 1, shortLength, ttl) >= target) z--;
  while (powFromZeros(z, shortLength, ttl) < target) z++;
  return z;
}

export function envelopePow(e: Envelope, short: Uint8Array = encodeShort(e)): number {
  return powFromZeros(leadingZeroBits(powHash(short, e.nonce)), short.length, e.ttl);
}
