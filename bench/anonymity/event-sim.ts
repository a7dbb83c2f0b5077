// A discrete-event clock for the mix-layer observer study: simulated time stands still while the
// code under test works and jumps from one due timer to the next. After each timer the loop waits
// until the process is quiet again (the microtask queue drained and no tracked promise pending, e.g.
// a WebCrypto X25519 running on the thread pool) before the next one fires, so CPU time never leaks
// into simulated time. Each timer remembers the `cause` current when it was set (the id of the tapped
// transmission whose arrival was being handled), which is how the bench knows, as ground truth, which
// input frame a mix's output came from. Invariants: timers fire in (due, creation) order, each once.

import { MinHeap } from '../../src/core/heap.ts';
import type { MixClock } from '../../src/net/mix/mix-node.ts';

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
  cause: number | undefined;
  cancelled: boolean;
}

export class EventSim implements MixClock {
  #t: number;
  #seq = 0;
  #inflight = 0;
  // Earliest first; equal times in the order they were set.
  readonly #heap = new MinHeap<Timer>((a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq));
  /** The transmission whose arrival (or whose consequence) is being handled; undefined for none. */
  cause: number | undefined;

  constructor(start: number) {
    this.#t = start;
  }

  now = (): number => this.#t;

  setTimer(fn: () => void, ms: number): () => void {
    return this.at(Math.max(0, ms), fn, this.cause);
  }

  /** A timer with an explicit cause (a delivery carries its own transmission's id). */
  at(ms: number, fn: () => void, cause: number | undefined): () => void {
    const t: Timer = { due: this.#t + ms, seq: this.#seq++, fn, cause, cancelled: false };
    this.#heap.push(t);
    return () => void (t.cancelled = true);
  }

  /** Counts `p` as work in progress until it settles (the loop waits for it). */
  track<T>(p: Promise<T>): Promise<T> {
    this.#inflight++;
    return p.finally(() => void this.#inflight--);
  }

  /** Runs timers due up to `until` (absolute simulated ms); then the clock reads `until`. */
  async run(until: number): Promise<void> {
    await this.settle();
    for (let next = this.#heap.peek(); next && next.due <= until; next = this.#heap.peek()) {
      const t = this.#heap.pop()!;
      if (t.cancelled) continue;
      this.#t = t.due;
      this.cause = t.cause;
      t.fn();
      await this.settle();
    }
    this.#t = Math.max(this.#t, until);
    this.cause = undefined;
  }

  /** Waits until nothing is pending: one macrotask turn with no tracked promise in flight. */
  async settle(): Promise<void> {
    do await new Promise<void>((r) => setImmediate(r));
    while (this.#inflight > 0);
  }
}
