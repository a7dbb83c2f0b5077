// Short fuzz run inside `npm test`: every decoder a hostile peer or page reaches, a few
// hundred seeded cases each, must decode or refuse; the long run is bench/fuzz.ts. The harness itself
// is checked first, so a broken harness cannot pass the real targets vacuously.

import { describe, expect, it } from 'vitest';
import { WhisperError } from '../../src/core/errors.ts';
import { bytesTarget, fuzz, mutateBytes, Rng } from './harness.ts';
import { allTargets } from './targets.ts';

const SEED = 0x5eed;

describe('fuzz harness', () => {
  it('records a plain Error as a crash and shrinks its input to the byte that causes it', () => {
    const t = bytesTarget('boom', [Uint8Array.of(1, 2, 3, 0xee, 5, 6)], (b) => {
      if (b.includes(0xee)) throw new Error('boom');
      throw new WhisperError('bad-rlp', 'no');
    });
    const r = fuzz(t, { cases: 200, seed: SEED });
    expect(r.crashes.length).toBeGreaterThan(0);
    expect(r.crashes[0]!.kind).toBe('throw');
    expect(r.crashes[0]!.input).toEqual(Uint8Array.of(0xee));
    expect(r.outcomes.get('bad-rlp')).toBeGreaterThan(0);
  });

  it('counts WhisperError, TypeError and RangeError as refusals, not crashes', () => {
    const errors = [new WhisperError('bad-sync', 'x'), new TypeError('x'), new RangeError('x')];
    const t = bytesTarget('refuse', [new Uint8Array(4)], (b) => {
      throw errors[b.length % 3];
    });
    const r = fuzz(t, { cases: 300, seed: SEED });
    expect(r.crashes).toEqual([]);
    expect([...r.outcomes.keys()].sort()).toEqual(['RangeError', 'TypeError', 'bad-sync']);
    expect(r.accepted).toBe(0);
  });

  it('flags a result far larger than its input as runaway allocation', () => {
    const t = bytesTarget('alloc', [Uint8Array.of(1)], (b) => new Uint8Array(b.length * 64 + 8192));
    const r = fuzz(t, { cases: 5, seed: SEED });
    expect(r.crashes[0]?.kind).toBe('alloc');
  });

  it('flags a decoder whose answer for an intact sample changes mid-run (corrupted shared state)', () => {
    let calls = 0;
    const t = bytesTarget('stateful', [Uint8Array.of(1)], () => {
      if (++calls > 1500) throw new WhisperError('decrypt-failed', 'state leaked');
    });
    const r = fuzz(t, { cases: 3000, seed: SEED });
    expect(r.crashes.map((c) => c.kind)).toEqual(['state']);
  });

  it('mutations are deterministic for a seed and differ from the sample', () => {
    const s = Uint8Array.from({ length: 40 }, (_, i) => i);
    const a = Array.from({ length: 20 }, ((rng) => () => mutateBytes(rng, s))(new Rng(9)));
    const b = Array.from({ length: 20 }, ((rng) => () => mutateBytes(rng, s))(new Rng(9)));
    expect(a).toEqual(b);
    expect(a.filter((m) => m.length === s.length && m.every((x, i) => x === s[i])).length).toBeLessThan(3);
  });
});

describe('fuzz targets (short run; bench/fuzz.ts runs 100 000 cases each)', () => {
  for (const t of allTargets()) {
    it(`${t.name}: decodes or refuses, never crashes`, () => {
      for (const s of t.samples) expect(t.run(s), 'every valid sample decodes').not.toMatch(/^reject:/);
      const r = fuzz(t, { cases: 400, seed: SEED });
      expect(r.crashes).toEqual([]);
      // Both sides are reached: some inputs decode (the intact samples) and some are refused.
      expect(r.accepted).toBeGreaterThan(0);
      expect(r.cases - r.accepted).toBeGreaterThan(0);
    });
  }
});
