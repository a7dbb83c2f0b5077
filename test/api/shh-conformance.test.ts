// The geth conformance table (test/api/geth-conformance.ts) over ShhApi, the layer window.shh and the
// relay both run: as the relay's operator (admin) and as a page. Plus the ownership rules that need
// two sessions: subscriptions belong to their connection, filters to the node (relay) or the page.
import { randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { ShhApi, type CallContext } from '../../src/api/shh.ts';
import { rolesOf } from '../../src/api/node.ts';
import { RpcError } from '../../src/rpc/errors.ts';
import { ABSENT, fill, LIKE, makeFixture, ROWS, type Row } from './geth-conformance.ts';
import { MemoryNode } from './memory-node.ts';

const push = (session: string): CallContext => ({ session, notify: () => undefined });
const http: CallContext = { session: 'http' };

async function answer(api: ShhApi, row: Row, params: unknown): Promise<{ result: unknown } | { error: [number, string] }> {
  const ctx = row.transport === 'http' ? http : push('ws-1');
  try {
    return { result: await api.call(row.method, params === ABSENT ? undefined : params, ctx) };
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    return { error: [e.code, e.message] };
  }
}

for (const admin of [true, false]) {
  describe(`geth conformance over ShhApi (${admin ? "the relay's operator" : 'a page'})`, async () => {
    const node = new MemoryNode();
    const api = new ShhApi({ node: rolesOf(node, admin ? node : undefined), randomBytes });
    api.start();
    const fixture = await makeFixture((m, p) => api.call(m, p, push('ws-1')));
    it.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
      const got = await answer(api, row, fill(row.params, fixture));
      if (row.admin && !admin) return expect((got as { error?: [number, string] }).error?.[0]).toBe(4100);
      const want = row.expect;
      if ('error' in want) expect(got).toEqual({ error: want.error });
      else if ('result' in want) expect(got).toEqual({ result: fill(want.result, fixture) });
      else {
        expect(got).toHaveProperty('result');
        expect(LIKE[want.like]!((got as { result: unknown }).result), `${want.like}: ${JSON.stringify(got)}`).toBe(true);
      }
    });
  });
}

describe('ownership (geth: subscriptions are the connection\'s, filters the node\'s)', () => {
  const setup = async (admin: boolean) => {
    const node = new MemoryNode();
    const api = new ShhApi({ node: rolesOf(node, admin ? node : undefined), randomBytes });
    const a = push('ws-a');
    const pair = await api.call('shh_newKeyPair', [], a);
    return { api, a, pair };
  };
  it('another connection cannot cancel a subscription ("subscription not found"); its own can', async () => {
    const { api, a, pair } = await setup(true);
    const sub = await api.call('shh_subscribe', ['messages', { privateKeyID: pair }], a);
    await expect(api.call('shh_unsubscribe', [sub], push('ws-b'))).rejects.toMatchObject({ code: -32000, message: 'subscription not found' });
    await expect(api.call('shh_unsubscribe', [sub], http)).rejects.toMatchObject({ message: 'subscription not found' });
    expect(await api.call('shh_unsubscribe', [sub], a)).toBe(true);
  });
  it('relay: a filter outlives the connection that made it and never expires; any connection polls it', async () => {
    const { api, a, pair } = await setup(true);
    const f = await api.call('shh_newMessageFilter', [{ privateKeyID: pair }], a);
    api.endSession('ws-a');
    expect(await api.call('shh_getFilterMessages', [f], push('ws-b'))).toEqual([]);
    expect(await api.call('shh_deleteMessageFilter', [f], http)).toBe(true);
  });
  it('page: its filters end with the page (endSession), as its subscriptions do', async () => {
    const { api, a, pair } = await setup(false);
    const f = await api.call('shh_newMessageFilter', [{ privateKeyID: pair }], a);
    api.endSession('ws-a');
    await expect(api.call('shh_getFilterMessages', [f], a)).rejects.toMatchObject({ message: 'filter not found' });
  });
});
