// Deterministic item sets for the sync tests: a seeded PRNG (tests must be reproducible) and the
// symmetric-difference bookkeeping the reconciliation results are checked against.
import { toHex } from '../../src/core/bytes.ts';
import type { SyncItem } from '../../src/net/sync/items.ts';

export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32: enough spread for test data, and the same every run
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

export function randomItems(n: number, rand: () => number, expiryFrom: number, spread = 3600): SyncItem[] {
  const out: SyncItem[] = [];
  for (let i = 0; i < n; i++) {
    const hash = new Uint8Array(32);
    for (let j = 0; j < 32; j += 4) new DataView(hash.buffer).setUint32(j, rand());
    // few distinct expiries, so many items share one and bounds need hash prefixes
    out.push({ expiry: expiryFrom + (rand() % spread), hash });
  }
  return out;
}

export const keys = (ids: Iterable<Uint8Array>): string[] => [...ids].map((h) => toHex(h, false)).sort();
export const itemKeys = (items: Iterable<SyncItem>): string[] => keys([...items].map((i) => i.hash));
