// Dark posts through the mix layer (docs/API.md "Dark posts"; docs/PRIVACY.md "The mix layer"), in
// real browsers: three relays that mix (at the product's delays), two Chromium profiles and one
// Firefox profile built with "Send dark by default" on and a fast send clock. Each profile's mix
// client learns the three relays' signed key records from its relays and reports paths of three
// hops; each page's posts (by default, and with `dark: true`) go to its mix client, never the plain
// path, and reach all three pages. A profile whose only relay knows no other mix refuses a dark post
// with -32000 naming what is missing, and a `dark: false` post from it still goes out. Screenshots:
// the popup's status with dark sending active, the settings screen, and the too-few-relays status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayProcess } from '../relay/harness.ts';
import { artefactPath, askUntilWindow, buildExtension, cleanup, launchChromium, launchFirefox, pageRequest as rpc, serve, startRelay, type BrowserSession, type ExtensionPage, type TestPage } from './harness.ts';

const PAGE = '<!doctype html><meta charset="utf-8"><title>dark test</title><p>dark posts</p>';
const TOPIC = '0x6461726b';
/** The relays mix at the product's delays (mean 1 s a hop); the clients' clock is fast: 5 frames a second. */
const FAST_CLIENT = { rateHz: 5, loopTimeoutMs: 10_000 };
const POST = { topic: TOPIC, ttl: 120, powTarget: 0.2, powTime: 10 };

const ext = (p: TestPage, op: string, params: unknown = {}): Promise<any> =>
  p.evaluate(([o, pr]) => ((globalThis as any).browser ?? (globalThis as any).chrome).runtime.sendMessage({ channel: 'shh-popup', op: o, params: pr }), [op, params] as [string, unknown]);

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Party {
  name: string;
  browser: BrowserSession;
  page: TestPage;
  /** The extension's popup page in a tab (status and settings over the popup channel). */
  popup: ExtensionPage;
}

const hexOf = (s: string): string => '0x' + Buffer.from(s, 'utf8').toString('hex');
const darkOf = async (p: Party) => (await ext(p.popup, 'status')).result?.peer?.dark;

let relays: RelayProcess[];
let lonely: RelayProcess;
let site: Awaited<ReturnType<typeof serve>>;
let parties: Party[];

/** Opens the page, connects it (Approve), and opens the popup in a tab from the approval window. */
async function open(name: string, browser: BrowserSession): Promise<Party> {
  const page = await browser.newPage();
  await page.goto(`${site.url}/index.html`);
  const { asked, win } = await askUntilWindow(browser, () => rpc(page, 'shh_requestIdentities'));
  // Firefox over BiDi cannot navigate to moz-extension:, so an extension window opens the popup's tab.
  await win.evaluate(() => void ((globalThis as any).browser ?? (globalThis as any).chrome).tabs.create({ url: '/popup.html#status' }), undefined);
  const popup = await browser.waitForExtensionPage('popup.html');
  await popup.setViewport(400, 640);
  await win.clickButton('Approve');
  expect((await asked).result, `${name} connected`).toEqual([]);
  return { name, browser, page, popup };
}

beforeAll(async () => {
  const r1 = await startRelay();
  const r2 = await startRelay(['--peer', r1.addr]);
  const r3 = await startRelay(['--peer', r1.addr, '--peer', r2.addr]);
  relays = [r1, r2, r3];
  lonely = await startRelay(); // a mix that knows no other
  const dirs = buildExtension(relays.map((r) => r.addr), { darkByDefault: true, mixClient: FAST_CLIENT });
  site = await serve({ '/index.html': PAGE });
  const [a, b, c] = await Promise.all([launchChromium(dirs.chrome), launchChromium(dirs.chrome), launchFirefox(dirs.firefox)]);
  parties = [await open('Chromium A', a!), await open('Chromium B', b!), await open('Firefox C', c!)];
}, 240_000);

afterAll(async () => {
  await Promise.all((parties ?? []).map((p) => p.browser.close()));
  await site?.close();
  await cleanup();
}, 60_000);

