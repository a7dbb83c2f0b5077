// Validation of an incoming envelope, SPEC §1, in the spec's order and with its tolerances:
// future (> 10 s) invalid; expired > 20 s invalid; expired within 20 s ignored; too large invalid;
// PoW below the minimum invalid; already known ignored. Only `validateEnvelope` makes a
// VerifiedEnvelope, so the type records that every rule was checked.

import { EXPIRY_TOLERANCE, FUTURE_TOLERANCE } from './constants.ts';
import { decodeEnvelope, encodeShort, envelopeHash, envelopeSize, type Envelope } from './envelope.ts';
import { WhisperError, isWhisperError } from './errors.ts';
import { envelopePow } from './pow.ts';

declare const verified: unique symbol;

/** An envelope that passed every rule of SPEC §1, with its wire bytes, hash and PoW. */
export type VerifiedEnvelope = Envelope & {
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

export type Verdict =
  | { kind: 'accept'; envelope: VerifiedEnvelope }
  | { kind: 'ignore'; reason: 'duplicate' | 'expired' }
  | { kind: 'reject'; error: WhisperError };

// The most RLP framing an envelope can carry beyond 20 + len(data): list header 5, expiry and ttl
// headers 1 each, topic header 1, data header 5, nonce header 1. Lets us refuse huge input before decoding.
const MAX_RLP_OVERHEAD = 14;

const reject = (code: WhisperError['code'], message: string): Verdict => ({
  kind: 'reject',
  error: new WhisperError(code, message),
});

export function validateEnvelope(
  rlp: Uint8Array,
  policy: ValidationPolicy,
  isKnown?: (hash: Uint8Array) => boolean,
): Verdict {
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
  const envelope = { ...env, rlp: rlp.slice(), hash, pow } as VerifiedEnvelope;
  return { kind: 'accept', envelope };
}
