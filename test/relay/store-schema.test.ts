// The relay store's table layout (relay/store-schema.ts): a data folder an older relay wrote (the table
// keyed by the hash, WITHOUT ROWID, with or without the pow and sum columns) opens, is copied into the
// appending layout with every row, checksum and PoW intact, and then behaves as a new one; an upgrade
// that fails leaves the old table as it was.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE, EnvelopeStore, rowChecksum, StoreError } from '../../relay/store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hashOf = (k: number): Uint8Array => {
  const h = new Uint8Array(32);
  new DataView(h.buffer).setUint32(0, k * 2654435761); // spread over the key space, as real hashes are
  h[31] = k & 0xff;
  return h;
};
const rlpOf = (k: number): Uint8Array => new Uint8Array(20 + (k % 7)).fill(k & 0xff);

/** A folder as the relay before the appending layout wrote it (`withPow`: after rows had a checksum). */
function oldFolder(rows: number, withPow: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'shh-store-schema-'));
  dirs.push(dir);
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, DB_FILE));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS envelopes (hash BLOB PRIMARY KEY, expiry INTEGER NOT NULL, rlp BLOB NOT NULL) WITHOUT ROWID');
  db.exec('CREATE INDEX IF NOT EXISTS envelopes_expiry ON envelopes (expiry)');
  if (withPow) {
    db.exec('ALTER TABLE envelopes ADD COLUMN pow REAL');
    db.exec('ALTER TABLE envelopes ADD COLUMN sum INTEGER');
    const put = db.prepare('INSERT INTO envelopes (hash, expiry, rlp, pow, sum) VALUES (?, ?, ?, ?, ?)');
    for (let k = 0; k < rows; k++) {
      const [hash, expiry, rlp, pow] = [hashOf(k), 4_000_000_000 - k, rlpOf(k), k + 0.5];
      put.run(hash, expiry, rlp, pow, rowChecksum(hash, expiry, pow, rlp));
    }
  } else {
    const put = db.prepare('INSERT INTO envelopes (hash, expiry, rlp) VALUES (?, ?, ?)');
    for (let k = 0; k < rows; k++) put.run(hashOf(k), 4_000_000_000 - k, rlpOf(k));
  }
  db.close();
  return dir;
}

const columns = (dir: string): string[] => {
  const db = new DatabaseSync(join(dir, DB_FILE));
  const names = (db.prepare('PRAGMA table_info(envelopes)').all() as { name: string }[]).map((c) => c.name);
  db.close();
  return names;
};

describe('relay store, table layout and its upgrade', () => {
  it('a new folder gets the appending layout: an integer key, the hash unique', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shh-store-schema-'));
    dirs.push(dir);
    const store = EnvelopeStore.open(dir);
    expect(store.putMany([{ hash: hashOf(1), expiry: 4_000_000_000, rlp: rlpOf(1) }, { hash: hashOf(1), expiry: 4_000_000_000, rlp: rlpOf(1) }])).toEqual([true, false]);
    store.close();
    expect(columns(dir)).toEqual(['id', 'hash', 'expiry', 'rlp', 'pow', 'sum']);
  });

  for (const withPow of [true, false])
    it(`a folder keyed by the hash (${withPow ? 'with' : 'without'} pow and checksum) is upgraded with every row`, () => {
      const n = 300;
      const dir = oldFolder(n, withPow);
      expect(columns(dir)).not.toContain('id');
      const store = EnvelopeStore.open(dir);
      expect(columns(dir)[0]).toBe('id');
      expect(store.count).toBe(n);
      const live = [...store.live(0)];
      expect(live.map((e) => e.expiry)).toEqual(Array.from({ length: n }, (_, i) => 4_000_000_000 - (n - 1) + i));
      for (const e of live) {
        const k = 4_000_000_000 - e.expiry;
        expect(e.hash).toEqual(hashOf(k));
        expect(e.rlp).toEqual(rlpOf(k));
        // The checksum still proves the row: the PoW comes back only where the old relay wrote one.
        expect(e.pow).toBe(withPow ? k + 0.5 : undefined);
      }
      expect(store.get(hashOf(7))).toEqual(rlpOf(7));
      // Still one row per hash: an old envelope again is a duplicate, a new one goes in.
      expect(store.put({ hash: hashOf(7), expiry: 4_000_000_000 - 7, rlp: rlpOf(7) })).toBe(false);
      expect(store.putMany([{ hash: hashOf(n), expiry: 4_100_000_000, rlp: rlpOf(n) }, { hash: hashOf(8), expiry: 4_000_000_000 - 8, rlp: rlpOf(8) }])).toEqual([true, false]);
      store.close();
      // Opened again: nothing more to upgrade, nothing lost.
      const again = EnvelopeStore.open(dir);
      expect(again.count).toBe(n + 1);
      expect(again.get(hashOf(n))).toEqual(rlpOf(n));
      again.close();
    });

  it('an upgrade that fails is a StoreError and leaves the old table as it was', () => {
    const dir = oldFolder(10, true);
    const db = new DatabaseSync(join(dir, DB_FILE));
    db.exec('CREATE VIEW envelopes_upgrade AS SELECT 1'); // in the way of the copy
    db.close();
    expect(() => EnvelopeStore.open(dir)).toThrow(StoreError);
    expect(() => EnvelopeStore.open(dir)).toThrow(/cannot upgrade the envelope table/);
    expect(columns(dir)).not.toContain('id');
    const check = new DatabaseSync(join(dir, DB_FILE));
    expect((check.prepare('SELECT count(*) AS n FROM envelopes').get() as { n: number }).n).toBe(10);
    check.close();
  });
});
