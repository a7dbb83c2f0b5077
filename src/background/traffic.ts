// What the Whisper node costs, in words the popup can show: envelopes (and their bytes) that arrived in
// the last hour, counted in one-minute buckets as the peer reports them (network, catch-up, own posts).
// It is a floor for the bandwidth: gossip sends an envelope to a few neighbours and protocol chatter
// comes on top. Memory is bounded: 60 buckets.

const BUCKET_MS = 60_000;
const WINDOW_BUCKETS = 60;

export interface Traffic {
  /** Envelopes that arrived in the last hour. */
  envelopes: number;
  /** Their bytes (RLP). */
  bytes: number;
  /** How long the meter has been counting, up to an hour (a fresh worker knows less). */
  sinceMs: number;
}

export class TrafficMeter {
  readonly #now: () => number;
  readonly #buckets = new Map<number, { envelopes: number; bytes: number }>();
  readonly #started: number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#started = now();
  }

  add(bytes: number): void {
    const k = Math.floor(this.#now() / BUCKET_MS);
    const b = this.#buckets.get(k) ?? { envelopes: 0, bytes: 0 };
    b.envelopes++;
    b.bytes += bytes;
    this.#buckets.set(k, b);
    for (const key of this.#buckets.keys()) if (key <= k - WINDOW_BUCKETS) this.#buckets.delete(key);
  }

  lastHour(): Traffic {
    const now = this.#now();
    const from = Math.floor(now / BUCKET_MS) - WINDOW_BUCKETS;
    let envelopes = 0;
    let bytes = 0;
    for (const [k, b] of this.#buckets) if (k > from) ((envelopes += b.envelopes), (bytes += b.bytes));
    return { envelopes, bytes, sinceMs: Math.min(now - this.#started, WINDOW_BUCKETS * BUCKET_MS) };
  }
}
