// The analysis check: one exponential (continuous-time) mix with Poisson arrivals of rate λ and mean
// delay m, its delays drawn by the mix layer's own `exponential`, traced by the tracer's own weight
// and entropy functions. For λm well above 1 the expected entropy of an output's sender
// distribution is log2(e·λ·m) bits (Danezis, "The traffic analysis of continuous-time mixes", 2004:
// ln(λ/μ) + 1 nats for delay rate μ = 1/m). Each arrival is a distinct sender.

import { exponential } from '../../src/net/mix/random.ts';
import { seededRandomBytes } from '../../src/net/stem/random.ts';
import { delayWeight, entropyBits } from './tracer.ts';

export interface MixCheck {
  lambdaPerS: number;
  meanMs: number;
  /** Mean entropy over traced outputs, bits. */
  measured: number;
  /** log2(e·λ·m). */
  expected: number;
  outputs: number;
}

/** Simulates `arrivals` Poisson arrivals; traces the outputs after the first and before the last 10 %. */
export function exponentialMixCheck(lambdaPerS: number, meanMs: number, arrivals: number, seed = 'mix check'): MixCheck {
  const rb = seededRandomBytes(seed);
  const capMs = Math.max(10_000, 10 * meanMs);
  const ins: number[] = [];
  const outs: number[] = [];
  let t = 0;
  for (let i = 0; i < arrivals; i++) {
    t += exponential(rb, 1000 / lambdaPerS);
    ins.push(t);
    outs.push(t + Math.min(exponential(rb, meanMs), capMs));
  }
  const lo = ins[Math.floor(arrivals * 0.1)]! + capMs;
  const hi = ins[Math.floor(arrivals * 0.9)]!;
  let sum = 0;
  let n = 0;
  for (const o of outs) {
    if (o < lo || o > hi) continue;
    const w = ins.filter((a) => a <= o && a >= o - capMs).map((a) => delayWeight(o - a, meanMs, capMs));
    sum += entropyBits(w);
    n++;
  }
  return { lambdaPerS, meanMs, measured: sum / n, expected: Math.log2(Math.E * lambdaPerS * (meanMs / 1000)), outputs: n };
}
