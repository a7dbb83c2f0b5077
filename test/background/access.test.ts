import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { toHex } from '../../src/core/bytes.ts';
import { PAGE_PORT, MAX_PAGE_REQUEST_BYTES } from '../../src/rpc/page.ts';
import { APPROVAL_PAGE, BACKOFF_FIRST_MS, MAX_PENDING_SITES, MAX_WAITING_PER_SITE } from '../../src/background/approvals.ts';
import { EXT_ID, FakePort, FakeWindows, PASSWORD, Page, approveSite, backgrounds, kill, popup, until, type Harness } from './fakes.ts';

const A = 'https://a.example';
const B = 'http://127.0.0.1:8080';
const start = backgrounds();

const connect = approveSite;

describe('the page boundary', () => {
  it('refuses Ports from opaque origins and from non-tab senders, by disconnecting them', async () => {
    const h = await start();
    for (const sender of [
      { id: EXT_ID, url: 'file:///x.html', origin: 'null', tab: { id: 1 } },
      { id: EXT_ID, url: 'data:text/html,hi', tab: { id: 1 } },
      // only http: and https: pages may use Whisper: what Chrome names a file: page, other extensions, blob: of an opaque origin
      { id: EXT_ID, url: 'file:///home/u/x.html', origin: 'file://', tab: { id: 1 } },
      { id: EXT_ID, url: 'file:///home/u/x.html', tab: { id: 1 } },
      { id: EXT_ID, url: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/page.html', origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop', tab: { id: 1 } },
      { id: EXT_ID, url: 'moz-extension://0f9d6a4e-0000-4000-8000-000000000000/page.html', tab: { id: 1 } },
      { id: EXT_ID, url: 'blob:null/0f9d6a4e-0000-4000-8000-000000000000', tab: { id: 1 } },
      { id: EXT_ID, url: 'ftp://a.example/', origin: 'ftp://a.example', tab: { id: 1 } },
      { id: EXT_ID, url: 'https://a.example/', origin: 'https://a.example' }, // no tab
    ]) {
      const port = new FakePort(PAGE_PORT, sender);
      h.ext.runtime.onConnect.fire(port);
      expect(port.disconnected).toBe(true);
    }
  });

  it('takes the origin from the sender, never from the frame: a stated origin changes nothing', async () => {
    const h = await start();
    const a = new Page(h, A);
    await connect(h, a);
    const b = new Page(h, B);
    expect(await b.code('shh_newSymKey')).toBe(4100);
    b.port.send({ kind: 'request', id: 77, method: 'shh_newSymKey', params: [], origin: A });
    expect((await b.response(77)).error?.code).toBe(4100);
  });

  it('before connecting: only shh_version, shh_requestIdentities, shh_getIdentities answer; the rest is 4100', async () => {
    const h = await start();
    const p = new Page(h, A);
    expect(await p.call('shh_version')).toBe('6.0');
    expect(await p.call('shh_getIdentities')).toEqual([]);
    for (const m of ['shh_newSymKey', 'shh_info', 'shh_post', 'shh_subscribe', 'net_peerCount', 'shh_setMinPoW', 'eth_accounts', 'nonsense'])
      expect(await p.code(m)).toBe(4100);
  });

  it('after connecting: node settings stay 4100, unknown methods 4200, bad params -32602, geth failures -32000', async () => {
    const h = await start();
    const p = new Page(h, A);
    await connect(h, p);
    for (const m of ['shh_setMinPoW', 'shh_setMaxMessageSize', 'shh_markTrustedPeer', 'shh_setBloomFilter']) expect(await p.code(m, 1)).toBe(4100);
    expect(await p.code('eth_sendTransaction')).toBe(4200);
    // The pipeline's params step keeps geth's order for a subscription: its name first.
    expect((await p.raw('shh_subscribe', [])).error).toEqual({ code: -32602, message: 'expected subscription name as first argument' });
    expect((await p.raw('shh_subscribe', ['blocks', {}])).error).toEqual({ code: -32601, message: 'no "blocks" subscription in shh namespace' });
    expect(await p.code('shh_addSymKey', 'not hex')).toBe(-32602);
    expect((await p.raw('shh_getSymKey', ['00'.repeat(32)])).error).toEqual({ code: -32000, message: 'non-existent key ID' });
    expect(await p.call('shh_info')).toMatchObject({ minPow: 0.001, maxMessageSize: 65536 });
  });

  it('guards frames: malformed requests are -32600, oversized ones too, junk without an id is dropped', async () => {
    const h = await start();
    const p = new Page(h, A);
    p.port.send({ kind: 'request', id: 5, method: 42 });
    expect((await p.response(5)).error?.code).toBe(-32600);
    p.port.send({ kind: 'request', id: 6, method: 'shh_version', params: ['x'.repeat(MAX_PAGE_REQUEST_BYTES + 1)] });
    expect((await p.response(6)).error?.code).toBe(-32600);
    for (const junk of [null, 'x', 7, { kind: 'hello', session: 'short' }, { kind: 'event', event: 'connect' }]) p.port.send(junk);
    p.port.send({ kind: 'response', id: 999, result: 1 });
    expect((await p.response(999)).error?.code).toBe(-32600);
    expect(await p.call('shh_version')).toBe('6.0');
    expect(p.port.received.filter((f) => (f as { id?: number }).id === undefined)).toEqual([]);
  });

  it('a burst from one Port does not starve another', async () => {
    const h = await start();
    const noisy = new Page(h, A);
    const quiet = new Page(h, B);
    await connect(h, noisy);
    const sym = await noisy.call('shh_newSymKey');
    h.peer.delayMs = 5; // every seal and post takes a while
    for (let i = 0; i < 40; i++) noisy.port.send({ kind: 'request', id: 1000 + i, method: 'shh_post', params: [{ symKeyID: sym, topic: '0x01020304', payload: '0x', powTarget: 0.001, powTime: 1 }] });
    // Quiet's request is answered while most of noisy's queue is still waiting.
    const t0 = Date.now();
    expect(await quiet.call('shh_version')).toBe('6.0');
    const answeredNoisy = noisy.port.received.filter((f) => ((f as { id: number }).id ?? 0) >= 1000).length;
    expect(answeredNoisy).toBeLessThan(40);
    expect(Date.now() - t0).toBeLessThan(2000);
    await noisy.response(1039);
  });
});

