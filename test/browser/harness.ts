// Browser test harness (docs/PROTOCOL.md §4): builds the extension into a temporary folder, launches
// Chromium (playwright-core) and Firefox (puppeteer-core: Playwright cannot install Firefox add-ons)
// with it, serves test pages from 127.0.0.1, starts relays, and drives approval windows. Browsers are
// found by scripts/browsers.ts ($CHROMIUM / $FIREFOX, then Debian's paths, then the PATH), never
// downloaded. Every process it starts it stops by pid, including children that outlive a close.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium, type BrowserContext, type Page as PwPage, type Worker } from 'playwright-core';
import puppeteer, { type Browser as PpBrowser, type Page as PpPage } from 'puppeteer-core';
import { findBrowser, type BrowserName } from '../../scripts/browsers.ts';
import { GECKO_ID } from '../../scripts/firefox-manifest.ts';
import { cleanup as stopRelays, startRelay as spawnRelay, type RelayProcess } from '../relay/harness.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
const found = { chromium: findBrowser('chromium'), firefox: findBrowser('firefox') };
/** The Chromium the tests start (Debian's path when none is found, so the error names it). */
export const CHROMIUM = found.chromium.path ?? '/usr/bin/chromium';
export const FIREFOX = found.firefox.path ?? '/usr/bin/firefox-esr';

/** Throws, saying how to fix it, when `name` was not found; `npm test` skips such files instead. */
export function requireBrowser(name: BrowserName): string {
  const f = found[name];
  if (!f.path) throw new Error(`${name} tests need a browser: ${f.missing}`);
  return f.path;
}
/** Screenshots and other artefacts a person may want to look at (gitignored). */
export const ARTEFACTS = join(ROOT, '.tmp', 'browser');

const dirs: string[] = [];
const tempDir = (prefix: string): string => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/** The subset of a page both Playwright and Puppeteer offer, so one test body runs in both. */
export interface TestPage {
  goto(url: string): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** `fullPage`: the whole document, not only the viewport. */
  screenshot(path: string, opts?: { fullPage?: boolean }): Promise<void>;
  url(): string;
  close(): Promise<void>;
  /** Runs `fn` at the start of every later document of this page, before its scripts (Firefox over BiDi: web pages only, not moz-extension: ones). */
  beforeLoad(fn: () => void): Promise<void>;
  /** Resizes the page's viewport (screenshots at the toolbar popup's size). */
  setViewport(width: number, height: number): Promise<void>;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** URLs of pages already handled (a window that is closing may still be listed). */
  except?: string[];
}

/** An extension page; `clickButton` finds the button by its accessible name. */
export type ExtensionPage = TestPage & { clickButton(name: string): Promise<void> };

/** What a page's `window.shh.request` gave: its result, or its error's code and message. */
export type Answer = { result?: any; error?: { code: number; message: string } };

/** Calls `window.shh.request` in a page and reports the result or the error, never throwing. */
export const pageRequest = (page: TestPage, method: string, ...params: unknown[]): Promise<Answer> =>
  page.evaluate(
    async ([m, p]) => {
      try {
        return { result: await (window as any).shh.request({ method: m, params: p }) };
      } catch (e) {
        return { error: { code: (e as any).code, message: (e as Error).message } };
      }
    },
    [method, params] as [string, unknown[]],
  );

export interface BrowserSession {
  name: 'chromium' | 'firefox';
  /** chrome-extension:// or moz-extension:// origin of the extension's pages. */
  extensionOrigin: string;
  newPage(): Promise<TestPage>;
  /** Waits for an extension page whose URL contains `fragment` (an approval window, say), skipping `except` URLs. */
  waitForExtensionPage(fragment: string, opts?: WaitOptions): Promise<ExtensionPage>;
  close(): Promise<void>;
}

// ---- build ----

export interface BuildOptions {
  /**
   * "Send dark by default" in this build. Default false: the tests not about dark posts keep their
   * posts on the plain path (through the mix they would wait for a send clock); the product ships it on.
   */
  darkByDefault?: boolean;
  /** The mix client's settings (WHISPER_MIX_CLIENT), e.g. a fast clock against fast-mixing relays. */
  mixClient?: { rateHz?: number; loopShare?: number; hops?: number; loopTimeoutMs?: number };
}

/** Runs `scripts/build.mjs` into a fresh folder with the given relay list; returns its root. */
export function buildExtension(relays: string[] = [], opts: BuildOptions = {}): { chrome: string; firefox: string } {
  const out = tempDir('shh-ext-');
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--out', out], {
    cwd: ROOT,
    env: {
      ...process.env,
      WHISPER_RELAYS: relays.join(','),
      WHISPER_DARK_DEFAULT: opts.darkByDefault ? 'on' : 'off',
      WHISPER_MIX_CLIENT: opts.mixClient ? JSON.stringify(opts.mixClient) : '',
    },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  return { chrome: join(out, 'chrome'), firefox: join(out, 'firefox') };
}

// ---- processes ----

