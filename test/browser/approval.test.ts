// The approval window cannot be tricked (docs/SECURITY.md "Approval window"), in Chromium and Firefox
// with the built extension: nothing approving is focused, a click as the window appears or right after
// it regains focus is ignored; a rejected site is backed off; a frame's approval names the page that
// embeds it; a plain http: site is warned about and its identities stay locked until acknowledged; a
// locked vault asks for the password in the window, then goes on to the connect screen; the popup's
// "Delete for good" follows the same rule; a file: page is refused (and what Chrome reports for it).
// "As it appears" is tested by loading the window again with a script that clicks Approve the moment
// the button exists, before any timer of the page can run.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artefactPath, askUntilWindow, buildExtension, cleanup, launchChromium, launchFirefox, serve, VAULT_PASSWORD, pageRequest as rpc, type Answer, type BrowserSession, type ExtensionPage, type TestPage } from './harness.ts';

const PAGE = '<!doctype html><meta charset="utf-8"><title>approval test</title><p>test page</p>';
/** A frame page that runs window.shh requests its parent asks for by message, and posts the answers back. */
const FRAME = `<!doctype html><meta charset="utf-8"><title>frame</title><p>frame</p><script>
addEventListener('message', async (e) => {
  if (!e.data || !e.data.ask) return;
  let answer;
  try { answer = { result: await window.shh.request({ method: e.data.m, params: e.data.p }) }; }
  catch (err) { answer = { error: { code: err.code, message: err.message } }; }
  parent.postMessage({ reply: e.data.ask, answer }, '*');
});
</script>`;
const INSECURE_HOST = 'plain.test';


/** A popup-channel request from an extension page. */
const ext = (p: TestPage, op: string, params: unknown = {}): Promise<any> =>
  p.evaluate(
    ([o, pr]) => {
      const g = globalThis as any;
      return (g.browser ?? g.chrome).runtime.sendMessage({ channel: 'shh-popup', op: o, params: pr });
    },
    [op, params] as [string, unknown],
  );

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const waitText = async (p: TestPage, text: string): Promise<string> => {
  const body = await eventually(() => p.evaluate(() => document.body.innerText, undefined), (t) => t.includes(text));
  if (!body.includes(text)) throw new Error(`"${text}" never appeared; the page shows:\n${body}`);
  return body;
};
const buttons = (w: TestPage) => w.evaluate(() => [...document.querySelectorAll('button')].map((b) => b.textContent), undefined);
/** Settled within `ms`? (an answer that should come at once, or should not come yet) */
const settledWithin = <T,>(p: Promise<T>, ms: number): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

/** Loads the approval window again with a script that clicks Approve the moment it exists; the click must meet a disabled, unfocused button. */
async function raceTheWindow(win: ExtensionPage): Promise<void> {
  await win.beforeLoad(() => {
    new MutationObserver((_, o) => {
      const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Approve');
      if (!b) return;
      o.disconnect();
      (window as any).raced = { disabled: b.disabled, focused: document.activeElement === b };
      b.click();
    }).observe(document, { childList: true, subtree: true });
  });
  await win.evaluate(() => location.reload(), undefined).catch(() => undefined);
  const raced = await eventually(() => win.evaluate(() => (window as any).raced, undefined).catch(() => undefined), (v) => v !== undefined);
  expect(raced).toEqual({ disabled: true, focused: false });
  await waitText(win, 'Connect this site to Whisper?');
}

let ext0: { chrome: string; firefox: string };
const servers: { url: string; close(): Promise<void> }[] = [];

beforeAll(async () => {
  ext0 = buildExtension();
  for (let i = 0; i < 4; i++) servers.push(await serve({ '/index.html': PAGE, '/frame.html': FRAME }));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await cleanup();
}, 60_000);

