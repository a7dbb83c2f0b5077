// Per-epoch stem routes (Dandelion++ §4, Fanti et al. 2018): each epoch a peer draws its role
// (diffuser with probability q, else relayer) and `successors` stem peers; every predecessor is
// bound to one successor for the whole epoch (pseudorandom forwarding), and the peer's own envelopes
// always take one fixed successor. Pure over peer id strings, with injected randomness and clock.

import type { StemClock } from './clock.ts';
import type { Random } from './random.ts';
import type { StemSettings } from './settings.ts';

export type StemDecision = { kind: 'stem'; to: string } | { kind: 'fluff'; reason: 'diffuser' | 'no-successor' };

export interface RouteSnapshot {
  epoch: number;
  diffuser: boolean;
  successors: string[];
  own: string | undefined;
}

export class StemRoutes {
  readonly #settings: StemSettings;
  readonly #random: Random;
  readonly #clock: StemClock;
  #epoch = 0;
  #epochEnd = -Infinity;
  #diffuser = false;
  #successors: string[] = [];
  #own: string | undefined;
  readonly #byPredecessor = new Map<string, string>();

  constructor(settings: StemSettings, random: Random, clock: StemClock) {
    this.#settings = settings;
    this.#random = random;
    this.#clock = clock;
  }

  /**
   * Brings the routes up to date against the peers we can stem to now: a new epoch redraws
   * everything; within an epoch only successors that left are replaced (and their bindings dropped),
   * so a connection churn does not reshuffle the routes an adversary could compare across messages.
   */
  update(candidates: readonly string[]): void {
    const now = this.#clock.now();
    if (now >= this.#epochEnd) {
      this.#epoch++;
      this.#epochEnd = now + this.#settings.epochMs + this.#random.float() * this.#settings.epochJitterMs;
      this.#diffuser = this.#random.chance(this.#settings.fluffProbability);
      this.#successors = [];
      this.#own = undefined;
      this.#byPredecessor.clear();
    }
    const live = new Set(candidates);
    const kept = this.#successors.filter((s) => live.has(s));
    if (kept.length < this.#successors.length) {
      for (const [pred, succ] of this.#byPredecessor) if (!live.has(succ)) this.#byPredecessor.delete(pred);
      if (this.#own !== undefined && !live.has(this.#own)) this.#own = undefined;
    }
    const missing = this.#settings.successors - kept.length;
    if (missing > 0) {
      const fresh = this.#random.sample(candidates.filter((c) => !kept.includes(c)), missing);
      this.#successors = [...kept, ...fresh];
    } else this.#successors = kept;
    if (this.#own === undefined && this.#successors.length > 0)
      this.#own = this.#successors[this.#random.int(this.#successors.length)];
  }

  /** Where our own envelope goes: always on the stem (Dandelion++), whatever our role this epoch. */
  forOwn(candidates: readonly string[]): StemDecision {
    this.update(candidates);
    return this.#own === undefined ? { kind: 'fluff', reason: 'no-successor' } : { kind: 'stem', to: this.#own };
  }

  /**
   * Where an envelope relayed to us by `from` goes. A diffuser fluffs. A relayer sends it to the
   * successor bound to `from`, preferring one that is not `from` itself (a two-hop bounce would tell
   * `from` that we are a relayer and nothing else).
   */
  forRelay(from: string, candidates: readonly string[]): StemDecision {
    this.update(candidates);
    if (this.#diffuser) return { kind: 'fluff', reason: 'diffuser' };
    let to = this.#byPredecessor.get(from);
    if (to === undefined) {
      const others = this.#successors.filter((s) => s !== from);
      const pool = others.length > 0 ? others : this.#successors;
      if (pool.length === 0) return { kind: 'fluff', reason: 'no-successor' };
      to = pool[this.#random.int(pool.length)]!;
      this.#byPredecessor.set(from, to);
    }
    return { kind: 'stem', to };
  }

  snapshot(): RouteSnapshot {
    return { epoch: this.#epoch, diffuser: this.#diffuser, successors: [...this.#successors], own: this.#own };
  }
}
