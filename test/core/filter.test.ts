import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { Filters, matchFilter, type FilterCriteria, type Opener } from '../../src/core/filter.ts';
import * as message from '../../src/core/message.ts';
import { publicKeyOf } from '../../src/core/signature.ts';
import { validateEnvelope, type VerifiedEnvelope } from '../../src/core/validate.ts';
import { sealReference, testBytes } from './fixtures.ts';

/** Filters whose opener counts the keys it is asked to try. */
function counting() {
  const tried: string[] = [];
  const open: Opener = (c, data) => {
    tried.push(Buffer.from(c.symKey ?? c.privateKey!).toString('hex'));
    return c.symKey ? message.openSymmetric(data, c.symKey) : message.openAsymmetric(data, c.privateKey!);
  };
  return { filters: new Filters({ open }), tried };
}

const T = 1_700_000_000;
const rnd = testBytes(7);
const symKey = testBytes(1)(32);
const otherKey = testBytes(2)(32);
const priv = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const signerPriv = Uint8Array.from({ length: 32 }, (_, i) => 64 - i);
const topicA = Uint8Array.of(0, 0, 0, 1);
const topicB = Uint8Array.of(0, 0, 0, 2);

function envelope(data: Uint8Array, topic: Uint8Array, target = 0.2): VerifiedEnvelope {
  const e = sealReference({ expiry: T + 60, ttl: 60, topic, data }, target);
  const v = validateEnvelope(encodeEnvelope(e), { minPow: 0, maxSize: 1 << 20, now: T });
  if (v.kind !== 'accept') throw new Error('fixture');
  return v.envelope;
}
const symCriteria = (o: Partial<FilterCriteria> = {}): FilterCriteria => ({ symKey, topics: [topicA], minPow: 0, allowP2P: false, ...o });


describe('Filters', () => {
  it('tries keys only on envelopes whose topic a filter watches', () => {
    const { filters: f, tried } = counting();
    for (let i = 0; i < 50; i++) f.add(`f${i}`, symCriteria({ symKey: testBytes(100 + i)(32) }));
    const unwatched = envelope(message.sealSymmetric({ payload: Uint8Array.of(1) }, symKey, rnd), topicB);
    expect(f.match(unwatched)).toEqual([]);
    expect(tried).toEqual([]);
    const watched = envelope(message.sealSymmetric({ payload: Uint8Array.of(1) }, symKey, rnd), topicA);
    expect(f.match(watched)).toEqual([]);
    expect(tried).toHaveLength(50);
  });

  it('opens once per distinct key however many filters share it', () => {
    const { filters: f, tried } = counting();
    f.add('a', symCriteria());
    f.add('b', symCriteria({ topics: [topicA, topicB] }));
    f.add('c', symCriteria({ symKey: otherKey }));
    const e = envelope(message.sealSymmetric({ payload: Uint8Array.of(9) }, symKey, rnd), topicA);
    const got = f.match(e);
    expect(got.map((m) => m.id).sort()).toEqual(['a', 'b']);
    expect(got[0]!.message.payload).toEqual(Uint8Array.of(9));
    expect(tried.sort()).toEqual([Buffer.from(symKey).toString('hex'), Buffer.from(otherKey).toString('hex')].sort());
  });

  it('filters without topics watch every topic (asymmetric), and carry the recipient key', () => {
    const f = new Filters();
    f.add('any', { privateKey: priv, topics: [], minPow: 0, allowP2P: false });
    const e = envelope(message.sealAsymmetric({ payload: Uint8Array.of(5) }, publicKeyOf(priv), rnd), topicB);
    const [m] = f.match(e);
    expect(m?.message.recipientPublicKey).toEqual(publicKeyOf(priv));
    expect(m?.message).not.toHaveProperty('signer');
  });

  it('signer, minPow and allowP2P criteria', () => {
    const signed = envelope(message.sealSymmetric({ payload: Uint8Array.of(1), signer: signerPriv }, symKey, rnd), topicA, 1);
    expect(matchFilter(symCriteria({ signer: publicKeyOf(signerPriv) }), signed)?.signer).toEqual(publicKeyOf(signerPriv));
    expect(matchFilter(symCriteria({ signer: publicKeyOf(priv) }), signed)).toBeNull();
    expect(matchFilter(symCriteria({ minPow: signed.pow * 2 }), signed)).toBeNull();
    expect(matchFilter(symCriteria({ minPow: signed.pow }), signed)).not.toBeNull();
    expect(matchFilter(symCriteria(), signed, true)).toBeNull();
    expect(matchFilter(symCriteria({ allowP2P: true }), signed, true)).not.toBeNull();
  });

  it('garbage data and wrong keys are no match, never an exception', () => {
    const f = new Filters();
    f.add('a', symCriteria());
    f.add('k', { privateKey: priv, topics: [topicA], minPow: 0, allowP2P: false });
    for (const n of [0, 1, 27, 28, 100, 300]) expect(f.match(envelope(testBytes(n + 1)(n), topicA))).toEqual([]);
  });

  it('remove() stops matching and cleans the topic index; criteria are checked', () => {
    const f = new Filters();
    f.add('a', symCriteria());
    expect(f.remove('a')).toBe(true);
    expect(f.remove('a')).toBe(false);
    expect(f.size).toBe(0);
    expect(() => f.add('x', { topics: [], minPow: 0, allowP2P: false })).toThrow(TypeError);
    expect(() => f.add('x', symCriteria({ privateKey: priv }))).toThrow(TypeError);
    expect(() => f.add('x', symCriteria({ minPow: -1 }))).toThrow(RangeError);
    expect(() => f.add('x', symCriteria({ topics: [Uint8Array.of(1)] }))).toThrow(RangeError);
    f.add('x', symCriteria());
    expect(() => f.add('x', symCriteria())).toThrow(RangeError);
  });
});