describe.each(['chromium', 'firefox'] as const)('the approval window in %s', (name) => {
  let s: BrowserSession;
  let alice: { id: string };
  const shot = (p: TestPage, screen: string) => p.screenshot(artefactPath(`approval-${name}-${screen}.png`));
  const A = () => servers[0]!.url;
  const handled: string[] = []; // approval windows already answered (Firefox lists closing ones a while)
  const approvalWindow = async (): Promise<ExtensionPage> => {
    const w = await s.waitForExtensionPage('approval.html', { except: handled });
    handled.push(w.url());
    return w;
  };
  const askWindow = async <T,>(ask: () => Promise<T>) => {
    const r = await askUntilWindow(s, ask, { except: handled });
    handled.push(r.win.url());
    return r;
  };

  beforeAll(async () => {
    s = name === 'chromium' ? await launchChromium(ext0.chrome, { localHosts: [INSECURE_HOST] }) : await launchFirefox(ext0.firefox, { localHosts: [INSECURE_HOST] });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  }, 30_000);

  it('nothing approving is focused; clicks as the window appears or regains focus are ignored; Reject backs the site off', async () => {
    const a = await s.newPage();
    await a.goto(`${A()}/index.html`);
    const asked = rpc(a, 'shh_requestIdentities');
    const win = await approvalWindow();
    await waitText(win, 'Connect this site to Whisper?');
    // A keystroke racing the window: the page is loaded again with a script that clicks Approve the
    // moment it exists, and records what it met. (Chromium only: Firefox's WebDriver BiDi preload
    // scripts do not reach moz-extension: pages; there the regained-focus case below stands for it.)
    if (name === 'chromium') await raceTheWindow(win);
    const focus = await win.evaluate(() => ({ tag: document.activeElement?.tagName, text: document.activeElement?.textContent }), undefined);
    expect(focus.tag).not.toBe('BUTTON');
    expect(focus.tag).not.toBe('INPUT');
    expect(await win.evaluate(() => !!document.getElementById('insecure'), undefined)).toBe(false); // 127.0.0.1 is this computer
    // The window comes back to the front: a click in the same moment lands on a disabled button.
    await eventually(() => win.evaluate(() => [...document.querySelectorAll('button')].every((b) => !b.disabled), undefined), (v) => v);
    const ignored = await win.evaluate(() => {
      dispatchEvent(new Event('focus'));
      const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Approve')!;
      b.click();
      return b.disabled;
    }, undefined);
    expect(ignored).toBe(true);
    expect(await settledWithin(asked, 1_000)).toBe(false);
    await shot(win, 'connect');
    await win.clickButton('Reject'); // waits until the button takes input again
    expect((await asked).error?.code).toBe(4001);

    // Backed off: asking again at once is 4001 without a window, for a growing interval.
    const again = rpc(a, 'shh_requestIdentities');
    expect(await settledWithin(again, 5_000)).toBe(true);
    expect((await again).error).toMatchObject({ code: 4001, message: expect.stringMatching(/rejected this site recently: ask again in \d+ s/) });
    const { asked: third, win: w3 } = await askWindow(() => rpc(a, 'shh_requestIdentities'));
    await w3.clickButton('Reject');
    expect((await third).error?.code).toBe(4001);
    const fourth = await rpc(a, 'shh_requestIdentities');
    expect(fourth.error?.message).toMatch(/ask again in [3-4] s/); // doubled
    await a.close();
  }, 90_000);

  it('a frame of another origin: the window names the page that embeds it', async () => {
    const host = await s.newPage();
    await host.goto(`${A()}/index.html`);
    const B = servers[1]!.url;
    await host.evaluate((src) => {
      const f = document.createElement('iframe');
      f.src = src;
      document.body.append(f);
    }, `${B}/frame.html`);
    const inFrame = (method: string): Promise<Answer> =>
      host.evaluate(
        (m) =>
          new Promise((resolve) => {
            const w = document.querySelector('iframe')!.contentWindow!;
            const tag = `r-${performance.now()}`;
            addEventListener('message', function on(e) {
              if (e.data?.reply === tag) (removeEventListener('message', on), resolve(e.data.answer));
            });
            w.postMessage({ ask: tag, m }, '*');
          }),
        method,
      );
    await eventually(() => Promise.race([inFrame('shh_version'), new Promise<Answer>((r) => setTimeout(() => r({}), 2_000))]), (r) => r.result === '6.0');
    const asked = inFrame('shh_requestIdentities');
    const win = await approvalWindow();
    await waitText(win, 'embedded in');
    expect(await win.evaluate(() => document.getElementById('origin')?.textContent, undefined)).toBe(B);
    expect(await win.evaluate(() => document.getElementById('embedded-in')?.textContent, undefined)).toBe(`embedded in ${A()}`);
    await shot(win, 'iframe');
    await win.clickButton('Reject');
    expect((await asked).error?.code).toBe(4001);
    await host.close();
  }, 60_000);

  it('a plain http: site that is not this computer: a warning, and identities stay locked until the user accepts it', async () => {
    const c = await s.newPage();
    const port = new URL(servers[2]!.url).port;
    const origin = `http://${INSECURE_HOST}:${port}`;
    await c.goto(`${origin}/index.html`);
    const asked = rpc(c, 'shh_requestIdentities');
    const win = await approvalWindow();
    alice = (await ext(win, 'identities:create', { name: 'Alice' })).result;
    await win.evaluate(() => location.reload(), undefined); // redrawn with the new identity
    await eventually(() => win.evaluate(() => !!document.querySelector('.identity input[type="checkbox"]'), undefined).catch(() => false), (v) => v);
    await waitText(win, 'This site does not use HTTPS.');
    expect(await win.evaluate(() => document.getElementById('origin')?.textContent, undefined)).toBe(origin);
    const box = () => win.evaluate(() => (document.querySelector('.identity input[type="checkbox"]') as HTMLInputElement).disabled, undefined);
    expect(await box()).toBe(true);
    await shot(win, 'insecure');
    await win.evaluate(() => (document.getElementById('insecure-ok') as HTMLInputElement).click(), undefined);
    expect(await box()).toBe(false);
    await win.evaluate(() => (document.querySelector('.identity input[type="checkbox"]') as HTMLInputElement).click(), undefined);
    await win.clickButton('Approve');
    expect((await asked).result).toEqual([expect.objectContaining({ id: alice.id, name: 'Alice' })]);
    await c.close();
  }, 60_000);

  it('locked: shh_requestIdentities opens the window at the password, then the connect screen', async () => {
    const d = await s.newPage();
    await d.goto(`${servers[3]!.url}/index.html`);
    // Any extension page can lock: use the window of a request that is then rejected.
    const e = await s.newPage();
    await e.goto(`${servers[1]!.url}/index.html`);
    const { asked: eAsked, win: ew } = await askWindow(() => rpc(e, 'shh_requestIdentities'));
    expect((await ext(ew, 'vault:lock')).error).toBeUndefined();
    await ew.clickButton('Reject');
    expect((await eAsked).error?.code).toBe(4001);
    expect((await rpc(d, 'shh_newSymKey')).error?.code).toBe(4100);
    const asked = rpc(d, 'shh_requestIdentities');
    const win = await approvalWindow();
    await waitText(win, 'Whisper is locked. Enter your password');
    await shot(win, 'locked');
    await win.evaluate((pw) => {
      const input = document.querySelector('input[type="password"]') as HTMLInputElement;
      input.value = pw;
      input.form!.requestSubmit();
    }, VAULT_PASSWORD);
    await waitText(win, 'Connect this site to Whisper?');
    await win.clickButton('Approve');
    expect((await asked).result).toEqual([]);
    expect((await rpc(d, 'shh_newSymKey')).result).toMatch(/^[0-9a-f]{64}$/);
    await d.close();
    await e.close();
  }, 60_000);

  it('the popup: "Delete for good" is not focused and ignores a click as it appears', async () => {
    // The popup page in a tab (Firefox over BiDi cannot navigate to moz-extension:, so an approval window opens it).
    const f = await s.newPage();
    await f.goto(`${servers[1]!.url}/index.html`);
    const { asked, win } = await askWindow(() => rpc(f, 'shh_requestIdentities'));
    await win.evaluate(() => void ((globalThis as any).browser ?? (globalThis as any).chrome).tabs.create({ url: '/popup.html#identities' }), undefined);
    const popup: ExtensionPage = await s.waitForExtensionPage('popup.html');
    await win.clickButton('Reject');
    await asked;
    await eventually(() => popup.evaluate(() => !!document.querySelector('button[aria-label="Delete Alice"]'), undefined), (v) => v);
    const first = await popup.evaluate(() => {
      (document.querySelector('button[aria-label="Delete Alice"]') as HTMLButtonElement).click();
      const yes = document.querySelector('button[aria-label="Delete Alice for good"]') as HTMLButtonElement;
      const state = { disabled: yes.disabled, focused: document.activeElement === yes };
      yes.click(); // at once: ignored
      return state;
    }, undefined);
    expect(first).toEqual({ disabled: true, focused: false });
    expect((await ext(popup, 'identities:list')).result.map((i: { name: string }) => i.name)).toEqual(['Alice']);
    await popup.clickButton('Delete Alice for good');
    await eventually(async () => (await ext(popup, 'identities:list')).result.length, (n) => n === 0);
    expect((await ext(popup, 'identities:list')).result).toEqual([]);
    await popup.close();
    await f.close();
  }, 60_000);

  it.runIf(name === 'chromium')('a file: page: what Chrome reports, and Whisper refuses it', async () => {
    const chromium = s as Awaited<ReturnType<typeof launchChromium>>;
    const file = join(tmpdir(), `shh-file-page-${process.pid}.html`);
    writeFileSync(file, PAGE);
    // Record the sender of every Port the extension is offered (a listener beside the background's).
    await chromium.worker.evaluate(() => {
      (globalThis as any).senders = [];
      (globalThis as any).chrome.runtime.onConnect.addListener((p: any) => (globalThis as any).senders.push({ name: p.name, ...p.sender, tab: p.sender?.tab ? { url: p.sender.tab.url } : undefined }));
    });
    const page = await s.newPage();
    await page.goto(`file://${file}`);
    const provider = await page.evaluate(() => typeof (window as any).shh, undefined);
    // The bridge connects its Port on the first request.
    const answer = provider === 'undefined' ? undefined : await rpc(page, 'shh_requestIdentities');
    const senders = (await chromium.worker.evaluate(() => (globalThis as any).senders)) as any[];
    // Seen on Chromium 156 with the extension loaded from the command line (it has file access): both
    // content scripts run, window.shh exists, but the port hand-over to the page (postMessage to the
    // origin "file://") never arrives, so no Port reaches the background and requests end 4900. Had a
    // Port come, the background refuses every origin that is not http: or https: (test/background/access.test.ts).
    expect(provider).toBe('object');
    expect(answer?.error?.code).toBe(4900);
    for (const sender of senders) expect(sender).toMatchObject({ url: `file://${file}`, origin: 'file://' });
    expect(await chromium.worker.evaluate(() => (globalThis as any).whisper !== undefined)).toBe(true); // the worker we listened in is the live one
    console.log(`[approval] Chrome, file: page: window.shh ${provider}; senders ${JSON.stringify(senders)}`);
    await page.close();
  }, 60_000);
});
