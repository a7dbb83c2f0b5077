// Bounded fuzzing of the decoders a hostile peer or page reaches: a seeded xorshift drives
// purely random inputs and mutations of valid samples. Each case must decode or be refused (WhisperError,
// TypeError, RangeError); any other throw, a case slower than `hangMs`, or a result far larger than its
// input is a crash, recorded with its input shrunk to a minimal one that still fails the same way.
// Every 1000 cases the intact samples are run again: a changed outcome means hidden state was corrupted.

import { WhisperError } from '../../src/core/errors.ts';

/** Seeded xorshift32: deterministic, never for secrets. */
export class Rng {
  #x: number;
  constructor(seed: number) {
    this.#x = seed | 0 || 1;
  }
  next(): number {
    let x = this.#x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#x = x;
    return x >>> 0;
  }
  /** Uniform in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
  /** Lengths skewed to the small, up to `max`: short inputs hit headers, long ones hit caps. */
  length(max: number): number {
    return this.int(Math.min(max, 1 << this.int(12)) + 1);
  }
}

export interface Target<I> {
  readonly name: string;
  readonly samples: readonly I[];
  random(rng: Rng): I;
  mutate(rng: Rng, sample: I): I;
  /** Runs the decoder; returns an outcome label ('accept', 'ignore:…') or throws. */
  run(input: I): string;
  /** Input size in bytes (or JSON-ish weight), to bound the result's footprint. */
  size(input: I): number;
  /** Smaller variants of a failing input, for shrinking. */
  shrink?(input: I): Iterable<I>;
  /** Measures what the decoder returned; defaults to 'accept' and no footprint check. */
  footprint?(input: I): number;
}

export interface Crash {
  /** 'state': an intact sample's outcome changed mid-run, i.e. some earlier input corrupted shared state. */
  kind: 'throw' | 'hang' | 'alloc' | 'state';
  detail: string;
  input: unknown;
}

export interface Report {
  target: string;
  cases: number;
  accepted: number;
  /** Outcome label → count: 'accept', 'ignore:…', 'reject:<code>' (a verdict), '<code>' / 'TypeError' / 'RangeError' (a throw). */
  outcomes: Map<string, number>;
  crashes: Crash[];
  maxCaseMs: number;
}

export interface RunOptions {
  cases: number;
  seed: number;
  /** A case slower than this is a hang. Off by default: tests do not time things. */
  hangMs?: number;
  /** Called every 1000 cases (the bench samples the heap here). */
  onTick?: () => void;
}

/** Results larger than this multiple of the input (plus a constant) count as runaway allocation. */
const ALLOC_FACTOR = 16;
const ALLOC_SLACK = 4096;

/** Rough bytes held by a decoded result: byte strings, arrays, objects; views count their length. */
export function footprint(x: unknown, depth = 0): number {
  if (depth > 32) return Infinity;
  if (x instanceof Uint8Array) return x.length;
  if (typeof x === 'string') return x.length;
  if (typeof x !== 'object' || x === null) return 8;
  if (Array.isArray(x)) return x.reduce((n: number, v) => n + 8 + footprint(v, depth + 1), 8);
  const b = (x as { bytes?: unknown }).bytes;
  if (b instanceof Uint8Array) return b.length; // a Multiaddr
  let n = 8;
  for (const v of Object.values(x)) n += 8 + footprint(v, depth + 1);
  return n;
}

/** The refusal label of a thrown value, or undefined when the throw is a crash. */
export function refusal(e: unknown): string | undefined {
  if (e instanceof WhisperError) return e.code;
  if (e instanceof TypeError || e instanceof RangeError) return e.name;
  return undefined;
}

type Outcome = { label: string } | { crash: Omit<Crash, 'input'> };

function once<I>(t: Target<I>, input: I, hangMs: number | undefined): Outcome & { ms: number } {
  const t0 = performance.now();
  let out: Outcome;
  try {
    const label = t.run(input);
    const fp = t.footprint?.(input) ?? 0;
    out =
      fp > ALLOC_FACTOR * t.size(input) + ALLOC_SLACK
        ? { crash: { kind: 'alloc', detail: `result of ${fp} bytes from ${t.size(input)}` } }
        : { label };
  } catch (e) {
    const r = refusal(e);
    out = r !== undefined ? { label: r } : { crash: { kind: 'throw', detail: String((e as Error)?.stack ?? e).slice(0, 400) } };
  }
  const ms = performance.now() - t0;
  if (!('crash' in out) && hangMs !== undefined && ms > hangMs) out = { crash: { kind: 'hang', detail: `${ms.toFixed(0)} ms` } };
  return { ...out, ms };
}

/** Byte-level shrinking: drop halves, quarters, … then single bytes, while the same kind of crash holds. */
export function* shrinkBytes(b: Uint8Array): Iterable<Uint8Array> {
  for (let chunk = b.length >> 1; chunk >= 1; chunk >>= 1)
    for (let at = 0; at + chunk <= b.length; at += chunk) {
      const out = new Uint8Array(b.length - chunk);
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + chunk), at);
      yield out;
    }
}

