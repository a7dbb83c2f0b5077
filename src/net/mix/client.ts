// A mix client, pure and unwired: turns an envelope into frames over a path through its entry relay
// (all fragments by one exit), keeps the Poisson send clock with loop and drop cover running, and
// recognises its loops coming back. Loops run entry → relay → entry and the entry hands them back
// over the client's one connection (Loopix's provider plays the same part twice). Invariants: a post
// with no path throws and sends nothing; a shorter path than asked is reported, never hidden.

import { MAX_HOPS } from '../../core/mix/constants.ts';
import { MixError } from '../../core/mix/errors.ts';
import { fragmentEnvelope } from '../../core/mix/fragment.ts';
import { createFrame, type PathHop } from '../../core/mix/packet.ts';
import type { VerifiedKeyRecord } from './key-record.ts';
import { LoopTracker, type LoopStats } from './loops.ts';
import type { MixClock } from './mix-node.ts';
import { selectPath } from './path.ts';
import type { RandomBytes } from './random.ts';
import { SendClock, type SentKind } from './send-clock.ts';
import { MIX_CLIENT_DEFAULTS, type MixClientSettings } from './settings.ts';

export interface MixClientInit {
  clock: MixClock;
  randomBytes: RandomBytes;
  /** This client's node id: where its loops come back to. */
  ownId: Uint8Array;
  /** The entry relay's node id (the relay this client is connected to), if any. */
  entry(): Uint8Array | undefined;
  /** Verified key records the client knows. */
  records(): readonly VerifiedKeyRecord[];
  send(frame: Uint8Array, kind: SentKind): Promise<void>;
  /** Rate, loop share, hops and loop timeout; defaults in MIX_CLIENT_DEFAULTS. */
  settings?: Partial<MixClientSettings>;
  onError?(e: unknown): void;
}

export interface PostResult {
  frames: number;
  hops: number;
  /** Fewer hops than `hops`, because fewer relays exist. */
  short: boolean;
}

export class MixClient {
  readonly loops: LoopTracker;
  readonly settings: MixClientSettings;
  readonly #init: MixClientInit;
  readonly #clock: SendClock;

  constructor(init: MixClientInit) {
    this.#init = init;
    const s = (this.settings = { ...MIX_CLIENT_DEFAULTS, ...init.settings });
    if (!Number.isInteger(s.hops) || s.hops < 1 || s.hops > MAX_HOPS) throw new RangeError(`hops must be 1..${MAX_HOPS}`);
    this.loops = new LoopTracker({ now: () => init.clock.now(), timeoutMs: s.loopTimeoutMs });
    this.#clock = new SendClock({
      clock: init.clock,
      randomBytes: init.randomBytes,
      rateHz: s.rateHz,
      loopShare: s.loopShare,
      send: init.send,
      ...(init.onError ? { onError: init.onError } : {}),
      cover: (kind) => this.#cover(kind),
    });
  }

  start(): void {
    this.#clock.start();
  }

  stop(): void {
    this.#clock.stop();
  }

  get queued(): number {
    return this.#clock.queued;
  }

  loopStats(): LoopStats {
    return this.loops.stats();
  }

  /** Queues `envelope` to leave by one exit at the next ticks of the send clock. */
  post(envelope: Uint8Array): PostResult {
    const entry = this.#init.entry();
    if (!entry) throw new MixError('bad-path', 'no entry relay to send dark through');
    const choice = selectPath(this.#init.records(), { randomBytes: this.#init.randomBytes, now: this.#init.clock.now(), hops: this.settings.hops, first: entry, anyExit: true });
    if (choice.path.length === 0) throw new MixError('bad-path', `no mix path: the entry relay has no valid mix key record (${choice.available} relays known)`);
    const frames = fragmentEnvelope(envelope, this.#init.randomBytes).map(
      (body) => createFrame({ path: choice.path, exit: { kind: 'gossip' }, body, randomBytes: this.#init.randomBytes }).frame,
    );
    this.#clock.enqueue(...frames);
    return { frames: frames.length, hops: choice.path.length, short: choice.short };
  }

  /** Whether a frame that reached this client is one of its loops coming back. */
  recognise(frame: Uint8Array): boolean {
    return this.loops.recognise(frame);
  }

  #cover(kind: 'loop' | 'drop'): Uint8Array | undefined {
    const entry = this.#init.entry();
    if (!entry) return undefined;
    const rb = this.#init.randomBytes;
    const now = this.#init.clock.now();
    const records = this.#init.records();
    let path: PathHop[];
    if (kind === 'drop') {
      // Drawn like a real post's path, so that a drop looks like one on every link.
      path = selectPath(records, { randomBytes: rb, now, hops: this.settings.hops, first: entry, anyExit: true }).path;
    } else {
      // entry → up to hops-2 others → entry, which hands the frame back to us.
      const out = selectPath(records, { randomBytes: rb, now, hops: Math.max(1, this.settings.hops - 1), first: entry }).path;
      path = out.length === 0 ? [] : this.settings.hops > 1 ? [...out, out[0]!] : out;
    }
    if (path.length === 0) return undefined;
    const exit = kind === 'loop' ? ({ kind: 'loop', to: this.#init.ownId } as const) : ({ kind: 'drop' } as const);
    const made = createFrame({ path, exit, randomBytes: rb });
    if (made.returns) this.loops.expect(made.returns);
    return made.frame;
  }
}
