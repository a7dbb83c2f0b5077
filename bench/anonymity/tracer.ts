// The global passive observer's analysis of a tapped run (mix-world.ts). It sees every transmission's
// send and arrival time, endpoints and size (never contents), knows the protocol (fixed frame size,
// the mixes' exponential delay, paths of `hops` relays, distinct but for an exit that may be the entry
// again, each client's entry relay) and, as a full peer, when and at which relay each envelope first
// appeared in gossip.
// - naive: names the client whose last frame-sized uplink left before the envelope appeared (for the
//   unpadded plain and stem posts: follows envelope-sized bursts back to the first one).
// - tracer: Bayesian timing tracing (Danezis 2004, continuous-time mixes): an output at time s of
//   relay R came from each earlier input at time a with weight f(s - a), f the delay density; the
//   probability is carried back hop by hop (exit: inputs from other relays; last hop before the
//   client: inputs from R's own clients) and summed per client.
// - tracer with a corrupt relay and spy clients: at the corrupt relay the input of each output is
//   known (ground-truth cause); spies' own frames are struck out, and posts by spies are not judged.
// Invariant: nothing here reads a tap's `cause` or `label` except for the corrupt relay's own traffic.

import { FRAME_SIZE } from '../../src/core/mix/constants.ts';
import { WIRE_OVERHEAD, type Tap } from './sim-net.ts';
import type { Post, World } from './mix-world.ts';

export const FRAME_WIRE_BYTES = FRAME_SIZE + 2 + WIRE_OVERHEAD;

/** The delay density up to a constant (it cancels when normalised): exp(-d/mean) on [0, cap]. */
export function delayWeight(d: number, meanMs: number, capMs: number): number {
  return d < 0 || d > capMs ? 0 : Math.exp(-d / meanMs);
}

/** Shannon entropy in bits of a non-negative vector, normalised first; 0 for an empty one. */
export function entropyBits(p: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i]!;
  if (!(sum > 0)) return 0;
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const q = p[i]! / sum;
    if (q > 0) h -= q * Math.log2(q);
  }
  return h;
}

/** 1 + the number of entries strictly above p[i], plus half the ties (1 = top guess). */
export function rankOf(p: ArrayLike<number>, i: number): number {
  let above = 0;
  let ties = 0;
  for (let j = 0; j < p.length; j++) {
    if (j === i) continue;
    if (p[j]! > p[i]!) above++;
    else if (p[j] === p[i]) ties++;
  }
  return 1 + above + ties / 2;
}

export interface Adversary {
  meanDelayMs: number;
  maxDelayMs: number;
  hops: number;
  spies?: ReadonlySet<number>;
  corrupt?: number;
}

/** Frame-sized arrivals at each node, in arrival order. */
export class TapIndex {
  readonly byNode = new Map<number, Tap[]>();
  constructor(taps: readonly Tap[]) {
    for (const t of taps) {
      if (t.bytes !== FRAME_WIRE_BYTES) continue;
      let l = this.byNode.get(t.to);
      if (!l) this.byNode.set(t.to, (l = []));
      l.push(t);
    }
    for (const l of this.byNode.values()) l.sort((a, b) => a.arrived - b.arrived || a.id - b.id);
  }
  /** Arrivals at `node` with arrival time in [from, to]. */
  window(node: number, from: number, to: number): Tap[] {
    const l = this.byNode.get(node) ?? [];
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (l[m]!.arrived < from) lo = m + 1;
      else hi = m;
    }
    const out: Tap[] = [];
    for (let i = lo; i < l.length && l[i]!.arrived <= to; i++) out.push(l[i]!);
    return out;
  }
}

/** The tracer's posterior over clients (indexed like world.clients) for each mix post it judges. */
export class Tracer {
  readonly #w: World;
  readonly #a: Adversary;
  readonly #idx: TapIndex;
  readonly #slot = new Map<number, number>();
  readonly #relays: Set<number>;
  readonly #memo = new Map<string, Float64Array>();
  readonly #byId: readonly Tap[];

