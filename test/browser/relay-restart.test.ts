// Faults: a browser's relay is killed with -9 and restarted on the same port and data folder;
// the extension's peer dials it again within 5 s of the restart being ready, on its own, and a message
// a page posts afterwards reaches a subscriber on the relay. One Chromium profile, one relay process.
import { afterAll, expect, it } from 'vitest';
import { startRelay as startRelayIn, waitFor, wsClient, type RelayProcess } from '../relay/harness.ts';
import { buildExtension, cleanup, connectSite, launchChromium, serve, startRelay, type BrowserSession, type TestPage } from './harness.ts';

const SYM_KEY = '0x' + '5a'.repeat(32);
const TOPIC = '0xfa17b001';
type Answer = { result?: unknown; error?: { code: number; message: string } };

let browser: BrowserSession | undefined;
let site: Awaited<ReturnType<typeof serve>> | undefined;

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await cleanup();
}, 60_000);

async function call(page: TestPage, method: string, params: unknown[] = []): Promise<unknown> {
  const r = await page.evaluate(
    ([m, p]) =>
      (window as unknown as { shh: { request(a: unknown): Promise<unknown> } }).shh
        .request({ method: m, params: p })
        .then((result) => ({ result }), (e: { code?: number; message?: string }) => ({ error: { code: e.code ?? 0, message: String(e.message) } })),
    [method, params] as [string, unknown[]],
  );
  const a = r as Answer;
  if (a.error) throw new Error(`${method}: ${a.error.code} ${a.error.message}`);
  return a.result;
}

const peers = async (r: RelayProcess): Promise<number> => Number(await r.rpc('net_peerCount'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('kill -9 of the relay: the extension reconnects within 5 s of the restart and a page post then reaches a relay subscriber', async () => {
  const relay = await startRelay();
  const ext = buildExtension([relay.addr]);
  site = await serve({ '/r.html': '<!doctype html><title>relay restart</title>' });
  browser = await launchChromium(ext.chrome);
  const page = await browser.newPage();
  await page.goto(`${site.url}/r.html`);
  expect((await connectSite(browser, page, 'Approve')).outcome).toEqual({ result: [] });
  await waitFor('the extension on the relay', async () => (await call(page, 'net_peerCount')) !== '0x0' && (await peers(relay)) === 1, 60_000);

  relay.child.kill('SIGKILL');
  expect((await relay.exited).signal).toBe('SIGKILL');
  await waitFor('the extension saw the relay go', async () => (await call(page, 'net_peerCount')) === '0x0', 15_000);
  // A supervisor's restart delay: plain doubling from 1 s would have dialled at 1, 3, 7 and 15 s and
  // be waiting for 31 s when the relay is back; the extension must dial again within seconds.
  await sleep(13_000);
  const port = /\/tcp\/(\d+)\//.exec(relay.addr)![1]!;
  const relay2 = await startRelayIn(['--port', port, '--rpc-port', new URL(relay.rpcUrl).port], relay.data);
  const readyAt = Date.now();
  expect(relay2.addr).toBe(relay.addr); // same address and identity: what the extension keeps dialling
  await waitFor('the extension back on the relay', async () => (await peers(relay2)) === 1, 30_000);
  const relaySideMs = Date.now() - readyAt;
  await waitFor('the page sees a peer again', async () => (await call(page, 'net_peerCount')) !== '0x0', 30_000);
  const pageSideMs = Date.now() - readyAt;
  console.log(`faults: the extension reconnected ${relaySideMs} ms after the relay was ready (the page saw a peer after ${pageSideMs} ms)`);
  expect(relaySideMs).toBeLessThan(5000);

  const sub = await wsClient(relay2.rpcUrl);
  const subKey = await sub.call('shh_addSymKey', [SYM_KEY]);
  await sub.call('shh_subscribe', ['messages', { symKeyID: subKey, topics: [TOPIC] }]);
  const key = await call(page, 'shh_addSymKey', [SYM_KEY]);
  const hash = await call(page, 'shh_post', [{ symKeyID: key, topic: TOPIC, payload: '0x0b0c', ttl: 60, powTarget: 0.25, powTime: 5 }]);
  const n = await waitFor('the page post at the relay subscriber', async () => sub.notifications.find((x) => x.result.hash === hash), 60_000);
  expect(n.result).toMatchObject({ payload: '0x0b0c', topic: TOPIC });
  sub.close();
}, 240_000);
