// The page channel (src/rpc/page-channel.ts): its requests are exactly the method table's, each guarded
// by the table's own params check before any handler runs; its frames and its events' data have one
// definition, the one the content bridge relays by and the background serves by.
import { describe, expect, it } from 'vitest';
import type { Handlers, OpOf } from '../../src/rpc/channel.ts';
import { RpcError } from '../../src/rpc/errors.ts';
import { pageChannel, type PageRequests } from '../../src/rpc/page-channel.ts';
import { methodNames, SHH_METHODS, type ShhMethod } from '../../src/rpc/shh-methods.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const requestsAreTheTable: Same<OpOf<PageRequests>, ShhMethod> = true;

/** A server whose handlers record what reached them; `admit` lets everything through unless told. */
function recorder(admit?: (method: string) => void) {
  const reached: string[] = [];
  const handlers = Object.fromEntries(methodNames().map((m) => [m, async () => (reached.push(m), 'ran')])) as unknown as Handlers<PageRequests, void>;
  const server = pageChannel.serve(handlers, admit ? { admit } : {});
  return { reached, handle: (frame: unknown) => server.handle(frame) };
}

// @ts-expect-error a handler table missing a method of the table does not compile
const _missing: Handlers<PageRequests, void> = { shh_version: async () => '6.0' };

describe('the page channel', () => {
  it('serves every method of the table and only through its guard: bad params never reach a handler', async () => {
    expect(requestsAreTheTable).toBe(true);
    const s = recorder();
    let id = 1;
    for (const method of methodNames()) {
      const { arity } = SHH_METHODS[method];
      // The table's refusal, in geth's words; a method without a guard would crash (-32603) or run.
      expect(await s.handle({ kind: 'request', id: id++, method, params: 'x' }), method).toMatchObject({ error: { code: -32602, message: 'non-array args' } });
      const tooMany = Array.from({ length: arity + 1 }, () => 'messages');
      expect(await s.handle({ kind: 'request', id: id++, method, params: tooMany }), method).toMatchObject({ error: { code: -32602, message: `too many arguments, want at most ${arity}` } });
    }
    expect(s.reached).toEqual([]);
    for (const method of methodNames()) {
      const args = Array.from({ length: SHH_METHODS[method].arity }, () => 'messages');
      expect(await s.handle({ kind: 'request', id: id++, method, params: args }), method).toMatchObject({ result: 'ran' });
    }
    expect(s.reached).toEqual(methodNames());
    // geth's subscription rule stays the table's: a kind the shh namespace lacks is -32601.
    expect(await s.handle({ kind: 'request', id: id++, method: 'shh_subscribe', params: ['blocks', {}] })).toMatchObject({ error: { code: -32601, message: 'no "blocks" subscription in shh namespace' } });
  });

  it('admits before the guard, and for names the table lacks', async () => {
    const refused: string[] = [];
    const s = recorder((method) => {
      refused.push(method);
      throw new RpcError(4100, 'not connected');
    });
    expect(await s.handle({ kind: 'request', id: 1, method: 'shh_post', params: 'x' })).toMatchObject({ error: { code: 4100 } });
    expect(await s.handle({ kind: 'request', id: 2, method: 'eth_sendTransaction', params: [] })).toMatchObject({ error: { code: 4100 } });
    expect(refused).toEqual(['shh_post', 'eth_sendTransaction']);
    expect(s.reached).toEqual([]);
  });

  it('takes no unguarded frame: junk is -32600 with an id, nothing without, and no handler runs', async () => {
    const s = recorder();
    const junk = [
      { kind: 'request', id: 1, method: 42 },
      { kind: 'request', id: 2, method: 'x'.repeat(129) },
      { kind: 'request', id: 3, op: 'shh_version' },
      { kind: 'request', id: 4 },
    ];
    for (const f of junk) {
      expect(pageChannel.isRequest(f), JSON.stringify(f)).toBe(false);
      expect(await s.handle(f)).toEqual({ kind: 'response', id: f.id, error: { code: -32600, message: 'invalid page frame' } });
    }
    for (const f of [null, 'x', { kind: 'request', id: -1, method: 'shh_version' }, { kind: 'request', id: 1.5, method: 'shh_version' }, { kind: 'hello', session: 'ab' }, { kind: 'response', id: 1, result: 1 }]) {
      expect(pageChannel.isRequest(f), JSON.stringify(f)).toBe(false);
      expect(await s.handle(f)).toBeUndefined();
    }
    expect(s.reached).toEqual([]);
    // What a page sends: params optional, any method name (refused by the server, not the frame guard).
    for (const f of [{ kind: 'request', id: 0, method: 'shh_version' }, { kind: 'request', id: 1, method: 'eth_accounts', params: [] }, { kind: 'request', id: 2, method: 'shh_post', params: [{}] }])
      expect(pageChannel.isRequest(f), JSON.stringify(f)).toBe(true);
  });

  it('guards what goes to the page: responses, and each event with its data', () => {
    const good = [
      { kind: 'response', id: 1, result: null },
      { kind: 'response', id: 2, error: { code: 4001, message: 'rejected', data: { retryAfterMs: 1000 } } },
      pageChannel.event('connect', { shhVersion: '6.0' }),
      pageChannel.event('disconnect', { code: 4900, message: 'gone' }),
      pageChannel.event('identitiesChanged', [{ id: 'i', name: 'Me', publicKey: '0x04' }]),
      pageChannel.event('identitiesChanged', []),
      pageChannel.event('shh_subscription', { subscription: '0xab', result: { hash: '0x01' }, seq: 3 }),
      pageChannel.event('shh_subscription', { subscription: '0xab', result: { hash: '0x01' } }),
      pageChannel.event('shh_postProgress', { postId: 'p', hashes: 10, expectedHashes: 100, bestPow: 0.1, targetPow: 0.2, elapsedMs: 5 }),
    ];
    for (const f of good) expect(pageChannel.isResponse(f) || pageChannel.isEvent(f), JSON.stringify(f)).toBe(true);
    const bad = [
      { kind: 'response', id: 1 },
      { kind: 'response', id: -1, result: 1 },
      { kind: 'response', id: 1, error: { message: 'no code' } },
      { kind: 'event', event: 'evil', data: {} },
      { kind: 'event', event: 'connect', data: {} },
      { kind: 'event', event: 'disconnect', data: { code: 4900 } },
      { kind: 'event', event: 'identitiesChanged', data: [{ id: 'i' }] },
      { kind: 'event', event: 'shh_subscription', data: { result: {} } },
      { kind: 'event', event: 'shh_subscription', data: { subscription: '0xab', result: {}, seq: -1 } },
      { kind: 'event', event: 'shh_postProgress', data: { postId: 'p', hashes: '10' } },
      { kind: 'request', id: 1, method: 'shh_version' },
    ];
    for (const f of bad) expect(pageChannel.isResponse(f) || pageChannel.isEvent(f), JSON.stringify(f)).toBe(false);
  });
});
