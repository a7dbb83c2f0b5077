// What the shh_* API needs from the Whisper node under it, split by role: the envelope feed (back-fill
// and new envelopes for watchers), the sealer (proof of work), the publisher (validate, store, send),
// the status (limits and counters), the node queries (JSON in, JSON out, answered by the Whisper
// service: src/api/node-queries.ts) and, only where someone may change node settings, the node admin;
// only where the node has a mix layer, the dark sender.
// The relay implements every role over its WhisperPeer, durable store and PoW pool (relay/shh-node.ts);
// the extension all but the admin, over the peer in its offscreen document (background/node-proxy.ts),
// which asks the peer for envelopes by topic (topics are public; keys stay in the worker).
// Everything that can touch the network, disk or workers is async.

import type { Envelope, EnvelopeParams } from '../core/envelope.ts';
import type { VerifiedEnvelope } from '../core/validate.ts';
import type { NodeQueries, NodeQueryName } from '../rpc/node-queries.ts';

export interface SealProgress {
  hashes: number;
  bestPow: number;
  elapsedMs: number;
}

export interface SealOptions {
  target: number; // PoW target; 0 means no work
  timeMs: number; // budget
  signal?: AbortSignal;
  onProgress?: (p: SealProgress) => void;
}

export interface NodeInfo {
  memory: number; // bytes of envelopes held
  messages: number; // envelopes held
}

export interface EnvelopeFeed {
  /**
   * The live envelopes a new subscription or filter needs for its back-fill: those on `topics`, or
   * every one when `topics` is undefined (a private-key watcher without topics). A feed may return more.
   */
  envelopes(topics?: readonly Uint8Array[]): Iterable<VerifiedEnvelope> | Promise<Iterable<VerifiedEnvelope>>;
  /** Calls `listener` for every newly accepted envelope (at least those on watched topics); returns the unsubscribe function. */
  onEnvelope(listener: (e: VerifiedEnvelope, p2p: boolean) => void): () => void;
  /**
   * A watcher follows `topics` (undefined: every topic) until the returned release is called. A feed
   * that holds the whole pool (the relay) needs no interest; one that asks a peer (the extension's
   * worker) then receives new envelopes only on watched topics. Called before `envelopes`.
   */
  watch?(topics: readonly Uint8Array[] | undefined): () => void;
}

export interface Sealer {
  /** Seals off the main thread (worker pool); rejects with WhisperError 'pow-timeout' / 'aborted'. */
  seal(params: EnvelopeParams, opts: SealOptions): Promise<Envelope>;
}

export interface Publisher {
  /** Validates, stores (durably where the node has a disk) and disseminates; resolves once stored. */
  post(envelope: Envelope): Promise<VerifiedEnvelope>;
}

export interface NodeStatus {
  minPow(): number;
  maxMessageSize(): number;
  info(): NodeInfo;
}

/**
 * The node queries (src/rpc/node-queries.ts), answered by the node's Whisper service: the relay's
 * directly, the extension's over the peer channel. One generic method: a new query adds nothing here.
 */
export interface NodeQuery {
  query<K extends NodeQueryName>(name: K, params: NodeQueries[K]['params']): Promise<NodeQueries[K]['result']>;
}

/** Node settings (shh_setMinPoW & co.): the node's operator's, never a page's. */
export interface NodeAdmin {
  setMinPow(pow: number): Promise<void>;
  setMaxMessageSize(size: number): Promise<void>;
  setBloomFilter(bloom: Uint8Array): Promise<void>;
  markTrustedPeer(enode: string): Promise<void>;
}

/**
 * Sends sealed envelopes through the mix layer (docs/PROTOCOL.md §7, docs/PRIVACY.md "The mix layer"),
 * only where a node has one: the relay (its operator's posts) and the extension's peer.
 */
export interface DarkSender {
  /**
   * Why a dark post would fail now (e.g. the mix client is off), asked before the proof of work;
   * undefined when it may go. It may have to ask the node first (the extension, before its peer host
   * reported a status). postDark still checks everything itself.
   */
  unavailable?(): string | undefined | Promise<string | undefined>;
  /**
   * Validates the envelope, cuts it into mix frames over a path of relays and queues them on the
   * mix client's clock; resolves with its hash once queued. The envelope reaches gossip, byte-
   * identical, at the path's exit. Throws WhisperError ('dark-unavailable' naming what is missing,
   * or the envelope's validation error); never sends it another way.
   */
  postDark(envelope: Envelope): Promise<{ hash: Uint8Array }>;
  /** `dark` absent from shh_post: true sends dark (the extension's "send dark by default"). Default false. */
  darkByDefault?(): boolean;
  /** `dark: false` is sent dark anyway (the extension's "always dark"). Default false. */
  alwaysDark?(): boolean;
}

/** A node that plays every role a page-facing API needs. */
export type WhisperNode = EnvelopeFeed & Sealer & Publisher & NodeStatus & NodeQuery;

/** The roles one ShhApi runs on; `admin` only where node settings may be changed. */
export interface NodeRoles {
  feed: EnvelopeFeed;
  sealer: Sealer;
  publisher: Publisher;
  status: NodeStatus;
  query: NodeQuery;
  admin?: NodeAdmin;
  /** Dark posts (shh_post's `dark`), only where the node has a mix layer. */
  dark?: DarkSender;
}

/** One object in every role (and, when given, its admin). */
export function rolesOf(node: WhisperNode, admin?: NodeAdmin): NodeRoles {
  return { feed: node, sealer: node, publisher: node, status: node, query: node, ...(admin ? { admin } : {}) };
}
