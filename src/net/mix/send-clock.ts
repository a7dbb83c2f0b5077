// The mix client's send clock (Loopix): frames leave at the ticks of a Poisson process of rate
// `rateHz` whether or not there is something to say. At each tick the oldest queued real frame goes,
// or else a cover frame (a loop with probability `loopShare`, a drop otherwise), so an observer of
// the client's uplink sees the same process either way. Invariants: one frame per tick, never more;
// a real frame takes the place of the next cover frame; the clock runs from start() to stop() and is
// never started by a first real frame (start it with the feature, not with the first post).

import type { MixClock } from './mix-node.ts';
import { exponential, uniform, type RandomBytes } from './random.ts';

export type SentKind = 'real' | 'loop' | 'drop';

export interface SendClockInit {
  clock: MixClock;
  randomBytes: RandomBytes;
  /** Frames per second, real and cover together. */
  rateHz: number;
  /** Share of cover frames that are loops (the rest are drops). */
  loopShare: number;
  /** Builds a cover frame (and registers a loop's return); undefined when no path exists now. */
  cover(kind: 'loop' | 'drop'): Uint8Array | undefined;
  /** Puts a frame on the wire to the entry mix. */
  send(frame: Uint8Array, kind: SentKind): Promise<void>;
  onError?(e: unknown): void;
}

export class SendClock {
  readonly #init: SendClockInit;
  readonly #queue: Uint8Array[] = [];
  #cancel: (() => void) | undefined;
  #ticks = 0;

  constructor(init: SendClockInit) {
    if (!(init.rateHz > 0) || !Number.isFinite(init.rateHz)) throw new RangeError('rateHz must be a positive number');
    if (!(init.loopShare >= 0 && init.loopShare <= 1)) throw new RangeError('loopShare must be in [0, 1]');
    this.#init = init;
  }

  get running(): boolean {
    return this.#cancel !== undefined;
  }

  /** Real frames waiting for a tick. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Ticks so far (each sent one frame, or found no path for cover). */
  get ticks(): number {
    return this.#ticks;
  }

  start(): void {
    if (this.#cancel) return;
    this.#schedule();
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Queues real frames (all fragments of one envelope, in order); each takes a cover frame's tick. */
  enqueue(...frames: Uint8Array[]): void {
    this.#queue.push(...frames);
  }

  #schedule(): void {
    const ms = exponential(this.#init.randomBytes, 1000 / this.#init.rateHz);
    this.#cancel = this.#init.clock.setTimer(() => this.#tick(), ms);
  }

  #tick(): void {
    if (!this.#cancel) return;
    this.#ticks++;
    this.#schedule();
    const real = this.#queue.shift();
    let frame = real;
    let kind: SentKind = 'real';
    if (!frame) {
      kind = uniform(this.#init.randomBytes) < this.#init.loopShare ? 'loop' : 'drop';
      frame = this.#init.cover(kind);
      if (!frame) return;
    }
    this.#init.send(frame, kind).catch((err: unknown) => this.#init.onError?.(err));
  }
}