describe('dark posts between two Chromium profiles and a Firefox profile through three mixing relays', () => {
  it('each profile runs its mix client from the start, with paths of three hops from the relays\' key records', async () => {
    for (const p of parties) {
      const dark = await until(`${p.name} has a 3-hop path`, () => darkOf(p), (d) => d?.hops === 3);
      expect(dark).toMatchObject({ enabled: true, running: true, hops: 3, wantHops: 3, relaysKnown: 3, rateHz: FAST_CLIENT.rateHz });
      expect(dark.missing).toBeUndefined();
      expect(dark.bytesPerHour).toBe(Math.round(FAST_CLIENT.rateHz * dark.frameBytes * 3600));
      expect((await ext(p.popup, 'settings:get')).result).toMatchObject({ darkByDefault: true, alwaysDark: false });
    }
  }, 120_000);

  it('each page\'s posts (by default and with dark: true) go to its mix client and reach all three pages', async () => {
    const [a] = parties;
    const key = (await rpc(a!.page, 'shh_newSymKey')).result as string;
    const raw = (await rpc(a!.page, 'shh_getSymKey', key)).result as string;
    const keys = [key];
    for (const p of parties.slice(1)) keys.push((await rpc(p.page, 'shh_addSymKey', raw)).result as string);
    const filters: string[] = [];
    for (const [i, p] of parties.entries()) {
      const f = await rpc(p.page, 'shh_newMessageFilter', { symKeyID: keys[i], topics: [TOPIC] });
      expect(f.error).toBeUndefined();
      filters.push(f.result as string);
    }
    const postedBefore = await Promise.all(parties.map(async (p) => (await darkOf(p)).posted as number));
    const sent: { from: number; hash: string; payload: string }[] = [];
    for (const [i, p] of parties.entries()) {
      for (const dark of [undefined, true]) {
        const payload = hexOf(`${p.name} ${dark === undefined ? 'by default' : 'dark: true'}`);
        const r = await rpc(p.page, 'shh_post', { ...POST, symKeyID: keys[i], payload, ...(dark === undefined ? {} : { dark }) });
        expect(r.error, `${p.name} posts`).toBeUndefined();
        sent.push({ from: i, hash: r.result as string, payload });
      }
    }
    const got: Map<string, string>[] = parties.map(() => new Map());
    await until(
      'every post at every page',
      async () => {
        for (const [i, p] of parties.entries()) {
          const r = await rpc(p.page, 'shh_getFilterMessages', filters[i]);
          for (const m of (r.result ?? []) as { hash: string; payload: string }[]) got[i]!.set(m.hash, m.payload);
        }
        return got.map((g) => g.size);
      },
      (sizes) => sizes.every((n) => n === sent.length),
      90_000,
    );
    for (const [i] of parties.entries()) for (const s of sent) expect(got[i]!.get(s.hash), `${parties[i]!.name} got ${s.payload}`).toBe(s.payload);
    // Each profile handed both of its posts to its mix client (none took the plain path).
    for (const [i, p] of parties.entries()) expect((await darkOf(p)).posted - postedBefore[i]!, p.name).toBe(2);
  }, 180_000);

  it('screenshots: the popup\'s status with dark sending active, and the settings screen', async () => {
    const a = parties[0]!;
    await a.popup.evaluate(() => ((location.hash = '#status'), location.reload()), undefined);
    const text = await until('the dark status line', () => a.popup.evaluate(() => document.getElementById('status-dark')?.textContent ?? '', undefined).catch(() => ''), (t) => t.includes('Dark sending is on'));
    expect(text).toMatch(/Dark sending is on: every post crosses 3 mixes\. The send clock ticks 5 times a second .* costs \d+(\.\d)? MiB of upload an hour\./);
    await a.popup.screenshot(artefactPath('dark-popup-status-chromium.png'), { fullPage: true });
    await a.popup.evaluate(() => ((location.hash = '#settings'), location.reload()), undefined);
    await until('the settings form', () => a.popup.evaluate(() => document.body.innerText, undefined).catch(() => ''), (t) => t.includes('Send dark by default'));
    const boxes = await a.popup.evaluate(() => [...document.querySelectorAll('label')].filter((l) => /dark/i.test(l.textContent ?? '')).map((l) => ({ text: l.textContent!.trim(), checked: (l.querySelector('input') as HTMLInputElement | null)?.checked })), undefined);
    expect(boxes).toEqual([
      { text: 'Send dark by default', checked: true },
      { text: 'Always dark (sites cannot ask for a plain post)', checked: false },
    ]);
    await a.popup.screenshot(artefactPath('dark-popup-settings-chromium.png'), { fullPage: true });
  }, 60_000);
});

describe('too few relays', () => {
  it('a dark post fails with -32000 naming what is missing; dark: false still goes out', async () => {
    const c = parties[2]!;
    expect((await ext(c.popup, 'settings:set', { relays: [lonely.addr] })).error).toBeUndefined();
    const dark = await until('Firefox C knows only its one relay', () => darkOf(c), (d) => d?.relaysKnown === 1 && d?.hops === 0);
    expect(dark.missing).toMatch(/relay/);
    const key = (await rpc(c.page, 'shh_newSymKey')).result as string;
    const r = await rpc(c.page, 'shh_post', { ...POST, symKeyID: key, payload: '0x01' });
    expect(r.error?.code).toBe(-32000);
    expect(r.error?.message).toMatch(/^dark post not sent: .*relay/);
    expect((await rpc(c.page, 'shh_post', { ...POST, symKeyID: key, payload: '0x02', dark: true })).error?.message).toBe(r.error?.message);
    expect((await rpc(c.page, 'shh_post', { ...POST, symKeyID: key, payload: '0x03', dark: false })).result).toMatch(/^0x[0-9a-f]{64}$/);
    await c.popup.evaluate(() => ((location.hash = '#status'), location.reload()), undefined);
    // Read until the reloaded page shows it (the old document may answer first).
    const text = await until('the dark status line', () => c.popup.evaluate(() => document.getElementById('status-dark')?.textContent ?? '', undefined).catch(() => ''), (t) => t.includes('cannot send now'));
    expect(text).toMatch(/^Dark sending is on but cannot send now: .*nothing is sent less dark\.$/);
    await c.popup.screenshot(artefactPath('dark-popup-too-few-firefox.png'), { fullPage: true });
  }, 120_000);
});
