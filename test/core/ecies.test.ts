import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from '@noble/hashes/utils.js';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { concatKdf, eciesDecrypt, eciesEncrypt, eciesKeys, eciesTryDecrypt } from '../../src/core/ecies.ts';
import { loadWasmBackend, nobleBackend, setSecp256k1Backend } from '../../src/core/secp256k1.ts';
import { loadLibsecp256k1 } from '../../src/core/secp256k1-wasm.ts';
import { errorCode } from './fixtures.ts';
import { publicKeyOf } from '../../src/core/signature.ts';

const wasm = await loadWasmBackend();
const h = (s: string) => fromHex(s, false);
const recipient = h('4b50fa71f5c3eeb8fdc452224b2395af2fcc3d125e06c32c82e048c0559db03f');
const ephemeral = h('d0b043b4c5d657670778242d82d68a29d25d7d711127d17b8e299f156dad361a');
const iv = new Uint8Array(16).fill(0x11);
const hello = new TextEncoder().encode('Hello, world.');
/** Hands out the queued byte strings in order, as eciesEncrypt draws them: ephemeral key, then IV. */
const queue = (...xs: Uint8Array[]) => (n: number) => {
  const x = xs.shift();
  if (!x || x.length !== n) throw new Error(`unexpected randomBytes(${n})`);
  return x.slice();
};

const code = errorCode;

describe('ecies: Concat KDF', () => {
  it('docs/PROTOCOL.md §6 public vector: sha256 Concat KDF of "input"', () => {
    expect(toHex(concatKdf(new TextEncoder().encode('input'), 32), false)).toBe(
      '858b192fa2ed4395e2bf88dd8d5770d67dc284ee539f12da8bceaa45d06ebae0',
    );
  });
  it('longer outputs continue with counter 2 and are a prefix-stable stream', () => {
    const z = new Uint8Array(32).fill(1);
    expect(concatKdf(z, 64).subarray(0, 32)).toEqual(concatKdf(z, 32));
    expect(concatKdf(z, 40).subarray(32)).toEqual(concatKdf(z, 64).subarray(32, 40));
    expect(() => concatKdf(z, -1)).toThrow(RangeError);
  });
});

