// The user's "relays only" setting (docs/PRIVACY.md "Relays only"): off by default, checked, saved in
// IndexedDB, handed to the peer host on change and after every peer hello, reset by the wipe.
import { describe, expect, it } from 'vitest';
import { SettingsRows } from '../../src/store/settings.ts';
import { FakePeer, PASSWORD, backgrounds, kill, popup, type Harness } from './fakes.ts';

const start = backgrounds();

const ok = async (h: Harness, op: string, params: unknown = {}): Promise<any> => {
  const r = await popup(h, op, params);
  if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result;
};

describe('settings: relays only', () => {
  it('is off by default and refuses anything but a boolean, saving and sending nothing', async () => {
    const h = await start();
    expect((await ok(h, 'settings:get')).relaysOnly).toBe(false);
    for (const bad of ['yes', 1, null, {}]) expect((await popup(h, 'settings:set', { relaysOnly: bad })).error?.code).toBe(-32602);
    expect(h.peer.configured).toEqual([]);
    expect(await new SettingsRows(h.db).get()).toEqual({});
  });

  it('is saved, sent to the peer host at once, and again after each peer hello', async () => {
    const h = await start();
    expect((await ok(h, 'settings:set', { relaysOnly: true })).relaysOnly).toBe(true);
    expect(h.peer.configured.at(-1)).toEqual({ relaysOnly: true });
    expect(await new SettingsRows(h.db).get()).toEqual({ relaysOnly: true });
    await h.bg.peerConnected(); // a new peer host said hello
    expect(h.peer.configured.at(-1)).toEqual({ relaysOnly: true });
    await ok(h, 'settings:set', { relaysOnly: false });
    expect(h.peer.configured.at(-1)).toEqual({ relaysOnly: false });
    expect((await ok(h, 'settings:get')).relaysOnly).toBe(false);
  });

  it('outlives the background: a restarted one reads it and hands it to its peer host', async () => {
    const h = await start();
    await ok(h, 'settings:set', { relaysOnly: true, minPow: 0.5 });
    kill(h);
    const peer = new FakePeer();
    const h2 = await start({ dbName: h.dbName, peer, vault: 'as-is' });
    await ok(h2, 'vault:unlock', { password: PASSWORD });
    expect((await ok(h2, 'settings:get')).relaysOnly).toBe(true);
    await h2.bg.peerConnected();
    expect(peer.configured.at(-1)).toEqual({ minPow: 0.5, relaysOnly: true });
  });

  it('the wipe turns it off in the peer host too', async () => {
    const h = await start();
    await ok(h, 'settings:set', { relaysOnly: true });
    await ok(h, 'vault:wipe', { confirm: 'wipe' });
    expect(await new SettingsRows(h.db).get()).toEqual({});
    expect(h.peer.configured.at(-1)).toMatchObject({ relaysOnly: false });
  });
});
