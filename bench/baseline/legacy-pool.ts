// Frozen copy of src/core/pool.ts before the compact pool, for before/after figures in one run
// (bench/pool-memory.ts); only change: the key function is a constructor option (`key`).
// The envelope pool: every live verified envelope, keyed by hash, dropped at expiry.
// Bounded in bytes: when a new envelope does not fit, the envelopes with the lowest PoW go first (PoW
// is what a sender paid per byte and second, so cheap spam is the first to leave); a newcomer whose
// PoW is below everything it would displace is refused with 'pool-full'. Clock injected.

import { WhisperError } from '../../src/core/errors.ts';
import { MinHeap } from '../../src/core/heap.ts';
import type { LegacyEnvelope as VerifiedEnvelope } from './legacy-validate.ts';

export interface EnvelopePoolInit {
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** Upper bound on the summed RLP bytes of the pool. */
  maxBytes?: number;
  /** The Map key of a hash. */
  key: (hash: Uint8Array) => string;
}

export const DEFAULT_POOL_MAX_BYTES = 256 * 1024 * 1024;

export type PoolEventName = 'added' | 'expired' | 'evicted';

export class LegacyEnvelopePool extends EventTarget {
  readonly #byHash = new Map<string, VerifiedEnvelope>();
  readonly #byExpiry = new MinHeap<VerifiedEnvelope>((a, b) => a.expiry < b.expiry);
  readonly #byPow = new MinHeap<VerifiedEnvelope>((a, b) => a.pow < b.pow || (a.pow === b.pow && a.expiry < b.expiry));
  readonly #now: () => number;
  readonly maxBytes: number;
  #bytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = false;
  readonly #key: (hash: Uint8Array) => string;

  constructor(init: EnvelopePoolInit) {
    super();
    this.#key = init.key;
    this.#now = init.now ?? Date.now;
    this.maxBytes = init.maxBytes ?? DEFAULT_POOL_MAX_BYTES;
    if (!(this.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
  }

  get size(): number {
    return this.#byHash.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  has(hash: Uint8Array): boolean {
    return this.#byHash.has(this.#key(hash));
  }

  get(hash: Uint8Array): VerifiedEnvelope | undefined {
    return this.#byHash.get(this.#key(hash));
  }

  values(): IterableIterator<VerifiedEnvelope> {
    return this.#byHash.values();
  }

  /**
   * Adds a verified envelope. Returns false for a duplicate or one already expired; throws
   * WhisperError('pool-full') when it does not fit even after evicting every lower-PoW envelope.
   */
  add(e: VerifiedEnvelope): boolean {
    const key = this.#key(e.hash);
    if (this.#byHash.has(key)) return false;
    if (e.expiry < this.#nowSeconds()) return false;
    const size = e.rlp.length;
    if (size > this.maxBytes) throw new WhisperError('pool-full', 'envelope larger than the whole pool');
    if (this.#bytes + size > this.maxBytes) this.#evictFor(e, size);
    this.#byHash.set(key, e);
    this.#byExpiry.push(e);
    this.#byPow.push(e);
    this.#bytes += size;
    this.#emit('added', e);
    if (this.#started) this.#arm();
    return true;
  }

  /** Removes every envelope whose expiry has passed; returns them. */
  expire(): VerifiedEnvelope[] {
    const now = this.#nowSeconds();
    const gone: VerifiedEnvelope[] = [];
    for (let top = this.#byExpiry.peek(); top && top.expiry < now; top = this.#byExpiry.peek()) {
      this.#byExpiry.pop();
      if (this.#delete(top)) gone.push(top);
    }
    for (const e of gone) this.#emit('expired', e);
    this.#compact();
    return gone;
  }

  start(): void {
    this.#started = true;
    this.#arm();
  }

  stop(): void {
    this.#started = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  clear(): void {
    this.#byHash.clear();
    this.#byExpiry.clear();
    this.#byPow.clear();
    this.#bytes = 0;
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  #delete(e: VerifiedEnvelope): boolean {
    if (!this.#isLive(e)) return false; // already gone: a stale heap entry
    this.#byHash.delete(this.#key(e.hash));
    this.#bytes -= e.rlp.length;
    return true;
  }

  #isLive(e: VerifiedEnvelope): boolean {
    return this.#byHash.get(this.#key(e.hash)) === e;
  }

  #evictFor(incoming: VerifiedEnvelope, size: number): void {
    const popped: VerifiedEnvelope[] = [];
    let freed = 0;
    while (this.#bytes - freed + size > this.maxBytes) {
      const low = this.#byPow.pop();
      if (!low) break;
      if (!this.#isLive(low)) continue; // stale heap entry
      popped.push(low);
      if (low.pow >= incoming.pow) break;
      freed += low.rlp.length;
    }
    if (this.#bytes - freed + size > this.maxBytes) {
      for (const p of popped) this.#byPow.push(p);
      throw new WhisperError('pool-full', 'pool is full of envelopes with higher PoW');
    }
    for (const v of popped) {
      this.#delete(v);
      this.#emit('evicted', v);
    }
  }

  // Lazy deletion leaves stale heap entries; rebuild a heap once it holds twice the live count.
  #compact(): void {
    for (const heap of [this.#byExpiry, this.#byPow]) {
      if (heap.size > 64 && heap.size > 2 * this.#byHash.size) {
        heap.clear();
        for (const e of this.#byHash.values()) heap.push(e);
      }
    }
  }

  #arm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = this.#byExpiry.peek();
    if (!next) return;
    // An envelope is dropped once its expiry second has passed.
    const delay = Math.max(0, (next.expiry + 1) * 1000 - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.expire();
      if (this.#started) this.#arm();
    }, Math.min(delay, 2 ** 31 - 1));
  }

  #emit(type: PoolEventName, e: VerifiedEnvelope): void {
    this.dispatchEvent(new CustomEvent<VerifiedEnvelope>(type, { detail: e }));
  }
}