function minimise<I>(t: Target<I>, input: I, kind: Crash['kind'], hangMs: number | undefined): I {
  let best = input;
  for (let budget = 2000, progress = true; progress && budget > 0; ) {
    progress = false;
    for (const smaller of t.shrink?.(best) ?? []) {
      if (--budget <= 0) break;
      const o = once(t, smaller, hangMs);
      if ('crash' in o && o.crash.kind === kind) {
        best = smaller;
        progress = true;
        break;
      }
    }
  }
  return best;
}

export function fuzz<I>(t: Target<I>, opts: RunOptions): Report {
  const rng = new Rng(opts.seed);
  const report: Report = { target: t.name, cases: opts.cases, accepted: 0, outcomes: new Map(), crashes: [], maxCaseMs: 0 };
  const label = (x: I): string => {
    const o = once(t, x, undefined);
    return 'crash' in o ? `crash:${o.crash.kind}` : o.label;
  };
  const baseline = t.samples.map(label).join();
  let stateOk = true;
  const checkState = (i: number, last: I): void => {
    if (!stateOk || t.samples.map(label).join() === baseline) return;
    stateOk = false;
    report.crashes.push({ kind: 'state', detail: `intact samples decode differently after case ${i}; last input attached`, input: last });
  };
  for (let i = 0; i < opts.cases; i++) {
    // A quarter purely random, the rest mutants of a valid sample (one in 16 left intact).
    const r = rng.int(16);
    const input = r < 4 || t.samples.length === 0 ? t.random(rng) : r === 4 ? rng.pick(t.samples) : t.mutate(rng, rng.pick(t.samples));
    const o = once(t, input, opts.hangMs);
    report.maxCaseMs = Math.max(report.maxCaseMs, o.ms);
    if ('crash' in o) {
      if (report.crashes.length < 5) report.crashes.push({ ...o.crash, input: minimise(t, input, o.crash.kind, opts.hangMs) });
    } else {
      if (o.label === 'accept') report.accepted++;
      report.outcomes.set(o.label, (report.outcomes.get(o.label) ?? 0) + 1);
    }
    if (i % 1000 === 999) {
      checkState(i, input);
      opts.onTick?.();
    }
  }
  if (opts.cases > 0) checkState(opts.cases - 1, t.samples[0] as I);
  return report;
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xb7, 0xb8, 0xb9, 0xbb, 0xbf, 0xc0, 0xc1, 0xf7, 0xf8, 0xf9, 0xfb, 0xff];

/** One to three of: bit flips, truncation, extension, byte insertion, deletion, splice, length-field tampering. */
export function mutateBytes(rng: Rng, src: Uint8Array): Uint8Array {
  let b: Uint8Array = src.slice();
  for (let k = 1 + rng.int(3); k > 0; k--) {
    const at = rng.int(b.length + 1);
    switch (rng.int(7)) {
      case 0: // bit flips
        for (let j = 1 + rng.int(4); j > 0 && b.length > 0; j--) b[rng.int(b.length)]! ^= 1 << rng.int(8);
        break;
      case 1: // truncation
        b = b.slice(0, at);
        break;
      case 2: // extension
        b = concat(b, rng.bytes(1 + rng.length(256)));
        break;
      case 3: // insertion
        b = concat(b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at));
        break;
      case 4: // deletion
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(8))));
        break;
      case 5: // splice random bytes over a range
        b.set(rng.bytes(Math.min(b.length - Math.min(at, b.length), 1 + rng.int(16))), Math.min(at, b.length));
        break;
      default: {
        // length-field tampering: an RLP / varint header byte, often followed by huge length bytes
        if (b.length === 0) break;
        const p = rng.int(4) === 0 ? 0 : rng.int(b.length);
        b[p] = rng.pick(INTERESTING);
        for (let j = 1; j <= rng.int(5) && p + j < b.length; j++) b[p + j] = rng.pick([0xff, 0x00, 0x80, 0x7f]);
      }
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A byte-input target from a decoder, its valid samples, and the largest random input worth trying. */
export function bytesTarget(
  name: string,
  samples: readonly Uint8Array[],
  run: (b: Uint8Array) => unknown,
  maxRandom = 4096,
): Target<Uint8Array> {
  let last: unknown;
  return {
    name,
    samples,
    random: (rng) => rng.bytes(rng.length(maxRandom)),
    mutate: mutateBytes,
    run: (b) => {
      last = undefined;
      const r = run(b);
      last = r;
      // Verdict-shaped results (validate, checkAnnouncement) label themselves.
      if (typeof r === 'object' && r !== null && 'kind' in r) {
        const v = r as { kind: string; reason?: string; error?: WhisperError };
        if (v.kind === 'reject') return `reject:${v.error?.code}`;
        if (v.kind === 'ignore') return `ignore:${v.reason}`;
      }
      return 'accept';
    },
    size: (b) => b.length,
    shrink: shrinkBytes,
    footprint: () => footprint(last),
  };
}
