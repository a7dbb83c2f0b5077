// The popup tells the user what is happening (docs/SECURITY.md "Screens"), in Chromium and Firefox with
// the built extension and a relay: the toolbar badge counts waiting approvals and the popup's banner
// brings them forward; the status says in words whether the node is connected, what it holds and what
// arrived in the last hour; proof of work in progress shows the site and how far, and Cancel ends the
// site's post; an identity's key is shown whole on demand with a Copy button.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askUntilWindow, buildExtension, cleanup, launchChromium, launchFirefox, serve, startRelay, pageRequest as rpc, type Answer, type BrowserSession, type ExtensionPage, type TestPage } from './harness.ts';

const PAGE = '<!doctype html><meta charset="utf-8"><title>popup test</title><p>test page</p>';
const TOPIC = '0x706f7031';

const ext = (p: TestPage, op: string, params: unknown = {}): Promise<any> =>
  p.evaluate(([o, pr]) => ((globalThis as any).browser ?? (globalThis as any).chrome).runtime.sendMessage({ channel: 'shh-popup', op: o, params: pr }), [op, params] as [string, unknown]);
/** The toolbar button's badge text, read from an extension page (Chrome's action, Firefox's browserAction). */
const badge = (p: TestPage): Promise<string> =>
  p.evaluate(() => {
    const g = (globalThis as any).browser ?? (globalThis as any).chrome;
    return (g.action ?? g.browserAction).getBadgeText({});
  }, undefined);

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
}
const text = (p: TestPage) => p.evaluate(() => document.body.innerText, undefined);

let relay: Awaited<ReturnType<typeof startRelay>>;
let dirs: { chrome: string; firefox: string };
const servers: { url: string; close(): Promise<void> }[] = [];

beforeAll(async () => {
  relay = await startRelay();
  dirs = buildExtension([relay.addrs.find((a) => a.startsWith('/ip4/127.0.0.1/') && a.includes('/ws'))!]);
  for (let i = 0; i < 2; i++) servers.push(await serve({ '/index.html': PAGE }));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await cleanup();
}, 60_000);

describe.each(['chromium', 'firefox'] as const)('the popup in %s', (name) => {
  let s: BrowserSession;
  let popup: ExtensionPage;
  let site: TestPage;
  const handled: string[] = [];

  beforeAll(async () => {
    s = name === 'chromium' ? await launchChromium(dirs.chrome) : await launchFirefox(dirs.firefox);
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  }, 30_000);

  it('the badge counts waiting approvals; the popup says so and brings the window forward', async () => {
    site = await s.newPage();
    await site.goto(`${servers[0]!.url}/index.html`);
    const { asked, win } = await askUntilWindow(s, () => rpc(site, 'shh_requestIdentities'), { except: handled });
    handled.push(win.url());
    expect(await eventually(() => badge(win), (b) => b === '1')).toBe('1');
    // The popup page in a tab (Firefox over BiDi cannot navigate to moz-extension:, so the window opens it).
    await win.evaluate(() => void ((globalThis as any).browser ?? (globalThis as any).chrome).tabs.create({ url: '/popup.html#status' }), undefined);
    popup = await s.waitForExtensionPage('popup.html');
    await popup.setViewport(400, 600);
    expect(await eventually(() => text(popup), (t) => t.includes('1 site is waiting for your answer.'))).toContain('1 site is waiting for your answer.');
    expect(await ext(popup, 'approvals:focus')).toEqual({ result: { focused: true } });
    await win.clickButton('Approve');
    expect((await asked).result).toEqual([]);
    expect(await eventually(() => badge(popup), (b) => b === '')).toBe('');
  }, 90_000);

  it('status in words: connected, messages held and their size, what arrived in the last hour', async () => {
    const key = (await rpc(site, 'shh_newSymKey')).result;
    for (let i = 0; i < 2; i++) expect((await rpc(site, 'shh_post', { symKeyID: key, topic: TOPIC, payload: '0x01', powTarget: 0.2, powTime: 5 })).result).toMatch(/^0x/);
    // Redrawn until the peer's status and its envelope events (which the traffic counts) have come in.
    const t = await eventually(
      async () => (await popup.evaluate(() => location.reload(), undefined).catch(() => undefined), await new Promise((r) => setTimeout(r, 300)), await text(popup).catch(() => '')),
      (x) => /Messages held for the network: [1-9]/.test(x) && /last \d+ min: [1-9]/.test(x) && x.includes('Connected to the Whisper network.'),
    );
    expect(t).toMatch(/Connected to the Whisper network\. Relays answering: 1 of 1; peers: \d+\./);
    expect(t).toMatch(/Messages held for the network: \d+ \(\d+(\.\d)? (B|KiB) on this computer\)\./);
    expect(t).toMatch(/Messages arrived in the last \d+ min: [1-9]\d* \(\d+(\.\d)? (B|KiB)\)\./);
    expect(t).toContain('No site is sealing a message now.');
  }, 60_000);

  it('proof of work in progress: the site and how far; Cancel ends the site\'s post', async () => {
    const key = (await rpc(site, 'shh_newSymKey')).result;
    const post = rpc(site, 'shh_post', { symKeyID: key, topic: TOPIC, payload: '0x02', powTarget: 50_000, powTime: 100 });
    const seal = await eventually(
      () => popup.evaluate(() => ({ text: document.getElementById('pow')?.innerText ?? '', value: Number((document.querySelector('#pow progress') as HTMLProgressElement | null)?.value ?? -1) }), undefined),
      (v) => v.value > 0,
    );
    expect(seal.text).toContain(servers[0]!.url);
    expect(seal.text).toMatch(/about \d+(\.\d)? % of the expected work, \d+\.\d s \(target 50000\)/);
    // A DOM click: the list is redrawn every second and a driver's element handle may go stale.
    await popup.evaluate((label) => (document.querySelector(`button[aria-label="${label}"]`) as HTMLButtonElement).click(), `Cancel the post of ${servers[0]!.url}`);
    expect((await post).error).toMatchObject({ code: -32000 });
    expect(await eventually(() => popup.evaluate(() => document.getElementById('pow')?.innerText ?? '', undefined), (x) => x.includes('No site is sealing'))).toContain('No site is sealing a message now.');
    expect((await ext(popup, 'seals:list')).result).toEqual([]);
  }, 60_000);

  it('an identity\'s key: short, whole on demand, with Copy', async () => {
    const { result: alice } = await ext(popup, 'identities:create', { name: 'Alice' });
    await popup.evaluate(() => ((location.hash = '#identities'), location.reload()), undefined);
    await eventually(() => popup.evaluate(() => !!document.querySelector('[aria-label="Public key of Alice"]'), undefined).catch(() => false), (v) => v);
    const shown = () => popup.evaluate(() => document.querySelector('[aria-label="Public key of Alice"]')!.textContent, undefined);
    const short = await shown();
    expect(short!.length).toBeLessThan(30);
    expect(alice.publicKey.startsWith(short!.split('…')[0])).toBe(true);
    await popup.clickButton('Show all of Public key of Alice');
    expect(await shown()).toBe(alice.publicKey);
    expect(await popup.evaluate(() => !!document.querySelector('button[aria-label="Copy Public key of Alice"]'), undefined)).toBe(true);
    expect(await popup.evaluate(() => document.querySelector('button[aria-label="Show all of Public key of Alice"]')!.getAttribute('aria-expanded'), undefined)).toBe('true');
    await popup.clickButton('Show all of Public key of Alice'); // a toggle: aria-expanded says which way
    expect(await shown()).toBe(short);
  }, 60_000);
});