/** Pids of live processes whose command line contains `marker` (a folder only we created). */
function pidsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) pids.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

const killPids = (pids: number[]): void => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
};

/** Closes politely with a deadline, then kills whatever still runs with `marker` in its command line. */
async function closeThenKill(close: () => Promise<unknown>, marker: string, pid?: number): Promise<void> {
  await Promise.race([close().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  killPids([...(pid ? [pid] : []), ...pidsWith(marker)].filter((p) => existsSync(`/proc/${p}`)));
}

// ---- Chromium ----

/** The flags every Chromium of ours starts with: the extension loaded, nothing phoning home. */
export const chromiumArgs = (extensionDir: string): string[] => [
  `--disable-extensions-except=${extensionDir}`,
  `--load-extension=${extensionDir}`,
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function wrapPw(page: PwPage): ExtensionPage {
  return {
    goto: (url) => page.goto(url),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    screenshot: async (path, opts) => void (await page.screenshot({ path, fullPage: opts?.fullPage ?? false })),
    url: () => page.url(),
    close: () => page.close(),
    setViewport: (width, height) => page.setViewportSize({ width, height }),
    beforeLoad: async (fn) => void (await page.addInitScript(fn)),
    // A button that closes its own window (Reject, Approve) can close it while Playwright still
    // checks the click it performed: then the click happened, and only that check failed.
    clickButton: async (name) => {
      try {
        await page.getByRole('button', { name, exact: true }).click();
      } catch (e) {
        if (!page.isClosed()) throw e;
      }
    },
  };
}

/** The vault password `onboard` sets (a fresh profile is locked until the user chooses one). */
export const VAULT_PASSWORD = 'harness password';

export interface LaunchOptions {
  /** Create the vault through the first-run tab so sites can be used (default true). */
  onboard?: boolean;
  /** Hosts that resolve to 127.0.0.1 (a plain http: site that is not "this computer"). */
  localHosts?: string[];
}

/**
 * First run: the extension opens its onboarding tab at install; this creates the vault there (over the
 * popup channel, as the page's form does) and closes the tab. Resolves once sites may use the extension.
 */
export async function onboard(s: BrowserSession, password = VAULT_PASSWORD): Promise<void> {
  const page = await s.waitForExtensionPage('popup.html', { timeoutMs: 20_000 });
  const r = await page.evaluate(async (pw) => {
    const g = globalThis as unknown as { browser?: { runtime: { sendMessage(m: unknown): Promise<unknown> } }; chrome?: { runtime: { sendMessage(m: unknown): Promise<unknown> } } };
    return (g.browser ?? g.chrome)!.runtime.sendMessage({ channel: 'shh-popup', op: 'vault:create', params: { password: pw } });
  }, password);
  if (!r || (r as { error?: unknown }).error) throw new Error(`vault:create failed: ${JSON.stringify(r)}`);
  await page.close();
}

export async function launchChromium(extensionDir: string, opts: LaunchOptions = {}): Promise<BrowserSession & { context: BrowserContext; worker: Worker }> {
  const executablePath = requireBrowser('chromium');
  const profile = tempDir('shh-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...chromiumArgs(extensionDir), ...(opts.localHosts?.length ? [`--host-resolver-rules=${opts.localHosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`] : [])],
  });
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    const extensionOrigin = worker.url().split('/').slice(0, 3).join('/'); // URL.origin is 'null' for chrome-extension:
    const session: BrowserSession & { context: BrowserContext; worker: Worker } = {
      name: 'chromium',
      context,
      worker,
      extensionOrigin,
      newPage: async () => wrapPw(await context.newPage()),
      async waitForExtensionPage(fragment, { timeoutMs = 15_000, except = [] } = {}) {
        const match = (p: PwPage) =>
          p.url().startsWith(extensionOrigin) && p.url().includes(fragment) && !except.includes(p.url()) && !p.isClosed();
        const page = context.pages().find(match) ?? (await context.waitForEvent('page', { predicate: match, timeout: timeoutMs }));
        await page.waitForLoadState('domcontentloaded');
        return wrapPw(page);
      },
      close: () => closeThenKill(() => context.close(), profile),
    };
    if (opts.onboard ?? true) await onboard(session);
    return session;
  } catch (e) {
    await closeThenKill(() => context.close(), profile);
    throw e;
  }
}

// ---- Firefox ----

function wrapPp(page: PpPage): ExtensionPage {
  return {
    goto: (url) => page.goto(url),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    screenshot: async (path, opts) => void (await page.screenshot({ path, fullPage: opts?.fullPage ?? false })),
    url: () => page.url(),
    close: () => page.close(),
    setViewport: (width, height) => page.setViewport({ width, height }),
    beforeLoad: async (fn) => void (await page.evaluateOnNewDocument(fn)),
    // Puppeteer's ARIA queries need CDP; over WebDriver BiDi, match the button's accessible text.
    clickButton: async (name) => {
      const handle = await page.waitForFunction(
        (n: string) =>
          [...document.querySelectorAll('button, [role="button"]')].find(
            // an approving or destructive button ignores input for a moment after it appears (disabled)
            (b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim() === n && !(b as HTMLButtonElement).disabled,
          ),
        { timeout: 10_000 },
        name,
      );
      await (handle as unknown as { click(): Promise<void> }).click();
    },
  };
}

export async function launchFirefox(extensionDir: string, opts: LaunchOptions = {}): Promise<BrowserSession & { browser: PpBrowser }> {
  // Firefox names an extension's pages moz-extension://<uuid>; choosing the uuid up front gives the
  // tests a known origin (the pref is where Firefox keeps the id -> uuid map).
  const uuid = crypto.randomUUID();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: requireBrowser('firefox'),
    headless: true,
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: uuid }),
      ...(opts.localHosts?.length ? { 'network.dns.localDomains': opts.localHosts.join(','), 'dom.security.https_first': false, 'network.proxy.type': 0 } : {}),
    },
  });
  const pid = browser.process()?.pid;
  const profile = (browser.process()?.spawnargs ?? []).find((a) => a.includes('puppeteer')) ?? `/nonexistent/${pid}`;
  try {
    await browser.installExtension(extensionDir);
    const extensionOrigin = `moz-extension://${uuid}`;
    const session: BrowserSession & { browser: PpBrowser } = {
      name: 'firefox',
      browser,
      extensionOrigin,
      newPage: async () => wrapPp(await browser.newPage()),
      async waitForExtensionPage(fragment, { timeoutMs = 15_000, except = [] } = {}) {
        // Over BiDi, Firefox reports windows the extension opens as about:blank: ask each page itself.
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          for (const page of await browser.pages()) {
            const url = page.url();
            if (url !== 'about:blank' && !url.startsWith('moz-extension://')) continue;
            const href = await page.evaluate(() => location.href).catch(() => '');
            if (href.startsWith(extensionOrigin) && href.includes(fragment) && !except.includes(href)) {
              await page.waitForFunction(() => document.readyState !== 'loading', { timeout: 5_000 });
              return { ...wrapPp(page), url: () => href };
            }
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`no extension page matching ${fragment} in ${timeoutMs} ms`);
      },
      close: () => closeThenKill(() => browser.close(), profile, pid),
    };
    if (opts.onboard ?? true) await onboard(session);
    return session;
  } catch (e) {
    await closeThenKill(() => browser.close(), profile, pid);
    throw e;
  }
}

