// Frozen copy of src/core/validate.ts before the one-pass validation, for before/after figures in one
// run (bench/validate.ts, bench/pool-memory.ts): decode with copies, the envelope hash and the PoW hash
// on @noble/hashes, the short form re-encoded, the RLP copied again. Also the hex key as it was built
// (`+=`, a rope). Only the names changed.
// Validation of an incoming envelope, in the spec's order and with its tolerances:
// future (> 10 s) invalid; expired > 20 s invalid; expired within 20 s ignored; too large invalid;
// PoW below the minimum invalid; already known ignored. Only `validateEnvelope` makes a
// LegacyEnvelope, so the type records that every rule was checked.

import { EXPIRY_TOLERANCE, FUTURE_TOLERANCE } from '../../src/core/constants.ts';
import { decodeEnvelope, encodeShort, envelopeHash, envelopeSize, type Envelope } from '../../src/core/envelope.ts';
import { WhisperError, isWhisperError } from '../../src/core/errors.ts';
import { envelopePow } from '../../src/core/pow.ts';

declare const verified: unique symbol;

/** An envelope that passed every rule, with its wire bytes, hash and PoW. */
export type LegacyEnvelope = Envelope & {
  readonly rlp: Uint8Array;
  readonly hash: Uint8Array;
  readonly pow: number;
  readonly [verified]: true;
};

export interface ValidationPolicy {
  readonly minPow: number;
  readonly maxSize: number; // bytes, compared with envelopeSize (20 + len(data))
  readonly now: number; // unix seconds
}

export type LegacyVerdict =
  | { kind: 'accept'; envelope: LegacyEnvelope }
  | { kind: 'ignore'; reason: 'duplicate' | 'expired' }
  | { kind: 'reject'; error: WhisperError };

// The most RLP framing an envelope can carry beyond 20 + len(data): list header 5, expiry and ttl
// headers 1 each, topic header 1, data header 5, nonce header 1. Lets us refuse huge input before decoding.
const MAX_RLP_OVERHEAD = 14;

const reject = (code: WhisperError['code'], message: string): LegacyVerdict => ({
  kind: 'reject',
  error: new WhisperError(code, message),
});

export function legacyValidateEnvelope(
  rlp: Uint8Array,
  policy: ValidationPolicy,
  isKnown?: (hash: Uint8Array) => boolean,
): LegacyVerdict {
  if (rlp.length > policy.maxSize + MAX_RLP_OVERHEAD)
    return reject('too-large', `huge messages are not allowed (${rlp.length} bytes)`);
  let env: Envelope;
  try {
    env = decodeEnvelope(rlp);
  } catch (e) {
    if (isWhisperError(e)) return { kind: 'reject', error: e };
    throw e;
  }
  const hash = envelopeHash(rlp);
  const now = policy.now;
  // geth computes sent = expiry - ttl in uint32, so ttl > expiry wraps to the far future.
  const sent = env.expiry - env.ttl;
  if (sent < 0 || sent > now + FUTURE_TOLERANCE) return reject('future', 'envelope created in the future');
  if (env.expiry < now) {
    if (env.expiry + EXPIRY_TOLERANCE < now) return reject('expired', 'very old message');
    return { kind: 'ignore', reason: 'expired' };
  }
  if (envelopeSize(env) > policy.maxSize) return reject('too-large', 'huge messages are not allowed');
  const pow = envelopePow(env, encodeShort(env));
  if (pow < policy.minPow) return reject('low-pow', `envelope with low PoW received: PoW=${pow}`);
  if (isKnown?.(hash)) return { kind: 'ignore', reason: 'duplicate' };
  const envelope = { ...env, rlp: rlp.slice(), hash, pow } as LegacyEnvelope;
  return { kind: 'accept', envelope };
}

const HEX = '0123456789abcdef';

/** The hex key as src/core/bytes.ts built it: `+=` per byte, a rope of 2n nodes. */
export function legacyHexKey(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!;
  return s;
}
