import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../../src/core/bytes.ts';
import { loadWasmBackend, nobleBackend, secp256k1Backend, useFastestSecp256k1 } from '../../src/core/secp256k1.ts';

// Loading here also proves tiny-secp256k1's WebAssembly loads under Vitest on Node 24.
const wasm = await loadWasmBackend();
const N = fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', false);
const arbKey = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((k) => nobleBackend.isPrivateKey(k));
const hash = new Uint8Array(32).fill(0xab);

describe('secp256k1 backends', () => {
  it('the wasm backend is libsecp256k1 and can be made the default', async () => {
    expect(wasm.name).toBe('wasm');
    expect(secp256k1Backend().name).toBe('noble');
    expect(await useFastestSecp256k1()).toBe('wasm');
    expect(secp256k1Backend().name).toBe('wasm');
  });

  it('agree byte for byte: public keys, ECDH, deterministic signatures, recovery', () => {
    fc.assert(
      fc.property(arbKey, arbKey, fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b, h) => {
        const pa = nobleBackend.publicKey(a)!;
        const pb = nobleBackend.publicKey(b)!;
        expect(wasm.publicKey(a)).toEqual(pa);
        const z = nobleBackend.sharedX(a, pb)!;
        expect(z.length).toBe(32);
        expect(wasm.sharedX(a, pb)).toEqual(z);
        expect(wasm.sharedX(b, pa)).toEqual(z);
        const s = nobleBackend.sign(h, a)!;
        expect(wasm.sign(h, a)).toEqual(s);
        expect(s.recovery === 0 || s.recovery === 1).toBe(true);
        expect(nobleBackend.recover(h, s.signature, s.recovery)).toEqual(pa);
        expect(wasm.recover(h, s.signature, s.recovery)).toEqual(pa);
      }),
      { numRuns: 50 },
    );
  });

  const offCurve = new Uint8Array(65);
  offCurve[0] = 4;
  offCurve[64] = 1;
  const good = nobleBackend.publicKey(new Uint8Array(32).fill(1))!;
  const compressed = Uint8Array.of(good[64]! & 1 ? 3 : 2, ...good.subarray(1, 33));
  const sig = nobleBackend.sign(hash, new Uint8Array(32).fill(1))!;

  describe.each([nobleBackend, wasm])('$name rejects bad input with null / false', (b) => {
    it.each<[string, Uint8Array]>([
      ['zero', new Uint8Array(32)],
      ['n', N],
      ['all ff', new Uint8Array(32).fill(0xff)],
      ['31 bytes', new Uint8Array(31).fill(1)],
    ])('private key %s', (_n, k) => {
      expect(b.isPrivateKey(k)).toBe(false);
      expect(b.publicKey(k)).toBeNull();
      expect(b.sharedX(k, good)).toBeNull();
      expect(b.sign(hash, k)).toBeNull();
    });
    it.each<[string, Uint8Array]>([
      ['off the curve', offCurve],
      ['compressed', compressed],
      ['wrong prefix', Uint8Array.of(6, ...good.subarray(1))],
      ['64 bytes', good.subarray(1)],
    ])('public key %s', (_n, p) => {
      expect(b.isPublicKey(p)).toBe(false);
      expect(b.sharedX(new Uint8Array(32).fill(1), p)).toBeNull();
    });
    it('signatures that recover nothing', () => {
      expect(b.recover(hash, new Uint8Array(64), 0)).toBeNull();
      expect(b.recover(hash, Uint8Array.of(...N, ...sig.signature.subarray(32)), 0)).toBeNull();
      expect(b.recover(hash, sig.signature, 4)).toBeNull();
      expect(b.recover(hash, sig.signature.subarray(1), sig.recovery)).toBeNull();
      expect(b.isPublicKey(good)).toBe(true);
    });
  });
});
