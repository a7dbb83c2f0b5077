import { join } from 'node:path';
import { it } from 'vitest';
import { serveDir } from '../../scripts/serve-dir.ts';
import { buildExtension, cleanup, launchChromium, ROOT, startRelay } from './harness.ts';
it('dbg', async () => {
  const relay = await startRelay();
  const ws = relay.addrs.find((x) => x.startsWith('/ip4/127.0.0.1/') && x.includes('/ws'))!;
  const ext = buildExtension([ws]);
  const site = await serveDir(join(ROOT, 'examples'));
  const a = await launchChromium(ext.chrome);
  try {
    const page = await a.context.newPage();
    page.on('console', (m) => console.log('console', m.text()));
    page.on('pageerror', (e) => console.log('pageerror', e.message));
    await page.goto(site.url + '/chat/');
    await new Promise((r) => setTimeout(r, 2000));
    console.log('status1', await page.locator('#status').innerText(), await page.locator('#connect').isVisible());
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await new Promise((r) => setTimeout(r, 4000));
    console.log('status2', await page.locator('#status').innerText());
    console.log('pages', a.context.pages().map((p) => p.url()));
  } finally {
    await a.close(); await site.close(); await cleanup();
  }
}, 120000);
