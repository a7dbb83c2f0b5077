// Range fingerprints of catch-up sync (docs/PROTOCOL.md §3), negentropy's construction: sha256 over the sum of the
// ids (32-byte little-endian integers, mod 2^256) followed by the varint count, first 16 bytes.
// The sum is order-independent and the count guards against sums that collide by cancellation.
import { sha256 } from '@noble/hashes/sha2.js';
import { SYNC_FINGERPRINT_LENGTH } from '../../core/constants.ts';
import type { SyncItems } from './items.ts';
import { encodeVarint } from './varint.ts';

/** A 256-bit accumulator in eight 32-bit limbs, least significant first. */
export class IdSum {
  readonly #limbs = new Uint32Array(8);
  count = 0;

  add(id: Uint8Array): void {
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      const o = i * 4;
      const w = (id[o]! | (id[o + 1]! << 8) | (id[o + 2]! << 16) | (id[o + 3]! << 24)) >>> 0;
      const s = this.#limbs[i]! + w + carry;
      this.#limbs[i] = s >>> 0;
      carry = s > 0xffff_ffff ? 1 : 0;
    }
    this.count++;
  }

  /** add() of a hash given as a 32-character one-byte string (SortedItems.keyAt). */
  addKey(id: string): void {
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      const o = i * 4;
      const w = (id.charCodeAt(o) | (id.charCodeAt(o + 1) << 8) | (id.charCodeAt(o + 2) << 16) | (id.charCodeAt(o + 3) << 24)) >>> 0;
      const s = this.#limbs[i]! + w + carry;
      this.#limbs[i] = s >>> 0;
      carry = s > 0xffff_ffff ? 1 : 0;
    }
    this.count++;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      const w = this.#limbs[i]!;
      out[i * 4] = w & 0xff;
      out[i * 4 + 1] = (w >>> 8) & 0xff;
      out[i * 4 + 2] = (w >>> 16) & 0xff;
      out[i * 4 + 3] = w >>> 24;
    }
    return out;
  }

  fingerprint(): Uint8Array {
    const sum = this.bytes();
    const count = encodeVarint(this.count);
    const input = new Uint8Array(sum.length + count.length);
    input.set(sum);
    input.set(count, sum.length);
    return sha256(input).subarray(0, SYNC_FINGERPRINT_LENGTH);
  }
}

/** Fingerprint of the items at positions [lo, hi). */
export function fingerprintRange(items: SyncItems, lo: number, hi: number): Uint8Array {
  const acc = new IdSum();
  if (items.keyAt) for (let i = lo; i < hi; i++) acc.addKey(items.keyAt(i));
  else for (let i = lo; i < hi; i++) acc.add(items.at(i).hash);
  return acc.fingerprint();
}
