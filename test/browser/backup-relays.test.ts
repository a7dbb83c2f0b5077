// Importing a backup in the popup never swaps the relays silently: the popup shows the backup's list
// beside the one in use, "Keep my relays" keeps it, "Use the backup's relays" switches (real browsers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayProcess } from '../relay/harness.ts';
import { VAULT_PASSWORD, buildExtension, cleanup, launchChromium, startRelay, type BrowserSession, type TestPage } from './harness.ts';

let relay: RelayProcess;
let ext: { chrome: string; firefox: string };
let ws: string;
const OTHER = '/ip4/127.0.0.1/tcp/9/ws';

beforeAll(async () => {
  relay = await startRelay();
  ws = relay.addrs.find((a) => a.startsWith('/ip4/127.0.0.1/') && a.includes('/ws'))!;
  ext = buildExtension([ws]);
}, 180_000);

afterAll(async () => {
  await cleanup();
});

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One request on the popup channel, from an extension page. */
const ask = (p: TestPage, op: string, params: unknown): Promise<{ result?: any; error?: { message: string } }> =>
  p.evaluate(
    ([o, pr]) => {
      const g = globalThis as unknown as { browser?: { runtime: { sendMessage(m: unknown): Promise<unknown> } }; chrome?: { runtime: { sendMessage(m: unknown): Promise<unknown> } } };
      return (g.browser ?? g.chrome)!.runtime.sendMessage({ channel: 'shh-popup', op: o, params: pr }) as Promise<{ result?: unknown; error?: { message: string } }>;
    },
    [op, params] as [string, unknown],
  );

const waitText = async (p: TestPage, text: string): Promise<string> => {
  const body = await eventually(() => p.evaluate(() => document.body.innerText, undefined), (t) => t.includes(text));
  if (!body.includes(text)) throw new Error(`"${text}" never appeared; the page shows:\n${body}`);
  return body;
};

const fill = (p: TestPage, label: string, value: string): Promise<void> =>
  p.evaluate(
    ([l, v]) => {
      const lab = [...document.querySelectorAll('label')].find((x) => x.textContent?.trim() === l && x.offsetParent !== null);
      const input = document.getElementById(lab?.htmlFor ?? '') as HTMLInputElement | HTMLTextAreaElement | null;
      if (!input) throw new Error(`no visible field labelled ${l}`);
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    [label, value] as [string, string],
  );

const press = async (p: TestPage, name: string): Promise<void> => {
  const n = await eventually(() => p.evaluate((x) => [...document.querySelectorAll('button')].filter((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim() === x && !b.hidden && b.offsetParent !== null).length, name), (c) => c === 1);
  if (n !== 1) throw new Error(`${n} buttons named ${name}`);
  await p.evaluate((x) => [...document.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim() === x && !b.hidden && b.offsetParent !== null)!.click(), name);
};

// Chromium only: Firefox's WebDriver BiDi refuses to navigate a tab to a moz-extension:// page.
describe.each(['chromium'] as const)('backup relays in %s', (name) => {
  let s: BrowserSession;

  beforeAll(async () => {
    s = await launchChromium(ext.chrome);
    expect(s.name).toBe(name);
  }, 90_000);

  afterAll(async () => {
    await s?.close();
  }, 30_000);

  it('the import shows both relay lists; keeping changes nothing, switching applies the backup\'s', async () => {
    const ui = await s.newPage();
    await ui.goto(`${s.extensionOrigin}/popup.html#settings`);
    expect((await ask(ui, 'settings:set', { relays: [ws, OTHER] })).error).toBeUndefined();
    const { file } = (await ask(ui, 'vault:export', { password: VAULT_PASSWORD })).result as { file: string };
    expect((await ask(ui, 'settings:set', { relays: [ws] })).error).toBeUndefined();
    const importOnce = async (): Promise<string> => {
      await ui.goto(`${s.extensionOrigin}/popup.html#settings`);
      await waitText(ui, 'Import a backup');
      await ui.evaluate(() => {
        const d = [...document.querySelectorAll('summary')].find((x) => x.textContent === 'Import a backup')!.parentElement as HTMLDetailsElement;
        d.open = true;
      }, undefined);
      await fill(ui, 'Backup to import', file);
      await fill(ui, 'Backup password', VAULT_PASSWORD);
      await press(ui, 'Import backup');
      return waitText(ui, 'This backup lists other relays');
    };
    const shown = await importOnce();
    expect(shown).toContain(OTHER);
    expect(shown).toContain('Keep my relays');
    // Nothing focused that would switch on a stray Enter.
    expect(await ui.evaluate(() => (document.activeElement instanceof HTMLButtonElement ? document.activeElement.textContent : ''), undefined)).not.toContain('Use the backup');
    expect((await ask(ui, 'settings:get', {})).result.relays).toEqual([ws]); // not applied before the user chooses
    await press(ui, 'Keep my relays');
    await eventually(() => ui.evaluate(() => document.body.innerText.includes('This backup lists other relays'), undefined), (v) => !v);
    expect((await ask(ui, 'settings:get', {})).result.relays).toEqual([ws]);

    await importOnce();
    await press(ui, 'Use the backup’s relays');
    const relays = await eventually(async () => (await ask(ui, 'settings:get', {})).result.relays as string[], (r) => r.length === 2);
    expect(relays).toEqual([ws, OTHER]);
    await ui.close();
  }, 120_000);
});
