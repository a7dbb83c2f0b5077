import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToKey, fromHex, toHex } from '../../src/core/bytes.ts';
import { bytesToLatin1, hashKey, latin1ToBytes } from '../../src/core/pool-record.ts';

describe('toHex', () => {
  it('writes every byte value as two lowercase digits, with or without 0x', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = toHex(all, false);
    for (let i = 0; i < 256; i++) expect(hex.slice(2 * i, 2 * i + 2)).toBe(i.toString(16).padStart(2, '0'));
    expect(toHex(all)).toBe('0x' + hex);
    expect(toHex(new Uint8Array(0))).toBe('0x');
    expect(toHex(new Uint8Array(0), false)).toBe('');
    expect(bytesToKey(Uint8Array.of(0xde, 0xad))).toBe('dead');
  });
  it('round-trips with fromHex, from any byte offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 5 }), (b, pad) => {
        const big = new Uint8Array(pad + b.length);
        big.set(b, pad);
        expect(fromHex(toHex(big.subarray(pad)), true)).toEqual(b);
      }),
    );
  });
});

describe('latin1 strings of bytes (the pool keys and records)', () => {
  it('one character per byte, and back, at every length including past the conversion chunk', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const s = bytesToLatin1(b);
        expect(s.length).toBe(b.length);
        expect(latin1ToBytes(s)).toEqual(b);
      }),
    );
    const big = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7) & 0xff);
    expect(latin1ToBytes(bytesToLatin1(big))).toEqual(big);
  });
  it('hashKey tells hashes apart by content only', () => {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i);
    const elsewhere = new Uint8Array(40);
    elsewhere.set(a, 3);
    expect(hashKey(elsewhere.subarray(3, 35))).toBe(hashKey(a));
    const b = a.slice();
    b[31] = 0;
    expect(hashKey(b)).not.toBe(hashKey(a));
  });
});
