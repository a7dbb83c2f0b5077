import { describe, expect, it } from 'vitest';
import { isWhisperError } from '../../src/core/errors.ts';
import { SYNC_MAX_IDS, SYNC_MAX_MESSAGE_BYTES, SYNC_MAX_RANGES, SYNC_VERSION } from '../../src/core/constants.ts';
import {
  decodeFrame,
  encodeEnd,
  encodeEnvelopeFrame,
  encodeWant,
  ReconcileWriter,
} from '../../src/net/sync/codec.ts';
import { INFINITE_BOUND, INFINITY } from '../../src/net/sync/items.ts';
import { decodeVarint, encodeVarint } from '../../src/net/sync/varint.ts';
import { IdSum } from '../../src/net/sync/fingerprint.ts';
import { toHex } from '../../src/core/bytes.ts';

const V = SYNC_VERSION;
const id = (b: number) => new Uint8Array(32).fill(b);
const frame = (...parts: (number | Uint8Array)[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce<number>((n, p) => n + (typeof p === 'number' ? 1 : p.length), 0));
  let o = 0;
  for (const p of parts) {
    if (typeof p === 'number') out[o++] = p;
    else out.set(p, (o += p.length) - p.length);
  }
  return out;
};
const badSync = (bytes: Uint8Array, match: RegExp) => {
  try {
    decodeFrame(bytes, 1024);
  } catch (e) {
    expect(isWhisperError(e, 'bad-sync')).toBe(true);
    expect((e as Error).message).toMatch(match);
    return;
  }
  throw new Error('decoded a hostile frame');
};

describe('sync varint (negentropy form)', () => {
  it('known encodings and round trips', () => {
    expect([...encodeVarint(0)]).toEqual([0]);
    expect([...encodeVarint(127)]).toEqual([127]);
    expect([...encodeVarint(128)]).toEqual([0x81, 0x00]);
    expect([...encodeVarint(300)]).toEqual([0x82, 0x2c]);
    for (const n of [0, 1, 127, 128, 16383, 16384, 2 ** 32, 2 ** 35 - 1]) expect(decodeVarint(encodeVarint(n), 0, 'x')).toEqual([n, encodeVarint(n).length]);
  });
  it('refuses truncated, overlong and non-canonical varints', () => {
    expect(() => decodeVarint(Uint8Array.of(0x81), 0, 'x')).toThrow(/truncated/);
    expect(() => decodeVarint(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 0, 'x')).toThrow(/longer than 5/);
    expect(() => decodeVarint(Uint8Array.of(0x80, 0x01), 0, 'x')).toThrow(/non-canonical/);
    expect(() => encodeVarint(-1)).toThrow(RangeError);
  });
});

describe('sync fingerprint', () => {
  it('sums ids little-endian mod 2^256 with carries, then hashes with the count', () => {
    const s = new IdSum();
    const a = new Uint8Array(32).fill(0xff);
    s.add(a);
    s.add(Uint8Array.of(1, ...new Uint8Array(31)));
    expect(toHex(s.bytes(), false)).toBe('00'.repeat(32)); // 2^256 - 1 + 1 wraps to 0
    expect(s.count).toBe(2);
    const empty = new IdSum();
    expect(toHex(empty.fingerprint(), false)).not.toBe(toHex(s.fingerprint(), false)); // same sum, other count
    expect(s.fingerprint().length).toBe(16);
  });
});

describe('sync codec: valid frames round trip', () => {
  it('reconcile frame with every mode', () => {
    const w = new ReconcileWriter();
    w.skip({ expiry: 100, prefix: new Uint8Array(0) });
    w.fingerprint({ expiry: 100, prefix: Uint8Array.of(5) }, new Uint8Array(16).fill(7));
    w.ids({ expiry: 4_000_000_000, prefix: id(9) }, [id(1), id(2)]);
    w.fingerprint(INFINITE_BOUND, new Uint8Array(16));
    const bytes = w.finish();
    expect(bytes.length).toBe(w.size);
    const f = decodeFrame(bytes, 1024);
    if (f.type !== 'reconcile') throw new Error(f.type);
    expect(f.ranges.map((r) => [r.upper.expiry, r.mode])).toEqual([
      [100, 'skip'],
      [100, 'fingerprint'],
      [4_000_000_000, 'ids'],
      [INFINITY, 'fingerprint'],
    ]);
    const r2 = f.ranges[2]!;
    expect(r2.mode === 'ids' && r2.ids.map((x) => x[0])).toEqual([1, 2]);
  });
  it('want, envelope and end frames', () => {
    expect(decodeFrame(encodeWant([id(3)]), 1024)).toEqual({ type: 'want', ids: [id(3)] });
    expect(decodeFrame(encodeEnvelopeFrame(Uint8Array.of(0xc1, 0x80)), 1024)).toEqual({ type: 'envelope', rlp: Uint8Array.of(0xc1, 0x80) });
    expect(decodeFrame(encodeEnd(), 1024)).toEqual({ type: 'end' });
  });
});

