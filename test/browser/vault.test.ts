// The vault and the popup end to end in Chromium and Firefox with the built extension and a relay: onboarding in the
// first-run tab, two identities, a site approved with one of them, signed and encrypted messages with
// it, per-identity and whole-site revoke from the popup, lock / unlock, backup export, wipe, import.
// Security: no key in the clear in any extension store; another origin, an iframe, a sandboxed iframe
// and forged messages cannot use an identity; no page method returns an identity's private key.
// Every screen is photographed (.tmp/browser/vault-*) so a person can look at it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artefactPath, buildExtension, cleanup, launchChromium, launchFirefox, serve, startRelay, pageRequest as rpc, type Answer, type BrowserSession, type ExtensionPage, type TestPage } from './harness.ts';

const TOPIC = '0x766c7401';
const PASSWORD = 'a long vault password';
const PAGE = '<!doctype html><meta charset="utf-8"><title>shh vault test</title><p>test page</p>';
/** A frame page that runs window.shh requests its parent asks for by message, and posts the answers back. */
const FRAME = `<!doctype html><meta charset="utf-8"><title>frame</title><p>frame</p><script>
addEventListener('message', async (e) => {
  if (!e.data || !e.data.ask) return;
  let answer;
  try { answer = { result: await window.shh.request({ method: e.data.m, params: e.data.p }) }; }
  catch (err) { answer = { error: { code: err.code, message: err.message } }; }
  parent.postMessage({ reply: e.data.ask, answer }, '*');
});
</script>`;


const record = (page: TestPage): Promise<void> =>
  page.evaluate(() => {
    const w = window as any;
    w.seen = [];
    for (const event of ['identitiesChanged', 'message']) w.shh.on(event, (data: unknown) => w.seen.push({ event, data }));
  }, undefined);
const seen = (page: TestPage, event: string): Promise<any[]> => page.evaluate((e) => (window as any).seen.filter((s: any) => s.event === e).map((s: any) => s.data), event);

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the page's visible text contains `text`. */
const waitText = async (p: TestPage, text: string, ms = 15_000): Promise<string> => {
  const body = await eventually(() => p.evaluate(() => document.body.innerText, undefined), (t) => t.includes(text), ms);
  if (!body.includes(text)) throw new Error(`"${text}" never appeared; the page shows:\n${body}`);
  return body;
};

