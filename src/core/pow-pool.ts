// A pool of PoW workers sealing envelopes on every core (docs/PROTOCOL.md §1). The pool hands each worker one
// batch at a time (about `batchMs` of hashing on a nonce range disjoint from every other batch of the
// seal), so cancelling is "stop sending batches" and settles at once; the first success wins; seals
// queue first in, first out; a crashed worker is replaced and its batch retried on another.
// With `idleMs` the workers are lazy: none runs until the first seal, and all stop once no seal has
// been waiting for idleMs (an extension at rest keeps no thread per core; docs/BENCHMARKS.md "Idle cost").

import type { Envelope, EnvelopeParams } from './envelope.ts';
import { encodeShort } from './envelope.ts';
import { powFromZeros, zerosForTarget } from './pow.ts';
import { abortedError, checkSealOptions, nextBatchSize, powTimeoutError, type PowProgress } from './pow-seal.ts';
import { isPowWorkerReply, type PowBatchRequest } from './pow-worker.ts';

/** The least a pool needs of a Web Worker or a worker_threads Worker. */
export interface PowWorkerPort {
  postMessage(message: PowBatchRequest): void;
  /** Attaches the pool's listeners: replies, and the worker's failure (crash or unexpected exit). */
  listen(onMessage: (message: unknown) => void, onError: (error: Error) => void): void;
  terminate(): void;
}

export interface PowPoolInit {
  readonly spawn: () => PowWorkerPort;
  /** Number of workers, usually the number of cores. */
  readonly size: number;
  readonly now?: () => number;
  /** Aimed duration of one batch (20-50 ms keeps cancelling prompt and messaging cheap). */
  readonly batchMs?: number;
  /** A seal fails after this many worker crashes while it runs. */
  readonly maxCrashes?: number;
  /** A worker that has not answered a batch after this long counts as crashed (hung). */
  readonly stallMs?: number;
  /**
   * Lazy workers: spawned at the first seal, terminated once the queue has been empty this long.
   * Absent: every worker is spawned at start() and kept until stop().
   */
  readonly idleMs?: number;
}

export interface PoolSealOptions {
  readonly target: number;
  readonly timeMs: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: PowProgress) => void;
  readonly startNonce?: bigint;
}

interface Job {
  readonly key: number;
  readonly params: EnvelopeParams;
  readonly short: Uint8Array;
  readonly zeros: number;
  readonly opts: PoolSealOptions;
  readonly resolve: (e: Envelope) => void;
  readonly reject: (e: Error) => void;
  readonly retry: Array<{ start: bigint; count: number }>;
  readonly cleanup: () => void;
  started?: number;
  timer?: ReturnType<typeof setTimeout>;
  next: bigint;
  inFlight: number;
  hashes: number;
  best: number;
  crashes: number;
  done: boolean;
}

interface Batch {
  readonly id: number;
  readonly job: Job;
  readonly start: bigint;
  readonly count: number;
}

interface Slot {
  readonly port: PowWorkerPort;
  batch?: Batch;
  watchdog?: ReturnType<typeof setTimeout>;
  loadedKey?: number;
  count: number;
}

const U64 = 0xffff_ffff_ffff_ffffn;