describe('approvals (shh_requestIdentities)', () => {
  it('opens one approval window for the origin; Approve connects, emits connect and identitiesChanged, and shh_newSymKey works', async () => {
    const h = await start();
    const p = new Page(h, A);
    const other = new Page(h, A); // another frame of the same origin
    const pending = p.raw('shh_requestIdentities');
    await until(() => h.ext.windows.open.size === 1);
    const [url] = [...h.ext.windows.open.values()];
    expect(url).toMatch(new RegExp(`^chrome-extension://${EXT_ID}/${APPROVAL_PAGE.replace('.', '\\.')}\\?id=[0-9a-f]{32}$`));
    const id = h.ext.windows.approvalIds()[0]!;
    const shown = await popup(h, 'approval:get', { id });
    expect(shown.result).toMatchObject({ approval: { id, origin: A, method: 'shh_requestIdentities' }, identities: [] });
    await popup(h, 'approval:decide', { id, approve: true, identities: [] });
    expect((await pending).result).toEqual([]);
    expect(h.ext.windows.open.size).toBe(0);
    for (const page of [p, other]) {
      expect(page.events('connect')).toHaveLength(1);
      expect(page.events('identitiesChanged')).toEqual([{ kind: 'event', event: 'identitiesChanged', data: [] }]);
    }
    expect(await p.call('shh_newSymKey')).toMatch(/^[0-9a-f]{64}$/);
    expect(await p.call('shh_requestIdentities')).toEqual([]); // connected: answered without a window
    expect(h.ext.windows.open.size).toBe(0);
    expect((await popup(h, 'sites:list', {})).result).toMatchObject([{ origin: A, identities: [] }]);
  });

  it('Reject and closing the window are 4001 and leave the site unconnected', async () => {
    let t = Date.now();
    const h = await start({ now: () => t });
    const p = new Page(h, A);
    const first = p.raw('shh_requestIdentities');
    await until(() => h.ext.windows.open.size === 1);
    await popup(h, 'approval:decide', { id: h.ext.windows.approvalIds()[0]!, approve: false, identities: [] });
    expect((await first).error?.code).toBe(4001);
    t += BACKOFF_FIRST_MS; // the site was backed off after the rejection
    const second = p.raw('shh_requestIdentities');
    await until(() => h.ext.windows.open.size === 1);
    h.ext.windows.userClose([...h.ext.windows.open.keys()][0]!);
    expect((await second).error?.code).toBe(4001);
    expect(await p.code('shh_newSymKey')).toBe(4100);
    expect(await p.call('shh_getIdentities')).toEqual([]);
  });

  it('shows one window at a time, in order, and joins repeated requests of one origin', async () => {
    const h = await start();
    const a = new Page(h, A);
    const b = new Page(h, B);
    const a1 = a.raw('shh_requestIdentities');
    await until(() => h.ext.windows.open.size === 1);
    const a2 = a.raw('shh_requestIdentities');
    const b1 = b.raw('shh_requestIdentities');
    await until(async () => (await popup(h, 'status', {})).result !== undefined && ((await popup(h, 'status', {})).result as { pendingApprovals: number }).pendingApprovals === 2);
    expect(h.ext.windows.open.size).toBe(1);
    const first = h.ext.windows.approvalIds()[0]!;
    expect(((await popup(h, 'approval:get', { id: first })).result as { approval: { origin: string } }).approval.origin).toBe(A);
    await popup(h, 'approval:decide', { id: first, approve: true, identities: [] });
    expect((await a1).result).toEqual([]);
    expect((await a2).result).toEqual([]);
    await until(() => h.ext.windows.open.size === 1);
    const second = h.ext.windows.approvalIds()[0]!;
    expect(((await popup(h, 'approval:get', { id: second })).result as { approval: { origin: string } }).approval.origin).toBe(B);
    await popup(h, 'approval:decide', { id: second, approve: false, identities: [] });
    expect((await b1).error?.code).toBe(4001);
    expect((await popup(h, 'approval:decide', { id: second, approve: true, identities: [] })).error).toBeUndefined(); // already decided: no effect
    expect(await b.code('shh_newSymKey')).toBe(4100);
  });

  it('only the extension\'s own pages are answered on the popup channel, with guarded params', async () => {
    const h = await start();
    const fromPage = h.ext.runtime.onMessage.fire({ channel: 'shh-popup', op: 'sites:list', params: {} }, { id: EXT_ID, url: 'https://a.example/', tab: { id: 1 } });
    expect(fromPage).toEqual([undefined]);
    expect((await popup(h, 'approval:decide', { id: 'x', approve: 'yes', identities: [] })).error?.code).toBe(-32602);
    expect((await popup(h, 'sites:nuke', {})).error?.code).toBe(-32602);
  });

  it('a pending approval survives a worker restart; a decision after it connects the site', async () => {
    const windows = new FakeWindows();
    const h1 = await start({ windows });
    const p1 = new Page(h1, A);
    void p1.raw('shh_requestIdentities');
    await until(() => windows.open.size === 1);
    const id = windows.approvalIds()[0]!;
    kill(h1);
    const h2 = await start({ windows, dbName: h1.dbName, peer: h1.peer, session: h1.session });
    const p2 = new Page(h2, A, p1.session);
    expect(((await popup(h2, 'approval:get', { id })).result as { approval: { origin: string } }).approval.origin).toBe(A);
    expect(windows.open.size).toBe(1); // not opened twice
    const again = p2.raw('shh_requestIdentities'); // the content script re-asks: it joins the same approval
    await popup(h2, 'approval:decide', { id, approve: true, identities: [] });
    expect((await again).result).toEqual([]);
    expect(p2.events('connect')).toHaveLength(1);
    expect(await p2.call('shh_newSymKey')).toMatch(/^[0-9a-f]{64}$/);
    expect(windows.open.size).toBe(0);
  });

  it('after a restart, an approval whose window is gone is dropped and closing a surviving one rejects', async () => {
    const windows = new FakeWindows();
    const h1 = await start({ windows });
    void new Page(h1, A).raw('shh_requestIdentities');
    await until(() => windows.open.size === 1);
    const id = windows.approvalIds()[0]!;
    kill(h1);
    windows.open.clear(); // the browser restarted: the window is gone
    const h2 = await start({ windows, dbName: h1.dbName, peer: h1.peer, session: h1.session });
    expect((await popup(h2, 'approval:get', { id })).result).toBeNull();
    expect(((await popup(h2, 'status', {})).result as { pendingApprovals: number }).pendingApprovals).toBe(0);
    const p = new Page(h2, B);
    const asked = p.raw('shh_requestIdentities');
    await until(() => windows.open.size === 1);
    kill(h2);
    const h3 = await start({ windows, dbName: h1.dbName, peer: h1.peer, session: h1.session });
    const p3 = new Page(h3, B, p.session);
    const rejoined = p3.raw('shh_requestIdentities');
    await until(async () => ((await popup(h3, 'status', {})).result as { pendingApprovals: number }).pendingApprovals === 1);
    windows.userClose([...windows.open.keys()][0]!);
    expect((await rejoined).error?.code).toBe(4001);
    asked.catch(() => undefined); // its worker was killed: no answer ever comes, and the wait's give-up must not be unhandled
  });
});

