// Relays find each other (relay/relay-directory.ts) with real relay processes: the third relay lists
// only the first, learns the second from the first's answer, and connects to it by itself.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, startRelay, waitFor, type RelayProcess } from './harness.ts';
import { sample } from './prometheus.ts';

afterAll(cleanup);

const peers = async (r: RelayProcess): Promise<number> => Number(await r.rpc('net_peerCount'));
const idOf = (r: RelayProcess): string => r.addr.split('/p2p/')[1]!;

describe('relay discovery', () => {
  it('C lists only A, learns B from A and connects to B; --relay-peers 0 learns but never dials', async () => {
    const a = await startRelay();
    const b = await startRelay(['--peer', a.addr]);
    await waitFor('B on A', async () => (await peers(a)) === 1, 30_000);
    // An envelope C will get by catch-up, not gossip: it is in the pools before C starts.
    const key = (await a.rpc('shh_newSymKey')) as string;
    const hash = await a.rpc('shh_post', [{ symKeyID: key, ttl: 300, topic: '0xd1500001', payload: '0x01', powTime: 10, powTarget: 0.25 }]);
    await waitFor('B has it', async () => ((await b.rpc('shh_info')) as { messages: number }).messages === 1);
    const c = await startRelay(['--peer', a.addr, '--log-level', 'debug', '--metrics-port', '0']);
    await waitFor('C connected to A and to B', async () => (await peers(c)) === 2 && (await peers(b)) === 2, 90_000);
    // C's metrics: two relay neighbours (its --peer and the one it found), the envelope by catch-up
    // (a session A runs: the side that is dialled starts it).
    const metrics = await waitFor('C got the envelope by catch-up', async () => {
      const t = await (await fetch(`${c.metricsUrl}/metrics`)).text();
      return sample(t, 'whisper_envelopes_total', { protocol: 'sync', outcome: 'accepted', reason: 'valid' }) >= 1 ? t : undefined;
    });
    expect(sample(metrics, 'whisper_peers', { kind: 'relay' })).toBe(2);
    expect(sample(metrics, 'whisper_peers', { kind: 'browser' })).toBe(0);
    expect(sample(metrics, 'whisper_envelopes_total', { protocol: 'sync', outcome: 'accepted', reason: 'valid' })).toBe(1);
    expect(sample(metrics, 'whisper_pool_envelopes')).toBe(1);
    expect(typeof hash).toBe('string');
    expect(c.stderr()).toMatch(new RegExp(` debug relay learnt peerId=${idOf(b)} `));
    expect(c.stderr()).not.toMatch(new RegExp(` debug relay learnt peerId=${idOf(c)} `)); // never itself
    expect(b.stderr()).not.toMatch(/12D3KooW/); // no peer ids below debug

    const d = await startRelay(['--peer', a.addr, '--relay-peers', '0', '--log-level', 'debug']);
    await waitFor('D learnt B and C', async () => new RegExp(`relay learnt peerId=${idOf(b)} `).test(d.stderr()) && new RegExp(`relay learnt peerId=${idOf(c)} `).test(d.stderr()), 60_000);
    expect(await peers(d)).toBe(1); // only its --peer
  }, 180_000);
});
