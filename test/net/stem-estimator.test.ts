import { describe, expect, it } from 'vitest';
import { firstSpy, quantile, type Trace } from '../../bench/anonymity/estimator.ts';

// Peers 0..4. Envelope A from 0: 1 got it from 0 at t=10, 2 from 1 at t=20, 3 from 2 at t=5 (3 saw it first).
const A: Trace = { origin: 0, mode: 'stem', t0: 0, first: [{ t: 0, from: -1 }, { t: 10, from: 0 }, { t: 20, from: 1 }, { t: 5, from: 2 }, undefined] };
const B: Trace = { origin: 4, mode: 'gossip', t0: 0, first: [{ t: 9, from: 4 }, { t: 8, from: 4 }, undefined, undefined, { t: 0, from: -1 }] };

describe('first-spy estimator (bench/anonymity)', () => {
  it('names the neighbour that handed the envelope to the earliest spy', () => {
    expect(firstSpy([A], new Set([1]))).toEqual({ correct: 1, judged: 1 }); // 1 heard it from 0
    expect(firstSpy([A], new Set([1, 3]))).toEqual({ correct: 0, judged: 1 }); // 3 was first and names 2
    expect(firstSpy([A], new Set([2]))).toEqual({ correct: 0, judged: 1 });
    expect(firstSpy([A, B], new Set([1]))).toEqual({ correct: 2, judged: 2 });
  });

  it('skips envelopes whose origin is a spy and counts a spy set that saw nothing as wrong', () => {
    expect(firstSpy([A, B], new Set([0]))).toEqual({ correct: 1, judged: 1 }); // A skipped; B named by 0
    expect(firstSpy([B], new Set([2, 3]))).toEqual({ correct: 0, judged: 1 });
    expect(firstSpy([], new Set([1]))).toEqual({ correct: 0, judged: 0 });
  });

  it('quantiles by nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
