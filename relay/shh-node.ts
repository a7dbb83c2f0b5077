// The relay's Whisper node in every role of src/api/node.ts, node admin included (the operator may
// change node settings), over its WhisperPeer and PoW pool (docs/PROTOCOL.md §5). post() is the
// peer's publish, whose beforeForward hook (the relay's store) writes the envelope to disk before it
// is pooled and sent: an envelope whose write failed is refused with -32603, never accepted and lost.
// Node queries are answered by their one set of handlers over the service (src/api/node-queries.ts).

import type { EnvelopeParams, Envelope } from '../src/core/envelope.ts';
import { encodeEnvelope } from '../src/core/envelope.ts';
import { isWhisperError, WhisperError } from '../src/core/errors.ts';
import type { PowPool } from '../src/core/pow-pool.ts';
import type { VerifiedEnvelope } from '../src/core/validate.ts';
import type { DarkSender, NodeAdmin, NodeInfo, NodeQuery, SealOptions, WhisperNode } from '../src/api/node.ts';
import { queryRole } from '../src/api/node-queries.ts';
import type { MixService } from '../src/net/mix/mix-service.ts';
import { RPC, RpcError } from '../src/rpc/errors.ts';
import type { WhisperPeer } from '../src/net/peer.ts';
import type { WhisperService } from '../src/net/service.ts';

const MIX_CLIENT_OFF = 'dark sending is off on this relay (--mix-client off)';

/**
 * The relay's dark posts (docs/RELAY.md "Dark posts"): its mix client's, which runs from start-up
 * unless the operator turned it off (--mix-client off), and then `dark: true` is refused saying so.
 * `dark` absent means the plain path on a relay.
 */
export class RelayDarkSender implements DarkSender {
  readonly #mix: MixService;
  readonly #on: boolean;

  constructor(mix: MixService, on: boolean) {
    this.#mix = mix;
    this.#on = on;
  }

  /** Asked before the proof of work (ShhApi's post): the client turned off, or no mix path now. */
  unavailable(): string | undefined {
    return this.#on ? this.#mix.darkUnavailable() : MIX_CLIENT_OFF;
  }

  async postDark(envelope: Envelope): Promise<{ hash: Uint8Array }> {
    // Only the switch here: the path is checked again by postDark itself, after the sealing.
    if (!this.#on) throw new WhisperError('dark-unavailable', `dark post not sent: ${MIX_CLIENT_OFF}`);
    return this.#mix.postDark(encodeEnvelope(envelope));
  }
}

/** Makes a node setting durable before it applies (relay/settings.ts); a throw refuses the change. */
export type SaveSetting = (patch: { minPow?: number; maxSize?: number }) => void;

export class RelayShhNode implements WhisperNode, NodeAdmin {
  readonly #peer: WhisperPeer;
  readonly #pow: PowPool;
  readonly #save: SaveSetting | undefined;
  readonly #queries: NodeQuery;

  constructor(service: WhisperService, pow: PowPool, save?: SaveSetting) {
    this.#peer = service.peer;
    this.#pow = pow;
    this.#save = save;
    this.#queries = queryRole(() => service);
  }

  query: NodeQuery['query'] = (name, params) => this.#queries.query(name, params);

  minPow(): number {
    return this.#peer.minPow;
  }

  maxMessageSize(): number {
    return this.#peer.maxSize;
  }

  async setMinPow(pow: number): Promise<void> {
    this.#save?.({ minPow: pow });
    this.#peer.minPow = pow;
  }

  async setMaxMessageSize(size: number): Promise<void> {
    this.#save?.({ maxSize: size });
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

  info(): NodeInfo {
    return { memory: this.#peer.pool.bytes, messages: this.#peer.pool.size };
  }

  seal(params: EnvelopeParams, opts: SealOptions): Promise<Envelope> {
    return this.#pow.seal(params, opts);
  }

  async post(envelope: Envelope): Promise<VerifiedEnvelope> {
    try {
      return await this.#peer.publish(encodeEnvelope(envelope)); // validated, stored, then pooled and sent
    } catch (e) {
      if (isWhisperError(e, 'not-stored')) throw new RpcError(RPC.internal, e.message);
      throw e;
    }
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
