// Validation of an incoming envelope (docs/PROTOCOL.md), in the spec's order and with its tolerances:
// future (> 10 s) invalid; expired > 20 s invalid; expired within 20 s ignored; too large invalid;
// PoW below the minimum invalid; already known ignored. Only `validateEnvelope` makes a
// VerifiedEnvelope, so the type records that every rule was checked.
// One pass, no re-encoding: the RLP is scanned in place, the PoW's `short` form is spliced from it (a
// new list header over the first four items, which a strict decode proves canonical), and each of the
// two hashes (envelope, PoW) is computed once, by keccak.ts; the envelope hash travels with the result,
// and the result holds the payload once (topic and data are views of its rlp).

import { EXPIRY_TOLERANCE, FUTURE_TOLERANCE, ENVELOPE_HEADER_LENGTH } from './constants.ts';
import { scanEnvelope, type Envelope, type EnvelopeLayout } from './envelope.ts';
import { WhisperError, isWhisperError } from './errors.ts';
import { keccak256, keccak256WithNonce } from './keccak.ts';
import { leadingZeroBits, powFromZeros } from './pow.ts';

declare const verified: unique symbol;

/**
 * An envelope that passed every rule, with its wire bytes, hash and PoW. `topic`, `data` and `rlp` are
 * views of one copy of the input (the input itself is never aliased).
 */
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

/** The nonce item's payload (canonical big-endian, 0 to 8 bytes) as a bigint, with one allocation. */
function readNonce(b: Uint8Array, start: number, end: number): bigint {
  let hi = 0;
  let lo = 0;
  const split = Math.max(start, end - 4);
  for (let i = start; i < split; i++) hi = hi * 256 + b[i]!;
  for (let i = split; i < end; i++) lo = lo * 256 + b[i]!;
  const v = hi * 2 ** 32 + lo;
  return Number.isSafeInteger(v) ? BigInt(v) : (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * keccak256(short ‖ nonce as 8 bytes big-endian) with `short` spliced from the envelope's RLP: the
 * list header for [expiry, ttl, topic, data] followed by those four items' bytes as they came.
 */
export function powHashOf(rlp: Uint8Array, l: EnvelopeLayout, nonce = readNonce(rlp, l.nonceStart, rlp.length)): { hash: Uint8Array; shortLength: number } {
  const body = l.nonceItem - l.bodyStart;
  const headerLength = body < 56 ? 1 : body < 256 ? 2 : body < 65536 ? 3 : body < 16777216 ? 4 : 5;
  const header = new Uint8Array(headerLength);
  if (headerLength === 1) header[0] = 0xc0 + body;
  else {
    header[0] = 0xf7 + headerLength - 1;
    for (let i = headerLength - 1, n = body; i >= 1; i--, n = Math.floor(n / 256)) header[i] = n & 0xff;
  }
  return { hash: keccak256WithNonce(header, rlp, l.bodyStart, l.nonceItem, nonce), shortLength: headerLength + body };
}

/**
 * Checks `rlp` against every rule. `hash`, when given, must be keccak256(rlp) as the caller already
 * computed it from these very bytes (gossip's message id, say): it is used as is, saving a keccak.
 * `pow`, given only with `hash`, must be these bytes' PoW as computed when they were validated before
 * (a store's row proven intact, src/core/envelope-store.ts): it saves the other keccak. Every rule is
 * still applied, the minimum PoW and the clock included.
 */
export function validateEnvelope(
  rlp: Uint8Array,
  policy: ValidationPolicy,
  isKnown?: (hash: Uint8Array) => boolean,
  hash?: Uint8Array,
  pow?: number,
): Verdict {
  if (hash !== undefined && !(hash instanceof Uint8Array && hash.length === 32))
    throw new TypeError('hash must be the 32-byte keccak256 of rlp');
  if (pow !== undefined && (hash === undefined || typeof pow !== 'number' || !(pow >= 0)))
    throw new TypeError('pow must be a number >= 0, given with the hash');
  if (rlp.length > policy.maxSize + MAX_RLP_OVERHEAD)
    return reject('too-large', `huge messages are not allowed (${rlp.length} bytes)`);
  let l: EnvelopeLayout;
  try {
    l = scanEnvelope(rlp);
  } catch (e) {
    if (isWhisperError(e)) return { kind: 'reject', error: e };
    throw e;
  }
  const now = policy.now;
  // geth computes sent = expiry - ttl in uint32, so ttl > expiry wraps to the far future.
  const sent = l.expiry - l.ttl;
  if (sent < 0 || sent > now + FUTURE_TOLERANCE) return reject('future', 'envelope created in the future');
  if (l.expiry < now) {
    if (l.expiry + EXPIRY_TOLERANCE < now) return reject('expired', 'very old message');
    return { kind: 'ignore', reason: 'expired' };
  }
  if (ENVELOPE_HEADER_LENGTH + l.dataEnd - l.dataStart > policy.maxSize)
    return reject('too-large', 'huge messages are not allowed');
  const nonce = readNonce(rlp, l.nonceStart, rlp.length);
  let work = pow;
  if (work === undefined) {
    const p = powHashOf(rlp, l, nonce);
    work = powFromZeros(leadingZeroBits(p.hash), p.shortLength, l.ttl);
  }
  if (work < policy.minPow) return reject('low-pow', `envelope with low PoW received: PoW=${work}`);
  const id = hash?.slice() ?? keccak256(rlp);
  if (isKnown?.(id)) return { kind: 'ignore', reason: 'duplicate' };
  const copy = rlp.slice();
  const envelope = {
    expiry: l.expiry,
    ttl: l.ttl,
    topic: copy.subarray(l.topicStart, l.topicStart + 4),
    data: copy.subarray(l.dataStart, l.dataEnd),
    nonce,
    rlp: copy,
    hash: id,
    pow: work,
  } as VerifiedEnvelope;
  return { kind: 'accept', envelope };
}
