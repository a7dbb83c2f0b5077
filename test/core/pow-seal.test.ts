import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../../src/core/bytes.ts';
import { encodeShort, type EnvelopeParams } from '../../src/core/envelope.ts';
import { isWhisperError } from '../../src/core/errors.ts';
import { envelopePow, leadingZeroBits, powHash } from '../../src/core/pow.ts';
import { createNobleKernel, type PowKernel } from '../../src/core/pow-kernel.ts';
import { nextBatchSize, sealEnvelope, sealEnvelopeAsync, type PowProgress } from '../../src/core/pow-seal.ts';

const h = (s: string) => fromHex(s, false);
const vector: EnvelopeParams = { expiry: 0, ttl: 1, topic: h('00000000'), data: h('deadbeef') };
const params: EnvelopeParams = { expiry: 1_700_000_050, ttl: 50, topic: h('01020304'), data: new Uint8Array(300).fill(7) };

/** A clock that advances `step` ms every time it is read. */
const ticking = (step: number) => {
  let t = 0;
  return () => (t += step);
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isWhisperError(e) ? e.code : `not a WhisperError: ${String(e)}`;
  }
  return undefined;
}

describe('sealEnvelope: geth semantics', () => {
  it('target 0: no work, nonce 0', () => {
    const calls: string[] = [];
    const kernel: PowKernel = { kind: 'noble', load: () => calls.push('load'), search: () => { throw new Error('no'); } };
    expect(sealEnvelope(params, { target: 0, timeMs: 0, kernel })).toEqual({ ...params, nonce: 0n });
    expect(calls).toEqual([]);
  });
  it('docs/PROTOCOL.md §6 vector: target 256/13 needs 8 zero bits; the first such nonce from 0, pow verified', () => {
    const e = sealEnvelope(vector, { target: 256 / 13, timeMs: 10_000 });
    expect(envelopePow(e)).toBeGreaterThanOrEqual(256 / 13);
    for (let n = 0n; n < e.nonce; n++) expect(leadingZeroBits(powHash(encodeShort(vector), n))).toBeLessThan(8);
  });
  it('reaches random targets on both kernels, starting at startNonce', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 0.2, noNaN: true }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.boolean(), (target, startNonce, noble) => {
        const e = sealEnvelope(params, { target, timeMs: 10_000, startNonce, ...(noble ? { kernel: createNobleKernel() } : {}) });
        expect(envelopePow(e)).toBeGreaterThanOrEqual(target);
        expect({ ...e, nonce: 0n }).toEqual({ ...params, nonce: 0n });
        if (startNonce < 2n ** 63n) expect(e.nonce).toBeGreaterThanOrEqual(startNonce);
      }),
      { numRuns: 20 },
    );
  });
  it('an impossible target fails with geth text when the budget is spent, reporting progress', () => {
    const seen: PowProgress[] = [];
    let err: unknown;
    try {
      sealEnvelope(params, { target: 1e60, timeMs: 2000, now: ticking(100), onProgress: (p) => seen.push(p) });
    } catch (e) {
      err = e;
    }
    expect(isWhisperError(err, 'pow-timeout')).toBe(true);
    expect((err as Error).message).toBe('failed to reach the PoW target, specified pow time (2 seconds) was insufficient');
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.hashes).toBeGreaterThan(seen[i - 1]!.hashes);
    expect(seen.at(-1)!.bestPow).toBeGreaterThan(0);
  });
  it('a zero budget with a target does no work (geth checks the clock first)', () => {
    expect(codeOf(() => sealEnvelope(params, { target: 1, timeMs: 0 }))).toBe('pow-timeout');
  });
  it('aborted before, or between batches', () => {
    const c = new AbortController();
    c.abort();
    expect(codeOf(() => sealEnvelope(params, { target: 1e60, timeMs: 60_000, signal: c.signal }))).toBe('aborted');
    const d = new AbortController();
    expect(codeOf(() => sealEnvelope(params, { target: 1e60, timeMs: 60_000, signal: d.signal, onProgress: () => d.abort() }))).toBe('aborted');
  });
  it('rejects bad options and parameters', () => {
    const bad = [
      { target: -1, timeMs: 1 },
      { target: Number.NaN, timeMs: 1 },
      { target: Infinity, timeMs: 1 },
      { target: 1, timeMs: -1 },
      { target: 1, timeMs: 1, startNonce: -1n },
      { target: 1, timeMs: 1, startNonce: 2n ** 64n },
    ];
    for (const o of bad) expect(() => sealEnvelope(params, o)).toThrow(RangeError);
    expect(() => sealEnvelope({ ...params, topic: new Uint8Array(3) }, { target: 1, timeMs: 1 })).toThrow(RangeError);
  });
});

describe('sealEnvelopeAsync', () => {
  it('seals', async () => {
    const e = await sealEnvelopeAsync(params, { target: 0.5, timeMs: 10_000 });
    expect(envelopePow(e)).toBeGreaterThanOrEqual(0.5);
  });
  it('an abort from outside lands between batches, promptly', async () => {
    const c = new AbortController();
    const t0 = performance.now();
    setTimeout(() => c.abort(), 30);
    const err = await sealEnvelopeAsync(params, { target: 1e60, timeMs: 60_000, signal: c.signal }).catch((e: unknown) => e);
    expect(isWhisperError(err, 'aborted')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('nextBatchSize', () => {
  it('aims at the batch duration, at most doubles, stays within bounds', () => {
    expect(nextBatchSize(1000, 10, 30)).toBe(2000);
    expect(nextBatchSize(1000, 20, 30)).toBe(1500);
    expect(nextBatchSize(1000, 60, 30)).toBe(500);
    expect(nextBatchSize(1000, 0, 30)).toBe(2000);
    expect(nextBatchSize(300, 1e6, 30)).toBe(256);
    expect(nextBatchSize(1 << 24, 1, 30)).toBe(1 << 24);
  });
});
