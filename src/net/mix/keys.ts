// A relay's mix keys: one X25519 key per period (epoch = floor(now / keyPeriodMs)), made when first
// needed, honoured until keyGraceMs after its period so frames built just before a rotation still
// pass. Each key has its own replay cache, dropped with the key: a frame can never be replayed under
// a key that is gone, so the cache needs no memory beyond its key's life.

import { x25519 } from '@noble/curves/ed25519.js';
import type { PeelKey } from '../../core/mix/packet.ts';
import { ReplayCache } from '../../core/mix/replay.ts';
import type { RandomBytes } from './random.ts';

export interface MixKey extends PeelKey {
  epoch: number;
  publicKey: Uint8Array;
  /** The period it is current in: [notBefore, notBefore + period). */
  notBefore: number;
  /** Last instant it is honoured (end of period plus grace). */
  notAfter: number;
}

export interface MixKeysInit {
  now: () => number;
  randomBytes: RandomBytes;
  periodMs: number;
  graceMs: number;
  replayEntries: number;
}

export class MixKeys {
  readonly #init: MixKeysInit;
  readonly #keys = new Map<number, MixKey>();

  constructor(init: MixKeysInit) {
    if (!(init.periodMs > 0) || !(init.graceMs >= 0)) throw new RangeError('periodMs must be positive and graceMs >= 0');
    this.#init = init;
  }

  /** The key to publish and that new frames should use. */
  current(): MixKey {
    const now = this.#init.now();
    this.#prune(now);
    const epoch = Math.floor(now / this.#init.periodMs);
    let k = this.#keys.get(epoch);
    if (!k) {
      const secretKey = this.#init.randomBytes(32);
      if (secretKey.length !== 32) throw new TypeError('randomBytes(32) returned the wrong length');
      const notBefore = epoch * this.#init.periodMs;
      k = {
        epoch,
        secretKey,
        publicKey: x25519.getPublicKey(secretKey),
        notBefore,
        notAfter: notBefore + this.#init.periodMs + this.#init.graceMs,
        replay: new ReplayCache(this.#init.replayEntries),
      };
      this.#keys.set(epoch, k);
    }
    return k;
  }

  /** Keys a frame may be peeled with now: the current one first, then any still in its grace. */
  live(): MixKey[] {
    const cur = this.current();
    return [cur, ...[...this.#keys.values()].filter((k) => k !== cur).sort((a, b) => b.epoch - a.epoch)];
  }

  #prune(now: number): void {
    for (const [e, k] of this.#keys) if (now > k.notAfter) this.#keys.delete(e);
  }
}
