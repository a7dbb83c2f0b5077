// The page budget in real browsers: a site whose frames each park 1 MiB requests behind an approval
// nobody answers is held to the tab's budget (not a per-frame one), a large request behind the blocked
// queue is refused, and another site keeps getting answers throughout (docs/API.md "Limits").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayProcess } from '../relay/harness.ts';
import { buildExtension, cleanup, launchChromium, launchFirefox, serve, startRelay, type BrowserSession, type TestPage } from './harness.ts';

const FRAMES = 3;
const PAGE_A = `<!doctype html><meta charset="utf-8"><title>hoarder</title><p>hoarder</p>${'<iframe src="/frame.html"></iframe>'.repeat(FRAMES)}`;
const FRAME = '<!doctype html><meta charset="utf-8"><title>frame</title><p>frame</p>';
const PAGE_B = '<!doctype html><meta charset="utf-8"><title>other</title><p>other site</p>';
const PER_FRAME = 12; // 1 MiB requests per frame: 48 MiB offered by the tab, 16 MiB may wait

type Shh = { request(a: unknown): Promise<unknown> };

let relay: RelayProcess;
let ext: { chrome: string; firefox: string };
let origins: { url: string; close(): Promise<void> }[] = [];

beforeAll(async () => {
  relay = await startRelay();
  const ws = relay.addrs.find((a) => a.startsWith('/ip4/127.0.0.1/') && a.includes('/ws'))!;
  ext = buildExtension([ws]);
  origins = [await serve({ '/index.html': PAGE_A, '/frame.html': FRAME }), await serve({ '/index.html': PAGE_B })];
}, 180_000);

afterAll(async () => {
  for (const o of origins) await o.close();
  await cleanup();
});

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const info = (page: TestPage): Promise<unknown> => page.evaluate(() => (window as unknown as { shh: Shh }).shh.request({ method: 'shh_version' }), undefined);

describe.each(['chromium', 'firefox'] as const)('the page budget in %s', (name) => {
  let s: BrowserSession;

  beforeAll(async () => {
    s = name === 'chromium' ? await launchChromium(ext.chrome) : await launchFirefox(ext.firefox);
  }, 90_000);

  afterAll(async () => {
    await s?.close();
  }, 30_000);

  it('frames parked behind an unanswered approval are held to the tab\'s budget; large requests are refused; the other site is answered', async () => {
    const a = await s.newPage();
    await a.goto(origins[0]!.url + '/index.html');
    const b = await s.newPage();
    await b.goto(origins[1]!.url + '/index.html');
    // Every frame of A asks to connect (one window for the origin) and then parks 1 MiB requests behind it.
    await a.evaluate(async ([perFrame]) => {
      const w = window as unknown as { outcomes: string[] };
      w.outcomes = [];
      const wins = [window, ...Array.from(document.querySelectorAll('iframe'), (f) => f.contentWindow!)] as unknown as { shh: Shh }[];
      for (let i = 0; i < 100 && wins.some((x) => !x.shh); i++) await new Promise((r) => setTimeout(r, 50));
      const big = 'x'.repeat(1 << 20);
      for (const x of wins) {
        void x.shh.request({ method: 'shh_requestIdentities' }).then(
          () => w.outcomes.push('connect ok'),
          (e: { code: number }) => w.outcomes.push(`connect ${e.code}`),
        );
        for (let i = 0; i < perFrame; i++)
          void x.shh.request({ method: 'shh_getIdentities', params: [big] }).then(
            () => w.outcomes.push('big ok'),
            (e: { code: number; message: string }) => w.outcomes.push(`big ${e.code} ${e.message.replace(/\d+ bytes/, 'N bytes')}`),
          );
      }
    }, [PER_FRAME] as [number]);
    const approval = await s.waitForExtensionPage('approval.html');
    const outcomes = (): Promise<string[]> => a.evaluate(() => (window as unknown as { outcomes: string[] }).outcomes, undefined);
    const offered = (FRAMES + 1) * PER_FRAME;
    const refused = await eventually(outcomes, (o) => o.filter((x) => x.startsWith('big -32603')).length >= offered - 16);
    // The other site is answered while A's frames hold their queues.
    expect(await info(b)).toBe('6.0');
    const byKind = refused.reduce<Record<string, number>>((t, x) => ((t[x] = (t[x] ?? 0) + 1), t), {});
    console.log(`[${name}] ${offered} requests of 1 MiB from ${FRAMES + 1} frames behind an approval: ${JSON.stringify(byKind)}`);
    // Refused by the budget, or (on a slow machine, once the queue has waited 2 s) as large behind a blocked queue.
    for (const k of Object.keys(byKind)) expect(k).toMatch(/^big -32603 (too many requests in flight for this (tab|site): |request of N bytes refused while this page waits on an earlier one)/);
    expect(refused.filter((x) => x.startsWith('big -32603')).length).toBeGreaterThanOrEqual(offered - 16);
    // Blocked on the approval for a while now: a request over 64 KiB is refused outright.
    const large = await eventually(
      () =>
        a.evaluate(async () => {
          const r = (window as unknown as { shh: Shh }).shh.request({ method: 'shh_getIdentities', params: ['y'.repeat(100 * 1024)] });
          return Promise.race([r.then(() => 'answered', (e: Error) => e.message), new Promise<string>((res) => setTimeout(() => res('waiting'), 200))]);
        }, undefined),
      (m) => /waits on an earlier one/.test(m),
    );
    expect(large).toMatch(/^request of \d+ bytes refused while this page waits on an earlier one/);
    expect(await info(b)).toBe('6.0');
    // The user closes the window (and any a late frame opened anew): A's frames hear 4001 and their parked requests drain.
    const seen = [approval.url()];
    await approval.close();
    const deadline = Date.now() + 60_000;
    while ((await outcomes()).filter((x) => x.startsWith('connect ')).length < FRAMES + 1 && Date.now() < deadline) {
      const next = await s.waitForExtensionPage('approval.html', { except: seen, timeoutMs: 2000 }).catch(() => undefined);
      if (next) {
        seen.push(next.url());
        await next.close();
      }
    }
    const end = await eventually(outcomes, (o) => o.filter((x) => x === 'connect 4001').length === FRAMES + 1 && o.length >= offered + FRAMES + 1);
    console.log(`[${name}] after the window closed: ${JSON.stringify(end.filter((x) => !x.startsWith('big -32603')))}`);
    expect(end.filter((x) => x === 'connect 4001')).toHaveLength(FRAMES + 1);
    await a.close();
    await b.close();
  }, 180_000);
});
