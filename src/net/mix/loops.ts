// Loop cover bookkeeping for a mix client: each loop frame's expected return (the digest createFrame
// gives) is remembered until it comes back or its deadline passes; one that never comes back is
// counted lost, which is how a client notices mixes dropping its frames (Loopix's active attack
// detection). Bounded: at most `maxPending` loops are awaited; older ones are counted lost.

import { bytesToKey } from '../../core/bytes.ts';
import { frameDigest } from '../../core/mix/packet.ts';

export interface LoopStats {
  sent: number;
  returned: number;
  lost: number;
  pending: number;
}

export class LoopTracker {
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #pending = new Map<string, number>(); // digest -> deadline, in send order
  #sent = 0;
  #returned = 0;
  #lost = 0;

  constructor(init: { now: () => number; timeoutMs: number; maxPending?: number }) {
    if (!(init.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.#now = init.now;
    this.#timeoutMs = init.timeoutMs;
    this.#maxPending = init.maxPending ?? 1024;
  }

  /** Remembers a loop frame just sent, by the digest of the frame expected back. */
  expect(returns: Uint8Array): void {
    this.sweep();
    if (this.#pending.size >= this.#maxPending) {
      const oldest = this.#pending.keys().next().value!;
      this.#pending.delete(oldest);
      this.#lost++;
    }
    this.#pending.set(bytesToKey(returns), this.#now() + this.#timeoutMs);
    this.#sent++;
  }

  /** Whether `frame` is one of our loops coming back (each is recognised once). */
  recognise(frame: Uint8Array): boolean {
    const key = bytesToKey(frameDigest(frame));
    if (!this.#pending.delete(key)) return false;
    this.#returned++;
    return true;
  }

  /** Counts loops past their deadline as lost. */
  sweep(): void {
    const now = this.#now();
    for (const [k, deadline] of this.#pending) {
      if (deadline > now) continue;
      this.#pending.delete(k);
      this.#lost++;
    }
  }

  stats(): LoopStats {
    this.sweep();
    return { sent: this.#sent, returned: this.#returned, lost: this.#lost, pending: this.#pending.size };
  }
}
