// What of a page's shh_subscribe / shh_newMessageFilter params is kept to replay the watcher: the
// criteria fields geth reads (symKeyID, privateKeyID, sig, minPow, topics, allowP2P) and nothing else,
// so a row never holds the rest of a request of up to 2 MiB. Pure: used when a watcher is made and by
// the schema-4 upgrade of older rows. Values are kept as given; the ShhApi judges them.

export const CRITERIA_FIELDS = ['symKeyID', 'privateKeyID', 'sig', 'minPow', 'topics', 'allowP2P'] as const;

const isPlain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The criteria object with only the fields geth reads; anything else is returned as is (and refused by the ShhApi). */
export function normaliseCriteria(c: unknown): unknown {
  if (!isPlain(c)) return c;
  const out: Record<string, unknown> = {};
  for (const k of CRITERIA_FIELDS) if (Object.hasOwn(c, k)) out[k] = c[k];
  return out;
}

/** A watcher's params as replayed: subscriptions `[kind, criteria]`, filters `[criteria]`; extra params dropped. */
export function normaliseWatcherParams(kind: 'subscription' | 'filter', params: readonly unknown[]): unknown[] {
  return kind === 'subscription' ? [params[0], normaliseCriteria(params[1])] : [normaliseCriteria(params[0])];
}
