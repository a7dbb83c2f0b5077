import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import {
  BROWSER_ADDRESS_DIAL_TIMEOUT_MS,
  BROWSER_DIAL_TIMEOUT_MS,
  createWhisperNode,
  DEFAULT_RELAY_LIMITS,
  relayDialGater,
  type WhisperLibp2p,
  type WhisperNodeInit,
} from '../../src/net/node.ts';
import { waitFor } from './helpers.ts';

let running: WhisperLibp2p[] = [];
afterEach(async () => {
  await Promise.all(running.map((n) => n.stop()));
  running = [];
});

describe('relayDialGater: the browser default with a narrow exception', () => {
  const relay = '/ip4/127.0.0.1/tcp/9090/ws';
  const gater = relayDialGater([relay]);
  const deny = (a: string) => gater.denyDialMultiaddr!(multiaddr(a));
  const P = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5';

  it.each([
    [relay, false],
    [`${relay}/p2p/${P}`, false],
    [`${relay}/p2p/${P}/p2p-circuit/webrtc/p2p/${P}`, false], // WebRTC signalled through the allowed relay
    ['/ip4/127.0.0.1/tcp/9091/ws', true], // another local port: still the browser default
    ['/ip4/192.168.1.10/tcp/9090/ws', true], // private and plain ws
    ['/ip4/10.0.0.1/tcp/443/tls/ws', true], // private, even over TLS
    ['/ip4/8.8.8.8/tcp/80/ws', true], // public but plain ws
    ['/ip4/8.8.8.8/tcp/443/tls/ws', false], // public and secure: the browser default allows it
    ['/dns4/relay.example.org/tcp/443/wss', false],
    [`/ip4/127.0.0.1/tcp/9091/ws/p2p/${P}/p2p-circuit/webrtc`, true], // circuit through a relay not allowed
    [`/ip4/8.8.8.8/tcp/443/tls/ws/p2p/${P}/p2p-circuit/webrtc/p2p/${P}`, true], // a public relay nobody configured: discovery must not lead there
    [`/dns4/relay.example.org/tcp/443/wss/p2p/${P}/p2p-circuit/p2p/${P}`, true],
  ])('%s → deny %s', (addr, denied) => {
    expect(deny(addr)).toBe(denied);
  });

  it('with no relays configured it is exactly the browser default', () => {
    const strict = relayDialGater([]);
    expect(strict.denyDialMultiaddr!(multiaddr(relay))).toBe(true);
  });
});

