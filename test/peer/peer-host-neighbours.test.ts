// PeerHost with browser discovery on the memory transport: two hosts whose only configured relay is
// a hub that forwards discovery announcements but holds no envelopes (no Whisper topic, no sync).
// With no explicit dial they find each other, link directly, catch up over that link, then gossip.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Multiaddr } from '@multiformats/multiaddr';
import { toHex } from '../../src/core/bytes.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { PowPool } from '../../src/core/pow-pool.ts';
import { addressPeerId } from '../../src/net/announcement.ts';
import { createWhisperNode, type WhisperLibp2p } from '../../src/net/node.ts';
import { PeerHost } from '../../src/peer/peer-host.ts';
import { openWhisperDb } from '../../src/store/db.ts';
import { makeEnvelope, testBytes } from '../core/fixtures.ts';
import { waitFor } from '../net/helpers.ts';

const T0 = 1_700_000_000;
const now = (): number => T0 * 1000;
const memoryRule = (ma: Multiaddr): boolean => ma.getComponents()[0]?.name === 'memory' && addressPeerId(ma) !== undefined;
const discovery = { rule: memoryRule, intervalMs: 300, settleMs: 20 };

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let dbCount = 0;
async function host(hub: WhisperLibp2p, init: { discovery?: false } = {}): Promise<PeerHost> {
  const db = await openWhisperDb(`peer-host-neighbours-${dbCount++}`);
  const h = new PeerHost({
    db,
    relays: [hub.getMultiaddrs()[0]!.toString()],
    // Posts here carry their own PoW; nothing is sealed.
    pow: new PowPool({ spawn: () => ({ postMessage: () => {}, listen: () => {}, terminate: () => {} }), size: 1 }),
    now,
    nodeInit: { role: 'test', gossip: { heartbeatInterval: 100 }, discovery: init.discovery ?? discovery },
    neighbours: { target: 2, tickMs: 100, backoffMinMs: 100, isNeighbour: (c) => c.status === 'open' && !c.remotePeer.equals(hub.peerId) },
    redialMinMs: 20,
    redialMaxMs: 100,
  });
  await h.start();
  cleanup.push(() => db.close(), () => h.stop());
  return h;
}

async function hub(): Promise<WhisperLibp2p> {
  const n = await createWhisperNode({ role: 'test', gossip: { heartbeatInterval: 100 }, discovery: { ...discovery, mode: 'forward' } });
  await n.start();
  cleanup.push(() => n.stop());
  return n;
}

const envelope = (seed: number): Uint8Array => encodeEnvelope(makeEnvelope({ now: T0, ttl: 600, data: testBytes(seed)(48) }));
const holds = (h: PeerHost, hash: Uint8Array): boolean => h.envelopes().some((e) => toHex(e.hash) === toHex(hash));

describe('PeerHost neighbours', () => {
  it('finds another browser through the hub, links directly, catches up over the link, then gossips over it', async () => {
    const r = await hub();
    const a = await host(r);
    const early = await a.post(envelope(1)); // before B exists: only catch-up can bring it to B
    const b = await host(r);
    await waitFor(() => (a.neighbours?.neighbours().length ?? 0) > 0 && (b.neighbours?.neighbours().length ?? 0) > 0, 10_000, 'direct link');
    expect(b.neighbours!.neighbours().map(String)).toEqual([a.peer.peerId.toString()]);
    await waitFor(() => holds(b, early.hash), 5000, 'catch-up over the neighbour link');
    expect((await b.store.live(T0)).map((row) => row.hash)).toContain(toHex(early.hash));
    const late = await b.post(envelope(2));
    await waitFor(() => holds(a, late.hash), 5000, 'gossip over the neighbour link'); // the hub carries no envelopes
    expect(r.getConnections().length).toBe(2); // the relay link stays for discovery and fallback
  }, 20_000);

  it('without discovery there is no keeper and no link forms', async () => {
    const r = await hub();
    const a = await host(r, { discovery: false });
    const b = await host(r, { discovery: false });
    expect(a.neighbours).toBeUndefined();
    await waitFor(() => a.status().relays.every((x) => x.connected) && b.status().relays.every((x) => x.connected), 5000, 'relays');
    await new Promise((res) => setTimeout(res, 500));
    expect(a.peer.node.getConnections().map((c) => c.remotePeer.toString())).toEqual([r.peerId.toString()]);
  }, 10_000);

  it('relays only: configure() turns discovery off (no announcements, no keeper, no direct link) and back on', async () => {
    const r = await hub();
    const a = await host(r);
    await a.configure({ relaysOnly: true });
    const b = await host(r); // so B never heard an announcement of A's
    expect(a.neighbours).toBeUndefined();
    expect(Object.keys(a.peer.node.services)).not.toContain('discovery');
    // B keeps announcing and looking: it never links to A, which announces nothing.
    await waitFor(() => a.status().relays.every((x) => x.connected), 5000, 'A on its relay');
    await new Promise((res) => setTimeout(res, 1500));
    expect(a.peer.node.getConnections().map((c) => c.remotePeer.toString())).toEqual([r.peerId.toString()]);
    expect(b.peer.node.getConnections(a.peer.peerId)).toEqual([]);
    await expect(a.configure({ relaysOnly: 'yes' as unknown as boolean })).rejects.toThrow(TypeError);
    // Back on: discovery links them again.
    await a.configure({ relaysOnly: false });
    await waitFor(() => b.peer.node.getConnections(a.peer.peerId).length > 0, 10_000, 'A and B linked again');
  }, 30_000);
});
