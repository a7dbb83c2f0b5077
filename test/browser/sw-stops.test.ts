// Faults: the Chrome service worker stopped 20 times (CDP ServiceWorker.stopAllWorkers, 10 in
// each profile) while page A posts 1 000 numbered envelopes to page B through a relay. Every post A saw
// acknowledged (a hash) reaches B's subscription exactly once, under the id B was given; a post that
// failed failed with 4900 and a page-side retry got it through; B's pending approval survives the stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayProcess } from '../relay/harness.ts';
import { buildExtension, cleanup, connectSite, onboard, serve, startRelay, wrapPw, type BrowserSession, type TestPage } from './harness.ts';
import { launchChromiumPeer, type PeerBrowser } from './peer-inspect.ts';

const N = 1000;
const STOPS_EACH = 10;
const IN_FLIGHT = 8; // posts each of A's two pages keeps pending at once
// Two pages: the worker runs one Port's requests one at a time, so a second Port overlaps the round trips.
const POST = { ttl: 300, powTarget: 0.2, powTime: 5 }; // 0.2: the default minimum; ttl outlives the run
const TOPIC = '0x53575354';
const PAGE = '<!doctype html><meta charset="utf-8"><title>sw stops</title><p>sw stops</p>';

type Party = BrowserSession & PeerBrowser & { context: BrowserContext; page: TestPage; cdp: CDPSession; states: string[] };
type Shh = { request(a: { method: string; params?: unknown[] }): Promise<unknown>; on(e: string, f: (m: unknown) => void): void };
type Got = { sub: string; hash: string; payload: string };
type Outcome = { i: number; hash?: string; errors: { code: number; message: string }[] };
type SwWindow = {
  shh: Shh;
  got: Got[];
  connects: number;
  posting: { done: number; outcomes: Outcome[]; run: Promise<void> };
};

const profiles: string[] = [];
const parties: Party[] = [];
let relay: RelayProcess;
let sites: Awaited<ReturnType<typeof serve>>[] = [];

/** A Chromium profile with a DevTools port (to reach the offscreen peer), onboarded, its site connected. */
async function launch(extensionDir: string, siteUrl: string): Promise<Party> {
  const dir = mkdtempSync(join(tmpdir(), 'shh-sw-stops-'));
  profiles.push(dir);
  const peer = await launchChromiumPeer(extensionDir, dir);
  const { context } = peer;
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionOrigin = worker.url().split('/').slice(0, 3).join('/');
  const session: BrowserSession = {
    name: 'chromium',
    extensionOrigin,
    newPage: async () => wrapPw(await context.newPage()),
    async waitForExtensionPage(fragment, { timeoutMs = 15_000, except = [] } = {}) {
      const match = (p: Page) => p.url().startsWith(extensionOrigin) && p.url().includes(fragment) && !except.includes(p.url()) && !p.isClosed();
      const page = context.pages().find(match) ?? (await context.waitForEvent('page', { predicate: match, timeout: timeoutMs }));
      await page.waitForLoadState('domcontentloaded');
      return wrapPw(page);
    },
    close: peer.close,
  };
  await onboard(session);
  const raw = await context.newPage();
  const page = wrapPw(raw);
  await page.goto(`${siteUrl}/index.html`);
  const { outcome } = await connectSite(session, page, 'Approve');
  expect(outcome).toEqual({ result: [] });
  const cdp = await context.newCDPSession(raw);
  const states: string[] = [];
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions) if (v.scriptURL.startsWith(extensionOrigin)) states.push(v.runningStatus);
  });
  await cdp.send('ServiceWorker.enable');
  const party: Party = { ...session, ...peer, context, page, cdp, states };
  parties.push(party);
  return party;
}

async function call<T>(page: TestPage, method: string, ...params: unknown[]): Promise<T> {
  const r = await page.evaluate(
    async ([m, p]) => {
      try {
        return { result: await (window as unknown as SwWindow).shh.request({ method: m, params: p }) };
      } catch (e) {
        return { error: `${(e as { code?: number }).code} ${(e as Error).message}` };
      }
    },
    [method, params] as [string, unknown[]],
  );
  if ('error' in r) throw new Error(`${method}: ${r.error}`);
  return r.result as T;
}