export class PowPool {
  readonly #init: Required<Omit<PowPoolInit, 'now' | 'idleMs'>> & { now: () => number; idleMs: number | undefined };
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #running = false;
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(init: PowPoolInit) {
    if (typeof init?.spawn !== 'function') throw new TypeError('spawn must be a function');
    if (!Number.isInteger(init.size) || init.size < 1) throw new RangeError('size must be an integer >= 1');
    this.#init = {
      spawn: init.spawn,
      size: init.size,
      now: init.now ?? (() => performance.now()),
      batchMs: init.batchMs ?? 30,
      maxCrashes: init.maxCrashes ?? 3,
      stallMs: init.stallMs ?? Math.max(5000, 50 * (init.batchMs ?? 30)),
      idleMs: init.idleMs,
    };
    if (init.idleMs !== undefined && !(init.idleMs >= 0)) throw new RangeError('idleMs must be >= 0');
  }

  /** Workers running now (lazy pools: 0 at rest). */
  get workers(): number {
    return this.#slots.size;
  }

  get size(): number {
    return this.#init.size;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#init.idleMs === undefined) this.#fill();
  }

  #fill(): void {
    while (this.#slots.size < this.#init.size) this.#spawn();
  }

  /** Lazy pools: terminates every worker once the queue has stayed empty for idleMs. */
  #armIdle(): void {
    if (this.#init.idleMs === undefined || this.#queue.length > 0 || this.#idleTimer !== undefined) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#queue.length > 0) return;
      for (const s of this.#slots) {
        clearTimeout(s.watchdog);
        s.port.terminate();
      }
      this.#slots.clear();
    }, this.#init.idleMs);
  }

  /** Terminates the workers; seals in progress or queued reject with 'aborted'. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    for (const s of this.#slots) {
      clearTimeout(s.watchdog);
      s.port.terminate();
    }
    this.#slots.clear();
    for (const job of [...this.#queue]) this.#finish(job, abortedError());
  }

  seal(params: EnvelopeParams, opts: PoolSealOptions): Promise<Envelope> {
    return new Promise<Envelope>((resolve, reject) => {
      checkSealOptions(opts);
      const short = encodeShort(params);
      if (!this.#running) throw new Error('PowPool: seal before start (or after stop)');
      if (opts.target === 0) return resolve({ ...params, nonce: 0n });
      if (opts.signal?.aborted) throw abortedError();
      const onAbort = () => this.#finish(job, abortedError());
      const job: Job = {
        key: this.#nextId++,
        params,
        short,
        zeros: zerosForTarget(opts.target, short.length, params.ttl),
        opts,
        resolve,
        reject,
        retry: [],
        cleanup: () => opts.signal?.removeEventListener('abort', onAbort),
        next: opts.startNonce ?? 0n,
        inFlight: 0,
        hashes: 0,
        best: -1,
        crashes: 0,
        done: false,
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(job);
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      this.#fill();
      this.#pump();
    });
  }

  #spawn(): void {
    const slot: Slot = { port: this.#init.spawn(), count: 1024 };
    this.#slots.add(slot);
    slot.port.listen(
      (m) => this.#onMessage(slot, m),
      (e) => this.#onCrash(slot, e),
    );
  }

  #finish(job: Job, outcome: Envelope | Error): void {
    if (job.done) return;
    job.done = true;
    job.cleanup();
    clearTimeout(job.timer);
    const i = this.#queue.indexOf(job);
    if (i >= 0) this.#queue.splice(i, 1);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
    this.#pump();
    if (this.#running) this.#armIdle();
  }

  /** Gives every idle worker a batch of the oldest seal, or settles it when its time is up. */
  #pump(): void {
    const job = this.#queue[0];
    if (!this.#running || !job) return;
    const now = this.#init.now();
    if (job.started === undefined) {
      job.started = now;
      // Replies settle the seal once the budget is spent; this bounds the wait on a hung worker.
      const grace = 2 * this.#init.batchMs;
      job.timer = setTimeout(() => this.#finish(job, powTimeoutError(job.opts.timeMs)), job.opts.timeMs + grace);
    }
    if (now - job.started >= job.opts.timeMs) {
      if (job.inFlight === 0) this.#finish(job, powTimeoutError(job.opts.timeMs));
      return;
    }
    for (const slot of this.#slots) {
      if (slot.batch) continue;
      let range = job.retry.shift();
      if (!range) {
        range = { start: job.next, count: slot.count };
        job.next = (job.next + BigInt(range.count)) & U64;
      }
      const batch: Batch = { id: this.#nextId++, job, ...range };
      const first = slot.loadedKey !== job.key;
      slot.batch = batch;
      slot.loadedKey = job.key;
      slot.watchdog = setTimeout(
        () => this.#onCrash(slot, new Error(`pow worker did not answer within ${this.#init.stallMs} ms`)),
        this.#init.stallMs,
      );
      job.inFlight++;
      slot.port.postMessage({
        type: 'batch',
        id: batch.id,
        key: job.key,
        ...(first ? { short: job.short } : {}),
        start: batch.start,
        count: batch.count,
        targetZeros: job.zeros,
      });
    }
  }

  #onMessage(slot: Slot, m: unknown): void {
    const batch = slot.batch;
    if (!batch || !isPowWorkerReply(m) || m.id !== batch.id) return;
    slot.batch = undefined;
    clearTimeout(slot.watchdog);
    const job = batch.job;
    job.inFlight--;
    if (job.done) return this.#pump();
    if (m.type === 'error') return this.#finish(job, new Error(m.message));
    slot.count = nextBatchSize(batch.count, m.elapsedMs, this.#init.batchMs);
    job.hashes += m.found ? Number(((m.nonce - batch.start) & U64) + 1n) : batch.count;
    job.best = Math.max(job.best, m.zeros);
    job.opts.onProgress?.({
      hashes: job.hashes,
      bestPow: powFromZeros(job.best, job.short.length, job.params.ttl),
      elapsedMs: this.#init.now() - (job.started ?? 0),
    });
    if (m.found) return this.#finish(job, { ...job.params, nonce: m.nonce });
    this.#pump();
  }

  #onCrash(slot: Slot, error: Error): void {
    if (!this.#slots.delete(slot)) return;
    clearTimeout(slot.watchdog);
    try {
      slot.port.terminate();
    } catch {
      // already gone
    }
    const batch = slot.batch;
    // A lazy pool at rest does not replace it: the next seal spawns what it needs.
    if (this.#running && (this.#init.idleMs === undefined || this.#queue.length > 0)) this.#spawn();
    if (batch && !batch.job.done) {
      const job = batch.job;
      job.inFlight--;
      if (++job.crashes > this.#init.maxCrashes)
        return this.#finish(job, new Error(`PowPool: workers crashed ${job.crashes} times during one seal: ${error.message}`));
      job.retry.push({ start: batch.start, count: batch.count });
    }
    this.#pump();
  }
}
