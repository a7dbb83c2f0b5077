// `npm run package` from end to end: the two store archives are written, named with package.json's
// version, after `web-ext lint` passed with warnings as errors; the Chrome archive unzipped loads in
// Chromium, the Firefox archive itself installs in Firefox, and a page in each exchanges messages
// with the other through local relays, dark as shipped (symmetric and asymmetric signed, both ways), as the
// unpacked builds do in test/browser/e2e.test.ts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../relay/version.ts';
import { GECKO_ID } from '../../scripts/firefox-manifest.ts';
import { unzip } from '../../scripts/zip.ts';
import { cleanup, connectSite, launchChromium, launchFirefox, ROOT, serve, startRelay, type BrowserSession, type TestPage } from '../browser/harness.ts';
import type { RelayProcess } from '../relay/harness.ts';

const FIXTURES = join(ROOT, 'test', 'browser', 'fixtures');
const POST = { ttl: 120, powTarget: 0.25, powTime: 5 }; // a dark post reaches the network some seconds late
const VERSION = packageVersion();
const NAME = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).name as string;

interface Party {
  name: string;
  browser: BrowserSession;
  page: TestPage;
}
type Answer = { result?: unknown; error?: { code: number; message: string } };
type W = { e2e: { rpc(m: string, p?: unknown[]): Promise<Answer>; of(id: string): { message: { payload: string; sig?: string }[] } } };

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

/** `npm run package -- --out DIR` as a person runs it; resolves to its exit code and output. */
function npmRunPackage(out: string, relays: string): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'package', '--', '--out', out], { cwd: ROOT, env: { ...process.env, WHISPER_RELAYS: relays }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, log }));
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'shh-package-'));
const out = join(tmp, 'dist');
const chromeZip = join(out, `${NAME}-chrome-${VERSION}.zip`);
const firefoxZip = join(out, `${NAME}-firefox-${VERSION}.zip`);
let relay: RelayProcess;
let site: Awaited<ReturnType<typeof serve>>;
let packaged: { code: number | null; log: string };
let chrome: Party;
let firefox: Party;

beforeAll(async () => {
  relay = await startRelay();
  // A second mixing relay behind the first: the packaged extension sends dark by default, which needs
  // two mixes; it learns the second one's key from the first.
  await startRelay(['--peer', relay.addr]);
  packaged = await npmRunPackage(out, relay.addr);
  if (packaged.code !== 0) throw new Error(`npm run package failed:\n${packaged.log}`);
  site = await serve({ '/e2e.html': readFileSync(join(FIXTURES, 'e2e.html'), 'utf8'), '/e2e.js': readFileSync(join(FIXTURES, 'e2e.js'), 'utf8'), '/web3-shh.js': '' });

  // What a store reviewer gets: the Chrome archive's contents, the Firefox archive as it is.
  const unpacked = join(tmp, 'chrome-unzipped');
  for (const [path, bytes] of unzip(readFileSync(chromeZip))) {
    mkdirSync(dirname(join(unpacked, path)), { recursive: true });
    writeFileSync(join(unpacked, path), bytes);
  }
  const [c, f] = await Promise.all([launchChromium(unpacked), launchFirefox(firefoxZip)]);
  const open = async (name: string, browser: BrowserSession): Promise<Party> => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/e2e.html`);
    const { outcome } = await connectSite(browser, page, 'Approve');
    expect(outcome, `${name} connected`).toEqual({ result: [] });
    return { name, browser, page };
  };
  chrome = await open('Chromium (Chrome archive)', c);
  firefox = await open('Firefox (Firefox archive)', f);
  for (const p of [chrome, firefox]) await until(`${p.name} has a peer`, async () => (await call<string>(p, 'net_peerCount')) !== '0x0', 60_000);
}, 420_000);

afterAll(async () => {
  await Promise.all([chrome, firefox].filter(Boolean).map((p) => p.browser.close()));
  await site?.close();
  await cleanup();
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('npm run package', () => {
  it('writes both archives named with the version, after web-ext lint found nothing', () => {
    expect(existsSync(chromeZip), chromeZip).toBe(true);
    expect(existsSync(firefoxZip), firefoxZip).toBe(true);
    expect(packaged.log).toMatch(/errors\s+0\s+notices\s+0\s+warnings\s+0/);
  });

  it("archives carry the manifest at the root with package.json's version and the stable ids", () => {
    const c = JSON.parse(unzip(readFileSync(chromeZip)).get('manifest.json')!.toString('utf8'));
    const f = JSON.parse(unzip(readFileSync(firefoxZip)).get('manifest.json')!.toString('utf8'));
    expect(c).toMatchObject({ manifest_version: 3, version: VERSION });
    expect(f).toMatchObject({ manifest_version: 2, version: VERSION, browser_specific_settings: { gecko: { id: GECKO_ID } } });
    // the relay list given at packaging time is inlined where the peer runs
    const firefoxBackground = unzip(readFileSync(firefoxZip)).get('background.js')!.toString('utf8');
    expect(firefoxBackground).toContain(relay.addr);
  });

  it.each([
    ['chrome', 'firefox'],
    ['firefox', 'chrome'],
  ] as const)('the installed archives exchange messages page to page: %s -> %s', async (fromKey, toKey) => {
    const [from, to] = fromKey === 'chrome' ? [chrome, firefox] : [firefox, chrome];
    const label = `${from.name} -> ${to.name}`;
    const password = `package ${Date.now()} ${label}`;
    const symTo = await call<string>(to, 'shh_generateSymKeyFromPassword', password);
    const symFrom = await call<string>(from, 'shh_generateSymKeyFromPassword', password);
    const pairTo = await call<string>(to, 'shh_newKeyPair');
    const pubTo = await call<string>(to, 'shh_getPublicKey', pairTo);
    const signer = await call<string>(from, 'shh_newKeyPair');
    const signerPub = await call<string>(from, 'shh_getPublicKey', signer);
    const topics = fromKey === 'chrome' ? ['0x70616301', '0x70616302'] : ['0x70616303', '0x70616304'];
    const subSym = await call<string>(to, 'shh_subscribe', 'messages', { symKeyID: symTo, topics: [topics[0]] });
    const subAsym = await call<string>(to, 'shh_subscribe', 'messages', { privateKeyID: pairTo, topics: [topics[1]], sig: signerPub });

    const hex = (s: string) => '0x' + Buffer.from(s, 'utf8').toString('hex');
    const sym = hex(`symmetric, ${label}`);
    const asym = hex(`asymmetric signed, ${label}`);
    await call(from, 'shh_post', { symKeyID: symFrom, topic: topics[0], payload: sym, ...POST });
    await call(from, 'shh_post', { pubKey: pubTo, sig: signer, topic: topics[1], payload: asym, ...POST });

    const seen = (id: string) => to.page.evaluate((s) => (window as unknown as W).e2e.of(s).message, id);
    await until(`${label} symmetric`, async () => (await seen(subSym)).length > 0, 60_000);
    await until(`${label} asymmetric`, async () => (await seen(subAsym)).length > 0, 60_000);
    expect((await seen(subSym)).map((m) => m.payload)).toEqual([sym]);
    expect(await seen(subAsym)).toMatchObject([{ payload: asym, sig: signerPub }]);
  }, 120_000);
});
