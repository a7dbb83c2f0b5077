// Regression found by bench/fuzz.ts (openAsymmetric): tiny-secp256k1 2.2.4 throws 'Expected Point'
// from inside its WebAssembly for an off-curve ephemeral key and leaks wasm state on each throw;
// after ~3,000 such envelopes every later recover (signer of every message) failed. sharedX must
// refuse an off-curve point before it reaches the wasm multiply. Both WebAssembly backends (tiny-secp256k1
// and this repository's libsecp256k1 build) are held to it.

import { afterAll, describe, expect, it } from 'vitest';
import { isWhisperError } from '../../src/core/errors.ts';
import { eciesDecrypt } from '../../src/core/ecies.ts';
import { loadWasmBackend, nobleBackend, setSecp256k1Backend, type Secp256k1Backend } from '../../src/core/secp256k1.ts';
import { loadLibsecp256k1 } from '../../src/core/secp256k1-wasm.ts';

const backends: [string, () => Promise<Secp256k1Backend>][] = [
  ['tiny-secp256k1', loadWasmBackend],
  ['libsecp256k1 build', async () => loadLibsecp256k1()],
  ['@noble/curves (eciesDecrypt only)', async () => nobleBackend],
];

afterAll(() => setSecp256k1Backend(nobleBackend));

describe.each(backends)('secp256k1 backend (%s) under hostile ephemeral keys', (name, load) => {
  it.skipIf(name.startsWith('@noble'))('10 000 off-curve keys leave ECDH and recovery intact', async () => {
    const b = await load();
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

  it('eciesDecrypt refuses an off-curve ephemeral key as decrypt-failed', async () => {
    setSecp256k1Backend(await load());
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
