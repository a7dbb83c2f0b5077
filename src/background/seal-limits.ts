// Proof-of-work limits for pages (docs/API.md "Limits", docs/SECURITY.md): the background hands the
// peer's PoW pool one seal at a time, picking the sites with waiting posts in turn (round robin), so a
// site with a queue cannot starve another. A site has at most `running` seals started and `queued`
// waiting; beyond that shh_post is refused at once (-32000), never left waiting. A turn lasts at most
// `maxTimeMs` (powTime is capped). Seals wait here, not in the pool, so no peer-request deadline runs
// while a seal waits for its turn. The scheduler also lists every seal, waiting or running, with its
// site and progress, and cancels one by id: the popup shows them (which site, how far) with a Cancel.

import { abortedError } from '../core/pow-seal.ts';
import { encodeShort, type Envelope, type EnvelopeParams } from '../core/envelope.ts';
import { zerosForTarget } from '../core/pow.ts';
import type { SealOptions, SealProgress, Sealer } from '../api/node.ts';
import { whisperFailure } from '../rpc/errors.ts';
import type { SealView } from '../rpc/popup.ts';

/** Seals one site may have started at once. */
export const SEALS_RUNNING_PER_ORIGIN = 1;
/** Seals one site may have waiting for their turn; the next is refused at once. */
export const SEALS_QUEUED_PER_ORIGIN = 4;
/** Seals in the peer's pool at once, every site together (the pool works on one at a time anyway). */
export const SEALS_RUNNING_TOTAL = 1;
/** powTime above this is lowered to it: one turn holds the shared workers for at most this long. */
export const MAX_POW_TIME_S = 120;

export interface SealSchedulerInit {
  running?: number;
  queued?: number;
  total?: number;
  maxTimeMs?: number;
}

/** A seal as the popup shows it (the popup channel's type). */
export type SealInfo = SealView;

/** What LimitedNode tells the scheduler about a seal it runs. */
export interface SealAbout {
  targetPow: number;
  expectedHashes: number;
}

interface Tracked extends SealInfo {
  cancel: () => void;
}

interface Waiting {
  start: () => void;
  fail: (e: Error) => void;
}

interface Site {
  turn: number; // when it was last served (0: never); the lowest goes first
  running: number;
  waiting: Waiting[];
  live: Set<AbortController>;
}

/** What one site's OriginScope uses. */
export interface SealLimits {
  readonly maxTimeMs: number;
  /** Runs `job` in the site's turn; `signal` (the post's cancel) also drops it while it waits. */
  run<T>(job: (signal: AbortSignal, progress: (p: SealProgress) => void) => Promise<T>, signal?: AbortSignal, about?: SealAbout): Promise<T>;
  /** The site went away or the vault locked: its running seal aborts, its waiting ones fail. */
  cancelAll(): void;
  /** Seals started and waiting now (tests read it). */
  readonly load: { running: number; queued: number };
}

export class SealScheduler {
  readonly running: number;
  readonly queued: number;
  readonly total: number;
  readonly maxTimeMs: number;
  readonly #sites = new Map<string, Site>();
  readonly #seals = new Map<string, Tracked>();
  #started = 0;
  #turns = 0;
  #ids = 0;

