// Settings of private first hops (Dandelion++, Fanti et al. 2018; docs/PROTOCOL.md §3 names `/shh/6/stem/1.0.0`).
// Every value is a tunable with the literature's reason beside it; docs/PRIVACY.md says what the
// simulation measured with them. Invariant: a setting never changes what travels on the wire.

/** Stream protocol of the stem: one stream per envelope, one length-prefixed frame = the envelope's RLP. */
export const STEM_PROTOCOL = '/shh/6/stem/1.0.0';

export interface StemSettings {
  /**
   * Chance that this peer is a diffuser for a whole epoch (it fluffs every envelope relayed to it).
   * Dandelion++ draws the role per node and epoch, not per message, so that an adversary cannot
   * average over many messages of one epoch; the paper analyses q <= 0.2, Monero ships 0.2 and
   * BIP 156 0.1. 0.2 gives stems of 5 hops on average: our hops cross browsers and the public
   * internet (100-200 ms each), and first-spy precision barely depends on q once a stem exists.
   */
  fluffProbability: number;
  /** Stem successors drawn per epoch (Dandelion++'s approximate 4-regular graph: 2 out-edges; Monero: 2). */
  successors: number;
  /** Epoch length: routes and the diffuser role are redrawn this often (Dandelion++, BIP 156, Monero, Grin: 10 min). */
  epochMs: number;
  /** A uniform extra up to this much per epoch, so peers do not all reshuffle at once (Monero: 30 s). */
  epochJitterMs: number;
  /**
   * Embargo = embargoMinMs + Exp(embargoMeanMs), capped by half the envelope's remaining TTL. The
   * exponential part is Dandelion++'s: memoryless timers make every node on a black-holed stem about
   * equally likely to fluff first, so the fluffing node does not point at the origin. The floor is
   * ours: Whisper TTLs are tens of seconds (geth default 50 s), far shorter than a transaction's life,
   * so Monero's 39 s mean would let a dropped envelope die; a 5 s floor still exceeds a 20-hop stem at
   * 200 ms a hop plus the fluff's return, so honest stems (p99 length ~20 at q = 0.2) never trip it.
   */
  embargoMinMs: number;
  embargoMeanMs: number;
  /**
   * A locally originated envelope waits a uniform random delay in [0, releaseDelayMs) before its
   * first stem hop, so the moment a page calls shh_post is not the moment the envelope leaves.
   */
  releaseDelayMs: number;
  /** Deadline to open a stem stream and write the envelope; a failed hop falls back to fluffing here. */
  sendTimeoutMs: number;
  /**
   * Envelopes relayed for others that we hold (each until its embargo or its fluff), at most: beyond
   * it a new one is fluffed at once, which costs that envelope some privacy and loses nothing. Held
   * envelopes are outside the pool's byte bound, so this is what bounds their memory.
   */
  maxHeld: number;
  /** The same, per predecessor: one neighbour cannot take the whole held set. */
  maxHeldPerSender: number;
  /** Bytes (RLP) of the held relayed envelopes, at most. */
  maxHeldBytes: number;
}

export const DEFAULT_STEM_SETTINGS: StemSettings = {
  fluffProbability: 0.2,
  successors: 2,
  epochMs: 10 * 60_000,
  epochJitterMs: 30_000,
  embargoMinMs: 5_000,
  embargoMeanMs: 5_000,
  releaseDelayMs: 1_000,
  sendTimeoutMs: 5_000,
  // An honest predecessor relays part of the network's goal load (100 envelopes a second) for about
  // one embargo (5-10 s): a few hundred held; a relay holds for a few dozen predecessors at a time.
  maxHeld: 4096,
  maxHeldPerSender: 512,
  maxHeldBytes: 64 * 1024 * 1024,
};

/** Defaults overlaid with `partial`, checked: RangeError names the setting. */
export function stemSettings(partial: Partial<StemSettings> = {}): StemSettings {
  const s: StemSettings = { ...DEFAULT_STEM_SETTINGS };
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (s as unknown as Record<string, number>)[k] = v;
  if (!(s.fluffProbability >= 0 && s.fluffProbability <= 1)) throw new RangeError('fluffProbability must be in [0, 1]');
  if (!Number.isInteger(s.successors) || s.successors < 1) throw new RangeError('successors must be an integer >= 1');
  for (const k of ['maxHeld', 'maxHeldPerSender', 'maxHeldBytes'] as const)
    if (!Number.isSafeInteger(s[k]) || s[k] < 0) throw new RangeError(`${k} must be an integer >= 0`);
  for (const k of ['epochMs', 'sendTimeoutMs'] as const)
    if (!(Number.isFinite(s[k]) && s[k] > 0)) throw new RangeError(`${k} must be a positive number`);
  for (const k of ['epochJitterMs', 'embargoMinMs', 'embargoMeanMs', 'releaseDelayMs'] as const)
    if (!(Number.isFinite(s[k]) && s[k] >= 0)) throw new RangeError(`${k} must be a finite number >= 0`);
  return s;
}
