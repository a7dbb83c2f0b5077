// Regression found by bench/fuzz.ts (openAsymmetric): tiny-secp256k1 2.2.4 throws 'Expected Point'
// from inside its WebAssembly for an off-curve ephemeral key and leaks wasm state on each throw;
// after ~3,000 such envelopes every later recover (signer of every message) failed. sharedX must
// refuse an off-curve point before it reaches the wasm multiply.

import { describe, expect, it } from 'vitest';
import { isWhisperError } from '../../src/core/errors.ts';
import { eciesDecrypt } from '../../src/core/ecies.ts';
import { loadWasmBackend, nobleBackend } from '../../src/core/secp256k1.ts';

describe('secp256k1 wasm backend under hostile ephemeral keys', () => {
  it('10 000 off-curve keys leave ECDH and recovery intact', async () => {
    const b = await loadWasmBackend();
    const k = new Uint8Array(32).fill(7);
    const hash = new Uint8Array(32).fill(3);
    const sig = b.sign(hash, k)!;
    const pub = nobleBackend.publicKey(k)!;
    const offCurve = Uint8Array.from(pub);
    offCurve[64]! ^= 1;
    expect(b.isPublicKey(offCurve)).toBe(false);
    for (let i = 0; i < 10_000; i++) expect(b.sharedX(k, offCurve)).toBeNull();
    expect(b.recover(hash, sig.signature, sig.recovery)).toEqual(pub);
    expect(b.sharedX(k, pub)).toEqual(nobleBackend.sharedX(k, pub));
  });

  it('eciesDecrypt refuses an off-curve ephemeral key as decrypt-failed', () => {
    const data = new Uint8Array(65 + 16 + 32 + 8);
    data[0] = 4;
    data[1] = 1; // (1, 0) is not on the curve
    try {
      eciesDecrypt(data, new Uint8Array(32).fill(7));
      expect.unreachable();
    } catch (e) {
      expect(isWhisperError(e, 'decrypt-failed')).toBe(true);
    }
  });
});
