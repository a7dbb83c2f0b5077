// Per-neighbour limits on envelopes that are valid and new to us (docs/SECURITY.md "Limits"):
// a token bucket by count and one by bytes per neighbour. Over the limit the envelope is ignored (not
// stored, not forwarded, no penalty); past PENALTY_FACTOR times the limit it is rejected, which counts
// against the sender like an invalid envelope. Buckets are per peer id, bounded in number, clock injected.

/** Outcome for one envelope: within the limit, over it (ignore), or far over it (reject: penalise). */
export type RateVerdict = 'ok' | 'over' | 'abuse';

export interface RateLimitInit {
  /** Sustained new envelopes per second per neighbour. */
  envelopesPerSecond: number;
  /** Envelopes a neighbour may send at once before the sustained rate applies. */
  burstEnvelopes: number;
  /** Sustained envelope bytes (RLP) per second per neighbour. */
  bytesPerSecond: number;
  /** Bytes a neighbour may send at once. */
  burstBytes: number;
  /** The abuse level: this many times the limit (rate and burst) before envelopes count as invalid. */
  penaltyFactor: number;
  /** Neighbours with no limit (the operator's configured relays); asked only when a bucket runs dry. */
  exempt?: (peerId: string) => boolean;
  /** Buckets kept; the least recently used full one is dropped beyond this (default 4096). */
  maxPeers?: number;
  /** Milliseconds, monotonic; defaults to performance.now. */
  now?: () => number;
}

// Goal load is 100 envelopes/s network-wide (docs/BENCHMARKS.md, "Relay under load"). An honest neighbour can at most be the
// first to bring us every one of them, e.g. a relay that is our only link, so the sustained limit
// equals the whole network's goal load; one browser posting by hand never comes near it. Envelopes
// are padded to 256-byte multiples, typically 0.5-1 KiB: 512 KiB/s leaves 5 KiB per envelope at the
// goal rate. Bursts cover 10 s of goal load (IWANT replies after a reconnect) and four ceiling-size
// (1 MiB) envelopes. Abuse at 5x: only a flooder outruns 500 new valid envelopes a second.
export const RATE_LIMIT_DEFAULTS: Omit<RateLimitInit, 'exempt' | 'now' | 'maxPeers'> = {
  envelopesPerSecond: 100,
  burstEnvelopes: 1000,
  bytesPerSecond: 512 * 1024,
  burstBytes: 4 * 1024 * 1024,
  penaltyFactor: 5,
};

interface Bucket {
  count: number;
  bytes: number;
  abuseCount: number;
  abuseBytes: number;
  at: number;
}

export class PeerRateLimit {
  readonly #cfg: Required<Omit<RateLimitInit, 'exempt'>>;
  readonly #exempt: ((peerId: string) => boolean) | undefined;
  readonly #buckets = new Map<string, Bucket>();

  constructor(init: Partial<RateLimitInit> = {}) {
    const cfg = { ...RATE_LIMIT_DEFAULTS, maxPeers: 4096, now: () => performance.now(), ...stripUndefined(init) };
    for (const k of ['envelopesPerSecond', 'burstEnvelopes', 'bytesPerSecond', 'burstBytes', 'penaltyFactor', 'maxPeers'] as const)
      if (!(cfg[k] > 0) || !Number.isFinite(cfg[k])) throw new RangeError(`rate limit ${k} must be a positive number`);
    if (cfg.penaltyFactor < 1) throw new RangeError('rate limit penaltyFactor must be >= 1');
    const { exempt, ...rest } = cfg as typeof cfg & { exempt?: (peerId: string) => boolean };
    this.#cfg = rest;
    this.#exempt = exempt;
  }

  /** Takes one envelope of `bytes` from `peerId`'s buckets; call only for valid envelopes new to us. */
  take(peerId: string, bytes: number): RateVerdict {
    const c = this.#cfg;
    const now = c.now();
    let b = this.#buckets.get(peerId);
    if (b === undefined) {
      b = { count: c.burstEnvelopes, bytes: c.burstBytes, abuseCount: c.burstEnvelopes * c.penaltyFactor, abuseBytes: c.burstBytes * c.penaltyFactor, at: now };
      this.#evict();
    } else {
      this.#buckets.delete(peerId); // re-inserted below: Map order is least recently used first
      const dt = Math.max(0, now - b.at) / 1000;
      b.count = Math.min(c.burstEnvelopes, b.count + dt * c.envelopesPerSecond);
      b.bytes = Math.min(c.burstBytes, b.bytes + dt * c.bytesPerSecond);
      b.abuseCount = Math.min(c.burstEnvelopes * c.penaltyFactor, b.abuseCount + dt * c.envelopesPerSecond * c.penaltyFactor);
      b.abuseBytes = Math.min(c.burstBytes * c.penaltyFactor, b.abuseBytes + dt * c.bytesPerSecond * c.penaltyFactor);
      b.at = now;
    }
    this.#buckets.set(peerId, b);
    // The abuse bucket drains on every envelope, within the limit or not: it measures what was sent.
    b.abuseCount -= 1;
    b.abuseBytes -= bytes;
    if (b.count >= 1 && b.bytes >= bytes) {
      b.count -= 1;
      b.bytes -= bytes;
      return 'ok';
    }
    if (this.#exempt?.(peerId)) return 'ok';
    return b.abuseCount < 0 || b.abuseBytes < 0 ? 'abuse' : 'over';
  }

  // No forget() on disconnect: a flooder would reconnect for a fresh burst. The LRU bound keeps memory flat.
  get size(): number {
    return this.#buckets.size;
  }

  #evict(): void {
    while (this.#buckets.size >= this.#cfg.maxPeers) {
      const oldest = this.#buckets.keys().next();
      if (oldest.done) return;
      this.#buckets.delete(oldest.value);
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
