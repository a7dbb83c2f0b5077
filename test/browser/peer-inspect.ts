// Browser-test helpers of the peer host: launch a Chromium profile (reusable folder, so a test can
// close and reopen the same profile) or Firefox, and evaluate code where the peer runs: the Chrome
// offscreen document through the DevTools protocol, Firefox's background page through Firefox's
// remote debugging protocol. Every browser started here is stopped by pid.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { chromium, type BrowserContext } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { WebSocket } from 'ws';
import { GECKO_ID } from '../../scripts/firefox-manifest.ts';
import { CHROMIUM, chromiumArgs, FIREFOX } from './harness.ts';

export interface PeerBrowser {
  /** Evaluates `body` (an async function body with access to `shhPeer`) in the peer's context; JSON result. */
  run<T = unknown>(body: string): Promise<T>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function pidsWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

async function closeThenKill(close: () => Promise<unknown>, marker: string, pid?: number): Promise<void> {
  await Promise.race([close().catch(() => undefined), sleep(10_000)]);
  for (const p of [...(pid ? [pid] : []), ...pidsWith(marker)]) {
    if (!existsSync(`/proc/${p}`)) continue;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Wraps an async body so its result (or error) comes back as one JSON string. */
const wrap = (body: string): string =>
  `(async () => { try { return JSON.stringify({ ok: await (async () => { ${body} })() ?? null }); } catch (e) { return JSON.stringify({ err: String(e && e.message || e) }); } })()`;

function unwrap<T>(json: unknown): T {
  const r = JSON.parse(String(json)) as { ok?: T; err?: string };
  if (r.err !== undefined) throw new Error(`in the peer: ${r.err}`);
  return r.ok as T;
}

// ---- Chromium: DevTools protocol to the offscreen document ----

async function cdpEvaluate(wsUrl: string, expression: string): Promise<unknown> {
  const ws = new WebSocket(wsUrl);
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  try {
    const reply = await new Promise<{ result?: { result?: { value?: unknown }; exceptionDetails?: unknown } }>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(String(d));
        if (m.id === 1) resolve(m);
      });
      ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression, awaitPromise: true, returnByValue: true } }));
    });
    if (reply.result?.exceptionDetails) throw new Error(JSON.stringify(reply.result.exceptionDetails));
    return reply.result?.result?.value;
  } finally {
    ws.close();
  }
}

export async function launchChromiumPeer(extensionDir: string, profile: string): Promise<PeerBrowser & { context: BrowserContext }> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...chromiumArgs(extensionDir), '--remote-debugging-port=0'],
  });
  const close = () => closeThenKill(() => context.close(), profile);
  try {
    const port = Number(readFileSync(`${profile}/DevToolsActivePort`, 'utf8').split('\n')[0]);
    let wsUrl: string | undefined;
    for (let i = 0; i < 150 && !wsUrl; i++) {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { url: string; webSocketDebuggerUrl: string }[];
      const off = targets.find((t) => t.url.startsWith('chrome-extension://') && t.url.endsWith('/offscreen.html'));
      if (off && (await cdpEvaluate(off.webSocketDebuggerUrl, 'typeof globalThis.shhPeer')) === 'object') wsUrl = off.webSocketDebuggerUrl;
      else await sleep(100);
    }
    if (!wsUrl) throw new Error('no offscreen document with a peer host');
    const url = wsUrl;
    return { context, run: async (body) => unwrap(await cdpEvaluate(url, wrap(body))), close };
  } catch (e) {
    await close();
    throw e;
  }
}

// ---- Firefox: remote debugging protocol to the background page ----

/** A minimal client of Firefox's remote debugging protocol (length-prefixed JSON packets). */
class Rdp {
  readonly #sock: Socket;
  #buf = Buffer.alloc(0);
  readonly #backlog: Record<string, unknown>[] = [];
  readonly #waiters: { pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];

