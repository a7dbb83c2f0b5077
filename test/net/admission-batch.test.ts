// Batch admission (src/net/admission.ts admitBatch), what catch-up hands each batch to: every valid
// envelope made durable in one write, a bad one refused alone and counted against its sender, the
// rest admitted; durable before pooled; a failed batch write retried one by one.
import { peerIdFromString } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import { bytesToKey } from '../../src/core/bytes.ts';
import type { StorableEnvelope } from '../../src/core/envelope-store.ts';
import { envelopeHash } from '../../src/core/envelope.ts';
import { EnvelopePool } from '../../src/core/pool.ts';
import { EnvelopeAdmission, type AdmissionGuard, type AdmissionInit } from '../../src/net/admission.ts';
import { envelopeRlp, T0 } from './helpers.ts';

const PEER = peerIdFromString('12D3KooWLRPJAA5o6Z6Zq3EvLVSUDpr9s3Fm1RWbwgTzfbRq3HKQ');
const POLICY = { now: T0, minPow: 0.001, maxSize: 1 << 20 };
const good = (seed: number): Uint8Array => envelopeRlp(seed, { target: 0.001 });

function setup(store: AdmissionInit['store']) {
  const pool = new EnvelopePool({ now: () => T0 * 1000 });
  const penalised: string[] = [];
  const guard: AdmissionGuard = {
    isCut: () => false,
    take: () => 'ok',
    penalised: (p) => penalised.push(p.toString()),
    penalise: (p) => penalised.push(p.toString()),
  };
  const forwarded: { hash: string; source: string }[] = [];
  const admission = new EnvelopeAdmission({
    pool,
    ...(store ? { store } : {}),
    rules: { current: () => POLICY },
    guard,
    forward: (e, s) => void forwarded.push({ hash: bytesToKey(e.hash), source: s.kind }),
  });
  admission.start();
  return { pool, admission, penalised, forwarded };
}

/** A store that records its writes; `failMany` makes putMany throw, `failPut` refuses those hashes. */
function recordingStore(o: { failMany?: boolean; failPut?: Set<string> } = {}) {
  const rows = new Map<string, StorableEnvelope>();
  const calls: string[] = [];
  return {
    rows,
    calls,
    put(e: StorableEnvelope) {
      calls.push('put');
      if (o.failPut?.has(bytesToKey(e.hash))) throw new Error('disk full');
      rows.set(bytesToKey(e.hash), e);
    },
    async putMany(es: readonly StorableEnvelope[]) {
      calls.push(`putMany(${es.length})`);
      if (o.failMany) throw new Error('batch too large for the disk');
      for (const e of es) rows.set(bytesToKey(e.hash), e);
    },
  };
}

const sync = { kind: 'sync' as const, peer: PEER };
const items = (rlps: Uint8Array[]) => rlps.map((rlp) => ({ rlp, hash: envelopeHash(rlp) }));

describe('EnvelopeAdmission.admitBatch', () => {
  it('a bad envelope in the middle is refused alone and counted; the rest go durable in one write, then pooled and forwarded', async () => {
    const store = recordingStore();
    const { pool, admission, penalised, forwarded } = setup(store);
    const lowPow = envelopeRlp(9, { target: 0 }); // valid bytes, PoW below the minimum
    const batch = [good(1), good(2), Uint8Array.of(0xc1, 0x80), lowPow, good(3), good(4)];
    const out = await admission.admitBatch([...items(batch.slice(0, 2)), { rlp: batch[2]! }, ...items(batch.slice(3))], { source: sync });
    expect(out.map((r) => r.kind)).toEqual(['accept', 'accept', 'reject', 'reject', 'accept', 'accept']);
    expect(out[2]!.kind === 'reject' && out[2]!.error.code).toBe('bad-envelope');
    expect(out[3]!.kind === 'reject' && out[3]!.error.code).toBe('low-pow');
    expect(penalised).toEqual([PEER.toString(), PEER.toString()]);
    expect(store.calls).toEqual(['putMany(4)']);
    expect(store.rows.size).toBe(4);
    expect(pool.size).toBe(4);
    // Forwarded with its source named, so the forward can leave that peer out.
    expect(forwarded.map((f) => f.source)).toEqual(['sync', 'sync', 'sync', 'sync']);
  });

  it('pools the whole batch in one run, in order: a listener hears every add before the turn ends', async () => {
    const { pool, admission } = setup(recordingStore());
    const heard: number[] = [];
    let turnEnded = false;
    pool.addEventListener('added', () => {
      heard.push(turnEnded ? -1 : pool.size);
      if (heard.length === 1) queueMicrotask(() => (turnEnded = true));
    });
    await admission.admitBatch(items([good(1), good(2), good(3), good(4)]), { source: sync });
    expect(heard).toEqual([1, 2, 3, 4]);
  });

  it('a second copy within the batch, or one already pooled, is a duplicate and not written again', async () => {
    const store = recordingStore();
    const { admission } = setup(store);
    await admission.admit(good(1), { source: { kind: 'own' } });
    const out = await admission.admitBatch(items([good(1), good(2), good(2)]), { source: sync });
    expect(out.map((r) => (r.kind === 'ignore' ? r.reason : r.kind))).toEqual(['duplicate', 'accept', 'duplicate']);
    expect(store.calls).toEqual(['put', 'putMany(1)']);
  });

  it('when the batch write fails, each envelope is written alone: what fits is admitted, what does not is refused as not stored', async () => {
    const refused = good(2);
    const store = recordingStore({ failMany: true, failPut: new Set([bytesToKey(envelopeHash(refused))]) });
    const errors: unknown[] = [];
    const { pool, admission } = setup(store);
    const a = new EnvelopeAdmission({ pool, store, rules: { current: () => POLICY }, onError: (e) => errors.push(e) });
    const out = await a.admitBatch(items([good(1), refused, good(3)]), { source: sync });
    expect(out.map((r) => (r.kind === 'ignore' ? r.reason : r.kind))).toEqual(['accept', 'not-stored', 'accept']);
    expect(store.calls).toEqual(['putMany(3)', 'put', 'put', 'put']);
    // Durable before pooled: the refused one is not in the pool.
    expect(pool.has(envelopeHash(refused))).toBe(false);
    expect(pool.size).toBe(2);
    expect(errors.length).toBe(2); // the batch failure and the one refusal, each reported
  });

  it('without putMany the puts are issued together (a store that groups one turn commits them at once)', async () => {
    let inFlight = 0;
    let most = 0;
    const store = {
      async put() {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
      },
    };
    const { admission } = setup(store);
    const out = await admission.admitBatch(items([good(1), good(2), good(3)]), { source: sync });
    expect(out.every((r) => r.kind === 'accept')).toBe(true);
    expect(most).toBe(3);
  });
});
