// Real relay processes on loopback (docs/PROTOCOL.md §5): three in a line, a late joiner, kill -9 and restart,
// hostile requests. Every process is started by the harness and killed by pid afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startRelay, tempDataDir, waitFor, wsClient, type RelayProcess } from './harness.ts';

const TOPIC = '0x5eed0001';
type Info = { memory: number; messages: number; minPow: number; maxMessageSize: number };
type Message = { payload: string; topic: string; hash: string; ttl: number; pow: number };

let a: RelayProcess, b: RelayProcess, c: RelayProcess;
let symKey: string; // hex, shared by every relay's key store
const hashes: string[] = [];

async function addKey(r: RelayProcess): Promise<string> {
  return (await r.rpc('shh_addSymKey', [symKey])) as string;
}

async function post(r: RelayProcess, payload: string, ttl = 300): Promise<string> {
  const id = await addKey(r);
  const hash = (await r.rpc('shh_post', [{ symKeyID: id, ttl, topic: TOPIC, payload, powTime: 10, powTarget: 0.25 }])) as string;
  hashes.push(hash);
  return hash;
}

beforeAll(async () => {
  a = await startRelay();
  b = await startRelay(['--peer', a.addr]);
  c = await startRelay(['--peer', b.addr]);
  const id = (await a.rpc('shh_newSymKey')) as string;
  symKey = (await a.rpc('shh_getSymKey', [id])) as string;
  await waitFor('B connected to A and C', async () => Number(await b.rpc('net_peerCount')) === 2);
}, 60_000);

afterAll(cleanup);

describe('relays in a line A-B-C', () => {
  it('an envelope posted through A reaches a WebSocket subscriber and a filter on C', async () => {
    const sub = await wsClient(c.rpcUrl);
    const keyC = (await sub.call('shh_addSymKey', [symKey])) as string;
    const subId = (await sub.call('shh_subscribe', ['messages', { symKeyID: keyC, topics: [TOPIC] }])) as string;
    expect(typeof subId).toBe('string');
    const filter = (await c.rpc('shh_newMessageFilter', [{ symKeyID: await addKey(c), topics: [TOPIC] }])) as string;

    const hash = await post(a, '0x68656c6c6f'); // "hello"
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    const n = await waitFor('notification on C', async () => sub.notifications.find((x) => x.result.hash === hash));
    expect(n.subscription).toBe(subId);
    expect(n.result).toMatchObject({ payload: '0x68656c6c6f', topic: TOPIC, ttl: 300, hash });
    expect((n.result as unknown as Message).pow).toBeGreaterThanOrEqual(0.2);
    const msgs = (await c.rpc('shh_getFilterMessages', [filter])) as Message[];
    expect(msgs.map((m) => m.hash)).toEqual([hash]);
    expect(sub.notifications.filter((x) => x.result.hash === hash)).toHaveLength(1); // once
    sub.close();
  }, 30_000);

  it('a relay started late catches up from the others', async () => {
    await post(b, '0x02');
    await waitFor('A and C have both envelopes', async () =>
      ((await a.rpc('shh_info')) as Info).messages === 2 && ((await c.rpc('shh_info')) as Info).messages === 2);
    const d = await startRelay(['--peer', c.addr]);
    await waitFor('D caught up', async () => ((await d.rpc('shh_info')) as Info).messages === 2);
    const f = (await d.rpc('shh_newMessageFilter', [{ symKeyID: await addKey(d), topics: [TOPIC] }])) as string;
    const got = (await d.rpc('shh_getFilterMessages', [f])) as Message[];
    expect(got.map((m) => m.hash).sort()).toEqual([...hashes].sort());
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  }, 40_000);

  it('a relay killed with SIGKILL and restarted still has its envelopes', async () => {
    const before = (await c.rpc('shh_info')) as Info;
    expect(before.messages).toBe(hashes.length);
    c.child.kill('SIGKILL');
    expect((await c.exited).signal).toBe('SIGKILL');
    // Alone (no --peer): only the disk can give the envelopes back.
    const c2 = await startRelay([], c.data);
    const info = (await c2.rpc('shh_info')) as Info;
    expect(info.messages).toBe(hashes.length);
    expect(info.memory).toBe(before.memory);
    expect(c2.addr.split('/p2p/')[1]).toBe(c.addr.split('/p2p/')[1]); // same identity
    const f = (await c2.rpc('shh_newMessageFilter', [{ symKeyID: await addKey(c2), topics: [TOPIC] }])) as string;
    const got = (await c2.rpc('shh_getFilterMessages', [f])) as Message[];
    expect(got.map((m) => m.hash).sort()).toEqual([...hashes].sort());
    c2.child.kill('SIGINT');
    expect(await c2.exited).toEqual({ code: 0, signal: null });
  }, 40_000);
});

describe('hostile requests get JSON-RPC errors, never a crash', () => {
  it.each([
    ['{', -32700],
    ['[]', -32600],
    ['{"jsonrpc":"2.0","id":1}', -32600],
    ['{"jsonrpc":"2.0","id":1,"method":"eth_sendTransaction","params":[]}', -32601],
    ['{"jsonrpc":"2.0","id":1,"method":"shh_post","params":[]}', -32602],
    ['{"jsonrpc":"2.0","id":1,"method":"shh_post","params":[{"topic":"0x01020304","payload":"0x"}]}', -32000], // geth: no key given
    ['{"jsonrpc":"2.0","id":1,"method":"shh_post","params":["x"]}', -32602],
    ['{"jsonrpc":"2.0","id":1,"method":"shh_addSymKey","params":["0x1234"]}', -32000],
    ['{"jsonrpc":"2.0","id":1,"method":"shh_getFilterMessages","params":["00"]}', -32000],
    ['{"jsonrpc":"2.0","id":1,"method":"shh_subscribe","params":["messages",{}]}', -32000],
    ['{"jsonrpc":"2.0","id":1,"method":"shh_setMaxMessageSize","params":[2000000]}', -32000],
  ])('%s -> %i', async (body, code) => {
    const { json } = await a.raw(body);
    expect((json as { error: { code: number } }).error.code).toBe(code);
  });

  it('a below-minimum PoW post is refused with geth\'s text, and the relay still serves', async () => {
    const id = (await a.rpc('shh_newSymKey')) as string;
    await expect(a.rpc('shh_post', [{ symKeyID: id, ttl: 60, topic: TOPIC, payload: '0x01', powTime: 1, powTarget: 0.01 }])).rejects.toThrow(
      /PoW too low/,
    );
    const ws = await wsClient(a.rpcUrl);
    ws.ws.send('\u0000\u0001 not json');
    ws.ws.send(Buffer.alloc(100, 0xff), { binary: true });
    await expect(ws.call('shh_version')).resolves.toBe('6.0');
    ws.close();
    expect(a.child.exitCode).toBeNull();
    expect(await a.rpc('net_listening')).toBe(true);
  });
});

describe('relay command line', () => {
  it('bad values exit 2 with one line naming the flag', async () => {
    await expect(startRelay(['--max-size', '2000000'], tempDataDir())).rejects.toThrow(/exited with 2 .*--max-size/s);
  });
});
