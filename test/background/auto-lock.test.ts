// What keeps the vault unlocked: only the user's own use of the extension's pages re-arms the
// auto-lock. A page that polls (connected or not) must not keep the keys open forever.
import { describe, expect, it } from 'vitest';
import { AUTO_LOCK_ALARM, TOUCH_EVERY_MS } from '../../src/background/auto-lock.ts';
import { FakePeer, Page, approveSite, backgrounds, popup, until } from './fakes.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const start = backgrounds();

describe('auto-lock re-arming', () => {
  it('page calls never re-arm it, whatever the site does; the popup does', async () => {
    let t = Date.now();
    const now = (): number => t;
    const h = await start({ now, peer: new FakePeer(now) });
    const arms = (): number => h.ext.alarms.created.filter((n) => n === AUTO_LOCK_ALARM).length;
    await until(() => arms() > 0);
    const connected = new Page(h, A);
    await approveSite(h, connected);
    const key = (await connected.call('shh_newSymKey')) as string;
    const filter = await connected.call('shh_newMessageFilter', { symKeyID: key, topics: ['0x01020304'] });
    await connected.call('shh_post', { symKeyID: key, topic: '0x01020304', payload: '0x01', powTarget: 0.001, powTime: 2 });
    const stranger = new Page(h, B);
    const before = arms();
    for (let i = 0; i < 3; i++) {
      t += TOUCH_EVERY_MS + 1;
      expect(await stranger.call('shh_getIdentities')).toEqual([]); // an unconnected site polling
      expect(await stranger.call('shh_version')).toBe('6.0');
      t += TOUCH_EVERY_MS + 1;
      await connected.call('shh_getFilterMessages', filter); // a connected site polling its filter
      await connected.call('shh_post', { symKeyID: key, topic: '0x01020304', payload: '0x02', powTarget: 0.001, powTime: 2 });
    }
    t += TOUCH_EVERY_MS + 1;
    expect((await popup(h, 'status', {})).error).toBeUndefined(); // the user opened the popup
    // Re-arming is asynchronous (it reads the setting): the popup's comes after any a page caused.
    await until(() => arms() > before);
    expect(arms()).toBe(before + 1);
  });
});
