// The relay's ShhNode (src/api/node.ts) over its WhisperPeer, durable store and PoW pool (SPEC §5).
// post() validates, writes the envelope to disk, and only then pools and gossips it: an envelope
// whose write failed is refused with an error, never accepted and lost.

import type { EnvelopeParams, Envelope } from '../src/core/envelope.ts';
import { encodeEnvelope } from '../src/core/envelope.ts';
import { WhisperError } from '../src/core/errors.ts';
import type { PowPool } from '../src/core/pow-pool.ts';
import { validateEnvelope, type VerifiedEnvelope } from '../src/core/validate.ts';
import type { NodeInfo, SealOptions, ShhNode } from '../src/api/node.ts';
import { RPC, RpcError } from '../src/api/rpc-error.ts';
import type { WhisperPeer } from '../src/net/peer.ts';
import { StoreError, type EnvelopeStore } from './store.ts';

export class RelayShhNode implements ShhNode {
  readonly #peer: WhisperPeer;
  readonly #store: EnvelopeStore;
  readonly #pow: PowPool;

  constructor(peer: WhisperPeer, store: EnvelopeStore, pow: PowPool) {
    this.#peer = peer;
    this.#store = store;
    this.#pow = pow;
  }

  minPow(): number {
    return this.#peer.minPow;
  }

  maxMessageSize(): number {
    return this.#peer.maxSize;
  }

  async setMinPow(pow: number): Promise<void> {
    this.#peer.minPow = pow;
  }

  async setMaxMessageSize(size: number): Promise<void> {
    this.#peer.maxSize = size;
  }

  // A relay carries every topic for the browsers behind it, so its bloom stays "everything"; the
  // value is kept only so the call succeeds as in geth.
  // Both are refused rather than accepted and ignored: a caller must not believe they took effect.
  // A bloom filter would make this node a light node that receives only some envelopes, which tells
  // its neighbours what it listens to (docs/PRIVACY.md: no light mode until its trade-off is written
  // down); gossipsub has no per-peer filter to carry it anyway.
  async setBloomFilter(_bloom: Uint8Array): Promise<void> {
    throw new RpcError(RPC.whisper, 'bloom filters are not supported: every full peer receives every envelope');
  }

  // geth's trusted peers may send it expired envelopes directly (its mail server); envelopes here
  // travel only through gossip and catch-up, so there is nothing to trust a peer with.
  async markTrustedPeer(_enode: string): Promise<void> {
    throw new RpcError(RPC.whisper, 'trusted peers are not supported: there are no direct peer-to-peer messages');
  }

  peerCount(): number {
    return this.#peer.peerCount;
  }

  listening(): boolean {
    return this.#peer.node.status === 'started';
  }

  info(): NodeInfo {
    return { memory: this.#peer.pool.bytes, messages: this.#peer.pool.size };
  }

  seal(params: EnvelopeParams, opts: SealOptions): Promise<Envelope> {
    return this.#pow.seal(params, opts);
  }

  async post(envelope: Envelope): Promise<VerifiedEnvelope> {
    const rlp = encodeEnvelope(envelope);
    const verdict = validateEnvelope(rlp, this.#peer.policy(), (h) => this.#peer.pool.has(h));
    if (verdict.kind === 'reject') throw verdict.error;
    if (verdict.kind === 'ignore')
      throw verdict.reason === 'duplicate'
        ? new WhisperError('duplicate', 'failed to add envelope: already known')
        : new WhisperError('expired', 'failed to add envelope: expired');
    try {
      this.#store.put(verdict.envelope);
    } catch (e) {
      if (e instanceof StoreError) throw new RpcError(RPC.internal, `envelope not stored, not sent: ${e.message}`);
      throw e;
    }
    return this.#peer.publish(rlp);
  }

  envelopes(): Iterable<VerifiedEnvelope> {
    return this.#peer.pool.values();
  }

  onEnvelope(listener: (e: VerifiedEnvelope, p2p: boolean) => void): () => void {
    const handler = (evt: CustomEvent<{ envelope: VerifiedEnvelope }>): void => listener(evt.detail.envelope, false);
    this.#peer.addEventListener('envelope', handler);
    return () => this.#peer.removeEventListener('envelope', handler);
  }
}
