// The pipeline's quota step (docs/API.md "Limits"): what each quota of the method table
// (src/rpc/shh-methods.ts) allows one site. Refusals are immediate -32000 errors naming the limit;
// nothing is queued or half done.

import { whisperFailure } from '../rpc/errors.ts';
import type { Quota } from '../rpc/shh-methods.ts';
import { MAX_KEYS_PER_ORIGIN, MAX_WATCHERS_PER_ORIGIN } from './origin-scope.ts';

export interface QuotaCounts {
  /** Keys (pairs and symmetric) the origin holds now. */
  keys(origin: string): Promise<number>;
  /** Live subscriptions and filters of the origin, every document together. */
  watchers(origin: string): number;
  /**
   * Room for one more stored watcher row: rows of closed frames count too, and the longest-detached
   * make room (src/store/watchers.ts); false when the origin's rows are all live.
   */
  watcherRoom(origin: string, max: number): Promise<boolean>;
}

export function siteQuotas(counts: QuotaCounts): (origin: string, quota: Quota) => Promise<void> {
  return async (origin, quota) => {
    switch (quota) {
      case 'keys':
        if ((await counts.keys(origin)) >= MAX_KEYS_PER_ORIGIN) throw whisperFailure(`too many keys for this site: at most ${MAX_KEYS_PER_ORIGIN}; delete some first`);
        return;
      case 'watchers':
        if (counts.watchers(origin) >= MAX_WATCHERS_PER_ORIGIN || !(await counts.watcherRoom(origin, MAX_WATCHERS_PER_ORIGIN)))
          throw whisperFailure(`too many subscriptions and filters for this site: at most ${MAX_WATCHERS_PER_ORIGIN}; remove some first`);
        return;
      case 'seals':
        // Drawn when sealing starts (the SealScheduler behind LimitedNode): only then is it known
        // whether the post needs any work at all.
        return;
    }
  };
}