describe.each([nobleBackend, wasm, loadLibsecp256k1()])('ecies with the $source backend', (backend) => {
  beforeEach(() => setSecp256k1Backend(backend));

  it('docs/PROTOCOL.md §6 vector: Ke, Km, ciphertext and tag from the given keys and IV', () => {
    const data = eciesEncrypt(hello, publicKeyOf(recipient), queue(ephemeral, iv));
    expect(data.length).toBe(65 + 16 + hello.length + 32);
    expect(data.subarray(0, 65)).toEqual(publicKeyOf(ephemeral));
    expect(data.subarray(65, 81)).toEqual(iv);
    expect(toHex(data.subarray(81, 81 + hello.length), false)).toBe('d3975adce2d786bf21b5257a9c');
    expect(toHex(data.subarray(81 + hello.length), false)).toBe(
      '5a1b062c2e82f50fdfcf1df09d12578b55502069b78f9bba675d9057570ddfe6',
    );
    const z = backend.sharedX(recipient, publicKeyOf(ephemeral))!;
    const { ke, km } = eciesKeys(z);
    expect(toHex(ke, false)).toBe('26a735fb7e9ccdb47dc3231100ad516d');
    expect(toHex(km, false)).toBe('df37ed8002883463aa74acbb457f226c478de4ba6184319b86156521bc1d8ca9');
    expect(eciesDecrypt(data, recipient)).toEqual(hello);
  });

  it('draws a new ephemeral key while randomBytes gives invalid scalars', () => {
    const data = eciesEncrypt(hello, publicKeyOf(recipient), queue(new Uint8Array(32), new Uint8Array(32).fill(0xff), ephemeral, iv));
    expect(data.subarray(0, 65)).toEqual(publicKeyOf(ephemeral));
  });

  it('round trip for any plaintext, also from a subarray view with a byte offset', () => {
    const pub = publicKeyOf(recipient);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 7 }), (m, off) => {
        const data = eciesEncrypt(m, pub, randomBytes);
        expect(eciesDecrypt(data, recipient)).toEqual(m);
        const big = new Uint8Array(data.length + 2 * off).fill(0x77);
        big.set(data, off);
        expect(eciesDecrypt(big.subarray(off, off + data.length), recipient)).toEqual(m);
      }),
      { numRuns: 40 },
    );
  });

  const data = eciesEncrypt(new Uint8Array(256).fill(3), publicKeyOf(recipient), queue(ephemeral, iv));
  const flip = (i: number) => {
    const t = data.slice();
    t[i] = t[i]! ^ 0x01;
    return t;
  };
  const offCurve = data.slice();
  offCurve.fill(0x01, 1, 65); // x = y = 0x0101..: not a curve point
  const compressed = data.slice();
  compressed[0] = 0x02;
  it.each<[string, () => unknown, string]>([
    ['wrong private key', () => eciesDecrypt(data, ephemeral), 'decrypt-failed'],
    ['flipped bit in the tag', () => eciesDecrypt(flip(data.length - 1), recipient), 'decrypt-failed'],
    ['flipped bit in the IV', () => eciesDecrypt(flip(70), recipient), 'decrypt-failed'],
    ['flipped bit in the ciphertext', () => eciesDecrypt(flip(100), recipient), 'decrypt-failed'],
    ['flipped bit in the ephemeral key x', () => eciesDecrypt(flip(10), recipient), 'decrypt-failed'],
    ['ephemeral key off the curve', () => eciesDecrypt(offCurve, recipient), 'decrypt-failed'],
    ['ephemeral key with a compressed prefix', () => eciesDecrypt(compressed, recipient), 'decrypt-failed'],
    ['truncated by one byte', () => eciesDecrypt(data.subarray(0, data.length - 1), recipient), 'decrypt-failed'],
    ['trailing byte', () => eciesDecrypt(Uint8Array.of(...data, 0), recipient), 'decrypt-failed'],
    ['112 bytes (less than R, IV and tag)', () => eciesDecrypt(data.subarray(0, 112), recipient), 'decrypt-failed'],
    ['empty', () => eciesDecrypt(new Uint8Array(0), recipient), 'decrypt-failed'],
    ['zero private key', () => eciesDecrypt(data, new Uint8Array(32)), 'bad-key'],
    ['31-byte private key', () => eciesDecrypt(data, recipient.subarray(1)), 'RangeError'],
    ['recipient public key off the curve', () => eciesEncrypt(hello, offCurve.subarray(0, 65), randomBytes), 'bad-key'],
    ['64-byte recipient public key', () => eciesEncrypt(hello, publicKeyOf(recipient).subarray(1), randomBytes), 'RangeError'],
  ])('%s -> %s', (_name, f, want) => {
    expect(code(f)).toBe(want);
  });

  it('R, IV and tag with an empty ciphertext (113 bytes) open to nothing', () => {
    const d = eciesEncrypt(new Uint8Array(0), publicKeyOf(recipient), randomBytes);
    expect(d.length).toBe(113);
    expect(eciesDecrypt(d, recipient)).toEqual(new Uint8Array(0));
  });

  it('trial decryption: the plaintext for the key, undefined (never an error) for any other data; misuse still throws', () => {
    const d = eciesEncrypt(hello, publicKeyOf(recipient), randomBytes);
    expect(eciesTryDecrypt(d, recipient)).toEqual(hello);
    const other = h('11'.repeat(32));
    const flipped = d.slice();
    flipped[d.length - 1]! ^= 1;
    const hybrid = d.slice();
    hybrid[0] = 0x06;
    for (const [data, key] of [[d, other], [flipped, recipient], [hybrid, recipient], [d.subarray(0, 100), recipient]] as const)
      expect(eciesTryDecrypt(data, key)).toBeUndefined();
    expect(() => eciesTryDecrypt(d, new Uint8Array(32))).toThrow(/invalid private key/);
  });
});
