import { describe, expect, it } from 'vitest';
import { exponentialMixCheck } from '../../bench/anonymity/mix-entropy.ts';
import type { World } from '../../bench/anonymity/mix-world.ts';
import type { Tap } from '../../bench/anonymity/sim-net.ts';
import { FRAME_WIRE_BYTES, Tracer, entropyBits, rankOf } from '../../bench/anonymity/tracer.ts';

// Relays 0, 1, 2; clients 3 and 4 enter at relay 0, client 5 at relay 1. One post by client 3 takes
// 0 → 1 → 2 and appears in gossip at relay 2 at t = 1500. Client 4's frame reaches relay 0 at the
// same moment as client 3's; client 5's reaches relay 1 (it cannot be the sender: its frame would
// have had to leave from relay 0 as a first hop).
const tap = (id: number, from: number, to: number, sent: number, cause?: number): Tap => ({ id, from, to, sent, arrived: sent + 50, bytes: FRAME_WIRE_BYTES, cause });
function world(decoyAt: number): World {
  const taps = [tap(0, 3, 0, 0), tap(1, 4, 0, decoyAt), tap(2, 0, 1, 500, 0), tap(3, 1, 2, 1000, 2), tap(4, 5, 1, 400)];
  return {
    config: {} as World['config'],
    relays: [0, 1, 2],
    clients: [3, 4, 5],
    entryOf: new Map([[3, 0], [4, 0], [5, 1]]),
    taps,
    posts: [{ id: 0, mode: 'mix', origin: 3, t0: 0, seen: { t: 1500, at: 2, cause: 3 } }],
    start: 0,
    end: 2000,
    loops: { sent: 0, returned: 0, lost: 0 },
    rejects: new Map(),
    wallMs: 0,
  };
}
const adv = { meanDelayMs: 1000, maxDelayMs: 10_000, hops: 3 };

describe('mix observer analysis (bench/anonymity)', () => {
  it('reproduces the entropy of an exponential mix, log2(e·λ·m)', () => {
    const r = exponentialMixCheck(20, 1000, 4000, 'test');
    expect(Math.abs(r.measured - r.expected)).toBeLessThan(0.1); // the formula is asymptotic in λm; at λm = 20 the excess is about +0.05
    expect(r.outputs).toBeGreaterThan(500);
  });

  it('entropy and rank', () => {
    expect(entropyBits([1, 1, 1, 1])).toBeCloseTo(2);
    expect(entropyBits([3, 0, 0])).toBe(0);
    expect(rankOf([0.5, 0.3, 0.2], 1)).toBe(2);
    expect(rankOf([0.5, 0.5, 0], 0)).toBe(1.5);
  });

  it('traces back through each relay by the delay density and never to a client of another entry', () => {
    const w = world(0);
    const p = new Tracer(w, adv).posterior(w.posts[0]!);
    expect(p[0]).toBeCloseTo(0.5); // two frames entered relay 0 at the same moment
    expect(p[1]).toBeCloseTo(0.5);
    expect(p[2]).toBe(0);
    const older = new Tracer(world(-3000), adv).posterior(w.posts[0]!);
    expect(older[0]).toBeCloseTo(1 / (1 + Math.exp(-3))); // e^-Δ/m weights: the older input is less likely
  });

  it('allows the exit to be the entry again, at the path rule\'s prior (the middle is then drawn from R - 1)', () => {
    // Client 5 (entry relay 1) posts by 1 -> 0 -> 1; client 3 (entry relay 2) sends 3 -> 2 -> 0 at the
    // same moments. At relay 0 both inputs fit the output to relay 1; a path that returns to its entry
    // has its middle drawn from two relays, one that does not from one: half the prior weight.
    const taps = [tap(0, 5, 1, 0), tap(1, 1, 0, 500, 0), tap(2, 0, 1, 1000, 1), tap(3, 3, 2, 0), tap(4, 2, 0, 500, 3)];
    const w: World = { ...world(0), clients: [3, 5], entryOf: new Map([[3, 2], [5, 1]]), taps, posts: [{ id: 0, mode: 'mix', origin: 5, t0: 0, seen: { t: 1500, at: 1, cause: 2 } }] };
    const p = new Tracer(w, adv).posterior(w.posts[0]!);
    expect(p[1]).toBeCloseTo(1 / 3); // the true sender, by a path back to its own entry
    expect(p[0]).toBeCloseTo(2 / 3);
  });

  it('a corrupt relay knows its own mapping; spies strike out their own frames', () => {
    const w = world(0);
    expect([...new Tracer(w, { ...adv, corrupt: 0 }).posterior(w.posts[0]!)]).toEqual([1, 0, 0]);
    expect([...new Tracer(w, { ...adv, spies: new Set([4]) }).posterior(w.posts[0]!)]).toEqual([1, 0, 0]);
    expect(new Tracer(w, { ...adv, corrupt: 1 }).posterior(w.posts[0]!)[0]).toBeCloseTo(0.5);
  });
});
