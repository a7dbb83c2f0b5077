// The back-fill walks the pool across event-loop turns; what arrives live meanwhile waits behind it,
// and an envelope met both ways is delivered once.

import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { toHex } from '../../src/core/bytes.ts';
import { sealSymmetric } from '../../src/core/message.ts';
import type { ReceivedMessage } from '../../src/core/filter.ts';
import type { VerifiedEnvelope } from '../../src/core/validate.ts';
import { Watchers } from '../../src/api/watchers.ts';
import { makeVerified } from '../core/fixtures.ts';

const NOW = 1_700_000_000;
const topic = Uint8Array.of(1, 2, 3, 4);
const key = randomBytes(32);
const env = (i: number): VerifiedEnvelope => makeVerified({ now: NOW + i, topic, data: sealSymmetric({ payload: Uint8Array.of(i) }, key, randomBytes), target: 1e-6 });

describe('Watchers back-fill', () => {
  it('yields between slices; a live envelope met during the walk is delivered once, after the back-fill', async () => {
    const pool = new Map<string, VerifiedEnvelope>();
    for (let i = 0; i < 20; i++) pool.set(toHex(env(i).hash), env(i));
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    const late = env(100);
    let step = 0;
    const w = new Watchers({
      filtersEndWithSession: true,
      sliceMs: 0, // a turn before every envelope
      envelopes: function* () {
        for (const e of pool.values()) {
          if (++step === 5) {
            pool.set(toHex(late.hash), late); // accepted now: the walk meets it too
            w.dispatch(late, false);
          }
          yield e;
        }
      },
    });
    const got: ReceivedMessage[] = [];
    await w.subscribe('s', 'session', { symKey: key, topics: [topic], minPow: 0, allowP2P: false }, (m) => got.push(m));
    clearInterval(timer);
    expect(turns).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 5)); // delivered on the next macrotask
    expect(got.map((m) => m.payload[0])).toEqual([...Array(20).keys(), 100]);
    await w.newFilter('f', 'session', { symKey: key, topics: [topic], minPow: 0, allowP2P: false });
    expect(w.take('f')!.map((m) => m.payload[0])).toEqual([...Array(20).keys(), 100]);
  });

  it('a watcher removed during its back-fill is refused, and its key slot is free again', async () => {
    const pool = [env(1), env(2), env(3)];
    const w = new Watchers({ filtersEndWithSession: true, sliceMs: 0, maxKeys: 1, envelopes: () => pool });
    const pending = w.newFilter('f', 'doc', { symKey: key, topics: [topic], minPow: 0, allowP2P: false });
    w.endSession('doc');
    await expect(pending).rejects.toThrow('removed before its back-fill finished');
    expect(w.keyCount).toBe(0);
    await w.newFilter('g', 'doc', { symKey: randomBytes(32), topics: [topic], minPow: 0, allowP2P: false });
    expect(w.keyCount).toBe(1);
  });
});
