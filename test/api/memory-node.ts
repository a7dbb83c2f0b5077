// An in-memory Whisper node (every role, admin included) for API tests: a real pool and validation, reference sealing, no network.
import type { Envelope, EnvelopeParams } from '../../src/core/envelope.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { EnvelopePool } from '../../src/core/pool.ts';
import { validateEnvelope, type VerifiedEnvelope } from '../../src/core/validate.ts';
import type { NodeAdmin, SealOptions, WhisperNode } from '../../src/api/node.ts';
import { queryRole } from '../../src/api/node-queries.ts';
import { fakeWhisperService } from './fake-service.ts';
import { sealReference } from '../core/fixtures.ts';

export class MemoryNode implements WhisperNode, NodeAdmin {
  readonly pool: EnvelopePool;
  readonly listeners = new Set<(e: VerifiedEnvelope, p2p: boolean) => void>();
  readonly now: () => number;
  #minPow = 0.2;
  #maxSize = 64 * 1024;
  bloom: Uint8Array | undefined;
  trusted: string[] = [];

  constructor(now: () => number = Date.now) {
    this.now = now;
    this.pool = new EnvelopePool({ now });
  }
  minPow() { return this.#minPow; }
  maxMessageSize() { return this.#maxSize; }
  async setMinPow(p: number) { this.#minPow = p; }
  async setMaxMessageSize(n: number) { this.#maxSize = n; }
  async setBloomFilter(b: Uint8Array) { this.bloom = b; }
  async markTrustedPeer(e: string) { this.trusted.push(e); }
  /** What the node queries read (src/api/node-queries.ts): 3 peers, network up. */
  readonly service = fakeWhisperService(3);
  readonly query = queryRole(() => this.service).query;
  info() { return { memory: this.pool.bytes, messages: this.pool.size }; }
  async seal(p: EnvelopeParams, o: SealOptions): Promise<Envelope> { return sealReference(p, o.target); }
  async post(e: Envelope): Promise<VerifiedEnvelope> {
    return this.receive(encodeEnvelope(e), false);
  }
  /** An envelope arriving from the network. */
  receive(rlp: Uint8Array, p2p = false): VerifiedEnvelope {
    const v = validateEnvelope(rlp, { minPow: this.#minPow, maxSize: this.#maxSize, now: Math.floor(this.now() / 1000) }, (h) => this.pool.has(h));
    if (v.kind !== 'accept') throw new Error(`not accepted: ${v.kind}`);
    this.pool.add(v.envelope);
    for (const l of this.listeners) l(v.envelope, p2p);
    return v.envelope;
  }
  envelopes() { return this.pool.values(); }
  onEnvelope(l: (e: VerifiedEnvelope, p2p: boolean) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
