// What one neighbour may cost this peer, whatever protocol it sends envelopes on (docs/RELAY.md
// "Limits"): the per-neighbour rate limit on valid new envelopes (rate-limit.ts) and the cut-off of
// neighbours whose gossipsub score fell below the graylist threshold (cut-off.ts). Trusted neighbours
// are exempt. The admission path (admission.ts) is its one caller for envelopes.

import { peerIdFromString } from '@libp2p/peer-id';
import type { PeerId } from '@libp2p/interface';
import type { VerifiedEnvelope } from '../core/validate.ts';
import { CutOffList, type CutOffInit } from './cut-off.ts';
import { GOSSIP_TOPIC } from '../core/constants.ts';
import type { AdmissionGuard } from './admission.ts';
import { SCORE_THRESHOLDS, TOPIC_SCORE } from './gossip.ts';
import type { WhisperLibp2p } from './node.ts';
import { PeerRateLimit, type RateLimitInit, type RateVerdict } from './rate-limit.ts';

export interface NeighbourGuardInit {
  node: WhisperLibp2p;
  /** Neighbours the operator configured: no rate limit, never cut off. */
  trusted?: (peerId: PeerId) => boolean;
  rateLimit?: Partial<Omit<RateLimitInit, 'exempt'>> | false;
  cutOff?: Partial<CutOffInit> | false;
  onLimited?: (from: PeerId, level: Exclude<RateVerdict, 'ok'>) => void;
  onCut?: (peer: PeerId, until: number) => void;
  onError?: (e: unknown) => void;
}

/** gossipsub internals used here: its score cache, its duplicate filter and its message id encoding. */
type GossipInternals = {
  getScore(id: string): number;
  score?: { scoreCache?: Map<string, unknown>; rejectInvalidMessage?(peerId: string, topic: string): void };
  seenCache?: { entries?: Map<string, unknown> };
  msgIdToStrFn?: (id: Uint8Array) => string;
};

/** Peers whose penalties outside gossipsub are remembered; the least recently struck is dropped beyond this. */
const MAX_STRIKES = 4096;

export class NeighbourGuard implements AdmissionGuard {
  readonly #init: NeighbourGuardInit;
  readonly #limit: PeerRateLimit | undefined;
  readonly #cutOff: CutOffList | undefined;
  readonly #checking = new Set<string>();
  /** Penalties counted here (stem, catch-up), gossipsub's P4 rule: a peer that never joined gossip has no gossipsub score. */
  readonly #strikes = new Map<string, { n: number; at: number }>();
  #active = false;

  constructor(init: NeighbourGuardInit) {
    this.#init = init;
    // Real time, not the peer's `now`: that clock dates envelopes (frozen in tests), this one measures rates.
    if (init.rateLimit !== false)
      this.#limit = new PeerRateLimit({ ...init.rateLimit, ...(init.trusted ? { exempt: (id: string) => this.isTrusted(id) } : {}) });
    if (init.cutOff !== false) this.#cutOff = new CutOffList({ ...init.cutOff });
  }

  start(): void {
    this.#active = true;
  }

  stop(): void {
    this.#active = false;
  }

