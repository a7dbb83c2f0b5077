// The relay role admits a reconnection wave from one address (src/net/node.ts DEFAULT_RELAY_LIMITS):
// browsers behind one NAT or a TLS proxy all come from one IP, and libp2p's default of 5 inbound
// connections a second per IP would refuse most of them after a relay restart.
import { webSockets } from '@libp2p/websockets';
import { afterEach, describe, expect, it } from 'vitest';
import { createWhisperNode, type WhisperLibp2p } from '../../src/net/node.ts';

const CLIENTS = 24;

describe('relay inbound limits', () => {
  const nodes: WhisperLibp2p[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  it(`accepts ${CLIENTS} clients dialling from 127.0.0.1 at the same moment`, async () => {
    const relay = await createWhisperNode({ role: 'relay', host: '127.0.0.1', port: 0 });
    nodes.push(relay);
    await relay.start();
    const addr = relay.getMultiaddrs()[0]!;
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, () =>
        // Generous dial budgets: on a loaded machine 24 Noise handshakes at once are slow, not refused.
        createWhisperNode({ role: 'test', listen: [], transports: [webSockets()], dialTimeoutMs: 60_000, addressDialTimeoutMs: 60_000 }),
      ),
    );
    nodes.push(...clients);
    await Promise.all(clients.map((c) => c.start()));
    const results = await Promise.allSettled(clients.map((c) => c.dial(addr)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  }, 120_000);
});
