import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { openWhisperDb, type WhisperDatabase } from '../../src/store/db.ts';
import { EnvelopeStore } from '../../src/store/envelopes.ts';
import { loadOrCreateIdentity } from '../../src/store/peer-identity.ts';
import { makeVerified } from '../core/fixtures.ts';

const T0 = 1_700_000_000;
let db: WhisperDatabase | undefined;
let n = 0;
async function fresh(): Promise<WhisperDatabase> {
  db = await openWhisperDb(`test-store-${n++}`);
  return db;
}
afterEach(() => db?.close());

describe('store/db schema', () => {
  it('has the envelopes store keyed by hash with an expiry index, and peerIdentity', async () => {
    const d = await fresh();
    expect([...d.objectStoreNames]).toEqual(expect.arrayContaining(['envelopes', 'peerIdentity']));
    const tx = d.transaction('envelopes');
    expect(tx.store.keyPath).toBe('hash');
    expect([...tx.store.indexNames]).toEqual(['expiry']);
    expect(tx.store.index('expiry').keyPath).toBe('expiry');
  });
});

describe('EnvelopeStore', () => {
  it('puts rows under the 0x hash and lists the live ones by expiry', async () => {
    const store = new EnvelopeStore(await fresh());
    const a = makeVerified({ now: T0, ttl: 10 });
    const b = makeVerified({ now: T0, ttl: 100 });
    await store.put(a);
    await store.put(b);
    await store.put(a); // same hash: one row
    expect(await store.count()).toBe(2);
    const live = await store.live(T0 + 10);
    expect(live.map((r) => r.hash)).toEqual([toHex(a.hash), toHex(b.hash)]);
    expect(live[0]!.rlp).toEqual(a.rlp);
    expect(live[0]!.expiry).toBe(T0 + 10);
    // The expiry second itself is still live (the pool drops after it); one later it is not.
    expect((await store.live(T0 + 11)).map((r) => r.hash)).toEqual([toHex(b.hash)]);
  });

  it('putMany writes a batch in one transaction: all of it, or nothing when one row is bad', async () => {
    const db = await fresh();
    const store = new EnvelopeStore(db);
    const rows = [10, 20, 30].map((ttl) => makeVerified({ now: T0, ttl }));
    let transactions = 0;
    const open = db.transaction.bind(db);
    db.transaction = ((...args: Parameters<typeof open>) => (transactions++, open(...args))) as typeof db.transaction;
    await store.putMany([...rows, rows[0]!]); // a repeat in the batch is one row
    expect(transactions).toBe(1);
    expect(await store.count()).toBe(3);
    const more = makeVerified({ now: T0, ttl: 40 });
    await expect(store.putMany([more, { ...more, hash: new Uint8Array(5) }])).rejects.toThrow(TypeError);
    expect(await store.count()).toBe(3); // checked before the transaction: nothing of the batch written
  });

  it('stores a copy, not the caller buffer', async () => {
    const store = new EnvelopeStore(await fresh());
    const a = makeVerified({ now: T0 });
    const rlp = a.rlp.slice();
    await store.put({ ...a, rlp });
    rlp.fill(0);
    expect((await store.live(T0))[0]!.rlp).toEqual(a.rlp);
  });

  it('removes by hash and by row key; unknown keys are no-ops', async () => {
    const store = new EnvelopeStore(await fresh());
    const a = makeVerified({ now: T0 });
    const b = makeVerified({ now: T0 + 1 });
    await store.put(a);
    await store.put(b);
    await store.remove(a.hash);
    await store.remove(new Uint8Array(32));
    expect((await store.live(0)).map((r) => r.hash)).toEqual([toHex(b.hash)]);
    await store.removeRow(toHex(b.hash));
    expect(await store.count()).toBe(0);
  });

  it('deleteExpired removes exactly the rows expired before now', async () => {
    const store = new EnvelopeStore(await fresh());
    const es = [5, 10, 20].map((ttl) => makeVerified({ now: T0, ttl }));
    for (const e of es) await store.put(e);
    expect(await store.deleteExpired(T0 + 10)).toBe(1);
    expect(await store.count()).toBe(2);
    expect(await store.deleteExpired(T0 + 10)).toBe(0);
    expect(await store.deleteExpired(T0 + 100)).toBe(2);
    expect(await store.count()).toBe(0);
  });

  it('refuses malformed rows', async () => {
    const store = new EnvelopeStore(await fresh());
    const a = makeVerified({ now: T0 });
    await expect(store.put({ ...a, hash: new Uint8Array(31) })).rejects.toThrow(TypeError);
    await expect(store.put({ ...a, rlp: 'x' as unknown as Uint8Array })).rejects.toThrow(TypeError);
    await expect(store.put({ ...a, expiry: -1 })).rejects.toThrow(RangeError);
    await expect(store.put({ ...a, expiry: 1.5 })).rejects.toThrow(RangeError);
    expect(await store.count()).toBe(0);
  });
});

describe('loadOrCreateIdentity', () => {
  it('creates once and returns the same bytes afterwards, also after reopening', async () => {
    const name = `test-identity-${n++}`;
    let created = 0;
    const create = async () => Uint8Array.of(++created, 2, 3);
    db = await openWhisperDb(name);
    const first = await loadOrCreateIdentity(db, create);
    expect(await loadOrCreateIdentity(db, create)).toEqual(first);
    db.close();
    db = await openWhisperDb(name);
    expect(await loadOrCreateIdentity(db, create)).toEqual(first);
    expect(created).toBe(1);
  });

  it('concurrent first callers agree on one key', async () => {
    const d = await fresh();
    let created = 0;
    const create = async () => Uint8Array.of(++created);
    const [a, b] = await Promise.all([loadOrCreateIdentity(d, create), loadOrCreateIdentity(d, create)]);
    expect(a).toEqual(b);
  });

  it('refuses an empty key from create()', async () => {
    await expect(loadOrCreateIdentity(await fresh(), async () => new Uint8Array(0))).rejects.toThrow(TypeError);
  });
});
