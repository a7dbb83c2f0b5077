// Node queries (src/rpc/node-queries.ts) from a page: the method table's 'query' rows go through the
// pipeline, the shh_* API and NodeProxy to the peer channel as ops of their own name, and are answered
// by the Whisper service's handlers (FakePeer runs the real ones over its `service`).
import { describe, expect, it } from 'vitest';
import { backgrounds, connectedPage } from './fakes.ts';
import { isNodeQuery } from '../../src/rpc/node-queries.ts';
import { methodNames, SHH_METHODS } from '../../src/rpc/shh-methods.ts';

const A = 'https://a.example';
const start = backgrounds();

describe('node queries from a page', () => {
  it("reach the peer's Whisper service, asked when called (not a pushed status), in geth's format", async () => {
    const h = await start();
    const p = await connectedPage(h, A);
    h.peer.service.peer.peerCount = 11;
    expect(await p.call('net_peerCount')).toBe('0xb');
    expect(await p.call('net_listening')).toBe(true);
    h.peer.service.peer.node.status = 'stopped';
    expect(await p.call('net_listening')).toBe(false);
    const asked = h.peer.requests.filter((r) => isNodeQuery(r.op));
    expect(asked).toEqual([{ op: 'net_peerCount', params: [] }, { op: 'net_listening', params: [] }, { op: 'net_listening', params: [] }]);
  });

  it('bad params are -32602 in geth\'s words before anything reaches the peer', async () => {
    const h = await start();
    const p = await connectedPage(h, A);
    expect((await p.raw('net_peerCount', [1])).error).toEqual({ code: -32602, message: 'too many arguments, want at most 0' });
    expect((await p.raw('net_listening', 'x')).error).toEqual({ code: -32602, message: 'non-array args' });
    expect(h.peer.requests.filter((r) => isNodeQuery(r.op))).toEqual([]);
  });

  it("every 'query' row of the method table names a query", () => {
    const rows = methodNames().filter((m) => SHH_METHODS[m].handler === 'query');
    expect(rows).toContain('net_peerCount');
    for (const m of rows) expect(isNodeQuery(m)).toBe(true);
  });
});
