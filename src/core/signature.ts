// Whisper's message signatures (docs/PROTOCOL.md §2): secp256k1 over a 32-byte keccak256 digest, serialised as
// r (32) ‖ s (32) ‖ v (1) with v in {0, 1}, and public-key recovery from it. Keys are 32-byte private
// keys and 65-byte uncompressed public keys; recovery accepts what geth accepts (v < 4, any valid s).

import { HASH_LENGTH, PRIVATE_KEY_LENGTH, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './constants.ts';
import { WhisperError } from './errors.ts';
import { secp256k1Backend } from './secp256k1.ts';

function bytesArg(x: unknown, name: string, length?: number): Uint8Array {
  if (!(x instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (length !== undefined && x.length !== length) throw new RangeError(`${name} must be ${length} bytes, got ${x.length}`);
  return x;
}

export const isValidPrivateKey = (k: Uint8Array): boolean =>
  k instanceof Uint8Array && k.length === PRIVATE_KEY_LENGTH && secp256k1Backend().isPrivateKey(k);

export const isValidPublicKey = (k: Uint8Array): boolean =>
  k instanceof Uint8Array && k.length === PUBLIC_KEY_LENGTH && secp256k1Backend().isPublicKey(k);

/** 65-byte uncompressed public key. Throws WhisperError 'bad-key' for zero or out-of-range keys. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  bytesArg(privateKey, 'privateKey', PRIVATE_KEY_LENGTH);
  const pub = secp256k1Backend().isPrivateKey(privateKey) ? secp256k1Backend().publicKey(privateKey) : null;
  if (!pub) throw new WhisperError('bad-key', 'invalid private key');
  return pub;
}

/** Signs a 32-byte digest: r ‖ s ‖ v, v in {0, 1} (geth crypto.Sign). */
export function signHash(hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  bytesArg(hash, 'hash', HASH_LENGTH);
  bytesArg(privateKey, 'privateKey', PRIVATE_KEY_LENGTH);
  const b = secp256k1Backend();
  const s = b.isPrivateKey(privateKey) ? b.sign(hash, privateKey) : null;
  if (!s) throw new WhisperError('bad-key', 'invalid private key');
  const out = new Uint8Array(SIGNATURE_LENGTH);
  out.set(s.signature);
  out[64] = s.recovery;
  return out;
}

/** The 65-byte public key that signed `hash`. Throws WhisperError 'bad-signature'. */
export function recoverPublicKey(hash: Uint8Array, signature: Uint8Array): Uint8Array {
  bytesArg(hash, 'hash', HASH_LENGTH);
  bytesArg(signature, 'signature');
  if (signature.length !== SIGNATURE_LENGTH)
    throw new WhisperError('bad-signature', `signature must be ${SIGNATURE_LENGTH} bytes`);
  const v = signature[64]!;
  // geth's secp256k1.RecoverPubkey refuses v >= 4; 27/28 (the Ethereum transaction form) included.
  if (v > 3) throw new WhisperError('bad-signature', `invalid recovery id ${v}`);
  const pub = secp256k1Backend().recover(hash, signature.subarray(0, 64), v);
  if (!pub) throw new WhisperError('bad-signature', 'signature does not recover a public key');
  return pub;
}
