// The geth conformance table (test/api/geth-conformance.ts) over a relay process's JSON-RPC, as a
// DApp written for geth would call it: raw JSON over WebSocket (and HTTP for what needs no push).
// Plus what needs two connections: subscriptions belong to theirs, filters to the node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ABSENT, fill, LIKE, makeFixture, ROWS, type Fixture, type Row } from '../api/geth-conformance.ts';
import { cleanup, startRelay, type RelayProcess } from './harness.ts';

type Answer = { result: unknown } | { error: [number, string] };
const answerOf = (m: { result?: unknown; error?: { code: number; message: string } }): Answer =>
  m.error ? { error: [m.error.code, m.error.message] } : { result: m.result };
const body = (id: number, method: string, params: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === ABSENT ? {} : { params }) });

/** A raw JSON-RPC WebSocket: requests by id, notifications ignored. */
async function socket(rpcUrl: string) {
  const ws = new WebSocket(rpcUrl.replace(/^http/, 'ws') + '/');
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const pending = new Map<number, (a: Answer) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (typeof m.id === 'number') pending.get(m.id)?.(answerOf(m));
  });
  let next = 1;
  const send = (method: string, params: unknown) =>
    new Promise<Answer>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      ws.send(body(id, method, params));
    });
  const closed = new Promise((r) => ws.once('close', r));
  return { send, close: async () => (ws.close(), await closed) };
}

let relay: RelayProcess;
let ws: Awaited<ReturnType<typeof socket>>;
let fixture: Fixture;
const http = async (method: string, params: unknown): Promise<Answer> => answerOf((await relay.raw(body(1, method, params))).json as never);
const ok = async (a: Promise<Answer>) => {
  const r = await a;
  if ('error' in r) throw new Error(r.error[1]);
  return r.result;
};

beforeAll(async () => {
  relay = await startRelay();
  ws = await socket(relay.rpcUrl);
  fixture = await makeFixture((m, p) => ok(ws.send(m, p)));
}, 60_000);
afterAll(async () => {
  await ws?.close();
  await cleanup();
});

describe("geth conformance over the relay's JSON-RPC", () => {
  // The relay has a mix layer: its own row for dark: true follows the table.
  const DARK_ROW = 'post (beyond geth): dark: true without a mix layer';
  it.each(ROWS.filter((r) => r.name !== DARK_ROW).map((r) => [r.name, r] as const))('%s', async (_name, row: Row) => {
    const params = fill(row.params, fixture);
    const got = row.transport === 'http' ? await http(row.method, params) : await ws.send(row.method, params);
    const want = row.expect;
    if ('error' in want) expect(got).toEqual({ error: want.error });
    else if ('result' in want) expect(got).toEqual({ result: fill(want.result, fixture) });
    else expect(LIKE[want.like]!((got as { result?: unknown }).result), `${want.like}: ${JSON.stringify(got)}`).toBe(true);
  });

  it('post (beyond geth): dark: true on a relay that knows no other mix is refused, naming what is missing', async () => {
    const row = ROWS.find((r) => r.name === DARK_ROW)!;
    expect(await ws.send(row.method, fill(row.params, fixture))).toEqual({
      error: [-32000, 'dark post not sent: no mix path: a dark post needs 2 relays with mix key records and this node knows 1'],
    });
  });

  it('a second connection cannot cancel a subscription; the one that made it can', async () => {
    const other = await socket(relay.rpcUrl);
    const sub = await ok(ws.send('shh_subscribe', ['messages', { privateKeyID: fixture.$pair }]));
    expect(await other.send('shh_unsubscribe', [sub])).toEqual({ error: [-32000, 'subscription not found'] });
    expect(await http('shh_unsubscribe', [sub])).toEqual({ error: [-32000, 'subscription not found'] });
    expect(await ws.send('shh_unsubscribe', [sub])).toEqual({ result: true });
    await other.close();
  });

  it('a filter outlives the WebSocket that made it; HTTP polls and deletes it', async () => {
    const maker = await socket(relay.rpcUrl);
    const f = await ok(maker.send('shh_newMessageFilter', [{ privateKeyID: fixture.$pair }]));
    await maker.close();
    const polled = await http('shh_getFilterMessages', [f]);
    expect(LIKE.messages!((polled as { result: unknown }).result), JSON.stringify(polled)).toBe(true); // the back-fill: posts above
    expect(await http('shh_deleteMessageFilter', [f])).toEqual({ result: true });
  });
});
