// The user's settings (relays, minimum PoW, maximum message size, auto-lock time, relays only) under the
// key 'settings' of the `settings` store. Absent fields mean "the default"; nothing here is secret.

import type { SettingsRow, WhisperDatabase } from './db.ts';

const KEY = 'settings';

export class SettingsRows {
  readonly #db: WhisperDatabase;

  constructor(db: WhisperDatabase) {
    this.#db = db;
  }

  async get(): Promise<SettingsRow> {
    return (await this.#db.get('settings', KEY)) ?? {};
  }

  /** Merges `patch` into the stored settings; returns the result. */
  async update(patch: SettingsRow): Promise<SettingsRow> {
    const tx = this.#db.transaction('settings', 'readwrite', { durability: 'strict' });
    const next: SettingsRow = { ...((await tx.store.get(KEY)) ?? {}), ...patch };
    await Promise.all([tx.store.put(next, KEY), tx.done]);
    return next;
  }

  async clear(): Promise<void> {
    await this.#db.clear('settings');
  }
}
