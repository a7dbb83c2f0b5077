// What each key made of each envelope it tried (docs/PROTOCOL.md §2: an asymmetric trial is one ECDH),
// so that a key never tries the same envelope twice: a second watcher of an identity, or the back-fill
// of a new one, reads the answer instead of decrypting the pool again.
// Invariants: at most `limit` answers in all (the oldest go first); an answer is the opened payload or
// null (not for this key); forget(keyId) drops every answer of a key, plaintext included, when its last
// watcher goes. Memory only: nothing here outlives the process.

import { bytesToKey } from './bytes.ts';
import type { OpenedPayload } from './message.ts';

/** Answers kept when no limit is given: about the live pool of a busy node for a few keys. */
export const TRIAL_MEMO_LIMIT = 50_000;

export class TrialMemo {
  readonly #limit: number;
  readonly #byKey = new Map<string, Map<string, OpenedPayload | null>>();
  /** Insertion order of every answer, for eviction: [keyId, envelope hash key]. */
  #order: [string, string][] = [];
  #head = 0;
  #size = 0;

  constructor(limit = TRIAL_MEMO_LIMIT) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    this.#limit = limit;
  }

  /** Answers held. */
  get size(): number {
    return this.#size;
  }

  /** The answer for this key and envelope hash; undefined when the key never tried it. */
  get(keyId: string, hash: Uint8Array): OpenedPayload | null | undefined {
    return this.#byKey.get(keyId)?.get(bytesToKey(hash));
  }

  set(keyId: string, hash: Uint8Array, answer: OpenedPayload | null): void {
    let answers = this.#byKey.get(keyId);
    if (!answers) this.#byKey.set(keyId, (answers = new Map()));
    const h = bytesToKey(hash);
    if (answers.has(h)) return;
    answers.set(h, answer);
    this.#order.push([keyId, h]);
    this.#size++;
    while (this.#size > this.#limit) this.#evictOldest();
    if (this.#order.length - this.#head > 2 * this.#limit) this.#compact(); // forgotten keys' leftovers
  }

  /** Drops every answer of a key (its last watcher is gone). */
  forget(keyId: string): void {
    const answers = this.#byKey.get(keyId);
    if (!answers) return;
    this.#size -= answers.size;
    this.#byKey.delete(keyId);
    if (this.#size === 0) this.#compact();
  }

  #evictOldest(): void {
    while (this.#head < this.#order.length) {
      const [keyId, h] = this.#order[this.#head++]!;
      const answers = this.#byKey.get(keyId);
      if (answers?.delete(h)) {
        this.#size--;
        if (answers.size === 0) this.#byKey.delete(keyId);
        break;
      }
    }
    // Entries of forgotten keys stay in #order until passed; compact once half of it is spent.
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) this.#compact();
  }

  #compact(): void {
    this.#order = this.#order.slice(this.#head).filter(([keyId, h]) => this.#byKey.get(keyId)?.has(h));
    this.#head = 0;
  }
}
