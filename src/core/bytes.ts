// Byte helpers shared by the codecs: strict hex (the `0x` JSON form of docs/PROTOCOL.md §4), concat, compare.
// Strict means: even length, only hex digits, and the `0x` prefix exactly where the caller says.

const HEX = '0123456789abcdef';
const DIGITS = Uint8Array.from(HEX, (c) => c.charCodeAt(0));
const ascii = new TextDecoder('ascii');

/**
 * Lowercase hex, as one flat string: built by `+=` it would be a rope of cons strings (about 1.4 KB
 * more heap for a 32-byte hash), which is what a Map key or a long-lived id would then keep.
 */
export function toHex(bytes: Uint8Array, prefix = true): string {
  const p = prefix ? 2 : 0;
  const out = new Uint8Array(p + 2 * bytes.length);
  if (prefix) out.set([0x30, 0x78]); // 0x
  for (let i = 0; i < bytes.length; i++) {
    out[p + 2 * i] = DIGITS[bytes[i]! >> 4]!;
    out[p + 2 * i + 1] = DIGITS[bytes[i]! & 15]!;
  }
  return ascii.decode(out);
}

/** Parses hex; `prefix` says whether `0x` is required (true), forbidden (false). Throws TypeError. */
export function fromHex(hex: string, prefix: boolean, name = 'hex'): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`${name} must be a string`);
  let s = hex;
  if (prefix) {
    if (!/^0[xX]/.test(s)) throw new TypeError(`${name} must start with 0x`);
    s = s.slice(2);
  } else if (/^0[xX]/.test(s)) {
    throw new TypeError(`${name} must not start with 0x`);
  }
  if (s.length % 2 !== 0) throw new TypeError(`${name} has an odd number of hex digits`);
  if (!/^[0-9a-fA-F]*$/.test(s)) throw new TypeError(`${name} is not hex`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Lexicographic byte order (SQLite's order of blobs: memcmp, then length); a shorter prefix of an equal run sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Constant-time comparison for MACs and tags: time depends only on the lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export const isAllZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/** A Map key for a hash or id: lowercase hex without prefix. */
export const bytesToKey = (b: Uint8Array): string => toHex(b, false);
