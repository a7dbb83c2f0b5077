// Replay tags seen under one mix key. A frame whose tag is here was processed already and is
// refused: a replayed frame would otherwise leave the mix again and link input to output. Bounded:
// when full, new frames are refused ('overloaded') rather than old tags forgotten, since forgetting
// would reopen the replay; the key's rotation empties it (the cache lives as long as its key).

import { bytesToKey } from '../bytes.ts';
import { REPLAY_TAG_SIZE } from './constants.ts';
import { MixError } from './errors.ts';

export class ReplayCache {
  readonly maxEntries: number;
  readonly #seen = new Set<string>();

  constructor(maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Records `tag`; throws `replay` if it was recorded before, `overloaded` if there is no room. */
  record(tag: Uint8Array): void {
    if (tag.length !== REPLAY_TAG_SIZE) throw new RangeError(`replay tag must be ${REPLAY_TAG_SIZE} bytes`);
    const key = bytesToKey(tag);
    if (this.#seen.has(key)) throw new MixError('replay', 'frame seen before under this key');
    if (this.#seen.size >= this.maxEntries) throw new MixError('overloaded', 'replay cache full until the key rotates');
    this.#seen.add(key);
  }
}
