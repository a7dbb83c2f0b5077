// End-to-end proof of the provider contract (docs/PROTOCOL.md §4): two Chromium and two Firefox profiles with the built
// extension, one relay on loopback, a test page on 127.0.0.1 in each, every site connected through
// its approval window. A page posts (symmetric, asymmetric to the receiver's key, signed) and a page
// in another profile receives it through shh_subscribe (both event shapes) and a polled filter, each
// message exactly once per watcher; then the same through web3-shh@1.10.4 loaded into the pages.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayProcess } from '../relay/harness.ts';
import { artefactPath, buildExtension, cleanup, connectSite, launchChromium, launchFirefox, serve, startRelay, type BrowserSession, type TestPage } from './harness.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const MIN_POW = 0.2; // the node's default minimum
const POST = { ttl: 50, powTarget: 0.25, powTime: 5 };
const HEX64 = /^[0-9a-f]{64}$/; // key and filter ids
const SUB_ID = /^0x[0-9a-f]{32}$/; // subscription ids, geth's rpc.ID

interface Party {
  name: string;
  browser: BrowserSession;
  page: TestPage;
}
type Msg = Record<string, unknown> & { payload: string; topic: string; ttl: number; hash: string; pow: number };
type Answer = { result?: unknown; error?: { code: number; message: string } };
type PageE2e = {
  rpc(m: string, p?: unknown[]): Promise<Answer>;
  of(id: string): { message: Msg[]; data: Msg[] };
  data: unknown[];
  web3: Record<string, Msg[]>;
  web3shh(): Record<string, (...a: unknown[]) => Promise<unknown>>;
  web3subscribe(c: unknown): Promise<string>;
};
type W = { e2e: PageE2e };

