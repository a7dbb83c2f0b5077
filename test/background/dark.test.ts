// Dark posts in the extension (docs/API.md shh_post `dark`; docs/PRIVACY.md "The mix layer"): which
// way a post leaves (the site's `dark`, the user's "Send dark by default", "Always dark"), the clear
// -32000 when no mix path exists (nothing sent, no proof of work spent), and the two settings
// reaching the peer host, whose mix client runs while either is on.
import { describe, expect, it } from 'vitest';
import { NodeProxy } from '../../src/background/node-proxy.ts';
import type { DarkStatus, PeerChannel, PeerStatus } from '../../src/rpc/peer.ts';
import { SettingsRows } from '../../src/store/settings.ts';
import { FakePeer, Page, approveSite, backgrounds, popup, until, type Harness } from './fakes.ts';

const start = backgrounds();
const ORIGIN = 'https://dapp.example';

const ok = async (h: Harness, op: string, params: unknown = {}): Promise<any> => {
  const r = await popup(h, op, params);
  if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result;
};

const PATH: DarkStatus = { enabled: true, running: true, rateHz: 0.2, frameBytes: 1054, bytesPerHour: 758_880, hops: 3, wantHops: 3, relaysKnown: 3, posted: 0, loopsSent: 0, loopsBack: 0 };

async function site(o: { darkByDefault?: boolean; dark?: DarkStatus } = {}) {
  const peer = new FakePeer();
  if (o.dark) peer.dark = o.dark;
  const h = await start({ peer, ...(o.darkByDefault !== undefined ? { darkByDefault: o.darkByDefault } : {}) });
  const page = new Page(h, ORIGIN);
  await approveSite(h, page);
  const sym = (await page.call('shh_newSymKey')) as string;
  const post = (extra: Record<string, unknown> = {}) => page.raw('shh_post', [{ symKeyID: sym, topic: '0x01020304', payload: '0xdeadbeef', powTarget: 0.001, powTime: 1, ...extra }]);
  return { h, peer, page, post };
}

describe('which way a post leaves', () => {
  it('reaches the peer host as asked: default on goes dark, dark:false plain, always dark overrides dark:false and the default', async () => {
    const { h, peer, post } = await site({ darkByDefault: true, dark: PATH });
    expect((await post()).error).toBeUndefined();
    expect((await post({ payload: '0x01' , dark: false })).error).toBeUndefined();
    await ok(h, 'settings:set', { alwaysDark: true });
    expect((await post({ payload: '0x02', dark: false })).error).toBeUndefined();
    await ok(h, 'settings:set', { darkByDefault: false });
    expect((await post({ payload: '0x03' })).error).toBeUndefined(); // always dark, whatever the default
    expect(peer.posts.map((p) => p.dark)).toEqual([true, undefined, true, true]);
  });

  it('default off: absent and false go plain, dark:true goes dark', async () => {
    const { peer, post } = await site({ darkByDefault: false, dark: PATH });
    expect((await post()).error).toBeUndefined();
    expect((await post({ payload: '0x01', dark: false })).error).toBeUndefined();
    expect((await post({ payload: '0x02', dark: true })).error).toBeUndefined();
    expect(peer.posts.map((p) => p.dark)).toEqual([undefined, undefined, true]);
  });

  it('dark must be a boolean (-32602)', async () => {
    const { peer, post } = await site({ darkByDefault: false, dark: PATH });
    for (const bad of ['yes', 1, {}]) expect((await post({ dark: bad })).error?.code).toBe(-32602);
    expect(peer.posts).toEqual([]);
  });
});

describe('a dark post in the page', () => {
  it('reaches the page\'s own subscription when it comes back from the network, not before, and once', async () => {
    const { peer, page } = await site({ darkByDefault: true, dark: PATH });
    const sym = (await page.call('shh_newSymKey')) as string;
    const sub = (await page.call('shh_subscribe', 'messages', { symKeyID: sym, topics: ['0x01020304'] })) as string;
    const got = () => page.events('shh_subscription').filter((e) => (e.data as { subscription: string }).subscription === sub);
    const r = await page.raw('shh_post', [{ symKeyID: sym, topic: '0x01020304', payload: '0xdeadbeef', powTarget: 0.001, powTime: 1 }]);
    expect(r.result).toMatch(/^0x[0-9a-f]{64}$/);
    expect(peer.darkSent).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 50));
    expect(got()).toEqual([]);
    peer.receive(peer.darkSent[0]!); // the exit mix published it; gossip brought it back
    await until(() => got().length === 1);
    expect((got()[0]!.data as { result: { hash: string } }).result.hash).toBe(r.result);
  });
});

