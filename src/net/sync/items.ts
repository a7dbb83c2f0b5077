// The ordered item set that catch-up sync (docs/PROTOCOL.md §3) reconciles: (expiry, envelope hash) pairs sorted
// by expiry, then hash bytes. Invariant: a SyncItems view is strictly increasing, no duplicates, so two
// pools with the same live envelopes hold the same sequence and range fingerprints agree.
import { compareBytes } from '../../core/bytes.ts';
import { HASH_LENGTH, MAX_UINT32 } from '../../core/constants.ts';
import { bytesToLatin1, hashKey, latin1ToBytes } from '../../core/pool-record.ts';

export interface SyncItem {
  /** Envelope expiry, uint32 seconds: plays negentropy's timestamp. */
  readonly expiry: number;
  /** Envelope hash (keccak256 of the RLP), 32 bytes. */
  readonly hash: Uint8Array;
}

/**
 * A point in the item order: every item with (expiry, hash) >= (expiry, prefix ‖ zeros) is at or
 * above it. `expiry` = INFINITY is the end of the order (and then the prefix is empty).
 */
export interface Bound {
  readonly expiry: number;
  readonly prefix: Uint8Array;
}

/** Above every uint32 expiry. */
export const INFINITY = MAX_UINT32 + 1;
export const INFINITE_BOUND: Bound = { expiry: INFINITY, prefix: new Uint8Array(0) };

/**
 * What reconciliation needs from a store. The envelope pool implements it over its own index; the
 * indices are positions in the sorted order and stay valid while one message is processed.
 */
export interface SyncItems {
  size(): number;
  /** The item at sorted position i, 0 <= i < size(). */
  at(i: number): SyncItem;
  /** The first position whose item is >= bound (size() when none). */
  lowerBound(bound: Bound): number;
  /** The hash at position i as a 32-character one-byte string, where the store holds it so (no copy). */
  keyAt?(i: number): string;
}

export function compareItems(a: SyncItem, b: SyncItem): number {
  return a.expiry !== b.expiry ? a.expiry - b.expiry : compareBytes(a.hash, b.hash);
}

/** Negative when the item sorts below the bound. A bound's prefix is implicitly zero-padded. */
export function compareItemToBound(item: SyncItem, bound: Bound): number {
  if (item.expiry !== bound.expiry) return item.expiry - bound.expiry;
  const p = bound.prefix;
  for (let i = 0; i < p.length; i++) if (item.hash[i] !== p[i]) return item.hash[i]! - p[i]!;
  return 0; // the remaining bytes of the item are >= the bound's zero padding
}

