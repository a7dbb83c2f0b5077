// The peer channel: background (keys, permissions, routing) <-> the peer host (the libp2p node,
// envelope store and PoW workers). Chrome: the offscreen document connects a runtime Port named
// PEER_PORT to the service worker and reconnects whenever the worker restarts. Firefox: both live in
// the background page and the channel is an in-process object with the same interface.
// Bytes are 0x hex: Chrome's runtime messaging serialises to JSON.

import { isHex, isNumber, isObject, isSafeId, isString, isStringArray } from './guards.ts';
import { nodeQueryGuards, type NodeQueries } from './node-queries.ts';

export const PEER_PORT = 'shh-peer';

export interface PeerStatus {
  started: boolean;
  peerId: string;
  peers: number; // connected libp2p peers
  relays: { addr: string; connected: boolean }[];
  envelopes: number;
  bytes: number;
  minPow: number;
  maxSize: number;
  /** What the peer holds posts and validation to: minPow raised to its relays' announced requirement. */
  effectiveMinPow?: number;
  /** Dark sending (the mix layer); absent from a peer that has none. */
  dark?: DarkStatus;
}

/**
 * The mix client's state (docs/PRIVACY.md, "The mix layer"). `enabled`: the user's settings want it
 * running; `running`: its send clock runs; `hops`: the hops a path would have now (0: no path),
 * `wantHops` what the settings ask for; `missing`: why a dark post would fail now, in words.
 */
export interface DarkStatus {
  enabled: boolean;
  running: boolean;
  rateHz: number;
  frameBytes: number;
  /** What the clock costs in upload, real and cover frames together: rate × frame size × 3600. */
  bytesPerHour: number;
  hops: number;
  wantHops: number;
  /** Relays whose signed mix key the client holds now. */
  relaysKnown: number;
  missing?: string;
  /** Dark posts handed to the mix client since the peer started. */
  posted: number;
  /** The client's loop cover, sent and back (a loop that never comes back means a dropped frame). */
  loopsSent: number;
  loopsBack: number;
}

export interface SealRequest {
  expiry: number;
  ttl: number;
  topic: string; // 0x + 8 hex
  data: string; // hex
  target: number;
  timeMs: number;
}

/**
 * Requests the background sends and what each resolves to: the node queries (src/rpc/node-queries.ts,
 * each an op of its own name whose params are the page's array) and the ops below.
 */
export interface PeerRequests extends NodeQueries {
  /**
   * Validate, store durably, publish; `dark`: through the mix layer only (nothing stored or gossiped
   * here), or reject -32000 naming what is missing. Resolves to the envelope hash; rejects with {code, message}.
   */
  post: { params: { rlp: string; dark?: boolean }; result: { hash: string } };
  /** Seal in web workers; `sealId` lets the background cancel it. */
  seal: { params: SealRequest & { sealId: string }; result: { nonce: string } };
  cancelSeal: { params: { sealId: string }; result: null };
  /**
   * The live envelopes on `topics` (0x + 8 hex each; absent: every one), for a new watcher's back-fill.
   * Topics are public (every envelope carries its own in the clear); keys never leave the background.
   */
  envelopes: { params: { topics?: string[] }; result: { rlps: string[] } };
  /**
   * The topics the background's watchers follow (absent: every topic); replaces the previous set.
   * Until the first `watch` after a (re)connection the peer sends no envelope bytes at all.
   */
  watch: { params: { topics?: string[] }; result: null };
  status: { params: Record<string, never>; result: PeerStatus };
  /** `dark`: run the mix client (its send clock runs for as long as this stays true). */
  configure: { params: ConfigureRequest; result: PeerStatus };
}
export type PeerOp = keyof PeerRequests;

export interface ConfigureRequest {
  relays?: string[];
  minPow?: number;
  maxSize?: number;
  relaysOnly?: boolean;
  dark?: boolean;
}

