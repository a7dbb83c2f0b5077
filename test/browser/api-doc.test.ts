// Every `js` sample of docs/API.md and docs/MIGRATING.md runs as pasted: Chromium with the built extension and a relay on
// loopback, a site the user connected, each sample run as a module script of a fresh page (so
// samples cannot lean on one another). A sample passes when its last line is reached without an
// error or an unhandled rejection.
// Then a subset of the geth conformance table over window.shh itself, in the same page.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fill, LIKE, makeFixture, ROWS, type Fixture } from '../api/geth-conformance.ts';
import { buildExtension, cleanup, connectSite, launchChromium, ROOT, serve, startRelay, type BrowserSession, type TestPage } from './harness.ts';

const SAMPLES = ['API.md', 'MIGRATING.md'].flatMap((name) =>
  [...readFileSync(join(ROOT, 'docs', name), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map(
    (m, i) => [`${name} sample ${i + 1}: ${m[1]!.split('\n')[0]!.slice(0, 60)}`, m[1]!] as const,
  ),
);

let browser: BrowserSession;
let site: { url: string; close(): Promise<void> };

beforeAll(async () => {
  const relay = await startRelay();
  const ws = relay.addrs.find((x) => x.startsWith('/ip4/127.0.0.1/') && x.includes('/ws'))!;
  const ext = buildExtension([ws]);
  site = await serve({ '/index.html': '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API.md samples</title></head><body></body></html>' });
  browser = await launchChromium(ext.chrome);
  const page = await browser.newPage();
  await page.goto(`${site.url}/index.html`);
  const { outcome } = await connectSite(browser, page, 'Approve');
  expect(outcome.result).toBeDefined();
  await page.close();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await cleanup();
}, 60_000);

/**
 * Runs `body` as a module script of the page (what pasting it into a page's <script type="module">
 * does: top-level await, strict mode, no top-level return); resolves to the error it raised, or null.
 */
const runIn = (page: TestPage, body: string): Promise<string | null> =>
  page.evaluate(async (code: string) => {
    const w = window as unknown as { sampleDone?: boolean };
    const failed = new Promise<string>((resolve) => {
      addEventListener('error', (e) => resolve(`${(e.error as { code?: number })?.code ?? ''} ${e.message}`), { once: true });
      addEventListener('unhandledrejection', (e) => resolve(`unhandled: ${String(e.reason?.message ?? e.reason)}`), { once: true });
    });
    const script = document.createElement('script');
    script.type = 'module';
    script.textContent = `${code}\nwindow.sampleDone = true;`;
    document.head.append(script);
    const done = (async () => {
      while (!w.sampleDone) await new Promise((r) => setTimeout(r, 50));
      return null;
    })();
    return Promise.race([done, failed]);
  }, body);

describe('docs samples in Chromium', () => {
  it('there are samples to run', () => expect(SAMPLES.length).toBeGreaterThan(5));
  it.each(SAMPLES)('%s', async (_name, body) => {
    const page = await browser.newPage();
    try {
      await page.goto(`${site.url}/index.html`);
      expect(await runIn(page, body)).toBe(null);
    } finally {
      await page.close();
    }
  }, 120_000);
});

describe('geth conformance over window.shh (the rows a connected page meets)', () => {
  let page: TestPage;
  let fixture: Fixture;
  const call = (method: string, params: unknown) =>
    page.evaluate(
      async ([m, p]: [string, unknown]) => {
        const shh = (window as unknown as { shh: { request(a: unknown): Promise<unknown> } }).shh;
        try {
          return { result: await shh.request({ method: m, params: p }) };
        } catch (e) {
          return { error: [(e as { code: number }).code, (e as Error).message] };
        }
      },
      [method, params] as [string, unknown],
    );
  beforeAll(async () => {
    page = await browser.newPage();
    await page.goto(`${site.url}/index.html`);
    fixture = await makeFixture(async (m, p) => ((await call(m, p)) as { result: unknown }).result);
  }, 60_000);
  afterAll(() => page?.close());
  // The provider itself refuses non-array params (-32600, EIP-1193) and sends absent params as [];
  // unknown methods are 4200 for a page.
  // The extension has a mix layer: its own row for dark: true follows the table.
  const DARK_ROW = 'post (beyond geth): dark: true without a mix layer';
  const rows = ROWS.filter((r) => !r.admin && r.transport !== 'http' && r.method.startsWith('shh_') && r.method !== 'shh_makeLightClient' && Array.isArray(r.params) && r.name !== DARK_ROW);
  it('post (beyond geth): dark: true with dark sending off in the settings (as this build ships) is refused, naming why', async () => {
    const row = ROWS.find((r) => r.name === DARK_ROW)!;
    expect(await call(row.method, fill(row.params, fixture))).toEqual({ error: [-32000, 'dark post not sent: dark sending is off in the extension settings'] });
  });
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const got = await call(row.method, fill(row.params, fixture));
    const want = row.expect;
    if ('error' in want) expect(got).toEqual({ error: want.error });
    else if ('result' in want) expect(got).toEqual({ result: fill(want.result, fixture) });
    else expect(LIKE[want.like]!((got as { result?: unknown }).result), `${want.like}: ${JSON.stringify(got)}`).toBe(true);
  }, 60_000);
});
