import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.ts';
import { DETACHED_GRACE_MS } from '../../src/background/background.ts';
import { FakeWindows, Page, backgrounds, kill, until, connectedPage } from './fakes.ts';
import { makeEnvelope } from '../core/fixtures.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const TOPIC = '0x01020304';
const start = backgrounds();

const connected = connectedPage;

const payloads = (p: Page, sub?: string) =>
  p
    .events('shh_subscription')
    .map((e) => e.data as { subscription: string; result: { payload: string } })
    .filter((d) => !sub || d.subscription === sub)
    .map((d) => d.result.payload);

/** A message sealed by one page and handed to the peer as if from the network. */
async function sealOnly(p: Page, key: string, payload: string): Promise<string> {
  // Post through another scope so the message exists in the peer; returns its hash.
  return (await p.call('shh_post', { symKeyID: key, topic: TOPIC, payload, powTarget: 0.001, powTime: 2 })) as string;
}

describe('subscriptions and filters across a worker restart', () => {
  it('resume under the same ids; what arrived while stopped is delivered once; nothing delivered is repeated', async () => {
    const windows = new FakeWindows();
    const h1 = await start({ windows });
    const p1 = await connected(h1, A);
    const key = (await p1.call('shh_newSymKey')) as string;
    const sub = (await p1.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] })) as string;
    const filter = (await p1.call('shh_newMessageFilter', { symKeyID: key, topics: [TOPIC] })) as string;
    await sealOnly(p1, key, '0x01');
    await until(() => payloads(p1).length === 1);
    expect(((await p1.call('shh_getFilterMessages', filter)) as { payload: string }[]).map((m) => m.payload)).toEqual(['0x01']);

    // A second background over the same profile seals m2 while the first one is dead.
    const keyBytes = (await p1.call('shh_getSymKey', key)) as string;
    kill(h1);
    const sender = await start({ peer: h1.peer });
    const s = await connected(sender, B);
    const k2 = await s.call('shh_addSymKey', keyBytes);
    await sealOnly(s, k2 as string, '0x02');

    const h2 = await start({ windows, dbName: h1.dbName, peer: h1.peer, session: h1.session });
    // The content script reconnects with its document's session and the last number it has of each watcher.
    const p2 = new Page(h2, A, p1.session, true, p1.cursors());
    await until(() => payloads(p2).length >= 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(payloads(p2, sub)).toEqual(['0x02']);
    expect(((await p2.call('shh_getFilterMessages', filter)) as { payload: string }[]).map((m) => m.payload)).toEqual(['0x02']);
    expect(await p2.call('shh_getFilterMessages', filter)).toEqual([]);
    await sealOnly(p2, key, '0x03');
    await until(() => payloads(p2).length === 2);
    expect(payloads(p2, sub)).toEqual(['0x02', '0x03']);
    expect(((await p2.call('shh_getFilterMessages', filter)) as { payload: string }[]).map((m) => m.payload)).toEqual(['0x03']);
    expect(await p2.call('shh_unsubscribe', sub)).toBe(true);
    expect((await p2.raw('shh_unsubscribe', [sub])).error).toEqual({ code: -32000, message: 'subscription not found' });
    expect(await p2.call('shh_deleteMessageFilter', filter)).toBe(true);
    expect(await (await h2.bg.services).watchers.ofOrigin(A)).toEqual([]);
  });

  it('a delivery the page never acknowledged (a worker stopped under it) is sent again after the restart; one at or below the page\'s cursor is not', async () => {
    const windows = new FakeWindows();
    const h1 = await start({ windows });
    const p1 = await connected(h1, A);
    const key = (await p1.call('shh_newSymKey')) as string;
    const sub = (await p1.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] })) as string;
    const filter = (await p1.call('shh_newMessageFilter', { symKeyID: key, topics: [TOPIC] })) as string;
    const polled = async (p: Page) => ((await p.call('shh_getFilterMessages', filter)) as { payload: string }[]).map((m) => m.payload);
    await sealOnly(p1, key, '0x01');
    await until(() => payloads(p1).length === 1);
    expect(await polled(p1)).toEqual(['0x01']);
    const acknowledged = p1.port.received.length;
    await sealOnly(p1, key, '0x02');
    await until(() => payloads(p1).length === 2);
    expect(await polled(p1)).toEqual(['0x02']);
    // Stopped at once: it may have posted 0x02 into a Port the browser had already closed, so the
    // page's cursor is the one it had before 0x02.
    kill(h1);
    const h2 = await start({ windows, dbName: h1.dbName, peer: h1.peer, session: h1.session });
    const p2 = new Page(h2, A, p1.session, true, p1.cursors(acknowledged));
    await until(() => payloads(p2).length >= 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(payloads(p2, sub)).toEqual(['0x02']);
    expect(await polled(p2)).toEqual(['0x02']);
    expect(await polled(p2)).toEqual([]);
  });

  it('notifications go only to the document that subscribed', async () => {
    const h = await start();
    const doc1 = await connected(h, A);
    const doc2 = new Page(h, A);
    const key = (await doc1.call('shh_newSymKey')) as string;
    await doc1.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] });
    await sealOnly(doc2, key, '0x07'); // same origin: doc2 may use doc1's key, as geth scopes keys per node
    await until(() => payloads(doc1).length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(payloads(doc2)).toEqual([]);
  });

  it('a new subscription first receives the matching live envelopes (back-fill), each once', async () => {
    const h = await start();
    const p = await connected(h, A);
    const key = (await p.call('shh_newSymKey')) as string;
    await sealOnly(p, key, '0xaa');
    await sealOnly(p, key, '0xbb');
    const sub = (await p.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] })) as string;
    await until(() => payloads(p).length === 2);
    await h.bg.node.resync(); // a snapshot that brings nothing new delivers nothing again
    await new Promise((r) => setTimeout(r, 20));
    expect(payloads(p, sub).sort()).toEqual(['0xaa', '0xbb']);
  });

  it('the back-fill reaches the page after the shh_subscribe response that names its id (web3.js drops unknown ids)', async () => {
    const h = await start();
    const p = await connected(h, A);
    const key = (await p.call('shh_newSymKey')) as string;
    await sealOnly(p, key, '0xaa');
    // IndexedDB as slow as a busy browser's: the row is stored well after the back-fill is ready.
    const s = await h.bg.services;
    const put = s.watchers.put.bind(s.watchers);
    s.watchers.put = async (row) => (await new Promise((res) => setTimeout(res, 30)), put(row));
    const r = await p.raw('shh_subscribe', ['messages', { symKeyID: key, topics: [TOPIC] }]);
    await until(() => payloads(p).length === 1);
    const frames = p.port.received as { kind: string; id?: unknown; data?: { subscription?: unknown } }[];
    const response = frames.findIndex((f) => f.kind === 'response' && f.id !== undefined && (f as { result?: unknown }).result === r.result);
    const notification = frames.findIndex((f) => f.kind === 'event' && f.data?.subscription === r.result);
    expect(response).toBeGreaterThanOrEqual(0);
    expect(notification).toBeGreaterThan(response);
  });

  it('a closed document\'s watchers stop at once and are forgotten after the grace period', async () => {
    let t = Date.now();
    const h = await start({ now: () => t });
    const p = await connected(h, A);
    const key = (await p.call('shh_newSymKey')) as string;
    await p.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] });
    const s = await h.bg.services;
    p.port.close();
    await until(async () => (await s.watchers.ofOrigin(A))[0]?.detachedAt !== undefined);
    await h.bg.gc();
    expect(await s.watchers.ofOrigin(A)).toHaveLength(1);
    t += DETACHED_GRACE_MS + 1000;
    await h.bg.gc();
    expect(await s.watchers.ofOrigin(A)).toEqual([]);
  });
});