/** Events the peer host pushes to the background. */
export interface PeerEvents {
  /**
   * A newly accepted envelope (from the network, a sync or a local post): its size always (the
   * popup's traffic meter), its bytes only when its topic is watched.
   */
  envelope: { rlp?: string; size?: number; p2p: boolean };
  status: PeerStatus;
  sealProgress: { sealId: string; hashes: number; bestPow: number; elapsedMs: number };
}
export type PeerEventName = keyof PeerEvents;

/** What the background programs against, whichever browser it runs in. */
export interface PeerChannel {
  request<K extends PeerOp>(op: K, params: PeerRequests[K]['params']): Promise<PeerRequests[K]['result']>;
  on<K extends PeerEventName>(event: K, listener: (data: PeerEvents[K]) => void): () => void;
}

// Frames on the Port.
export type PeerFrame =
  | { kind: 'request'; id: number; op: PeerOp; params: unknown }
  | { kind: 'response'; id: number; result?: unknown; error?: { code: number; message: string } }
  | { kind: 'event'; event: PeerEventName; data: unknown }
  | { kind: 'hello'; peerId: string }
  | { kind: 'keepalive' };

/** Topics one `watch` or `envelopes` may name: every watcher's, each at most MAX_WATCHER_TOPICS. */
export const MAX_PEER_TOPICS = 65_536;
const isTopicList = (x: unknown): x is string[] | undefined =>
  x === undefined || (Array.isArray(x) && x.length <= MAX_PEER_TOPICS && x.every((t) => isHex(t) && t.length === 10));
const EVENTS: readonly PeerEventName[] = ['envelope', 'status', 'sealProgress'];

export function isPeerFrame(x: unknown): x is PeerFrame {
  if (!isObject(x)) return false;
  switch (x.kind) {
    case 'request':
      return isSafeId(x.id) && isPeerOp(x.op) && isPeerParams(x.params);
    case 'response':
      return isSafeId(x.id);
    case 'event':
      return EVENTS.includes(x.event as PeerEventName) && isObject(x.data);
    case 'hello':
      return isString(x.peerId);
    case 'keepalive':
      return true;
    default:
      return false;
  }
}

/** Per-op parameter guards, so a handler table can rely on its input; the queries bring their own. */
export const peerParamGuards: { [K in PeerOp]: (p: unknown) => p is PeerRequests[K]['params'] } = {
  ...nodeQueryGuards,
  post: (p): p is { rlp: string; dark?: boolean } => isObject(p) && isHex(p.rlp) && (p.dark === undefined || typeof p.dark === 'boolean'),
  seal: (p): p is SealRequest & { sealId: string } =>
    isObject(p) && isSafeId(p.expiry) && isSafeId(p.ttl) && isHex(p.topic) && (p.topic as string).length === 10 &&
    isHex(p.data) && isNumber(p.target) && isNumber(p.timeMs) && isString(p.sealId),
  cancelSeal: (p): p is { sealId: string } => isObject(p) && isString(p.sealId),
  envelopes: (p): p is { topics?: string[] } => isObject(p) && isTopicList(p.topics),
  watch: (p): p is { topics?: string[] } => isObject(p) && isTopicList(p.topics),
  status: (p): p is Record<string, never> => isObject(p),
  configure: (p): p is ConfigureRequest =>
    isObject(p) && (p.relays === undefined || isStringArray(p.relays)) &&
    (p.minPow === undefined || isNumber(p.minPow)) && (p.maxSize === undefined || isNumber(p.maxSize)) &&
    (p.relaysOnly === undefined || typeof p.relaysOnly === 'boolean') && (p.dark === undefined || typeof p.dark === 'boolean'),
};

/** One of the channel's ops (the map's own names, not inherited ones). */
export const isPeerOp = (x: unknown): x is PeerOp => typeof x === 'string' && Object.hasOwn(peerParamGuards, x);
/** What params may be on the wire: an object, or (a node query's) the page's array; each op's guard decides the rest. */
export const isPeerParams = (x: unknown): boolean => isObject(x) || Array.isArray(x);
