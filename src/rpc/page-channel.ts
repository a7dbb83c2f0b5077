// The page channel (docs/PROTOCOL.md §4) as one defineChannel: the background serves it
// (src/background/pipeline.ts's pageServer, fed by the router), the content bridge checks every frame
// it relays with its guards (src/content/bridge.ts). Its requests are the method table's
// (src/rpc/shh-methods.ts): every ShhMethod, each params guard the table's own, which refuses in
// geth's words; its events carry data guards. The wire is JSON-RPC's: `method`, params optional, and
// any method name is a request, so an unknown one is answered (4100 or 4200) rather than called
// malformed. The MAIN-world end does not use this module (src/rpc/page.ts says why).

import { defineChannel, type ParamsGuard } from './channel.ts';
import { isErrorShape, isNumber, isObject, isSafeId, isString } from './guards.ts';
import { MAX_METHOD_LENGTH, type PageEvents } from './page.ts';
import { methodNames, SHH_METHODS, type ShhMethod } from './shh-methods.ts';

/** geth's params: absent, null, or the positional array (the table's guard says which, and why not). */
export type PageParams = unknown[] | null | undefined;
/** Results are what the shh_* API answers (types/shh.d.ts names them for DApps). */
export type PageRequests = { [M in ShhMethod]: { params: PageParams; result: unknown } };

/** The table's params check as a guard: it throws the method's ParamError (geth's text) on a refusal. */
const tableGuard = (method: ShhMethod): ParamsGuard<PageParams> => (p): p is PageParams => (SHH_METHODS[method].params(p), true);
const requestGuards = Object.fromEntries(methodNames().map((m) => [m, tableGuard(m)])) as { [M in ShhMethod]: ParamsGuard<PageParams> };

const isIdentity = (x: unknown): boolean => isObject(x) && isString(x.id) && isString(x.name) && isString(x.publicKey);

export const pageChannel = defineChannel<PageRequests, PageEvents, 'method'>({
  name: 'page',
  requests: requestGuards,
  events: {
    connect: (d): d is PageEvents['connect'] => isObject(d) && isString(d.shhVersion),
    disconnect: (d): d is PageEvents['disconnect'] => isErrorShape(d),
    identitiesChanged: (d): d is PageEvents['identitiesChanged'] => Array.isArray(d) && d.every(isIdentity),
    shh_subscription: (d): d is PageEvents['shh_subscription'] =>
      isObject(d) && isString(d.subscription) && 'result' in d && (d.seq === undefined || isSafeId(d.seq)),
    shh_postProgress: (d): d is PageEvents['shh_postProgress'] =>
      isObject(d) && isString(d.postId) && isNumber(d.hashes) && isNumber(d.expectedHashes) && isNumber(d.bestPow) && isNumber(d.targetPow) && isNumber(d.elapsedMs),
  },
  wire: {
    key: 'method',
    op: (m): m is string => isString(m) && m.length <= MAX_METHOD_LENGTH,
    // Any params reach the method's guard, which answers as geth does ("non-array args").
    params: () => true,
  },
});
