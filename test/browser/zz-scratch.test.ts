import { afterAll, expect, it } from 'vitest';
import { artefactPath, askUntilWindow, buildExtension, cleanup, launchChromium, launchFirefox, pageRequest as rpc, serve, startRelay } from './harness.ts';
const ext = (p: any, op: string, params: unknown = {}): Promise<any> =>
  p.evaluate(([o, pr]: any) => ((globalThis as any).browser ?? (globalThis as any).chrome).runtime.sendMessage({ channel: 'shh-popup', op: o, params: pr }), [op, params]);
afterAll(() => cleanup(), 60_000);
it.each(['chromium', 'firefox'])('scratch %s', async (name) => {
  const relay = await startRelay();
  const dirs = buildExtension([relay.addr], { darkByDefault: true, mixClient: { rateHz: 5 } });
  const site = await serve({ '/index.html': '<!doctype html><p>x' });
  const b = name === 'chromium' ? await launchChromium(dirs.chrome) : await launchFirefox(dirs.firefox);
  const page = await b.newPage();
  await page.goto(`${site.url}/index.html`);
  const { asked, win } = await askUntilWindow(b, () => rpc(page, 'shh_requestIdentities'));
  await win.evaluate(() => void ((globalThis as any).browser ?? (globalThis as any).chrome).tabs.create({ url: '/popup.html#status' }), undefined);
  const popup = await b.waitForExtensionPage('popup.html');
  await popup.setViewport(400, 640);
  await win.clickButton('Approve');
  console.log(await asked);
  for (let i = 0; i < 20; i++) { const s = await ext(popup, 'status'); console.log(JSON.stringify(s.result?.peer?.dark), s.result?.peer?.peers); if (s.result?.peer?.peers > 0) break; await new Promise((r) => setTimeout(r, 500)); }
  const key = (await rpc(page, 'shh_newSymKey')).result;
  console.log(await rpc(page, 'shh_post', { symKeyID: key, topic: '0x01020304', payload: '0x01', powTarget: 0.2, powTime: 5 }));
  console.log(await rpc(page, 'shh_post', { symKeyID: key, topic: '0x01020304', payload: '0x01', powTarget: 0.2, powTime: 5, dark: false }));
  await popup.evaluate(() => location.reload(), undefined);
  await new Promise((r) => setTimeout(r, 1500));
  await popup.screenshot(artefactPath(`scratch-status-${name}.png`), { fullPage: true });
  await popup.evaluate(() => ((location.hash = '#settings'), location.reload()), undefined);
  await new Promise((r) => setTimeout(r, 1500));
  await popup.screenshot(artefactPath(`scratch-settings-${name}.png`), { fullPage: true });
  console.log((await ext(popup, 'diagnostics')).result);
  await b.close(); await site.close();
}, 180_000);
