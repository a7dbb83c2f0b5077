// Catch-up sync bound to an envelope pool (docs/PROTOCOL.md §3), for the relay and the browser peer alike:
// mirrors the pool into the ordered item set /shh/6/sync/1.0.0 reconciles, and hands each batch a
// peer sends to the one admission path (../admission.ts admitBatch, source 'sync'), which validates,
// counts the sender's budget, makes the batch durable in one write, pools and forwards it (never back
// to the sender). A failed write refuses the envelope (our disk, not the peer's fault). Callers
// initiate on their outbound connections.

import type { PeerId } from '@libp2p/interface';
import { bytesToKey } from '../../core/bytes.ts';
import { isWhisperError } from '../../core/errors.ts';
import type { EnvelopePool } from '../../core/pool.ts';
import type { VerifiedEnvelope } from '../../core/validate.ts';
import type { EnvelopeAdmission } from '../admission.ts';
import { SortedItems } from './items.ts';
import { SYNC_DEFAULTS, SyncService, type ReceivedEnvelope, type ReceiveVerdict, type SyncInit, type SyncNode } from './service.ts';

export interface CatchUpInit {
  node: SyncNode;
  /** The pool admission fills; mirrored into the reconciled set. */
  pool: EnvelopePool;
  /** The peer's admission path: validates, stores, pools and forwards what a peer sends (source 'sync'). */
  admission: Pick<EnvelopeAdmission, 'admit'> & Partial<Pick<EnvelopeAdmission, 'admitBatch'>>;
  /**
   * Envelopes to keep out of catch-up for now: our own posts still on their private stem
   * (Stem.holds). Offering one to a syncing peer would name us as its author (docs/PRIVACY.md), so
   * it joins the reconciled set only once the stem has let it go.
   */
  withhold?: (hash: Uint8Array) => boolean;
  /** Tunables of the sync service (caps, batches, deadlines); defaults in SYNC_DEFAULTS. */
  sync?: Omit<SyncInit, 'items' | 'getEnvelope' | 'receive' | 'receiveBatch' | 'now' | 'onMisbehaviour'>;
  now?: () => number;
  onError?: (e: unknown) => void;
}

/** Sessions one syncWith may run back to back while a backlog beyond a session's cap drains. */
export const MAX_SESSIONS_PER_SYNC = 20;

/** How often withheld envelopes are checked again. */
export const WITHHOLD_RECHECK_MS = 1000;

export class CatchUp {
  readonly service: SyncService;
  readonly #items = new SortedItems();
  readonly #init: CatchUpInit;
  readonly #withheld = new Map<string, VerifiedEnvelope>();
  /** Envelopes accepted from each peer a syncWith is running with: what "progress" means there. */
  readonly #acceptedFrom = new Map<string, number>();
  #recheck: ReturnType<typeof setInterval> | undefined;

