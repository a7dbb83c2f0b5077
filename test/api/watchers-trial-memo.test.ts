// No envelope is tried twice against the same key: a second watcher of an identity, and the live path
// after a back-fill, read the first answer (src/core/trial-memo.ts) instead of another ECDH; the answers
// of a key go with its last watcher; the memo is bounded.

import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { Watchers } from '../../src/api/watchers.ts';
import { sealAsymmetric } from '../../src/core/message.ts';
import { nobleBackend, secp256k1Backend, setSecp256k1Backend } from '../../src/core/secp256k1.ts';
import { loadLibsecp256k1 } from '../../src/core/secp256k1-wasm.ts';
import { publicKeyOf } from '../../src/core/signature.ts';
import { TrialMemo } from '../../src/core/trial-memo.ts';
import type { VerifiedEnvelope } from '../../src/core/validate.ts';
import { makeVerified } from '../core/fixtures.ts';

const NOW = 1_700_000_000;
const topic = Uint8Array.of(1, 2, 3, 4);
const other = Uint8Array.of(9, 9, 9, 9);
const me = new Uint8Array(32).fill(0x31);
const stranger = new Uint8Array(32).fill(0x32);
const env = (i: number, to: Uint8Array, t = topic): VerifiedEnvelope =>
  makeVerified({ now: NOW + i, topic: t, data: sealAsymmetric({ payload: Uint8Array.of(i) }, publicKeyOf(to), randomBytes), target: 1e-6 });

/** Counts the ECDHs (one per asymmetric trial) of the fastest backend. */
function countTrials(): { readonly n: number } {
  const b = loadLibsecp256k1();
  const counter = { n: 0 };
  setSecp256k1Backend({
    ...b,
    sharedX: (k, p) => (counter.n++, b.sharedX(k, p)),
    eciesKey: (k, e, body, tag) => (counter.n++, b.eciesKey!(k, e, body, tag)),
  });
  return counter;
}

afterEach(() => setSecp256k1Backend(nobleBackend));

describe('Watchers: one trial per key and envelope', () => {
  it('a second watcher of the same key, on other criteria, decrypts nothing again; its messages are the same', async () => {
    const pool = [env(1, me), env(2, stranger), env(3, me), env(4, stranger, other), env(5, me, other)];
    const live = env(6, me); // sealed before counting: sealing is an ECDH too
    const w = new Watchers({ filtersEndWithSession: true, envelopes: () => pool });
    const trials = countTrials();
    await w.newFilter('all', 's', { privateKey: me, topics: [], minPow: 0, allowP2P: false });
    expect(trials.n).toBe(5);
    expect(w.take('all')!.map((m) => m.payload[0])).toEqual([1, 3, 5]);
    await w.newFilter('one-topic', 's', { privateKey: me, topics: [topic], minPow: 0, allowP2P: false });
    await w.newFilter('again', 's', { privateKey: me, topics: [], minPow: 0, allowP2P: false });
    expect(trials.n).toBe(5);
    expect(w.take('one-topic')!.map((m) => m.payload[0])).toEqual([1, 3]);
    expect(w.take('again')!.map((m) => m.payload[0])).toEqual([1, 3, 5]);
    // A live envelope is tried once for the three watchers; met again (the pool walk of a later
    // watcher), it is not tried again.
    w.dispatch(live, false);
    expect(trials.n).toBe(6);
    pool.push(live);
    await w.newFilter('late', 's', { privateKey: me, topics: [], minPow: 0, allowP2P: false });
    expect(trials.n).toBe(6);
    expect(w.take('late')!.map((m) => m.payload[0])).toEqual([1, 3, 5, 6]);
    // Another key has its own answers.
    await w.newFilter('stranger', 's', { privateKey: stranger, topics: [], minPow: 0, allowP2P: false });
    expect(trials.n).toBe(12);
    expect(w.take('stranger')!.map((m) => m.payload[0])).toEqual([2, 4]);
  });

  it('answers of a key go with its last watcher', async () => {
    const pool = [env(1, me), env(2, stranger)];
    const w = new Watchers({ filtersEndWithSession: true, envelopes: () => pool });
    const trials = countTrials();
    await w.newFilter('a', 's', { privateKey: me, topics: [], minPow: 0, allowP2P: false });
    await w.newFilter('b', 's', { privateKey: me, topics: [], minPow: 0, allowP2P: false });
    expect(trials.n).toBe(2);
    w.remove('a', 'filter');
    await w.newFilter('c', 's', { privateKey: me, topics: [], minPow: 0, allowP2P: false });
    expect(trials.n).toBe(2); // 'b' still holds the key
    w.remove('b', 'filter');
    w.remove('c', 'filter');
    await w.newFilter('d', 's', { privateKey: me, topics: [], minPow: 0, allowP2P: false });
    expect(trials.n).toBe(4);
    expect(secp256k1Backend().source).toMatch(/^libsecp256k1/);
  });
});

describe('TrialMemo', () => {
  const h = (i: number) => Uint8Array.of(i >> 8, i & 0xff, ...new Uint8Array(30));
  it('holds at most its limit, dropping the oldest answers first', () => {
    const m = new TrialMemo(3);
    for (let i = 0; i < 5; i++) m.set(i % 2 ? 'k1' : 'k2', h(i), null);
    expect(m.size).toBe(3);
    expect([0, 1, 2, 3, 4].map((i) => m.get(i % 2 ? 'k1' : 'k2', h(i)))).toEqual([undefined, undefined, null, null, null]);
  });

  it('forget drops a key, and its leftovers never grow the bookkeeping without bound', () => {
    const m = new TrialMemo(100);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) m.set(`k${round}`, h(i), null);
      m.forget(`k${round}`);
      expect(m.size).toBe(0);
    }
    m.set('x', h(1), null);
    expect(m.get('x', h(1))).toBeNull();
    expect(m.get('k3', h(1))).toBeUndefined();
    expect(() => new TrialMemo(0)).toThrow(RangeError);
  });
});