/** Bounds compare as points: prefixes are zero-padded to the hash length. */
export function compareBounds(a: Bound, b: Bound): number {
  if (a.expiry !== b.expiry) return a.expiry - b.expiry;
  for (let i = 0; i < HASH_LENGTH; i++) {
    const x = a.prefix[i] ?? 0;
    const y = b.prefix[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/** The shortest bound strictly above `prev` and at or below `next` (requires prev < next). */
export function minimalBound(prev: SyncItem, next: SyncItem): Bound {
  if (prev.expiry !== next.expiry) return { expiry: next.expiry, prefix: new Uint8Array(0) };
  let k = 0;
  while (k < HASH_LENGTH && prev.hash[k] === next.hash[k]) k++;
  return { expiry: next.expiry, prefix: next.hash.slice(0, Math.min(k + 1, HASH_LENGTH)) };
}

/** Binary search shared by array-backed stores. */
export function lowerBoundIn(items: readonly SyncItem[], bound: Bound): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareItemToBound(items[mid]!, bound) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkItem(item: SyncItem): void {
  checkExpiry(item.expiry);
  if (!(item.hash instanceof Uint8Array) || item.hash.length !== HASH_LENGTH)
    throw new TypeError(`item.hash must be ${HASH_LENGTH} bytes`);
}

function checkExpiry(expiry: number): void {
  if (!Number.isInteger(expiry) || expiry < 0 || expiry > MAX_UINT32) throw new RangeError('item.expiry must be a uint32');
}

/** A latin1 key against a bound's prefix, as compareItemToBound: negative when the key sorts below. */
function keyToPrefix(key: string, prefix: string): number {
  // A 32-character key never equals a shorter prefix: when it starts with it, it is at or above it.
  return key < prefix ? -1 : key.startsWith(prefix) ? 0 : 1;
}

/**
 * A sorted array: O(log n) search, O(n) insert. The default store and the one tests use.
 * Memory (docs/BENCHMARKS.md, "Memory per envelope"): two parallel arrays, the expiries and the hashes
 * as 32-character one-byte strings (the pool's `hashKey` form; `addKey` takes the pool's own key
 * string, so an item costs the two array slots). `at` makes the SyncItem and its hash array on demand.
 */
export class SortedItems implements SyncItems {
  #expiry: number[] = [];
  #keys: string[] = [];

  constructor(items: Iterable<SyncItem> = []) {
    const entries: [number, string][] = [];
    for (const it of items) {
      checkItem(it);
      entries.push([it.expiry, hashKey(it.hash)]);
    }
    this.addKeys(entries);
  }

  size(): number {
    return this.#keys.length;
  }

  at(i: number): SyncItem {
    const key = this.#keys[i];
    if (key === undefined) throw new RangeError(`index ${i} out of range`);
    return { expiry: this.#expiry[i]!, hash: latin1ToBytes(key) };
  }

  /** The hash at sorted position i as its one-byte string (no copy). */
  keyAt(i: number): string {
    const key = this.#keys[i];
    if (key === undefined) throw new RangeError(`index ${i} out of range`);
    return key;
  }

  lowerBound(bound: Bound): number {
    return this.#lowerBound(bound.expiry, bytesToLatin1(bound.prefix));
  }

  #lowerBound(expiry: number, prefix: string): number {
    const ex = this.#expiry;
    const keys = this.#keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = ex[mid]!;
      if (e < expiry || (e === expiry && keyToPrefix(keys[mid]!, prefix) < 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of (expiry, key) if held, else -1 - where it would go. */
  #find(expiry: number, key: string): number {
    const i = this.#lowerBound(expiry, key);
    return this.#expiry[i] === expiry && this.#keys[i] === key ? i : -1 - i;
  }

  has(item: SyncItem): boolean {
    checkItem(item);
    return this.#find(item.expiry, hashKey(item.hash)) >= 0;
  }

  /** Adds the item; false when it was already there. */
  add(item: SyncItem): boolean {
    checkItem(item);
    return this.addKey(item.expiry, hashKey(item.hash));
  }

  /** Adds an item given its hash as a 32-character one-byte string (EnvelopePool.keyOf); false when held. */
  addKey(expiry: number, key: string): boolean {
    checkExpiry(expiry);
    if (key.length !== HASH_LENGTH) throw new TypeError(`key must be ${HASH_LENGTH} characters`);
    const i = this.#find(expiry, key);
    if (i >= 0) return false;
    const at = -1 - i;
    if (at === this.#keys.length) {
      this.#expiry.push(expiry);
      this.#keys.push(key);
    } else {
      this.#expiry.splice(at, 0, expiry);
      this.#keys.splice(at, 0, key);
    }
    return true;
  }

  /** Adds many (expiry, key) pairs at once: one sort, not one insert each. Returns how many were new. */
  addKeys(entries: Iterable<readonly [number, string]>): number {
    const all: [number, string][] = [];
    for (let i = 0; i < this.#keys.length; i++) all.push([this.#expiry[i]!, this.#keys[i]!]);
    const before = all.length;
    for (const [expiry, key] of entries) {
      checkExpiry(expiry);
      if (key.length !== HASH_LENGTH) throw new TypeError(`key must be ${HASH_LENGTH} characters`);
      all.push([expiry, key]);
    }
    all.sort((a, b) => (a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const ex: number[] = [];
    const keys: string[] = [];
    for (const [e, k] of all) {
      const n = keys.length;
      if (n > 0 && ex[n - 1] === e && keys[n - 1] === k) continue;
      ex.push(e);
      keys.push(k);
    }
    this.#expiry = ex;
    this.#keys = keys;
    return keys.length - before;
  }

  /** Removes the item; false when it was not there. */
  remove(item: SyncItem): boolean {
    return this.removeKey(item.expiry, hashKey(item.hash));
  }

  /** Removes an item given its hash as a one-byte string; false when it was not there. */
  removeKey(expiry: number, key: string): boolean {
    const i = this.#find(expiry, key);
    if (i < 0) return false;
    this.#expiry.splice(i, 1);
    this.#keys.splice(i, 1);
    return true;
  }

  /** Drops every item that expired before `expiry`; returns how many. */
  removeBefore(expiry: number): number {
    const n = this.#lowerBound(expiry, '');
    this.#expiry.splice(0, n);
    this.#keys.splice(0, n);
    return n;
  }

  /** Items in [from, to), in order. */
  range(from: Bound, to: Bound = INFINITE_BOUND): SyncItem[] {
    const out: SyncItem[] = [];
    for (let i = this.lowerBound(from), end = this.lowerBound(to); i < end; i++) out.push(this.at(i));
    return out;
  }
}
