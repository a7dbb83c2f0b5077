import { describe, expect, it } from 'vitest';
import { compareBounds, INFINITE_BOUND, minimalBound, SortedItems, compareItemToBound } from '../../src/net/sync/items.ts';

const h = (...bytes: number[]) => {
  const out = new Uint8Array(32);
  out.set(bytes);
  return out;
};

describe('SortedItems', () => {
  it('keeps (expiry, hash) order without duplicates', () => {
    const s = new SortedItems([
      { expiry: 5, hash: h(2) },
      { expiry: 3, hash: h(9) },
      { expiry: 5, hash: h(1) },
      { expiry: 5, hash: h(1) },
    ]);
    expect(s.size()).toBe(3);
    expect([0, 1, 2].map((i) => [s.at(i).expiry, s.at(i).hash[0]])).toEqual([[3, 9], [5, 1], [5, 2]]);
    expect(s.add({ expiry: 4, hash: h(0) })).toBe(true);
    expect(s.add({ expiry: 4, hash: h(0) })).toBe(false);
    expect(s.has({ expiry: 4, hash: h(0) })).toBe(true);
    expect(s.remove({ expiry: 4, hash: h(0) })).toBe(true);
    expect(s.remove({ expiry: 4, hash: h(0) })).toBe(false);
    expect(s.range({ expiry: 5, prefix: new Uint8Array(0) }).map((i) => i.hash[0])).toEqual([1, 2]);
    expect(s.range({ expiry: 5, prefix: Uint8Array.of(2) }, INFINITE_BOUND).map((i) => i.hash[0])).toEqual([2]);
    expect(s.removeBefore(5)).toBe(1);
    expect(s.size()).toBe(2);
  });
  it('copies what it stores', () => {
    const hash = h(7);
    const s = new SortedItems([{ expiry: 1, hash }]);
    hash[0] = 0;
    expect(s.at(0).hash[0]).toBe(7);
  });
  it('misuse throws naming the parameter', () => {
    const s = new SortedItems();
    expect(() => s.add({ expiry: -1, hash: h() })).toThrow(/expiry/);
    expect(() => s.add({ expiry: 2 ** 32, hash: h() })).toThrow(/expiry/);
    expect(() => s.add({ expiry: 1, hash: new Uint8Array(31) })).toThrow(/hash/);
    expect(() => s.at(0)).toThrow(RangeError);
  });
});

describe('bounds', () => {
  it('minimal bound separates neighbours with the shortest prefix', () => {
    const a = { expiry: 5, hash: h(1, 2, 3) };
    const b = { expiry: 5, hash: h(1, 2, 4) };
    const m = minimalBound(a, b);
    expect([...m.prefix]).toEqual([1, 2, 4]);
    expect(compareItemToBound(a, m)).toBeLessThan(0);
    expect(compareItemToBound(b, m)).toBe(0);
    expect(minimalBound({ expiry: 4, hash: h(9) }, b)).toEqual({ expiry: 5, prefix: new Uint8Array(0) });
  });
  it('bounds compare as zero-padded points', () => {
    expect(compareBounds({ expiry: 1, prefix: Uint8Array.of(5) }, { expiry: 1, prefix: Uint8Array.of(5, 0) })).toBe(0);
    expect(compareBounds({ expiry: 1, prefix: Uint8Array.of(5) }, INFINITE_BOUND)).toBeLessThan(0);
  });
});
