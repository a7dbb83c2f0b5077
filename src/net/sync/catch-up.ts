// Catch-up sync bound to an envelope pool (SPEC §3), for the relay and the browser peer alike:
// mirrors the pool into the ordered item set /shh/6/sync/1.0.0 reconciles, and takes envelopes a
// peer sends like gossip does: validate, make durable, then pool. A failed write refuses the envelope
// (our disk, not the peer's fault). Callers initiate on their outbound connections.

import type { PeerId } from '@libp2p/interface';
import type { EnvelopePool } from '../../core/pool.ts';
import { validateEnvelope, type ValidationPolicy, type VerifiedEnvelope } from '../../core/validate.ts';
import { SortedItems } from './items.ts';
import { SyncService, type ReceiveVerdict, type SyncNode } from './service.ts';

export interface CatchUpInit {
  node: SyncNode;
  pool: EnvelopePool;
  policy: () => ValidationPolicy;
  /** Makes an accepted envelope durable before it enters the pool; a throw or rejection refuses it. */
  persist: (e: VerifiedEnvelope) => void | Promise<void>;
  /** Passes an envelope accepted from a sync session on to gossip (WhisperPeer.forward). */
  forward?: (e: VerifiedEnvelope) => void | Promise<void>;
  now?: () => number;
  onError?: (e: unknown) => void;
}

export class CatchUp {
  readonly service: SyncService;
  readonly #items = new SortedItems();
  readonly #init: CatchUpInit;

  constructor(init: CatchUpInit) {
    this.#init = init;
    for (const e of init.pool.values()) this.#items.add(e);
    this.service = new SyncService(init.node, {
      items: this.#items,
      getEnvelope: (hash) => init.pool.get(hash)?.rlp,
      receive: (rlp) => this.#receive(rlp),
      ...(init.now ? { now: init.now } : {}),
      onMisbehaviour: (_peer, error) => init.onError?.(error),
    });
  }

  async start(): Promise<void> {
    const pool = this.#init.pool;
    pool.addEventListener('added', this.#onAdded);
    pool.addEventListener('expired', this.#onGone);
    pool.addEventListener('evicted', this.#onGone);
    await this.service.start();
  }

  async stop(): Promise<void> {
    await this.service.stop();
    const pool = this.#init.pool;
    pool.removeEventListener('added', this.#onAdded);
    pool.removeEventListener('expired', this.#onGone);
    pool.removeEventListener('evicted', this.#onGone);
  }

  /** Runs one session with `peer`; failures are reported, never thrown (a peer may just leave). */
  async syncWith(peer: PeerId): Promise<void> {
    try {
      await this.service.syncWith(peer);
    } catch (e) {
      this.#init.onError?.(e);
    }
  }

  async #receive(rlp: Uint8Array): Promise<ReceiveVerdict> {
    const pool = this.#init.pool;
    const verdict = validateEnvelope(rlp, this.#init.policy(), (h) => pool.has(h));
    if (verdict.kind !== 'accept') return verdict.kind;
    try {
      await this.#init.persist(verdict.envelope);
      if (!pool.add(verdict.envelope)) return 'ignore';
      void Promise.resolve(this.#init.forward?.(verdict.envelope)).catch((e: unknown) => this.#init.onError?.(e));
      return 'accept';
    } catch (e) {
      this.#init.onError?.(e);
      return 'ignore'; // our disk or our pool, not the peer's fault
    }
  }

  readonly #onAdded = (evt: Event): void => {
    this.#items.add((evt as CustomEvent<VerifiedEnvelope>).detail);
  };

  readonly #onGone = (evt: Event): void => {
    this.#items.remove((evt as CustomEvent<VerifiedEnvelope>).detail);
  };
}
