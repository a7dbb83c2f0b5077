// The demo DApps (examples/) end to end, as a user sees them: two Chromium profiles with the built
// extension, a relay on loopback, the demos served from 127.0.0.1 (two origins, so a second site has
// keys of its own). Each test clicks through the pages by role and label and reads visible text;
// every one also checks what must NOT show (wrong password, wrong signer, wrong recipient).
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { serveExamples, type DirServer } from '../../scripts/serve-dir.ts';
import { toHex } from '../../src/core/bytes.ts';
import { keccak256 } from '../../packages/shh-provider/keccak.js';
import { artefactPath, askUntilWindow, buildExtension, cleanup, launchChromium, ROOT, startRelay, type BrowserSession } from './harness.ts';

type Chromium = BrowserSession & { context: BrowserContext };

let sites: DirServer[] = [];
let a: Chromium; // profile A
let b: Chromium; // profile B
const handled = new Map<Chromium, string[]>(); // approval windows already answered, per profile

beforeAll(async () => {
  const relay = await startRelay();
  // A second mixing relay behind the first: the dead drop posts dark, which needs two mixes.
  await startRelay(['--peer', relay.addr]);
  const ws = relay.addrs.find((x) => x.startsWith('/ip4/127.0.0.1/') && x.includes('/ws'))!;
  const ext = buildExtension([ws], { mixClient: { rateHz: 5 } });
  sites = [await serveExamples(), await serveExamples()];
  // The harness onboards each fresh profile (sets the vault password in the first-run tab).
  [a, b] = await Promise.all([launchChromium(ext.chrome), launchChromium(ext.chrome)]);
  handled.set(a, []).set(b, []);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  for (const s of sites) await s.close();
  await cleanup();
}, 60_000);

/**
 * Opens a demo in a profile (site 0 or 1). A site not yet connected in that profile asks, and the
 * approval window is answered with `decision`; the demos of one site share its connection.
 */
