// The peer host in real browsers (ext design, docs/PROTOCOL.md §3): two Chromium profiles and one Firefox with
// the built extension and a relay on loopback. Each peer connects to the relay; envelopes travel
// Chrome->Chrome, Chrome->Firefox, Firefox->Chrome; two browsers open a direct WebRTC connection
// through the relay; an envelope posted while a profile was closed reaches it when it comes back
// (catch-up); and, as the long test, the Chrome peer still receives after 90 s of quiet.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { encodeEnvelope, envelopeHash } from '../../src/core/envelope.ts';
import type { PeerStatus } from '../../src/rpc/peer.ts';
import { makeEnvelope, testBytes } from '../core/fixtures.ts';
import type { RelayProcess } from '../relay/harness.ts';
import { buildExtension, cleanup, startRelay } from './harness.ts';
import { js, launchChromiumPeer, launchFirefoxPeer, type PeerBrowser } from './peer-inspect.ts';

const LONG = process.env.SHH_SKIP_LONG !== '1';

let relay: RelayProcess;
let ext: { chrome: string; firefox: string };
let a: PeerBrowser & { context: BrowserContext };
let b: PeerBrowser;
let f: PeerBrowser;
let profileB: string;
const profiles: string[] = [];
let seed = 1;

const profile = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'shh-peer-profile-'));
  profiles.push(d);
  return d;
};

/** A fresh envelope sent now, above the default minimum PoW; returns its RLP and hash in hex. */
function envelope(ttl = 600): { rlp: string; hash: string } {
  const rlp = encodeEnvelope(makeEnvelope({ now: Math.floor(Date.now() / 1000), ttl, data: testBytes(seed++)(64) }));
  return { rlp: toHex(rlp), hash: toHex(envelopeHash(rlp)) };
}

// Through the PeerServer, as the background would ask.
const post = (p: PeerBrowser, rlp: string) => p.run<{ hash: string }>(`return shhPeer.server.request('post', { rlp: '${rlp}' });`);
const status = (p: PeerBrowser) => p.run<PeerStatus>(`return shhPeer.server.request('status', {});`);
const holds = (p: PeerBrowser, hash: string) =>
  p.run<boolean>(`${js.hex} return shhPeer.host.envelopes().some((e) => '0x' + hex(e.hash) === '${hash}');`);
/** Whether the peer's IndexedDB row exists (durable, not only in memory). */
const stored = (p: PeerBrowser, hash: string) =>
  p.run<boolean>(`return (await shhPeer.host.store.live(0)).some((r) => r.hash === '${hash}');`);

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const relayConnected = async (p: PeerBrowser) => (await status(p)).relays.every((r) => r.connected);

