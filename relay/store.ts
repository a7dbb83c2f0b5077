// The relay's EnvelopeStore (src/core/envelope-store.ts; docs/PROTOCOL.md §5.3: an accepted envelope is on disk
// before it is forwarded, and survives kill -9 until it expires). The relay writes through
// store-writer.ts, which groups the puts of one turn into one commit. SQLite through node:sqlite, WAL with
// synchronous=FULL, so a put() that returned has been fsynced; a put() that cannot write throws, and
// the store reports when puts start failing and when they work again (onWritable), not each refusal.
// Over 300 lines: the schema, its upgrade, the checked load and the writes share one database handle
// and its prepared statements.

import { accessSync, constants, mkdirSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { compareBytes } from '../src/core/bytes.ts';
import type { EnvelopeStore as DurableEnvelopes } from '../src/core/envelope-store.ts';
import { ensureSchema } from './store-schema.ts';

/** What the store keeps of an envelope: its identity, when it may go, and its wire bytes. */
export interface StoredEnvelope {
  hash: Uint8Array;
  expiry: number; // unix seconds
  rlp: Uint8Array;
  /**
   * The PoW this relay computed when it validated the envelope. Written with a checksum of the row;
   * read back (live) only when the checksum still matches, so the loader may skip both keccaks.
   */
  pow?: number;
}

/**
 * Checksum of a row (FNV-1a, 32 bits, over hash, expiry, PoW and wire bytes). Why a checksum and not
 * the keccaks again: it is what proves a row is as this relay wrote it after validating it, at a
 * tenth of the cost (start-up with 100 000 rows, docs/BENCHMARKS.md "Relay start-up"). Damage (a disk,
 * another version, a hand edit) fails it and the row is validated in full, so refused if it no longer
 * passes. It is no defence against someone who can write the data folder on purpose: they hold the
 * relay's identity key there too.
 */
export function rowChecksum(hash: Uint8Array, expiry: number, pow: number, rlp: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < hash.length; i++) h = Math.imul(h ^ hash[i]!, 0x01000193);
  const f = new DataView(new ArrayBuffer(12));
  f.setFloat64(0, pow);
  f.setUint32(8, expiry >>> 0);
  for (let i = 0; i < 12; i++) h = Math.imul(h ^ f.getUint8(i), 0x01000193);
  for (let i = 0; i < rlp.length; i++) h = Math.imul(h ^ rlp[i]!, 0x01000193);
  return h >>> 0;
}

/** A row as live() reads it, one at a time (and loadable() the rows a page cannot take): hash, expiry, rlp, pow, sum. */
type Row = [Uint8Array, number, Uint8Array, number | null, number | null];

/**
 * A page of rows as loadable() reads it: every hash followed by its RLP in one blob, then the RLP
 * lengths, expiries, PoWs and checksums as comma-separated text (quote(): exact for a REAL, 'NULL'
 * for none), and the row count. All the aggregates see the rows in the same sequence, whatever it is.
 */
type Page = [Uint8Array | null, string | null, string | null, string | null, string | null, number];

/** Rows per page of loadable(): ~600 KiB of 276-byte envelopes, 50 queries for 100 000. */
const PAGE_ROWS = 2048;

/** What a page can take: a 32-byte blob key, a blob of RLP, a whole expiry. Other rows are read one by one. */
const PAGEABLE = "typeof(hash) = 'blob' AND length(hash) = 32 AND typeof(rlp) = 'blob' AND typeof(expiry) = 'integer'";

const numbers = (text: string | null, n: number): number[] => {
  const out = text === null ? [] : text.split(',').map(Number);
  if (out.length !== n) throw new StoreError(`loadable(): a page of ${n} rows read ${out.length} values`);
  return out;
};

export interface EnvelopeStoreInit {
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** Upper bound on the database file in bytes (SQLite max_page_count); a put beyond it throws. */
  maxBytes?: number;
  /** How often expired rows are deleted once start() ran; default one minute. */
  sweepIntervalMs?: number;
  /**
   * Told once when puts start failing (writable false, with the first error) and once when a put
   * succeeds again at least RECOVER_QUIET_MS after the last failure (writable true, with how many
   * were refused): one line each for the operator, however many envelopes were refused between.
   */
  onWritable?: (writable: boolean, detail: { error?: StoreError; refused: number }) => void;
}

/**
 * A disk at its limit lets a small write through between failures: a put must succeed after this
 * long without failures before the store counts as writable again, so the log does not flap.
 */
export const RECOVER_QUIET_MS = 5000;

/** Which operation failed: 'put' failures are reported through onWritable, the others each time. */
export type StoreOp = 'open' | 'put' | 'sweep';

