// Importing a backup is importing untrusted input: the relay list is only proposed, origins and ids are
// checked, and a site key never shadows an identity of the same id.

import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { toHex } from '../../src/core/bytes.ts';
import { publicKeyOf } from '../../src/core/signature.ts';
import { encryptBackup, type BackupContents } from '../../src/background/vault-backup.ts';
import { AAD } from '../../src/background/vault-crypto.ts';
import { KeyRows } from '../../src/store/keys.ts';
import { PASSWORD, Page, TEST_ITERATIONS, approveSite, backgrounds, popup, type Harness } from './fakes.ts';

const A = 'https://a.example';
const start = backgrounds();

const ok = async (h: Harness, op: string, params: unknown = {}): Promise<any> => {
  const r = await popup(h, op, params);
  if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result;
};

const craft = (c: BackupContents): Promise<string> => encryptBackup(c, PASSWORD, { randomBytes, now: Date.now, iterations: TEST_ITERATIONS });
const privateKey = (): Uint8Array => {
  const k = randomBytes(32);
  k[0] = 1; // below the curve order
  return k;
};

describe('backup import', () => {
  it('never replaces the relay list: it reports the backup\'s list beside the current one, and settings:set applies it if the user accepts', async () => {
    const h = await start();
    const old = ['/ip4/127.0.0.1/tcp/9999/ws'];
    await ok(h, 'settings:set', { relays: old });
    const { file } = await ok(h, 'vault:export', { password: PASSWORD });
    const mine = ['/dns4/relay.example/tcp/443/wss'];
    await ok(h, 'settings:set', { relays: mine });
    const configured = h.peer.configured.length;
    const r = await ok(h, 'vault:import', { file, password: PASSWORD });
    expect(r).toEqual({ identities: 0, keys: 0, relays: { current: mine, backup: old } });
    expect((await ok(h, 'settings:get')).relays).toEqual(mine);
    expect(h.peer.configured.slice(configured).some((c: { relays?: string[] }) => c.relays !== undefined)).toBe(false);
    await ok(h, 'settings:set', { relays: r.relays.backup }); // the popup's "Use the backup's relays"
    expect((await ok(h, 'settings:get')).relays).toEqual(old);
    expect(await ok(h, 'vault:import', { file, password: PASSWORD })).toEqual({ identities: 0, keys: 0 }); // same list: nothing to ask
  });

  it('refuses origins that are not http(s) origins in canonical form, and ids that are not 64 hex digits, importing nothing', async () => {
    const h = await start();
    const key = toHex(privateKey());
    const good = { origin: A, kind: 'sym' as const, id: 'ab'.repeat(32), key };
    const identity = { id: 'cd'.repeat(32), name: 'Carol', privateKey: toHex(privateKey()), createdAt: 1 };
    const bad: [string, Partial<BackupContents>][] = [
      ['site key 2 names no http(s) origin in canonical form', { keys: [good, { ...good, origin: 'https://a.example/' }] }],
      ['site key 1 names no http(s) origin in canonical form', { keys: [{ ...good, origin: 'https://A.example' }] }],
      ['site key 1 names no http(s) origin in canonical form', { keys: [{ ...good, origin: 'https://a.example:443' }] }],
      ['site key 1 names no http(s) origin in canonical form', { keys: [{ ...good, origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop' }] }],
      ['site key 1 names no http(s) origin in canonical form', { keys: [{ ...good, origin: 'null' }] }],
      ['site key 1 names no http(s) origin in canonical form', { keys: [{ ...good, origin: 'file://' }] }],
      ['site key 1 has no valid id (64 hex digits)', { keys: [{ ...good, id: 'AB'.repeat(32) }] }],
      ['site key 1 has no valid id (64 hex digits)', { keys: [{ ...good, id: '0x' + 'ab'.repeat(32) }] }],
      ['site key 1 has no valid id (64 hex digits)', { keys: [{ ...good, id: '' }] }],
      ['site key 1 is malformed', { keys: [{ ...good, key: '0x01' }] }],
      ['identity 1 has no valid id (64 hex digits)', { identities: [{ ...identity, id: '../x' }], keys: [good] }],
      ['its relay list is malformed', { settings: { relays: [42 as unknown as string] } }],
    ];
    for (const [why, part] of bad) {
      const file = await craft({ identities: [], keys: [], settings: {}, ...part });
      const r = await popup(h, 'vault:import', { file, password: PASSWORD });
      expect(r.error, why).toEqual({ code: -32602, message: `This backup file is refused: ${why}. Nothing was imported.` });
    }
    expect(await new KeyRows(h.db).count(A)).toBe(0);
    expect(await ok(h, 'identities:list')).toEqual([]);
    const file = await craft({ identities: [identity], keys: [good, { ...good, origin: 'http://127.0.0.1:8080' }], settings: {} });
    expect(await ok(h, 'vault:import', { file, password: PASSWORD })).toEqual({ identities: 1, keys: 2 });
  });

  it('a site key under an identity\'s id is skipped, and one already stored never stands in for the identity', async () => {
    const h = await start();
    const alice = await ok(h, 'identities:create', { name: 'Alice' });
    const p = new Page(h, A);
    await approveSite(h, p, [alice.id]);
    const planted = privateKey();
    const file = await craft({ identities: [], keys: [{ origin: A, kind: 'pair', id: alice.id, key: toHex(planted) }], settings: {} });
    expect(await ok(h, 'vault:import', { file, password: PASSWORD })).toEqual({ identities: 0, keys: 0, skipped: 1 });
    expect(await p.call('shh_getPublicKey', alice.id)).toBe(alice.publicKey);
    // A row that got in anyway (an older version's import): the identity still wins, and it is not exported.
    const s = await h.bg.services;
    await new KeyRows(h.db).insert(A, 'pair', alice.id, await s.vault.seal(planted, AAD.key(A, 'pair', alice.id)));
    expect(await p.call('shh_getPublicKey', alice.id)).toBe(alice.publicKey);
    expect(await p.call('shh_getPublicKey', alice.id)).not.toBe(toHex(publicKeyOf(planted)));
    expect((await p.raw('shh_getPrivateKey', [alice.id])).error).toBeDefined();
  });
});
