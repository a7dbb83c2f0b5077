import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../src/core/bytes.ts';
import { encodeEnvelope, encodeShort, envelopeHash, scanEnvelope, type Envelope } from '../../src/core/envelope.ts';
import { envelopePow, powHash } from '../../src/core/pow.ts';
import { powHashOf, validateEnvelope, type ValidationPolicy } from '../../src/core/validate.ts';
import { makeEnvelope, testBytes } from './fixtures.ts';

const T = 1_700_000_000;
const policy: ValidationPolicy = { minPow: 0.2, maxSize: 64 * 1024, now: T };
const rlpOf = (o: Parameters<typeof makeEnvelope>[0]) => encodeEnvelope(makeEnvelope(o));

// Each row: what is sent, when it is checked, and the verdict docs/PROTOCOL.md §1 requires.
const cases: [string, Parameters<typeof makeEnvelope>[0], Partial<ValidationPolicy>, string][] = [
  ['fresh envelope', { now: T }, {}, 'accept'],
  ['sent 10 s in the future: tolerated', { now: T + 10 }, {}, 'accept'],
  ['sent 11 s in the future', { now: T + 11 }, {}, 'reject:future'],
  ['expires this second: still live', { now: T - 60, ttl: 60 }, {}, 'accept'],
  ['expired 1 s ago: dropped quietly', { now: T - 61, ttl: 60 }, {}, 'ignore:expired'],
  ['expired 20 s ago: dropped quietly', { now: T - 80, ttl: 60 }, {}, 'ignore:expired'],
  ['expired 21 s ago: invalid', { now: T - 81, ttl: 60 }, {}, 'reject:expired'],
  ['size exactly at the maximum', { now: T, data: testBytes(1)(1004) }, { maxSize: 1024 }, 'accept'],
  ['size one byte over the maximum', { now: T, data: testBytes(1)(1005) }, { maxSize: 1024 }, 'reject:too-large'],
  ['PoW below the minimum', { now: T, target: 0.001 }, { minPow: 50 }, 'reject:low-pow'],
  ['PoW at a higher target accepted', { now: T, target: 2 }, { minPow: 2 }, 'accept'],
];

describe('validateEnvelope: docs/PROTOCOL.md §1 rules and tolerances', () => {
  it.each(cases)('%s', (_name, make, pol, want) => {
    const v = validateEnvelope(rlpOf(make), { ...policy, ...pol });
    const got = v.kind === 'accept' ? 'accept' : v.kind === 'ignore' ? `ignore:${v.reason}` : `reject:${v.error.code}`;
    expect(got).toBe(want);
  });

  it('a known envelope is a duplicate, and the verified one carries rlp, hash and pow', () => {
    const rlp = rlpOf({ now: T });
    const v = validateEnvelope(rlp, policy);
    expect(v.kind).toBe('accept');
    if (v.kind !== 'accept') return;
    expect(v.envelope.rlp).toEqual(rlp);
    expect(v.envelope.pow).toBeGreaterThanOrEqual(0.2);
    const d = validateEnvelope(rlp, policy, (h) => h.every((b, i) => b === v.envelope.hash[i]));
    expect(d).toEqual({ kind: 'ignore', reason: 'duplicate' });
  });

  it('ttl larger than expiry wraps into the future, as geth computes it in uint32', () => {
    const e = makeEnvelope({ now: T });
    const v = validateEnvelope(encodeEnvelope({ ...e, ttl: e.expiry + 1 }), policy);
    expect(v.kind === 'reject' && v.error.code).toBe('future');
  });

  it('malformed bytes are rejected, never thrown', () => {
    for (const bad of [new Uint8Array(0), Uint8Array.of(0xc0), testBytes(9)(300)]) {
      const v = validateEnvelope(bad, policy);
      expect(v.kind).toBe('reject');
    }
  });

  it('input far larger than the maximum is refused before decoding', () => {
    const v = validateEnvelope(new Uint8Array(64 * 1024 + 100), policy);
    expect(v.kind === 'reject' && v.error.code).toBe('too-large');
  });

  it('the verified envelope does not alias the input buffer', () => {
    const rlp = rlpOf({ now: T });
    const v = validateEnvelope(rlp, policy);
    const copy = rlp.slice();
    rlp.fill(0);
    expect(v.kind === 'accept' && v.envelope.rlp).toEqual(copy);
  });
});

describe('validateEnvelope: the one-pass path agrees with the reference (decode, re-encode, @noble)', () => {
  // Data lengths around the sizes where the short form's list header grows: 1 -> 2 bytes (payload 56),
  // 2 -> 3 (256), 3 -> 4 (65 536).
  const lengths = [0, 1, 40, 41, 42, 43, 44, 45, 240, 241, 242, 243, 244, 245, 246, 65_520, 65_521, 65_522, 65_523, 65_524];
  it.each(lengths)('short form spliced from the RLP = encodeShort, data of %i bytes', (n) => {
    for (const [expiry, ttl, nonce] of [[T + 60, 60, 0n], [T + 300, 300, 276n], [T + 70_000, 70_000, 0xffff_ffff_ffff_ffffn]] as const) {
      const e: Envelope = { expiry, ttl, topic: Uint8Array.of(9, 8, 7, 6), data: testBytes(n + 1)(n), nonce };
      const rlp = encodeEnvelope(e);
      const got = powHashOf(rlp, scanEnvelope(rlp));
      const short = encodeShort(e);
      expect(got.shortLength).toBe(short.length);
      expect(toHex(got.hash)).toBe(toHex(powHash(short, nonce)));
    }
  });

  it('accepts with the reference hash, PoW and fields, for any live envelope', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ maxLength: 700 }),
        fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
        (ttl, topic, data, nonce) => {
          const e: Envelope = { expiry: T + ttl, ttl, topic, data, nonce };
          const rlp = encodeEnvelope(e);
          const v = validateEnvelope(rlp, { minPow: 0, maxSize: 1 << 20, now: T });
          expect(v.kind).toBe('accept');
          if (v.kind !== 'accept') return;
          const got = v.envelope;
          expect(got.pow).toBe(envelopePow(e));
          expect(got.hash).toEqual(envelopeHash(rlp));
          expect(got.rlp).toEqual(rlp);
          expect({ expiry: got.expiry, ttl: got.ttl, topic: got.topic, data: got.data, nonce: got.nonce }).toEqual(e);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds the payload once: topic, data and rlp are views of one copy of the input', () => {
    const rlp = rlpOf({ now: T });
    const v = validateEnvelope(rlp, policy);
    if (v.kind !== 'accept') throw new Error('fixture refused');
    const e = v.envelope;
    expect(e.topic.buffer).toBe(e.rlp.buffer);
    expect(e.data.buffer).toBe(e.rlp.buffer);
    expect(e.rlp.buffer).not.toBe(rlp.buffer);
  });

  it('uses a hash the caller already computed, copied, and refuses one that is not 32 bytes', () => {
    const rlp = rlpOf({ now: T });
    const hash = envelopeHash(rlp);
    const v = validateEnvelope(rlp, policy, undefined, hash);
    expect(v.kind === 'accept' && v.envelope.hash).toEqual(hash);
    expect(v.kind === 'accept' && v.envelope.hash).not.toBe(hash);
    expect(() => validateEnvelope(rlp, policy, undefined, hash.subarray(1))).toThrow(TypeError);
  });
});
