// The secp256k1 backend behind docs/PROTOCOL.md §2's signatures and ECIES, fastest first: this
// repository's WebAssembly build of libsecp256k1 (src/core/secp256k1-wasm.ts), then tiny-secp256k1 (also
// libsecp256k1 in WebAssembly, ~3x slower ECDH), then @noble/curves. All give the same bytes (RFC 6979
// low-S signatures, uncompressed keys); every operation returns null instead of throwing on bad input.

import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { PUBLIC_KEY_LENGTH } from './constants.ts';
import type { Secp256k1Backend } from './secp256k1-backend.ts';
import { loadLibsecp256k1 } from './secp256k1-wasm.ts';

export type { RecoverableSignature, Secp256k1Backend } from './secp256k1-backend.ts';

const attempt = <T>(f: () => T | null): T | null => {
  try {
    return f();
  } catch {
    return null;
  }
};
const uncompressedShape = (p: Uint8Array): boolean => p.length === PUBLIC_KEY_LENGTH && p[0] === 0x04;

export const nobleBackend: Secp256k1Backend = Object.freeze({
  name: 'noble' as const,
  source: '@noble/curves',
  isPrivateKey: (k: Uint8Array) => k.length === 32 && noble.utils.isValidSecretKey(k),
  isPublicKey: (p: Uint8Array) => uncompressedShape(p) && noble.utils.isValidPublicKey(p, false),
  publicKey: (k: Uint8Array) => attempt(() => noble.getPublicKey(k, false)),
  sharedX: (k: Uint8Array, p: Uint8Array) =>
    uncompressedShape(p) ? attempt(() => noble.getSharedSecret(k, p, true).subarray(1)) : null,
  sign: (hash: Uint8Array, k: Uint8Array) =>
    attempt(() => {
      // noble's "recovered" layout is recovery ‖ r ‖ s.
      const s = noble.sign(hash, k, { prehash: false, format: 'recovered' });
      return { signature: s.subarray(1), recovery: s[0]! };
    }),
  recover: (hash: Uint8Array, sig: Uint8Array, recovery: number) =>
    attempt(() => {
      if (sig.length !== 64 || hash.length !== 32) return null;
      const rs = new Uint8Array(65);
      rs[0] = recovery;
      rs.set(sig, 1);
      return noble.Signature.fromBytes(rs, 'recovered').recoverPublicKey(hash).toBytes(false);
    }),
});

type Tiny = typeof import('tiny-secp256k1');

function wasmBackend(t: Tiny): Secp256k1Backend {
  return Object.freeze({
    name: 'wasm' as const,
    source: 'tiny-secp256k1',
    isPrivateKey: (k: Uint8Array) => k.length === 32 && t.isPrivate(k),
    isPublicKey: (p: Uint8Array) => uncompressedShape(p) && t.isPoint(p),
    publicKey: (k: Uint8Array) => attempt(() => t.pointFromScalar(k, false)),
    // isPoint first: pointMultiply throws from inside the wasm for an off-curve point, and each such
    // throw leaks wasm state; after ~3,000 (hostile ephemeral keys) recover and ECDH fail for good.
    sharedX: (k: Uint8Array, p: Uint8Array) =>
      uncompressedShape(p) && t.isPoint(p) && k.length === 32 && t.isPrivate(k)
        ? attempt(() => t.pointMultiply(p, k, true)?.subarray(1) ?? null)
        : null,
    sign: (hash: Uint8Array, k: Uint8Array) =>
      attempt(() => {
        const s = t.signRecoverable(hash, k);
        return { signature: s.signature, recovery: s.recoveryId };
      }),
    recover: (hash: Uint8Array, sig: Uint8Array, recovery: number) =>
      recovery >= 0 && recovery <= 3
        ? attempt(() => t.recover(hash, sig, recovery as 0 | 1 | 2 | 3, false))
        : null,
  });
}

/** A backend over a loaded tiny-secp256k1 module, after a self-test against noble. */
function checkedWasmBackend(t: Tiny): Secp256k1Backend {
  const b = wasmBackend(t);
  // A backend that loads but computes wrong answers must never replace the working one.
  const k = new Uint8Array(32).fill(7);
  const want = nobleBackend.publicKey(k)!;
  const got = b.publicKey(k);
  if (!got || got.length !== want.length || !got.every((x, i) => x === want[i]))
    throw new Error('secp256k1 wasm backend failed its self-test');
  return b;
}

/** Loads libsecp256k1 as WebAssembly. Rejects where WebAssembly cannot compile (CSP, no bundler support). */
export async function loadWasmBackend(): Promise<Secp256k1Backend> {
  return checkedWasmBackend(await import('tiny-secp256k1'));
}

let current: Secp256k1Backend = nobleBackend;

export const secp256k1Backend = (): Secp256k1Backend => current;

export function setSecp256k1Backend(b: Secp256k1Backend): void {
  current = b;
}

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** This repository's libsecp256k1 build, or null with the reason logged. */
function ownBuild(): Secp256k1Backend | null {
  try {
    return loadLibsecp256k1();
  } catch (e) {
    console.warn('shh:core:secp256k1 libsecp256k1 wasm build unusable, trying tiny-secp256k1:', reason(e));
    return null;
  }
}

/** Switches to the fastest backend that loads here; returns the backend in use afterwards. */
export async function useFastestSecp256k1(): Promise<'wasm' | 'noble'> {
  const own = ownBuild();
  if (own) return (current = own).name;
  try {
    current = await loadWasmBackend();
  } catch (e) {
    console.warn('shh:core:secp256k1 tiny-secp256k1 unusable, using @noble/curves:', reason(e));
    current = nobleBackend;
  }
  return current.name;
}

/**
 * Switches to this repository's libsecp256k1 build, else to an already imported tiny-secp256k1 (a
 * service worker may not use dynamic import(), so the extension imports it statically), else noble.
 */
export function useSecp256k1Module(t: Tiny): 'wasm' | 'noble' {
  const own = ownBuild();
  if (own) return (current = own).name;
  try {
    current = checkedWasmBackend(t);
  } catch (e) {
    console.warn('shh:core:secp256k1 tiny-secp256k1 unusable, using @noble/curves:', reason(e));
    current = nobleBackend;
  }
  return current.name;
}
