// How the pool holds an envelope (docs/BENCHMARKS.md, "Memory per envelope"): the wire bytes as one
// flat one-byte string (a string costs its length plus 16 bytes of heap; an own Uint8Array about 230
// bytes more, plus what a view costs), the hash as a 32-character one-byte string (the Map key),
// expiry and PoW. Reading one back makes a fresh VerifiedEnvelope, whose fields are views of one fresh
// copy of the wire bytes, so nothing a caller holds aliases the pool.

import { scanEnvelope } from './envelope.ts';
import type { VerifiedEnvelope } from './validate.ts';

// String.fromCharCode.apply takes its arguments on the stack: convert in pieces this long. It reads a
// plain Array about 1.7x faster than a Uint8Array, hence the scratch array (measured on Node 24).
const CHUNK = 8192;
const scratch: number[] = [];
const fromCharCodes = String.fromCharCode as (...codes: number[]) => string;

function piece(b: Uint8Array, start: number, end: number): string {
  scratch.length = end - start;
  for (let i = start; i < end; i++) scratch[i - start] = b[i]!;
  return fromCharCodes.apply(null, scratch);
}

// Node's Buffer makes the same string natively, 3-8x faster (the relay's start-up load makes 100 000
// of them, docs/BENCHMARKS.md "Relay start-up"); a browser has none and goes through fromCharCode.
interface NodeBuffer {
  from(a: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'latin1'): string };
}
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/** Bytes to a one-byte string, one character per byte (latin1). Flat for inputs up to CHUNK bytes. */
export function bytesToLatin1(b: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  if (b.length <= CHUNK) return piece(b, 0, b.length);
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += CHUNK) parts.push(piece(b, i, Math.min(i + CHUNK, b.length)));
  return parts.join('');
}

/** The inverse of `bytesToLatin1`. */
export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The pool's key for a hash: its 32 bytes as a 32-character one-byte string. */
export function hashKey(h: Uint8Array): string {
  if (h.length !== 32) return bytesToLatin1(h);
  // Spelled out: ~2.7x faster than apply for the one size that is looked up on every envelope.
  return fromCharCodes(
    h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, h[8]!, h[9]!, h[10]!, h[11]!, h[12]!, h[13]!, h[14]!, h[15]!,
    h[16]!, h[17]!, h[18]!, h[19]!, h[20]!, h[21]!, h[22]!, h[23]!, h[24]!, h[25]!, h[26]!, h[27]!, h[28]!, h[29]!, h[30]!, h[31]!,
  );
}

/** One pooled envelope: what the pool's indexes need, and the wire bytes. */
export class PoolRecord {
  /** The wire bytes, one character per byte. */
  readonly wire: string;
  /** The hash, one character per byte: the pool's Map key. */
  readonly key: string;
  readonly expiry: number;
  readonly pow: number;

  constructor(e: VerifiedEnvelope, key: string) {
    this.wire = bytesToLatin1(e.rlp);
    this.key = key;
    this.expiry = e.expiry;
    this.pow = e.pow;
  }

  /** RLP bytes, as the pool's byte bound counts them. */
  get size(): number {
    return this.wire.length;
  }

  /** A fresh VerifiedEnvelope: every field a view of one new copy of the wire bytes, or a new array. */
  envelope(): VerifiedEnvelope {
    const rlp = latin1ToBytes(this.wire);
    const l = scanEnvelope(rlp); // checked when it was validated: this cannot throw
    let nonce = 0n;
    for (let i = l.nonceStart; i < rlp.length; i++) nonce = (nonce << 8n) | BigInt(rlp[i]!);
    return {
      expiry: this.expiry,
      ttl: l.ttl,
      topic: rlp.subarray(l.topicStart, l.topicStart + 4),
      data: rlp.subarray(l.dataStart, l.dataEnd),
      nonce,
      rlp,
      hash: latin1ToBytes(this.key),
      pow: this.pow,
    } as VerifiedEnvelope;
  }
}
