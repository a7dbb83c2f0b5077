// types/shh.d.ts, the types DApp authors import, against the extension: its method list is exactly
// the method table's page methods (src/rpc/shh-methods.ts, every method but the node settings), so a
// method missing from either fails to compile and fails here; the provider object the extension
// builds has every declared member, and typed DApp calls compile.
import { describe, expect, it } from 'vitest';
import { methodNames, SHH_METHODS, type PageMethod } from '../../src/rpc/shh-methods.ts';
import type { RPC } from '../../src/rpc/errors.ts';
import { createProvider } from '../../src/inpage/provider.ts';
import type { ShhErrorCode, ShhMethod, ShhMethods, ShhProvider, WhisperMessage } from '../../types/shh.d.ts';

// A Record over ShhMethod: tsc fails if the .d.ts gains or loses a method without this list.
const DECLARED: Record<ShhMethod, true> = {
  shh_version: true, shh_requestIdentities: true, shh_getIdentities: true, shh_getPermissions: true, shh_revokePermissions: true, shh_info: true,
  shh_newKeyPair: true, shh_addPrivateKey: true, shh_deleteKeyPair: true, shh_hasKeyPair: true, shh_getPublicKey: true, shh_getPrivateKey: true,
  shh_newSymKey: true, shh_addSymKey: true, shh_generateSymKeyFromPassword: true, shh_hasSymKey: true, shh_getSymKey: true, shh_deleteSymKey: true,
  shh_post: true, shh_subscribe: true, shh_unsubscribe: true, shh_newMessageFilter: true, shh_getFilterMessages: true, shh_deleteMessageFilter: true,
  net_version: true, net_listening: true, net_peerCount: true, shh_cancelPost: true,
};

// Both ways at compile time: a method in the table but not in the .d.ts, or the reverse, is an error here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const tableMatchesTypes: Same<PageMethod, ShhMethod> = true;
// The error codes a page can get are the one table's (src/rpc/errors.ts), but for the JSON parse error,
// which only a relay's HTTP clients can cause.
const codesMatch: Same<Exclude<(typeof RPC)[keyof typeof RPC], typeof RPC.parseError>, ShhErrorCode> = true;

describe('types/shh.d.ts', () => {
  it('declares exactly the methods a page may call: the method table without the node settings', () => {
    expect(tableMatchesTypes).toBe(true);
    expect(codesMatch).toBe(true);
    const pageMethods = methodNames().filter((m) => SHH_METHODS[m].access !== 'user');
    expect(Object.keys(DECLARED).sort()).toEqual(pageMethods.sort());
    expect(Object.keys(DECLARED)).not.toContain('shh_setMinPoW'); // node settings are the user's (4100)
  });

  it('the extension\'s provider has every declared member, and typed calls reach it as request frames', async () => {
    const frames: unknown[] = [];
    const parts = createProvider((f) => frames.push(f));
    const members: { [K in keyof ShhProvider]: unknown } = parts.provider; // tsc: no declared member is missing
    expect(Object.keys(members).sort()).toEqual(['isWhisper', 'on', 'once', 'removeListener', 'request', 'send', 'sendAsync']);
    const shh = parts.provider as unknown as ShhProvider; // the runtime signatures are untyped (string methods and events)
    const posted = shh.request({ method: 'shh_post', params: [{ symKeyID: 'ab'.repeat(32), topic: '0x01020304', payload: '0x68', powTarget: 0.2, powTime: 5 }] });
    const sent = frames[0] as { id: number; method: string };
    expect(sent).toMatchObject({ kind: 'request', method: 'shh_post' });
    parts.onFrame({ kind: 'response', id: sent.id, result: '0x' + '00'.repeat(32) });
    const hash: `0x${string}` = await posted;
    expect(hash).toMatch(/^0x0{64}$/);
    const got: WhisperMessage[] = [];
    shh.on('message', (m) => got.push(m.data.result));
    const msg: WhisperMessage = { ttl: 60, timestamp: 1, topic: '0x01020304', payload: '0x68', padding: '0x00', pow: 1, hash: '0x00' };
    parts.onFrame({ kind: 'event', event: 'shh_subscription', data: { subscription: 's', result: msg } });
    await new Promise((r) => setTimeout(r, 10)); // notifications are emitted on a later task
    expect(got).toEqual([msg]);
    // A wrong parameter shape does not compile:
    // @ts-expect-error shh_subscribe takes ['messages', criteria]
    void shh.request({ method: 'shh_subscribe', params: [{ topics: [] }] });
    const results: ShhMethods['shh_getFilterMessages']['result'] = [];
    expect(results).toEqual([]);
  });
});
