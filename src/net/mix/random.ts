// Random draws for the mix layer (delays, Poisson clocks, path picks) from an injected
// `randomBytes`, never the engine's non-cryptographic generator. Floats carry 53 bits; integer
// picks are unbiased (rejection).

export type RandomBytes = (n: number) => Uint8Array;

export const webRandomBytes: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

/** Uniform in [0, 1). */
export function uniform(randomBytes: RandomBytes): number {
  const b = randomBytes(7);
  let x = 0;
  for (let i = 0; i < 7; i++) x = x * 256 + b[i]!;
  return Math.floor(x / 8) / 2 ** 53;
}

/** Exponentially distributed with the given mean (0 for mean 0). */
export function exponential(randomBytes: RandomBytes, mean: number): number {
  return mean > 0 ? -mean * Math.log(1 - uniform(randomBytes)) : 0;
}

/** Uniform integer in [0, n). */
export function below(randomBytes: RandomBytes, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError('n must be an integer in 1..2^32');
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const b = randomBytes(4);
    const x = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (x < limit) return x % n;
  }
}
