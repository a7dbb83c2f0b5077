// TypeScript types of `window.shh`, the provider the Whisper extension gives every page (docs/API.md).
// The one source of these types: the package `shh-provider` ships this file, and the repository's
// types/shh.d.ts re-exports it. `import type { ShhProvider } from 'shh-provider'` also types window.shh.
// JSON conventions are geth's: bytes are 0x hex, key and filter ids 64 hex characters without 0x.
// test/types/shh-dts.test.ts keeps the method list equal to the extension's.

/** Bytes as 0x-prefixed hex. */
export type Hex = `0x${string}`;
/** A key pair, symmetric key, filter or identity id: 64 hex characters, no 0x. */
export type Id = string;

/** An identity the user granted this site (shh_requestIdentities, shh_getIdentities). */
export interface Identity {
  id: Id; // works as `sig` in shh_post and as `privateKeyID` in criteria
  name: string;
  publicKey: Hex; // 65 bytes, uncompressed
}

/**
 * shh_getPermissions: this site's grant, in the shape of EIP-2255's wallet_getPermissions. A site has
 * at most one: connected, with the identities it may use as a caveat.
 */
export interface Permission {
  invoker: string; // this site's origin
  parentCapability: 'shh_requestIdentities';
  date: number; // when the user connected the site, ms since 1970
  caveats: { type: 'restrictReturnedIdentities'; value: Id[] }[];
}

/** A received message (subscriptions and shh_getFilterMessages). */
export interface WhisperMessage {
  sig?: Hex; // the signer's public key, present when the message was signed and the signature checked
  recipientPublicKey?: Hex; // present for asymmetric messages
  ttl: number; // seconds
  timestamp: number; // seconds since 1970: when it was sent; it expires at timestamp + ttl
  topic: Hex; // 4 bytes
  payload: Hex;
  padding: Hex;
  pow: number;
  hash: Hex; // the envelope hash, also what shh_post returned to the sender
}

/** shh_post: exactly one of symKeyID / pubKey. */
export interface PostParams {
  symKeyID?: Id;
  pubKey?: Hex;
  sig?: Id; // a key pair id of this site or a granted identity id: signs the message
  ttl?: number; // seconds; 0 or absent means 50
  topic?: Hex; // 4 bytes; required (non-zero) with symKeyID
  payload?: Hex;
  padding?: Hex;
  powTime?: number; // seconds the proof of work may take at most
  powTarget?: number; // at least the node's minimum (shh_info().minPow, 0.2 by default)
  /** Beyond geth: names the post for `postProgress` events and shh_cancelPost; 1-64 of [A-Za-z0-9_-]. */
  postId?: string;
  /**
   * Beyond geth: true sends through the mix layer only, or fails with -32000 naming what is missing;
   * false the plain path (unless the user chose "Always dark"); absent the user's "Send dark by default" (on).
   */
  dark?: boolean;
}

/** shh_subscribe / shh_newMessageFilter: exactly one of symKeyID / privateKeyID. */
export interface Criteria {
  symKeyID?: Id;
  privateKeyID?: Id;
  sig?: Hex; // only messages signed by this public key
  minPow?: number;
  topics?: Hex[]; // required with symKeyID; absent with privateKeyID: every topic
  allowP2P?: boolean;
}

export interface Info {
  memory: number; // bytes of envelopes the extension holds
  messages: number;
  minPow: number;
  maxMessageSize: number;
}

/** Every method a page may call: params (a JSON array) and result. */
export interface ShhMethods {
  shh_version: { params: []; result: string }; // "6.0"
  shh_requestIdentities: { params: []; result: Identity[] }; // opens the approval window
  shh_getIdentities: { params: []; result: Identity[] }; // [] when not connected
  shh_getPermissions: { params: []; result: Permission[] }; // [] when not connected
  /** Disconnects this site (as the user's Revoke does): `identitiesChanged` [] follows, then 4100. */
  shh_revokePermissions: { params: [permissions: { shh_requestIdentities: Record<string, never> }]; result: null };
  shh_info: { params: []; result: Info };
  shh_newKeyPair: { params: []; result: Id };
  shh_addPrivateKey: { params: [privateKey: Hex]; result: Id };
  shh_deleteKeyPair: { params: [id: Id]; result: boolean };
  shh_hasKeyPair: { params: [id: Id]; result: boolean };
  shh_getPublicKey: { params: [id: Id]; result: Hex };
  shh_getPrivateKey: { params: [id: Id]; result: Hex };
  shh_newSymKey: { params: []; result: Id };
  shh_addSymKey: { params: [key: Hex]; result: Id };
  shh_generateSymKeyFromPassword: { params: [password: string]; result: Id };
  shh_hasSymKey: { params: [id: Id]; result: boolean };
  shh_getSymKey: { params: [id: Id]; result: Hex };
  shh_deleteSymKey: { params: [id: Id]; result: boolean };
  shh_post: { params: [message: PostParams]; result: Hex }; // the envelope hash
  shh_subscribe: { params: [kind: 'messages', criteria: Criteria]; result: string };
  shh_unsubscribe: { params: [subscription: string]; result: boolean };
  shh_newMessageFilter: { params: [criteria: Criteria]; result: Id };
  shh_getFilterMessages: { params: [filter: Id]; result: WhisperMessage[] };
  shh_deleteMessageFilter: { params: [filter: Id]; result: boolean };
  net_version: { params: []; result: string };
  net_listening: { params: []; result: boolean };
  net_peerCount: { params: []; result: Hex }; // e.g. "0x3"
  /** Beyond geth: true if a post with this postId was still sealing (it then rejects "post cancelled"). */
  shh_cancelPost: { params: [postId: string]; result: boolean };
}
export type ShhMethod = keyof ShhMethods;

