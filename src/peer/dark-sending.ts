// Dark sending in the browser's peer (docs/PRIVACY.md, "The mix layer"): runs the mix client while
// the user's settings enable it, so its Poisson send clock runs for as long as dark sending is on and
// is never started by a first dark post; sends a dark post through it; reports what it costs and
// whether a path exists. Invariants: a dark post either enters the mix layer or throws a
// WhisperError-coded RpcError (-32000) naming what is missing; nothing here ever sends it plainly.

import type { MixService } from '../net/mix/mix-service.ts';
import { WIRE_FRAME_BYTES } from '../net/mix/mix-service.ts';
import { isWhisperError } from '../core/errors.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import type { DarkStatus } from '../rpc/peer.ts';

export { WIRE_FRAME_BYTES };
/** Fewest hops a dark post may take: with one relay's mix alone, that relay would know the sender. */
export const MIN_HOPS = 2;

/** What the mix client of the running network offers the peer host (narrow, so fakes can test it). */
export interface MixClientRole {
  start(): void;
  stop(): void;
  /** Queues the envelope's frames on the send clock; throws saying what is missing (no entry, no path). */
  post(rlp: Uint8Array): Promise<{ hops: number; short: boolean }> | { hops: number; short: boolean };
  status(): MixClientState;
}

export interface MixClientState {
  running: boolean;
  rateHz: number;
  frameBytes?: number;
  /** Hops a path would have now (0: none), and what the settings ask for. */
  hops: number;
  wantHops: number;
  relaysKnown: number;
  /** Why no path exists now, in words. */
  missing?: string;
  loopsSent?: number;
  loopsBack?: number;
}

/** Frames per hour at `rateHz` times their size: the upload the clock costs whatever is posted. */
export const bytesPerHour = (rateHz: number, frameBytes: number): number => Math.round(rateHz * frameBytes * 3600);

export const NO_MIX_LAYER = "this browser's peer has no mix layer";
export const DARK_OFF = 'dark sending is off in the extension settings';

export class DarkSending {
  #enabled = false;
  #posted = 0;
  #role: MixClientRole | undefined;
  readonly #defaultRateHz: number;
  readonly #wantHops: number;

  constructor(defaults: { rateHz: number; hops: number }) {
    this.#defaultRateHz = defaults.rateHz;
    this.#wantHops = defaults.hops;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** The user's settings: on starts the clock of the current network's client (if any), off stops it. */
  setEnabled(on: boolean): void {
    if (on === this.#enabled) return;
    this.#enabled = on;
    if (on) this.#role?.start();
    else this.#role?.stop();
  }

  /** The network (re)started with this client (undefined: the network has none, or stopped). */
  attach(role: MixClientRole | undefined): void {
    if (role === this.#role) return;
    this.#role?.stop();
    this.#role = role;
    if (role && this.#enabled) role.start();
  }

  /** Sends one verified envelope dark, or throws -32000 naming what is missing. */
  async post(rlp: Uint8Array): Promise<{ hops: number; short: boolean }> {
    const missing = this.#missing();
    if (missing) throw new RpcError(RPC.whisper, `dark post not sent: ${missing}`);
    try {
      const r = await this.#role!.post(rlp);
      this.#posted++;
      return r;
    } catch (e) {
      // The mix layer's own refusals (WhisperError 'dark-unavailable', a validation error) say it already.
      if (e instanceof RpcError || isWhisperError(e)) throw e;
      throw new RpcError(RPC.whisper, `dark post not sent: ${(e as Error).message}`);
    }
  }

  status(): DarkStatus {
    const s = this.#role?.status();
    const rateHz = s?.rateHz ?? this.#defaultRateHz;
    const frameBytes = s?.frameBytes ?? WIRE_FRAME_BYTES;
    const missing = this.#missing();
    return {
      enabled: this.#enabled,
      running: this.#enabled && (s?.running ?? false),
      rateHz,
      frameBytes,
      bytesPerHour: bytesPerHour(rateHz, frameBytes),
      hops: s?.hops ?? 0,
      wantHops: s?.wantHops ?? this.#wantHops,
      relaysKnown: s?.relaysKnown ?? 0,
      ...(missing ? { missing } : {}),
      posted: this.#posted,
      loopsSent: s?.loopsSent ?? 0,
      loopsBack: s?.loopsBack ?? 0,
    };
  }

  /** The running network's mix client, adapted (the extension's peer is a client, never a mix). */
  static role(mix: MixService): MixClientRole {
    return {
      start: () => mix.setActive(true),
      stop: () => mix.setActive(false),
      post: async (rlp) => {
        const r = await mix.postDark(rlp);
        return { hops: r.hops, short: r.short };
      },
      status: () => {
        const s = mix.status();
        return {
          running: s.active,
          rateHz: s.rateHz,
          frameBytes: WIRE_FRAME_BYTES,
          hops: s.hops,
          wantHops: s.wantedHops,
          relaysKnown: s.relays,
          ...(s.hops === 0 && s.missing ? { missing: s.missing } : {}),
          loopsSent: s.loops.sent,
          loopsBack: s.loops.returned,
        };
      },
    };
  }

  #missing(): string | undefined {
    if (!this.#enabled) return DARK_OFF;
    if (!this.#role) return NO_MIX_LAYER;
    const s = this.#role.status();
    if (s.hops === 0) return s.missing ?? 'no mix path: no relay with a valid mix key is known';
    return undefined;
  }
}
