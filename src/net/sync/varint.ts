// Negentropy's varint (docs/SYNC.md): base-128 digits, most significant first, high bit set on every
// byte but the last. Decoding is strict: at most 5 bytes (values < 2^35, enough for every field here),
// no leading zero digit, so each value has exactly one encoding.
import { WhisperError } from '../../core/errors.ts';

export const VARINT_MAX_BYTES = 5;

export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 2 ** 35) throw new RangeError('varint value out of range');
  const len = varintLength(n);
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = (n % 128) | (i < len - 1 ? 0x80 : 0);
    n = Math.floor(n / 128);
  }
  return out;
}

export const varintLength = (n: number): number => (n < 2 ** 7 ? 1 : n < 2 ** 14 ? 2 : n < 2 ** 21 ? 3 : n < 2 ** 28 ? 4 : 5);

/** Reads a varint at `pos`; returns [value, next position]. Throws 'bad-sync' naming `what`. */
export function decodeVarint(buf: Uint8Array, pos: number, what: string): [number, number] {
  let n = 0;
  for (let i = 0; i < VARINT_MAX_BYTES; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw new WhisperError('bad-sync', `truncated varint (${what})`);
    if (i === 0 && b === 0x80) throw new WhisperError('bad-sync', `non-canonical varint (${what})`);
    n = n * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return [n, pos + i + 1];
  }
  throw new WhisperError('bad-sync', `varint longer than ${VARINT_MAX_BYTES} bytes (${what})`);
}
