// Sealing and opening an envelope's `data` (docs/PROTOCOL.md §2): the payload codec composed with AES-256-GCM
// (symmetric) or geth's ECIES (asymmetric). Opening fails with 'decrypt-failed' before it looks at
// the plaintext, then with 'bad-payload' / 'bad-signature' when the plaintext is malformed.

import { eciesDecrypt, eciesEncrypt, eciesTryDecrypt } from './ecies.ts';
import { decodePayload, encodePayload, type OpenedPayload, type PayloadParams } from './payload.ts';
import { decryptSymmetric, encryptSymmetric } from './symmetric.ts';

export type { OpenedPayload, PayloadParams } from './payload.ts';

export function sealSymmetric(p: PayloadParams, key: Uint8Array, randomBytes: (n: number) => Uint8Array): Uint8Array {
  return encryptSymmetric(encodePayload(p, randomBytes), key, randomBytes);
}

export function sealAsymmetric(
  p: PayloadParams,
  publicKey: Uint8Array,
  randomBytes: (n: number) => Uint8Array,
): Uint8Array {
  return eciesEncrypt(encodePayload(p, randomBytes), publicKey, randomBytes);
}

export function openSymmetric(data: Uint8Array, key: Uint8Array): OpenedPayload {
  return decodePayload(decryptSymmetric(data, key));
}

export function openAsymmetric(data: Uint8Array, privateKey: Uint8Array): OpenedPayload {
  return decodePayload(eciesDecrypt(data, privateKey));
}

/** Trial opening for filters: null when `data` is not for this key; a malformed plaintext still throws. */
export function tryOpenAsymmetric(data: Uint8Array, privateKey: Uint8Array): OpenedPayload | null {
  const plain = eciesTryDecrypt(data, privateKey);
  return plain ? decodePayload(plain) : null;
}
