import { describe, expect, it, vi } from 'vitest';
import { isWhisperError } from '../../src/core/errors.ts';
import { EnvelopePool } from '../../src/core/pool.ts';
import type { VerifiedEnvelope } from '../../src/core/validate.ts';
import { makeVerified, testBytes } from './fixtures.ts';

const T = 1_700_000_000;

function clock(start = T * 1000) {
  let t = start;
  return { now: () => t, advance: (s: number) => (t += s * 1000) };
}

const events = (pool: EnvelopePool, type: string) => {
  const seen: VerifiedEnvelope[] = [];
  pool.addEventListener(type, (e) => seen.push((e as CustomEvent<VerifiedEnvelope>).detail));
  return seen;
};

describe('EnvelopePool', () => {
  it('keys by hash, de-duplicates and accounts bytes', () => {
    const pool = new EnvelopePool({ now: clock().now });
    const a = makeVerified({ now: T, data: testBytes(1)(100) });
    const b = makeVerified({ now: T, data: testBytes(2)(50) });
    const added = events(pool, 'added');
    expect(pool.add(a)).toBe(true);
    expect(pool.add(a)).toBe(false);
    expect(pool.add(b)).toBe(true);
    expect(pool.size).toBe(2);
    expect(pool.bytes).toBe(a.rlp.length + b.rlp.length);
    expect(pool.has(a.hash)).toBe(true);
    expect(pool.get(b.hash)).toEqual(b); // an equal copy (the pool holds a compact record)
    expect(added).toEqual([a, b]);
  });

  it('drops envelopes once their expiry has passed, soonest first, and emits them', () => {
    const c = clock();
    const pool = new EnvelopePool({ now: c.now });
    const short = makeVerified({ now: T, ttl: 10 });
    const long = makeVerified({ now: T, ttl: 100 });
    pool.add(long);
    pool.add(short);
    const expired = events(pool, 'expired');
    c.advance(10);
    expect(pool.expire()).toEqual([]); // expiry second itself is still live
    c.advance(1);
    expect(pool.expire()).toEqual([short]);
    expect(pool.has(short.hash)).toBe(false);
    expect(pool.bytes).toBe(long.rlp.length);
    c.advance(100);
    pool.expire();
    expect(expired).toEqual([short, long]);
    expect(pool.size).toBe(0);
    expect(pool.bytes).toBe(0);
  });

  it('refuses an envelope that is already expired', () => {
    const c = clock();
    const pool = new EnvelopePool({ now: c.now });
    const e = makeVerified({ now: T, ttl: 5 });
    c.advance(6);
    expect(pool.add(e)).toBe(false);
    expect(pool.size).toBe(0);
  });

  it('when full, evicts the lowest PoW first and refuses a newcomer that outranks nothing', () => {
    const low = makeVerified({ now: T, target: 0.05, data: testBytes(3)(200) });
    const mid = makeVerified({ now: T, target: 1, data: testBytes(4)(200) });
    const high = makeVerified({ now: T, target: 4, data: testBytes(5)(200) });
    expect(low.pow).toBeLessThan(mid.pow);
    expect(mid.pow).toBeLessThan(high.pow);
    const pool = new EnvelopePool({ now: clock().now, maxBytes: low.rlp.length + mid.rlp.length });
    const evicted = events(pool, 'evicted');
    pool.add(low);
    pool.add(mid);
    pool.add(high);
    expect(evicted).toEqual([low]);
    expect([...pool.values()]).toEqual([mid, high]);
    const lower = makeVerified({ now: T, target: 0.01, data: testBytes(6)(200) });
    let err: unknown;
    try {
      pool.add(lower);
    } catch (e) {
      err = e;
    }
    expect(isWhisperError(err, 'pool-full')).toBe(true);
    expect([...pool.values()]).toEqual([mid, high]); // nothing lost by the refusal
    expect(pool.bytes).toBe(mid.rlp.length + high.rlp.length);
  });

  it('start() expires on a timer and stop() cancels it', async () => {
    const now = Date.now();
    const pool = new EnvelopePool();
    const e = makeVerified({ now: Math.floor(now / 1000) - 1, ttl: 1 });
    pool.add(e);
    const expired = events(pool, 'expired');
    pool.start();
    await new Promise((r) => setTimeout(r, 1100));
    pool.stop();
    expect(expired).toEqual([e]);
  });

  it('keeps size and bytes exact under churn', () => {
    const c = clock();
    const pool = new EnvelopePool({ now: c.now });
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 100; i++) pool.add(makeVerified({ now: T + round * 10, ttl: 5, target: 0.01, data: testBytes(round * 1000 + i + 1)(8) }));
      expect(pool.size).toBe(100);
      c.advance(10);
      expect(pool.expire()).toHaveLength(100);
      expect(pool.bytes).toBe(0);
    }
    expect(pool.size).toBe(0);
  });

  it('finds an envelope by its hash bytes wherever they lie, and refuses a hash that is not bytes', () => {
    const pool = new EnvelopePool({ now: clock().now });
    const a = makeVerified({ now: T });
    pool.add(a);
    const elsewhere = new Uint8Array(40);
    elsewhere.set(a.hash, 5);
    expect(pool.get(elsewhere.subarray(5, 37))).toEqual(a);
    expect(pool.has(Uint8Array.from(a.hash))).toBe(true);
    const other = Uint8Array.from(a.hash);
    other[31]! ^= 1;
    expect(pool.has(other)).toBe(false);
    expect(() => pool.has('0x00' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('hands out a fresh copy each time: changing one changes nothing held', () => {
    const pool = new EnvelopePool({ now: clock().now });
    const v = makeVerified({ now: T, data: testBytes(8)(33) });
    pool.add(v);
    const first = pool.get(v.hash)!;
    expect(first).not.toBe(pool.get(v.hash));
    first.rlp.fill(0);
    first.hash.fill(0);
    expect(pool.get(v.hash)).toEqual(v);
    expect([...pool.values()]).toEqual([v]);
    expect(pool.bytes).toBe(v.rlp.length);
  });

  it('items() lists expiry and hash of every envelope held, without making envelopes', () => {
    const c = clock();
    const pool = new EnvelopePool({ now: c.now });
    const a = makeVerified({ now: T, ttl: 10 });
    const b = makeVerified({ now: T, ttl: 100 });
    pool.add(a);
    pool.add(b);
    expect([...pool.items()]).toEqual([
      { expiry: a.expiry, hash: a.hash },
      { expiry: b.expiry, hash: b.hash },
    ]);
    c.advance(11);
    pool.expire();
    expect([...pool.items()]).toEqual([{ expiry: b.expiry, hash: b.hash }]);
  });

  it('expiryStepMs: expires on a coarser clock, everything due by the step at once; values() hides what waits', () => {
    vi.useFakeTimers();
    try {
      const step = 10_000;
      const t0 = Math.ceil(Date.now() / step) * step + 100; // 100 ms into a step
      vi.setSystemTime(t0);
      const s0 = Math.floor(t0 / 1000);
      const pool = new EnvelopePool({ expiryStepMs: step });
      const a = makeVerified({ now: s0 - 10, ttl: 10 }); // expiry s0: due at s0 + 1 s
      const b = makeVerified({ now: s0 - 5, ttl: 10 }); // expiry s0 + 5
      const c = makeVerified({ now: s0, ttl: 30 });
      for (const e of [a, b, c]) pool.add(e);
      const expired = events(pool, 'expired');
      pool.start();
      vi.advanceTimersByTime(step - 200); // past both expiries, before the step
      expect(expired).toEqual([]);
      expect([...pool.values()].map((e) => e.hash)).toEqual([c.hash]);
      vi.advanceTimersByTime(200);
      expect(expired.map((e) => e.hash)).toEqual([a.hash, b.hash]);
      expect(pool.size).toBe(1);
      pool.stop();
      expect(() => new EnvelopePool({ expiryStepMs: 20_001 })).toThrow(RangeError);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('EnvelopePool.addMany (the start-up load)', () => {
  it('adds like add() each, without events, and expires and evicts in the same order afterwards', () => {
    const c = clock();
    const pool = new EnvelopePool({ now: c.now });
    const es = Array.from({ length: 40 }, (_, i) => makeVerified({ now: T, ttl: 10 + ((i * 7) % 40), data: testBytes(i)(20 + i) }));
    const stale = makeVerified({ now: T - 100, ttl: 10, data: testBytes(99)(8) });
    const added = events(pool, 'added');
    expect(pool.addMany([...es, es[3]!, stale])).toEqual([...es.map(() => true), false, false]); // a duplicate within, one expired
    expect(pool.addMany([es[5]!])).toEqual([false]);
    expect(added).toEqual([]);
    expect(pool.size).toBe(40);
    expect(pool.bytes).toBe(es.reduce((n, e) => n + e.rlp.length, 0));
    expect(pool.get(es[7]!.hash)).toEqual(es[7]);
    // The heaps were built in one go: expiry still takes the soonest first.
    c.advance(25);
    const gone = pool.expire();
    expect(gone.map((e) => e.expiry)).toEqual([...gone.map((e) => e.expiry)].sort((a, b) => a - b));
    expect(new Set(gone.map((e) => e.expiry))).toEqual(new Set(es.filter((e) => e.expiry < T + 25).map((e) => e.expiry)));
    expect(pool.size).toBe(es.filter((e) => e.expiry >= T + 25).length);
  });

  it('goes through add() (eviction by PoW, its events) when they do not all fit', () => {
    const low = makeVerified({ now: T, target: 0.001, data: testBytes(1)(100) });
    const high = makeVerified({ now: T, target: 0.05, data: testBytes(2)(100) });
    const pool = new EnvelopePool({ now: clock().now, maxBytes: Math.max(low.rlp.length, high.rlp.length) });
    const evicted = events(pool, 'evicted');
    const added = events(pool, 'added');
    expect(pool.addMany([low, high])).toEqual([true, true]);
    expect(pool.has(high.hash)).toBe(true);
    expect(pool.size).toBe(1);
    expect(evicted.map((e) => e.hash)).toEqual([low.hash]);
    expect(added.length).toBe(2);
    expect(pool.addMany([low])).toEqual([false]); // pool-full: lower PoW than everything it would displace
  });
});