describe('approval limits: back-off after a rejection, caps on waiting requests, locked vault', () => {
  it('a rejected site is backed off: 4001 at once (no window) for a growing interval, forgotten after an approval', async () => {
    let t = Date.now();
    const h = await start({ now: () => t });
    const p = new Page(h, A);
    const reject = async (): Promise<void> => {
      const asked = p.raw('shh_requestIdentities');
      await until(() => h.ext.windows.open.size === 1);
      await popup(h, 'approval:decide', { id: h.ext.windows.approvalIds()[0]!, approve: false, identities: [] });
      expect((await asked).error?.code).toBe(4001);
    };
    await reject();
    const backedOff = (await p.raw('shh_requestIdentities')).error as { code: number; message: string; data?: { retryAfterMs: number } };
    expect(backedOff).toMatchObject({ code: 4001, message: expect.stringContaining('rejected this site recently'), data: { retryAfterMs: BACKOFF_FIRST_MS } });
    expect(h.ext.windows.open.size).toBe(0);
    t += BACKOFF_FIRST_MS;
    await reject();
    t += BACKOFF_FIRST_MS;
    expect(((await p.raw('shh_requestIdentities')).error as { data?: { retryAfterMs: number } }).data?.retryAfterMs).toBe(BACKOFF_FIRST_MS); // doubled: half left
    t += BACKOFF_FIRST_MS;
    const asked = p.raw('shh_requestIdentities');
    await until(() => h.ext.windows.open.size === 1);
    await popup(h, 'approval:decide', { id: h.ext.windows.approvalIds()[0]!, approve: true, identities: [] });
    expect((await asked).result).toEqual([]);
    await popup(h, 'sites:revoke', { origin: A });
    await reject(); // after an approval the next rejection starts from the first step again
    expect(((await p.raw('shh_requestIdentities')).error as { data?: { retryAfterMs: number } }).data?.retryAfterMs).toBe(BACKOFF_FIRST_MS);
  });

  it(`caps requests waiting on one site (${MAX_WAITING_PER_SITE}) and sites waiting in all (${MAX_PENDING_SITES}): the rest is 4001 at once`, async () => {
    const h = await start();
    const frames = Array.from({ length: MAX_WAITING_PER_SITE + 2 }, () => new Page(h, A));
    const asked = frames.map((f) => f.raw('shh_requestIdentities'));
    const early = await Promise.race([Promise.all(asked.slice(MAX_WAITING_PER_SITE)), new Promise((r) => setTimeout(() => r('still waiting'), 5_000))]);
    expect(early).toEqual([0, 1].map(() => expect.objectContaining({ error: { code: 4001, message: expect.stringContaining("Too many requests of this site") } })));
    const sites = Array.from({ length: MAX_PENDING_SITES }, (_, i) => new Page(h, `https://s${i}.example`));
    const more = sites.map((s) => s.raw('shh_requestIdentities'));
    const refused = await Promise.race([more.at(-1)!, new Promise((r) => setTimeout(() => r('still waiting'), 5_000))]);
    expect(refused).toMatchObject({ error: { code: 4001, message: expect.stringContaining("Too many sites are waiting") } });
    expect(((await popup(h, 'status', {})).result as { pendingApprovals: number }).pendingApprovals).toBe(MAX_PENDING_SITES);
    await popup(h, 'approval:decide', { id: h.ext.windows.approvalIds()[0]!, approve: true, identities: [] });
    for (const a of asked.slice(0, MAX_WAITING_PER_SITE)) expect((await a).result).toEqual([]);
    for (const m of more.slice(0, -1)) m.catch(() => undefined); // left pending when the test ends
  });

  it('locked: shh_requestIdentities opens the window, which unlocks first; a connected site is then answered, a new one asked', async () => {
    const h = await start();
    const a = new Page(h, A);
    await approveSite(h, a);
    const s = await h.bg.services;
    await s.vault.lock();
    expect(await a.code('shh_newSymKey')).toBe(4100);
    const again = a.raw('shh_requestIdentities');
    await until(() => h.ext.windows.open.size === 1);
    const id = h.ext.windows.approvalIds()[0]!;
    expect((await popup(h, 'approval:get', { id })).result).toMatchObject({ vault: 'locked', identities: [] });
    expect((await popup(h, 'approval:decide', { id, approve: true, identities: [] })).error?.code).toBe(4100); // no approving while locked
    expect((await popup(h, 'vault:unlock', { password: PASSWORD })).error).toBeUndefined();
    expect((await popup(h, 'approval:get', { id })).result).toEqual({ released: true });
    expect((await again).result).toEqual([]);
    expect(h.ext.windows.open.size).toBe(0);
    await s.vault.lock();
    const b = new Page(h, B);
    const asked = b.raw('shh_requestIdentities');
    await until(() => h.ext.windows.open.size === 1);
    const bid = h.ext.windows.approvalIds()[0]!;
    await popup(h, 'vault:unlock', { password: PASSWORD });
    expect((await popup(h, 'approval:get', { id: bid })).result).toMatchObject({ vault: 'unlocked', approval: { origin: B } });
    await popup(h, 'approval:decide', { id: bid, approve: true, identities: [] });
    expect((await asked).result).toEqual([]);
  });
});

