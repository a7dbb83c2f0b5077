// Per-hop key agreement for mix frames: X25519 between the frame's α and the hop's mix key, then
// HKDF-SHA256 (salt α) into the hop's keys: header MAC, header stream, payload LIONESS keys, the
// blinding factor for the next α, and the replay tag. Invariant: one (α, key) pair gives one
// shared secret and so one replay tag, however the rest of the frame was changed.

import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { GROUP_ELEMENT_SIZE, REPLAY_TAG_SIZE } from './constants.ts';
import { MixError } from './errors.ts';

export const LIONESS_KEY_SIZE = 128;

export interface HopKeys {
  /** HMAC-SHA256 key for γ. */
  readonly mac: Uint8Array;
  /** ChaCha20 key for the β stream. */
  readonly header: Uint8Array;
  /** Four 32-byte LIONESS subkeys for this hop's payload layer. */
  readonly payload: Uint8Array;
  /** Scalar that turns this hop's α into the next hop's. */
  readonly blinding: Uint8Array;
  /** Same frame under the same key, same tag: what the replay cache remembers. */
  readonly replayTag: Uint8Array;
}

const INFO = new TextEncoder().encode('shh/6/mix/1 hop keys');
const SIZES = [32, 32, LIONESS_KEY_SIZE, 32, REPLAY_TAG_SIZE] as const;
const TOTAL = SIZES.reduce((a, b) => a + b, 0);

/** Keys of one hop from its shared secret and the α it was agreed on. */
export function hopKeys(shared: Uint8Array, alpha: Uint8Array): HopKeys {
  if (alpha.length !== GROUP_ELEMENT_SIZE) throw new RangeError('alpha must be 32 bytes');
  const okm = hkdf(sha256, shared, alpha, INFO, TOTAL);
  const parts: Uint8Array[] = [];
  let o = 0;
  for (const n of SIZES) {
    parts.push(okm.slice(o, o + n));
    o += n;
  }
  const [mac, header, payload, blinding, replayTag] = parts as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { mac, header, payload, blinding, replayTag };
}

/** scalar · u on Curve25519 (scalar clamped as X25519 does); low-order inputs are refused. */
export function exp(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  if (scalar.length !== 32 || u.length !== GROUP_ELEMENT_SIZE) throw new RangeError('scalar and group element must be 32 bytes');
  try {
    return x25519.scalarMult(scalar, u);
  } catch (err) {
    throw new MixError('bad-key', `group element refused: ${(err as Error).message}`);
  }
}

/** scalar · G. */
export function expBase(scalar: Uint8Array): Uint8Array {
  if (scalar.length !== 32) throw new RangeError('scalar must be 32 bytes');
  return x25519.scalarMultBase(scalar);
}