  constructor(world: World, adversary: Adversary, index = new TapIndex(world.taps)) {
    this.#w = world;
    this.#a = adversary;
    this.#idx = index;
    this.#byId = world.taps;
    world.clients.forEach((c, i) => this.#slot.set(c, i));
    this.#relays = new Set(world.relays);
  }

  posterior(p: Post): Float64Array {
    const n = this.#w.clients.length;
    const seen = p.seen!;
    const out = new Float64Array(n);
    const cands = this.#inputs(seen.at, seen.t, this.#a.hops, undefined, seen.cause);
    for (const [tap, w] of cands) {
      const v = this.#a.hops === 1 ? this.#origin(tap) : this.#dist(tap, this.#a.hops - 1);
      for (let i = 0; i < n; i++) out[i]! += w * v[i]!;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += out[i]!;
    if (sum > 0) for (let i = 0; i < n; i++) out[i]! /= sum;
    else out.fill(1 / n); // nothing consistent: the tracer learnt nothing
    return out;
  }

  /** Where the frame that left relay `d.from` on tap `d` came from, `k` hops from its client. */
  #dist(d: Tap, k: number): Float64Array {
    const key = `${d.id}:${k}`;
    const had = this.#memo.get(key);
    if (had) return had;
    const out = new Float64Array(this.#w.clients.length);
    for (const [tap, w] of this.#inputs(d.from, d.sent, k, d.to, d.cause)) {
      const v = k === 1 ? this.#origin(tap) : this.#dist(tap, k - 1);
      for (let i = 0; i < out.length; i++) out[i]! += w * v[i]!;
    }
    this.#memo.set(key, out);
    return out;
  }

  /** A one-hot vector for a client's uplink (zero for a spy's own frame). */
  #origin(tap: Tap): Float64Array {
    const out = new Float64Array(this.#w.clients.length);
    if (!this.#a.spies?.has(tap.from)) out[this.#slot.get(tap.from)!] = 1;
    return out;
  }

  /**
   * Candidate inputs, with normalised weights, of an output of `relay` at time `s`, `k` hops from its
   * client (k = 1: the relay's own clients' uplinks; else other relays, weighed by the path rule's prior). At the corrupt
   * relay the true input (`cause`) alone, if it is a candidate at all.
   */
  #inputs(relay: number, s: number, k: number, next: number | undefined, cause: number | undefined): Array<[Tap, number]> {
    const ok = (t: Tap) => (k === 1 ? !this.#relays.has(t.from) && this.#w.entryOf.get(t.from) === relay : this.#relays.has(t.from));
    // The path rule (src/net/mix/path.ts): hops distinct, except that the exit may be the entry again.
    // So at the second hop of three an input may come from the exit itself, but less likely a priori:
    // given entry and exit, the middle is drawn from the R - 1 relays that are neither when they are
    // one relay, from R - 2 when they differ.
    const prior = (t: Tap): number => (k !== 2 || next === undefined || this.#a.hops !== 3 ? 1 : 1 / Math.max(1, this.#relays.size - (t.from === next ? 1 : 2)));
    if (relay === this.#a.corrupt) {
      const t = cause === undefined ? undefined : this.#byId[cause];
      return t && t.to === relay && t.bytes === FRAME_WIRE_BYTES && ok(t) ? [[t, 1]] : [];
    }
    const { meanDelayMs: mean, maxDelayMs: cap } = this.#a;
    const all = this.#idx.window(relay, s - cap, s);
    let z = 0;
    const ws = all.map((t) => {
      const w = delayWeight(s - t.arrived, mean, cap);
      z += w;
      return w;
    });
    const out: Array<[Tap, number]> = [];
    if (z > 0) all.forEach((t, i) => ok(t) && ws[i]! > 0 && out.push([t, (prior(t) * ws[i]!) / z]));
    return out;
  }
}

/** The naive adversary's ranking: clients by how recently their last frame-sized uplink left before `t`. */
export function naiveScores(world: World, t: number, index: TapIndex): Float64Array {
  const out = new Float64Array(world.clients.length);
  world.clients.forEach((c, i) => {
    const l = index.window(world.entryOf.get(c)!, t - 60_000, t).filter((x) => x.from === c && x.sent <= t);
    out[i] = l.length === 0 ? 0 : 1 / (1 + t - l[l.length - 1]!.sent);
  });
  return out;
}

/** For an unpadded post: follow bursts of its size back from where it appeared to the client that sent the first. */
export function firstSender(world: World, p: Post): number | undefined {
  const size = world.taps[p.seen!.cause!]!.bytes;
  let tap: Tap | undefined = world.taps[p.seen!.cause!];
  const relays = new Set(world.relays);
  for (let hop = 0; tap && relays.has(tap.from) && hop < 10; hop++) {
    const at = tap.from;
    const before: number = tap.sent;
    tap = world.taps.filter((x) => x.to === at && x.bytes === size && x.arrived <= before).at(-1);
  }
  return tap?.from;
}