describe('identities and revocation', () => {
  async function withIdentity(h: Harness): Promise<string> {
    const s = await h.bg.services;
    let k: Uint8Array;
    do k = randomBytes(32);
    while (k[0] === 0);
    return (await s.identities.importKey('Alice', toHex(k))).id;
  }

  it('a granted identity signs and decrypts by id but never exports; ungranted ones are unknown', async () => {
    const h = await start();
    const alice = await withIdentity(h);
    const bob = await withIdentity(h);
    const p = new Page(h, A);
    const granted = (await connect(h, p, [alice])) as { id: string; name: string; publicKey: string }[];
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ id: alice, name: 'Alice' });
    expect(granted[0]!.publicKey).toMatch(/^0x04[0-9a-f]{128}$/);
    expect(await p.call('shh_getIdentities')).toEqual(granted);
    expect(await p.call('shh_hasKeyPair', alice)).toBe(true);
    expect(await p.call('shh_getPublicKey', alice)).toBe(granted[0]!.publicKey);
    expect((await p.raw('shh_getPrivateKey', [alice])).error).toEqual({ code: -32000, message: 'invalid id' });
    expect((await p.raw('shh_deleteKeyPair', [alice])).error?.code).toBe(-32000);
    expect(await p.call('shh_hasKeyPair', bob)).toBe(false);
    // Signed asymmetric message to Alice herself: she decrypts with privateKeyID and sees her signature.
    const sub = await p.call('shh_subscribe', 'messages', { privateKeyID: alice });
    const hash = await p.call('shh_post', { pubKey: granted[0]!.publicKey, sig: alice, topic: '0x01020304', payload: '0xc0ffee', powTarget: 0.001, powTime: 2 });
    await until(() => p.events('shh_subscription').length === 1);
    expect(p.events('shh_subscription')[0]!.data).toMatchObject({ subscription: sub, result: { hash, payload: '0xc0ffee', sig: granted[0]!.publicKey } });
    expect((await p.raw('shh_post', [{ pubKey: granted[0]!.publicKey, sig: bob, topic: '0x01020304', powTarget: 0.001, powTime: 2 }])).error?.message).toBe('invalid id');
  });

  it('approving an identity that does not exist fails and leaves the site unconnected', async () => {
    const h = await start();
    const p = new Page(h, A);
    const pending = p.raw('shh_requestIdentities');
    await until(() => h.ext.windows.open.size === 1);
    const r = await popup(h, 'approval:decide', { id: h.ext.windows.approvalIds()[0]!, approve: true, identities: ['ff'.repeat(32)] });
    expect(r.error?.code).toBe(-32602);
    expect((await pending).error?.code).toBe(-32602);
    expect(await p.code('shh_newSymKey')).toBe(4100);
  });

  it('revoke reaches the page at once: identitiesChanged [], later calls 4100, subscriptions stop', async () => {
    const h = await start();
    const alice = await withIdentity(h);
    const p = new Page(h, A);
    await connect(h, p, [alice]);
    const key = (await p.call('shh_newSymKey')) as string;
    const keyBytes = await p.call('shh_getSymKey', key);
    await p.call('shh_subscribe', 'messages', { symKeyID: key, topics: ['0x01020304'] });
    await p.call('shh_post', { symKeyID: key, topic: '0x01020304', payload: '0x01', powTarget: 0.001, powTime: 2 });
    await until(() => p.events('shh_subscription').length === 1);
    expect((await popup(h, 'sites:revoke', { origin: A })).error).toBeUndefined();
    expect(p.events('identitiesChanged').at(-1)).toEqual({ kind: 'event', event: 'identitiesChanged', data: [] });
    expect(await p.code('shh_getSymKey', key)).toBe(4100);
    expect(await p.call('shh_getIdentities')).toEqual([]);
    expect((await popup(h, 'sites:list', {})).result).toEqual([]);
    const s = await h.bg.services;
    expect(await s.watchers.ofOrigin(A)).toEqual([]);
    // An envelope that would have matched reaches nobody now.
    const other = new Page(h, B);
    await connect(h, other);
    const k2 = await other.call('shh_addSymKey', keyBytes);
    await other.call('shh_post', { symKeyID: k2, topic: '0x01020304', payload: '0x02', powTarget: 0.001, powTime: 2 });
    await new Promise((r) => setTimeout(r, 30));
    expect(p.events('shh_subscription')).toHaveLength(1);
  });
});
