// Deterministic mixes and randomness for the mix-layer tests.
import { sha256 } from '@noble/hashes/sha2.js';
import { expBase } from '../../../src/core/mix/kdf.ts';
import type { PathHop, PeelKey, RandomBytes } from '../../../src/core/mix/packet.ts';
import { ReplayCache } from '../../../src/core/mix/replay.ts';

const enc = new TextEncoder();

/** sha256(seed ‖ counter) blocks: fixed bytes for a fixed seed. */
export function seeded(seed: string): RandomBytes {
  let counter = 0;
  let block = new Uint8Array(0);
  let used = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (used === block.length) {
        block = sha256(enc.encode(`${seed}/${counter++}`));
        used = 0;
      }
      out[i] = block[used++]!;
    }
    return out;
  };
}

export interface TestMix {
  hop: PathHop;
  secretKey: Uint8Array;
  keys: PeelKey[];
}

export function testMix(name: string, maxEntries = 1000): TestMix {
  const secretKey = sha256(enc.encode(`mix key ${name}`));
  return {
    hop: { nodeId: sha256(enc.encode(`node ${name}`)), mixKey: expBase(secretKey) },
    secretKey,
    keys: [{ secretKey, replay: new ReplayCache(maxEntries) }],
  };
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
