import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { loadWasmBackend, nobleBackend, setSecp256k1Backend } from '../../src/core/secp256k1.ts';
import { errorCode } from './fixtures.ts';
import {
  isValidPrivateKey,
  isValidPublicKey,
  publicKeyOf,
  recoverPublicKey,
  signHash,
} from '../../src/core/signature.ts';

const wasm = await loadWasmBackend();
const N = fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', false);
const arbKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp256k1.utils.isValidSecretKey(k));
const arbHash = fc.uint8Array({ minLength: 32, maxLength: 32 });

const code = errorCode;

describe.each([nobleBackend, wasm])('signature with the $name backend', (backend) => {
  beforeEach(() => setSecp256k1Backend(backend));
  it('public key of private key 1 is the generator', () => {
    const one = new Uint8Array(32);
    one[31] = 1;
    expect(toHex(publicKeyOf(one), false)).toBe(
      '0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798' +
        '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8',
    );
  });
  it('sign then recover gives the signer; v in {0, 1}; low S', () => {
    fc.assert(
      fc.property(arbKey, arbHash, (k, h) => {
        const sig = signHash(h, k);
        expect(sig.length).toBe(65);
        expect(sig[64]! <= 1).toBe(true);
        expect(sig[32]! < 0x80).toBe(true); // s <= n/2 starts below 0x80
        expect(recoverPublicKey(h, sig)).toEqual(publicKeyOf(k));
        expect(isValidPublicKey(publicKeyOf(k))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
  it('a high-S signature still recovers the signer (geth accepts it too)', () => {
    const k = new Uint8Array(32).fill(3);
    const h = new Uint8Array(32).fill(9);
    const sig = signHash(h, k);
    const s = BigInt(toHex(sig.subarray(32, 64)));
    const n = BigInt(toHex(N));
    const high = sig.slice();
    high.set(fromHex((n - s).toString(16).padStart(64, '0'), false), 32);
    high[64] = sig[64]! ^ 1;
    expect(recoverPublicKey(h, high)).toEqual(publicKeyOf(k));
  });
  it('key validity', () => {
    expect(isValidPrivateKey(new Uint8Array(32).fill(1))).toBe(true);
    expect(isValidPrivateKey(new Uint8Array(32))).toBe(false);
    expect(isValidPrivateKey(N)).toBe(false);
    expect(isValidPrivateKey(new Uint8Array(33).fill(1))).toBe(false);
    expect(isValidPrivateKey('k' as unknown as Uint8Array)).toBe(false);
    const pub = publicKeyOf(new Uint8Array(32).fill(1));
    expect(isValidPublicKey(pub)).toBe(true);
    const off = pub.slice();
    off[64] = off[64]! ^ 1;
    expect(isValidPublicKey(off)).toBe(false);
    expect(isValidPublicKey(pub.subarray(1))).toBe(false);
  });
  it.each<[string, () => unknown, string]>([
    ['publicKeyOf zero', () => publicKeyOf(new Uint8Array(32)), 'bad-key'],
    ['publicKeyOf n', () => publicKeyOf(N), 'bad-key'],
    ['publicKeyOf 31 bytes', () => publicKeyOf(new Uint8Array(31).fill(1)), 'RangeError'],
    ['publicKeyOf a string', () => publicKeyOf('00' as unknown as Uint8Array), 'TypeError'],
    ['signHash with zero key', () => signHash(new Uint8Array(32), new Uint8Array(32)), 'bad-key'],
    ['signHash of a 31-byte hash', () => signHash(new Uint8Array(31), new Uint8Array(32).fill(1)), 'RangeError'],
    ['recover 64-byte signature', () => recoverPublicKey(new Uint8Array(32), new Uint8Array(64)), 'bad-signature'],
    ['recover v = 27', () => recoverPublicKey(new Uint8Array(32), Uint8Array.of(...new Uint8Array(64).fill(1), 27)), 'bad-signature'],
    ['recover v = 4', () => recoverPublicKey(new Uint8Array(32), Uint8Array.of(...new Uint8Array(64).fill(1), 4)), 'bad-signature'],
    ['recover r = s = 0', () => recoverPublicKey(new Uint8Array(32), new Uint8Array(65)), 'bad-signature'],
    ['recover s = n', () => recoverPublicKey(new Uint8Array(32), Uint8Array.of(...new Uint8Array(32).fill(1), ...N, 0)), 'bad-signature'],
  ])('%s -> %s', (_name, f, want) => {
    expect(code(f)).toBe(want);
  });
});
