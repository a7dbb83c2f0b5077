// Relays find each other (relay/relay-directory.ts) with real relay processes: the third relay lists
// only the first, learns the second from the first's answer, and connects to it by itself.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, startRelay, waitFor, type RelayProcess } from './harness.ts';

afterAll(cleanup);

const peers = async (r: RelayProcess): Promise<number> => Number(await r.rpc('net_peerCount'));
const idOf = (r: RelayProcess): string => r.addr.split('/p2p/')[1]!;

describe('relay discovery', () => {
  it('C lists only A, learns B from A and connects to B; --relay-peers 0 learns but never dials', async () => {
    const a = await startRelay();
    const b = await startRelay(['--peer', a.addr]);
    await waitFor('B on A', async () => (await peers(a)) === 1, 30_000);
    const c = await startRelay(['--peer', a.addr, '--log-level', 'debug']);
    await waitFor('C connected to A and to B', async () => (await peers(c)) === 2 && (await peers(b)) === 2, 90_000);
    expect(c.stderr()).toMatch(new RegExp(` debug relay learnt peerId=${idOf(b)} `));
    expect(c.stderr()).not.toMatch(new RegExp(` debug relay learnt peerId=${idOf(c)} `)); // never itself
    expect(b.stderr()).not.toMatch(/12D3KooW/); // no peer ids below debug

    const d = await startRelay(['--peer', a.addr, '--relay-peers', '0', '--log-level', 'debug']);
    await waitFor('D learnt B and C', async () => new RegExp(`relay learnt peerId=${idOf(b)} `).test(d.stderr()) && new RegExp(`relay learnt peerId=${idOf(c)} `).test(d.stderr()), 60_000);
    expect(await peers(d)).toBe(1); // only its --peer
  }, 180_000);
});
