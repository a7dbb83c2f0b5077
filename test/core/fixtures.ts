// Test fixtures: envelopes sealed with the reference PoW of src/core/pow.ts, deterministic bytes.
import { encodeEnvelope, encodeShort, type Envelope, type EnvelopeParams } from '../../src/core/envelope.ts';
import { leadingZeroBits, powHash, zerosForTarget } from '../../src/core/pow.ts';
import { validateEnvelope, type VerifiedEnvelope } from '../../src/core/validate.ts';
import { isWhisperError } from '../../src/core/errors.ts';

/** Deterministic pseudo-random bytes (xorshift32) for tests; never for secrets. */
export function testBytes(seed: number): (n: number) => Uint8Array {
  let x = seed | 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

/** Seals by brute force with the reference hash: only for small targets. */
export function sealReference(p: EnvelopeParams, target: number): Envelope {
  const short = encodeShort(p);
  const need = zerosForTarget(target, short.length, p.ttl);
  for (let nonce = 0n; ; nonce++) {
    if (leadingZeroBits(powHash(short, nonce)) >= need) return { ...p, nonce };
  }
}

export interface MakeOptions {
  now?: number; // unix seconds the envelope is sent at
  ttl?: number;
  topic?: Uint8Array;
  data?: Uint8Array;
  target?: number;
}

export function makeEnvelope(o: MakeOptions = {}): Envelope {
  const now = o.now ?? 1_700_000_000;
  const ttl = o.ttl ?? 60;
  return sealReference(
    { expiry: now + ttl, ttl, topic: o.topic ?? Uint8Array.of(1, 2, 3, 4), data: o.data ?? testBytes(now)(64) },
    o.target ?? 0.2,
  );
}

/** A verified envelope for pool tests; throws if it does not validate at `now`. */
export function makeVerified(o: MakeOptions = {}): VerifiedEnvelope {
  const e = makeEnvelope(o);
  const v = validateEnvelope(encodeEnvelope(e), { minPow: 0, maxSize: 1 << 20, now: o.now ?? 1_700_000_000 });
  if (v.kind !== 'accept') throw new Error(`fixture did not validate: ${v.kind}`);
  return v.envelope;
}

/** What `f` throws, as a table cell: the WhisperError code, else the error's name; 'no error' if none. */
export function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isWhisperError(e) ? e.code : (e as Error).name;
  }
  return 'no error';
}