/** Any failure to open or write the store: the relay refuses the envelope rather than lose it. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly op: StoreOp;
  constructor(message: string, options?: { cause?: unknown; op?: StoreOp }) {
    super(message, options);
    this.op = options?.op ?? 'open';
  }
}

export const DB_FILE = 'envelopes.sqlite';

/** SQLite's page cache while live() reads the table (KiB; 64 MiB holds about 200 000 envelopes). */
const LOAD_CACHE_KIB = 65536;

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

// A recursive mkdir under a read-only mount fails with ENOENT; the nearest existing folder says why.
function whyNoFolder(dir: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return e;
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    try {
      accessSync(d, constants.F_OK);
    } catch {
      continue;
    }
    try {
      accessSync(d, constants.W_OK);
      return e;
    } catch (denied) {
      return denied;
    }
  }
  return e;
}

// A failed COMMIT (full disk) may leave the transaction open; a failing ROLLBACK leaves nothing worse.
function rollback(db: DatabaseSync): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // SQLite rolls back by itself on some errors; the original error is the one to report.
  }
}

export class EnvelopeStore implements DurableEnvelopes {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #sweepMs: number;
  readonly #put: StatementSync;
  readonly #get: StatementSync;
  readonly #live: StatementSync;
  readonly #page: StatementSync;
  readonly #odd: StatementSync;
  readonly #countLive: StatementSync;
  readonly #expire: StatementSync;
  readonly #count: StatementSync;
  readonly #maxBytes: number | undefined;
  readonly #onWritable: EnvelopeStoreInit['onWritable'];
  #timer: ReturnType<typeof setInterval> | undefined;
  #open = true;
  #refusing = false;
  #refused = 0;
  #lastFailure = 0;

