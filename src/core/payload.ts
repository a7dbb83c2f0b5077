// The plaintext inside an envelope's `data` (docs/PROTOCOL.md §2; geth 1.9 whisperv6 message.go):
//   flags (1) ‖ size (1-3 bytes LE) ‖ payload ‖ padding ‖ signature (65, when flag bit 2 is set).
// Writing always includes the size field and pads to a multiple of 256 unless padding is given.
// Reading is bounded like geth's ValidateAndParse: the rest after the payload, minus the signature, is padding.

import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  FLAG_SIGNED,
  FLAGS_SIZE_MASK,
  MAX_PAYLOAD_LENGTH,
  PADDING_BLOCK,
  PRIVATE_KEY_LENGTH,
  SIGNATURE_LENGTH,
} from './constants.ts';
import { WhisperError } from './errors.ts';
import { recoverPublicKey, signHash } from './signature.ts';

export interface PayloadParams {
  payload: Uint8Array;
  padding?: Uint8Array; // used as is when non-empty; random otherwise
  signer?: Uint8Array; // 32-byte private key
}

export interface OpenedPayload {
  payload: Uint8Array;
  padding: Uint8Array;
  signature?: Uint8Array; // 65 bytes r ‖ s ‖ v
  signer?: Uint8Array; // 65-byte uncompressed public key recovered from the signature
}

/** Bytes of the size field for a payload of this length: 1 below 256, 2 below 65536, else 3. */
export function sizeFieldLength(payloadLength: number): 1 | 2 | 3 {
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || payloadLength > MAX_PAYLOAD_LENGTH)
    throw new RangeError(`payload length must be an integer in 0..${MAX_PAYLOAD_LENGTH}`);
  return payloadLength < 0x100 ? 1 : payloadLength < 0x1_0000 ? 2 : 3;
}

/** Random padding geth adds: 256 - (raw % 256), so 1..256 bytes and a plaintext multiple of 256. */
export function paddingLength(payloadLength: number, signed: boolean): number {
  const raw = 1 + sizeFieldLength(payloadLength) + payloadLength + (signed ? SIGNATURE_LENGTH : 0);
  return PADDING_BLOCK - (raw % PADDING_BLOCK);
}

/** Builds the plaintext, signed when `signer` is given. randomBytes is called only for padding. */
export function encodePayload(p: PayloadParams, randomBytes: (n: number) => Uint8Array): Uint8Array {
  const { payload, padding, signer } = p;
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
  if (padding !== undefined && !(padding instanceof Uint8Array)) throw new TypeError('padding must be a Uint8Array');
  if (signer !== undefined) {
    if (!(signer instanceof Uint8Array)) throw new TypeError('signer must be a Uint8Array');
    if (signer.length !== PRIVATE_KEY_LENGTH) throw new RangeError(`signer must be ${PRIVATE_KEY_LENGTH} bytes`);
  }
  const sizeLen = sizeFieldLength(payload.length);
  const signed = signer !== undefined;
  // geth treats empty padding as "none given".
  let pad = padding;
  if (!pad || pad.length === 0) {
    const n = paddingLength(payload.length, signed);
    pad = randomBytes(n);
    if (!(pad instanceof Uint8Array) || pad.length !== n) throw new RangeError(`randomBytes must return ${n} bytes`);
  }
  const unsigned = 1 + sizeLen + payload.length + pad.length;
  const out = new Uint8Array(unsigned + (signed ? SIGNATURE_LENGTH : 0));
  // The signed flag is part of what is signed, so it is set before hashing.
  out[0] = sizeLen | (signed ? FLAG_SIGNED : 0);
  for (let i = 0, n = payload.length; i < sizeLen; i++, n >>>= 8) out[1 + i] = n & 0xff;
  out.set(payload, 1 + sizeLen);
  out.set(pad, 1 + sizeLen + payload.length);
  if (signer) out.set(signHash(keccak_256(out.subarray(0, unsigned)), signer), unsigned);
  return out;
}

const bad = (why: string): never => {
  throw new WhisperError('bad-payload', `payload: ${why}`);
};

/**
 * Parses a decrypted plaintext and recovers its signer. Throws 'bad-payload' for structure that does
 * not fit, 'bad-signature' when the signature recovers no key. Returns copies, never views.
 */
export function decodePayload(plain: Uint8Array): OpenedPayload {
  if (!(plain instanceof Uint8Array)) throw new TypeError('plain must be a Uint8Array');
  if (plain.length < 1) return bad('empty');
  const flags = plain[0]!;
  const signed = (flags & FLAG_SIGNED) !== 0;
  let end = plain.length;
  if (signed) {
    end -= SIGNATURE_LENGTH;
    if (end <= 1) bad('signed flag set but too short for a signature');
  }
  // geth reads a missing size field (length 0) as an empty payload: everything else is padding.
  const sizeLen = flags & FLAGS_SIZE_MASK;
  if (1 + sizeLen > end) bad('size field runs past the data');
  let size = 0;
  for (let i = sizeLen - 1; i >= 0; i--) size = size * 256 + plain[1 + i]!;
  const start = 1 + sizeLen;
  if (size > end - start) bad(`size field says ${size} bytes, only ${end - start} left`);
  const out: OpenedPayload = {
    payload: plain.slice(start, start + size),
    padding: plain.slice(start + size, end),
  };
  if (signed) {
    const signature = plain.slice(end);
    out.signature = signature;
    out.signer = recoverPublicKey(keccak_256(plain.subarray(0, end)), signature);
  }
  return out;
}
