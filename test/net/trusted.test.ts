// ConfiguredPeers (src/net/trusted.ts): which neighbours count as the operator's configured relays.
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfiguredPeers } from '../../src/net/trusted.ts';
import { connect, createPeers, stopAll, waitFor } from './helpers.ts';

let running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await stopAll(running);
  running = [];
});

describe('ConfiguredPeers', () => {
  it('trusts a peer once we dialled it at a configured address; not a peer that dialled us, nor one elsewhere', async () => {
    const [a, b, c, d] = await createPeers(4);
    running.push(a!, b!, c!, d!);
    const bare = b!.getMultiaddrs()[0]!; // memory addresses carry no /p2p/ id
    const named = c!.getMultiaddrs()[0]!.encapsulate(multiaddr(`/p2p/${c!.peerId.toString()}`));
    const configured = new ConfiguredPeers(a!.node, [bare.toString(), named.toString(), 'not an address']);
    configured.start();
    // c is named by its /p2p/ id: trusted before any connection
    expect(configured.has(c!.peerId)).toBe(true);
    expect(configured.has(b!.peerId)).toBe(false);
    await a!.dial(bare);
    await waitFor(() => configured.has(b!.peerId), 3000, 'b learnt');
    await connect(d!, a!); // inbound to a, and d is not configured
    expect(configured.has(d!.peerId)).toBe(false);
    configured.stop();
  });
});
