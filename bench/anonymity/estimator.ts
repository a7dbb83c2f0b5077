// The first-spy estimator (Dandelion++ §3, Fanti et al. 2018) over recorded traces: colluding spies
// name, for each envelope, the neighbour that handed it to the earliest spy. Precision is the share
// of envelopes from honest origins whose origin it names. Spies are passive (they follow the
// protocol), so one run recorded at every peer serves every spy set: the spy set is chosen afterwards.

export interface Arrival {
  /** ms (wall clock of the run) */
  t: number;
  /** index of the peer that handed it over; -1 when none did (own post, fluffed here, sync) */
  from: number;
}

export interface Trace {
  origin: number;
  mode: 'gossip' | 'stem';
  /** publish() time, ms */
  t0: number;
  /** first arrival at each peer, by peer index */
  first: Array<Arrival | undefined>;
}

/** Correct guesses and envelopes judged (those whose origin is not a spy). */
export function firstSpy(traces: readonly Trace[], spies: ReadonlySet<number>): { correct: number; judged: number } {
  let correct = 0;
  let judged = 0;
  for (const tr of traces) {
    if (spies.has(tr.origin)) continue;
    judged++;
    let best: Arrival | undefined;
    for (const s of spies) {
      const a = tr.first[s];
      if (a && (!best || a.t < best.t)) best = a;
    }
    if (best && best.from === tr.origin) correct++;
  }
  return { correct, judged };
}

/** The q-quantile of xs (nearest rank); NaN for none. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
