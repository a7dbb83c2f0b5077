// Dark sending in the browser's peer (docs/PRIVACY.md, "The mix layer"): runs the mix client while
// the user's settings enable it, so its Poisson send clock runs for as long as dark sending is on and
// is never started by a first dark post; sends a dark post through it; reports what it costs and
// whether a path exists. Invariants: a dark post either enters the mix layer or throws a
// WhisperError-coded RpcError (-32000) naming what is missing; nothing here ever sends it plainly.

import { FRAME_SIZE } from '../core/mix/constants.ts';
import { isWhisperError } from '../core/errors.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import type { DarkStatus } from '../rpc/peer.ts';

/** Bytes one frame costs on the wire: FRAME_SIZE plus its length prefix, yamux and Noise framing. */
export const WIRE_FRAME_BYTES = FRAME_SIZE + 30;

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
  sent?: number;
  loopsSent?: number;
  loopsBack?: number;
}

/** Frames per hour at `rateHz` times their size: the upload the clock costs whatever is posted. */
export const bytesPerHour = (rateHz: number, frameBytes: number): number => Math.round(rateHz * frameBytes * 3600);

export const NO_MIX_LAYER = "this browser's peer has no mix layer";
export const DARK_OFF = 'dark sending is off in the extension settings';

export class DarkSending {
  #enabled = false;
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
      return await this.#role!.post(rlp);
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
      sent: s?.sent ?? 0,
      loopsSent: s?.loopsSent ?? 0,
      loopsBack: s?.loopsBack ?? 0,
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
