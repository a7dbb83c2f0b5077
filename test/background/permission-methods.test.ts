// shh_getPermissions / shh_revokePermissions (after EIP-2255): a site reads its own grant and can
// disconnect itself, with the same effects as the user's Revoke in the popup.
import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { toHex } from '../../src/core/bytes.ts';
import { Page, approveSite, backgrounds, popup, type Harness } from './fakes.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const start = backgrounds();

async function identity(h: Harness, name: string): Promise<string> {
  let k: Uint8Array;
  do k = randomBytes(32);
  while (k[0] === 0);
  return (await (await h.bg.services).identities.importKey(name, toHex(k))).id;
}

describe('shh_getPermissions', () => {
  it('is [] before connecting; after, one EIP-2255 permission naming the granted identities; only the own', async () => {
    let t = 1_700_000_000_000;
    const h = await start({ now: () => t });
    const alice = await identity(h, 'Alice');
    const a = new Page(h, A);
    const b = new Page(h, B);
    expect(await a.call('shh_getPermissions')).toEqual([]);
    t += 5;
    await approveSite(h, a, [alice]);
    expect(await a.call('shh_getPermissions')).toEqual([
      { invoker: A, parentCapability: 'shh_requestIdentities', date: t, caveats: [{ type: 'restrictReturnedIdentities', value: [alice] }] },
    ]);
    expect(await b.call('shh_getPermissions')).toEqual([]); // another site sees nothing of A's
    expect((await a.raw('shh_getPermissions', [1])).error?.code).toBe(-32602); // geth's arity: none
  });
});

describe('shh_revokePermissions', () => {
  it('disconnects the site as the popup\'s Revoke does: identitiesChanged [], watchers gone, then 4100', async () => {
    const h = await start();
    const alice = await identity(h, 'Alice');
    const a = new Page(h, A);
    const other = new Page(h, A); // another frame of the site hears it too
    await approveSite(h, a, [alice]);
    const key = (await a.call('shh_newSymKey')) as string;
    await a.call('shh_subscribe', 'messages', { symKeyID: key, topics: ['0x01020304'] });
    expect(await (await h.bg.services).watchers.ofOrigin(A)).toHaveLength(1);
    expect(await a.call('shh_revokePermissions', { shh_requestIdentities: {} })).toBeNull();
    for (const p of [a, other]) expect(p.events('identitiesChanged').at(-1)).toEqual({ kind: 'event', event: 'identitiesChanged', data: [] });
    expect(await a.code('shh_getSymKey', key)).toBe(4100);
    expect(await a.call('shh_getPermissions')).toEqual([]);
    expect(await a.call('shh_getIdentities')).toEqual([]);
    expect((await popup(h, 'sites:list', {})).result).toEqual([]);
    expect(await (await h.bg.services).watchers.ofOrigin(A)).toEqual([]);
    // Asking again opens the approval window, as for a site never connected; its keys are still there.
    await approveSite(h, a);
    expect(await a.call('shh_hasSymKey', key)).toBe(true);
  });

  it('revokes only the caller\'s grant; an unconnected site revoking is a no-op; bad requests are -32602 and change nothing', async () => {
    const h = await start();
    const a = new Page(h, A);
    const b = new Page(h, B);
    await approveSite(h, a);
    expect(await b.call('shh_revokePermissions', { shh_requestIdentities: {} })).toBeNull();
    expect(b.events('identitiesChanged')).toEqual([]);
    expect(await a.call('shh_getPermissions')).toHaveLength(1); // B cannot revoke A
    for (const bad of [[], [{}], ['shh_requestIdentities'], [{ eth_accounts: {} }], [{ shh_requestIdentities: true }], [{ shh_requestIdentities: {} }, 1]])
      expect((await a.raw('shh_revokePermissions', bad)).error?.code).toBe(-32602);
    expect(await a.call('shh_getPermissions')).toHaveLength(1);
    expect(a.events('identitiesChanged')).toHaveLength(1); // only the one from connecting
  });

  it('both answer 4100 while the vault is locked, like every method but shh_version', async () => {
    const h = await start();
    const a = new Page(h, A);
    await approveSite(h, a);
    await popup(h, 'vault:lock', {});
    expect(await a.code('shh_getPermissions')).toBe(4100);
    expect(await a.code('shh_revokePermissions', { shh_requestIdentities: {} })).toBe(4100);
    expect((await popup(h, 'sites:list', {})).error?.code).toBe(4100); // still connected, once unlocked
  });
});