async function open(browser: Chromium, path: string, site = 0, decision: 'Approve' | 'Reject' = 'Approve'): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${sites[site]!.url}${path}`);
  await status(page, /Not connected|^Connected\.$/);
  if ((await page.locator('#status').innerText()) === 'Connected.') return page;
  const except = handled.get(browser)!;
  // A site rejected a moment ago is backed off (4001 at once): Connect again until the window opens.
  const { win } = await askUntilWindow(browser, () => page.getByRole('button', { name: 'Connect', exact: true }).click(), { except });
  except.push(win.url());
  await win.clickButton(decision);
  return page;
}

const status = (page: Page, text: RegExp) => page.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: 20_000 });
const listText = (page: Page, name: string) => page.getByRole('list', { name }).innerText();
/** Waits until a list shows `text`; its text then. */
async function shows(page: Page, list: string, text: string, ms = 30_000): Promise<string> {
  await page.getByRole('list', { name: list }).getByText(text).first().waitFor({ timeout: ms });
  return listText(page, list);
}

describe('the demo DApps in Chromium, two profiles and a relay', () => {
  it('keccak256 in the page agrees with @noble/hashes (topics are named as web3.utils.sha3 names them)', () => {
    for (const s of ['', 'lobby', 'whisper-demo/offers/v1', 'x'.repeat(136), 'é'.repeat(200)]) {
      const bytes = new TextEncoder().encode(s);
      expect(toHex(keccak256(bytes))).toBe(toHex(keccak_256(bytes)));
    }
  });

  it('chat: Reject keeps a page out; same room and password talk both ways, a wrong password hears nothing', async () => {
    const rejected = await open(b, '/chat/', 1, 'Reject');
    await status(rejected, /You rejected the connection/);
    await rejected.close();

    const join = async (page: Page, nick: string, password: string) => {
      await page.getByLabel('Room name').fill('demo-room');
      await page.getByLabel('Password').fill(password);
      await page.getByLabel('Your name').fill(nick);
      await page.getByRole('button', { name: 'Join' }).click();
      await page.getByRole('heading', { name: /Room “demo-room”/ }).waitFor();
    };
    const say = async (page: Page, text: string) => {
      await page.getByLabel('Message', { exact: true }).fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
    };
    const alice = await open(a, '/chat/');
    const bob = await open(b, '/chat/');
    const eve = await open(b, '/chat/', 1); // another site in B's profile, wrong password
    await join(alice, 'alice', 'correct horse');
    await join(bob, 'bob', 'correct horse');
    await join(eve, 'eve', 'wrong guess');

    await say(alice, 'hello from alice');
    const seenByBob = await shows(bob, 'Messages', 'hello from alice');
    expect(seenByBob).toMatch(/alice: hello from alice \((\d+) s left\)/);
    expect(Number(/\((\d+) s left\)/.exec(seenByBob)![1])).toBeLessThanOrEqual(60);
    await say(bob, 'hi alice');
    expect(await shows(alice, 'Messages', 'hi alice')).toContain('bob: hi alice');
    expect(await listText(alice, 'Messages')).toContain('alice: hello from alice'); // our own, back through the subscription
    await bob.screenshot({ path: artefactPath('demo-chat.png') });

    await say(eve, 'can anyone hear me');
    await shows(eve, 'Messages', 'can anyone hear me'); // eve's own post is sealed and sent
    expect(await listText(eve, 'Messages')).not.toContain('alice');
    expect(await listText(bob, 'Messages')).not.toContain('can anyone hear me');
  }, 150_000);

  it('offers: a late visitor sees the live offers (back-fill); a short one expires, a long one stays; sealing shows progress', async () => {
    const seller = await open(a, '/offers/');
    await seller.getByRole('button', { name: 'Post offer' }).waitFor();
    // Record whether the proof-of-work indicator was shown, however short the sealing.
    await seller.evaluate(() => {
      const el = document.getElementById('sealing')!;
      new MutationObserver(() => {
        if (!el.hidden) (window as unknown as { sawSealing: string }).sawSealing = el.innerText;
      }).observe(el, { attributes: true });
    });
    const post = async (give: string, want: string, ttl: string) => {
      await seller.getByLabel('I give').fill(give);
      await seller.getByLabel('I want').fill(want);
      await seller.getByLabel('Keep it up for').selectOption(ttl);
      await seller.getByRole('button', { name: 'Post offer' }).click();
      await status(seller, /Offer posted/);
    };
    await post('2 ETH', '6000 DAI', '3600');
    expect(await seller.evaluate(() => (window as unknown as { sawSealing?: string }).sawSealing)).toMatch(/Sealing your offer/);
    await post('1 BTC', '30 ETH', '20');

    const buyer = await open(b, '/offers/'); // opened after both were posted
    // Both arrive, each in its own time: a plain post leaves by the stem, whose embargo may hold the
    // first offer after the second has been fluffed.
    await shows(buyer, 'Live offers', 'Gives 1 BTC, wants 30 ETH');
    const board = await shows(buyer, 'Live offers', 'Gives 2 ETH, wants 6000 DAI');
    // Whole seconds on both sides: the hour offer reads "1 h 0 min" in its first second, "59 min …" after.
    expect(board).toMatch(/Gives 2 ETH, wants 6000 DAI expires in (59 min|1 h 0 min)/);
    await buyer.screenshot({ path: artefactPath('demo-offers.png') });
    // The 20-second offer leaves the board at its expiry; the hour-long one stays.
    await buyer.getByRole('list', { name: 'Live offers' }).getByText('Gives 1 BTC').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await listText(buyer, 'Live offers')).toContain('Gives 2 ETH, wants 6000 DAI');
    // The seller's page ticks on its own second: it drops the offer within one.
    await seller.getByRole('list', { name: 'Live offers' }).getByText('Gives 1 BTC').waitFor({ state: 'detached', timeout: 3_000 });
    expect(await listText(seller, 'Live offers')).toContain('Gives 2 ETH, wants 6000 DAI');

    // Cancel stops a sealing offer before anything is sent. At the demo's own PoW a day-long offer needs
    // only ~2^23 tries, a lottery the seal could win before the click lands; `?pow=1000` (test-only,
    // see offers.js) asks for ~2^35 tries, hours of work, so the click always comes first.
    const slow = await open(a, '/offers/?pow=1000');
    await slow.getByLabel('I give').fill('3 XMR');
    await slow.getByLabel('I want').fill('1 ETH');
    await slow.getByLabel('Keep it up for').selectOption('86400');
    await slow.getByRole('button', { name: 'Post offer' }).click();
    await slow.getByRole('button', { name: 'Cancel' }).click();
    await status(slow, /Offer cancelled: nothing was sent/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await listText(buyer, 'Live offers')).not.toContain('3 XMR');
  }, 150_000);

  it('signalling: a signed proposal reaches the named peer and its answer comes back; a stranger\'s signal is not shown', async () => {
    const alice = await open(a, '/signal/');
    const bob = await open(b, '/signal/');
    const mallory = await open(a, '/signal/', 1); // another site: its own key pair
    const keyOf = async (page: Page) => {
      const box = page.getByLabel('Your public key');
      await expect.poll(() => box.inputValue(), { timeout: 20_000 }).toMatch(/^0x04[0-9a-f]{128}$/);
      return box.inputValue();
    };
    const [ka, kb, km] = [await keyOf(alice), await keyOf(bob), await keyOf(mallory)];
    expect(new Set([ka, kb, km]).size).toBe(3);
    const pair = async (page: Page, peer: string) => {
      await page.getByLabel("Your peer's public key").fill(peer);
      await page.getByRole('button', { name: 'Start' }).click();
      await page.getByRole('button', { name: 'Propose' }).waitFor();
    };
    await pair(alice, kb);
    await pair(bob, ka);
    await pair(mallory, kb);
    const propose = async (page: Page, text: string) => {
      await page.getByLabel('Propose a transaction').fill(text);
      await page.getByRole('button', { name: 'Propose' }).click();
      await page.getByRole('list', { name: 'Signals' }).getByText(`“${text}”`).waitFor();
    };
    await propose(mallory, 'send me everything');
    await propose(alice, 'I send you 0.1 ETH at block 100');
    const log = await shows(bob, 'Signals', 'Peer proposes: “I send you 0.1 ETH at block 100”');
    expect(log).toContain(`signed by ${ka.slice(0, 10)}…${ka.slice(-6)}`);
    await bob.getByRole('button', { name: 'Accept' }).click();
    expect(await shows(alice, 'Signals', 'Peer accepted your proposal')).toMatch(/Peer accepted your proposal \w+ \(signed by 0x04/);
    await bob.screenshot({ path: artefactPath('demo-signal.png') });
    expect(await listText(bob, 'Signals')).not.toContain('send me everything');
  }, 150_000);

  it('dead drop: only the journalist\'s key opens the message, signed by the source; it is back after a reload', async () => {
    const journalist = await open(b, '/deaddrop/');
    await journalist.getByRole('button', { name: 'I am the journalist' }).click();
    const keyBox = journalist.getByLabel(/Publish this public key/);
    await expect.poll(() => keyBox.inputValue(), { timeout: 20_000 }).toMatch(/^0x04[0-9a-f]{128}$/);
    const key = await keyBox.inputValue();
    const other = await open(a, '/deaddrop/', 1); // another journalist, another key
    await other.getByRole('button', { name: 'I am the journalist' }).click();
    await other.getByRole('heading', { name: 'Inbox' }).waitFor();

    // The source turns dark sending on (its send clock starts) and waits for a mix path.
    const settings = await a.context.newPage();
    await settings.goto(`${a.extensionOrigin}/popup.html#settings`);
    const popupOp = (op: string, params: unknown = {}) => settings.evaluate(([o, p]) => (globalThis as any).chrome.runtime.sendMessage({ channel: 'shh-popup', op: o, params: p }), [op, params] as const);
    expect((await popupOp('settings:set', { darkByDefault: true })).error).toBeUndefined();
    await expect.poll(async () => (await popupOp('status')).result?.peer?.dark?.hops ?? 0, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    await settings.close();

    const source = await open(a, '/deaddrop/');
    await source.getByRole('button', { name: 'I am a source' }).click();
    await source.getByLabel("The journalist's public key").fill(key);
    await source.getByLabel('Your message').fill('The documents are in locker 42.');
    await source.getByRole('button', { name: 'Leave message' }).click();
    await status(source, /Left\. Only the holder of that public key can read it\./);

    const inbox = await shows(journalist, 'Inbox', 'The documents are in locker 42.');
    expect(inbox).toMatch(/From source 0x04[0-9a-f]{6}…[0-9a-f]{6} \(signature checked\)/);
    await journalist.screenshot({ path: artefactPath('demo-deaddrop.png') });
    await journalist.reload();
    await journalist.getByRole('button', { name: 'I am the journalist' }).click();
    await expect.poll(() => keyBox.inputValue(), { timeout: 20_000 }).toBe(key); // the same key pair after a reload
    await shows(journalist, 'Inbox', 'The documents are in locker 42.'); // back-filled from the live pool
    expect(await listText(other, 'Inbox')).toBe('');
  }, 150_000);
});
