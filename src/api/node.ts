// What the shh_* API needs from the Whisper node under it, split by role: the envelope feed (back-fill
// and new envelopes for watchers), the sealer (proof of work), the publisher (validate, store, send),
// the status (limits and counters) and, only where someone may change node settings, the node admin.
// The relay implements every role over its WhisperPeer, durable store and PoW pool (relay/shh-node.ts);
// the extension all but the admin, over the peer in its offscreen document (background/node-proxy.ts).
// Everything that can touch the network, disk or workers is async.

import type { Envelope, EnvelopeParams } from '../core/envelope.ts';
import type { VerifiedEnvelope } from '../core/validate.ts';

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
  /** Every live envelope, for back-filling a new subscription or filter. */
  envelopes(): Iterable<VerifiedEnvelope>;
  /** Calls `listener` for every newly accepted envelope; returns the unsubscribe function. */
  onEnvelope(listener: (e: VerifiedEnvelope, p2p: boolean) => void): () => void;
}

export interface Sealer {
  /** Seals off the main thread (worker pool); rejects with WhisperError 'pow-timeout' / 'aborted'. */
  seal(params: EnvelopeParams, opts: SealOptions): Promise<Envelope>;
}

/** How one post should leave the node. */
export interface PostOptions {
  /** shh_post's `dark`: true (the mix layer only), false (the plain path), absent (the node's default). */
  dark?: boolean;
}

export interface Publisher {
  /** Validates, stores (durably where the node has a disk) and disseminates; resolves once stored. */
  post(envelope: Envelope, opts?: PostOptions): Promise<VerifiedEnvelope>;
  /**
   * Throws (-32000, naming what is missing) when a post with `opts` cannot leave as asked, checked
   * before the proof of work. A publisher without it has no mix layer: `dark: true` is refused.
   */
  checkPost?(opts: PostOptions): void;
}

export interface NodeStatus {
  minPow(): number;
  maxMessageSize(): number;
  peerCount(): number;
  listening(): boolean;
  info(): NodeInfo;
}

/** Node settings (shh_setMinPoW & co.): the node's operator's, never a page's. */
export interface NodeAdmin {
  setMinPow(pow: number): Promise<void>;
  setMaxMessageSize(size: number): Promise<void>;
  setBloomFilter(bloom: Uint8Array): Promise<void>;
  markTrustedPeer(enode: string): Promise<void>;
}

/** A node that plays every role a page-facing API needs. */
export type WhisperNode = EnvelopeFeed & Sealer & Publisher & NodeStatus;

/** The roles one ShhApi runs on; `admin` only where node settings may be changed. */
export interface NodeRoles {
  feed: EnvelopeFeed;
  sealer: Sealer;
  publisher: Publisher;
  status: NodeStatus;
  admin?: NodeAdmin;
}

/** One object in every role (and, when given, its admin). */
export function rolesOf(node: WhisperNode, admin?: NodeAdmin): NodeRoles {
  return { feed: node, sealer: node, publisher: node, status: node, ...(admin ? { admin } : {}) };
}
