// Discovery stays linear (src/net/sampled-forward.ts, docs/PROTOCOL.md §3.6): a relay forwards each
// announcement to `fanout` of its browsers, not to all of them, and browsers forward none; so the
// copies a relay sends grow with its browsers, not with their square. Memory transport, as
// discovery.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import type { Multiaddr } from '@multiformats/multiaddr';
import { addressPeerId, DISCOVERY_TOPIC } from '../../src/net/announcement.ts';
import { createWhisperNode, relayMesh, type WhisperLibp2p } from '../../src/net/node.ts';
import { sampledForwards } from '../../src/net/sampled-forward.ts';
import { waitFor } from './helpers.ts';

const memoryRule = (ma: Multiaddr): boolean => ma.getComponents()[0]?.name === 'memory' && addressPeerId(ma) !== undefined;
const BROWSERS = 10;
const FANOUT = 2;

let stops: Array<() => unknown> = [];
afterEach(async () => {
  await Promise.all(stops.map((s) => s()));
  stops = [];
});

async function node(mode: 'announce' | 'forward'): Promise<WhisperLibp2p> {
  const n = await createWhisperNode({
    role: 'test',
    // The hub meshes with every browser, as a relay does (node.ts relayMesh); no lazy gossip.
    gossip: { heartbeatInterval: 100, ...(mode === 'forward' ? { options: { ...relayMesh(), Dlazy: 0, gossipFactor: 0 } } : {}) },
    discovery: { rule: memoryRule, intervalMs: 500, settleMs: 20, mode, fanout: FANOUT },
  });
  await n.start();
  stops.push(() => n.stop());
  return n;
}

describe('discovery fanout', () => {
  it('a relay forwards each announcement to fanout browsers in rotation; browsers forward none', async () => {
    const hub = await node('forward');
    const browsers: WhisperLibp2p[] = [];
    for (let i = 0; i < BROWSERS; i++) {
      const b = await node('announce');
      await b.dial(hub.getMultiaddrs()[0]!);
      browsers.push(b);
    }
    // One direct browser link: what browser 0 hears must not travel on to browser 1 through it.
    await browsers[0]!.dial(browsers[1]!.getMultiaddrs()[0]!);
    await waitFor(() => hub.services.pubsub.getMeshPeers(DISCOVERY_TOPIC).length === BROWSERS, 20_000, 'the hub meshed with every browser');
    let accepted = 0;
    hub.services.discovery!.addEventListener('verdict', (e) => void (e.detail.kind === 'accept' && accepted++));
    const heard = browsers.map(() => new Set<string>());
    let received = 0;
    browsers.forEach((b, i) =>
      b.services.discovery!.addEventListener('verdict', (e) => {
        received++;
        if (e.detail.kind === 'accept') heard[i]!.add(e.detail.announcement.peerId);
      }),
    );
    const sent0 = sampledForwards(hub.services.pubsub);
    // Enough rounds that the rotation reaches every browser; waits on the count, not on time.
    await waitFor(() => accepted >= 4 * BROWSERS, 30_000, 'four rounds of announcements at the hub');
    const sent = sampledForwards(hub.services.pubsub) - sent0;
    expect(sent).toBeLessThanOrEqual(FANOUT * accepted + FANOUT); // one may be in flight
    // What browsers received came from the hub (at most fanout per announcement) plus, over the one
    // direct link, the two browsers' own announcements (each announces directly to its neighbours).
    const direct = 2 * Math.ceil(accepted / BROWSERS) + 4;
    expect(received).toBeLessThanOrEqual(FANOUT * accepted + FANOUT + direct);
    // Not a flood: every-browser forwarding would have sent (BROWSERS - 1) copies of each.
    expect(received).toBeLessThan(((BROWSERS - 1) * accepted) / 2);
    // The rotation spreads them: every browser heard of someone.
    await waitFor(() => heard.every((h) => h.size > 0), 20_000, 'every browser to hear of another');
  }, 60_000);
});
