// The delivery cursor (docs/ARCHITECTURE.md "Delivery"): each watcher numbers its messages; a worker
// stopped at any moment, with no time to confirm anything, neither repeats what the page has (at or
// below the cursor its hello names) nor reuses a number (which the page side would drop: a gap).
import { describe, expect, it } from 'vitest';
import { FakePeer, FakeWindows, Page, backgrounds, kill, until, connectedPage } from './fakes.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const TOPIC = '0x01020304';
const start = backgrounds();

const connected = connectedPage;

type Note = { subscription: string; result: { payload: string }; seq: number };
const notes = (p: Page): Note[] => p.events('shh_subscription').map((e) => e.data as Note);
const post = (p: Page, key: string, payload: string) => p.call('shh_post', { symKeyID: key, topic: TOPIC, payload, powTarget: 0.001, powTime: 2 });
const poll = async (p: Page, filter: string) => (await p.call('shh_getFilterMessages', filter)) as { payload: string; seq: number }[];

describe('one delivery cursor across worker restarts', () => {
  it('a worker stopped right after delivering repeats nothing at or below the page\'s cursor; without one, it repeats under the same numbers', async () => {
    const windows = new FakeWindows();
    const h1 = await start({ windows });
    const p1 = await connected(h1, A);
    const key = (await p1.call('shh_newSymKey')) as string;
    const sub = (await p1.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] })) as string;
    const filter = (await p1.call('shh_newMessageFilter', { symKeyID: key, topics: [TOPIC] })) as string;
    await post(p1, key, '0x01');
    await post(p1, key, '0x02');
    await until(() => notes(p1).length === 2);
    const polled = await poll(p1, filter);
    expect(notes(p1).map((n) => [n.result.payload, n.seq])).toEqual([['0x01', 1], ['0x02', 2]]);
    expect(polled.map((m) => [m.payload, m.seq])).toEqual([['0x01', 1], ['0x02', 2]]);
    kill(h1); // at once: no time to confirm anything

    const h2 = await start({ windows, dbName: h1.dbName, peer: h1.peer, session: h1.session });
    const p2 = new Page(h2, A, p1.session, true, p1.cursors());
    await post(p2, key, '0x03');
    await until(() => notes(p2).length >= 1);
    expect(notes(p2).map((n) => [n.subscription, n.result.payload, n.seq])).toEqual([[sub, '0x03', 3]]);
    expect((await poll(p2, filter)).map((m) => [m.payload, m.seq])).toEqual([['0x03', 3]]);
    kill(h2);

    // A hello that names no cursor (a page side that never heard of these numbers): everything comes
    // again, under the numbers it had, so a page side that has them drops every one.
    const h3 = await start({ windows, dbName: h1.dbName, peer: h1.peer, session: h1.session });
    const p3 = new Page(h3, A, p1.session, true);
    await until(() => notes(p3).length === 3);
    expect(notes(p3).map((n) => [n.result.payload, n.seq])).toEqual([['0x01', 1], ['0x02', 2], ['0x03', 3]]);
    expect((await poll(p3, filter)).map((m) => [m.payload, m.seq])).toEqual([['0x01', 1], ['0x02', 2], ['0x03', 3]]);
  });

  it('numbers go on above every number handed out, even once the delivered rows are gone (no gap the page side would drop)', async () => {
    const windows = new FakeWindows();
    const h1 = await start({ windows });
    const p1 = await connected(h1, A);
    const key = (await p1.call('shh_newSymKey')) as string;
    const keyBytes = (await p1.call('shh_getSymKey', key)) as string;
    await p1.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] });
    await post(p1, key, '0x01');
    await post(p1, key, '0x02');
    await until(() => notes(p1).length === 2);
    kill(h1);
    // The envelopes expired everywhere: the peer's pool has none of them, and the sweep took their rows.
    const db = await import('../../src/store/db.ts').then((m) => m.openWhisperDb(h1.dbName));
    await db.clear('delivered');
    db.close();

    // The page side's cursor is not known (the vault's unlock replays with the hello's, which may be older).
    const h2 = await start({ windows, dbName: h1.dbName, peer: new FakePeer(), session: h1.session });
    const p2 = new Page(h2, A, p1.session, true);
    const other = await connected(h2, B);
    const k2 = (await other.call('shh_addSymKey', keyBytes)) as string;
    await post(other, k2, '0x03');
    await until(() => notes(p2).length === 1);
    expect(notes(p2).map((n) => [n.result.payload, n.seq])).toEqual([['0x03', 3]]);
  });
});
