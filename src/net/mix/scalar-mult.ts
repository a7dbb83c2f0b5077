// The X25519 multiplications a mix does per frame (the key agreement and the blinding), on the
// platform's native WebCrypto X25519 where it exists (Node 24, recent Chromium and Firefox), else on
// @noble/curves. Peeling is dominated by these two multiplications and the native ones are an order
// of magnitude faster. Invariant: both give the same bytes (RFC 7748, scalar clamped); `nativeScalarMult`
// checks that against noble on a known input before it is used, and low-order results are `bad-key`.

import { x25519 } from '@noble/curves/ed25519.js';
import { concatBytes, equalBytes, fromHex } from '../../core/bytes.ts';
import { MixError } from '../../core/mix/errors.ts';
import { exp } from '../../core/mix/kdf.ts';
import type { ScalarMult } from '../../core/mix/packet.ts';

/** PKCS #8 wrapping of a raw X25519 private key (RFC 8410): the prefix before the 32 key bytes. */
const PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420', false);
const ALG = { name: 'X25519' } as const;

export const nobleScalarMult: ScalarMult = async (scalar, u) => exp(scalar, u);

/**
 * WebCrypto X25519 as a ScalarMult, or undefined if this platform lacks it or disagrees with noble
 * (`onFallback` hears why).
 */
export async function nativeScalarMult(
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
  onFallback: (reason: unknown) => void = () => undefined,
): Promise<ScalarMult | undefined> {
  if (!subtle) {
    onFallback(new Error('no WebCrypto'));
    return undefined;
  }
  const cache = new WeakMap<Uint8Array, Promise<CryptoKey>>(); // the static mix keys, imported once
  const privateKey = (scalar: Uint8Array): Promise<CryptoKey> => {
    let k = cache.get(scalar);
    if (!k) {
      k = subtle.importKey('pkcs8', new Uint8Array(concatBytes(PKCS8_PREFIX, scalar)), ALG, false, ['deriveBits']);
      cache.set(scalar, k);
    }
    return k;
  };
  const mult: ScalarMult = async (scalar, u) => {
    if (scalar.length !== 32 || u.length !== 32) throw new RangeError('scalar and group element must be 32 bytes');
    let bits: ArrayBuffer;
    try {
      const pub = await subtle.importKey('raw', new Uint8Array(u), ALG, false, []);
      bits = await subtle.deriveBits({ name: 'X25519', public: pub }, await privateKey(scalar), 256);
    } catch (err) {
      throw new MixError('bad-key', `group element refused: ${(err as Error).message}`);
    }
    const out = new Uint8Array(bits);
    if (out.every((b) => b === 0)) throw new MixError('bad-key', 'group element of low order');
    return out;
  };
  try {
    const scalar = new Uint8Array(32).map((_, i) => i + 1);
    const u = x25519.getPublicKey(new Uint8Array(32).fill(9));
    if (equalBytes(await mult(scalar, u), x25519.scalarMult(scalar, u))) return mult;
    onFallback(new Error('WebCrypto X25519 disagrees with @noble/curves'));
  } catch (err) {
    onFallback(err); // no X25519 in this WebCrypto
  }
  return undefined;
}
