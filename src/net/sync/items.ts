// The ordered item set that catch-up sync (docs/PROTOCOL.md §3) reconciles: (expiry, envelope hash) pairs sorted
// by expiry, then hash bytes. Invariant: a SyncItems view is strictly increasing, no duplicates, so two
// pools with the same live envelopes hold the same sequence and range fingerprints agree.
import { HASH_LENGTH, MAX_UINT32 } from '../../core/constants.ts';

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
}

/** Lexicographic byte order; a shorter prefix of an equal run sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
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
  if (!Number.isInteger(item.expiry) || item.expiry < 0 || item.expiry > MAX_UINT32)
    throw new RangeError('item.expiry must be a uint32');
  if (!(item.hash instanceof Uint8Array) || item.hash.length !== HASH_LENGTH)
    throw new TypeError(`item.hash must be ${HASH_LENGTH} bytes`);
}

/** A sorted array: O(log n) search, O(n) insert. The default store and the one tests use. */
export class SortedItems implements SyncItems {
  readonly #items: SyncItem[] = [];

  constructor(items: Iterable<SyncItem> = []) {
    const copy = [...items];
    for (const it of copy) checkItem(it);
    copy.sort(compareItems);
    for (const it of copy) {
      const last = this.#items[this.#items.length - 1];
      if (last === undefined || compareItems(last, it) !== 0) this.#items.push({ expiry: it.expiry, hash: it.hash.slice() });
    }
  }

  size(): number {
    return this.#items.length;
  }

  at(i: number): SyncItem {
    const it = this.#items[i];
    if (it === undefined) throw new RangeError(`index ${i} out of range`);
    return it;
  }

  lowerBound(bound: Bound): number {
    return lowerBoundIn(this.#items, bound);
  }

  #find(item: SyncItem): number {
    return this.lowerBound({ expiry: item.expiry, prefix: item.hash });
  }

  has(item: SyncItem): boolean {
    const i = this.#find(item);
    const it = this.#items[i];
    return it !== undefined && compareItems(it, item) === 0;
  }

  /** Adds the item; false when it was already there. */
  add(item: SyncItem): boolean {
    checkItem(item);
    const i = this.#find(item);
    const it = this.#items[i];
    if (it !== undefined && compareItems(it, item) === 0) return false;
    this.#items.splice(i, 0, { expiry: item.expiry, hash: item.hash.slice() });
    return true;
  }

  /** Removes the item; false when it was not there. */
  remove(item: SyncItem): boolean {
    const i = this.#find(item);
    const it = this.#items[i];
    if (it === undefined || compareItems(it, item) !== 0) return false;
    this.#items.splice(i, 1);
    return true;
  }

  /** Drops every item that expired before `expiry`; returns how many. */
  removeBefore(expiry: number): number {
    const n = this.lowerBound({ expiry, prefix: new Uint8Array(0) });
    this.#items.splice(0, n);
    return n;
  }

  /** Items in [from, to), in order. */
  range(from: Bound, to: Bound = INFINITE_BOUND): SyncItem[] {
    return this.#items.slice(this.lowerBound(from), this.lowerBound(to));
  }
}
