// Group commit for the relay's store (docs/PROTOCOL.md §5.3: an accepted envelope is on disk before it is
// forwarded). Puts made within one turn of the event loop are written in one transaction, one fsync
// for all, and each put's promise settles only after the commit that holds its envelope. With the
// SQLite store under it, this is the relay's EnvelopeStore (src/core/envelope-store.ts).

import type { EnvelopeStore as DurableEnvelopes } from '../src/core/envelope-store.ts';
import type { EnvelopeStore, StoredEnvelope } from './store.ts';

export interface StoreWriterInit {
  /** Envelopes per transaction at most; default 512 (about 150 KiB of typical envelopes). */
  maxBatch?: number;
}

interface Pending {
  row: StoredEnvelope;
  resolve: (added: boolean) => void;
  reject: (e: unknown) => void;
}

// Why: with synchronous=FULL every commit is an fsync, 3-70 ms on a busy disk, and node:sqlite runs it
// on the relay's only thread. One commit per envelope capped a relay at roughly 70-300 envelopes a
// second and stalled its event loop for most of each second at the goal load (docs/BENCHMARKS.md
// "Relay under load"); one commit per turn costs the same fsync for however many arrived together.
export class StoreWriter implements DurableEnvelopes {
  readonly #store: EnvelopeStore;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(store: EnvelopeStore, init: StoreWriterInit = {}) {
    const maxBatch = init.maxBatch ?? 512;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
    this.#store = store;
    this.#maxBatch = maxBatch;
  }

  /** Resolves with whether the envelope was new once it is on disk; rejects with StoreError if it cannot be. */
  put(row: StoredEnvelope): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** The store's live rows (reads see every committed put; call flush() first to include queued ones). */
  live(nowSeconds: number): Iterable<StoredEnvelope> {
    return this.#store.live(nowSeconds);
  }

  /** Puts waiting for their commit. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Writes everything queued now (the relay calls it before closing the store). */
  flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) this.#write(this.#queue.splice(0, this.#maxBatch));
  }

  #write(batch: Pending[]): void {
    if (batch.length > 1) {
      let added: boolean[] | undefined;
      try {
        added = this.#store.putMany(batch.map((p) => p.row));
      } catch {
        // Retried one by one below: put() reports the refusals, and near a full disk some still fit.
      }
      if (added) {
        batch.forEach((p, i) => p.resolve(added[i] as boolean));
        return;
      }
    }
    for (const p of batch) {
      try {
        p.resolve(this.#store.put(p.row));
      } catch (e) {
        p.reject(e);
      }
    }
  }
}
