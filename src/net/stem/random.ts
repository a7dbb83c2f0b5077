// Random draws for stem routing (Dandelion++ coin flips, successor picks, timers) from an injected
// `randomBytes`, never the engine's non-cryptographic generator. Floats carry 53 bits; integer picks are unbiased (rejection).
// `seededRandomBytes` is a deterministic stream for tests and simulations, never for secrets.

import { sha256 } from '@noble/hashes/sha2.js';

export type RandomBytes = (n: number) => Uint8Array;

export const webRandomBytes: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

export class Random {
  readonly #bytes: RandomBytes;

  constructor(randomBytes: RandomBytes = webRandomBytes) {
    this.#bytes = randomBytes;
  }

  /** Uniform in [0, 1). */
  float(): number {
    const b = this.#bytes(7);
    let x = 0;
    for (let i = 0; i < 7; i++) x = x * 256 + b[i]!;
    return Math.floor(x / 8) / 2 ** 53; // 56 bits -> 53
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError('n must be an integer in 1..2^32');
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const b = this.#bytes(4);
      const x = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
      if (x < limit) return x % n;
    }
  }

  /** Exponentially distributed with the given mean (0 for mean 0). */
  exponential(mean: number): number {
    return mean > 0 ? -mean * Math.log(1 - this.float()) : 0;
  }

  /** Up to k distinct elements of xs, uniformly (partial Fisher-Yates on a copy). */
  sample<T>(xs: readonly T[], k: number): T[] {
    const a = [...xs];
    const n = Math.min(k, a.length);
    for (let i = 0; i < n; i++) {
      const j = i + this.int(a.length - i);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.slice(0, n);
  }
}

/** A deterministic byte stream: sha256(seed ‖ counter) blocks. For tests and simulations only. */
export function seededRandomBytes(seed: string): RandomBytes {
  const prefix = new TextEncoder().encode(seed);
  let counter = 0;
  let block = new Uint8Array(0);
  let used = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (used === block.length) {
        const input = new Uint8Array(prefix.length + 8);
        input.set(prefix);
        new DataView(input.buffer).setFloat64(prefix.length, counter++);
        block = sha256(input);
        used = 0;
      }
      out[i] = block[used++]!;
    }
    return out;
  };
}
