// Stored watchers: only the normalised criteria, sealed with the delivered hashes under the vault key;
// rows of closed frames count against the site's cap; the sweep walks a cursor; schema 3 migrates.

import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { toHex } from '../../src/core/bytes.ts';
import { type WhisperDatabase } from '../../src/store/db.ts';
import { MAX_WATCHERS_PER_ORIGIN } from '../../src/background/origin-scope.ts';
import { PASSWORD, Page, backgrounds, freshDbName, popup, until, type Harness, connectedPage } from './fakes.ts';

const A = 'https://a.example';
const TOPIC = '0xc0ffee42';
const start = backgrounds();

const connected = (h: Harness, origin = A): Promise<Page> => connectedPage(h, origin);

/** Every row of every object store, bytes as hex: what someone who copies the profile's IndexedDB reads. */
async function dump(db: WhisperDatabase): Promise<string> {
  const out: unknown[] = [];
  for (const name of db.objectStoreNames) out.push(name, await db.getAll(name), await db.getAllKeys(name));
  return JSON.stringify(out, (_k, v) => (v instanceof Uint8Array ? toHex(v, false) : v));
}

describe('stored watchers', () => {
  it('keep only the normalised criteria, never the rest of the request', async () => {
    const h = await start();
    const p = await connected(h);
    const key = (await p.call('shh_newSymKey')) as string;
    const junk = 'j'.repeat(256 * 1024);
    const sub = (await p.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC], minPow: 0.5, junk })) as string;
    const filter = (await p.call('shh_newMessageFilter', { symKeyID: key, topics: [TOPIC], allowP2P: true, more: { junk } })) as string;
    const s = await h.bg.services;
    const rows = await s.watchers.openSession(A, p.session);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.params]))).toEqual({
      [sub]: ['messages', { symKeyID: key, topics: [TOPIC], minPow: 0.5 }],
      [filter]: [{ symKeyID: key, topics: [TOPIC], allowP2P: true }],
    });
    expect((await dump(h.db)).length).toBeLessThan(64 * 1024);
  });

  it('seal topics and delivered envelope hashes: the raw database holds none of them', async () => {
    const h = await start();
    const p = await connected(h);
    const key = (await p.call('shh_newSymKey')) as string;
    await p.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] });
    const hash = (await p.call('shh_post', { symKeyID: key, topic: TOPIC, payload: '0x0102', powTarget: 0.001, powTime: 2 })) as string;
    await until(() => p.events('shh_subscription').length === 1);
    await until(async () => (await h.db.count('delivered')) === 1, 5000);
    const text = await dump(h.db);
    expect(text).not.toContain(TOPIC.slice(2));
    expect(text).not.toContain(hash.slice(2));
    // and they still work: the replay after a worker restart skips what was delivered
    const s = await h.bg.services;
    const [row] = await s.watchers.ofSession(A, p.session);
    expect([...(await s.watchers.delivered(row!.id)).keys()]).toEqual([hash]);
  });

  it(`rows of closed frames count against the site's ${MAX_WATCHERS_PER_ORIGIN}: the longest-detached make room; rows not detached are never dropped`, async () => {
    const h = await start();
    const p = await connected(h);
    const key = (await p.call('shh_newSymKey')) as string;
    const s = await h.bg.services;
    const row = (i: number, session: string) => ({ id: `w${i}`, origin: A, session, kind: 'filter' as const, params: [{ symKeyID: key, topics: [TOPIC] }], createdAt: 1 });
    for (let i = 0; i < MAX_WATCHERS_PER_ORIGIN; i++) await s.watchers.put(row(i, `closed-${i % 2}`));
    await s.watchers.setDetached(A, 'closed-0', 1000);
    await s.watchers.setDetached(A, 'closed-1', 2000);
    const f = (await p.call('shh_newMessageFilter', { symKeyID: key, topics: [TOPIC] })) as string;
    expect(await s.watchers.countOfOrigin(A)).toBe(MAX_WATCHERS_PER_ORIGIN);
    expect(await s.watchers.get(f)).toBeDefined();
    expect((await s.watchers.ofSession(A, 'closed-0')).length).toBe(MAX_WATCHERS_PER_ORIGIN / 2 - 1); // the oldest closed frame paid

    // Rows with no detach mark (a document whose Port the gc has not judged yet) are not dropped: refused.
    const h2 = await start();
    const q = await connected(h2);
    const k2 = (await q.call('shh_newSymKey')) as string;
    const s2 = await h2.bg.services;
    for (let i = 0; i < MAX_WATCHERS_PER_ORIGIN; i++) await s2.watchers.put({ ...row(i, 'elsewhere'), params: [{ symKeyID: k2, topics: [TOPIC] }] });
    const r = await q.raw('shh_subscribe', ['messages', { symKeyID: k2, topics: [TOPIC] }]);
    expect(r.error).toEqual({ code: -32000, message: `too many subscriptions and filters for this site: at most ${MAX_WATCHERS_PER_ORIGIN}; remove some first` });
    expect(await s2.watchers.countOfOrigin(A)).toBe(MAX_WATCHERS_PER_ORIGIN);
  }, 30_000);

  it('the gc sweep walks the rows with a cursor, never loading them all', async () => {
    const h = await start();
    const p = await connected(h);
    const key = (await p.call('shh_newSymKey')) as string;
    await p.call('shh_subscribe', 'messages', { symKeyID: key, topics: [TOPIC] });
    const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { getAll: (...a: unknown[]) => unknown; name: string } } }).IDBObjectStore.prototype;
    const getAll = proto.getAll;
    const loaded: string[] = [];
    proto.getAll = function (this: { name: string }, ...a: unknown[]) {
      loaded.push(this.name);
      return getAll.apply(this, a);
    };
    try {
      await h.bg.gc();
    } finally {
      proto.getAll = getAll;
    }
    expect(loaded.filter((n) => n === 'watchers' || n === 'delivered')).toEqual([]);
    p.port.close();
    const s = await h.bg.services;
    await until(async () => (await s.watchers.ofOrigin(A))[0]?.detachedAt !== undefined);
  });

  it('schema 3 rows are cut to their criteria by the upgrade and sealed at the first unlock; clear delivered rows go', async () => {
    const dbName = freshDbName();
    const old = await openDB(dbName, 3, {
      upgrade(db) {
        db.createObjectStore('envelopes', { keyPath: 'hash' }).createIndex('expiry', 'expiry');
        db.createObjectStore('peerIdentity');
        db.createObjectStore('keys', { keyPath: ['origin', 'kind', 'id'] }).createIndex('origin', 'origin');
        db.createObjectStore('identities', { keyPath: 'id' });
        db.createObjectStore('permissions', { keyPath: 'origin' });
        db.createObjectStore('approvals', { keyPath: 'id' }).createIndex('createdAt', 'createdAt');
        const w = db.createObjectStore('watchers', { keyPath: 'id' });
        w.createIndex('session', ['origin', 'session']);
        w.createIndex('origin', 'origin');
        db.createObjectStore('delivered', { keyPath: ['watcher', 'hash'] }).createIndex('expiry', 'expiry');
        db.createObjectStore('vault');
        db.createObjectStore('settings');
        db.createObjectStore('activity', { keyPath: 'origin' });
      },
    });
    const keyId = 'ab'.repeat(32);
    const hash = '0x' + 'ef'.repeat(32);
    await old.put('watchers', { id: 'w1', origin: A, session: 's1', kind: 'subscription', params: ['messages', { symKeyID: keyId, topics: [TOPIC], junk: 'j'.repeat(100_000) }, 'extra'], createdAt: 1, detachedAt: 5 });
    await old.put('delivered', { watcher: 'w1', hash, expiry: 4_000_000_000 });
    old.close();
    const h = await start({ dbName, vault: 'as-is' });
    expect(await h.db.count('delivered')).toBe(0);
    expect(await h.db.get('watchers', 'w1')).toEqual({ id: 'w1', origin: A, session: 's1', kind: 'subscription', params: ['messages', { symKeyID: keyId, topics: [TOPIC] }], createdAt: 1, detachedAt: 5 });
    expect((await popup(h, 'vault:create', { password: PASSWORD })).error).toBeUndefined();
    await until(async () => !(await dump(h.db)).includes(TOPIC.slice(2)));
    const text = await dump(h.db);
    expect(text).not.toContain(keyId);
    expect(text).not.toContain(hash.slice(2));
    const s = await h.bg.services;
    expect((await s.watchers.openSession(A, 's1')).map((r) => r.params)).toEqual([['messages', { symKeyID: keyId, topics: [TOPIC] }]]);
  });
});