async function until(what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops the profile's service worker and waits until a new one runs again (woken by a Port). */
async function stopWorker(p: Party): Promise<void> {
  const before = p.states.length;
  await p.cdp.send('ServiceWorker.stopAllWorkers');
  await until('the worker stopped', async () => p.states.slice(before).includes('stopped'), 15_000);
  await until('a worker running again', async () => {
    const after = p.states.slice(before);
    return after.lastIndexOf('running') > after.indexOf('stopped');
  }, 30_000);
}

const stopsOf = (p: Party): number => p.states.filter((s, k) => s === 'stopped' && p.states[k - 1] !== 'stopped').length;

beforeAll(async () => {
  relay = await startRelay();
  const ext = buildExtension([relay.addr]);
  sites = [await serve({ '/index.html': PAGE }), await serve({ '/index.html': PAGE })];
  const [a, b] = await Promise.all([launch(ext.chrome, sites[0]!.url), launch(ext.chrome, sites[0]!.url)]);
  // The stem's random release delays only slow the run down; the stops are what is under test.
  for (const p of [a!, b!]) await p.run('shhPeer.host.peer.stemEnabled = false; return null;');
  for (const p of [a!, b!]) await until('a peer', async () => (await call<string>(p.page, 'net_peerCount')) !== '0x0');
}, 180_000);

afterAll(async () => {
  await Promise.all(parties.map((p) => p.close()));
  for (const s of sites) await s.close();
  await cleanup();
  for (const d of profiles) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('service-worker stops under load (Chromium)', () => {
  it(`${N} posts A -> B with ${STOPS_EACH} worker stops in each profile: nothing acknowledged lost or repeated, subscriptions resume, a pending approval survives`, async () => {
    const [a, b] = parties as [Party, Party];
    const key = '0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
    const keyA = await call<string>(a.page, 'shh_addSymKey', key);
    const keyB = await call<string>(b.page, 'shh_addSymKey', key);
    await b.page.evaluate(() => {
      const w = window as unknown as SwWindow;
      w.got = [];
      w.shh.on('message', (m) => {
        const d = (m as { data: { subscription: string; result: { hash: string; payload: string } } }).data;
        w.got.push({ sub: d.subscription, hash: d.result.hash, payload: d.result.payload });
      });
    }, 0);
    const sub = await call<string>(b.page, 'shh_subscribe', 'messages', { symKeyID: keyB, topics: [TOPIC] });
    const filter = await call<string>(b.page, 'shh_newMessageFilter', { symKeyID: keyB, topics: [TOPIC] });
    const polled: { hash: string; payload: string }[] = [];
    let polls = 0;
    let pollErrors = 0;
    const poll = async () => {
      polls++;
      try {
        polled.push(...(await call<{ hash: string; payload: string }[]>(b.page, 'shh_getFilterMessages', filter)));
      } catch {
        pollErrors++; // 4900 while B's worker is down: the next poll gets what this one missed
      }
    };

    // A third origin on B asks to connect; its approval window stays open through every stop.
    const c = await b.newPage();
    await c.goto(`${sites[1]!.url}/index.html`);
    await c.evaluate(() => {
      const w = window as unknown as SwWindow;
      w.connects = 0;
      w.shh.on('connect', () => w.connects++);
      void w.shh.request({ method: 'shh_requestIdentities' }).catch(() => undefined);
    }, 0);
    const approval = await b.waitForExtensionPage('approval.html');
    await until('the approval window filled in', () => approval.evaluate(() => document.querySelectorAll('button').length === 2, 0), 15_000);

    // A's two pages post 1 000 numbered payloads (even and odd), IN_FLIGHT at a time each; a post that
    // fails is retried by its page.
    const senders = [a.page, await a.newPage()];
    await senders[1]!.goto(`${sites[0]!.url}/index.html`);
    const started = Date.now();
    for (const [first, page] of senders.entries()) {
      await page.evaluate(
        ([n, inFlight, k, topic, post, start, stride]) => {
          const w = window as unknown as SwWindow;
          const outcomes: Outcome[] = [];
          const hex = (s: string) => '0x' + Array.from(new TextEncoder().encode(s), (x) => x.toString(16).padStart(2, '0')).join('');
          let next = start;
          const one = async (i: number): Promise<void> => {
            const o: Outcome = { i, errors: [] };
            outcomes[i] = o;
            for (let attempt = 0; attempt < 30; attempt++) {
              try {
                o.hash = (await w.shh.request({ method: 'shh_post', params: [{ symKeyID: k, topic, payload: hex(`sw-stops #${i}`), ...post }] })) as string;
                break;
              } catch (e) {
                o.errors.push({ code: (e as { code: number }).code, message: (e as Error).message });
                await new Promise((r) => setTimeout(r, 100));
              }
            }
            w.posting.done++;
          };
          const lane = async (): Promise<void> => {
            while (next < n) {
              const i = next;
              next += stride;
              await one(i);
            }
          };
          w.posting = { done: 0, outcomes, run: Promise.all(Array.from({ length: inFlight }, lane)).then(() => undefined) };
        },
        [N, IN_FLIGHT, keyA, TOPIC, POST, first, senders.length] as const,
      );
    }

    // Twenty stops spread over the run, alternating A and B; B's filter is polled in between.
    const stopAt: string[] = [];
    const progress = async () => {
      let done = 0;
      for (const page of senders) done += await page.evaluate(() => (window as unknown as SwWindow).posting.done, 0);
      return done;
    };
    for (let k = 1; k <= 2 * STOPS_EACH; k++) {
      const at = Math.floor((k * N) / (2 * STOPS_EACH + 1));
      while ((await progress()) < at) {
        await poll();
        await new Promise((r) => setTimeout(r, 300));
      }
      stopAt.push(`${k % 2 === 1 ? 'A' : 'B'}@${await progress()}`);
      await stopWorker(k % 2 === 1 ? a : b);
    }
    for (const page of senders) await page.evaluate(() => (window as unknown as SwWindow).posting.run, 0);
    const postedMs = Date.now() - started;
    const outcomes: Outcome[] = [];
    for (const page of senders) for (const o of await page.evaluate(() => (window as unknown as SwWindow).posting.outcomes, 0)) if (o) outcomes.push(o);

    expect(stopsOf(a), 'stops of A').toBeGreaterThanOrEqual(STOPS_EACH);
    expect(stopsOf(b), 'stops of B').toBeGreaterThanOrEqual(STOPS_EACH);
    const acknowledged = outcomes.filter((o) => o.hash !== undefined);
    const failures = outcomes.flatMap((o) => o.errors);
    const retried = outcomes.filter((o) => o.errors.length > 0).length;
    expect(acknowledged, 'every post went through, after retries').toHaveLength(N);
    for (const e of failures) expect(e.code, e.message).toBe(4900);

    // Every acknowledged hash reaches the subscription; wait for the last ones, then for stragglers.
    const hashes = new Set(acknowledged.map((o) => o.hash!));
    const got = () => b.page.evaluate(() => (window as unknown as SwWindow).got, 0);
    await until('B received every acknowledged post', async () => {
      const seen = new Set((await got()).map((g) => g.hash));
      return [...hashes].every((h) => seen.has(h));
    }, 60_000).catch(() => undefined); // the assertions below say what is missing
    await new Promise((r) => setTimeout(r, 2000));
    await poll();
    const received = await got();
    const totalMs = Date.now() - started;

    const byHash = new Map<string, number>();
    for (const g of received) byHash.set(g.hash, (byHash.get(g.hash) ?? 0) + 1);
    const duplicates = [...byHash.values()].filter((n) => n > 1).length;
    const decode = (h: string) => Buffer.from(h.slice(2), 'hex').toString('utf8');
    const payloads = new Map<string, number>();
    for (const g of received) payloads.set(decode(g.payload), (payloads.get(decode(g.payload)) ?? 0) + 1);
    // A post answered 4900 "may or may not have run": its retry is a second envelope of the same text.
    const retriedTwice = [...payloads.values()].filter((n) => n > 1).length;
    const polledHashes = new Set(polled.map((m) => m.hash));
    const polledMissing = [...hashes].filter((h) => !polledHashes.has(h)).length;

    console.log(
      `sw-stops: ${N} posts, ${stopsOf(a)} stops of A and ${stopsOf(b)} of B; posting ${(postedMs / 1000).toFixed(1)} s, all received ${(totalMs / 1000).toFixed(1)} s; ` +
        `${retried} posts retried (${failures.length} failed attempts, codes ${[...new Set(failures.map((f) => f.code))].join(',') || '-'}); ` +
        `subscription: ${received.length} messages, ${byHash.size} distinct envelopes, ${duplicates} duplicates, ${retriedTwice} payloads twice (a retried post that had run); ` +
        `filter: ${polled.length} messages over ${polls} polls (${pollErrors} failed), ${polledMissing} acknowledged missing`,
    );

    const seenHashes = new Set(received.map((g) => g.hash));
    const lost = acknowledged.filter((o) => !seenHashes.has(o.hash!));
    if (lost.length > 0)
      console.log(`lost on the subscription: ${lost.length}: ${lost.map((o) => `#${o.i}${o.errors.length ? `(retried ${o.errors.length})` : ''}${polledHashes.has(o.hash!) ? '[filter had it]' : ''}`).join(' ')}; stops after posts ${stopAt.join(',')}`);
    expect(received.every((g) => g.sub === sub), 'one subscription id throughout').toBe(true);
    for (const h of hashes) expect(byHash.get(h), `acknowledged ${h} once on the subscription`).toBe(1);
    expect(duplicates, 'an envelope delivered twice').toBe(0);
    expect(received.length - byHash.size).toBe(0);
    expect(polledMissing, 'acknowledged posts the filter missed').toBe(0);
    expect(polled.length, 'the filter hands each envelope out once').toBe(polledHashes.size);
    expect(retriedTwice, 'payloads delivered twice beyond retried posts').toBeLessThanOrEqual(retried);

    // The approval opened before the stops is still there and still works.
    await until('the approval window still shows its buttons', () => approval.evaluate(() => document.querySelectorAll('button').length === 2, 0), 15_000);
    await approval.clickButton('Approve');
    await until('the third origin connected', () => c.evaluate(() => (window as unknown as SwWindow).connects > 0, 0), 20_000);
    expect(await call<string>(c, 'shh_newSymKey')).toMatch(/^[0-9a-f]{64}$/);
    expect(await call<boolean>(b.page, 'shh_unsubscribe', sub)).toBe(true);
  }, 420_000);
});