describe('a dark post without a mix path', () => {
  it('fails with -32000 naming what is missing, before any proof of work, and nothing is sent', async () => {
    const missing = 'no mix path: the entry relay has no valid mix key record (0 relays known)';
    const { peer, post } = await site({ darkByDefault: true, dark: { ...PATH, hops: 0, relaysKnown: 0, missing } });
    const r = await post();
    expect(r.error).toEqual({ code: -32000, message: `dark post not sent: ${missing}` });
    expect((await post({ dark: true })).error?.message).toBe(`dark post not sent: ${missing}`);
    expect(peer.calls).not.toContain('seal');
    expect(peer.posts).toEqual([]);
    // The plain path is still there for a site that asks for it.
    expect((await post({ dark: false })).error).toBeUndefined();
    expect(peer.posts.map((p) => p.dark)).toEqual([undefined]);
  });

  it('a peer with no mix layer: -32000 says so', async () => {
    const { peer, post } = await site({ darkByDefault: true });
    expect((await post()).error).toEqual({ code: -32000, message: "dark post not sent: this browser's peer has no mix layer" });
    expect(peer.posts).toEqual([]);
  });

  it('dark sending off in the settings: dark:true says so', async () => {
    const { peer, post } = await site({ darkByDefault: false, dark: { ...PATH, enabled: false, running: false, missing: 'dark sending is off in the extension settings' } });
    expect((await post({ dark: true })).error).toEqual({ code: -32000, message: 'dark post not sent: dark sending is off in the extension settings' });
    expect(peer.posts).toEqual([]);
  });
});

describe('before the peer host reported a status', () => {
  it('the worker asks it, so a dark post with no path is refused before the proof of work, not after', async () => {
    const missing = 'no mix path: 1 relay with a mix key known, 2 needed';
    const status: PeerStatus = { started: true, peerId: '12D3KooWfake', peers: 1, relays: [], envelopes: 0, bytes: 0, minPow: 0.2, maxSize: 1 << 20, dark: { ...PATH, hops: 1, relaysKnown: 1, missing } };
    const asked: string[] = [];
    const channel: PeerChannel = {
      request: async (op) => {
        asked.push(op);
        if (op !== 'status') throw new Error(`unexpected ${op}`);
        return status as never;
      },
      on: () => () => undefined,
    };
    const proxy = new NodeProxy({ channel, randomBytes: (n) => new Uint8Array(n) });
    expect(proxy.status).toBeNull(); // no resync yet: the worker has heard nothing from its peer
    expect(await proxy.unavailable()).toBe(missing);
    expect(asked).toEqual(['status']);
    expect(await proxy.unavailable()).toBe(missing); // now known: not asked again
    expect(asked).toEqual(['status']);
  });
});

describe('the settings', () => {
  it('ship "send dark by default" on and "always dark" off; refuse non-booleans; reach the peer as one switch', async () => {
    const h = await start({ darkByDefault: true });
    expect(await ok(h, 'settings:get')).toMatchObject({ darkByDefault: true, alwaysDark: false });
    for (const bad of [{ darkByDefault: 'no' }, { alwaysDark: 1 }, { alwaysDark: null }]) expect((await popup(h, 'settings:set', bad)).error?.code).toBe(-32602);
    expect(h.peer.configured).toEqual([]);
    await ok(h, 'settings:set', { darkByDefault: false });
    expect(h.peer.configured.at(-1)).toEqual({ dark: false });
    await ok(h, 'settings:set', { alwaysDark: true });
    expect(h.peer.configured.at(-1)).toEqual({ dark: true });
    expect(await new SettingsRows(h.db).get()).toEqual({ darkByDefault: false, alwaysDark: true });
    await h.bg.peerConnected(); // a new peer host hears it again
    expect(h.peer.configured.at(-1)).toEqual({ dark: true });
  });

  it('the wipe goes back to the build default in the peer', async () => {
    const h = await start({ darkByDefault: true });
    await ok(h, 'settings:set', { darkByDefault: false });
    await ok(h, 'vault:wipe', { confirm: 'wipe' });
    expect(h.peer.configured.at(-1)).toMatchObject({ dark: true });
    expect(h.bg.node.darkChoice).toEqual({ darkByDefault: true, alwaysDark: false });
  });
});
