// Per-origin proof-of-work limits (docs/API.md "Limits", docs/SECURITY.md): an origin has at most
// `running` seals in the peer's PoW pool and `queued` waiting here; beyond that shh_post is refused at
// once (-32000), never left waiting. The pool serves seals first in, first out, so with one seal per
// origin in it the connected origins take turns; each turn lasts at most `maxTimeMs` (powTime capped).

import { abortedError } from '../core/pow-seal.ts';
import type { Envelope, EnvelopeParams } from '../core/envelope.ts';
import type { VerifiedEnvelope } from '../core/validate.ts';
import type { NodeInfo, SealOptions, ShhNode } from '../api/node.ts';
import { whisperFailure } from '../api/rpc-error.ts';

/** Seals one origin may have in the PoW pool at once. */
export const SEALS_RUNNING_PER_ORIGIN = 1;
/** Seals one origin may have waiting for its running one; the next is refused at once. */
export const SEALS_QUEUED_PER_ORIGIN = 4;
/** powTime above this is lowered to it: one seal holds the shared pool for at most this long. */
export const MAX_POW_TIME_S = 300;

export interface SealLimitsInit {
  running?: number;
  queued?: number;
  maxTimeMs?: number;
}

interface Waiting {
  start: () => void;
  fail: (e: Error) => void;
}

export class SealLimits {
  readonly running: number;
  readonly queued: number;
  readonly maxTimeMs: number;
  readonly #waiting: Waiting[] = [];
  readonly #live = new Set<AbortController>();
  #busy = 0; // running slots taken; a finished seal hands its slot to the first waiting one

  constructor(init: SealLimitsInit = {}) {
    this.running = init.running ?? SEALS_RUNNING_PER_ORIGIN;
    this.queued = init.queued ?? SEALS_QUEUED_PER_ORIGIN;
    this.maxTimeMs = init.maxTimeMs ?? MAX_POW_TIME_S * 1000;
    if (!Number.isInteger(this.running) || this.running < 1) throw new RangeError('running must be an integer >= 1');
    if (!Number.isInteger(this.queued) || this.queued < 0) throw new RangeError('queued must be an integer >= 0');
  }

  /** Seals running and waiting now (tests read it). */
  get load(): { running: number; queued: number } {
    return { running: this.#busy, queued: this.#waiting.length };
  }

  /**
   * Runs `job` when a running slot is free; `signal` (the post's cancel) also drops it while it waits.
   * The job gets a signal that aborts on the caller's signal or on cancelAll().
   */
  async run<T>(job: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.#busy >= this.running) {
      if (this.#waiting.length >= this.queued)
        throw whisperFailure(
          `too many posts sealing for this site: at most ${this.running} sealing and ${this.queued} waiting; retry when one has finished`,
        );
      await this.#wait(signal); // resolves holding the slot the finished seal handed over
    } else this.#busy++;
    const own = new AbortController();
    this.#live.add(own);
    const onAbort = (): void => own.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) own.abort(); // cancelled in the moment its turn came
    try {
      return await job(own.signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#live.delete(own);
      const next = this.#waiting.shift();
      if (next) next.start();
      else this.#busy--;
    }
  }

  /** The site went away or the vault locked: every running seal aborts, every waiting one fails. */
  cancelAll(): void {
    for (const w of this.#waiting.splice(0)) w.fail(abortedError());
    for (const c of this.#live) c.abort();
  }

  #wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(w);
        if (i >= 0) this.#waiting.splice(i, 1);
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
      this.#waiting.push(w);
    });
  }
}

/** A ShhNode whose seals pass through one origin's SealLimits; everything else goes straight through. */
export class LimitedNode implements ShhNode {
  readonly #node: ShhNode;
  readonly #limits: SealLimits;

  constructor(node: ShhNode, limits: SealLimits) {
    this.#node = node;
    this.#limits = limits;
  }

  seal(params: EnvelopeParams, opts: SealOptions): Promise<Envelope> {
    if (opts.target === 0) return this.#node.seal(params, opts); // no work: nothing to limit
    const timeMs = Math.min(opts.timeMs, this.#limits.maxTimeMs);
    return this.#limits.run((signal) => this.#node.seal(params, { ...opts, timeMs, signal }), opts.signal);
  }

  minPow(): number {
    return this.#node.minPow();
  }
  maxMessageSize(): number {
    return this.#node.maxMessageSize();
  }
  setMinPow(pow: number): Promise<void> {
    return this.#node.setMinPow(pow);
  }
  setMaxMessageSize(size: number): Promise<void> {
    return this.#node.setMaxMessageSize(size);
  }
  setBloomFilter(bloom: Uint8Array): Promise<void> {
    return this.#node.setBloomFilter(bloom);
  }
  markTrustedPeer(enode: string): Promise<void> {
    return this.#node.markTrustedPeer(enode);
  }
  peerCount(): number {
    return this.#node.peerCount();
  }
  listening(): boolean {
    return this.#node.listening();
  }
  info(): NodeInfo {
    return this.#node.info();
  }
  post(envelope: Envelope): Promise<VerifiedEnvelope> {
    return this.#node.post(envelope);
  }
  envelopes(): Iterable<VerifiedEnvelope> {
    return this.#node.envelopes();
  }
  onEnvelope(listener: (e: VerifiedEnvelope, p2p: boolean) => void): () => void {
    return this.#node.onEnvelope(listener);
  }
}
