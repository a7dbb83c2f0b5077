// The vault on fake-indexeddb and a fake storage.session: KDF parameters, wrong password,
// the lock gate for pages and the popup, unlock surviving a worker restart, auto-lock by alarm, the
// schema-2 migration, backups, and a dump of every store holding no key in the clear.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { toHex } from '../../src/core/bytes.ts';
import { publicKeyOf } from '../../src/core/signature.ts';
import { openWhisperDb, type WhisperDatabase } from '../../src/store/db.ts';
import { AUTO_LOCK_ALARM } from '../../src/background/auto-lock.ts';
import { KDF_ITERATIONS } from '../../src/background/vault-crypto.ts';
import { LOCKED_MESSAGE, SESSION_ITEM, WRONG_PASSWORD, Vault } from '../../src/background/vault.ts';
import { WRONG_BACKUP_PASSWORD } from '../../src/background/vault-backup.ts';
import { VaultRows } from '../../src/store/vault.ts';
import { FakeSession, PASSWORD, Page, approveSite, backgrounds, freshDbName, kill, popup, until, type Harness } from './fakes.ts';

const A = 'https://a.example';
const B = 'http://127.0.0.1:8080';
const start = backgrounds();

const connect = approveSite;

const ok = async (h: Harness, op: string, params: unknown = {}): Promise<any> => {
  const r = await popup(h, op, params);
  if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result;
};

/** Every row of every object store, bytes as hex: what someone who copies the profile's IndexedDB reads. */
async function dump(db: WhisperDatabase): Promise<string> {
  const out: unknown[] = [];
  for (const name of db.objectStoreNames) out.push(name, await db.getAll(name), await db.getAllKeys(name));
  return JSON.stringify(out, (_k, v) => (v instanceof Uint8Array ? toHex(v, false) : v));
}

