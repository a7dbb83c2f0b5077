import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../../src/core/bytes.ts';
import { bloomMatches, bloomOr, fullBloom, topicBloom } from '../../src/core/bloom.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { topicFromJson, topicToJson } from '../../src/core/topic.ts';

const t = (hex: string) => fromHex(hex, false);

describe('topic JSON (docs/PROTOCOL.md §6)', () => {
  it('"0x007f80ff" <-> 00 7f 80 ff', () => {
    expect(topicFromJson('0x007f80ff')).toEqual(Uint8Array.of(0x00, 0x7f, 0x80, 0xff));
    expect(topicToJson(Uint8Array.of(0x00, 0x7f, 0x80, 0xff))).toBe('0x007f80ff');
    expect(topicFromJson('0X007F80FF')).toEqual(Uint8Array.of(0x00, 0x7f, 0x80, 0xff));
  });
  it.each([['0x007f80'], ['0x007f80ff00'], ['007f80ff'], ['0x007f80fg'], ['0x'], [''], ['0x 07f80ff'], [42], [null], [['0x007f80ff']]])(
    'refuses %j',
    (bad) => {
      let err: unknown;
      try {
        topicFromJson(bad);
      } catch (e) {
        err = e;
      }
      expect(isWhisperError(err, 'bad-topic')).toBe(true);
    },
  );
  it('round trips every topic', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
      expect(topicFromJson(topicToJson(b))).toEqual(b);
    }));
  });
});

// [topic, {byteIndex: value}] with every other byte zero.
const blooms: [string, Record<number, number>][] = [
  ['0000ff06', { 0: 0x01, 32: 0x01, 63: 0x80 }], // public vector
  ['00010800', { 0: 0x02, 1: 0x01 }], // 0 and 1 share byte 0: the later write wins, then 8 sets byte 1
  ['ffffffff', { 63: 0x80 }], // all three indices are 511
  ['00000000', { 0: 0x01 }],
];

describe('topic bloom (docs/PROTOCOL.md §6), geth quirk included', () => {
  it.each(blooms)('bloom of %s', (topic, bytes) => {
    const want = new Uint8Array(64);
    for (const [i, v] of Object.entries(bytes)) want[Number(i)] = v;
    expect(topicBloom(t(topic))).toEqual(want);
  });
  it('a topic bloom matches itself, a union of blooms and the full bloom; not an unrelated one', () => {
    const a = topicBloom(t('0000ff06'));
    const b = topicBloom(t('12345678'));
    expect(bloomMatches(a, a)).toBe(true);
    expect(bloomMatches(bloomOr(a, b), b)).toBe(true);
    expect(bloomMatches(fullBloom(), b)).toBe(true);
    expect(bloomMatches(a, b)).toBe(false);
  });
  it('misuse is a RangeError', () => {
    expect(() => topicBloom(t('000000'))).toThrow(RangeError);
    expect(() => bloomMatches(new Uint8Array(63), new Uint8Array(64))).toThrow(RangeError);
  });
});
