// What the shh_* API needs from the Whisper node under it. The relay implements it over its
// WhisperPeer, durable store and PoW worker pool; the extension over the peer in its offscreen
// document. Everything that can touch the network, disk or workers is async.

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

export interface ShhNode {
  minPow(): number;
  maxMessageSize(): number;
  setMinPow(pow: number): Promise<void>;
  setMaxMessageSize(size: number): Promise<void>;
  setBloomFilter(bloom: Uint8Array): Promise<void>;
  markTrustedPeer(enode: string): Promise<void>;
  peerCount(): number;
  listening(): boolean;
  info(): NodeInfo;
  /** Seals off the main thread (worker pool); rejects with WhisperError 'pow-timeout' / 'aborted'. */
  seal(params: EnvelopeParams, opts: SealOptions): Promise<Envelope>;
  /** Validates, stores (durably where the node has a disk) and disseminates; resolves once stored. */
  post(envelope: Envelope): Promise<VerifiedEnvelope>;
  /** Every live envelope, for back-filling a new subscription or filter. */
  envelopes(): Iterable<VerifiedEnvelope>;
  /** Calls `listener` for every newly accepted envelope; returns the unsubscribe function. */
  onEnvelope(listener: (e: VerifiedEnvelope, p2p: boolean) => void): () => void;
}
