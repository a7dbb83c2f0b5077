// Who starts catch-up (docs/SYNC.md "Who starts", src/net/service.ts): the dialled side runs the
// session on a new direct connection, so a newcomer receives what it lacks without an id per
// envelope; the dialling side runs one only when the other has not started one within
// SYNC_FALLBACK_MS, which is what a peer of an older version (it answers, never starts) needs.
import { afterEach, describe, expect, it } from 'vitest';
import { EnvelopePool } from '../../src/core/pool.ts';
import { WhisperPeer } from '../../src/net/peer.ts';
import { SYNC_FALLBACK_MS, type WhisperService } from '../../src/net/service.ts';
import { CatchUp } from '../../src/net/sync/catch-up.ts';
import { envelopeRlp, now, startService, stopService, waitFor } from './helpers.ts';

const N = 5;
const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** A WhisperService on the memory transport that counts the catch-up runs it starts. */
async function service(): Promise<{ s: WhisperService; runs: () => number }> {
  let runs = 0;
  const s = await startService({
    onSync: async (run) => {
      runs++;
      await run;
    },
  });
  stops.push(() => stopService(s));
  return { s, runs: () => runs };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('who starts catch-up', () => {
  it('the dialled side: the newcomer gets every envelope and starts no session of its own', async () => {
    const a = await service();
    for (let k = 0; k < N; k++) await a.s.peer.publish(envelopeRlp(700 + k));
    const b = await service();
    await b.s.peer.dial(a.s.peer.getMultiaddrs()[0]!);
    await waitFor(() => b.s.peer.pool.size === N, 30_000, 'the newcomer to hold every envelope');
    expect(a.runs()).toBe(1);
    // A's session has reached B (B holds its envelopes), so B's fallback, when it fires, finds it.
    await sleep(SYNC_FALLBACK_MS + 500);
    expect(b.runs()).toBe(0);
  }, 60_000);

  it('a dialled peer that starts nothing (an older version): the dialler starts one after the fallback', async () => {
    // The older peer: a WhisperPeer with catch-up that answers sessions and never starts one.
    const pool = new EnvelopePool({ now });
    const old = await WhisperPeer.create({ now, pool, minPow: 0, nodeInit: { role: 'test', gossip: { heartbeatInterval: 100 } } });
    const catchUp = new CatchUp({ node: old.node, pool, admission: old.admission, now });
    pool.start();
    await old.start();
    await catchUp.start();
    stops.push(async () => {
      await catchUp.stop();
      await old.stop();
      pool.stop();
    });
    for (let k = 0; k < N; k++) await old.publish(envelopeRlp(800 + k));
    const b = await service();
    await b.s.peer.dial(old.getMultiaddrs()[0]!);
    await waitFor(() => b.s.peer.pool.size === N, 30_000, 'the dialler to catch up from the older peer');
    expect(b.runs()).toBe(1);
  }, 60_000);
});
