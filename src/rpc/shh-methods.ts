// The one table of page-facing methods (docs/API.md "Methods"): for each, who may call it, whether it
// answers while the vault is locked, whether it waits behind the Port's earlier requests, which
// quota it draws on, what it counts in the site's activity, who answers it and its params guard.
// The background router runs one pipeline over it (src/background/pipeline.ts); the shh_* API
// registers its handlers against it (src/api/shh.ts); types/shh.d.ts is checked against it in a test.

import { invalidParams, RPC, RpcError } from './errors.ts';
import type { NodeQueryName } from './node-queries.ts';

/**
 * 'open': answers before the user connected the site. 'site': a connected site only (4100 before).
 * 'user': a node setting, the user's in the extension (4100 to every page); a node admin (the relay's
 * operator) may call it.
 */
export type Access = 'open' | 'site' | 'user';
/** 'queue': runs after the Port's earlier requests, one at a time. 'now': answered at once. */
export type Order = 'queue' | 'now';
/** What a call takes from the site's limits (docs/API.md "Limits"). */
export type Quota = 'keys' | 'watchers' | 'seals';
/** What a successful call adds to the site's activity record (popup → Sites). */
export type SiteActivity = 'posted' | 'received';
/**
 * 'extension': the background answers (identities, permissions). 'node': the shh_* API over a node.
 * 'query': a node query (src/rpc/node-queries.ts), which the shh_* API hands to the node's Whisper
 * service as it is, with no code of its own: JSON in, JSON out.
 */
export type Handler = 'extension' | 'node' | 'query';

export interface MethodSpec {
  access: Access;
  whileLocked: boolean;
  order: Order;
  quota?: Quota;
  activity?: SiteActivity;
  handler: Handler;
  /** geth's arity: the positional arguments it takes at most. */
  arity: number;
  /** Checks the JSON params before dispatch: an array (or nothing) of at most `arity` items; ParamError otherwise. */
  params: (params: unknown) => unknown[];
}

/**
 * geth's positional arguments (rpc/json.go parsePositionalArguments): absent or null is none; anything
 * but an array is "non-array args"; more than `arity` is "too many arguments, want at most N"; fewer is
 * "missing value for required argument i" (every argument of a geth method is required).
 */
export function positional(arity: number): (params: unknown) => unknown[] {
  return (params) => {
    const a = params === undefined || params === null ? [] : params;
    if (!Array.isArray(a)) throw invalidParams('non-array args');
    if (a.length > arity) throw invalidParams(`too many arguments, want at most ${arity}`);
    if (a.length < arity) throw invalidParams(`missing value for required argument ${a.length}`);
    return a;
  };
}

/**
 * geth's subscription call (rpc/handler.go handleSubscribe): the kind's name first, as a string, then
 * only "messages" exists in the shh namespace (-32601 for any other), then the positional rules.
 */
export function subscription(arity: number): (params: unknown) => unknown[] {
  const rest = positional(arity);
  return (params) => {
    if (!Array.isArray(params)) throw invalidParams('non-array args');
    const name: unknown = params[0];
    if (typeof name !== 'string') throw invalidParams('expected subscription name as first argument');
    if (name !== 'messages') throw new RpcError(RPC.methodNotFound, `no ${JSON.stringify(name)} subscription in shh namespace`);
    return rest(params);
  };
}

type Given = Pick<MethodSpec, 'access'> & Partial<Omit<MethodSpec, 'arity' | 'params'>>;
/** A spec whose given fields keep their literal types, so the method groups below can be derived. */
function spec<const S extends Given>(arity: number, s: S): MethodSpec & S {
  return { whileLocked: false, order: 'queue', handler: 'node', ...s, arity, params: positional(arity) };
}
const site = <const S extends Partial<Pick<MethodSpec, 'quota' | 'activity' | 'order' | 'handler'>>>(arity: number, s?: S) => spec(arity, { access: 'site', ...(s as S) });
const setting = () => spec(1, { access: 'user' });

export const SHH_METHODS = {
  shh_version: spec(0, { access: 'open', whileLocked: true }),
  shh_requestIdentities: spec(0, { access: 'open', handler: 'extension', whileLocked: true }), // locked: the window asks for the password
  shh_getIdentities: spec(0, { access: 'open', handler: 'extension' }),
  // Beyond geth, after EIP-2255's wallet_getPermissions / wallet_revokePermissions (docs/API.md):
  // a site reads its own grant, or disconnects itself.
  shh_getPermissions: spec(0, { access: 'open', handler: 'extension' }),
  shh_revokePermissions: spec(1, { access: 'open', handler: 'extension' }),
  shh_info: site(0),
  shh_setMaxMessageSize: setting(),
  shh_setMinPoW: setting(),
  shh_markTrustedPeer: setting(),
  shh_setBloomFilter: setting(),
  shh_newKeyPair: site(0, { quota: 'keys' }),
  shh_addPrivateKey: site(1, { quota: 'keys' }),
  shh_deleteKeyPair: site(1),
  shh_hasKeyPair: site(1),
  shh_getPublicKey: site(1),
  shh_getPrivateKey: site(1),
  shh_newSymKey: site(0, { quota: 'keys' }),
  shh_addSymKey: site(1, { quota: 'keys' }),
  shh_generateSymKeyFromPassword: site(1, { quota: 'keys' }),
  shh_hasSymKey: site(1),
  shh_getSymKey: site(1),
  shh_deleteSymKey: site(1),
  shh_post: site(1, { quota: 'seals', activity: 'posted' }),
  // Beyond geth (docs/API.md): cancels a post that is still sealing; it must not wait behind that post.
  shh_cancelPost: site(1, { order: 'now' }),
  shh_subscribe: { ...site(2, { quota: 'watchers' }), params: subscription(2) },
  shh_unsubscribe: site(1),
  shh_newMessageFilter: site(1, { quota: 'watchers' }),
  shh_getFilterMessages: site(1, { activity: 'received' }),
  shh_deleteMessageFilter: site(1),
  net_version: site(0),
  net_listening: site(0, { handler: 'query' }),
  net_peerCount: site(0, { handler: 'query' }),
} satisfies Record<string, MethodSpec>;

export type ShhMethod = keyof typeof SHH_METHODS;
type Where<P extends Partial<MethodSpec>> = { [K in ShhMethod]: (typeof SHH_METHODS)[K] extends P ? K : never }[ShhMethod];
/** Methods the shh_* API over a node answers (the relay's whole RPC set, the extension's per-site API). */
export type NodeMethod = Exclude<ShhMethod, ExtensionMethod>;
/** Node settings: registered only where a node admin exists. */
export type AdminMethod = Where<{ access: 'user' }>;
/** Methods the extension's background answers itself. */
export type ExtensionMethod = Where<{ handler: 'extension' }>;
/** Node queries: answered by the node's Whisper service through the NodeQuery role. */
export type QueryMethod = Where<{ handler: 'query' }>;
/** A 'query' row needs a query of its name in src/rpc/node-queries.ts, or this does not compile. */
export const QUERY_ROWS_ARE_QUERIES: QueryMethod extends NodeQueryName ? true : never = true;
/** What a page may call and get an answer from: every method but the node settings. */
export type PageMethod = Exclude<ShhMethod, AdminMethod>;

export const methodNames = (): ShhMethod[] => Object.keys(SHH_METHODS) as ShhMethod[];

/** The spec of a method name from the wire; undefined for anything not in the table (or inherited). */
export function methodSpec(method: string): MethodSpec | undefined {
  return Object.hasOwn(SHH_METHODS, method) ? SHH_METHODS[method as ShhMethod] : undefined;
}
