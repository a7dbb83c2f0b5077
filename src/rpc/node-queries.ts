// Node queries: page methods the node's Whisper service answers, JSON in and JSON out, with no state
// of the page's (no keys, no watchers). Each has one entry here: its params as the page sends them
// (JSON-RPC's positional array) and its JSON result, and one params guard (a missing guard does not
// compile). Their handlers live once, over the Whisper service (src/api/node-queries.ts): the relay
// calls them directly, the extension's background reaches them as peer-channel ops of the same name
// (src/rpc/peer.ts spreads this map and its guards), so a new query needs nothing in NodeProxy, the
// peer server or the relay. Its row in the method table says `handler: 'query'` (src/rpc/shh-methods.ts).

import type { ParamsGuard } from './channel.ts';

/** Each query's params (the page's JSON params) and result (JSON). */
export interface NodeQueries {
  /** Connected libp2p peers, as geth's hex quantity ("0x2"). */
  net_peerCount: { params: []; result: string };
  /** Whether the node's network is up. */
  net_listening: { params: []; result: boolean };
}
export type NodeQueryName = keyof NodeQueries;

/** No arguments (the method table's arity check ran first and said it in geth's words). */
const none = (p: unknown): p is [] => Array.isArray(p) && p.length === 0;

/**
 * The guard of each query's params, run before any service does: false is -32602 "invalid params for
 * <query>", or it throws its own ParamError. The relay's API and the peer server both run it.
 */
export const nodeQueryGuards: { [K in NodeQueryName]: ParamsGuard<NodeQueries[K]['params']> } = {
  net_peerCount: none,
  net_listening: none,
};

/** Whether a name (from the wire) is a query; inherited names are not. */
export const isNodeQuery = (name: string): name is NodeQueryName => Object.hasOwn(nodeQueryGuards, name);