// ---- pages and relays ----

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json' };

/** Serves `files` (path -> body) from 127.0.0.1 on a free port. */
export async function serve(files: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = files[path];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** A relay process on free ports with its own data folder (see test/relay/harness.ts). */
export const startRelay = (args: string[] = []): Promise<RelayProcess> => spawnRelay(args);

/**
 * Calls shh_requestIdentities in `page`, waits for the approval window and clicks `decision`.
 * Resolves to what the page got: {result} or {code, message}, and the window's visible text.
 */
export async function connectSite(
  browser: BrowserSession,
  page: TestPage,
  decision: 'Approve' | 'Reject',
  except: string[] = [],
): Promise<{ outcome: { result?: unknown; code?: number; message?: string }; text: string; url: string }> {
  const { asked: outcome, win } = await askUntilWindow(
    browser,
    () =>
      page.evaluate(async () => {
        try {
          return { result: await (window as unknown as { shh: { request(a: unknown): Promise<unknown> } }).shh.request({ method: 'shh_requestIdentities' }) };
        } catch (e) {
          return { code: (e as { code?: number }).code, message: (e as Error).message };
        }
      }, 0),
    { except },
  );
  const url = win.url();
  const text = await win.evaluate(async () => {
    // the page fills itself in from the background: wait for its buttons
    for (let i = 0; i < 100 && !document.querySelector('button'); i++) await new Promise((r) => setTimeout(r, 50));
    return document.body.innerText;
  }, 0);
  await win.clickButton(decision);
  return { outcome: await outcome, text, url };
}

/**
 * Runs `ask` (something that makes the page call shh_requestIdentities) until its approval window opens:
 * a site rejected a moment ago is backed off (answered 4001 at once, no window) for a few seconds, so
 * the request is repeated until a window shows. Resolves to the last `ask`'s promise and the window.
 */
export async function askUntilWindow<T>(s: BrowserSession, ask: () => Promise<T>, opts: WaitOptions = {}): Promise<{ asked: Promise<T>; win: ExtensionPage }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const asked = ask();
    asked.catch(() => undefined); // the caller awaits it; a backed-off attempt is simply repeated
    try {
      return { asked, win: await s.waitForExtensionPage('approval.html', { ...opts, timeoutMs: 4_000 }) };
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
}

/** Stops every relay this harness started and removes its temporary folders. */
export async function cleanup(): Promise<void> {
  await stopRelays();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function artefactPath(name: string): string {
  mkdirSync(ARTEFACTS, { recursive: true });
  return join(ARTEFACTS, name);
}
