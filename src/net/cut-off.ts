// Cutting off peers whose gossipsub score fell below the graylist threshold (docs/SECURITY.md
// "Limits"): graylisting alone still reads and decodes every RPC of a flooder, so the peer is hung up on
// and refused for a cooldown that doubles on every repeat. Bounded in entries; clock injected.

export interface CutOffInit {
  /** First cooldown, ms (default 10 min). */
  cooldownMs: number;
  /** Longest cooldown, ms (default 24 h). */
  maxCooldownMs: number;
  /** How long a peer's repeat count is remembered after its cooldown ends, ms (default 24 h). */
  memoryMs: number;
  /** Peers remembered; the oldest entry is dropped beyond this (default 4096). */
  maxPeers: number;
  now: () => number;
}

export const CUT_OFF_DEFAULTS: Omit<CutOffInit, 'now'> = {
  cooldownMs: 10 * 60 * 1000,
  maxCooldownMs: 24 * 60 * 60 * 1000,
  memoryMs: 24 * 60 * 60 * 1000,
  maxPeers: 4096,
};

interface Entry {
  until: number;
  strikes: number;
}

export class CutOffList {
  readonly #cfg: CutOffInit;
  readonly #entries = new Map<string, Entry>();

  constructor(init: Partial<CutOffInit> = {}) {
    this.#cfg = { ...CUT_OFF_DEFAULTS, now: Date.now, ...init };
    for (const k of ['cooldownMs', 'maxCooldownMs', 'memoryMs', 'maxPeers'] as const)
      if (!(this.#cfg[k] > 0)) throw new RangeError(`cut-off ${k} must be positive`);
  }

  /** Starts (or, if it is still on, keeps) a peer's cooldown; returns its end in ms. */
  cut(peerId: string): number {
    const now = this.#cfg.now();
    const old = this.#entries.get(peerId);
    if (old && old.until > now) return old.until;
    const strikes = old && now - old.until < this.#cfg.memoryMs ? old.strikes + 1 : 1;
    const cooldown = Math.min(this.#cfg.maxCooldownMs, this.#cfg.cooldownMs * 2 ** Math.min(strikes - 1, 30));
    this.#entries.delete(peerId);
    while (this.#entries.size >= this.#cfg.maxPeers) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    const until = now + cooldown;
    this.#entries.set(peerId, { until, strikes });
    return until;
  }

  /** Whether the peer is in its cooldown now. */
  isCut(peerId: string): boolean {
    const e = this.#entries.get(peerId);
    return e !== undefined && e.until > this.#cfg.now();
  }

  get size(): number {
    return this.#entries.size;
  }
}
