// The relay store's table (relay/store.ts) and its upgrade from the layouts older relays wrote.
//
// Rows are appended: an integer key in arrival order, the envelope hash in a unique index. Older relays
// keyed the table by the hash itself (WITHOUT ROWID): each insert went to a random place in a B-tree
// of whole rows (about 12 rows of 300 bytes per 4 KiB page), so a transaction of 256 envelopes
// dirtied about 256 pages of the table, each written to the WAL at commit and read back from the
// operating system when the page cache (2 MiB) no longer held it. Appending fills the last page of
// the table; only the hash index (about 90 entries a page) is still written at random.
// docs/BENCHMARKS.md "Catch-up, batched" has the figures.

import type { DatabaseSync } from 'node:sqlite';

const TABLE = (name: string): string =>
  `CREATE TABLE ${name} (id INTEGER PRIMARY KEY, hash BLOB NOT NULL, expiry INTEGER NOT NULL, rlp BLOB NOT NULL, pow REAL, sum INTEGER)`;
const INDEXES = [
  'CREATE UNIQUE INDEX IF NOT EXISTS envelopes_hash ON envelopes (hash)',
  'CREATE INDEX IF NOT EXISTS envelopes_expiry ON envelopes (expiry)',
];

const columnsOf = (db: DatabaseSync): Set<string> =>
  new Set((db.prepare('PRAGMA table_info(envelopes)').all() as { name: string }[]).map((c) => c.name));

/**
 * Creates the table, or brings one an older relay wrote to the current layout: the pow and sum
 * columns added (rows without them are validated in full at start), and a table keyed by the hash
 * copied into the appending layout, in one transaction (a failure leaves the old table as it was and
 * throws). Returns whether rows were copied.
 */
export function ensureSchema(db: DatabaseSync): boolean {
  let columns = columnsOf(db);
  if (columns.size === 0) {
    db.exec(TABLE('envelopes'));
    for (const sql of INDEXES) db.exec(sql);
    return false;
  }
  // Added later: rows written before have none.
  if (!columns.has('pow')) db.exec('ALTER TABLE envelopes ADD COLUMN pow REAL');
  if (!columns.has('sum')) db.exec('ALTER TABLE envelopes ADD COLUMN sum INTEGER');
  columns = columnsOf(db);
  if (columns.has('id')) {
    for (const sql of INDEXES) db.exec(sql);
    return false;
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec('DROP TABLE IF EXISTS envelopes_upgrade');
    db.exec(TABLE('envelopes_upgrade'));
    // In expiry order, so the start-up read (by expiry) walks the table front to back.
    db.exec('INSERT INTO envelopes_upgrade (hash, expiry, rlp, pow, sum) SELECT hash, expiry, rlp, pow, sum FROM envelopes ORDER BY expiry, hash');
    db.exec('DROP TABLE envelopes'); // and its expiry index
    db.exec('ALTER TABLE envelopes_upgrade RENAME TO envelopes');
    for (const sql of INDEXES) db.exec(sql);
    db.exec('COMMIT');
  } finally {
    if (db.isTransaction) db.exec('ROLLBACK');
  }
  return true;
}