/** Codes of the errors `request` rejects with (docs/API.md, "Errors"). */
export type ShhErrorCode =
  | 4001 // the user rejected (or closed the approval window)
  | 4100 // not connected yet, the extension is locked, or a node setting a page may not change
  | 4200 // unsupported method
  | 4900 // the extension is not reachable from this page
  | -32601 // no such subscription kind (shh_subscribe with anything but "messages")
  | -32600 // invalid request
  | -32602 // invalid params
  | -32603 // internal error
  | -32000; // a Whisper failure, with geth's message text

/** What `request` rejects with. */
export interface ShhProviderError extends Error {
  code: ShhErrorCode | number;
  data?: unknown;
}

export interface SubscriptionMessage {
  type: 'eth_subscription';
  data: { subscription: string; result: WhisperMessage };
}
export interface SubscriptionData {
  jsonrpc: '2.0';
  method: 'shh_subscription';
  params: { subscription: string; result: WhisperMessage };
}

export interface ShhEvents {
  connect: { shhVersion: string }; // the user connected this site
  disconnect: { code: number; message: string }; // the extension went away (it was reloaded or removed)
  identitiesChanged: Identity[]; // a grant changed; [] after a revoke
  message: SubscriptionMessage; // EIP-1193 shape (web3.js listens to it)
  data: SubscriptionData; // the full JSON-RPC notification
  /** Beyond geth: proof-of-work progress of a post that named a postId, at most 4 times a second. */
  postProgress: PostProgress;
}

export interface PostProgress {
  postId: string;
  hashes: number; // nonces tried so far
  expectedHashes: number; // tries needed on average for targetPow (2^leading zero bits): a progress bar's 100%
  bestPow: number; // the best proof of work found so far
  targetPow: number; // the powTarget asked for
  elapsedMs: number;
}

export interface JsonRpcRequest {
  jsonrpc?: '2.0';
  id?: number | string | null;
  method: string;
  params?: unknown[];
}
export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: number | string | null; result: unknown }
  | { jsonrpc: '2.0'; id: number | string | null; error: { code: number; message: string; data?: unknown } };

export interface ShhProvider {
  readonly isWhisper: true;
  /** EIP-1193: resolves to the bare result or rejects with a ShhProviderError. Works unbound. */
  request<M extends ShhMethod>(args: { method: M; params?: ShhMethods[M]['params'] }): Promise<ShhMethods[M]['result']>;
  /** web3.js 1.x and older libraries: a callback gets the full JSON-RPC response (an array for a batch). */
  send(payload: JsonRpcRequest | JsonRpcRequest[], callback: (error: Error | null, response?: JsonRpcResponse | JsonRpcResponse[]) => void): void;
  send(payload: JsonRpcRequest | JsonRpcRequest[]): Promise<JsonRpcResponse | JsonRpcResponse[]>;
  send<M extends ShhMethod>(method: M, params?: ShhMethods[M]['params']): Promise<ShhMethods[M]['result']>;
  sendAsync(payload: JsonRpcRequest | JsonRpcRequest[], callback: (error: Error | null, response?: JsonRpcResponse | JsonRpcResponse[]) => void): void;
  on<E extends keyof ShhEvents>(event: E, listener: (data: ShhEvents[E]) => void): ShhProvider;
  once<E extends keyof ShhEvents>(event: E, listener: (data: ShhEvents[E]) => void): ShhProvider;
  removeListener<E extends keyof ShhEvents>(event: E, listener: (data: ShhEvents[E]) => void): ShhProvider;
}

/** Discovery in the manner of EIP-6963: dispatch `shh:requestProvider`, listen for this. */
export interface ShhProviderDetail {
  info: { uuid: string; name: string; icon: string; rdns: string };
  provider: ShhProvider;
}

declare global {
  interface Window {
    /** Present (from document_start) when the Whisper extension is installed. */
    readonly shh?: ShhProvider;
  }
  interface WindowEventMap {
    'shh:announceProvider': CustomEvent<ShhProviderDetail>;
  }
}
