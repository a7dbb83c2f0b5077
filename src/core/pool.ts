// The envelope pool (docs/PROTOCOL.md): every live verified envelope, keyed by hash, dropped at expiry.
// Bounded in bytes: when a new envelope does not fit, the envelopes with the lowest PoW go first (PoW
// is what a sender paid per byte and second, so cheap spam is the first to leave); a newcomer whose
// PoW is below everything it would displace is refused with 'pool-full'. Clock injected.
// Memory (docs/BENCHMARKS.md, "Memory per envelope"): an envelope is held as a PoolRecord (wire bytes
// and hash as flat one-byte strings, expiry, PoW), under 2x its RLP bytes with the Map entry and heap
// slots. `get`, `values`, `expire` and the 'expired' / 'evicted' events hand out a fresh, equal
// VerifiedEnvelope each time; 'added' carries the very object given to `add`.

import { isWhisperError, WhisperError } from './errors.ts';
import { MinHeap } from './heap.ts';
import { PoolRecord, hashKey, latin1ToBytes } from './pool-record.ts';
import type { VerifiedEnvelope } from './validate.ts';

export interface EnvelopePoolInit {
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** Upper bound on the summed RLP bytes of the pool. */
  maxBytes?: number;
  /**
   * Expire on a coarser clock: the timer fires at multiples of this many milliseconds, dropping at
   * once everything expired by then, so a pool of many envelopes wakes at most once a step instead of
   * once per expiry second. An envelope then stays up to one step past its expiry, inside the 20-second
   * tolerance within which peers ignore an expired envelope quietly (docs/PROTOCOL.md §1.4); values()
   * never lists it meanwhile. 0 (the default): each expiry second on time. At most 20 000.
   */
  expiryStepMs?: number;
}

export const DEFAULT_POOL_MAX_BYTES = 256 * 1024 * 1024;

export type PoolEventName = 'added' | 'expired' | 'evicted';

const keyOfHash = (hash: Uint8Array): string => {
  if (!(hash instanceof Uint8Array)) throw new TypeError('hash must be a Uint8Array');
  return hashKey(hash);
};

export class EnvelopePool extends EventTarget {
  readonly #byHash = new Map<string, PoolRecord>();
  readonly #byExpiry = new MinHeap<PoolRecord>((a, b) => a.expiry < b.expiry);
  readonly #byPow = new MinHeap<PoolRecord>((a, b) => a.pow < b.pow || (a.pow === b.pow && a.expiry < b.expiry));
  readonly #now: () => number;
  readonly maxBytes: number;
  readonly #stepMs: number;
  #bytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = 0; // the expiry the timer is set for
  #started = false;