  constructor(init: SealSchedulerInit = {}) {
    this.running = init.running ?? SEALS_RUNNING_PER_ORIGIN;
    this.queued = init.queued ?? SEALS_QUEUED_PER_ORIGIN;
    this.total = init.total ?? SEALS_RUNNING_TOTAL;
    this.maxTimeMs = init.maxTimeMs ?? MAX_POW_TIME_S * 1000;
    for (const [k, v] of [['running', this.running], ['total', this.total]] as const)
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be an integer >= 1`);
    if (!Number.isInteger(this.queued) || this.queued < 0) throw new RangeError('queued must be an integer >= 0');
  }

  forOrigin(origin: string): SealLimits {
    const scheduler = this;
    return {
      maxTimeMs: this.maxTimeMs,
      run: (job, signal, about) => this.#run(origin, job, signal, about),
      cancelAll: () => this.#cancel(origin),
      get load() {
        return scheduler.load(origin);
      },
    };
  }

  async #run<T>(origin: string, job: (signal: AbortSignal, progress: (p: SealProgress) => void) => Promise<T>, signal?: AbortSignal, about?: SealAbout): Promise<T> {
    signal?.throwIfAborted();
    const site = this.#site(origin);
    const startsNow = site.waiting.length === 0 && site.running < this.running && this.#started < this.total;
    if (!startsNow && site.waiting.length >= this.queued) {
      throw whisperFailure(
        `too many posts sealing for this site: at most ${this.running} sealing and ${this.queued} waiting; retry when one has finished`,
      );
    }
    // The user's Cancel (popup) ends the seal as the post's own cancel would.
    const user = new AbortController();
    const cancel = signal ? AbortSignal.any([signal, user.signal]) : user.signal;
    const id = String(++this.#ids);
    const tracked: Tracked = { id, origin, state: 'waiting', targetPow: about?.targetPow ?? 0, expectedHashes: about?.expectedHashes ?? 0, hashes: 0, bestPow: 0, elapsedMs: 0, cancel: () => user.abort() };
    this.#seals.set(id, tracked);
    try {
      await this.#wait(site, cancel); // resolves when the scheduler started it
      tracked.state = 'sealing';
      const own = new AbortController();
      site.live.add(own);
      const onAbort = (): void => own.abort();
      cancel.addEventListener('abort', onAbort, { once: true });
      if (cancel.aborted) own.abort(); // cancelled in the moment its turn came
      try {
        return await job(own.signal, (p) => Object.assign(tracked, { hashes: p.hashes, bestPow: p.bestPow, elapsedMs: p.elapsedMs }));
      } finally {
        cancel.removeEventListener('abort', onAbort);
        site.live.delete(own);
        site.running--;
        this.#started--;
        this.#pump();
      }
    } finally {
      this.#seals.delete(id);
    }
  }

  /** Every seal waiting or running, oldest first. */
  list(): SealInfo[] {
    return [...this.#seals.values()].map(({ cancel: _c, ...info }) => info);
  }

  /** The user's Cancel: the seal fails as a cancelled post; false when it already ended. */
  cancel(id: string): boolean {
    const t = this.#seals.get(id);
    t?.cancel();
    return t !== undefined;
  }

  // A site stays listed once it has sealed (one small record per connected site), so its turn is
  // remembered: going idle between posts must not put it back at the front.
  #site(origin: string): Site {
    let site = this.#sites.get(origin);
    if (!site) this.#sites.set(origin, (site = { turn: 0, running: 0, waiting: [], live: new Set() }));
    return site;
  }

  #wait(site: Site, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = site.waiting.indexOf(w);
        if (i >= 0) site.waiting.splice(i, 1);
        reject(abortedError());
      };
      const w: Waiting = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      site.waiting.push(w);
      this.#pump();
    });
  }

  /** Starts waiting seals while there is room: the eligible site served longest ago (or never) goes first. */
  #pump(): void {
    while (this.#started < this.total) {
      let picked: Site | undefined;
      for (const site of this.#sites.values())
        if (site.waiting.length > 0 && site.running < this.running && (!picked || site.turn < picked.turn)) picked = site;
      if (!picked) return;
      picked.turn = ++this.#turns;
      picked.running++;
      this.#started++;
      picked.waiting.shift()!.start();
    }
  }

  #cancel(origin: string): void {
    const site = this.#sites.get(origin);
    if (!site) return;
    for (const w of site.waiting.splice(0)) w.fail(abortedError());
    for (const c of site.live) c.abort();
  }

  /** A site's seals started and waiting now. */
  load(origin: string): { running: number; queued: number } {
    const site = this.#sites.get(origin);
    return { running: site?.running ?? 0, queued: site?.waiting.length ?? 0 };
  }
}

/** One site's sealer: its seals take turns through the site's SealLimits. */
export class LimitedSealer implements Sealer {
  readonly #sealer: Sealer;
  readonly #limits: SealLimits;

  constructor(sealer: Sealer, limits: SealLimits) {
    this.#sealer = sealer;
    this.#limits = limits;
  }

  seal(params: EnvelopeParams, opts: SealOptions): Promise<Envelope> {
    if (opts.target === 0) return this.#sealer.seal(params, opts); // no work: nothing to limit
    const timeMs = Math.min(opts.timeMs, this.#limits.maxTimeMs);
    const expectedHashes = 2 ** zerosForTarget(opts.target, encodeShort(params).length, params.ttl);
    return this.#limits.run(
      (signal, progress) =>
        this.#sealer.seal(params, {
          ...opts,
          timeMs,
          signal,
          onProgress: (p) => {
            progress(p);
            opts.onProgress?.(p);
          },
        }),
      opts.signal,
      { targetPow: opts.target, expectedHashes },
    );
  }
}
