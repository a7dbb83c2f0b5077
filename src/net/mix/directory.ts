// The mix directory a client (or a relay) keeps: verified key records, at most two per relay (the
// freshest current key and the one before it, for frames built around a rotation), at most
// `maxRelays` relays, expired records dropped on every read. Records come from anyone and are
// checked here (signature, lengths, validity), so whoever passes them on need not be trusted.
// Records travel as a list: count u16 ‖ (length u16 ‖ record)*, strict (no trailing bytes).

import { bytesToKey } from '../../core/bytes.ts';
import { MixError, isMixError } from '../../core/mix/errors.ts';
import { MAX_KEY_RECORD_SIZE, verifyKeyRecord, type VerifiedKeyRecord } from './key-record.ts';

export interface MixDirectoryInit {
  now: () => number;
  maxRelays?: number;
}

export class MixDirectory {
  readonly #now: () => number;
  readonly #max: number;
  readonly #byRelay = new Map<string, VerifiedKeyRecord[]>(); // newest first
  readonly #raw = new Map<VerifiedKeyRecord, Uint8Array>();

  constructor(init: MixDirectoryInit) {
    this.#now = init.now;
    this.#max = init.maxRelays ?? 256;
  }

  /** Verifies and keeps a record; returns whether it was new. Throws MixError for a bad one. */
  async add(record: Uint8Array): Promise<boolean> {
    const r = await verifyKeyRecord(record, this.#now());
    this.#prune();
    const key = bytesToKey(r.nodeId);
    const list = this.#byRelay.get(key) ?? [];
    if (list.some((x) => bytesToKey(x.mixKey) === bytesToKey(r.mixKey))) return false;
    if (list.length === 0 && this.#byRelay.size >= this.#max) throw new MixError('overloaded', `mix directory holds ${this.#max} relays already`);
    const next = [...list, r].sort((a, b) => b.notBefore - a.notBefore);
    for (const dropped of next.splice(2)) this.#raw.delete(dropped);
    if (!next.includes(r)) return false; // older than both kept
    this.#raw.set(r, record);
    this.#byRelay.set(key, next);
    return true;
  }

  /** Adds every record of a list; returns how many were new and why the others were refused. */
  async addAll(list: Uint8Array): Promise<{ added: number; refused: string[] }> {
    let added = 0;
    const refused: string[] = [];
    for (const rec of decodeRecordList(list)) {
      try {
        if (await this.add(rec)) added++;
      } catch (err) {
        if (!isMixError(err)) throw err;
        refused.push(err.code);
      }
    }
    return { added, refused };
  }

  /** Valid records now, newest key of each relay first. */
  records(): VerifiedKeyRecord[] {
    this.#prune();
    return [...this.#byRelay.values()].flat();
  }

  /** The records as they were signed, to pass on: `first` (e.g. our own) first, at most `max` in all. */
  encode(max = Infinity, first?: Uint8Array): Uint8Array {
    const raw = this.records().map((r) => this.#raw.get(r)!).filter((b) => b !== first);
    return encodeRecordList([...(first ? [first] : []), ...raw].slice(0, max));
  }

  #prune(): void {
    const now = this.#now();
    for (const [k, list] of this.#byRelay) {
      const live = list.filter((r) => now >= r.notBefore && now <= r.notAfter);
      for (const r of list) if (!live.includes(r)) this.#raw.delete(r);
      if (live.length === 0) this.#byRelay.delete(k);
      else this.#byRelay.set(k, live);
    }
  }
}

export function encodeRecordList(records: Uint8Array[]): Uint8Array {
  if (records.length > 0xffff) throw new RangeError('too many records for one list');
  const out = new Uint8Array(2 + records.reduce((n, r) => n + 2 + r.length, 0));
  const v = new DataView(out.buffer);
  v.setUint16(0, records.length);
  let o = 2;
  for (const r of records) {
    if (r.length > MAX_KEY_RECORD_SIZE) throw new RangeError('record too large');
    v.setUint16(o, r.length);
    out.set(r, o + 2);
    o += 2 + r.length;
  }
  return out;
}

export function decodeRecordList(list: Uint8Array): Uint8Array[] {
  const bad = (why: string) => new MixError('bad-record', `record list: ${why}`);
  if (list.length < 2) throw bad('truncated');
  const v = new DataView(list.buffer, list.byteOffset, list.length);
  const n = v.getUint16(0);
  const out: Uint8Array[] = [];
  let o = 2;
  for (let i = 0; i < n; i++) {
    if (o + 2 > list.length) throw bad('truncated');
    const len = v.getUint16(o);
    if (len > MAX_KEY_RECORD_SIZE) throw bad('record too large');
    if (o + 2 + len > list.length) throw bad('truncated');
    out.push(list.slice(o + 2, o + 2 + len));
    o += 2 + len;
  }
  if (o !== list.length) throw bad('trailing bytes');
  return out;
}