describe('sync codec: hostile frames are refused with bad-sync', () => {
  const table: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /truncated frame header/],
    ['unknown version', frame(V + 1, 0), /unknown sync version/],
    ['unknown frame type', frame(V, 9), /unknown frame type/],
    ['truncated bound', frame(V, 0, 0x81), /truncated varint/],
    ['huge varint', frame(V, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), /longer than 5 bytes/],
    ['expiry beyond uint32', frame(V, 0, ...encodeVarint(2 ** 32 + 1), 0, 0), /beyond uint32/],
    ['prefix longer than a hash', frame(V, 0, 5, 33, ...new Uint8Array(33), 0), /prefix of 33 bytes/],
    ['prefix beyond the frame', frame(V, 0, 5, 20, 1, 2), /truncated bound prefix/],
    ['end bound with a prefix', frame(V, 0, 0, 1, 7, 0), /end bound with a prefix/],
    ['ranges out of order', frame(V, 0, 10, 0, 0, 1, 0, 0), /out of order/],
    ['equal bounds (zero-padded prefix)', frame(V, 0, 10, 1, 5, 0, 1, 2, 5, 0, 0), /out of order/],
    ['first bound at the very start', frame(V, 0, 1, 0, 0), /out of order/],
    ['range after the end bound', frame(V, 0, 0, 0, 0, 5, 0, 0), /after the end/],
    ['unknown mode', frame(V, 0, 0, 0, 3), /unknown range mode/],
    ['truncated fingerprint', frame(V, 0, 0, 0, 1, ...new Uint8Array(15)), /truncated fingerprint/],
    ['id count beyond the bytes', frame(V, 0, 0, 0, 2, 3, ...id(1)), /do not fit/],
    ['huge id count', frame(V, 0, 0, 0, 2, ...encodeVarint(2 ** 34)), /ids in one message|ids, at most/],
    ['want count beyond the bytes', frame(V, 1, 2, ...id(1)), /do not fit/],
    ['want with trailing bytes', frame(V, 1, 1, ...id(1), 0), /trailing/],
    ['want over the cap', frame(V, 1, ...encodeVarint(SYNC_MAX_IDS + 1)), /at most/],
    ['end with trailing bytes', frame(V, 3, 0), /trailing/],
    ['empty envelope', frame(V, 2), /empty envelope/],
    ['envelope over the cap', frame(V, 2, ...new Uint8Array(1025)), /at most 1024/],
  ];
  for (const [name, bytes, match] of table) it(name, () => badSync(bytes, match));

  it('more ranges than the cap', () => {
    const parts: number[] = [V, 0];
    for (let i = 0; i <= SYNC_MAX_RANGES; i++) parts.push(2, 0, 0); // each bound one second later, Skip
    badSync(Uint8Array.from(parts), new RegExp(`more than ${SYNC_MAX_RANGES} ranges`));
  });
  it('id lists summing past the cap across ranges', () => {
    const half = Math.ceil((SYNC_MAX_IDS + 1) / 2);
    const list = (n: number) => frame(...encodeVarint(n), new Uint8Array(n * 32));
    badSync(frame(V, 0, 2, 0, 2, list(half), 0, 0, 2, list(half)), /more than \d+ ids in one message/);
  });
  it('a frame over the message cap', () => {
    badSync(new Uint8Array(SYNC_MAX_MESSAGE_BYTES + 1).fill(0).fill(V, 0, 1), /at most/);
  });
});
