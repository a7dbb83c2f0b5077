#!/usr/bin/env node
// Regenerates docs/screenshots/: every screen of the popup (first run, unlock, status with proof of work
// in progress, identities, sites, activity, settings, the delete question) and of the approval window
// (connect, a frame of another origin, a plain http: site, locked), in Chromium and Firefox, light, plus
// the status and approval screens dark in Chromium. It starts its own relay and pages on 127.0.0.1 and
// stops everything it started. Usage: `npm run screenshots` (Debian's /usr/bin/chromium and
// /usr/bin/firefox-esr; nothing is downloaded). `--browser chromium|firefox` does one.

import { mkdirSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  askUntilWindow, buildExtension, cleanup, launchChromium, launchFirefox, ROOT, serve, startRelay, VAULT_PASSWORD,
} from '../test/browser/harness.ts';

const OUT = join(ROOT, 'docs', 'screenshots');
const { values } = parseArgs({ options: { browser: { type: 'string' } } });
const browsers = values.browser ? [values.browser] : ['chromium', 'firefox'];
const INSECURE_HOST = 'plain.test';
const TOPIC = '0x73637231';
const PAGE = '<!doctype html><meta charset="utf-8"><title>A Whisper DApp</title><p>A Whisper DApp</p>';
const FRAME = `<!doctype html><meta charset="utf-8"><title>frame</title><p>embedded DApp</p><script>
addEventListener('message', async (e) => {
  if (!e.data || !e.data.ask) return;
  let answer;
  try { answer = { result: await window.shh.request({ method: e.data.m, params: e.data.p }) }; }
  catch (err) { answer = { error: { code: err.code, message: err.message } }; }
  parent.postMessage({ reply: e.data.ask, answer }, '*');
});
</script>`;

const log = (...a) => console.log('[screenshots]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, f, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

const rpc = (page, method, ...params) =>
  page.evaluate(async ([m, p]) => {
    try {
      return { result: await window.shh.request({ method: m, params: p }) };
    } catch (e) {
      return { error: { code: e.code, message: e.message } };
    }
  }, [method, params]);
const ext = (p, op, params = {}) =>
  p.evaluate(([o, pr]) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ channel: 'shh-popup', op: o, params: pr }), [op, params]);
const text = (p) => p.evaluate(() => document.body.innerText, undefined);
const shows = (p, s) => until(`"${s}"`, async () => (await text(p)).includes(s));
const click = (p, name) =>
  until(`button ${name}`, () =>
    p.evaluate((n) => {
      const b = [...document.querySelectorAll('button')].find((x) => (x.getAttribute('aria-label') ?? x.textContent).trim() === n && !x.disabled && !x.hidden);
      b?.click();
      return !!b;
    }, name),
  );

async function shoot(page, name, file, o = {}) {
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur(), undefined); // no focus ring in pictures
  await sleep(150); // let the last frame paint
  const path = join(OUT, `${name}-${file}.png`);
  await page.screenshot(path, { fullPage: o.fullPage ?? true });
  log(path);
}