/** Types into the input labelled `label` (its <label> text), as a person would. */
const fill = (p: TestPage, label: string, value: string, nth = 0): Promise<void> =>
  p.evaluate(
    ([l, v, n]) => {
      const labels = [...document.querySelectorAll('label')].filter((x) => x.textContent?.trim() === l && x.offsetParent !== null);
      const input = document.getElementById(labels[n]?.htmlFor ?? '') as HTMLInputElement | HTMLTextAreaElement | null;
      if (!input) throw new Error(`no visible field labelled ${l}`);
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    [label, value, nth] as [string, string, number],
  );

const openDetails = (p: TestPage, summary: string): Promise<void> =>
  p.evaluate((t) => {
    const d = [...document.querySelectorAll('summary')].find((s) => s.textContent === t)?.parentElement as HTMLDetailsElement;
    d.open = true;
  }, summary);

/**
 * Clicks the button whose accessible name (aria-label, else its text) is `name`; fails when there is
 * none or more than one. A DOM click: Puppeteer's BiDi clicks in Firefox took ~30 s each on these pages.
 */
const press = async (p: TestPage, name: string): Promise<void> => {
  const n = await eventually(
    // enabled too: an approving or destructive button ignores input for a moment after it appears
    () => p.evaluate((x) => [...document.querySelectorAll('button')].filter((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim() === x && !b.hidden && !b.disabled).length, name),
    (c) => c === 1,
    10_000,
  );
  if (n !== 1) throw new Error(`${n} buttons named ${name}`);
  await p.evaluate((x) => [...document.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim() === x && !b.hidden)!.click(), name);
};

/** Opens a popup tab (role=tab, so not a "button" to accessibility queries) by its name. */
const tab = async (p: ExtensionPage, name: string, expectText: string): Promise<void> => {
  await p.evaluate((n) => ([...document.querySelectorAll('[role="tab"]')].find((t) => t.textContent === n) as HTMLElement).click(), name);
  await eventually(() => p.evaluate((n) => document.getElementById('panel')?.dataset.shown === n.toLowerCase(), name), (v) => v);
  await waitText(p, expectText);
};

let relay: Awaited<ReturnType<typeof startRelay>>;
let ext: { chrome: string; firefox: string };
const servers: { url: string; close(): Promise<void> }[] = [];

beforeAll(async () => {
  relay = await startRelay();
  ext = buildExtension([relay.addrs.find((a) => a.startsWith('/ip4/127.0.0.1/') && a.includes('/ws'))!]);
  for (let i = 0; i < 3; i++) servers.push(await serve({ '/index.html': PAGE, '/frame.html': FRAME }));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await cleanup();
}, 60_000);

describe.each(['chromium', 'firefox'] as const)('vault, identities and permissions in %s', (name) => {
  let s: BrowserSession;
  let ui: ExtensionPage; // the popup page, in the first-run tab
  let a: TestPage;
  let b: TestPage;
  let alice: { id: string; name: string; publicKey: string };
  const shot = (p: TestPage, screen: string) => p.screenshot(artefactPath(`vault-${name}-${screen}.png`));
  const A = () => servers[0]!.url;
  const B = () => servers[1]!.url;
  const C = () => servers[2]!.url;

  beforeAll(async () => {
    s = name === 'chromium' ? await launchChromium(ext.chrome, { onboard: false }) : await launchFirefox(ext.firefox, { onboard: false });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  }, 30_000);

  it('first run: the onboarding tab asks for a password; sites get 4100 "locked" until it is chosen', async () => {
    ui = await s.waitForExtensionPage('popup.html', { timeoutMs: 20_000 });
    await ui.setViewport(400, 600);
    await waitText(ui, 'Welcome to Whisper');
    a = await s.newPage();
    await a.goto(`${A()}/index.html`);
    expect((await rpc(a, 'shh_requestIdentities')).error).toEqual({ code: 4100, message: 'The Whisper extension is locked: unlock it from its toolbar button.' });
    expect(await rpc(a, 'shh_version')).toEqual({ result: '6.0' });
    await shot(ui, 'welcome');
    await fill(ui, 'Password', 'short');
    await fill(ui, 'Confirm password', 'short');
    await press(ui, 'Create vault');
    await waitText(ui, 'at least 8 characters');
    await fill(ui, 'Password', PASSWORD);
    await fill(ui, 'Confirm password', PASSWORD + 'x');
    await press(ui, 'Create vault');
    await waitText(ui, 'The two passwords differ.');
    await shot(ui, 'welcome-error');
    await fill(ui, 'Confirm password', PASSWORD);
    await press(ui, 'Create vault');
    await waitText(ui, 'Minimum PoW');
    await shot(ui, 'status');
  }, 90_000);

  it('two identities made in the popup; the site is approved with one in the approval window', async () => {
    await tab(ui, 'Identities', 'None yet');
    for (const n of ['Alice', 'Bob']) {
      await fill(ui, 'Name', n);
      await press(ui, 'Create identity');
      await eventually(() => ui.evaluate((x) => !!document.querySelector(`button[aria-label="Rename ${x}"]`), n), (v) => v);
    }
    await shot(ui, 'identities');
    await record(a);
    const asked = rpc(a, 'shh_requestIdentities');
    const win = await s.waitForExtensionPage('approval.html');
    await win.setViewport(400, 560);
    await waitText(win, 'Identities this site may use');
    expect(await win.evaluate(() => document.getElementById('origin')?.textContent, undefined)).toBe(A());
    await win.evaluate(() => {
      const label = [...document.querySelectorAll('label')].find((l) => l.textContent?.includes('Alice'))!;
      (label.querySelector('input') as HTMLInputElement).click();
    }, undefined);
    await shot(win, 'approval');
    await press(win, 'Approve');
    const got = await asked;
    expect(got.result).toHaveLength(1);
    alice = got.result[0];
    expect(alice).toMatchObject({ name: 'Alice', publicKey: expect.stringMatching(/^0x04[0-9a-f]{128}$/) });
    expect(await rpc(a, 'shh_getIdentities')).toEqual({ result: [alice] });
  }, 60_000);

  it('the site posts signed with the identity and receives messages encrypted to it', async () => {
    b = await s.newPage();
    await b.goto(`${B()}/index.html`);
    await record(b);
    const asked = rpc(b, 'shh_requestIdentities');
    const win = await s.waitForExtensionPage('approval.html');
    await waitText(win, 'Identities this site may use');
    await press(win, 'Approve');
    expect(await asked).toEqual({ result: [] });
    const bKey = (await rpc(b, 'shh_newKeyPair')).result as string;
    const bPub = (await rpc(b, 'shh_getPublicKey', bKey)).result as string;
    const bSub = (await rpc(b, 'shh_subscribe', 'messages', { privateKeyID: bKey, topics: [TOPIC] })).result;
    const aSub = (await rpc(a, 'shh_subscribe', 'messages', { privateKeyID: alice.id, topics: [TOPIC] })).result;
    expect(aSub).toMatch(/^0x[0-9a-f]+$/);
    // A -> B, signed by Alice.
    expect((await rpc(a, 'shh_post', { pubKey: bPub, sig: alice.id, topic: TOPIC, payload: '0xa11ce0', powTarget: 0.2, powTime: 10 })).result).toMatch(/^0x[0-9a-f]{64}$/);
    const toB = await eventually(() => seen(b, 'message'), (m) => m.length > 0);
    expect(toB[0].data).toMatchObject({ subscription: bSub, result: { payload: '0xa11ce0', sig: alice.publicKey, recipientPublicKey: bPub } });
    // B -> Alice: only the site granted Alice can read it.
    expect((await rpc(b, 'shh_post', { pubKey: alice.publicKey, sig: bKey, topic: TOPIC, payload: '0xb0b0', powTarget: 0.2, powTime: 10 })).result).toMatch(/^0x/);
    const toA = await eventually(() => seen(a, 'message'), (m) => m.length > 0);
    expect(toA[0].data).toMatchObject({ subscription: aSub, result: { payload: '0xb0b0', sig: bPub, recipientPublicKey: alice.publicKey } });
  }, 60_000);

  it('security: no page reads the private key; another origin, an iframe, a sandboxed iframe and forged messages cannot use the identity', async () => {
    // The private key as the user can export it (password asked again).
    await tab(ui, 'Identities', 'Your identities');
    await press(ui, `Export private key of Alice`);
    await fill(ui, 'Your password', 'not the password');
    await press(ui, 'Show private key');
    await waitText(ui, 'Wrong password');
    await fill(ui, 'Your password', PASSWORD);
    await press(ui, 'Show private key');
    const priv = await eventually(() => ui.evaluate(() => (document.querySelector('textarea[aria-label="Private key of Alice"]') as HTMLTextAreaElement | null)?.value ?? '', undefined), (v) => v.length === 66);
    expect(priv).toMatch(/^0x[0-9a-f]{64}$/);
    await shot(ui, 'identity-export');
    const hex = priv.slice(2);

    // Every method the granted site could try: none returns the key.
    const tries: [string, unknown[]][] = [
      ['shh_getPrivateKey', [alice.id]], ['shh_getSymKey', [alice.id]], ['shh_getPublicKey', [alice.id]], ['shh_hasKeyPair', [alice.id]],
      ['shh_getIdentities', []], ['shh_requestIdentities', []], ['shh_info', []], ['shh_deleteKeyPair', [alice.id]],
      ['shh_getPrivateKey', [`0x${alice.id}`]], ['shh_getPrivateKey', [alice.publicKey]],
    ];
    const answers = [];
    for (const [m, p] of tries) answers.push(await rpc(a, m, ...p));
    expect(answers[0]).toEqual({ error: { code: -32000, message: 'invalid id' } });
    expect(JSON.stringify(answers)).not.toContain(hex);
    expect(JSON.stringify(await a.evaluate(() => [Object.keys((window as any).shh), typeof (window as any).chrome?.runtime?.sendMessage, typeof (window as any).browser], undefined))).not.toContain(hex);
    expect(await rpc(a, 'shh_hasKeyPair', alice.id)).toEqual({ result: true }); // deleteKeyPair above did not delete it

    // Another origin cannot use Alice's id.
    expect(await rpc(b, 'shh_hasKeyPair', alice.id)).toEqual({ result: false });
    expect((await rpc(b, 'shh_post', { pubKey: alice.publicKey, sig: alice.id, topic: TOPIC, powTarget: 0.2, powTime: 5 })).error?.message).toBe('invalid id');

    // Forged messages: a page posting frames or a port hand-over of its own reaches nothing.
    const forged = await b.evaluate(async (id) => {
      const ch = new MessageChannel();
      const got: unknown[] = [];
      ch.port1.onmessage = (e) => got.push(e.data);
      window.postMessage({ type: 'shh:port-handover/1' }, location.origin, [ch.port2]);
      window.postMessage({ kind: 'request', id: 1, method: 'shh_getPrivateKey', params: [id] }, '*');
      ch.port1.postMessage({ kind: 'request', id: 2, method: 'shh_hasKeyPair', params: [id] });
      await new Promise((r) => setTimeout(r, 500));
      return got;
    }, alice.id);
    expect(forged).toEqual([]);
    expect(await rpc(b, 'shh_hasKeyPair', alice.id)).toEqual({ result: false }); // and the real bridge still works

    // Site A embeds a frame of origin C and a sandboxed (opaque-origin) frame of its own origin.
    const host = await s.newPage();
    await host.goto(`${A()}/index.html`);
    await host.evaluate(([c, a2]) => {
      for (const [src, sandbox] of [[`${c}/frame.html`, ''], [`${a2}/frame.html`, 'allow-scripts']] as const) {
        const f = document.createElement('iframe');
        f.src = src;
        if (sandbox) f.setAttribute('sandbox', sandbox);
        document.body.append(f);
      }
    }, [C(), A()] as [string, string]);
    const inFrame = (i: number, method: string, ...params: unknown[]): Promise<Answer & { timeout?: boolean }> =>
      host.evaluate(
        ([idx, m, p]) =>
          new Promise((resolve) => {
            const w = document.querySelectorAll('iframe')[idx]!.contentWindow!;
            const tag = `r${idx}-${Math.random()}`;
            const onMsg = (e: MessageEvent) => {
              if (e.data?.reply === tag) (removeEventListener('message', onMsg), resolve(e.data.answer));
            };
            addEventListener('message', onMsg);
            w.postMessage({ ask: tag, m, p }, '*');
            setTimeout(() => resolve({ timeout: true }), 5_000);
          }),
        [i, method, params] as [number, string, unknown[]],
      );
    await eventually(() => inFrame(0, 'shh_version'), (r) => r.result === '6.0');
    expect(await inFrame(0, 'shh_hasKeyPair', alice.id)).toEqual({ error: expect.objectContaining({ code: 4100 }) });
    expect(await inFrame(0, 'shh_getIdentities')).toEqual({ result: [] }); // A's grant is not the frame's
    const frameAsk = inFrame(0, 'shh_requestIdentities');
    const fwin = await s.waitForExtensionPage('approval.html');
    await waitText(fwin, 'Identities this site may use');
    expect(await fwin.evaluate(() => document.getElementById('origin')?.textContent, undefined)).toBe(C()); // the frame's origin, not the tab's
    await shot(fwin, 'approval-iframe');
    await press(fwin, 'Reject');
    expect((await frameAsk).error?.code).toBe(4001);
    // The sandboxed frame has an opaque origin: refused, it never gets an answer that uses anything.
    expect((await inFrame(1, 'shh_hasKeyPair', alice.id)).error?.code).toBe(4900);
    expect((await inFrame(1, 'shh_requestIdentities')).error?.code).toBe(4900);
    await host.close();
  }, 90_000);

  it('revoking one identity, then the whole site, from the popup reaches the page at once', async () => {
    await tab(ui, 'Sites', 'Connected sites');
    await waitText(ui, A());
    await shot(ui, 'sites');
    await press(ui, `Remove Alice from ${A()}`);
    expect(await eventually(() => seen(a, 'identitiesChanged'), (v) => v.length > 0 && v.at(-1).length === 0)).toContainEqual([]);
    expect(await rpc(a, 'shh_hasKeyPair', alice.id)).toEqual({ result: false });
    expect((await rpc(a, 'shh_newSymKey')).result).toMatch(/^[0-9a-f]{64}$/); // still connected
    await waitText(ui, 'No identity: it uses keys of its own.');
    await press(ui, `Revoke ${A()}`);
    await eventually(() => rpc(a, 'shh_newSymKey'), (r) => r.error?.code === 4100);
    expect((await rpc(a, 'shh_newSymKey')).error?.code).toBe(4100);
    await tab(ui, 'Activity', 'Posted');
    const text = await waitText(ui, B());
    expect(text).toContain(A());
    await shot(ui, 'activity');
  }, 60_000);

  it('lock and unlock: pages get 4100 "locked"; a wrong password is a message; the right one restores access', async () => {
    // Both browsers have storage.session (memory only) where the unlocked key waits out a worker restart.
    expect(await ui.evaluate(() => typeof ((globalThis as any).browser ?? (globalThis as any).chrome).storage.session?.get, undefined)).toBe('function');
    await press(ui, 'Lock Whisper');
    await waitText(ui, 'Whisper is locked');
    expect((await rpc(b, 'shh_newSymKey')).error).toEqual({ code: 4100, message: 'The Whisper extension is locked: unlock it from its toolbar button.' });
    await fill(ui, 'Password', 'wrong password');
    await press(ui, 'Unlock');
    await waitText(ui, 'Wrong password. Nothing was changed; try again.');
    await shot(ui, 'unlock-wrong');
    await fill(ui, 'Password', PASSWORD);
    await press(ui, 'Unlock');
    await eventually(() => ui.evaluate(() => !!document.querySelector('button[aria-label="Lock Whisper"]'), undefined), (v) => v);
    expect((await rpc(b, 'shh_newSymKey')).result).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('no extension store holds a private or symmetric key in the clear', async () => {
    const bKey = (await rpc(b, 'shh_newKeyPair')).result as string;
    const bPriv = (await rpc(b, 'shh_getPrivateKey', bKey)).result as string;
    const sym = (await rpc(b, 'shh_generateSymKeyFromPassword', 'pw')).result as string;
    const symBytes = (await rpc(b, 'shh_getSymKey', sym)).result as string;
    await tab(ui, 'Identities', 'Your identities');
    await press(ui, 'Export private key of Bob');
    await fill(ui, 'Your password', PASSWORD);
    await press(ui, 'Show private key');
    const bobPriv = await eventually(() => ui.evaluate(() => (document.querySelector('textarea[aria-label="Private key of Bob"]') as HTMLTextAreaElement | null)?.value ?? '', undefined), (v) => v.length === 66);
    const aliceKey = await ui.evaluate(async (id) => {
      const g = globalThis as any;
      const r = await (g.browser ?? g.chrome).runtime.sendMessage({ channel: 'shh-popup', op: 'identities:export', params: { id, password: 'a long vault password' } });
      return r.result.privateKey as string;
    }, alice.id);
    const dump = await ui.evaluate(async () => {
      const hex = (v: unknown): unknown => (v instanceof Uint8Array ? [...v].map((x) => x.toString(16).padStart(2, '0')).join('') : v instanceof ArrayBuffer ? hex(new Uint8Array(v)) : v);
      const db: IDBDatabase = await new Promise((res, rej) => {
        const r = indexedDB.open('shh');
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      const out: Record<string, unknown> = {};
      for (const name of db.objectStoreNames) {
        out[name] = await new Promise((res) => {
          const r = db.transaction(name).objectStore(name).getAll();
          r.onsuccess = () => res(r.result);
        });
      }
      db.close();
      const g = globalThis as any;
      out.storageLocal = await (g.browser ?? g.chrome).storage.local.get(null);
      return JSON.stringify(out, (_k, v) => hex(v));
    }, undefined);
    expect(dump).toContain(alice.publicKey.slice(2)); // the dump is real: public keys are there
    for (const secret of [aliceKey, bobPriv, bPriv, symBytes]) {
      expect(secret).toMatch(/^0x[0-9a-f]{64}$/);
      expect(dump).not.toContain(secret.slice(2));
    }
  }, 60_000);

  it('export a backup, wipe, import it: the identities are back with the same keys', async () => {
    const bobPublic = await ui.evaluate(() => document.querySelector('[aria-label="Public key of Bob"]')!.getAttribute('data-key'), undefined);
    await tab(ui, 'Settings', 'Relays');
    await shot(ui, 'settings');
    await fill(ui, 'Your password', PASSWORD);
    await press(ui, 'Download backup');
    const file = await eventually(() => ui.evaluate(() => (document.querySelector('textarea[aria-label="Backup file contents"]') as HTMLTextAreaElement).value, undefined), (v) => v.length > 0);
    expect(JSON.parse(file)).toMatchObject({ format: 'whisper-vault-backup', kdf: { iterations: 600000 } });
    await press(ui, 'Wipe vault…');
    await press(ui, 'Delete everything: identities, site keys and connections');
    await waitText(ui, 'Welcome to Whisper');
    expect((await rpc(b, 'shh_newSymKey')).error?.code).toBe(4100);
    await openDetails(ui, 'Restore from a backup');
    await fill(ui, '…or paste the backup here', file);
    await fill(ui, 'Backup password', 'wrong password');
    await press(ui, 'Restore');
    await waitText(ui, 'Wrong password for this backup file.');
    await fill(ui, 'Backup password', PASSWORD);
    await press(ui, 'Restore');
    await waitText(ui, 'Minimum PoW');
    await tab(ui, 'Identities', 'Your identities');
    const keys = await ui.evaluate(() => [...document.querySelectorAll('[data-key][aria-label^="Public key of"]')].map((i) => [i.getAttribute('aria-label'), i.getAttribute('data-key')]), undefined);
    expect(keys.map((k) => k[0])).toEqual(['Public key of Alice', 'Public key of Bob']);
    expect(keys[0]![1]).toBe(alice.publicKey);
    expect(keys[1]![1]).toBe(bobPublic);
    await press(ui, 'Delete Bob');
    await waitText(ui, 'Delete “Bob”?');
    await shot(ui, 'identity-delete');
  }, 90_000);
});
