// A small strict RLP codec (Ethereum Yellow Paper, appendix B) for what Whisper needs: byte strings,
// lists of them, and canonical unsigned integers. Decoding rejects every non-canonical form:
// single bytes below 0x80 wrapped in a header, long forms for short lengths, leading zeros in
// lengths or integers, lengths that run past the input, and trailing bytes.

import { WhisperError } from './errors.ts';

export type RlpItem = Uint8Array | RlpItem[];

const fail = (why: string): never => {
  throw new WhisperError('bad-rlp', `rlp: ${why}`);
};

function header(len: number, offset: number): Uint8Array {
  if (len < 56) return Uint8Array.of(offset + len);
  const lenBytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n % 256);
  return Uint8Array.of(offset + 55 + lenBytes.length, ...lenBytes);
}

export function encodeRlp(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) return item.slice();
    const h = header(item.length, 0x80);
    const out = new Uint8Array(h.length + item.length);
    out.set(h);
    out.set(item, h.length);
    return out;
  }
  const parts = item.map(encodeRlp);
  let n = 0;
  for (const p of parts) n += p.length;
  const h = header(n, 0xc0);
  const out = new Uint8Array(h.length + n);
  out.set(h);
  let o = h.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface Span {
  list: boolean;
  start: number; // first byte of the payload
  end: number; // one past the last byte of the payload
}

/** Reads one item header at `pos`, bounded by `limit`, with every canonical-form check of `decodeRlp`. */
export function span(buf: Uint8Array, pos: number, limit: number): Span {
  if (pos >= limit) fail('unexpected end of input');
  const b = buf[pos]!;
  if (b < 0x80) return { list: false, start: pos, end: pos + 1 };
  const list = b >= 0xc0;
  const base = list ? 0xc0 : 0x80;
  const small = b - base;
  if (small <= 55) {
    const start = pos + 1;
    const end = start + small;
    if (end > limit) fail('item runs past the end of its container');
    if (!list && small === 1 && buf[start]! < 0x80) fail('single byte below 0x80 must not have a header');
    return { list, start, end };
  }
  const lenOfLen = small - 55;
  if (pos + 1 + lenOfLen > limit) fail('length runs past the end of its container');
  if (buf[pos + 1] === 0) fail('length with a leading zero');
  if (lenOfLen > 4) fail('length too large');
  let len = 0;
  for (let i = 0; i < lenOfLen; i++) len = len * 256 + buf[pos + 1 + i]!;
  if (len < 56) fail('long form used for a short length');
  const start = pos + 1 + lenOfLen;
  const end = start + len;
  if (end > limit) fail('item runs past the end of its container');
  return { list, start, end };
}

function decodeAt(buf: Uint8Array, s: Span, depth: number): RlpItem {
  if (!s.list) return buf.slice(s.start, s.end);
  if (depth > 16) fail('lists nested too deeply');
  const items: RlpItem[] = [];
  let pos = s.start;
  while (pos < s.end) {
    const child = span(buf, pos, s.end);
    items.push(decodeAt(buf, child, depth + 1));
    pos = child.end;
  }
  return items;
}

/** Decodes exactly one item that spans all of `input`; trailing bytes are an error. */
export function decodeRlp(input: Uint8Array): RlpItem {
  const s = span(input, 0, input.length);
  if (s.end !== input.length) fail('trailing bytes after the item');
  return decodeAt(input, s, 0);
}

/** Canonical big-endian bytes of a non-negative integer: no leading zeros, zero is empty. */
export function uintToBytes(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) throw new RangeError('uint must not be negative');
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return Uint8Array.from(out);
}

/** Reads a canonical unsigned integer of at most `maxBytes` bytes. */
export function bytesToUint(b: Uint8Array, maxBytes: number, what: string): bigint {
  if (b.length > maxBytes) fail(`${what} is longer than ${maxBytes} bytes`);
  if (b.length > 0 && b[0] === 0) fail(`${what} has a leading zero byte`);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}
