// The simulated clock of the anonymity simulation: wall time plus an offset the run can jump forward
// (to the next Dandelion++ epoch) without waiting ten minutes. Stem timers and the peers' envelope
// clock run on it; libp2p's own timers (gossipsub heartbeats, the link delay) keep wall time.
// Invariant: a timer fires once, when the simulated time reaches its deadline, by waiting or by a jump.

import type { StemClock } from '../../src/net/stem/clock.ts';

export class SimClock implements StemClock {
  #offset = 0;
  readonly #timers = new Set<{ due: number; fn: () => void; handle: ReturnType<typeof setTimeout> }>();

  now = (): number => Date.now() + this.#offset;

  setTimer(fn: () => void, ms: number): () => void {
    const t = { due: this.now() + ms, fn, handle: setTimeout(() => this.#fire(t), Math.max(0, ms)) };
    this.#timers.add(t);
    return () => {
      clearTimeout(t.handle);
      this.#timers.delete(t);
    };
  }

  /** Moves simulated time forward; timers that fall due fire now, in deadline order. */
  jump(ms: number): void {
    this.#offset += ms;
    const due = [...this.#timers].filter((t) => t.due <= this.now()).sort((a, b) => a.due - b.due);
    for (const t of due) this.#fire(t);
    for (const t of this.#timers) {
      clearTimeout(t.handle);
      t.handle = setTimeout(() => this.#fire(t), Math.max(0, t.due - this.now()));
    }
  }

  #fire(t: { due: number; fn: () => void; handle: ReturnType<typeof setTimeout> }): void {
    if (!this.#timers.delete(t)) return;
    clearTimeout(t.handle);
    t.fn();
  }
}
