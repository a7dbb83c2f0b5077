// What a peer validates against (docs/PROTOCOL.md §1) once neighbours announce requirements (requirement.ts):
// its own minPow/maxSize (the operator's or user's setting, what it announces), raised to the network
// floor, the strictest trusted neighbour's; and, for a while after a raise, the old minimum for penalties.

import type { PeerId } from '@libp2p/interface';
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MIN_POW, MAX_MESSAGE_SIZE_CEILING } from '../core/constants.ts';
import { envelopeSize } from '../core/envelope.ts';
import { WhisperError } from '../core/errors.ts';
import { validateEnvelope, type ValidationPolicy, type VerifiedEnvelope } from '../core/validate.ts';
import type { WhisperLibp2p } from './node.ts';
import { networkFloor, REQUIREMENT_GRACE_MS, RequirementExchange, type Requirement } from './requirement.ts';

/** The strictest requirement among trusted neighbours, and the neighbour whose minPow it is. */
export type NetworkFloor = Requirement & { by?: PeerId };

export interface PeerPolicyInit {
  node: WhisperLibp2p;
  /** Clock in ms since the epoch (dates envelopes; frozen in tests). */
  now: () => number;
  minPow?: number;
  maxSize?: number;
  /** Only trusted neighbours (configured relays) set the floor. */
  isTrusted: (peer: PeerId) => boolean;
  /** The requirement protocol's options; false: no announcements and no floor. */
  requirement?: { timeoutMs?: number; graceMs?: number } | false;
  onRequirement?: (peer: PeerId, requirement: Requirement | undefined) => void;
  onError?: (e: unknown) => void;
}

export class PeerPolicy {
  readonly #init: PeerPolicyInit;
  readonly #exchange: RequirementExchange | undefined;
  readonly #graceMs: number;
  #minPow = DEFAULT_MIN_POW;
  #maxSize = DEFAULT_MAX_MESSAGE_SIZE;
  #started = false;
  /** Our previous minPow, honoured without penalty until #graceUntil (performance.now() ms) after a raise. */
  #graceMinPow = 0;
  #graceUntil = -Infinity;
  /** floor() per validated envelope would walk every connection (a relay has thousands): cached, dropped on change. */
  #floorCache: { value: NetworkFloor | undefined } | undefined;

  constructor(init: PeerPolicyInit) {
    this.#init = init;
    if (init.minPow !== undefined) this.minPow = init.minPow;
    if (init.maxSize !== undefined) this.maxSize = init.maxSize;
    this.#graceMs = init.requirement === false ? 0 : (init.requirement?.graceMs ?? REQUIREMENT_GRACE_MS);
    if (init.requirement !== false)
      this.#exchange = new RequirementExchange({
        node: init.node,
        local: () => ({ minPow: this.#minPow, maxSize: this.#maxSize }),
        ...(init.requirement?.timeoutMs !== undefined ? { timeoutMs: init.requirement.timeoutMs } : {}),
        onChange: (peer, requirement) => {
          this.#floorCache = undefined;
          init.onRequirement?.(peer, requirement);
        },
        ...(init.onError ? { onError: init.onError } : {}),
      });
  }

  async start(): Promise<void> {
    this.#init.node.addEventListener('connection:open', this.dropFloor); // trust in a configured peer starts with a connection
    await this.#exchange?.start();
    this.#started = true;
  }

  async stop(): Promise<void> {
    this.#started = false;
    await this.#exchange?.stop();
    this.#init.node.removeEventListener('connection:open', this.dropFloor);
  }

  get minPow(): number {
    return this.#minPow;
  }

  set minPow(value: number) {
    if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError('minPow must be a finite number >= 0');
    if (value === this.#minPow) return;
    if (value > this.#minPow && this.#started) {
      // Envelopes sent before our neighbours heard of the raise may still be on the way.
      this.#graceMinPow = this.#graceActive() ? Math.min(this.#graceMinPow, this.#minPow) : this.#minPow;
      this.#graceUntil = performance.now() + this.#graceMs;
    }
    this.#minPow = value;
    this.#exchange?.announce();
  }

  get maxSize(): number {
    return this.#maxSize;
  }

  set maxSize(value: number) {
    if (!Number.isInteger(value) || value <= 0 || value > MAX_MESSAGE_SIZE_CEILING)
      throw new RangeError(`maxSize must be an integer in 1..${MAX_MESSAGE_SIZE_CEILING}`);
    if (value === this.#maxSize) return;
    this.#maxSize = value;
    this.#exchange?.announce();
  }

  /** The strictest requirement trusted neighbours announced, or undefined. */
  floor(): NetworkFloor | undefined {
    if (!this.#exchange) return undefined;
    this.#floorCache ??= { value: networkFloor(this.#exchange.entries().filter((e) => this.#init.isTrusted(e.peer))) };
    return this.#floorCache.value;
  }

  /** The last requirement a connected neighbour announced (trusted or not). */
  requirementOf(peer: PeerId): Requirement | undefined {
    return this.#exchange?.get(peer);
  }

  readonly dropFloor = (): void => {
    this.#floorCache = undefined;
  };

  /** Own setting raised to the floor (stricter is always safe: higher minPow, lower maxSize wins). */
  current(): ValidationPolicy {
    const f = this.floor();
    return {
      minPow: Math.max(this.#minPow, f?.minPow ?? 0),
      maxSize: Math.min(this.#maxSize, f?.maxSize ?? this.#maxSize),
      now: Math.floor(this.#init.now() / 1000),
    };
  }

  // What gossip from a neighbour is penalised below: our own setting (or, just after a raise, the
  // previous one). Between this and current() an envelope is ignored, not rejected: the floor is our
  // relays' requirement, which a neighbour may not know, and a raise may have crossed envelopes in flight.
  penalty(): ValidationPolicy {
    const minPow = this.#graceActive() ? Math.min(this.#graceMinPow, this.#minPow) : this.#minPow;
    return { minPow, maxSize: this.#maxSize, now: Math.floor(this.#init.now() / 1000) };
  }

  /** Valid by penalty() but below current(): ignored, never forwarded to the relays that set the floor. */
  below(envelope: VerifiedEnvelope): boolean {
    const p = this.current();
    return envelope.pow < p.minPow || envelopeSize(envelope) > p.maxSize;
  }

  // A post our own setting accepts but the floor refuses gets geth's text plus the requirement, so
  // the page sees why at once (-32000) instead of its relay cutting this peer off after a few posts.
  /** The error to throw for a post `policy` (= current()) rejected with `error`. */
  postError(error: WhisperError, rlp: Uint8Array, policy: ValidationPolicy, has: (h: Uint8Array) => boolean): WhisperError {
    if (error.code !== 'low-pow' && error.code !== 'too-large') return error;
    if (validateEnvelope(rlp, { ...policy, minPow: this.#minPow, maxSize: this.#maxSize }, has).kind === 'reject') return error;
    const by = this.floor()?.by;
    const who = by ? `relay ${by.toString().slice(-8)}` : 'relay';
    return error.code === 'low-pow'
      ? new WhisperError('low-pow', `message rejected, PoW too low (${who} requires ${policy.minPow})`)
      : new WhisperError('too-large', `huge messages are not allowed (relay allows ${policy.maxSize} bytes)`);
  }

  #graceActive(): boolean {
    return performance.now() < this.#graceUntil;
  }
}
