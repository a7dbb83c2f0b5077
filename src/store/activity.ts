// Per-site activity (the popup's activity view): how many messages each origin posted and received, and
// when last. Counts only: no topics, payloads or keys, so the record says little if the disk is read.

import type { ActivityRow, WhisperDatabase } from './db.ts';

export class ActivityRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  /** Adds `posted` / `received` messages at time `at` (ms) to an origin's counts. */
  async add(origin: string, d: { posted?: number; received?: number }, at: number): Promise<ActivityRow> {
    const tx = this.#db.transaction('activity', 'readwrite');
    const row: ActivityRow = (await tx.store.get(origin)) ?? { origin, posted: 0, received: 0 };
    if (d.posted) {
      row.posted += d.posted;
      row.lastPostedAt = at;
    }
    if (d.received) {
      row.received += d.received;
      row.lastReceivedAt = at;
    }
    await Promise.all([tx.store.put(row), tx.done]);
    return row;
  }

  async list(): Promise<ActivityRow[]> {
    return this.#db.getAll('activity');
  }

  async remove(origin: string): Promise<void> {
    await this.#db.delete('activity', origin);
  }

  async clear(): Promise<void> {
    await this.#db.clear('activity');
  }
}
