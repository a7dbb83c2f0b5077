// A verified envelope as it is held in memory (docs/BENCHMARKS.md, "Memory per envelope"): the wire
// bytes as one flat one-byte string (a string costs its length plus 16 bytes; an own Uint8Array about
// 230 more), the hash as a 32-character one-byte string (the pool's Map key), expiry and PoW. The other
// fields are read from the wire bytes when asked for, each time a fresh copy, so nothing aliases it.
// Only `validateEnvelope` (validate.ts) makes one, so the type records that every rule was checked.

import type { Envelope } from './envelope.ts';
import { scanEnvelope } from './envelope.ts';

declare const verified: unique symbol;

/** An envelope that passed every validation rule, with its wire bytes, hash and PoW. */
export type VerifiedEnvelope = Envelope & {
  readonly rlp: Uint8Array;
  readonly hash: Uint8Array;
  readonly pow: number;
  readonly [verified]: true;
};

// String.fromCharCode.apply takes its arguments on the stack: convert in pieces this long.
const CHUNK = 8192;

/** Bytes to a one-byte string, one character per byte (latin1). Flat for inputs up to CHUNK bytes. */
export function bytesToLatin1(b: Uint8Array): string {
  if (b.length <= CHUNK) return String.fromCharCode.apply(null, b as unknown as number[]);
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += CHUNK)
    parts.push(String.fromCharCode.apply(null, b.subarray(i, i + CHUNK) as unknown as number[]));
  return parts.join('');
}

/** The inverse of `bytesToLatin1` over [start, end) of `s`. */
export function latin1ToBytes(s: string, start = 0, end = s.length): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = s.charCodeAt(i);
  return out;
}

/** The pool's key for a hash: its 32 bytes as a 32-character one-byte string. */
export const hashKey = (hash: Uint8Array): string => bytesToLatin1(hash);

// `wire` and `key` are own fields (not #private) so that deep equality, as tests use it, compares them.
class StoredEnvelope {
  /** The wire bytes, one character per byte. */
  readonly wire: string;
  /** The hash, one character per byte: the pool's key. */
  readonly key: string;
  readonly #topicStart: number;
  readonly expiry: number;
  readonly pow: number;

  constructor(wire: string, key: string, topicStart: number, expiry: number, pow: number) {
    this.wire = wire;
    this.key = key;
    this.#topicStart = topicStart;
    this.expiry = expiry;
    this.pow = pow;
  }

  get rlp(): Uint8Array {
    return latin1ToBytes(this.wire);
  }

  get hash(): Uint8Array {
    return latin1ToBytes(this.key);
  }

  get byteLength(): number {
    return this.wire.length;
  }

  get topic(): Uint8Array {
    return latin1ToBytes(this.wire, this.#topicStart, this.#topicStart + 4);
  }

  get data(): Uint8Array {
    const l = scanEnvelope(this.rlp);
    return latin1ToBytes(this.wire, l.dataStart, l.dataEnd);
  }

  get ttl(): number {
    return scanEnvelope(this.rlp).ttl;
  }

  get nonce(): bigint {
    let v = 0n;
    const l = scanEnvelope(this.rlp);
    for (let i = l.nonceStart; i < this.wire.length; i++) v = (v << 8n) | BigInt(this.wire.charCodeAt(i));
    return v;
  }

}

/** For validate.ts only: wraps checked wire bytes (copied here) with their hash, layout and PoW. */
export function makeVerified(rlp: Uint8Array, hash: Uint8Array, topicStart: number, expiry: number, pow: number): VerifiedEnvelope {
  return new StoredEnvelope(bytesToLatin1(rlp), hashKey(hash), topicStart, expiry, pow) as unknown as VerifiedEnvelope;
}

/** The pool key of a verified envelope: kept by those `makeVerified` made, else derived from the hash. */
export const keyOf = (e: VerifiedEnvelope): string => (e instanceof StoredEnvelope ? e.key : hashKey(e.hash));

/** RLP byte length without materialising the bytes. */
export const rlpLength = (e: VerifiedEnvelope): number => (e instanceof StoredEnvelope ? e.byteLength : e.rlp.length);
