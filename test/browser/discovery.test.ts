// Browser discovery in real browsers (docs/PROTOCOL.md §3): two Chromium profiles and one Firefox with the
// built extension and one relay on loopback, and no explicit dial anywhere. The peers announce their
// circuit WebRTC addresses on /shh/6/discovery/1.0.0, find each other and open direct /webrtc links;
// then the relay is killed and an envelope posted in A still reaches B and Firefox over those links.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { encodeEnvelope, envelopeHash } from '../../src/core/envelope.ts';
import type { PeerStatus } from '../../src/rpc/peer.ts';
import { makeEnvelope, testBytes } from '../core/fixtures.ts';
import type { RelayProcess } from '../relay/harness.ts';
import { buildExtension, cleanup, startRelay } from './harness.ts';
import { js, launchChromiumPeer, launchFirefoxPeer, type PeerBrowser } from './peer-inspect.ts';

let relay: RelayProcess;
let a: PeerBrowser;
let b: PeerBrowser;
let f: PeerBrowser;
const profiles: string[] = [];

const profile = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'shh-discovery-profile-'));
  profiles.push(d);
  return d;
};

const status = (p: PeerBrowser) => p.run<PeerStatus>(`return shhPeer.server.request('status', {});`);
const holds = (p: PeerBrowser, hash: string) =>
  p.run<boolean>(`${js.hex} return shhPeer.host.envelopes().some((e) => '0x' + hex(e.hash) === '${hash}');`);
/** Remote peer ids of the peer's open, unlimited /webrtc connections, with their direction. */
const direct = (p: PeerBrowser) =>
  p.run<{ peer: string; direction: string }[]>(
    `return shhPeer.host.peer.node.getConnections().filter((c) => c.status === 'open' && !c.limits && c.remoteAddr.toString().includes('/webrtc')).map((c) => ({ peer: c.remotePeer.toString(), direction: c.direction }));`,
  );
const connectedTo = (p: PeerBrowser) => p.run<string[]>(`return shhPeer.host.peer.node.getConnections().map((c) => c.remotePeer.toString());`);

async function until(what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  relay = await startRelay();
  const ext = buildExtension([relay.addr]);
  [a, b, f] = await Promise.all([launchChromiumPeer(ext.chrome, profile()), launchChromiumPeer(ext.chrome, profile()), launchFirefoxPeer(ext.firefox)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), f?.close()]);
  await cleanup();
  for (const d of profiles) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('browser discovery through the relay', () => {
  it('with no explicit dial, the browsers open direct /webrtc links to each other', async () => {
    const started = Date.now();
    const [idA, idB, idF] = await Promise.all([a, b, f].map(async (p) => (await status(p)).peerId));
    // Each pair needs only one side to dial; both ends then see the same link.
    const linked = async (p: PeerBrowser, others: string[]) => {
      const peers = new Set((await direct(p)).map((c) => c.peer));
      return others.every((o) => peers.has(o));
    };
    await until('A links to B and Firefox', () => linked(a, [idB!, idF!]), 90_000);
    await until('B links to A and Firefox', () => linked(b, [idA!, idF!]), 90_000);
    await until('Firefox links to A and B', () => linked(f, [idA!, idB!]), 90_000);
    console.log(`direct links formed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Someone dialled each link: an outbound end exists, where catch-up runs.
    const ends = (await Promise.all([a, b, f].map(direct))).flat();
    expect(ends.filter((c) => c.direction === 'outbound').length).toBeGreaterThanOrEqual(3);
    // The relay link stays (catch-up and fallback); no browser dialled the relay over WebRTC.
    for (const p of [a, b, f]) expect((await status(p)).relays).toEqual([{ addr: relay.addr, connected: true }]);
  }, 200_000);

  it('after the relay is killed, an envelope posted in A reaches B and Firefox over WebRTC', async () => {
    const relayId = relay.addr.split('/p2p/')[1]!;
    relay.child.kill('SIGKILL');
    await relay.exited;
    for (const p of [a, b, f]) await until('relay connection gone', async () => !(await connectedTo(p)).includes(relayId), 30_000);
    const rlp = encodeEnvelope(makeEnvelope({ now: Math.floor(Date.now() / 1000), ttl: 600, data: testBytes(7)(64) }));
    const hash = toHex(envelopeHash(rlp));
    expect(await a.run(`return shhPeer.server.request('post', { rlp: '${toHex(rlp)}' });`)).toEqual({ hash });
    await until('B has it', () => holds(b, hash), 30_000);
    await until('Firefox has it', () => holds(f, hash), 30_000);
  }, 90_000);
});
