// Group commit (relay/store-writer.ts): puts of one turn share one transaction, each promise settles
// after its commit, a failed batch is retried envelope by envelope so one that fits is still kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvelopeStore, StoreError, type StoredEnvelope } from '../../relay/store.ts';
import { StoreWriter } from '../../relay/store-writer.ts';

const dirs: string[] = [];
const stores: EnvelopeStore[] = [];
const open = (dir = mkdtempSync(join(tmpdir(), 'shh-writer-')), init = {}): EnvelopeStore => {
  dirs.push(dir);
  const s = EnvelopeStore.open(dir, init);
  stores.push(s);
  return s;
};
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const env = (k: number, size = 10): StoredEnvelope => {
  const hash = new Uint8Array(32);
  new DataView(hash.buffer).setUint32(0, k);
  return { hash, expiry: 4_000_000_000, rlp: new Uint8Array(size).fill(k & 0xff) };
};

describe('StoreWriter', () => {
  it('writes the puts of one turn in one transaction, and each is on disk when its promise resolves', async () => {
    const store = open();
    const batches: number[] = [];
    const putMany = store.putMany.bind(store);
    store.putMany = (rows) => (batches.push(rows.length), putMany(rows));
    const writer = new StoreWriter(store);
    const puts = Array.from({ length: 50 }, (_, k) => writer.put(env(k)));
    puts.push(writer.put(env(7))); // a duplicate in the same batch
    expect(writer.pending).toBe(51);
    const added = await Promise.all(puts);
    expect(batches).toEqual([51]);
    expect(added.filter(Boolean)).toHaveLength(50);
    expect(added.at(-1)).toBe(false);
    // Another connection sees every row: the transaction is committed, not merely buffered.
    const reader = EnvelopeStore.open(dirs[0] as string);
    stores.push(reader);
    expect(reader.count).toBe(50);
  });

  it('splits a turn into batches of maxBatch and starts a new batch for puts of a later turn', async () => {
    const store = open();
    const batches: number[] = [];
    const putMany = store.putMany.bind(store);
    store.putMany = (rows) => (batches.push(rows.length), putMany(rows));
    const writer = new StoreWriter(store, { maxBatch: 20 });
    await Promise.all(Array.from({ length: 45 }, (_, k) => writer.put(env(k))));
    await Promise.all([writer.put(env(100)), writer.put(env(101))]);
    expect(batches).toEqual([20, 20, 5, 2]);
    expect(store.count).toBe(47);
  });

  it('a failed batch is retried one by one: what fits is kept, what does not is refused with StoreError', async () => {
    const store = open(undefined, { maxBytes: 64 * 1024 });
    const writer = new StoreWriter(store);
    const small = Array.from({ length: 5 }, (_, k) => writer.put(env(k, 100)));
    const huge = writer.put(env(999, 1 << 20)); // cannot fit under the cap: fails the whole transaction
    const results = await Promise.allSettled([...small, huge]);
    expect(results.slice(0, 5).map((r) => r.status)).toEqual(Array(5).fill('fulfilled'));
    expect(results[5]?.status).toBe('rejected');
    expect((results[5] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
    expect(store.count).toBe(5);
    expect(store.has(env(999).hash)).toBe(false);
  });

  it('flush() writes what is queued at once (the relay flushes before it closes the store)', () => {
    const store = open();
    const writer = new StoreWriter(store);
    void writer.put(env(1));
    writer.flush();
    expect(writer.pending).toBe(0);
    expect(store.count).toBe(1);
  });
});
