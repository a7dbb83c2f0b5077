import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BODY_SIZE, FRAGMENT_DATA_SIZE, FRAGMENT_HEADER_SIZE, FRAGMENT_ID_SIZE, MAX_FRAGMENTS } from '../../../src/core/mix/constants.ts';
import { isMixError } from '../../../src/core/mix/errors.ts';
import { decodeFragment, encodeFragment, fragmentEnvelope } from '../../../src/core/mix/fragment.ts';
import { lionessDecrypt, lionessEncrypt } from '../../../src/core/mix/lioness.ts';
import { Reassembler } from '../../../src/core/mix/reassembly.ts';
import { seeded } from './helpers.ts';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (isMixError(e)) return e.code;
    throw e;
  }
  return undefined;
};

describe('fragment codec', () => {
  it('any envelope survives fragmenting, any arrival order and duplicates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: FRAGMENT_DATA_SIZE * 4 + 3 }), fc.integer(), (len, seed) => {
        const envelope = seeded(`env ${seed}`)(len);
        const bodies = fragmentEnvelope(envelope, seeded(`id ${seed}`));
        expect(bodies.length).toBe(Math.ceil(len / FRAGMENT_DATA_SIZE));
        expect(bodies.every((b) => b.length === BODY_SIZE)).toBe(true);
        const order = [...bodies.keys()].sort((a, b) => ((a * 7 + seed) % 5) - ((b * 7 + seed) % 5));
        const r = new Reassembler({ now: () => 0, maxBytes: 1 << 20, ttlMs: 1000 });
        const again = bodies.length > 1 ? [order[0]!] : []; // a one-fragment message has no state to dedupe
        const outs = [...again, ...order].map((i) => r.add(decodeFragment(bodies[i]!))).filter((x) => x !== undefined);
        expect(outs).toEqual([envelope]);
        expect(r.bytes).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  const good = () => encodeFragment({ id: new Uint8Array(FRAGMENT_ID_SIZE).fill(1), index: 0, count: 2, data: new Uint8Array(FRAGMENT_DATA_SIZE).fill(2) });
  const patch = (f: (b: Uint8Array, v: DataView) => void) => {
    const b = good();
    f(b, new DataView(b.buffer));
    return b;
  };
  it.each<[string, Uint8Array, string]>([
    ['short body', good().subarray(1), 'bad-length'],
    ['long body', new Uint8Array(BODY_SIZE + 1), 'bad-length'],
    ['count 0', patch((_, v) => v.setUint16(FRAGMENT_ID_SIZE + 2, 0)), 'bad-fragment'],
    ['count over cap', patch((_, v) => v.setUint16(FRAGMENT_ID_SIZE + 2, MAX_FRAGMENTS + 1)), 'bad-fragment'],
    ['index = count', patch((_, v) => v.setUint16(FRAGMENT_ID_SIZE, 2)), 'bad-fragment'],
    ['empty data', patch((_, v) => v.setUint16(FRAGMENT_ID_SIZE + 4, 0)), 'bad-fragment'],
    ['length over room', patch((_, v) => v.setUint16(FRAGMENT_ID_SIZE + 4, FRAGMENT_DATA_SIZE + 1)), 'bad-fragment'],
    ['short non-last', patch((_, v) => v.setUint16(FRAGMENT_ID_SIZE + 4, 5)), 'bad-fragment'],
    ['non-zero padding', patch((b, v) => (v.setUint16(FRAGMENT_ID_SIZE + 2, 1), v.setUint16(FRAGMENT_ID_SIZE + 4, 5), (b[FRAGMENT_HEADER_SIZE + 5] = 1))), 'bad-fragment'],
  ])('refuses %s', (_, body, code) => {
    expect(codeOf(() => decodeFragment(body))).toBe(code);
  });

  it('refuses an empty or oversized envelope when cutting', () => {
    expect(() => fragmentEnvelope(new Uint8Array(0), seeded('e'))).toThrow(RangeError);
    expect(() => fragmentEnvelope(new Uint8Array(MAX_FRAGMENTS * FRAGMENT_DATA_SIZE + 1), seeded('e'))).toThrow(RangeError);
  });
});

describe('reassembler bounds', () => {
  const frags = (seed: string, len: number) => fragmentEnvelope(seeded(seed)(len), seeded(`id ${seed}`)).map(decodeFragment);

  it('a partial message expires after ttlMs', () => {
    let now = 0;
    const r = new Reassembler({ now: () => now, maxBytes: 1 << 20, ttlMs: 1000 });
    const [a, b] = frags('ttl', FRAGMENT_DATA_SIZE + 1);
    expect(r.add(a!)).toBeUndefined();
    now = 1000;
    r.add(frags('other', FRAGMENT_DATA_SIZE + 1)[0]!); // any add sweeps expired partials
    expect(r.pending).toBe(1);
    expect(r.add(b!)).toBeUndefined(); // its first half is gone
  });

  it('holds at most maxBytes, dropping the oldest partial', () => {
    const r = new Reassembler({ now: () => 0, maxBytes: FRAGMENT_DATA_SIZE * 2, ttlMs: 1000 });
    const one = frags('one', FRAGMENT_DATA_SIZE * 2);
    const two = frags('two', FRAGMENT_DATA_SIZE * 2);
    const three = frags('three', FRAGMENT_DATA_SIZE * 2);
    r.add(one[0]!);
    r.add(two[0]!);
    r.add(three[0]!);
    expect(r.bytes).toBeLessThanOrEqual(FRAGMENT_DATA_SIZE * 2);
    expect(r.add(one[1]!)).toBeUndefined(); // the oldest was dropped
    expect(r.add(three[1]!)).toBeDefined();
  });

  it('refuses a fragment that contradicts an earlier one', () => {
    const r = new Reassembler({ now: () => 0, maxBytes: 1 << 20, ttlMs: 1000 });
    const [a] = frags('x', FRAGMENT_DATA_SIZE * 3);
    r.add(a!);
    expect(codeOf(() => r.add({ ...a!, count: 2 }))).toBe('bad-fragment');
    expect(codeOf(() => r.add({ ...a!, data: new Uint8Array(FRAGMENT_DATA_SIZE) }))).toBe('bad-fragment');
  });
});

describe('LIONESS', () => {
  it('round trips, and a changed ciphertext bit garbles the first 16 plaintext bytes', () => {
    const keys = seeded('lioness keys')(128);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 33, maxLength: 800 }), fc.nat(), (plain, at) => {
        const c = lionessEncrypt(keys, plain);
        expect(lionessDecrypt(keys, c)).toEqual(plain);
        const bit = at % (c.length * 8);
        c[bit >> 3]! ^= 1 << (bit & 7);
        expect(lionessDecrypt(keys, c).subarray(0, 16)).not.toEqual(plain.subarray(0, 16));
      }),
      { numRuns: 80 },
    );
  });
});
