// Per-site activity: messages each origin posted and received, and when last. Writes are
// chained so counts never race; a failed write loses a count, never a message.

import type { ActivityRows } from '../store/activity.ts';
import type { SiteActivity } from '../rpc/popup.ts';
import { createLog, describeError } from '../rpc/log.ts';

const log = createLog('shh:bg:activity');

export class Activity {
  readonly #rows: ActivityRows;
  readonly #now: () => number;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(rows: ActivityRows, now: () => number = Date.now) {
    this.#rows = rows;
    this.#now = now;
  }

  posted(origin: string, n = 1): Promise<void> {
    return this.#add(origin, { posted: n });
  }

  received(origin: string, n = 1): Promise<void> {
    return n > 0 ? this.#add(origin, { received: n }) : Promise.resolve();
  }

  async list(): Promise<SiteActivity[]> {
    await this.#tail;
    return (await this.#rows.list()).sort((a, b) => Math.max(b.lastPostedAt ?? 0, b.lastReceivedAt ?? 0) - Math.max(a.lastPostedAt ?? 0, a.lastReceivedAt ?? 0));
  }

  async clear(): Promise<void> {
    await this.#tail;
    await this.#rows.clear();
  }

  #add(origin: string, d: { posted?: number; received?: number }): Promise<void> {
    const at = this.#now();
    const run = this.#tail.then(() => this.#rows.add(origin, d, at));
    this.#tail = run.catch((e) => log('activity write failed (its caller is told): %s', describeError(e)));
    return run.then(() => undefined);
  }
}
