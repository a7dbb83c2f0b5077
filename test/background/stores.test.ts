import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { DB_VERSION, openWhisperDb } from '../../src/store/db.ts';
import { KeyRows } from '../../src/store/keys.ts';
import { PermissionRows } from '../../src/store/permissions.ts';
import { ApprovalRows } from '../../src/store/approvals.ts';
import { WatcherRows } from '../../src/store/watchers.ts';
import { freshDbName } from './fakes.ts';

/** The vault's seal and open over a random AES-GCM key, for the store alone. */
async function testSealer() {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const ad = (aad: string) => new TextEncoder().encode(aad);
  return {
    state: 'unlocked',
    async seal(plaintext: Uint8Array, aad: string) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      return { iv, ct: new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: ad(aad) }, key, new Uint8Array(plaintext))) };
    },
    async open(box: { iv: Uint8Array; ct: Uint8Array }, aad: string) {
      return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(box.iv), additionalData: ad(aad) }, key, new Uint8Array(box.ct)));
    },
  };
}

describe('background stores over IndexedDB', () => {
  it('schema v4 holds the peer\'s envelopes store and the background\'s stores in one database', async () => {
    const db = await openWhisperDb(freshDbName());
    expect(DB_VERSION).toBe(4);
    expect([...db.objectStoreNames].sort()).toEqual(['activity', 'approvals', 'delivered', 'envelopes', 'identities', 'keys', 'peerIdentity', 'permissions', 'settings', 'vault', 'watchers']);
    expect([...db.transaction('envelopes').store.indexNames]).toEqual(['expiry']);
    db.close();
  });

  it('keys are scoped by origin and kind; an id is never reused within one', async () => {
    const db = await openWhisperDb(freshDbName());
    const keys = new KeyRows(db);
    const id = 'aa'.repeat(32);
    const box = (n: number) => ({ iv: new Uint8Array(12).fill(n), ct: new Uint8Array(48).fill(n) });
    expect(await keys.insert('https://a', 'sym', id, box(1))).toBe(true);
    expect(await keys.insert('https://a', 'sym', id, box(2))).toBe(false);
    expect((await keys.get('https://a', 'sym', id))?.sealed).toEqual(box(1));
    expect(await keys.get('https://b', 'sym', id)).toBeUndefined();
    expect(await keys.get('https://a', 'pair', id)).toBeUndefined();
    expect(await keys.remove('https://b', 'sym', id)).toBe(false);
    expect(await keys.has('https://a', 'sym', id)).toBe(true);
    expect(await keys.remove('https://a', 'sym', id)).toBe(true);
    expect(await keys.count('https://a')).toBe(0);
    db.close();
  });

  it('permissions and approvals: grant replaces, revoke and remove report whether something was there', async () => {
    const db = await openWhisperDb(freshDbName());
    const perms = new PermissionRows(db);
    await perms.grant('https://a', ['x'], 1);
    await perms.grant('https://a', ['y'], 2);
    expect(await perms.list()).toEqual([{ origin: 'https://a', connectedAt: 2, identities: ['y'], grantedAt: { y: 2 } }]);
    await perms.grant('https://a', ['y', 'z'], 3); // y keeps its grant time
    expect((await perms.get('https://a'))?.grantedAt).toEqual({ y: 2, z: 3 });
    expect((await perms.revokeIdentity('y', 'https://a')).map((r) => r.identities)).toEqual([['z']]);
    expect(await perms.revokeIdentity('y', 'https://a')).toEqual([]);
    expect(await perms.revoke('https://a')).toBe(true);
    expect(await perms.revoke('https://a')).toBe(false);
    const approvals = new ApprovalRows(db);
    await approvals.add({ id: '2', origin: 'https://b', method: 'shh_requestIdentities', createdAt: 20 });
    await approvals.add({ id: '1', origin: 'https://a', method: 'shh_requestIdentities', createdAt: 10 });
    await expect(approvals.add({ id: '1', origin: 'https://c', method: 'shh_requestIdentities', createdAt: 30 })).rejects.toThrow();
    expect((await approvals.pending()).map((r) => r.id)).toEqual(['1', '2']);
    await approvals.setWindow('1', 7);
    expect((await approvals.get('1'))?.windowId).toBe(7);
    expect(await approvals.remove('1')).toBe(true);
    expect(await approvals.remove('1')).toBe(false);
    db.close();
  });

  it('watchers: per session, detach marks, delivered hashes swept at expiry and removed with their watcher', async () => {
    const db = await openWhisperDb(freshDbName());
    const w = new WatcherRows(db, await testSealer());
    await w.put({ id: 'w1', origin: 'https://a', session: 's1', kind: 'subscription', params: ['messages', {}], createdAt: 1 });
    await w.put({ id: 'w2', origin: 'https://a', session: 's2', kind: 'filter', params: [{}], createdAt: 1 });
    expect((await w.ofSession('https://a', 's1')).map((r) => r.id)).toEqual(['w1']);
    await w.setDetached('https://a', 's1', 99);
    expect((await w.get('w1'))?.detachedAt).toBe(99);
    expect((await w.get('w2'))?.detachedAt).toBeUndefined();
    await w.markDelivered([
      { watcher: 'w1', hash: '0x01', expiry: 100 },
      { watcher: 'w1', hash: '0x02', expiry: 200 },
      { watcher: 'w2', hash: '0x01', expiry: 100 },
    ]);
    expect(await w.sweepDelivered(150)).toBe(2);
    expect([...(await w.delivered('w1')).keys()]).toEqual(['0x02']);
    await w.remove(['w1']);
    expect(await w.get('w1')).toBeUndefined();
    expect((await w.delivered('w1')).size).toBe(0);
    expect((await w.all()).map((r) => r.id)).toEqual(['w2']);
    db.close();
  });
});
