// Cover from a relay on its relay-to-relay links (Loopix's mix loops): on a Poisson clock the relay
// sends a loop frame through other mixes and back to itself, so the traffic between relays does not
// rise and fall with the clients' real frames, and a relay notices mixes that drop frames. Pure and
// unwired: the relay's composition root gives it the records, its own key and a way to send.
// Invariants: no frame is sent without a path of at least one other relay; every loop sent is either
// recognised once on its return or counted lost after `loopTimeoutMs`.

import type { PeerId } from '@libp2p/interface';
import { bytesToKey } from '../../core/bytes.ts';
import { MAX_HOPS } from '../../core/mix/constants.ts';
import { createFrame } from '../../core/mix/packet.ts';
import type { VerifiedKeyRecord } from './key-record.ts';
import { LoopTracker, type LoopStats } from './loops.ts';
import type { MixClock } from './mix-node.ts';
import { selectPath } from './path.ts';
import { exponential, type RandomBytes } from './random.ts';

export interface RelayCoverInit {
  clock: MixClock;
  randomBytes: RandomBytes;
  /** This relay's node id and current public mix key: the last hop of its own loops. */
  ownId: Uint8Array;
  ownKey(): Uint8Array;
  records(): readonly VerifiedKeyRecord[];
  send(to: PeerId, frame: Uint8Array): Promise<void>;
  rateHz: number;
  hops?: number;
  loopTimeoutMs: number;
  onError?(e: unknown): void;
}

export class RelayCover {
  readonly loops: LoopTracker;
  readonly #init: RelayCoverInit;
  #cancel: (() => void) | undefined;

  constructor(init: RelayCoverInit) {
    if (!(init.rateHz > 0) || !Number.isFinite(init.rateHz)) throw new RangeError('rateHz must be a positive number');
    const hops = init.hops ?? MAX_HOPS;
    if (!Number.isInteger(hops) || hops < 2 || hops > MAX_HOPS) throw new RangeError(`relay cover hops must be 2..${MAX_HOPS}`);
    this.#init = init;
    this.loops = new LoopTracker({ now: () => init.clock.now(), timeoutMs: init.loopTimeoutMs });
  }

  start(): void {
    if (!this.#cancel) this.#schedule();
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Whether a frame that reached this relay is one of its loops coming back (MixHost.ownLoop). */
  recognise(frame: Uint8Array): boolean {
    return this.loops.recognise(frame);
  }

  stats(): LoopStats {
    return this.loops.stats();
  }

  #schedule(): void {
    const ms = exponential(this.#init.randomBytes, 1000 / this.#init.rateHz);
    this.#cancel = this.#init.clock.setTimer(() => {
      if (!this.#cancel) return;
      this.#schedule();
      this.#sendOne();
    }, ms);
  }

  #sendOne(): void {
    const i = this.#init;
    const own = bytesToKey(i.ownId);
    const others = i.records().filter((r) => bytesToKey(r.nodeId) !== own);
    const out = selectPath(others, { randomBytes: i.randomBytes, now: i.clock.now(), hops: (i.hops ?? MAX_HOPS) - 1 });
    if (out.path.length === 0) return;
    const first = others.find((r) => r.nodeId === out.path[0]!.nodeId)!;
    const made = createFrame({
      path: [...out.path, { nodeId: i.ownId, mixKey: i.ownKey() }],
      exit: { kind: 'loop', to: i.ownId },
      randomBytes: i.randomBytes,
    });
    this.loops.expect(made.returns!);
    i.send(first.peerId, made.frame).catch((err: unknown) => i.onError?.(err));
  }
}