beforeAll(async () => {
  relay = await startRelay();
  ext = buildExtension([relay.addr]);
  profileB = profile();
  [a, b, f] = await Promise.all([launchChromiumPeer(ext.chrome, profile()), launchChromiumPeer(ext.chrome, profileB), launchFirefoxPeer(ext.firefox)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), f?.close()]);
  await cleanup();
  for (const d of profiles) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('peer host in Chromium and Firefox', () => {
  it('each peer dials the build-time relay and holds a circuit (/p2p-circuit/webrtc) address', async () => {
    for (const p of [a, b, f]) await until('relay connection', () => relayConnected(p));
    const ids = await Promise.all([a, b, f].map(async (p) => (await status(p)).peerId));
    expect(new Set(ids).size).toBe(3);
    for (const p of [a, b, f]) {
      const s = await status(p);
      expect(s.relays).toEqual([{ addr: relay.addr, connected: true }]);
      expect(s).toMatchObject({ started: true, minPow: 0.2, maxSize: 65536 });
      await until('circuit address', async () =>
        (await p.run<string[]>(`return shhPeer.host.peer.getMultiaddrs().map(String);`)).some((m) => m.startsWith(relay.addr) && m.endsWith(`/p2p-circuit/webrtc/p2p/${s.peerId}`)),
      );
    }
  }, 60_000);

  it('Chrome -> Chrome and Chrome -> Firefox: posted in A, stored and pooled in B and Firefox', async () => {
    const e = envelope();
    expect(await post(a, e.rlp)).toEqual({ hash: e.hash });
    expect(await stored(a, e.hash)).toBe(true);
    await until('B has it', () => holds(b, e.hash));
    await until('Firefox has it', () => holds(f, e.hash));
    await until('B stored it', () => stored(b, e.hash));
    await until('Firefox stored it', () => stored(f, e.hash));
  }, 60_000);

  it('Firefox -> Chrome: posted in Firefox, received by both Chrome profiles', async () => {
    const e = envelope();
    expect(await post(f, e.rlp)).toEqual({ hash: e.hash });
    await until('A has it', () => holds(a, e.hash));
    await until('B has it', () => holds(b, e.hash));
  }, 60_000);

  it('refuses what the network would: a duplicate and an envelope without PoW answer -32000', async () => {
    const e = envelope();
    await post(a, e.rlp);
    await expect(post(a, e.rlp)).rejects.toThrow(/already known/);
    const weak = toHex(encodeEnvelope(makeEnvelope({ now: Math.floor(Date.now() / 1000), target: 0, data: testBytes(seed++)(64) })));
    const answer = await a.run(`return shhPeer.server.handle({ kind: 'request', id: 1, op: 'post', params: { rlp: '${weak}' } });`);
    expect(answer).toMatchObject({ kind: 'response', id: 1, error: { code: -32000, message: expect.stringMatching(/PoW/) } });
  }, 30_000);

  it('two browsers open a direct WebRTC connection through the relay', async () => {
    const target = async (p: PeerBrowser) =>
      (await p.run<string[]>(`return shhPeer.host.peer.getMultiaddrs().map(String);`)).find((m) => m.startsWith(relay.addr) && m.includes('/p2p-circuit/webrtc/'))!;
    const direct = async (from: PeerBrowser, to: string) =>
      (await from.run<{ addr: string; limited: boolean }[]>(
        `return shhPeer.host.peer.node.getConnections().filter((c) => c.remotePeer.toString() === '${to}').map((c) => ({ addr: c.remoteAddr.toString(), limited: c.limits !== undefined }));`,
      )).filter((c) => c.addr.includes('/webrtc') && !c.limited);
    // libp2p gives one address 6 s; with several browsers on two cores, signalling through the
    // relay plus ICE and DTLS can take longer, so a timed-out attempt is retried (as a product would).
    const dialWebRtc = async (from: PeerBrowser, addr: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await from.run(`await shhPeer.host.dial('${addr}'); return null;`);
        } catch (e) {
          if (attempt === 3 || !/timed out/.test(String(e))) throw e;
        }
      }
    };
    const idB = (await status(b)).peerId;
    await dialWebRtc(a, await target(b));
    await until('A sees a direct /webrtc connection to B', async () => (await direct(a, idB)).length > 0);
    const idF = (await status(f)).peerId;
    await dialWebRtc(a, await target(f));
    await until('A sees a direct /webrtc connection to Firefox', async () => (await direct(a, idF)).length > 0);
    // Gossip now has a path that skips the relay: an envelope still arrives (meshes include the link).
    const e = envelope();
    await post(b, e.rlp);
    await until('A has it', () => holds(a, e.hash));
  }, 90_000);

  it('catch-up: an envelope posted while B was closed reaches B when its profile reopens', async () => {
    const idB = (await status(b)).peerId;
    await b.close();
    const e = envelope(3600);
    await post(a, e.rlp);
    // It must have reached the relay (gossip), which then offers it to B's sync session.
    // A's post may take the stem towards B, now gone: it spreads at its embargo (5 s + Exp(5 s)) at worst.
    await until('relay has it', async () => ((await relay.rpc('shh_info')) as { messages: number }).messages > 0 && (await holds(f, e.hash)), 60_000);
    b = await launchChromiumPeer(ext.chrome, profileB);
    expect((await status(b)).peerId).toBe(idB); // a stable identity per profile
    await until('B caught up', () => holds(b, e.hash), 60_000);
    await until('B stored it', () => stored(b, e.hash));
  }, 120_000);

  it('Chrome: when the service worker stops, the offscreen peer reconnects its Port and keeps receiving', async () => {
    const link = () => a.run<{ connected: boolean; connects: number }>(`return { connected: shhPeerLink.connected, connects: shhPeerLink.connects };`);
    const before = await link();
    expect(before.connected).toBe(true);
    const cdp = await a.context.newCDPSession(a.context.pages()[0]!);
    try {
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      const e = envelope();
      await post(f, e.rlp); // arrives while the worker is down or restarting
      await until('A has it', () => holds(a, e.hash));
      // Reconnecting is what woke the worker: a new Port, hello first, then the queued events.
      await until('Port reconnected', async () => {
        const l = await link();
        return l.connected && l.connects > before.connects;
      });
    } finally {
      await cdp.detach();
    }
    const e2 = envelope();
    await post(b, e2.rlp);
    await until('A still receives', () => holds(a, e2.hash));
  }, 60_000);

  // The keepalive's own effect is not asserted: under automation a DevTools client is attached to the
  // service worker, and Chrome then never idles it out (seen: 100 s without keepalive, same Port).
  it.runIf(LONG)('[long] the Chrome and Firefox peers are still connected and receiving after 90 s idle', async () => {
    await until('A connected', () => relayConnected(a));
    await until('Firefox connected', () => relayConnected(f));
    await new Promise((r) => setTimeout(r, 90_000));
    expect(await relayConnected(a)).toBe(true);
    // Firefox runs the peer in an MV2 persistent background page, which is never suspended.
    expect(await relayConnected(f)).toBe(true);
    const e = envelope();
    await post(f, e.rlp);
    await until('A has it after the quiet', () => holds(a, e.hash));
    expect(await a.run<boolean>(`return shhPeerLink.connected;`)).toBe(true);
    const back = envelope();
    await post(a, back.rlp);
    await until('Firefox has it after the quiet', () => holds(f, back.hash));
  }, 150_000);
});
