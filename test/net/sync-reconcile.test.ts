import { describe, expect, it } from 'vitest';
import { Reconciler, type ReconcilerInit } from '../../src/net/sync/reconciler.ts';
import { INFINITE_BOUND, INFINITY, SortedItems, type SyncItem } from '../../src/net/sync/items.ts';
import { decodeFrame, ReconcileWriter } from '../../src/net/sync/codec.ts';
import { SYNC_MAX_IDS, SYNC_MAX_MESSAGE_BYTES, SYNC_MAX_RANGES, SYNC_VERSION } from '../../src/core/constants.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { itemKeys, keys, prng, randomItems } from './sync-helpers.ts';

const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;
const init: ReconcilerInit = { now: () => NOW_MS };

function reconcile(a: SyncItem[], b: SyncItem[], opts: ReconcilerInit = init) {
  const initiator = new Reconciler(new SortedItems(a), opts);
  const responder = new Reconciler(new SortedItems(b), opts);
  let msg: Uint8Array | null = initiator.initiate();
  let bytes = 0;
  let roundTrips = 0;
  while (msg) {
    bytes += msg.length;
    const reply = responder.respond(msg);
    bytes += reply.length;
    roundTrips++;
    expect(roundTrips).toBeLessThan(200);
    msg = initiator.reconcile(reply);
  }
  return { have: keys(initiator.have), need: keys(initiator.need), bytes, roundTrips, complete: initiator.complete };
}

function scenario(seed: number, common: number, onlyA: number, onlyB: number) {
  const rand = prng(seed);
  const shared = randomItems(common, rand, NOW);
  const a = randomItems(onlyA, rand, NOW);
  const b = randomItems(onlyB, rand, NOW);
  return { a: [...shared, ...a], b: [...shared, ...b], onlyA: itemKeys(a), onlyB: itemKeys(b) };
}

describe('sync reconciliation: ends with exactly the symmetric difference', () => {
  const cases: [string, number, number, number][] = [
    ['both empty', 0, 0, 0],
    ['initiator empty', 0, 0, 40],
    ['responder empty', 0, 40, 0],
    ['identical small', 20, 0, 0],
    ['identical 10k', 10_000, 0, 0],
    ['10k with 500 differences', 10_000, 250, 250],
    ['1k with one extra each side', 1000, 1, 1],
    ['all items different', 0, 300, 300],
    ['initiator empty, peer has 10k', 0, 0, 10_000],
    ['peer empty, initiator has 10k', 0, 10_000, 0],
    ['unequal sizes', 3000, 0, 500],
  ];
  for (const [name, common, onlyA, onlyB] of cases) {
    it(`${name} (${common} shared, ${onlyA} / ${onlyB} own)`, () => {
      const s = scenario(common * 7 + onlyA * 3 + onlyB + 1, common, onlyA, onlyB);
      const r = reconcile(s.a, s.b);
      expect(r.have).toEqual(s.onlyA);
      expect(r.need).toEqual(s.onlyB);
      expect(r.complete).toBe(true);
    });
  }

  it('identical sets finish in one round trip', () => {
    for (const n of [0, 1, 31, 32, 5000]) {
      const s = scenario(n + 11, n, 0, 0);
      expect(reconcile(s.a, s.b).roundTrips).toBe(1);
    }
  });

  it('random sizes and differences (seeded)', () => {
    const rand = prng(99);
    for (let k = 0; k < 12; k++) {
      const s = scenario(rand(), rand() % 3000, rand() % 120, rand() % 120);
      const r = reconcile(s.a, s.b);
      expect(r.have).toEqual(s.onlyA);
      expect(r.need).toEqual(s.onlyB);
    }
  });

  it('a small frame budget forces more rounds but still ends with the difference', () => {
    const s = scenario(5, 2000, 400, 700);
    const small = reconcile(s.a, s.b, { ...init, maxMessageBytes: 4096 });
    const big = reconcile(s.a, s.b);
    expect(small.have).toEqual(s.onlyA);
    expect(small.need).toEqual(s.onlyB);
    expect(small.roundTrips).toBeGreaterThan(big.roundTrips);
  });

  it('every frame respects the budget', () => {
    const s = scenario(6, 0, 0, 3000);
    const initiator = new Reconciler(new SortedItems(s.a), { ...init, maxMessageBytes: 4096 });
    const responder = new Reconciler(new SortedItems(s.b), { ...init, maxMessageBytes: 4096 });
    let msg: Uint8Array | null = initiator.initiate();
    while (msg) {
      expect(msg.length).toBeLessThanOrEqual(4096);
      const reply = responder.respond(msg);
      expect(reply.length).toBeLessThanOrEqual(4096);
      msg = initiator.reconcile(reply);
    }
    expect(keys(initiator.need)).toEqual(s.onlyB);
  });

  it('expired items (before now - 20 s) take part on neither side', () => {
    const rand = prng(3);
    const live = randomItems(50, rand, NOW);
    const old = randomItems(30, rand, NOW - 10_000, 9_000); // expiries in [now-10000, now-1000)
    const within = randomItems(5, rand, NOW - 19, 1); // expired 19 s ago: still compared
    const r = reconcile([...live, ...old, ...within], live);
    expect(r.have).toEqual(itemKeys(within));
    expect(r.need).toEqual([]);
  });

  it('stops at maxDifferences and says it is incomplete', () => {
    const s = scenario(8, 100, 0, 2000);
    const r = reconcile(s.a, s.b, { ...init, maxDifferences: 500, maxMessageBytes: 4096 });
    expect(r.complete).toBe(false);
    expect(r.need.length).toBeGreaterThanOrEqual(500);
    expect(r.need.every((k) => s.onlyB.includes(k))).toBe(true);
  });
});