describe('createWhisperNode', () => {
  it('keeps an injected identity (the relay persists its key)', async () => {
    const key = await generateKeyPair('Ed25519');
    const node = await createWhisperNode({ role: 'test', privateKey: key });
    expect(node.peerId.equals(peerIdFromPrivateKey(key))).toBe(true);
    expect(node.status).toBe('stopped'); // built, not started: WhisperPeer starts it
  });

  it('announces the configured addresses instead of the listen addresses', async () => {
    const node = await createWhisperNode({ role: 'test', announce: ['/dns4/relay.example.org/tcp/443/wss'] });
    running.push(node);
    await node.start();
    expect(node.getMultiaddrs().map((a) => a.toString().split('/p2p/')[0])).toEqual(['/dns4/relay.example.org/tcp/443/wss']);
  });

  it('discovery per role: browsers announce, relays forward, tests only when asked; false turns it off', async () => {
    const modes = await Promise.all(
      [{ role: 'browser' }, { role: 'relay', port: 0 }, { role: 'test' }, { role: 'test', discovery: {} }, { role: 'browser', discovery: false }].map(
        async (init) => (await createWhisperNode(init as WhisperNodeInit)).services.discovery?.mode,
      ),
    );
    expect(modes).toEqual(['announce', 'forward', undefined, 'announce', undefined]);
  });

  it('dial budgets: the browser role waits longer for WebRTC through a relay; the init overrides', async () => {
    type Budget = { components: { connectionManager: { dialQueue: { dialTimeout: number; addressDialTimeout: number } } } };
    const budget = async (init: WhisperNodeInit) => {
      const q = ((await createWhisperNode(init)) as unknown as Budget).components.connectionManager.dialQueue;
      return [q.dialTimeout, q.addressDialTimeout];
    };
    expect(await budget({ role: 'browser' })).toEqual([BROWSER_DIAL_TIMEOUT_MS, BROWSER_ADDRESS_DIAL_TIMEOUT_MS]);
    expect(BROWSER_ADDRESS_DIAL_TIMEOUT_MS).toBeGreaterThan(6000); // libp2p's default, seen exceeded
    expect(await budget({ role: 'browser', dialTimeoutMs: 5000, addressDialTimeoutMs: 4000 })).toEqual([5000, 4000]);
    expect(await budget({ role: 'test' })).toEqual([10_000, 6000]); // libp2p's own
  });

  it('rejects an unknown role', async () => {
    await expect(createWhisperNode({ role: 'miner' as never })).rejects.toThrow(TypeError);
  });

  it('relay: WebSockets listener, circuit relay server with raised limits, and a browser-role node reserves a slot on it', async () => {
    const relay = await createWhisperNode({ role: 'relay', host: '127.0.0.1', port: 0 });
    running.push(relay);
    await relay.start();
    expect(relay.services.relay).toBeDefined();
    const addr = relay.getMultiaddrs().find((a) => a.toString().includes('/ws'));
    expect(addr?.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//);
    expect(DEFAULT_RELAY_LIMITS.maxReservations).toBeGreaterThan(15);

    const head = addr!.toString().split('/p2p/')[0]!;
    const browser = await createWhisperNode({ role: 'browser', allowedRelays: [head] });
    running.push(browser);
    await browser.start();
    await browser.dial(addr!);
    // identify tells the browser node the relay speaks HOP; it reserves and gets a circuit address.
    await waitFor(() => browser.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')), 8000, 'reservation');
    const circuit = browser.getMultiaddrs().map(String).find((a) => a.includes('/p2p-circuit'))!;
    expect(circuit.startsWith(head)).toBe(true);
    const reservation = relay.services.relay!.reservations.get(browser.peerId);
    // the raised limits are what the relay applies, not libp2p's 2 min / 128 KiB
    expect(reservation?.limit).toEqual({ duration: 10 * 60 * 1000, data: 1n << 20n });
  });

  it('browser, relays only: reaches its relay, but no WebRTC (nothing dialled or accepted), no reservation, no announcements', async () => {
    const relay = await createWhisperNode({ role: 'relay', host: '127.0.0.1', port: 0 });
    running.push(relay);
    await relay.start();
    const addr = relay.getMultiaddrs().find((a) => a.toString().includes('/ws'))!;
    const head = addr.toString().split('/p2p/')[0]!;
    const browser = await createWhisperNode({ role: 'browser', allowedRelays: [head], relaysOnly: true });
    running.push(browser);
    await browser.start();
    await browser.dial(addr);
    await waitFor(() => browser.getConnections(relay.peerId).length > 0, 5000, 'the relay link');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // identify has run: a full browser reserves by now
    expect(Object.keys(browser.services)).not.toContain('discovery');
    expect(browser.getMultiaddrs()).toEqual([]);
    expect(relay.services.relay!.reservations.get(browser.peerId)).toBeUndefined();
    expect(browser.getProtocols().filter((p) => /webrtc|circuit/.test(p))).toEqual([]);
    // Another browser's circuit WebRTC address through the same relay cannot be dialled at all.
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    const other = `${addr.toString()}/p2p-circuit/webrtc/p2p/${stranger.toString()}`;
    let dialled = false;
    await browser.dial(multiaddr(other)).then(
      () => (dialled = true),
      () => {},
    );
    expect(dialled).toBe(false);
  });
});