async function run(name, extDirs, relay, servers) {
  const s = name === 'chromium'
    ? await launchChromium(extDirs.chrome, { onboard: false, localHosts: [INSECURE_HOST] })
    : await launchFirefox(extDirs.firefox, { onboard: false, localHosts: [INSECURE_HOST] });
  const handled = [];
  const approval = async (ask) => {
    const r = await askUntilWindow(s, ask, { except: handled });
    handled.push(r.win.url());
    await r.win.setViewport(400, 600);
    await until('approval buttons', () => r.win.evaluate(() => document.querySelectorAll('button').length > 0, undefined));
    await sleep(800); // the guard's delay: pictures show buttons as they are when they take input
    return r;
  };
  /** The raw Playwright page behind an extension page (Chromium), for the dark colour scheme. */
  const dark = async (p, on) => {
    if (name !== 'chromium') return false;
    const raw = s.context.pages().find((x) => x.url() === p.url());
    await raw?.emulateMedia({ colorScheme: on ? 'dark' : 'light' });
    return !!raw;
  };
  try {
    // The first-run tab is the popup page; every popup screen below is that page at the toolbar's size.
    const ui = await s.waitForExtensionPage('popup.html', { timeoutMs: 20_000 });
    await ui.setViewport(400, 600);
    const go = async (tab, expect) => {
      await ui.evaluate((t) => ((location.hash = t), location.reload()), tab);
      await until(`popup ${tab}`, () => ui.evaluate((t) => document.getElementById('panel')?.dataset.shown === t, tab));
      if (expect) await shows(ui, expect);
    };
    await shows(ui, 'Welcome to Whisper');
    await shoot(ui, name, 'popup-welcome');
    await ext(ui, 'vault:create', { password: VAULT_PASSWORD });
    for (const n of ['Alice', 'Work']) await ext(ui, 'identities:create', { name: n });

    // A site asks: the approval window with the user's identities.
    const a = await s.newPage();
    await a.goto(`${servers[0].url}/index.html`);
    const { asked, win } = await approval(() => rpc(a, 'shh_requestIdentities'));
    await shows(win, 'Identities this site may use');
    await win.evaluate(() => document.querySelector('.identity input').click(), undefined);
    await shoot(win, name, 'approval-connect', { fullPage: false });
    if (await dark(win, true)) await shoot(win, name, 'approval-connect-dark', { fullPage: false });
    await click(win, 'Approve');
    const alice = (await asked).result[0];

    // Traffic and activity: the site posts a few messages to itself.
    const sub = await rpc(a, 'shh_subscribe', 'messages', { privateKeyID: alice.id, topics: [TOPIC] });
    if (sub.error) throw new Error(JSON.stringify(sub));
    for (let i = 0; i < 3; i++) await rpc(a, 'shh_post', { pubKey: alice.publicKey, sig: alice.id, topic: TOPIC, payload: '0x68656c6c6f', powTarget: 0.2, powTime: 5 });

    // A frame of another origin asks.
    const host = await s.newPage();
    await host.goto(`${servers[0].url}/index.html`);
    await host.evaluate((src) => {
      const f = document.createElement('iframe');
      f.src = src;
      document.body.append(f);
    }, `${servers[1].url}/frame.html`);
    const inFrame = (m) =>
      host.evaluate((method) => new Promise((resolve) => {
        const tag = `t${performance.now()}`;
        addEventListener('message', function on(e) {
          if (e.data?.reply === tag) (removeEventListener('message', on), resolve(e.data.answer));
        });
        document.querySelector('iframe').contentWindow.postMessage({ ask: tag, m: method }, '*');
      }), m);
    await until('frame provider', () => Promise.race([inFrame('shh_version').then((r) => r.result === '6.0'), sleep(2000).then(() => false)]));
    const fr = await approval(() => inFrame('shh_requestIdentities'));
    await shows(fr.win, 'embedded in');
    await shoot(fr.win, name, 'approval-iframe', { fullPage: false });
    await click(fr.win, 'Reject');
    await fr.asked;

    // A plain http: site that is not this computer.
    const c = await s.newPage();
    await c.goto(`http://${INSECURE_HOST}:${new URL(servers[2].url).port}/index.html`);
    const ins = await approval(() => rpc(c, 'shh_requestIdentities'));
    await shows(ins.win, 'This site does not use HTTPS.');
    await shoot(ins.win, name, 'approval-http-warning', { fullPage: false });
    await click(ins.win, 'Reject');
    await ins.asked;

    // Proof of work in progress: a post with a high target seals while the popup shows it.
    await go('status', 'Proof of work');
    const heavy = rpc(a, 'shh_post', { pubKey: alice.publicKey, topic: TOPIC, payload: '0x01', powTarget: 20000, powTime: 60 });
    heavy.then((r) => log('the heavy post ended', JSON.stringify(r)));
    await until('a seal in the popup', () => ui.evaluate(() => !!document.querySelector('#pow progress') && Number(document.querySelector('#pow progress').value) > 0, undefined), 30_000).catch(async (e) => {
      log(await ui.evaluate(() => document.getElementById('pow')?.innerText, undefined));
      throw e;
    });
    await shoot(ui, name, 'popup-status');
    if (await dark(ui, true)) {
      await shoot(ui, name, 'popup-status-dark');
      await dark(ui, false);
    }
    await click(ui, `Cancel the post of ${servers[0].url}`);
    await heavy;

    await go('identities', 'Your identities');
    await click(ui, 'Show all of Public key of Alice');
    await shoot(ui, name, 'popup-identities');
    await click(ui, 'Delete Work');
    await shows(ui, 'Delete “Work”?');
    await sleep(800); // the guard's delay: the picture shows the button as it is when it takes input
    await shoot(ui, name, 'popup-identity-delete');
    await go('sites', 'Connected sites');
    await shoot(ui, name, 'popup-sites');
    await go('activity', 'Posted');
    await shoot(ui, name, 'popup-activity');
    await go('settings', 'Relays');
    await shoot(ui, name, 'popup-settings');
    if (await dark(ui, true)) {
      await shoot(ui, name, 'popup-settings-dark');
      await dark(ui, false);
    }

    // Locked: the popup asks for the password; a site asking opens the window at the password.
    await ext(ui, 'vault:lock');
    await ui.evaluate(() => ((location.hash = ''), location.reload()), undefined);
    await shows(ui, 'Whisper is locked');
    const d = await s.newPage();
    await d.goto(`${servers[3].url}/index.html`);
    const locked = await approval(() => rpc(d, 'shh_requestIdentities'));
    await shows(locked.win, 'Whisper is locked. Enter your password');
    await shoot(locked.win, name, 'approval-locked', { fullPage: false });
    await ui.evaluate(() => location.reload(), undefined);
    await shows(ui, 'site is waiting for your answer');
    await shoot(ui, name, 'popup-unlock');
    await locked.win.close();
    await locked.asked;
    void relay;
  } finally {
    await s.close();
  }
}

mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) if (f.endsWith('.png') && browsers.some((b) => f.startsWith(`${b}-`))) rmSync(join(OUT, f));
const relay = await startRelay();
const servers = [];
try {
  const extDirs = buildExtension([relay.addrs.find((x) => x.startsWith('/ip4/127.0.0.1/') && x.includes('/ws'))]);
  for (let i = 0; i < 4; i++) servers.push(await serve({ '/index.html': PAGE, '/frame.html': FRAME }));
  for (const b of browsers) {
    log(`${b}…`);
    await run(b, extDirs, relay, servers);
  }
} finally {
  for (const srv of servers) await srv.close();
  await cleanup();
}
log('done');