  constructor(init: EnvelopePoolInit = {}) {
    super();
    this.#now = init.now ?? Date.now;
    this.maxBytes = init.maxBytes ?? DEFAULT_POOL_MAX_BYTES;
    if (!(this.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    this.#stepMs = init.expiryStepMs ?? 0;
    if (!(this.#stepMs >= 0 && this.#stepMs <= 20_000)) throw new RangeError('expiryStepMs must be between 0 and 20000');
  }

  get size(): number {
    return this.#byHash.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  has(hash: Uint8Array): boolean {
    return this.#byHash.has(keyOfHash(hash));
  }

  /** A fresh copy of the envelope with this hash, if held. */
  get(hash: Uint8Array): VerifiedEnvelope | undefined {
    return this.#byHash.get(keyOfHash(hash))?.envelope();
  }

  /** Fresh copies of every live envelope held, made one at a time as the iteration goes. */
  *values(): IterableIterator<VerifiedEnvelope> {
    const now = this.#stepMs > 0 ? this.#nowSeconds() : 0; // with steps, some may wait past expiry
    for (const r of this.#byHash.values()) if (r.expiry >= now) yield r.envelope();
  }

  /**
   * The expiry and hash of every envelope held, without making the envelopes (for indexes such as the
   * catch-up's, which need only these two). Each hash is a fresh array.
   */
  *items(): IterableIterator<{ expiry: number; hash: Uint8Array }> {
    for (const r of this.#byHash.values()) yield { expiry: r.expiry, hash: latin1ToBytes(r.key) };
  }

  /**
   * [expiry, key] of every envelope held, the key being the hash as the pool's own 32-character
   * one-byte string (`hashKey`): an index that keeps these strings shares them with the pool instead of
   * holding a copy of each hash (the catch-up's, src/net/sync/catch-up.ts).
   */
  *keys(): IterableIterator<readonly [number, string]> {
    for (const r of this.#byHash.values()) yield [r.expiry, r.key];
  }

  /** The pool's own key string for `hash` (see keys()), if held. */
  keyOf(hash: Uint8Array): string | undefined {
    return this.#byHash.get(keyOfHash(hash))?.key;
  }

  /**
   * Adds a verified envelope. Returns false for a duplicate or one already expired; throws
   * WhisperError('pool-full') when it does not fit even after evicting every lower-PoW envelope.
   */
  add(e: VerifiedEnvelope): boolean {
    const key = keyOfHash(e.hash);
    if (this.#byHash.has(key)) return false;
    if (e.expiry < this.#nowSeconds()) return false;
    const size = e.rlp.length;
    if (size > this.maxBytes) throw new WhisperError('pool-full', 'envelope larger than the whole pool');
    if (this.#bytes + size > this.maxBytes) this.#evictFor(e.pow, size);
    const r = new PoolRecord(e, key);
    this.#byHash.set(key, r);
    this.#byExpiry.push(r);
    this.#byPow.push(r);
    this.#bytes += size;
    this.#emit('added', e);
    // Re-armed only when this one is due before the timer: a catch-up of thousands sets no thousand timers.
    if (this.#started && (this.#timer === undefined || e.expiry < this.#armedFor)) this.#arm();
    return true;
  }

  /**
   * Adds many verified envelopes at once, to fill a pool nobody watches yet (the relay's start-up
   * load): as add() each (false for a duplicate, also within `es`, or one already expired), but with
   * no 'added' event and each heap rebuilt once. When they do not all fit, each goes through add()
   * instead (eviction by PoW, its events; false where add() throws 'pool-full').
   */
  addMany(es: readonly VerifiedEnvelope[]): boolean[] {
    let size = 0;
    for (const e of es) size += e.rlp.length;
    if (this.#bytes + size > this.maxBytes)
      return es.map((e) => {
        try {
          return this.add(e);
        } catch (err) {
          if (isWhisperError(err, 'pool-full')) return false;
          throw err;
        }
      });
    const now = this.#nowSeconds();
    const added: boolean[] = new Array(es.length);
    const records: PoolRecord[] = [];
    for (let i = 0; i < es.length; i++) {
      const e = es[i]!;
      const key = keyOfHash(e.hash);
      added[i] = !this.#byHash.has(key) && e.expiry >= now;
      if (!added[i]) continue;
      const r = new PoolRecord(e, key);
      this.#byHash.set(key, r);
      records.push(r);
      this.#bytes += r.size;
    }
    this.#byExpiry.pushMany(records);
    this.#byPow.pushMany(records);
    if (this.#started && records.length > 0) this.#arm();
    return added;
  }

  /** Removes every envelope whose expiry has passed; returns them. */
  expire(): VerifiedEnvelope[] {
    const now = this.#nowSeconds();
    const gone: VerifiedEnvelope[] = [];
    for (let top = this.#byExpiry.peek(); top && top.expiry < now; top = this.#byExpiry.peek()) {
      this.#byExpiry.pop();
      if (this.#delete(top)) gone.push(top.envelope());
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

  #delete(r: PoolRecord): boolean {
    if (this.#byHash.get(r.key) !== r) return false; // already gone: a stale heap entry
    this.#byHash.delete(r.key);
    this.#bytes -= r.size;
    return true;
  }

  #evictFor(pow: number, size: number): void {
    const popped: PoolRecord[] = [];
    let freed = 0;
    while (this.#bytes - freed + size > this.maxBytes) {
      const low = this.#byPow.pop();
      if (!low) break;
      if (this.#byHash.get(low.key) !== low) continue; // stale heap entry
      popped.push(low);
      if (low.pow >= pow) break;
      freed += low.size;
    }
    if (this.#bytes - freed + size > this.maxBytes) {
      for (const p of popped) this.#byPow.push(p);
      throw new WhisperError('pool-full', 'pool is full of envelopes with higher PoW');
    }
    for (const r of popped) {
      this.#delete(r);
      this.#emit('evicted', r.envelope());
    }
  }

  // Lazy deletion leaves stale heap entries; rebuild a heap once it holds twice the live count.
  #compact(): void {
    for (const heap of [this.#byExpiry, this.#byPow]) {
      if (heap.size > 64 && heap.size > 2 * this.#byHash.size) {
        heap.clear();
        for (const r of this.#byHash.values()) heap.push(r);
      }
    }
  }

  #arm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = this.#byExpiry.peek();
    if (!next) return;
    this.#armedFor = next.expiry;
    // An envelope is dropped once its expiry second has passed (with steps: at the next step after).
    const due = (next.expiry + 1) * 1000;
    const at = this.#stepMs > 0 ? Math.ceil(due / this.#stepMs) * this.#stepMs : due;
    const delay = Math.max(0, at - this.#now());
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
