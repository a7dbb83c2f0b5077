// Start-up load of the relay's store (relay/store.ts into src/net/admission.ts load): a row the relay
// wrote with its PoW and checksum is trusted (no keccak), yet a damaged row, a row whose bytes do not
// hash to its key, and a row below a raised minimum PoW are refused; rows without a checksum (written
// before there was one) are validated in full. Each case runs with both readers: live() (one row at a
// time, by expiry) and loadable() (in pages, what the relay reads at start).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, EnvelopeStore } from '../../relay/store.ts';
import { EnvelopePool } from '../../src/core/pool.ts';
import type { VerifiedEnvelope } from '../../src/core/validate.ts';
import { EnvelopeAdmission } from '../../src/net/admission.ts';
import { makeVerified, testBytes } from '../core/fixtures.ts';

const T = 1_700_000_000;
const dirs: string[] = [];
const stores: EnvelopeStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(): { dir: string; store: EnvelopeStore } {
  const dir = mkdtempSync(join(tmpdir(), 'shh-store-load-'));
  dirs.push(dir);
  const store = EnvelopeStore.open(dir, { now: () => T * 1000 });
  stores.push(store);
  return { dir, store };
}

type Reader = 'live' | 'loadable';
let reader: Reader = 'live';

/** Loads the store into a fresh pool at minimum PoW `minPow` through `reader`; returns the pool. */
async function load(store: EnvelopeStore, minPow: number): Promise<EnvelopePool> {
  const pool = new EnvelopePool({ now: () => T * 1000 });
  const policy = { minPow, maxSize: 1 << 20, now: T };
  const admission = new EnvelopeAdmission({ pool, store: { put: () => undefined, live: (n) => store[reader](n) }, rules: { current: () => policy } });
  await admission.load(T);
  return pool;
}

const envelope = (seed: number): VerifiedEnvelope => makeVerified({ now: T, ttl: 600, data: testBytes(seed)(64), target: 0.02 });
const sql = (dir: string, statement: string, ...args: (Uint8Array | number)[]): void => {
  const db = new DatabaseSync(join(dir, DB_FILE));
  db.prepare(statement).run(...args);
  db.close();
};

describe.each(['live', 'loadable'] as const)('relay store, start-up load through %s()', (r) => {
  beforeEach(() => void (reader = r));
  it('trusts the PoW of a row it wrote (no keccak), and applies a raised minimum to it', async () => {
    const { store } = open();
    const e = envelope(1);
    // What the relay wrote is what the loader takes: a recorded PoW other than the envelope's own
    // shows that the stored one was used, not a recomputed one.
    store.put({ ...e, pow: 123 });
    const pool = await load(store, 0.2);
    expect(pool.get(e.hash)?.pow).toBe(123);
    expect((await load(store, 200)).size).toBe(0); // a raised --min-pow refuses it
  });

  it('a damaged row fails its checksum and is validated in full: refused when its bytes changed', async () => {
    const { dir, store } = open();
    const kept = envelope(2);
    const damaged = envelope(3);
    store.put(kept);
    store.put(damaged);
    const rlp = damaged.rlp.slice();
    rlp[rlp.length - 20]! ^= 0x01; // a data byte: still an envelope, another hash
    sql(dir, 'UPDATE envelopes SET rlp = ? WHERE hash = ?', rlp, damaged.hash);
    const pool = await load(store, 0);
    expect(pool.has(kept.hash)).toBe(true);
    expect(pool.has(damaged.hash)).toBe(false);
    expect(pool.size).toBe(1);
  });

  it('a PoW column raised behind the checksum is not believed: the envelope is checked against its real PoW', async () => {
    const { dir, store } = open();
    const e = envelope(4);
    store.put(e);
    sql(dir, 'UPDATE envelopes SET pow = ? WHERE hash = ?', e.pow * 1000, e.hash);
    expect((await load(store, e.pow * 10)).size).toBe(0);
    expect((await load(store, 0)).get(e.hash)?.pow).toBe(e.pow);
  });

  it('rows without a checksum (an older relay wrote them) are validated in full', async () => {
    const { dir, store } = open();
    const e = envelope(5);
    store.put({ hash: e.hash, expiry: e.expiry, rlp: e.rlp }); // no PoW: no checksum
    const other = envelope(6);
    sql(dir, 'INSERT INTO envelopes (hash, expiry, rlp) VALUES (?, ?, ?)', new Uint8Array(32).fill(7), other.expiry, other.rlp); // under another key
    const pool = await load(store, 0);
    expect(pool.get(e.hash)?.pow).toBe(e.pow);
    expect(pool.size).toBe(1);
    expect((await load(store, e.pow * 2)).size).toBe(0);
  });
});

describe('relay store, loadable()', () => {
  it('reads every live row in pages, as live() reads them', () => {
    const { store } = open();
    // More rows than three pages; not envelopes (the reader does not validate), some without a PoW.
    for (let i = 0; i < 5000; i++) {
      const hash = new Uint8Array(32);
      new DataView(hash.buffer).setUint32(0, (i * 2654435761) >>> 0);
      hash[31] = i & 0xff;
      const rlp = testBytes(i)(1 + (i % 300));
      store.put({ hash, expiry: i % 10 === 0 ? T - 1 : T + (i % 97), rlp, ...(i % 3 ? { pow: i / 7 } : {}) });
    }
    const key = (e: { hash: Uint8Array }): string => Buffer.from(e.hash).toString('hex');
    const plain = (e: { hash: Uint8Array; expiry: number; rlp: Uint8Array; pow?: number }) => ({ ...e, hash: e.hash.slice(), rlp: e.rlp.slice() });
    const live = new Map([...store.live(T)].map((e) => [key(e), plain(e)]));
    const paged = [...store.loadable(T)];
    expect(live.size).toBe(4500); // the expired tenth is not read
    expect(paged.length).toBe(live.size);
    for (const e of paged) expect(plain(e)).toEqual(live.get(key(e)));
    expect(paged.filter((e) => e.pow !== undefined).length).toBe([...live.values()].filter((e) => e.pow !== undefined).length);
  });

  it('rows a page cannot take (damage) still come, and the loader treats them as through live()', async () => {
    const { dir, store } = open();
    const kept = envelope(7);
    store.put(kept);
    const other = envelope(8);
    sql(dir, 'INSERT INTO envelopes (hash, expiry, rlp, pow, sum) VALUES (?, ?, ?, ?, ?)', new Uint8Array(31).fill(1), other.expiry, other.rlp, other.pow, 1);
    sql(dir, "INSERT INTO envelopes (hash, expiry, rlp) VALUES (?, ?, 'not bytes')", new Uint8Array(32).fill(2), other.expiry);
    sql(dir, 'INSERT INTO envelopes (hash, expiry, rlp) VALUES (?, ?, ?)', new Uint8Array(32).fill(3), other.expiry + 0.5, other.rlp);
    expect([...store.loadable(T)].length).toBe(4);
    for (const r of ['live', 'loadable'] as const) {
      reader = r;
      const pool = await load(store, 0);
      // Text RLP and bytes that do not hash to their key are refused; valid bytes under a key that is
      // no hash at all are validated in full and pooled under their own hash (live() did so before).
      expect([...pool.values()].map((e) => e.hash).sort(), r).toEqual([kept.hash, other.hash].sort());
    }
  });
});