describe('the vault', () => {
  it('PBKDF2-SHA256 with 600 000 iterations and a random 16-byte salt, stored beside the wrapped key', async () => {
    expect(KDF_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    const db = await openWhisperDb(freshDbName());
    const rows = new VaultRows(db);
    const v = new Vault({ rows, randomBytes });
    await v.create(PASSWORD);
    const meta = (await rows.get())!;
    expect(meta.kdf).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: KDF_ITERATIONS });
    expect(meta.kdf.salt).toHaveLength(16);
    expect(meta.cipher).toBe('AES-256-GCM');
    expect(meta.wrappedKey.iv).toHaveLength(12);
    expect(meta.wrappedKey.ct).toHaveLength(32 + 16);
    const other = new Vault({ rows: new VaultRows(await openWhisperDb(freshDbName())), randomBytes, iterations: 1000 });
    await other.create(PASSWORD);
    expect(toHex((await new VaultRows(db).get())!.kdf.salt)).not.toBe(toHex(other.iterations === 1000 ? new Uint8Array(16) : new Uint8Array(1)));
    await expect(v.create(PASSWORD)).rejects.toMatchObject({ code: -32602 });
    db.close();
  });

  it('a short password is refused; a wrong one is a clear message that changes nothing', async () => {
    const h = await start({ vault: 'as-is' });
    expect((await popup(h, 'vault:create', { password: 'short' })).error).toEqual({ code: -32602, message: 'Choose a password of at least 8 characters.' });
    expect((await ok(h, 'status')).vault).toBe('new');
    await ok(h, 'vault:create', { password: PASSWORD });
    const alice = await ok(h, 'identities:create', { name: 'Alice' });
    await ok(h, 'vault:lock');
    expect((await ok(h, 'status')).vault).toBe('locked');
    for (const bad of ['wrong password', '', PASSWORD + ' ']) expect((await popup(h, 'vault:unlock', { password: bad })).error).toEqual({ code: -32602, message: WRONG_PASSWORD });
    expect((await ok(h, 'status')).vault).toBe('locked');
    await ok(h, 'vault:unlock', { password: PASSWORD });
    expect((await ok(h, 'identities:list')).map((i: { id: string }) => i.id)).toEqual([alice.id]);
  });

  it('while locked pages get 4100 "locked" for everything but shh_version and shh_requestIdentities (which opens the window at the password); the popup answers only the vault ops', async () => {
    const h = await start();
    const p = new Page(h, A);
    await connect(h, p);
    const key = await p.call('shh_newSymKey');
    await ok(h, 'vault:lock');
    expect(await p.call('shh_version')).toBe('6.0');
    for (const m of ['shh_getSymKey', 'shh_getIdentities', 'shh_newKeyPair', 'net_peerCount'])
      expect((await p.raw(m, m === 'shh_getSymKey' ? [key] : [])).error).toEqual({ code: 4100, message: LOCKED_MESSAGE });
    expect(h.ext.windows.open.size).toBe(0); // no approval window for those
    const asked = new Page(h, A).raw('shh_requestIdentities'); // another frame: this Port's queue stays free
    await until(() => h.ext.windows.open.size === 1); // the window, at the password (test/background/access.test.ts "locked: …")
    h.ext.windows.userClose([...h.ext.windows.open.keys()][0]!);
    expect((await asked).error?.code).toBe(4001);
    for (const op of ['identities:list', 'sites:list', 'settings:get', 'activity:list'])
      expect((await popup(h, op, {})).error?.code).toBe(4100);
    expect((await popup(h, 'vault:export', { password: PASSWORD })).error?.code).toBe(4100);
    await ok(h, 'vault:unlock', { password: PASSWORD });
    expect(await p.call('shh_getSymKey', key)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('unlock survives a worker restart through storage.session, and only that: a new session is locked', async () => {
    const h1 = await start();
    const p = new Page(h1, A);
    await connect(h1, p);
    const key = await p.call('shh_newSymKey');
    expect(h1.session.items.has(SESSION_ITEM)).toBe(true);
    kill(h1);
    const h2 = await start({ dbName: h1.dbName, peer: h1.peer, session: h1.session });
    expect((await ok(h2, 'status')).vault).toBe('unlocked');
    const p2 = new Page(h2, A, p.session);
    expect(await p2.call('shh_hasSymKey', key)).toBe(true);
    kill(h2);
    const h3 = await start({ dbName: h1.dbName, peer: h1.peer, session: new FakeSession() });
    expect((await ok(h3, 'status')).vault).toBe('locked');
    kill(h3);
    // A session item from another vault (same profile, wiped and recreated) is not trusted.
    const forged = new FakeSession();
    await forged.set({ [SESSION_ITEM]: { salt: '0x00', key: toHex(randomBytes(32)) } });
    const h4 = await start({ dbName: h1.dbName, peer: h1.peer, session: forged });
    expect((await ok(h4, 'status')).vault).toBe('locked');
    await ok(h4, 'vault:lock');
    expect(forged.items.has(SESSION_ITEM)).toBe(false);
  });

  it('auto-lock: unlocking arms an alarm of the chosen minutes; when it fires the vault locks and subscriptions stop until unlock', async () => {
    const h = await start();
    await until(() => h.ext.alarms.infos.has(AUTO_LOCK_ALARM));
    expect(h.ext.alarms.infos.get(AUTO_LOCK_ALARM)).toEqual({ delayInMinutes: 15 });
    await ok(h, 'settings:set', { autoLockMinutes: 5 });
    expect(h.ext.alarms.infos.get(AUTO_LOCK_ALARM)).toEqual({ delayInMinutes: 5 });
    expect((await popup(h, 'settings:set', { autoLockMinutes: 0 })).error?.code).toBe(-32602);
    const p = new Page(h, A);
    await connect(h, p);
    const key = (await p.call('shh_newSymKey')) as string;
    const sub = await p.call('shh_subscribe', 'messages', { symKeyID: key, topics: ['0x01020304'] });
    h.ext.alarms.onAlarm.fire({ name: AUTO_LOCK_ALARM });
    await until(async () => (await ok(h, 'status')).vault === 'locked');
    expect(await p.code('shh_hasSymKey', key)).toBe(4100);
    // A message posted by another page while locked reaches A only after unlock, under the same id, once.
    const bytes = await (async () => {
      await ok(h, 'vault:unlock', { password: PASSWORD });
      return p.call('shh_getSymKey', key);
    })();
    await ok(h, 'vault:lock');
    const q = new Page(h, B);
    await ok(h, 'vault:unlock', { password: PASSWORD });
    await connect(h, q);
    const k2 = await q.call('shh_addSymKey', bytes);
    await ok(h, 'vault:lock');
    await ok(h, 'vault:unlock', { password: PASSWORD });
    await q.call('shh_post', { symKeyID: k2, topic: '0x01020304', payload: '0x0a', powTarget: 0.001, powTime: 2 });
    await until(() => p.events('shh_subscription').length === 1);
    expect(p.events('shh_subscription')[0]!.data).toMatchObject({ subscription: sub, result: { payload: '0x0a' } });
  });

  it('schema-2 clear keys are sealed at the first unlock and keep working', async () => {
    const dbName = freshDbName();
    const db = await openWhisperDb(dbName);
    const symKey = randomBytes(32);
    let idKey: Uint8Array;
    do idKey = randomBytes(32);
    while (idKey[0] === 0);
    const keyId = 'ab'.repeat(32);
    const aliceId = 'cd'.repeat(32);
    await db.put('keys', { origin: A, kind: 'sym', id: keyId, key: symKey });
    await db.put('identities', { id: aliceId, name: 'Alice', privateKey: idKey, createdAt: 1 });
    await db.put('permissions', { origin: A, connectedAt: 1, identities: [aliceId] });
    expect(await dump(db)).toContain(toHex(symKey, false));
    db.close();
    const h = await start({ dbName, vault: 'as-is' });
    await ok(h, 'vault:create', { password: PASSWORD });
    await until(async () => !(await dump(h.db)).includes(toHex(symKey, false)));
    const text = await dump(h.db);
    expect(text).not.toContain(toHex(idKey, false));
    const p = new Page(h, A);
    expect(await p.call('shh_getSymKey', keyId)).toBe(toHex(symKey));
    expect(await p.call('shh_getIdentities')).toEqual([{ id: aliceId, name: 'Alice', publicKey: toHex(publicKeyOf(idKey)) }]);
    expect(await p.call('shh_getPublicKey', aliceId)).toBe(toHex(publicKeyOf(idKey)));
  });

  it('a dump of every store holds no private or symmetric key in the clear, and no session key', async () => {
    const h = await start();
    const alice = await ok(h, 'identities:create', { name: 'Alice' });
    let raw: Uint8Array;
    do raw = randomBytes(32);
    while (raw[0] === 0);
    const imported = await ok(h, 'identities:import', { name: 'Imported', privateKey: toHex(raw) });
    const p = new Page(h, A);
    await connect(h, p, [alice.id]);
    const pair = await p.call('shh_newKeyPair');
    const sym = await p.call('shh_generateSymKeyFromPassword', 'shared secret');
    const secrets = [
      (await ok(h, 'identities:export', { id: alice.id, password: PASSWORD })).privateKey,
      toHex(raw),
      await p.call('shh_getPrivateKey', pair),
      await p.call('shh_getSymKey', sym),
      (h.session.items.get(SESSION_ITEM) as { key: string }).key,
    ] as string[];
    expect(imported.publicKey).toBe(toHex(publicKeyOf(raw)));
    const text = await dump(h.db);
    for (const s of secrets) expect(text).not.toContain(s.slice(2));
    expect(text).toContain(alice.publicKey.slice(2)); // public keys are in the clear, on purpose
  });

  it('backup: export asks the password again; wipe; import on first run brings identities and site keys back', async () => {
    const h = await start();
    const alice = await ok(h, 'identities:create', { name: 'Alice' });
    const bob = await ok(h, 'identities:create', { name: 'Bob' });
    const p = new Page(h, A);
    await connect(h, p, [alice.id]);
    const sym = await p.call('shh_newSymKey');
    const symBytes = await p.call('shh_getSymKey', sym);
    expect((await popup(h, 'vault:export', { password: 'not it at all' })).error).toEqual({ code: -32602, message: WRONG_PASSWORD });
    const { file } = await ok(h, 'vault:export', { password: PASSWORD });
    expect(JSON.parse(file)).toMatchObject({ format: 'whisper-vault-backup', version: 1, kdf: { name: 'PBKDF2', hash: 'SHA-256' }, cipher: { name: 'AES-256-GCM' } });
    expect(file).not.toContain((symBytes as string).slice(2));
    const listed = (await ok(h, 'identities:list')).map((i: { id: string; name: string; publicKey: string }) => [i.id, i.name, i.publicKey]);
    expect(listed.map((r: string[]) => r[1]).sort()).toEqual(['Alice', 'Bob']);
    expect((await popup(h, 'vault:wipe', {})).error?.code).toBe(-32602); // the confirmation is required
    await ok(h, 'vault:wipe', { confirm: 'wipe' });
    expect(p.events('identitiesChanged').at(-1)?.data).toEqual([]);
    expect((await ok(h, 'status')).vault).toBe('new');
    expect(await p.code('shh_getSymKey', sym)).toBe(4100);
    expect((await dump(h.db)).includes(alice.publicKey.slice(2))).toBe(false);
    expect((await popup(h, 'vault:import', { file, password: 'wrong backup pw' })).error).toEqual({ code: -32602, message: WRONG_BACKUP_PASSWORD });
    expect((await popup(h, 'vault:import', { file: '{"format":"x"}', password: PASSWORD })).error?.message).toBe('This is not a Whisper backup file.');
    const tampered = JSON.stringify({ ...JSON.parse(file), ciphertext: JSON.parse(file).ciphertext.replace(/.$/, (c: string) => (c === '0' ? '1' : '0')) });
    expect((await popup(h, 'vault:import', { file: tampered, password: PASSWORD })).error?.message).toBe(WRONG_BACKUP_PASSWORD);
    expect((await ok(h, 'status')).vault).toBe('new');
    expect(await ok(h, 'vault:import', { file, password: PASSWORD })).toEqual({ identities: 2, keys: 1 });
    expect((await ok(h, 'status')).vault).toBe('unlocked');
    const back = await ok(h, 'identities:list');
    // Exactly what was listed before the wipe, in the same order (two identities made in the same
    // millisecond are ordered by id, so creation order alone is not what the list promises).
    expect(back.map((i: { id: string; name: string; publicKey: string }) => [i.id, i.name, i.publicKey])).toEqual(listed);
    expect(listed).toContainEqual([alice.id, 'Alice', alice.publicKey]);
    expect(listed).toContainEqual([bob.id, 'Bob', bob.publicKey]);
    expect(await ok(h, 'vault:import', { file, password: PASSWORD })).toEqual({ identities: 0, keys: 0 }); // nothing twice
    await connect(h, p, [alice.id]); // grants are not in backups: the user approves sites again
    expect(await p.call('shh_getSymKey', sym)).toBe(symBytes);
  });
});

describe('identities', () => {
  it('create, rename (sites hear it), import, refuse duplicates and bad keys, export with the password', async () => {
    const h = await start();
    expect((await popup(h, 'identities:create', { name: '   ' })).error?.code).toBe(-32602);
    const alice = await ok(h, 'identities:create', { name: ' Alice ' });
    expect(alice).toMatchObject({ name: 'Alice', sites: [] });
    expect(alice.publicKey).toMatch(/^0x04[0-9a-f]{128}$/);
    const p = new Page(h, A);
    await connect(h, p, [alice.id]);
    await ok(h, 'identities:rename', { id: alice.id, name: 'Alice W.' });
    expect(p.events('identitiesChanged').at(-1)?.data).toEqual([{ id: alice.id, name: 'Alice W.', publicKey: alice.publicKey }]);
    const { privateKey } = await ok(h, 'identities:export', { id: alice.id, password: PASSWORD });
    expect(toHex(publicKeyOf(Uint8Array.from(Buffer.from(privateKey.slice(2), 'hex'))))).toBe(alice.publicKey);
    expect((await popup(h, 'identities:export', { id: alice.id, password: 'guess guess' })).error?.message).toBe(WRONG_PASSWORD);
    expect((await popup(h, 'identities:import', { name: 'Again', privateKey })).error?.message).toBe('You already have an identity with this key.');
    for (const bad of ['0x1234', '00'.repeat(32), 'ff'.repeat(32), 'zz'.repeat(32)])
      expect((await popup(h, 'identities:import', { name: 'X', privateKey: bad })).error?.code).toBe(-32602);
    expect((await ok(h, 'identities:list')).map((i: { sites: string[] }) => i.sites)).toEqual([[A]]);
  });

  it('delete names the sites that lose it, and they hear identitiesChanged at once; its id is dead for them', async () => {
    const h = await start();
    const alice = await ok(h, 'identities:create', { name: 'Alice' });
    const bob = await ok(h, 'identities:create', { name: 'Bob' });
    const p = new Page(h, A);
    const q = new Page(h, B);
    await connect(h, p, [alice.id, bob.id]);
    await connect(h, q, [alice.id]);
    expect((await ok(h, 'identities:delete', { id: alice.id })).sites.sort()).toEqual([A, B].sort());
    expect(p.events('identitiesChanged').at(-1)?.data).toEqual([{ id: bob.id, name: 'Bob', publicKey: bob.publicKey }]);
    expect(q.events('identitiesChanged').at(-1)?.data).toEqual([]);
    expect(await p.call('shh_hasKeyPair', alice.id)).toBe(false);
    expect((await p.raw('shh_post', [{ pubKey: bob.publicKey, sig: alice.id, topic: '0x01020304', powTarget: 0.001, powTime: 2 }])).error?.message).toBe('invalid id');
    expect((await popup(h, 'identities:delete', { id: alice.id })).error?.code).toBe(-32602);
  });
});

describe('per-site permissions, settings and activity', () => {
  it('revoking one identity for one site: that site hears it at once and loses it; it stays connected; others keep theirs', async () => {
    const h = await start();
    const alice = await ok(h, 'identities:create', { name: 'Alice' });
    const bob = await ok(h, 'identities:create', { name: 'Bob' });
    const p = new Page(h, A);
    const q = new Page(h, B);
    await connect(h, p, [alice.id, bob.id]);
    await connect(h, q, [alice.id]);
    const sites = await ok(h, 'sites:list');
    expect(sites.find((s: { origin: string }) => s.origin === A)).toMatchObject({ identities: [alice.id, bob.id], grantedAt: { [alice.id]: expect.any(Number), [bob.id]: expect.any(Number) } });
    await ok(h, 'sites:revokeIdentity', { origin: A, identity: alice.id });
    expect(p.events('identitiesChanged').at(-1)?.data).toEqual([{ id: bob.id, name: 'Bob', publicKey: bob.publicKey }]);
    expect(await p.call('shh_hasKeyPair', alice.id)).toBe(false);
    expect(await p.call('shh_hasKeyPair', bob.id)).toBe(true);
    expect(await q.call('shh_hasKeyPair', alice.id)).toBe(true);
    expect((await popup(h, 'sites:revokeIdentity', { origin: A, identity: 'ee'.repeat(32) })).error?.code).toBe(-32602);
  });

  it('settings: checked, saved, sent to the peer, and re-sent after each peer hello', async () => {
    const h = await start();
    const s = await ok(h, 'settings:get');
    expect(s).toEqual({ relays: ['/ip4/127.0.0.1/tcp/9090/ws'], defaultRelays: ['/ip4/127.0.0.1/tcp/9090/ws'], minPow: 0.2, maxSize: 65536, autoLockMinutes: 15, relaysOnly: false, darkByDefault: false, alwaysDark: false });
    for (const bad of [{ relays: ['not a multiaddr'] }, { minPow: -1 }, { maxSize: 10 }, { maxSize: 2 * 1024 * 1024 }, { autoLockMinutes: 1.5 }])
      expect((await popup(h, 'settings:set', bad)).error?.code).toBe(-32602);
    expect(h.peer.configured).toEqual([]);
    const relays = ['/ip4/127.0.0.1/tcp/9999/ws', '/dns4/relay.example/tcp/443/wss'];
    await ok(h, 'settings:set', { relays, minPow: 0.5, maxSize: 128 * 1024 });
    expect(h.peer.configured.at(-1)).toEqual({ relays, minPow: 0.5, maxSize: 128 * 1024 });
    expect((await ok(h, 'status')).peer).toMatchObject({ minPow: 0.5, maxSize: 131072 });
    await h.bg.peerConnected(); // a new peer host said hello
    expect(h.peer.configured).toHaveLength(2);
    expect(h.peer.configured.at(-1)).toEqual({ relays, minPow: 0.5, maxSize: 128 * 1024 });
    await ok(h, 'settings:set', { relays: [] }); // back to the build's default
    expect(h.peer.configured.at(-1)).toEqual({ relays: ['/ip4/127.0.0.1/tcp/9090/ws'] });
    expect((await ok(h, 'settings:get')).relays).toEqual(['/ip4/127.0.0.1/tcp/9090/ws']);
  });

  it('activity counts what each site posted and received, and when', async () => {
    let t = Date.now();
    const h = await start({ now: () => t });
    const p = new Page(h, A);
    const q = new Page(h, B);
    await connect(h, p);
    await connect(h, q);
    const k = (await p.call('shh_newSymKey')) as string;
    const k2 = await q.call('shh_addSymKey', await p.call('shh_getSymKey', k));
    await q.call('shh_subscribe', 'messages', { symKeyID: k2, topics: ['0x01020304'] });
    const f = await q.call('shh_newMessageFilter', { symKeyID: k2, topics: ['0x01020304'] });
    t += 1000;
    for (const payload of ['0x01', '0x02']) await p.call('shh_post', { symKeyID: k, topic: '0x01020304', payload, powTarget: 0.001, powTime: 2 });
    await until(() => q.events('shh_subscription').length === 2);
    expect(await q.call('shh_getFilterMessages', f)).toHaveLength(2);
    await until(async () => (await ok(h, 'activity:list')).length === 2);
    const rows = await ok(h, 'activity:list');
    expect(rows.find((r: { origin: string }) => r.origin === A)).toEqual({ origin: A, posted: 2, received: 0, lastPostedAt: t });
    await until(async () => (await ok(h, 'activity:list')).find((r: { origin: string }) => r.origin === B)?.received === 4);
  });
});
