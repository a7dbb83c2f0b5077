// Subscriptions and polled filters of each document (origin, session) with their normalised criteria,
// and the messages handed to each under their delivery sequence numbers (docs/PROTOCOL.md: each
// envelope once). After a worker restart the background replays a session's rows when its Port comes
// back, keeping the ids the page holds, and sends again only what lies after the page's cursor.
// Delivered rows go when their envelope expires; the watcher row keeps the highest number handed out.
// Invariants: criteria and delivered hashes are stored only sealed by the vault (a copied profile
// does not tell which topics or envelopes a site followed); the bookkeeping (ids, origin, session,
// times, expiry) stays readable so locked, the rows can still be counted, detached and swept. Every
// walk over all rows is a cursor, never a getAll().

import type { DeliveredRecord, DeliveredRow, SealedBox, WatcherMeta, WatcherRecord, WatcherRow, WhisperDatabase } from './db.ts';

/** The vault's seal and open (src/background/vault.ts); both throw while it is not 'unlocked'. */
export interface RowSealer {
  readonly state: string;
  seal(plaintext: Uint8Array, aad: string): Promise<SealedBox>;
  open(box: SealedBox, aad: string): Promise<Uint8Array>;
}

const AAD = {
  watcher: (r: WatcherMeta) => `shh-vault/watcher/1/${r.id}/${r.kind}/${r.session}/${r.origin}`,
  delivered: (watcher: string, n: string) => `shh-vault/delivered/1/${watcher}/${n}`,
};
const range = (id: string): IDBKeyRange => IDBKeyRange.bound([id, ''], [id, '\uffff']);
const meta = ({ id, origin, session, kind, createdAt, detachedAt }: WatcherRecord): WatcherMeta => ({ id, origin, session, kind, createdAt, ...(detachedAt !== undefined ? { detachedAt } : {}) });
const webRandom = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export class WatcherRows {
  readonly #db: WhisperDatabase;
  readonly #sealer: RowSealer;
  readonly #random: (n: number) => Uint8Array;

  constructor(db: WhisperDatabase, sealer: RowSealer, randomBytes: (n: number) => Uint8Array = webRandom) {
    this.#db = db;
    this.#sealer = sealer;
    this.#random = randomBytes;
  }

  /** Stores a watcher with its criteria sealed (needs the vault unlocked). */
  async put(row: WatcherRow): Promise<void> {
    const record = await this.#seal(row);
    const tx = this.#db.transaction('watchers', 'readwrite', { durability: 'strict' });
    await Promise.all([tx.store.put(record), tx.done]);
  }

  async get(id: string): Promise<WatcherMeta | undefined> {
    const r = await this.#db.get('watchers', id);
    return r && meta(r);
  }

  async ofSession(origin: string, session: string): Promise<WatcherMeta[]> {
    return (await this.#db.getAllFromIndex('watchers', 'session', [origin, session])).map(meta);
  }

  /**
   * A session's watchers with their criteria opened, for replay; throws the vault's 4100 while locked.
   * A row that does not open (damaged) is dropped with its delivered rows.
   */
  async openSession(origin: string, session: string): Promise<WatcherRow[]> {
    const out: WatcherRow[] = [];
    const bad: string[] = [];
    for (const r of await this.#db.getAllFromIndex('watchers', 'session', [origin, session])) {
      if (r.params) {
        out.push({ ...meta(r), params: r.params });
        continue;
      }
      try {
        out.push({ ...meta(r), params: JSON.parse(new TextDecoder().decode(await this.#sealer.open(r.sealed!, AAD.watcher(r)))) as unknown[] });
      } catch (e) {
        if (this.#sealer.state !== 'unlocked') throw e; // locked: keep the rows for the next unlock
        console.debug('shh:store:watchers', 'dropping a watcher row that does not open', r.id, e);
        bad.push(r.id);
      }
    }
    await this.remove(bad);
    return out;
  }

  async ofOrigin(origin: string): Promise<WatcherMeta[]> {
    return (await this.#db.getAllFromIndex('watchers', 'origin', origin)).map(meta);
  }

  /** How many rows an origin has, detached ones included. */
  async countOfOrigin(origin: string): Promise<number> {
    return this.#db.countFromIndex('watchers', 'origin', origin);
  }

  /**
   * Room for one more watcher of `origin` under `max` rows: the origin's detached rows (closed frames)
   * count, and the longest-detached go first to make room. False when live rows alone fill it.
   */
  async makeRoom(origin: string, max: number): Promise<boolean> {
    const tx = this.#db.transaction(['watchers', 'delivered'], 'readwrite');
    const index = tx.objectStore('watchers').index('origin');
    let count = await index.count(origin);
    if (count >= max) {
      const detached: { id: string; at: number }[] = [];
      for (let c = await index.openCursor(origin); c; c = await c.continue()) if (c.value.detachedAt !== undefined) detached.push({ id: c.value.id, at: c.value.detachedAt });
      detached.sort((a, b) => a.at - b.at);
      for (const d of detached.slice(0, count - max + 1)) {
        await tx.objectStore('watchers').delete(d.id);
        await tx.objectStore('delivered').delete(range(d.id));
        count--;
      }
    }
    await tx.done;
    return count < max;
  }

  /** Every watcher's bookkeeping (no criteria), walked with a cursor. */
  async all(): Promise<WatcherMeta[]> {
    const out: WatcherMeta[] = [];
    for (let c = await this.#db.transaction('watchers').store.openCursor(); c; c = await c.continue()) out.push(meta(c.value));
    return out;
  }

  /** Marks every watcher of a session detached at `at` (or attached again with undefined). */
  async setDetached(origin: string, session: string, at: number | undefined): Promise<void> {
    const tx = this.#db.transaction('watchers', 'readwrite');
    for (let c = await tx.store.index('session').openCursor([origin, session]); c; c = await c.continue()) {
      const row = { ...c.value };
      if (at === undefined) delete row.detachedAt;
      else row.detachedAt = at;
      await c.update(row);
    }
    await tx.done;
  }

  /**
   * The periodic sweep, one cursor over the rows: a row whose document has no Port is marked detached
   * at `now`; one detached for longer than `graceMs` goes with its delivered rows. Returns how many went.
   */
  async sweepDetached(attached: (origin: string, session: string) => boolean, now: number, graceMs: number): Promise<number> {
    const tx = this.#db.transaction(['watchers', 'delivered'], 'readwrite');
    const delivered = tx.objectStore('delivered');
    let n = 0;
    for (let c = await tx.objectStore('watchers').openCursor(); c; c = await c.continue()) {
      const row = c.value;
      if (attached(row.origin, row.session)) continue;
      if (row.detachedAt === undefined) await c.update({ ...row, detachedAt: now });
      else if (now - row.detachedAt > graceMs) {
        await delivered.delete(range(row.id));
        await c.delete();
        n++;
      }
    }
    await tx.done;
    return n;
  }

  /** Deletes watchers and their delivered rows. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const tx = this.#db.transaction(['watchers', 'delivered'], 'readwrite');
    const delivered = tx.objectStore('delivered');
    for (const id of ids) {
      await tx.objectStore('watchers').delete(id);
      await delivered.delete(range(id));
    }
    await tx.done;
  }

  /** Hashes already handed to a watcher, with their sequence numbers (0 before sequences) and expiry (needs the vault unlocked). */
  async delivered(watcher: string): Promise<Map<string, { seq: number; expiry: number }>> {
    const out = new Map<string, { seq: number; expiry: number }>();
    for (const r of await this.#db.getAll('delivered', range(watcher))) {
      try {
        out.set(new TextDecoder().decode(await this.#sealer.open(r.sealed, AAD.delivered(r.watcher, r.n))), { seq: r.seq ?? 0, expiry: r.expiry });
      } catch (e) {
        if (this.#sealer.state !== 'unlocked') throw e; // locked
        console.debug('shh:store:watchers', 'skipping a delivered row that does not open', r.watcher, e);
      }
    }
    return out;
  }

  /** The highest sequence number a watcher handed out (0 when none was recorded). */
  async highestSeq(watcher: string): Promise<number> {
    return (await this.#db.get('watchers', watcher))?.seq ?? 0;
  }

  /**
   * Records deliveries in one transaction, and raises each watcher row's highest sequence number to
   * theirs, so numbers are never reused after their rows expired. Resolves once durable.
   */
  async markDelivered(rows: readonly DeliveredRow[]): Promise<void> {
    if (rows.length === 0) return;
    const records: DeliveredRecord[] = [];
    const highest = new Map<string, number>();
    for (const r of rows) {
      const n = hex(this.#random(8));
      const seq = r.seq !== undefined ? { seq: r.seq } : {};
      records.push({ watcher: r.watcher, n, expiry: r.expiry, ...seq, sealed: await this.#sealer.seal(new TextEncoder().encode(r.hash), AAD.delivered(r.watcher, n)) });
      if (r.seq !== undefined) highest.set(r.watcher, Math.max(highest.get(r.watcher) ?? 0, r.seq));
    }
    const tx = this.#db.transaction(['delivered', 'watchers'], 'readwrite', { durability: 'strict' });
    const watchers = tx.objectStore('watchers');
    const raise = async (id: string, seq: number): Promise<void> => {
      const w = await watchers.get(id);
      if (w && (w.seq ?? 0) < seq) await watchers.put({ ...w, seq });
    };
    await Promise.all([...records.map((r) => tx.objectStore('delivered').put(r)), ...[...highest].map(([id, seq]) => raise(id, seq)), tx.done]);
  }

  /** Drops delivered rows of envelopes expired before `nowSeconds` (pass now minus the pool's tolerance); returns how many. */
  async sweepDelivered(nowSeconds: number): Promise<number> {
    const tx = this.#db.transaction('delivered', 'readwrite');
    let n = 0;
    for (let c = await tx.store.index('expiry').openCursor(IDBKeyRange.upperBound(nowSeconds, true)); c; c = await c.continue()) {
      await c.delete();
      n++;
    }
    await tx.done;
    return n;
  }

  /** Seals the criteria schema 3 left in the clear (first unlock after the upgrade); returns how many. */
  async sealClear(): Promise<number> {
    const clear: WatcherRecord[] = [];
    for (let c = await this.#db.transaction('watchers').store.openCursor(); c; c = await c.continue()) if (c.value.params) clear.push(c.value);
    for (const r of clear) await this.#db.put('watchers', await this.#seal({ ...meta(r), params: r.params! }));
    return clear.length;
  }

  async #seal(row: WatcherRow): Promise<WatcherRecord> {
    const m = meta(row as WatcherRecord);
    return { ...m, sealed: await this.#sealer.seal(new TextEncoder().encode(JSON.stringify(row.params)), AAD.watcher(m)) };
  }
}
