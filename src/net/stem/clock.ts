// The clock stem routing runs on (epochs, embargo timers, release delays): injected so tests and the
// anonymity simulation (bench/anonymity) can drive epochs and timers on a simulated clock.
// Invariant: a cancelled timer never fires; cancelling twice is harmless.

export interface StemClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms` of this clock; returns its cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** Wall-clock timers with an injected `now` (the peer's clock). */
export function systemClock(now: () => number = Date.now): StemClock {
  return {
    now,
    setTimer(fn, ms) {
      const t = setTimeout(fn, Math.max(0, ms));
      return () => clearTimeout(t);
    },
  };
}
