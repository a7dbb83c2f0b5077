import { describe, expect, it } from 'vitest';
import type { StemClock } from '../../src/net/stem/clock.ts';
import { Random, seededRandomBytes } from '../../src/net/stem/random.ts';
import { StemRoutes } from '../../src/net/stem/routes.ts';
import { DEFAULT_STEM_SETTINGS, stemSettings, type StemSettings } from '../../src/net/stem/settings.ts';

/** A clock the test moves by hand; stem routes only read it. */
function manualClock(t = 0): StemClock & { advance(ms: number): void } {
  return {
    now: () => t,
    setTimer: () => () => {},
    advance(ms) {
      t += ms;
    },
  };
}

const PEERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

function routes(seed: string, s: Partial<StemSettings> = {}) {
  const clock = manualClock();
  const r = new StemRoutes(stemSettings(s), new Random(seededRandomBytes(seed)), clock);
  return { r, clock, epoch: DEFAULT_STEM_SETTINGS.epochMs + DEFAULT_STEM_SETTINGS.epochJitterMs };
}

describe('stem routes (Dandelion++ per-epoch choices)', () => {
  it('change with the epoch and hold still within one', () => {
    const { r, clock, epoch } = routes('epochs');
    const sets = new Set<string>();
    for (let e = 1; e <= 8; e++) {
      r.update(PEERS);
      const snap = r.snapshot();
      expect(snap.epoch).toBe(e);
      expect(snap.successors).toHaveLength(2);
      expect(new Set(snap.successors).size).toBe(2);
      expect(snap.successors).toContain(snap.own);
      const bound = r.forRelay('x', PEERS);
      // Within the epoch: same successors, same own route, same binding for the same predecessor.
      for (let k = 0; k < 5; k++) {
        clock.advance(DEFAULT_STEM_SETTINGS.epochMs / 10);
        expect(r.forOwn(PEERS)).toEqual({ kind: 'stem', to: snap.own });
        expect(r.forRelay('x', PEERS)).toEqual(bound);
        expect(r.snapshot().successors).toEqual(snap.successors);
      }
      sets.add([...snap.successors].sort().join());
      clock.advance(epoch);
    }
    expect(sets.size).toBeGreaterThan(2);
  });

  it('draws the diffuser role per epoch with the configured probability', () => {
    const { r, clock, epoch } = routes('roles', { fluffProbability: 0.2 });
    let diffusers = 0;
    const N = 2000;
    for (let e = 0; e < N; e++) {
      const d = r.forRelay('x', PEERS);
      if (d.kind === 'fluff') {
        expect(d.reason).toBe('diffuser');
        diffusers++;
        // A diffuser still stems its own envelopes.
        expect(r.forOwn(PEERS).kind).toBe('stem');
      }
      clock.advance(epoch);
    }
    expect(diffusers / N).toBeGreaterThan(0.17);
    expect(diffusers / N).toBeLessThan(0.23);
  });

  it('never sends back to the predecessor when another successor exists', () => {
    const { r } = routes('bounce', { fluffProbability: 0 });
    r.update(['a', 'b']);
    expect(r.forRelay('a', ['a', 'b'])).toEqual({ kind: 'stem', to: 'b' });
    expect(r.forRelay('b', ['a', 'b'])).toEqual({ kind: 'stem', to: 'a' });
  });

  it('replaces a successor that left and keeps the other, and fluffs with no candidate', () => {
    const { r } = routes('churn', { fluffProbability: 0 });
    r.update(PEERS);
    const [s1, s2] = r.snapshot().successors as [string, string];
    const rest = PEERS.filter((p) => p !== s1);
    r.update(rest);
    const after = r.snapshot();
    expect(after.epoch).toBe(1);
    expect(after.successors).toContain(s2);
    expect(after.successors).not.toContain(s1);
    expect(after.successors).toHaveLength(2);
    expect(rest).toContain(after.own);
    expect(r.forOwn([])).toEqual({ kind: 'fluff', reason: 'no-successor' });
    expect(r.forRelay('x', [])).toEqual({ kind: 'fluff', reason: 'no-successor' });
  });

  it('repeats exactly from the same seed and differs across seeds', () => {
    const draw = (seed: string) => {
      const { r, clock, epoch } = routes(seed);
      const out: string[] = [];
      for (let e = 0; e < 6; e++) {
        r.update(PEERS);
        out.push(r.snapshot().successors.join());
        clock.advance(epoch);
      }
      return out;
    };
    expect(draw('s')).toEqual(draw('s'));
    expect(draw('s')).not.toEqual(draw('t'));
  });
});

describe('stem settings and randomness', () => {
  it('refuses settings out of range, naming them', () => {
    const bad: Array<[Partial<StemSettings>, RegExp]> = [
      [{ fluffProbability: 1.5 }, /fluffProbability/],
      [{ fluffProbability: -0.1 }, /fluffProbability/],
      [{ successors: 0 }, /successors/],
      [{ successors: 1.5 }, /successors/],
      [{ epochMs: 0 }, /epochMs/],
      [{ embargoMinMs: -1 }, /embargoMinMs/],
      [{ embargoMeanMs: Number.NaN }, /embargoMeanMs/],
      [{ releaseDelayMs: Infinity }, /releaseDelayMs/],
    ];
    for (const [s, msg] of bad) expect(() => stemSettings(s)).toThrow(msg);
    expect(stemSettings({ successors: 3 })).toEqual({ ...DEFAULT_STEM_SETTINGS, successors: 3 });
  });

  it('draws integers in range, distinct samples, and exponentials with the right mean', () => {
    const r = new Random(seededRandomBytes('draws'));
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.int(3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(900);
    for (let i = 0; i < 50; i++) {
      const s = r.sample(PEERS, 3);
      expect(new Set(s).size).toBe(3);
      for (const x of s) expect(PEERS).toContain(x);
    }
    expect(r.sample(['a'], 3)).toEqual(['a']);
    let sum = 0;
    for (let i = 0; i < 4000; i++) sum += r.exponential(100);
    expect(sum / 4000).toBeGreaterThan(90);
    expect(sum / 4000).toBeLessThan(110);
    expect(() => r.int(0)).toThrow(RangeError);
  });
});
