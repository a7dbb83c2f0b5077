import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gcm } from '@noble/ciphers/aes.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { errorCode } from './fixtures.ts';
import { decryptSymmetric, encryptSymmetric } from '../../src/core/symmetric.ts';

const key = new Uint8Array(32).fill(0x5a);
const nonce = Uint8Array.from({ length: 12 }, (_, i) => i + 1);

const code = errorCode;

describe('symmetric: AES-256-GCM, data = ciphertext ‖ tag ‖ nonce', () => {
  it('lays out the bytes as geth does (checked against a direct GCM call)', () => {
    const plain = new TextEncoder().encode('hello whisper');
    const data = encryptSymmetric(plain, key, () => nonce.slice());
    expect(data.length).toBe(plain.length + 16 + 12);
    expect(data.subarray(data.length - 12)).toEqual(nonce);
    expect(data.subarray(0, data.length - 12)).toEqual(gcm(key, nonce).encrypt(plain));
  });
  it('round trip, also through a subarray view with a byte offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 9 }), (plain, off) => {
        const data = encryptSymmetric(plain, key, randomBytes);
        expect(decryptSymmetric(data, key)).toEqual(plain);
        const big = new Uint8Array(off + data.length + 5).fill(0xcc);
        big.set(data, off);
        expect(decryptSymmetric(big.subarray(off, off + data.length), key)).toEqual(plain);
      }),
      { numRuns: 100 },
    );
  });
  it('any flipped bit (ciphertext, tag or nonce) fails to open', () => {
    const data = encryptSymmetric(new Uint8Array(40).fill(1), key, randomBytes);
    for (let i = 0; i < data.length * 8; i += 3) {
      const t = data.slice();
      t[i >> 3] = t[i >> 3]! ^ (1 << (i & 7));
      expect(code(() => decryptSymmetric(t, key))).toBe('decrypt-failed');
    }
  });
  const data = encryptSymmetric(new Uint8Array(256), key, randomBytes);
  it.each<[string, () => unknown, string]>([
    ['wrong key', () => decryptSymmetric(data, new Uint8Array(32).fill(0x5b)), 'decrypt-failed'],
    ['truncated by one byte', () => decryptSymmetric(data.subarray(0, data.length - 1), key), 'decrypt-failed'],
    ['trailing byte', () => decryptSymmetric(Uint8Array.of(...data, 0), key), 'decrypt-failed'],
    ['27 bytes (shorter than tag + nonce)', () => decryptSymmetric(new Uint8Array(27), key), 'decrypt-failed'],
    ['empty', () => decryptSymmetric(new Uint8Array(0), key), 'decrypt-failed'],
    ['all-zero key on open', () => decryptSymmetric(data, new Uint8Array(32)), 'bad-key'],
    ['all-zero key on seal', () => encryptSymmetric(new Uint8Array(1), new Uint8Array(32), randomBytes), 'bad-key'],
    ['16-byte key', () => decryptSymmetric(data, new Uint8Array(16).fill(1)), 'RangeError'],
    ['key as a string', () => decryptSymmetric(data, 'k' as unknown as Uint8Array), 'TypeError'],
    ['randomBytes of the wrong length', () => encryptSymmetric(new Uint8Array(1), key, () => new Uint8Array(8)), 'RangeError'],
  ])('%s -> %s', (_name, f, want) => {
    expect(code(f)).toBe(want);
  });
  it('exactly tag + nonce (empty plaintext) opens', () => {
    const d = encryptSymmetric(new Uint8Array(0), key, randomBytes);
    expect(d.length).toBe(28);
    expect(decryptSymmetric(d, key)).toEqual(new Uint8Array(0));
  });
});
