import { describe, expect, it } from 'vitest';
import { PortPeerChannel, OFFSCREEN_URL } from '../../src/background/peer-port.ts';
import { PEER_PORT } from '../../src/rpc/peer.ts';
import { RpcError } from '../../src/rpc/errors.ts';
import { EXT_ID, EXT_URL, FakePort, fakeExtension } from './fakes.ts';

function setup(o: { contexts?: unknown[]; connectTimeoutMs?: number; requestTimeoutMs?: number } = {}) {
  const ext = fakeExtension();
  const created: string[] = [];
  const api = {
    runtime: { ...ext.runtime, getContexts: async () => o.contexts ?? [] },
    offscreen: { createDocument: async (p: { url: string; reasons: string[] }) => void created.push(`${p.url}:${p.reasons.join()}`) },
  };
  const ch = new PortPeerChannel({ api, connectTimeoutMs: o.connectTimeoutMs ?? 50, requestTimeoutMs: o.requestTimeoutMs ?? 100 });
  const connect = (url = EXT_URL + OFFSCREEN_URL, id = EXT_ID) => {
    const port = new FakePort(PEER_PORT, { id, url });
    expect(ch.accept(port)).toBe(true);
    return port;
  };
  return { ch, created, connect };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RpcError);
    return (e as RpcError).code;
  }
  throw new Error('expected a rejection');
}

describe('PortPeerChannel (Chrome)', () => {
  it('creates the offscreen document for WEB_RTC when absent, and not when it exists', async () => {
    const a = setup();
    await a.ch.ensureOffscreen();
    expect(a.created).toEqual(['offscreen.html:WEB_RTC']);
    const b = setup({ contexts: [{ contextType: 'OFFSCREEN_DOCUMENT' }] });
    await b.ch.ensureOffscreen();
    expect(b.created).toEqual([]);
  });

  it('is 4900 when no peer host says hello in time, or when it never answers', async () => {
    const { ch, connect } = setup();
    expect(await code(ch.request('status', {}))).toBe(4900);
    const port = connect();
    port.send({ kind: 'hello', peerId: 'p' });
    expect(await code(ch.request('status', {}))).toBe(4900); // sent, never answered
    expect(port.received).toHaveLength(1);
  });

  it('answers requests, forwards events after hello, and fails pending requests with 4900 when the Port drops', async () => {
    const { ch, connect } = setup({ requestTimeoutMs: 5000 });
    const hellos: string[] = [];
    ch.onConnect((id) => hellos.push(id));
    const events: unknown[] = [];
    ch.on('envelope', (d) => events.push(d));
    const port = connect();
    port.send({ kind: 'event', event: 'envelope', data: { rlp: '0x00', p2p: false } }); // before hello: not yet the peer
    port.send({ kind: 'hello', peerId: 'peer-1' });
    const asked = ch.request('envelopes', {});
    await tick();
    const req = port.received[0] as { id: number; op: string };
    expect(req).toMatchObject({ kind: 'request', op: 'envelopes', params: {} });
    port.send({ kind: 'response', id: req.id, result: { rlps: [] } });
    expect(await asked).toEqual({ rlps: [] });
    port.send({ kind: 'event', event: 'envelope', data: { rlp: '0x01', p2p: true } });
    port.send({ kind: 'event', event: 'bogus', data: {} });
    expect(events).toEqual([{ rlp: '0x01', p2p: true }]);
    const failed = ch.request('post', { rlp: '0x01' });
    await tick();
    const postId = (port.received[1] as { id: number }).id;
    port.send({ kind: 'response', id: postId, error: { code: -32000, message: 'message rejected, PoW too low' } });
    await expect(failed).rejects.toMatchObject({ code: -32000, message: 'message rejected, PoW too low' });
    const hanging = ch.request('status', {});
    await tick();
    port.close();
    expect(await code(hanging)).toBe(4900);
    expect(hellos).toEqual(['peer-1']);
    expect(ch.connected).toBe(false);
  });

  it('takes the event frames of one turn posted as one array, in order, each checked alone', () => {
    const { ch, connect } = setup();
    const events: unknown[] = [];
    ch.on('envelope', (d) => events.push(d));
    const port = connect();
    port.send({ kind: 'hello', peerId: 'peer-1' });
    const env = (rlp: string) => ({ kind: 'event', event: 'envelope', data: { rlp, p2p: false } });
    port.send([env('0x01'), { kind: 'event', event: 'bogus', data: {} }, [env('0x02')], env('0x03')]);
    expect(events).toEqual([env('0x01').data, env('0x03').data]); // the bogus frame and the nested array are dropped
  });

  it('refuses PEER_PORT connections from anything but its own offscreen document', async () => {
    const { ch, connect } = setup();
    const page = connect('https://evil.example/offscreen.html');
    expect(page.disconnected).toBe(true);
    const foreign = connect(EXT_URL + OFFSCREEN_URL, 'another-extension');
    expect(foreign.disconnected).toBe(true);
    expect(ch.accept(new FakePort('shh-page'))).toBe(false);
  });
});
