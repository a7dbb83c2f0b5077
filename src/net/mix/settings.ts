// The mix layer's protocol name and tunables with their defaults (docs/PRIVACY.md, "The mix layer",
// gives the reasoning for each). Invariant: every tunable is validated here, once.

export const MIX_PROTOCOL = '/shh/6/mix/1.0.0';

export interface MixSettings {
  /** Mean of the exponential delay a mix holds each frame for (Loopix's Poisson mixing). */
  meanDelayMs: number;
  /** A frame is never held longer than this (the tail of the exponential is cut here). */
  maxDelayMs: number;
  /** How long one mix key is the current key. */
  keyPeriodMs: number;
  /** How long a key is still honoured after its period, for frames made just before the rotation. */
  keyGraceMs: number;
  /** Replay tags kept per key; when full, the key's frames are refused until it rotates. */
  replayEntries: number;
  /** Partial envelopes an exit holds, in bytes, and for how long. */
  reassemblyBytes: number;
  reassemblyTtlMs: number;
  /** Frames held in delay at once (all senders); beyond it new frames are dropped. */
  maxHeld: number;
  /** Deadline for opening a stream and writing one frame to the next hop. */
  sendTimeoutMs: number;
}

export const MIX_DEFAULTS: MixSettings = {
  meanDelayMs: 1500,
  maxDelayMs: 20_000,
  keyPeriodMs: 60 * 60 * 1000,
  keyGraceMs: 10 * 60 * 1000,
  replayEntries: 1 << 20,
  reassemblyBytes: 8 * 1024 * 1024,
  reassemblyTtlMs: 5 * 60 * 1000,
  maxHeld: 20_000,
  sendTimeoutMs: 10_000,
};

export function mixSettings(over: Partial<MixSettings> = {}): MixSettings {
  const s = { ...MIX_DEFAULTS, ...over };
  for (const [k, v] of Object.entries(s)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`mix setting ${k} must be a finite number >= 0`);
  }
  if (s.keyPeriodMs <= 0) throw new RangeError('keyPeriodMs must be positive');
  if (s.maxDelayMs < s.meanDelayMs) throw new RangeError('maxDelayMs must be at least meanDelayMs');
  return s;
}

/** A mix client's tunables (docs/PRIVACY.md, "The mix layer", Clients). */
export interface MixClientSettings {
  /** Frames per second, real and cover together: about 253 B/s of upload at 1054 wire bytes a frame. */
  rateHz: number;
  /** Share of cover frames that are loops (the rest are drops). */
  loopShare: number;
  /** Mixes on a path (fewer only where fewer relays exist, and then reported). */
  hops: number;
  /** A loop not back by then is counted lost: three capped delays, a tick's worth of slack, transit. */
  loopTimeoutMs: number;
}

export const MIX_CLIENT_DEFAULTS: MixClientSettings = {
  rateHz: 0.24,
  loopShare: 0.5,
  hops: 3,
  loopTimeoutMs: 90_000,
};