describe('sync reconciliation: cost follows the difference, not the set size', () => {
  it('10k items with 10 differences cost less than 4 × 1k items with 10 differences', () => {
    const big = scenario(21, 10_000, 5, 5);
    const small = scenario(22, 1000, 5, 5);
    const rb = reconcile(big.a, big.b);
    const rs = reconcile(small.a, small.b);
    expect(rb.have).toEqual(big.onlyA);
    expect(rs.need).toEqual(small.onlyB);
    expect(rb.bytes).toBeLessThan(4 * rs.bytes);
    // and far below listing the ids: 10 000 × 32 bytes
    expect(rb.bytes).toBeLessThan(10_000 * 32 / 10);
  });

  it('bytes grow with the difference on a fixed set size', () => {
    const d10 = scenario(31, 5000, 5, 5);
    const d200 = scenario(32, 5000, 100, 100);
    expect(reconcile(d200.a, d200.b).bytes).toBeGreaterThan(5 * reconcile(d10.a, d10.b).bytes);
  });
});

describe('sync reconciliation: misuse', () => {
  it('one reconciler plays one role', () => {
    const r = new Reconciler(new SortedItems(), init);
    r.initiate();
    expect(() => r.initiate()).toThrow(TypeError);
    expect(() => r.respond(new Uint8Array([1, 0]))).toThrow(TypeError);
    const responder = new Reconciler(new SortedItems(), init);
    responder.respond(new Uint8Array([1, 0]));
    expect(() => responder.initiate()).toThrow(TypeError);
  });
  it('budget outside the allowed range', () => {
    expect(() => new Reconciler(new SortedItems(), { maxMessageBytes: 100 })).toThrow(RangeError);
    expect(() => new Reconciler(new SortedItems(), { maxMessageBytes: 1 << 30 })).toThrow(RangeError);
  });
});

describe('sync reconciliation: a hostile initiator cannot make the responder exceed its budget', () => {
  it('8192 mismatching fingerprint ranges get an answer within the frame budget', () => {
    const rand = prng(77);
    const items = new SortedItems(randomItems(20_000, rand, NOW, 20_000));
    const w = new ReconcileWriter();
    for (let i = 1; i < SYNC_MAX_RANGES; i++) w.fingerprint({ expiry: NOW + i * 2, prefix: new Uint8Array(0) }, new Uint8Array(16).fill(0xee));
    w.fingerprint(INFINITE_BOUND, new Uint8Array(16).fill(0xee));
    const responder = new Reconciler(items, { ...init, maxMessageBytes: 8192 });
    const reply = responder.respond(w.finish());
    expect(reply.length).toBeLessThanOrEqual(8192);
    const f = decodeFrame(reply, 0);
    if (f.type !== 'reconcile') throw new Error(f.type);
    // the unanswered tail comes back as one fingerprint of "the rest", so an honest peer still converges
    expect(f.ranges.at(-1)).toMatchObject({ mode: 'fingerprint', upper: { expiry: INFINITY } });
  });

  it('an id list naming 15 625 unknown ids is answered within budget and the ids are not kept', () => {
    const items = new SortedItems(randomItems(30_000, prng(4), NOW));
    const w = new ReconcileWriter();
    w.ids(INFINITE_BOUND, Array.from({ length: SYNC_MAX_IDS }, (_, i) => new Uint8Array(32).fill(i & 0xff)));
    const responder = new Reconciler(items, init);
    const reply = responder.respond(w.finish());
    expect(reply.length).toBeLessThanOrEqual(SYNC_MAX_MESSAGE_BYTES);
    expect(responder.have).toEqual([]);
    expect(responder.need).toEqual([]);
  });

  it('refuses a frame that is not a reconcile frame, with bad-sync', () => {
    const responder = new Reconciler(new SortedItems(), init);
    try {
      responder.respond(Uint8Array.of(SYNC_VERSION, 3));
      throw new Error('accepted');
    } catch (e) {
      expect(isWhisperError(e, 'bad-sync')).toBe(true);
    }
  });
});
