// Per-IP caps at a relay (src/net/per-ip.ts): one host with throwaway peer ids cannot take every
// connection slot or every circuit reservation. Several stock libp2p nodes (fresh peer ids, all from
// 127.0.0.1) against the relay role; with the caps at 0 (a relay behind a proxy) all of them get in.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import { FaultTolerance } from '@libp2p/interface';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { createWhisperNode, type WhisperLibp2p } from '../../src/net/node.ts';
import type { PerIpLimits } from '../../src/net/per-ip.ts';
import { waitFor } from './helpers.ts';

const running: Array<{ stop(): void | Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

async function relay(perIp: Partial<PerIpLimits>): Promise<{ node: WhisperLibp2p; addr: string }> {
  const node = await createWhisperNode({ role: 'relay', host: '127.0.0.1', port: 0, discovery: false, perIp });
  running.push(node);
  await node.start();
  return { node, addr: node.getMultiaddrs()[0]!.toString() };
}

/** A stock node; with `reserveOn`, it listens on that relay's circuit (asks for a reservation at start). */
async function client(reserveOn?: string): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: reserveOn ? [`${reserveOn}/p2p-circuit`] : [] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    transportManager: { faultTolerance: FaultTolerance.NO_FATAL },
  });
  running.push(node);
  await node.start();
  return node;
}

/** Dials the relay from `n` fresh peer ids one after the other; returns how many connections stayed open. */
async function dialEach(addr: string, n: number): Promise<number> {
  let open = 0;
  for (let i = 0; i < n; i++) {
    const c = await client();
    await c.dial(multiaddr(addr)).catch(() => {});
    if (c.getConnections().length > 0) open++;
  }
  return open;
}

describe('per-IP caps at a relay', () => {
  it('connections: the fifth and sixth peer id from 127.0.0.1 are refused with a cap of 4; the first four stay', async () => {
    const r = await relay({ connectionsPerIp: 4, reservationsPerIp: 0 });
    expect(await dialEach(r.addr, 6)).toBe(4);
    expect(r.node.getConnections().length).toBe(4);
  }, 60_000);

  it('connections: with the cap at 0 (behind a proxy) all six get in', async () => {
    const r = await relay({ connectionsPerIp: 0, reservationsPerIp: 0 });
    expect(await dialEach(r.addr, 6)).toBe(6);
  }, 60_000);

  it('reservations: with a cap of 2, two peer ids from 127.0.0.1 hold one and the others are refused', async () => {
    const r = await relay({ connectionsPerIp: 0, reservationsPerIp: 2 });
    const reservations = (): number => (r.node.services as unknown as { relay: { reservations: { size: number } } }).relay.reservations.size;
    const clients: Libp2p[] = [];
    for (let i = 0; i < 4; i++) clients.push(await client(r.addr));
    await waitFor(() => reservations() >= 2, 10_000, 'two reservations');
    // Every client asked at start; give the refused ones time to have been refused, not just slow.
    await waitFor(() => clients.every((c) => c.getConnections().length > 0), 10_000, 'all connected');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reservations()).toBe(2);
    expect(clients.filter((c) => c.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))).length).toBe(2);
  }, 60_000);
});
