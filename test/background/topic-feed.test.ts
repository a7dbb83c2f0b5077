// No mirror pool in the worker: it tells the peer which topics its watchers follow, gets new envelopes
// on those only, and asks for a new watcher's back-fill by topic; so a worker restart moves what the
// replayed watchers need, not the whole pool.
import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { toHex } from '../../src/core/bytes.ts';
import { encodeEnvelope } from '../../src/core/envelope.ts';
import { makeEnvelope } from '../core/fixtures.ts';
import { FakeWindows, Page, backgrounds, kill, until, type Harness, connectedPage } from './fakes.ts';

const A = 'https://a.example';
const T1 = '0x01020304';
const T2 = '0x05060708';
const start = backgrounds();

const connected = connectedPage;

/** n envelopes on `topic` nobody here can open, handed to the peer as if from the network. */
function noise(h: Harness, topic: string, n: number): void {
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n; i++) h.peer.receive(toHex(encodeEnvelope(makeEnvelope({ now, ttl: 600, topic: Uint8Array.from(Buffer.from(topic.slice(2), 'hex')), data: randomBytes(64), target: 1e-6 }))));
}

const payloads = (p: Page) => p.events('shh_subscription').map((e) => (e.data as { result: { payload: string } }).result.payload);

describe('the worker asks the peer by topic', () => {
  it('a watcher says its topics before its back-fill asks for them; the peer sends only watched topics; the last release narrows it', async () => {
    const h = await start();
    h.peer.filterByWatch = true;
    const p = await connected(h, A);
    const key = (await p.call('shh_newSymKey')) as string;
    await p.call('shh_post', { symKeyID: key, topic: T1, payload: '0x01', powTarget: 0.001, powTime: 2 });
    noise(h, T2, 20);
    const from = h.peer.requests.length;
    const sub = (await p.call('shh_subscribe', 'messages', { symKeyID: key, topics: [T1] })) as string;
    const asked = h.peer.requests.slice(from).filter((r) => r.op === 'watch' || r.op === 'envelopes');
    expect(asked.map((r) => [r.op, r.params])).toEqual([['watch', { topics: [T1] }], ['envelopes', { topics: [T1] }]]);
    expect(asked[1]!.rlps).toBe(1);
    await until(() => payloads(p).length === 1);
    noise(h, T2, 5); // not watched: never bytes to the worker
    await p.call('shh_post', { symKeyID: key, topic: T1, payload: '0x02', powTarget: 0.001, powTime: 2 });
    await until(() => payloads(p).length === 2);
    expect(payloads(p)).toEqual(['0x01', '0x02']);
    const kp = (await p.call('shh_newKeyPair')) as string;
    const filter = (await p.call('shh_newMessageFilter', { privateKeyID: kp })) as string; // no topics: every one
    await until(() => h.peer.watched === 'all');
    expect(await p.call('shh_deleteMessageFilter', filter)).toBe(true);
    await until(() => Array.isArray(h.peer.watched) && h.peer.watched.length === 1);
    expect(await p.call('shh_unsubscribe', sub)).toBe(true);
    await until(() => Array.isArray(h.peer.watched) && h.peer.watched.length === 0);
  });

  it('a worker restart moves only what its replayed watchers need, never the whole pool', async () => {
    const windows = new FakeWindows();
    const h1 = await start({ windows });
    h1.peer.filterByWatch = true;
    const p1 = await connected(h1, A);
    const key = (await p1.call('shh_newSymKey')) as string;
    await p1.call('shh_subscribe', 'messages', { symKeyID: key, topics: [T1] });
    await p1.call('shh_post', { symKeyID: key, topic: T1, payload: '0x01', powTarget: 0.001, powTime: 2 });
    await until(() => payloads(p1).length === 1);
    noise(h1, T2, 500);
    const cursors = p1.cursors();
    kill(h1);
    const from = h1.peer.requests.length;
    const h2 = await start({ windows, dbName: h1.dbName, peer: h1.peer, session: h1.session });
    const p2 = new Page(h2, A, p1.session, true, cursors);
    await until(() => h1.peer.requests.slice(from).some((r) => r.op === 'envelopes'));
    const moved = h1.peer.requests.slice(from).filter((r) => r.op === 'envelopes');
    expect(moved.map((r) => [r.params, r.rlps])).toEqual([[{ topics: [T1] }, 1]]);
    await p2.call('shh_post', { symKeyID: key, topic: T1, payload: '0x02', powTarget: 0.001, powTime: 2 });
    await until(() => payloads(p2).length === 1);
    expect(payloads(p2)).toEqual(['0x02']);
  });
});