  get #pubsub(): GossipInternals {
    return this.#init.node.services.pubsub as unknown as GossipInternals;
  }

  /** The rate limit's verdict on a valid envelope new to us, from any protocol. */
  take(envelope: VerifiedEnvelope, from: PeerId): RateVerdict {
    // A trusted neighbour is exempt; asked here with its PeerId, since the limiter's exempt() gets a
    // string to parse back, per envelope (a tenth of a relay's catch-up time).
    if (this.#limit === undefined || this.isTrusted(from)) return 'ok';
    const level = this.#limit.take(from.toString(), envelope.rlp.length);
    if (level === 'ok') return level;
    if (level === 'abuse') this.penalised(from);
    else this.#unsee(envelope.hash);
    this.#init.onLimited?.(from, level);
    return level;
  }

  /**
   * One frame of another protocol (a mix frame, src/net/mix/) of `bytes` from `from`, charged before
   * any work on it to the same per-neighbour budget as envelopes, so switching protocol buys a
   * flooder nothing. 'abuse' counts against the sender here (no gossipsub sees these frames).
   */
  takeFrame(from: PeerId, bytes: number): RateVerdict {
    if (this.isCut(from)) return 'abuse';
    const level = this.#limit?.take(from.toString(), bytes) ?? 'ok';
    if (level === 'ok') return level;
    if (level === 'abuse') this.penalise(from);
    this.#init.onLimited?.(from, level);
    return level;
  }

  /** Whether a neighbour is in its cooldown (what it still has in flight is ignored unread). */
  isCut(peerId: PeerId): boolean {
    return this.#cutOff?.isCut(peerId.toString()) === true && !this.isTrusted(peerId);
  }

  isTrusted(peerId: string | PeerId): boolean {
    const trusted = this.#init.trusted;
    if (!trusted) return false;
    try {
      return trusted(typeof peerId === 'string' ? peerIdFromString(peerId) : peerId);
    } catch {
      return false; // not a peer id: nobody configured it
    }
  }

  /**
   * Call after each penalty gossipsub counts against `from` (a rejected envelope). gossipsub counts a
   * rejection after the validator returns and caches scores for a heartbeat, so the score is read
   * fresh (cache entry dropped) now, which sees the rejections counted so far, and again on the next
   * turn, which sees this one: the cut-off follows the 4th invalid envelope within milliseconds
   * instead of up to a heartbeat later (measured in bench/flood.ts).
   */
  penalised(from: PeerId): void {
    if (!this.#cutOff) return;
    this.#cutIfGraylisted(from);
    const id = from.toString();
    if (this.#checking.has(id)) return;
    this.#checking.add(id);
    setTimeout(() => {
      this.#checking.delete(id);
      this.#cutIfGraylisted(from);
    }, 0);
  }

  /**
   * An invalid envelope (or abuse of the rate limit) outside gossipsub, on the stem or catch-up:
   * counted like an invalid gossip message (P4), so every protocol leads to the same cut-off.
   */
  penalise(from: PeerId): void {
    const id = from.toString();
    this.#pubsub.score?.rejectInvalidMessage?.(id, GOSSIP_TOPIC);
    const s = this.#strikes.get(id);
    const n = (s ? this.#decayed(s) : 0) + 1;
    this.#strikes.delete(id); // re-inserted: Map order is least recently struck first
    while (this.#strikes.size >= MAX_STRIKES) this.#strikes.delete(this.#strikes.keys().next().value!);
    this.#strikes.set(id, { n, at: performance.now() });
    this.penalised(from);
  }

  // P4 as gossipsub computes it: weight x counter^2, the counter decaying each second.
  #strikeScore(id: string): number {
    const s = this.#strikes.get(id);
    if (!s) return 0;
    const n = this.#decayed(s);
    return TOPIC_SCORE.invalidMessageDeliveriesWeight * n * n;
  }

  #decayed(s: { n: number; at: number }): number {
    return s.n * TOPIC_SCORE.invalidMessageDeliveriesDecay ** Math.floor((performance.now() - s.at) / 1000);
  }

  /** On every new connection: a peer in its cooldown is hung up on before gossipsub or sync get to it. Returns whether it was. */
  refuse(peerId: PeerId): boolean {
    if (!this.isCut(peerId)) return false;
    this.#init.node.hangUp(peerId).catch((e: unknown) => this.#init.onError?.(e));
    return true;
  }

  #cutIfGraylisted(from: PeerId): void {
    const id = from.toString();
    if (!this.#active || !this.#cutOff || this.#cutOff.isCut(id)) return;
    const pubsub = this.#pubsub;
    pubsub.score?.scoreCache?.delete(id);
    const score = Math.min(pubsub.getScore(id), this.#strikeScore(id));
    if (score >= SCORE_THRESHOLDS.graylistThreshold || this.isTrusted(from)) return;
    const until = this.#cutOff.cut(id);
    this.#init.onCut?.(from, until);
    this.#init.node.hangUp(from).catch((e: unknown) => this.#init.onError?.(e));
  }

  // gossipsub marks a message seen before validating it, so an envelope ignored here for being over
  // this neighbour's limit would be dropped as a duplicate when an honest neighbour (our relay)
  // brings it too. Forgetting it keeps the limit from costing honest deliveries that have another path.
  #unsee(hash: Uint8Array): void {
    const pubsub = this.#pubsub;
    pubsub.seenCache?.entries?.delete(pubsub.msgIdToStrFn?.(hash) ?? '');
  }
}
