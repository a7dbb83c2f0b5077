// window.shh in real browsers (docs/PROTOCOL.md §4): Chromium (MV3) and Firefox (MV2) with the built extension,
// against the real background. The provider exists before page scripts run, is frozen, answers
// shh_version, refuses unconnected sites (4100), announces itself, shrugs off forged port handovers
// and overridden built-ins, works unbound and in frames, and rejects bad arguments EIP-1193 style.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artefactPath, buildExtension, cleanup, connectSite, launchChromium, launchFirefox, serve, type BrowserSession, type TestPage } from './harness.ts';

const HANDOVER = 'shh:port-handover/1';

// The earliest page script possible: records what document_start left behind and tries to hand the
// provider a port of its own before the content script's handover could be processed.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>window.shh provider test</title>
<script>
  const d = Object.getOwnPropertyDescriptor(window, 'shh');
  window.early = { type: typeof window.shh, isWhisper: !!(window.shh && window.shh.isWhisper),
    writable: d && d.writable, configurable: d && d.configurable };
  const mc = new MessageChannel();
  window.earlyForgery = { got: 0 };
  mc.port1.onmessage = () => window.earlyForgery.got++;
  window.postMessage({ type: '${HANDOVER}' }, '*', [mc.port2]);
</script>
<style>body{font:15px system-ui,sans-serif;margin:24px;color:#1d2440} h1{font-size:20px} img{vertical-align:middle}
pre{background:#f1f3f9;padding:12px;border-radius:6px;white-space:pre-wrap} iframe{display:none}</style>
</head><body><h1>Whisper provider test page</h1><p id="status">running…</p><pre id="out"></pre>
<iframe src="/frame.html"></iframe></body></html>`;
const FRAME = '<!doctype html><title>frame</title><p>frame</p>';

type Shh = {
  request(a: unknown): Promise<unknown>;
  send(a: unknown, b?: unknown): Promise<unknown> | undefined;
  sendAsync(a: unknown, cb: (e: unknown, r: unknown) => void): void;
  isWhisper: boolean;
};
type W = Window & { shh: Shh; early: unknown; earlyForgery: { got: number } };

let ext: { chrome: string; firefox: string };
let site: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  ext = buildExtension();
  site = await serve({ '/provider.html': PAGE, '/frame.html': FRAME });
}, 60_000);
afterAll(async () => {
  await site?.close();
  await cleanup();
});

const BROWSERS: [string, () => Promise<BrowserSession>][] = [
  ['chromium', () => launchChromium(ext.chrome)],
  ['firefox', () => launchFirefox(ext.firefox)],
];

describe.each(BROWSERS)('window.shh in %s', (name, launch) => {
  let browser: BrowserSession;
  let page: TestPage;
  const open = async (): Promise<TestPage> => {
    const p = await browser.newPage();
    await p.goto(`${site.url}/provider.html`);
    return p;
  };

  beforeAll(async () => {
    browser = await launch();
    page = await open();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  }, 30_000);

  it('exists at document_start, frozen, not writable, not deletable', async () => {
    const r = await page.evaluate(() => {
      'use strict'; // so each refused write throws instead of failing silently
      const w = window as unknown as W;
      const before = w.shh;
      const tries = [
        () => ((w as unknown as { shh: number }).shh = 1),
        () => delete (w as unknown as { shh?: unknown }).shh,
        () => ((w.shh as unknown as { request: null }).request = null),
        () => Object.defineProperty(w, 'shh', { value: 1 }),
      ];
      let threw = 0;
      for (const t of tries) {
        try {
          t();
        } catch {
          threw++;
        }
      }
      return { early: w.early, frozen: Object.isFrozen(w.shh), same: w.shh === before, request: typeof w.shh.request, threw };
    }, 0);
    expect(r.early).toEqual({ type: 'object', isWhisper: true, writable: false, configurable: false });
    expect(r).toMatchObject({ frozen: true, same: true, request: 'function', threw: 4 });
  });

  it('shh_version answers "6.0" through the background, by request, send and sendAsync', async () => {
    const r = await page.evaluate(async () => {
      const { shh } = window as unknown as W;
      const batch = await new Promise((res) =>
        shh.sendAsync([{ jsonrpc: '2.0', id: 1, method: 'shh_version', params: [] }, { jsonrpc: '2.0', id: 'b', method: 'net_listening' }], (_e, out) => res(out)),
      );
      return { request: await shh.request({ method: 'shh_version' }), send: await shh.send('shh_version'), batch };
    }, 0);
    expect(r.request).toBe('6.0');
    expect(r.send).toBe('6.0');
    expect(r.batch).toEqual([
      { jsonrpc: '2.0', id: 1, result: '6.0' },
      { jsonrpc: '2.0', id: 'b', error: { code: 4100, message: expect.any(String) } },
    ]);
  });

  it('a site the user has not connected gets 4100 for shh_newKeyPair', async () => {
    const r = await page.evaluate(async () => {
      try {
        return { result: await (window as unknown as W).shh.request({ method: 'shh_newKeyPair' }) };
      } catch (e) {
        return { isError: e instanceof Error, code: (e as { code?: number }).code };
      }
    }, 0);
    expect(r).toEqual({ isError: true, code: 4100 });
  });

  it('announces itself on shh:requestProvider with a frozen detail', async () => {
    const r = await page.evaluate(() => {
      const seen: { info: Record<string, string>; same: boolean; frozen: boolean }[] = [];
      const on = (e: Event) => {
        const d = (e as CustomEvent).detail;
        seen.push({ info: { ...d.info }, same: d.provider === (window as unknown as W).shh, frozen: Object.isFrozen(d) && Object.isFrozen(d.info) });
      };
      window.addEventListener('shh:announceProvider', on);
      window.dispatchEvent(new Event('shh:requestProvider'));
      window.dispatchEvent(new Event('shh:requestProvider'));
      window.removeEventListener('shh:announceProvider', on);
      return seen;
    }, 0);
    expect(r).toHaveLength(2);
    expect(r[0]).toMatchObject({ same: true, frozen: true, info: { name: 'Whisper', rdns: 'io.github.whisper-shh' } });
    expect(r[0]?.info.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r[0]?.info.icon).toMatch(/^data:image\/svg\+xml,/);
    expect(r[1]?.info.uuid).toBe(r[0]?.info.uuid);
  });

  it('forged port handovers, early or late, get nothing and change nothing', async () => {
    const p = await open();
    const r = await p.evaluate(async (type) => {
      const w = window as unknown as W;
      const mc = new MessageChannel();
      let got = 0;
      mc.port1.onmessage = () => got++;
      window.postMessage({ type }, '*', [mc.port2]);
      await new Promise((res) => setTimeout(res, 100));
      const version = await w.shh.request({ method: 'shh_version' });
      await new Promise((res) => setTimeout(res, 100));
      return { version, late: got, early: w.earlyForgery.got };
    }, HANDOVER);
    await p.close();
    expect(r).toEqual({ version: '6.0', late: 0, early: 0 });
  });

  it('works unbound', async () => {
    const r = await page.evaluate(async () => {
      const { request, send } = (window as unknown as W).shh;
      return [await request({ method: 'shh_version' }), await (send as (m: string) => Promise<unknown>)('shh_version')];
    }, 0);
    expect(r).toEqual(['6.0', '6.0']);
  });

  it('bad request() arguments get EIP-1193 errors', async () => {
    const r = await page.evaluate(async () => {
      const { request } = (window as unknown as W).shh;
      const bad: unknown[] = [undefined, null, 'shh_version', [], { method: 5 }, { method: '' }, { method: 'shh_version', params: 5 }, { method: 'shh_post', params: [BigInt(1)] }];
      const out: unknown[] = [];
      for (const a of bad) {
        try {
          out.push(['resolved', await request(a)]);
        } catch (e) {
          out.push([e instanceof Error, (e as { code?: number }).code]);
        }
      }
      return out;
    }, 0);
    expect(r).toEqual([[true, -32600], [true, -32600], [true, -32600], [true, -32600], [true, -32600], [true, -32600], [true, -32602], [true, -32602]]);
  });

  it('page overrides of Promise, JSON, postMessage and Object.freeze after load change nothing', async () => {
    const p = await open();
    const r = await p.evaluate(async () => {
      const w = window as unknown as W;
      const saved = { P: window.Promise, s: JSON.stringify, pa: JSON.parse, pm: MessagePort.prototype.postMessage, f: Object.freeze, push: Array.prototype.push };
      let touched = 0;
      let version: unknown;
      try {
        const spy = () => { touched++; throw new Error('tampered'); };
        (window as unknown as { Promise: unknown }).Promise = spy;
        JSON.stringify = spy;
        JSON.parse = spy;
        MessagePort.prototype.postMessage = spy;
        Object.freeze = spy as never;
        Array.prototype.push = spy;
        const pending = w.shh.request({ method: 'shh_version', params: [] });
        version = await pending;
      } finally {
        Object.assign(window, { Promise: saved.P });
        Object.assign(JSON, { stringify: saved.s, parse: saved.pa });
        MessagePort.prototype.postMessage = saved.pm;
        Object.freeze = saved.f;
        Array.prototype.push = saved.push;
      }
      return { version, touched };
    }, 0);
    await p.close();
    expect(r).toEqual({ version: '6.0', touched: 0 });
  });

  it('frames get their own provider (all_frames)', async () => {
    const r = await page.evaluate(async () => {
      const f = document.querySelector('iframe') as HTMLIFrameElement;
      const shh = (f.contentWindow as unknown as W).shh;
      return { distinct: shh !== (window as unknown as W).shh, version: await shh.request({ method: 'shh_version' }) };
    }, 0);
    expect(r).toEqual({ distinct: true, version: '6.0' });
  });

  it('renders a page that uses the provider (screenshot)', async () => {
    await page.evaluate(async (browserName) => {
      const { shh } = window as unknown as W;
      let info: Record<string, string> = {};
      window.addEventListener('shh:announceProvider', (e) => (info = (e as CustomEvent).detail.info), { once: true });
      window.dispatchEvent(new Event('shh:requestProvider'));
      const version = await shh.request({ method: 'shh_version' });
      const denied = await shh.request({ method: 'shh_newKeyPair' }).catch((e: { code: number; message: string }) => `${e.code} ${e.message}`);
      const img = document.createElement('img');
      img.src = info.icon ?? '';
      img.width = 48;
      (document.getElementById('status') as HTMLElement).replaceChildren(img, ` ${info.name} provider found in ${browserName} (${info.rdns})`);
      (document.getElementById('out') as HTMLElement).textContent =
        `shh_version      -> ${JSON.stringify(version)}\nshh_newKeyPair   -> ${denied}\nisWhisper        -> ${shh.isWhisper}\nfrozen           -> ${Object.isFrozen(shh)}`;
    }, name);
    const file = artefactPath(`provider-${name}.png`);
    await page.screenshot(file);
    expect(statSync(file).size).toBeGreaterThan(1000);
  });

  // Last: it connects the test site, which ends the unconnected state the tests above rely on.
  it('the approval window shows the origin; Reject -> 4001, Approve -> identities, then keys work', async () => {
    const p = await open();
    const rejected = await connectSite(browser, p, 'Reject');
    expect(rejected.text).toContain(site.url);
    expect(rejected.outcome).toMatchObject({ code: 4001 });
    const approved = await connectSite(browser, p, 'Approve', [rejected.url]);
    expect(approved.outcome).toEqual({ result: [] });
    const id = await p.evaluate(() => (window as unknown as W).shh.request({ method: 'shh_newKeyPair' }), 0);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await p.close();
  });
}, 60_000);
