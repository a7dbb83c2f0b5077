// Catch-up with a receiver slower than one session allows (large pools): a relay storing
// each envelope with an fsync takes minutes for a big backlog, longer than the session deadline. A
// session cut by its deadline while envelopes were still arriving must be followed by another, so the
// whole backlog arrives; a session that timed out having delivered nothing still ends the catch-up.
import { afterEach, describe, expect, it } from 'vitest';
import { validateEnvelope } from '../../src/core/validate.ts';
import { EnvelopeAdmission } from '../../src/net/admission.ts';
import { CatchUp, MAX_SESSIONS_PER_SYNC } from '../../src/net/sync/catch-up.ts';
import type { WhisperPeer } from '../../src/net/peer.ts';
import { connect, createPeers, envelopeRlp, now, sleep } from './helpers.ts';

const MIN_POW = 0.001;
const SESSION_TIMEOUT = 600;

let running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of running.reverse()) await r.stop();
  running = [];
});

async function pair(persistMs: number, held: number, refuse = false) {
  const [a, b] = (await createPeers(2, { minPow: MIN_POW })) as [WhisperPeer, WhisperPeer];
  running.push(a, b);
  for (let i = 0; i < held; i++) {
    const v = validateEnvelope(envelopeRlp(900 + i, { ttl: 3600, target: MIN_POW }), a.policy());
    if (v.kind === 'accept') a.pool.add(v.envelope);
  }
  const errors: unknown[] = [];
  const mk = (p: WhisperPeer, slow: boolean) =>
    new CatchUp({
      node: p.node,
      pool: p.pool,
      admission: new EnvelopeAdmission({
        pool: p.pool,
        rules: { current: () => p.policy() },
        // The slow side: a durable write that takes persistMs (an fsync under load).
        store: {
          put: slow
            ? () =>
                sleep(persistMs).then(() => {
                  if (refuse) throw new Error('disk full');
                })
            : () => {},
        },
        onError: (e) => errors.push(e),
      }),
      sync: { sessionTimeout: SESSION_TIMEOUT, batchEnvelopes: 4 },
      onError: (e) => errors.push(e),
      now,
    });
  const ca = mk(a, false);
  const cb = mk(b, true);
  for (const c of [ca, cb]) {
    await c.start();
    running.push({ stop: () => c.stop() });
  }
  await connect(b, a);
  return { a, b, cb, errors };
}

describe('catch-up slower than one session', () => {
  it('sessions cut by their deadline while envelopes arrive are followed by more, until the backlog is all there', async () => {
    // 40 envelopes at 50 ms each: ~2 s of writes, about four sessions of 600 ms.
    const { a, b, cb } = await pair(50, 40);
    expect(a.pool.size).toBe(40);
    await cb.syncWith(a.peerId);
    expect(b.pool.size).toBe(40);
  });

  it('a session that timed out having delivered nothing ends the catch-up (no endless retry)', async () => {
    // Each write outlasts the whole session and then fails: nothing is ever accepted.
    const { a, b, cb } = await pair(SESSION_TIMEOUT * 2, 1, true);
    const t = Date.now();
    await cb.syncWith(a.peerId);
    // One session (one refused write); retrying would take MAX_SESSIONS_PER_SYNC of them.
    expect(Date.now() - t).toBeLessThan(SESSION_TIMEOUT * 5);
    expect(b.pool.size).toBe(0);
    expect(MAX_SESSIONS_PER_SYNC).toBeGreaterThan(5);
  });
});