  constructor(init: CatchUpInit) {
    this.#init = init;
    this.service = new SyncService(init.node, {
      ...init.sync,
      items: this.#items,
      getEnvelope: (hash) => (init.withhold?.(hash) ? undefined : init.pool.get(hash)?.rlp),
      receive: (rlp, from) => this.#receive(rlp, from),
      ...(init.admission.admitBatch ? { receiveBatch: (batch, from) => this.#receiveBatch(batch, from) } : {}),
      ...(init.now ? { now: init.now } : {}),
      onMisbehaviour: (_peer, error) => init.onError?.(error),
    });
  }

  async start(): Promise<void> {
    const pool = this.#init.pool;
    // What the pool holds now (the relay loads its store after building the service), then every add.
    for (const e of pool.values()) this.#track(e);
    pool.addEventListener('added', this.#onAdded);
    pool.addEventListener('expired', this.#onGone);
    pool.addEventListener('evicted', this.#onGone);
    await this.service.start();
  }

  async stop(): Promise<void> {
    if (this.#recheck !== undefined) clearInterval(this.#recheck);
    this.#recheck = undefined;
    this.#withheld.clear();
    await this.service.stop();
    const pool = this.#init.pool;
    pool.removeEventListener('added', this.#onAdded);
    pool.removeEventListener('expired', this.#onGone);
    pool.removeEventListener('evicted', this.#onGone);
  }

  /** Runs one session with `peer`; failures are reported, never thrown (a peer may just leave). */
  async syncWith(peer: PeerId): Promise<void> {
    try {
      // A session carries at most maxEnvelopes each way and says so (complete: false): run more
      // while they make progress, so a peer back from a long absence gets its whole backlog. Progress
      // means the peer delivered, or we sent a full cap: a peer claiming more than the cap and
      // delivering nothing would otherwise get MAX_SESSIONS_PER_SYNC sessions of our envelopes.
      const cap = this.#init.sync?.maxEnvelopes ?? SYNC_DEFAULTS.maxEnvelopes;
      const key = peer.toString();
      this.#acceptedFrom.set(key, 0);
      let cut = false;
      for (let i = 0; i < MAX_SESSIONS_PER_SYNC; i++) {
        const before = this.#acceptedFrom.get(key) ?? 0;
        let r;
        try {
          r = await this.service.syncWith(peer);
        } catch (e) {
          // A session cut by its deadline while the peer's envelopes were still being stored (a
          // backlog of 10 000 at ~100 fsynced writes a second) is progress, not misbehaviour: carry
          // on. The session right after may meet the peer still tearing the cut one down: one retry.
          const progressed = (this.#acceptedFrom.get(key) ?? 0) > before;
          if ((isWhisperError(e, 'sync-limit') && progressed) || (cut && !isWhisperError(e))) {
            cut = progressed;
            continue;
          }
          throw e;
        }
        cut = false;
        if (r.complete || (r.received === 0 && r.sent < cap)) return;
      }
    } catch (e) {
      // Misbehaviour (bad-sync, sync-limit) was reported once already, through onMisbehaviour.
      if (!isWhisperError(e, 'bad-sync') && !isWhisperError(e, 'sync-limit')) this.#init.onError?.(e);
    } finally {
      this.#acceptedFrom.delete(peer.toString());
    }
  }

  async #receive(rlp: Uint8Array, from: PeerId): Promise<ReceiveVerdict> {
    try {
      const r = await this.#init.admission.admit(rlp, { source: { kind: 'sync', peer: from } });
      if (r.kind !== 'accept') return r.kind === 'reject' ? 'reject' : 'ignore';
      const key = from.toString();
      const n = this.#acceptedFrom.get(key);
      if (n !== undefined) this.#acceptedFrom.set(key, n + 1);
      return 'accept';
    } catch (e) {
      this.#init.onError?.(e);
      return 'ignore'; // our failure, not the peer's fault
    }
  }

  async #receiveBatch(batch: readonly ReceivedEnvelope[], from: PeerId): Promise<ReceiveVerdict[]> {
    let results;
    try {
      results = await this.#init.admission.admitBatch!(batch, { source: { kind: 'sync', peer: from } });
    } catch (e) {
      this.#init.onError?.(e);
      return batch.map(() => 'ignore'); // our failure, not the peer's fault
    }
    let accepted = 0;
    const verdicts = results.map((r): ReceiveVerdict => {
      if (r.kind === 'accept') return (accepted++, 'accept');
      return r.kind === 'reject' ? 'reject' : 'ignore';
    });
    const key = from.toString();
    const n = this.#acceptedFrom.get(key);
    if (n !== undefined) this.#acceptedFrom.set(key, n + accepted);
    return verdicts;
  }

  #track(e: VerifiedEnvelope): void {
    if (!this.#init.withhold?.(e.hash)) return void this.#items.add(e);
    this.#withheld.set(bytesToKey(e.hash), e);
    this.#recheck ??= setInterval(() => this.#release(), WITHHOLD_RECHECK_MS);
  }

  /** Withheld envelopes the stem has let go of join the reconciled set; gone ones are dropped. */
  #release(): void {
    for (const [key, e] of this.#withheld) {
      if (!this.#init.pool.has(e.hash)) this.#withheld.delete(key);
      else if (!this.#init.withhold?.(e.hash)) {
        this.#withheld.delete(key);
        this.#items.add(e);
      }
    }
    if (this.#withheld.size === 0 && this.#recheck !== undefined) {
      clearInterval(this.#recheck);
      this.#recheck = undefined;
    }
  }

  readonly #onAdded = (evt: Event): void => {
    this.#track((evt as CustomEvent<VerifiedEnvelope>).detail);
  };

  readonly #onGone = (evt: Event): void => {
    const e = (evt as CustomEvent<VerifiedEnvelope>).detail;
    this.#withheld.delete(bytesToKey(e.hash));
    this.#items.remove(e);
  };
}