describe('origins are isolated', () => {
  it('another origin sees "not found" for key, subscription and filter ids, and cannot read the messages', async () => {
    const h = await start();
    const a = await connected(h, A);
    const b = await connected(h, B);
    const key = (await a.call('shh_newSymKey')) as string;
    const pair = (await a.call('shh_newKeyPair')) as string;
    const sub = (await a.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] })) as string;
    const filter = (await a.call('shh_newMessageFilter', { symKeyID: key, topics: [TOPIC] })) as string;
    expect((await b.raw('shh_getSymKey', [key])).error).toEqual({ code: -32000, message: 'non-existent key ID' });
    expect(await b.call('shh_hasSymKey', key)).toBe(false);
    expect(await b.call('shh_hasKeyPair', pair)).toBe(false);
    expect((await b.raw('shh_getPrivateKey', [pair])).error).toEqual({ code: -32000, message: 'invalid id' });
    expect(await b.call('shh_deleteSymKey', key)).toBe(false);
    expect((await b.raw('shh_unsubscribe', [sub])).error?.message).toBe('subscription not found');
    expect((await b.raw('shh_getFilterMessages', [filter])).error?.message).toBe('filter not found');
    expect((await b.raw('shh_subscribe', ['messages', { symKeyID: key, topics: [TOPIC] }])).error?.message).toBe('non-existent key ID');
    // B watches the same topic with a key of its own: A's message is not for it.
    const bKey = (await b.call('shh_newSymKey')) as string;
    await b.call('shh_subscribe', 'messages', { symKeyID: bKey, topics: [TOPIC] });
    const bFilter = (await b.call('shh_newMessageFilter', { symKeyID: bKey, topics: [TOPIC] })) as string;
    await sealOnly(a, key, '0x5ec2e7');
    await until(() => payloads(a).length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(payloads(b)).toEqual([]);
    expect(await b.call('shh_getFilterMessages', bFilter)).toEqual([]);
    expect(await a.call('shh_hasSymKey', key)).toBe(true);
  });
});

describe('the node proxy', () => {
  it('trusts no envelope unverified: junk and expired envelopes from the peer never reach a watcher', async () => {
    const h = await start();
    const p = await connected(h, A);
    let heard = 0;
    h.bg.node.onEnvelope(() => heard++);
    const now = Math.floor(Date.now() / 1000);
    h.peer.emit('envelope', { rlp: '0xdeadbeef', p2p: true });
    h.peer.emit('envelope', { rlp: 'not hex', p2p: true });
    h.peer.emit('envelope', { rlp: toHex(encodeEnvelope(makeEnvelope({ now: now - 70, ttl: 10 }))), p2p: true });
    expect(heard).toBe(0);
    h.peer.emit('envelope', { rlp: toHex(encodeEnvelope(makeEnvelope({ now, ttl: 50 }))), p2p: true });
    expect(heard).toBe(1);
    void p;
  });

  it('an unreachable peer is 4900 for posts, and status falls back to defaults before the first answer', async () => {
    const h = await start();
    const p = await connected(h, A);
    const key = (await p.call('shh_newSymKey')) as string;
    h.peer.down = true;
    expect((await p.raw('shh_post', [{ symKeyID: key, topic: TOPIC, payload: '0x01', powTarget: 0.001, powTime: 1 }])).error?.code).toBe(4900);
  });
});