  constructor(sock: Socket) {
    this.#sock = sock;
    sock.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      for (;;) {
        const colon = this.#buf.indexOf(0x3a);
        if (colon < 0) return;
        const len = Number(this.#buf.subarray(0, colon).toString());
        if (this.#buf.length < colon + 1 + len) return;
        const m = JSON.parse(this.#buf.subarray(colon + 1, colon + 1 + len).toString('utf8')) as Record<string, unknown>;
        this.#buf = this.#buf.subarray(colon + 1 + len);
        const i = this.#waiters.findIndex((w) => w.pred(m));
        if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
        else this.#backlog.push(m);
      }
    });
  }

  static async open(port: number): Promise<Rdp> {
    for (let i = 0; ; i++) {
      try {
        const sock = await new Promise<Socket>((res, rej) => {
          const s = connect(port, '127.0.0.1', () => res(s));
          s.once('error', rej);
        });
        const rdp = new Rdp(sock);
        await rdp.wait((m) => m.from === 'root', 10_000);
        return rdp;
      } catch (e) {
        if (i > 100) throw e;
        await sleep(100);
      }
    }
  }

  wait(pred: (m: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const i = this.#backlog.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.#backlog.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (m: Record<string, unknown>) => (clearTimeout(t), resolve(m)) };
      const t = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error('rdp: no answer'));
      }, timeoutMs);
      this.#waiters.push(w);
    });
  }

  send(to: string, type: string, extra: object = {}): void {
    const body = Buffer.from(JSON.stringify({ to, type, ...extra }), 'utf8');
    this.#sock.write(`${body.length}:`);
    this.#sock.write(body);
  }

  async request(to: string, type: string, extra: object = {}): Promise<Record<string, unknown>> {
    this.send(to, type, extra);
    const m = await this.wait((x) => x.from === to && (x.type === undefined || x.error !== undefined));
    if (m.error) throw new Error(`rdp ${type}: ${String(m.error)} ${String(m.message)}`);
    return m;
  }

  close(): void {
    this.#sock.destroy();
  }
}

export async function launchFirefoxPeer(extensionDir: string): Promise<PeerBrowser> {
  const port = await freePort();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    args: ['--start-debugger-server', String(port)],
    extraPrefsFirefox: { 'devtools.debugger.remote-enabled': true, 'devtools.chrome.enabled': true, 'devtools.debugger.prompt-connection': false },
  });
  const pid = browser.process()?.pid;
  const profile = (browser.process()?.spawnargs ?? []).find((a) => a.includes('puppeteer')) ?? `/nonexistent/${pid}`;
  let rdp: Rdp | undefined;
  const close = async () => {
    rdp?.close();
    await closeThenKill(() => browser.close(), profile, pid);
  };
  try {
    await browser.installExtension(extensionDir);
    rdp = await Rdp.open(port);
    const { addons } = (await rdp.request('root', 'listAddons')) as unknown as { addons: { id: string; actor: string }[] };
    const addon = addons.find((a) => a.id === GECKO_ID);
    if (!addon) throw new Error('extension not installed');
    const watcher = (await rdp.request(addon.actor, 'getWatcher', { isServerTargetSwitchingEnabled: true })) as { actor: string };
    rdp.send(watcher.actor, 'watchTargets', { targetType: 'frame' });
    const avail = await rdp.wait((m) => m.type === 'target-available-form' && String((m.target as { url?: string })?.url).includes('_generated_background_page'));
    const consoleActor = (avail.target as { consoleActor: string }).consoleActor;
    const r = rdp;
    let n = 0;
    // evaluateJSAsync answers at once with a resultID and later sends the result; a promise is not
    // awaited there, so the body parks its JSON in a global that is then read back.
    const evaluate = async (text: string): Promise<unknown> => {
      const { resultID } = (await r.request(consoleActor, 'evaluateJSAsync', { text })) as { resultID: string };
      const res = await r.wait((m) => m.type === 'evaluationResult' && m.resultID === resultID);
      if (res.exceptionMessage) throw new Error(String(res.exceptionMessage));
      const v = res.result as unknown;
      if (v && typeof v === 'object' && (v as { type?: string }).type === 'longString')
        throw new Error('result too long for this helper; return less');
      return v;
    };
    const run = async <T>(body: string): Promise<T> => {
      const key = `__shhTest${n++}`;
      await evaluate(`globalThis.${key} = undefined; ${wrap(body)}.then((v) => { globalThis.${key} = v; }); 0`);
      for (;;) {
        const v = await evaluate(`globalThis.${key} ?? '__pending__'`);
        if (v !== '__pending__' && typeof v === 'string') {
          await evaluate(`delete globalThis.${key}`);
          return unwrap<T>(v);
        }
        await sleep(100);
      }
    };
    for (let i = 0; i < 150; i++) {
      if ((await evaluate('typeof globalThis.shhPeer')) === 'object') return { run, close };
      await sleep(100);
    }
    throw new Error('no peer host in the background page');
  } catch (e) {
    await close();
    throw e;
  }
}

/** Shared snippets for `run` bodies. */
export const js = {
  hex: `const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');`,
};