/** Bundles web3-shh (with the Node shims a DApp bundle adds) for the page; once per run. */
async function bundleWeb3Shh(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    publicDir: false,
    resolve: { alias: { buffer: 'buffer/', events: 'events/' } },
    build: {
      write: false,
      minify: false,
      lib: { entry: join(FIXTURES, 'web3-shh-entry.js'), formats: ['iife'], name: 'web3shh', fileName: () => 'web3-shh.js' },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
  const chunk = outputs[0]!.output.find((o) => o.type === 'chunk');
  if (!chunk?.code) throw new Error('web3-shh bundle: no chunk');
  return chunk.code;
}

async function call<T = unknown>(p: Party, method: string, ...params: unknown[]): Promise<T> {
  const r = await p.page.evaluate(([m, ps]) => (window as unknown as W).e2e.rpc(m, ps), [method, params] as [string, unknown[]]);
  if (r.error) throw new Error(`${p.name} ${method}: ${r.error.code} ${r.error.message}`);
  return r.result as T;
}

async function until(what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const hexOf = (s: string): string => '0x' + Buffer.from(s, 'utf8').toString('hex');
let topicSeq = 0x5348_0000;
const nextTopic = (): string => '0x' + (topicSeq++).toString(16).padStart(8, '0');

/** A polled filter: accumulates what shh_getFilterMessages hands out over time (each message once). */
function polled(p: Party, id: string) {
  const got: Msg[] = [];
  return {
    id,
    got,
    poll: async () => (got.push(...(await call<Msg[]>(p, 'shh_getFilterMessages', id))), got),
  };
}

let relay: RelayProcess;
let site: Awaited<ReturnType<typeof serve>>;
let parties: Record<'chromeA' | 'chromeB' | 'firefoxC' | 'firefoxD', Party>;
const run = Date.now().toString(36);

beforeAll(async () => {
  relay = await startRelay();
  const [ext, web3] = await Promise.all([Promise.resolve(buildExtension([relay.addr])), bundleWeb3Shh()]);
  site = await serve({
    '/e2e.html': readFileSync(join(FIXTURES, 'e2e.html'), 'utf8'),
    '/e2e.js': readFileSync(join(FIXTURES, 'e2e.js'), 'utf8'),
    '/web3-shh.js': web3,
  });
  const [a, b, c, d] = await Promise.all([launchChromium(ext.chrome), launchChromium(ext.chrome), launchFirefox(ext.firefox), launchFirefox(ext.firefox)]);
  const open = async (name: string, browser: BrowserSession): Promise<Party> => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/e2e.html`);
    const { outcome } = await connectSite(browser, page, 'Approve');
    expect(outcome, `${name} connected`).toEqual({ result: [] });
    return { name, browser, page };
  };
  parties = {
    chromeA: await open('Chromium A', a!),
    chromeB: await open('Chromium B', b!),
    firefoxC: await open('Firefox C', c!),
    firefoxD: await open('Firefox D', d!),
  };
  // Each peer reaches the relay (its only neighbour until WebRTC links form).
  for (const p of Object.values(parties)) await until(`${p.name} has a peer`, async () => (await call<string>(p, 'net_peerCount')) !== '0x0', 60_000);
}, 240_000);

afterAll(async () => {
  await Promise.all(Object.values(parties ?? {}).map((p) => p.browser.close()));
  await site?.close();
  await cleanup();
}, 60_000);

const DIRECTIONS: ['chromeA' | 'chromeB' | 'firefoxC' | 'firefoxD', 'chromeA' | 'chromeB' | 'firefoxC' | 'firefoxD'][] = [
  ['chromeA', 'chromeB'],
  ['chromeB', 'chromeA'],
  ['firefoxC', 'firefoxD'],
  ['firefoxD', 'firefoxC'],
  ['chromeA', 'firefoxC'],
  ['firefoxD', 'chromeB'],
];

/** The received message is the one posted: the fields the sender chose, the hash it was given. */
function expectMessage(m: Msg | undefined, sent: { payload: string; topic: string; hash: string }, extra: { sig?: string; recipientPublicKey?: string }): void {
  expect(m).toMatchObject({ payload: sent.payload, topic: sent.topic, ttl: POST.ttl, hash: sent.hash, timestamp: expect.any(Number), padding: expect.stringMatching(/^0x/) });
  expect(m!.pow).toBeGreaterThanOrEqual(MIN_POW);
  if (extra.sig) expect(m!.sig).toBe(extra.sig);
  else expect(m).not.toHaveProperty('sig');
  if (extra.recipientPublicKey) expect(m!.recipientPublicKey).toBe(extra.recipientPublicKey);
  else expect(m).not.toHaveProperty('recipientPublicKey');
}

describe('window.shh, page to page through the relay', () => {
  it.each(DIRECTIONS)('%s -> %s: symmetric, asymmetric and signed, by subscription and filter, each once', async (fromKey, toKey) => {
    const from = parties[fromKey];
    const to = parties[toKey];
    const label = `${from.name} -> ${to.name}`;
    const password = `e2e ${run} ${label}`;

    // Keys: a shared password key, the receiver's key pair, the sender's signing pair, a stranger's.
    const [symTo, symFrom] = [await call<string>(to, 'shh_generateSymKeyFromPassword', password), await call<string>(from, 'shh_generateSymKeyFromPassword', password)];
    expect(symTo).toMatch(HEX64);
    expect(await call(to, 'shh_getSymKey', symTo)).toBe(await call(from, 'shh_getSymKey', symFrom));
    const pairTo = await call<string>(to, 'shh_newKeyPair');
    const pubTo = await call<string>(to, 'shh_getPublicKey', pairTo);
    const signer = await call<string>(from, 'shh_newKeyPair');
    const signerPub = await call<string>(from, 'shh_getPublicKey', signer);
    const strangerPub = await call<string>(to, 'shh_getPublicKey', await call<string>(to, 'shh_newKeyPair'));

    const t = { sym: nextTopic(), asym: nextTopic(), signed: nextTopic() };
    const criteria = {
      sym: { symKeyID: symTo, topics: [t.sym], minPow: MIN_POW },
      asym: { privateKeyID: pairTo, topics: [t.asym] },
      signed: { symKeyID: symTo, topics: [t.signed], sig: signerPub },
    };
    const subs = {
      sym: await call<string>(to, 'shh_subscribe', 'messages', criteria.sym),
      asym: await call<string>(to, 'shh_subscribe', 'messages', criteria.asym),
      signed: await call<string>(to, 'shh_subscribe', 'messages', criteria.signed),
    };
    const filters = {
      sym: polled(to, await call<string>(to, 'shh_newMessageFilter', criteria.sym)),
      asym: polled(to, await call<string>(to, 'shh_newMessageFilter', criteria.asym)),
      signed: polled(to, await call<string>(to, 'shh_newMessageFilter', criteria.signed)),
      otherSigner: polled(to, await call<string>(to, 'shh_newMessageFilter', { ...criteria.signed, sig: strangerPub })),
      anySigner: polled(to, await call<string>(to, 'shh_newMessageFilter', { symKeyID: symTo, topics: [t.signed] })),
    };
    for (const id of Object.values(subs)) expect(id).toMatch(SUB_ID);
    for (const f of Object.values(filters)) expect(f.id).toMatch(HEX64);

    const payload = (kind: string) => hexOf(`${kind} message, ${label}`);
    const sent = {
      sym: { payload: payload('symmetric'), topic: t.sym, hash: '' },
      asym: { payload: payload('asymmetric'), topic: t.asym, hash: '' },
      signed: { payload: payload('signed'), topic: t.signed, hash: '' },
    };
    sent.sym.hash = await call(from, 'shh_post', { symKeyID: symFrom, topic: t.sym, payload: sent.sym.payload, ...POST });
    sent.asym.hash = await call(from, 'shh_post', { pubKey: pubTo, topic: t.asym, payload: sent.asym.payload, ...POST });
    sent.signed.hash = await call(from, 'shh_post', { symKeyID: symFrom, sig: signer, topic: t.signed, payload: sent.signed.payload, ...POST });
    for (const s of Object.values(sent)) expect(s.hash).toMatch(/^0x[0-9a-f]{64}$/);

    const seen = (sub: string) => to.page.evaluate((id) => (window as unknown as W).e2e.of(id), sub);
    for (const k of ['sym', 'asym', 'signed'] as const) {
      await until(`${label} ${k} by subscription`, async () => (await seen(subs[k])).message.length > 0 && (await seen(subs[k])).data.length > 0);
      await until(`${label} ${k} by filter`, async () => (await filters[k].poll()).length > 0);
    }
    await until(`${label} signed by the unfiltered filter`, async () => (await filters.anySigner.poll()).length > 0);
    // Anything delivered twice would have arrived by now (gossip, catch-up and WebRTC paths settle).
    await new Promise((r) => setTimeout(r, 1500));
    for (const f of Object.values(filters)) await f.poll();

    const extra = { sym: {}, asym: { recipientPublicKey: pubTo }, signed: { sig: signerPub } };
    for (const k of ['sym', 'asym', 'signed'] as const) {
      const got = await seen(subs[k]);
      expect(got.message, `${k}: one message event`).toHaveLength(1);
      expect(got.data, `${k}: one data event`).toHaveLength(1);
      expectMessage(got.message[0], sent[k], extra[k]);
      expect(got.data[0]).toEqual(got.message[0]);
      expect(filters[k].got, `${k}: filter once`).toHaveLength(1);
      expect(filters[k].got[0]).toEqual(got.message[0]);
    }
    // the full shh_subscription object on `data`
    const raw = await to.page.evaluate((id) => (window as unknown as W).e2e.data.filter((d) => (d as { params: { subscription: string } }).params.subscription === id), subs.sym);
    expect(raw).toEqual([{ jsonrpc: '2.0', method: 'shh_subscription', params: { subscription: subs.sym, result: expect.objectContaining({ hash: sent.sym.hash }) } }]);
    expect(filters.otherSigner.got, 'a filter for another signer').toEqual([]);
    expect(filters.anySigner.got).toHaveLength(1);
    expect(filters.anySigner.got[0]).toMatchObject({ sig: signerPub, hash: sent.signed.hash });
    // the sender's own page never had those watchers
    expect((await from.page.evaluate((id) => (window as unknown as W).e2e.of(id), subs.sym)).message).toEqual([]);

    for (const s of Object.values(subs)) expect(await call(to, 'shh_unsubscribe', s)).toBe(true);
    for (const f of Object.values(filters)) expect(await call(to, 'shh_deleteMessageFilter', f.id)).toBe(true);
  }, 120_000);
});

describe('web3-shh@1.10.4 in the page, over new Shh(window.shh)', () => {
  const w3 = <T>(p: Party, method: string, ...args: unknown[]): Promise<T> =>
    p.page.evaluate(([m, a]) => (window as unknown as W).e2e.web3shh()[m]!(...a), [method, args] as [string, unknown[]]) as Promise<T>;
  const w3got = (p: Party, sub: string): Promise<Msg[]> => p.page.evaluate((id) => JSON.parse(JSON.stringify((window as unknown as W).e2e.web3[id] ?? [])), sub);

  it.each([
    ['chromeA', 'firefoxD'],
    ['firefoxC', 'chromeB'],
  ] as const)('%s -> %s: symmetric (password) and asymmetric signed, by subscription and filter; a late subscription back-fills', async (fromKey, toKey) => {
    const from = parties[fromKey];
    const to = parties[toKey];
    const label = `web3-shh ${from.name} -> ${to.name}`;
    expect(await w3(to, 'getVersion')).toBe('6.0');
    expect(await w3(from, 'getVersion')).toBe('6.0');
    const fresh = await w3<string>(from, 'newSymKey');
    expect(fresh).toMatch(HEX64);
    expect(await w3(from, 'hasSymKey', fresh)).toBe(true);

    const password = `web3 ${run} ${label}`;
    const keyTo = await w3<string>(to, 'generateSymKeyFromPassword', password);
    const keyFrom = await w3<string>(from, 'generateSymKeyFromPassword', password);
    const pairTo = await w3<string>(to, 'newKeyPair');
    const pubTo = await w3<string>(to, 'getPublicKey', pairTo);
    const signer = await w3<string>(from, 'newKeyPair');
    const signerPub = await w3<string>(from, 'getPublicKey', signer);
    const t = { sym: nextTopic(), asym: nextTopic() };

    const subSym = await to.page.evaluate((c) => (window as unknown as W).e2e.web3subscribe(c), { symKeyID: keyTo, topics: [t.sym] });
    const subAsym = await to.page.evaluate((c) => (window as unknown as W).e2e.web3subscribe(c), { privateKeyID: pairTo, topics: [t.asym], sig: signerPub });
    expect(subSym).toMatch(SUB_ID);
    const filterSym = await w3<string>(to, 'newMessageFilter', { symKeyID: keyTo, topics: [t.sym] });
    const filterAsym = await w3<string>(to, 'newMessageFilter', { privateKeyID: pairTo, topics: [t.asym] });

    const sym = { payload: hexOf(`symmetric via web3-shh, ${label}`), topic: t.sym, hash: '' };
    const asym = { payload: hexOf(`asymmetric signed via web3-shh, ${label}`), topic: t.asym, hash: '' };
    sym.hash = await w3(from, 'post', { symKeyID: keyFrom, topic: t.sym, payload: sym.payload, ...POST });
    asym.hash = await w3(from, 'post', { pubKey: pubTo, sig: signer, topic: t.asym, payload: asym.payload, ...POST });

    await until(`${label} symmetric by subscription`, async () => (await w3got(to, subSym)).length > 0);
    await until(`${label} asymmetric by subscription`, async () => (await w3got(to, subAsym)).length > 0);
    const byFilter = { sym: [] as Msg[], asym: [] as Msg[] };
    await until(`${label} by filters`, async () => {
      byFilter.sym.push(...(await w3<Msg[]>(to, 'getFilterMessages', filterSym)));
      byFilter.asym.push(...(await w3<Msg[]>(to, 'getFilterMessages', filterAsym)));
      return byFilter.sym.length > 0 && byFilter.asym.length > 0;
    });
    await new Promise((r) => setTimeout(r, 1500));
    byFilter.sym.push(...(await w3<Msg[]>(to, 'getFilterMessages', filterSym)));

    const gotSym = await w3got(to, subSym);
    const gotAsym = await w3got(to, subAsym);
    expect(gotSym).toHaveLength(1);
    expect(gotAsym).toHaveLength(1);
    expectMessage(gotSym[0], sym, {});
    expectMessage(gotAsym[0], asym, { sig: signerPub, recipientPublicKey: pubTo });
    expect(byFilter.sym).toEqual(gotSym);
    expect(byFilter.asym).toEqual(gotAsym);

    // Beyond geth (docs/PROTOCOL.md §4): a subscription made after the fact first gets what is live in the pool.
    const late = await to.page.evaluate((c) => (window as unknown as W).e2e.web3subscribe(c), { symKeyID: keyTo, topics: [t.sym] });
    await until(`${label} late subscription back-filled`, async () => (await w3got(to, late)).length > 0, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await w3got(to, late)).toEqual(gotSym);
  }, 120_000);
});

describe('what a person sees', () => {
  it('each browser shows the received messages (screenshots)', async () => {
    for (const p of [parties.chromeB, parties.firefoxC]) {
      const file = artefactPath(`e2e-${p.browser.name}.png`);
      const items = await p.page.evaluate(() => document.querySelectorAll('#received li').length, 0);
      expect(items).toBeGreaterThan(0);
      await p.page.screenshot(file);
      expect(statSync(file).size).toBeGreaterThan(5000);
    }
  });
});