  /** Opens (creating the folder and schema) the store in `dir`. Throws StoreError. */
  static open(dir: string, init: EnvelopeStoreInit = {}): EnvelopeStore {
    const path = join(dir, DB_FILE);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new StoreError(`cannot create data folder ${dir}: ${reason(whyNoFolder(dir, e))}`, { cause: e });
    }
    // SQLite would open a database on a read-only file system read-only and fail only at the first
    // write, with a vaguer message; root passes this check on a writable folder whatever its mode.
    try {
      accessSync(dir, constants.W_OK);
    } catch (e) {
      throw new StoreError(`data folder ${dir} is not writable: ${reason(e)}`, { cause: e });
    }
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path, { timeout: 5000 });
    } catch (e) {
      throw new StoreError(`cannot open ${path}: ${reason(e)}`, { cause: e });
    }
    try {
      return new EnvelopeStore(db, path, init);
    } catch (e) {
      db.close();
      throw e instanceof StoreError ? e : new StoreError(`cannot initialise ${path}: ${reason(e)}`, { cause: e });
    }
  }

  private constructor(db: DatabaseSync, path: string, init: EnvelopeStoreInit) {
    this.#db = db;
    this.path = path;
    this.#now = init.now ?? Date.now;
    this.#sweepMs = init.sweepIntervalMs ?? 60_000;
    this.#maxBytes = init.maxBytes;
    this.#onWritable = init.onWritable;
    // WAL: one fsync per commit, readers never block the writer. FULL: the WAL is synced at every
    // commit, so a returned put survives power loss, not only a process crash.
    const mode = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string };
    if (mode.journal_mode.toLowerCase() !== 'wal') throw new StoreError(`${path}: WAL mode refused (${mode.journal_mode})`);
    db.exec('PRAGMA synchronous = FULL');
    // Rows appended in arrival order, the hash a unique index; a folder an older relay wrote is upgraded.
    try {
      ensureSchema(db);
    } catch (e) {
      throw new StoreError(`${path}: cannot upgrade the envelope table (it is left as it was): ${reason(e)}`, { cause: e });
    }
    if (init.maxBytes !== undefined) {
      if (!(init.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
      const { page_size } = db.prepare('PRAGMA page_size').get() as { page_size: number };
      db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(init.maxBytes / page_size))}`);
    }
    this.#put = db.prepare('INSERT OR IGNORE INTO envelopes (hash, expiry, rlp, pow, sum) VALUES (?, ?, ?, ?, ?)');
    this.#get = db.prepare('SELECT rlp FROM envelopes WHERE hash = ?');
    this.#live = db.prepare('SELECT hash, expiry, rlp, pow, sum FROM envelopes WHERE expiry >= ? ORDER BY expiry');
    this.#live.setReturnArrays(true); // no object per row: a fifth less CPU for 100 000 rows
    // loadable(): one query and a handful of values per 2048 rows instead of an array and two
    // Uint8Arrays per row (reading them was most of a 100 000-row start-up, docs/BENCHMARKS.md).
    this.#page = db.prepare(
      "SELECT CAST(group_concat(hash || rlp, x'') AS BLOB), group_concat(length(rlp)), group_concat(expiry), " +
        'group_concat(quote(pow)), group_concat(quote(sum)), count(*) FROM (SELECT hash, expiry, rlp, pow, sum FROM envelopes ' +
        `WHERE hash > ? AND expiry >= ? AND ${PAGEABLE} ORDER BY hash LIMIT ${PAGE_ROWS})`,
    );
    this.#page.setReturnArrays(true);
    this.#odd = db.prepare(`SELECT hash, expiry, rlp, pow, sum FROM envelopes WHERE expiry >= ? AND NOT (${PAGEABLE})`);
    this.#odd.setReturnArrays(true); // no object per row
    this.#countLive = db.prepare('SELECT count(*) FROM envelopes WHERE expiry >= ?'); // on the expiry index alone
    this.#countLive.setReturnArrays(true);
    this.#expire = db.prepare('DELETE FROM envelopes WHERE expiry < ?');
    this.#count = db.prepare('SELECT count(*) AS n FROM envelopes');
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  #check(): void {
    if (!this.#open) throw new StoreError('store is closed');
  }

  /**
   * Writes one envelope durably; returns false if it was already stored. Throws StoreError when the
   * write fails (full disk, read-only folder, size cap): the caller must then refuse the envelope.
   */
  put(e: StoredEnvelope): boolean {
    this.#check();
    if (!Number.isInteger(e.expiry) || e.expiry < 0) throw new RangeError('expiry must be a non-negative integer');
    let added: boolean;
    try {
      added = this.#run(e);
    } catch (err) {
      const error = new StoreError(`cannot store envelope in ${this.path}: ${this.#why(err, e.rlp.length)}`, { cause: err, op: 'put' });
      this.#refused++;
      this.#lastFailure = this.#now();
      if (!this.#refusing) {
        this.#refusing = true;
        this.#onWritable?.(false, { error, refused: this.#refused });
      }
      throw error;
    }
    if (this.#refusing && this.#now() - this.#lastFailure >= RECOVER_QUIET_MS) {
      const refused = this.#refused;
      this.#refusing = false;
      this.#refused = 0;
      this.#onWritable?.(true, { refused });
    }
    return added;
  }

  /**
   * Writes several envelopes in one transaction, so one fsync covers them all (group commit, see
   * store-writer.ts); returns for each whether it was new. All or nothing: on failure nothing of the
   * batch is stored and StoreError is thrown without counting a refusal, because the caller retries
   * each envelope with put(), which does (near a full disk a single envelope may still fit).
   */
  putMany(rows: readonly StoredEnvelope[]): boolean[] {
    this.#check();
    for (const e of rows) if (!Number.isInteger(e.expiry) || e.expiry < 0) throw new RangeError('expiry must be a non-negative integer');
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const added = rows.map((e) => this.#run(e));
        this.#db.exec('COMMIT');
        return added;
      } finally {
        if (this.#db.isTransaction) rollback(this.#db);
      }
    } catch (err) {
      throw new StoreError(`cannot store ${rows.length} envelopes in ${this.path}: ${reason(err)}`, { cause: err, op: 'put' });
    }
  }

  #run(e: StoredEnvelope): boolean {
    const pow = typeof e.pow === 'number' && Number.isFinite(e.pow) ? e.pow : null;
    const sum = pow === null ? null : rowChecksum(e.hash, e.expiry, pow, e.rlp);
    return Number(this.#put.run(e.hash, e.expiry, e.rlp, pow, sum).changes) > 0;
  }

  /** Whether puts are failing (since the first failure, until one succeeds after a quiet spell). */
  get refusing(): boolean {
    return this.#refusing;
  }

  // SQLite says "database or disk is full" for both a full disk and max_page_count: say which. With
  // room left on the disk for the write and a journal's worth more, it was the cap.
  #why(err: unknown, need = 0): string {
    const text = reason(err);
    if (!/full/i.test(text)) return text;
    let free: number;
    try {
      const fs = statfsSync(dirname(this.path));
      free = fs.bavail * fs.bsize;
    } catch {
      return text; // the plain message is still true
    }
    if (this.#maxBytes !== undefined && free > need + (4 << 20)) return `${text} (the size cap of ${this.#maxBytes} bytes is reached)`;
    return `${text} (${free} bytes free on its disk)`;
  }

  get(hash: Uint8Array): Uint8Array | undefined {
    this.#check();
    const row = this.#get.get(hash) as { rlp: Uint8Array } | undefined;
    return row?.rlp;
  }

  has(hash: Uint8Array): boolean {
    return this.get(hash) !== undefined;
  }

  /**
   * Every envelope not expired at `nowSeconds` (default: the store's clock), soonest expiry first: what
   * the relay re-validates at start. `pow` is present only on a row whose checksum matches (rowChecksum).
   */
  *live(nowSeconds = this.#nowSeconds()): IterableIterator<StoredEnvelope> {
    this.#check();
    // In expiry order the rows come from all over the table (stored in arrival order): with SQLite's
    // default 2 MiB page cache most pages were read from the OS again and again (a third of the read's
    // CPU for 100 000 rows). A cache that holds the table while this runs reads each page once.
    const { cache_size: cache } = this.#db.prepare('PRAGMA cache_size').get() as { cache_size: number };
    this.#db.exec(`PRAGMA cache_size = ${-LOAD_CACHE_KIB}`);
    try {
      yield* this.#rows(this.#live, nowSeconds);
    } finally {
      if (this.#open) this.#db.exec(`PRAGMA cache_size = ${cache}`);
    }
  }

  *#rows(statement: StatementSync, nowSeconds: number): IterableIterator<StoredEnvelope> {
    for (const [hash, expiry, rlp, pow, sum] of statement.iterate(nowSeconds) as unknown as Iterable<Row>) {
      const intact = pow !== null && sum !== null && rlp instanceof Uint8Array && hash instanceof Uint8Array && rowChecksum(hash, expiry, pow, rlp) === sum;
      // Otherwise (damaged, or written before rows had a checksum) the loader validates it in full.
      yield intact ? { hash, expiry, rlp, pow } : { hash, expiry, rlp };
    }
  }

  /**
   * The same rows as live(), for the start-up load: read in pages of PAGE_ROWS (one query and a handful
   * of values per page instead of an array and two Uint8Arrays per row), in the table's order (by
   * hash), not by expiry. A row a page cannot take (a key that is no 32-byte blob, RLP that is no blob,
   * an expiry that is no whole number: damage) comes after the others, read as live() reads it, for
   * the loader to refuse. Each hash and rlp is a view of its page's bytes.
   */
  *loadable(nowSeconds = this.#nowSeconds()): IterableIterator<StoredEnvelope> {
    this.#check();
    let after = new Uint8Array(0);
    let paged = 0;
    for (;;) {
      const [bytes, lens, expiries, pows, sums, n] = this.#page.get(after, nowSeconds) as unknown as Page;
      if (!n || !bytes) break;
      const length = numbers(lens, n);
      const expiry = numbers(expiries, n);
      const pow = numbers(pows, n);
      const sum = numbers(sums, n);
      const rows: StoredEnvelope[] = new Array(n);
      let at = 0;
      for (let i = 0; i < n; i++) {
        const hash = bytes.subarray(at, at + 32);
        const rlp = bytes.subarray(at + 32, at + 32 + length[i]!);
        at += 32 + length[i]!;
        const p = pow[i]!;
        const intact = !Number.isNaN(p) && !Number.isNaN(sum[i]!) && rowChecksum(hash, expiry[i]!, p, rlp) === sum[i];
        // Otherwise (damaged, or written before rows had a checksum) the loader validates it in full.
        rows[i] = intact ? { hash, expiry: expiry[i]!, rlp, pow: p } : { hash, expiry: expiry[i]!, rlp };
      }
      if (at !== bytes.length) throw new StoreError(`loadable(): a page of ${n} rows has ${bytes.length} bytes, its lengths say ${at}`);
      // The next page starts after the greatest key of this one (an aggregate's order is SQLite's to choose).
      let last = rows[0]!.hash;
      for (const r of rows) if (compareBytes(r.hash, last) > 0) last = r.hash;
      after = last.slice();
      paged += n;
      yield* rows;
      if (n < PAGE_ROWS) break;
    }
    // Looking for rows a page could not take reads the whole table again: only when some are missing.
    const [live] = this.#countLive.get(nowSeconds) as unknown as [number];
    if (paged < live) yield* this.#rows(this.#odd, nowSeconds);
  }

  get count(): number {
    this.#check();
    return Number((this.#count.get() as { n: number }).n);
  }

  /** Deletes every row whose expiry has passed; returns how many. */
  deleteExpired(): number {
    this.#check();
    try {
      return Number(this.#expire.run(this.#nowSeconds()).changes);
    } catch (err) {
      throw new StoreError(`cannot delete expired envelopes from ${this.path}: ${this.#why(err)}`, { cause: err, op: 'sweep' });
    }
  }

  /** Sweeps expired rows on a schedule until stop(); a failing sweep is reported, never thrown. */
  start(onError?: (e: unknown) => void): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      try {
        this.deleteExpired();
      } catch (e) {
        onError?.(e);
      }
    }, this.#sweepMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    if (!this.#open) return;
    this.stop();
    this.#open = false;
    this.#db.close();
  }
}
