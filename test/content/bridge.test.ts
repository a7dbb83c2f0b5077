// The content script's page bridge (docs/PROTOCOL.md §4) with a fake runtime Port and a real MessageChannel:
// lazy connect, hello first, guards and size bound, in-flight requests answered 4900 on a drop,
// reconnection with a fresh hello and backoff, and a dead extension context.
import { afterEach, describe, expect, it } from 'vitest';
import { startBridge, type Bridge, type RuntimePort } from '../../src/content/bridge.ts';
import { MAX_PAGE_REQUEST_BYTES } from '../../src/rpc/page.ts';

class FakePort implements RuntimePort {
  sent: unknown[] = [];
  private onMsg: ((m: unknown) => void)[] = [];
  private onDisc: (() => void)[] = [];
  disconnected = false;
  postMessage(m: unknown) {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(JSON.parse(JSON.stringify(m))); // Chrome serialises Port messages as JSON
  }
  disconnect() {
    this.disconnected = true;
  }
  onMessage = { addListener: (fn: (m: unknown) => void) => void this.onMsg.push(fn) };
  onDisconnect = { addListener: (fn: () => void) => void this.onDisc.push(fn) };
  /** The background sends a frame. */
  deliver(m: unknown) {
    for (const f of this.onMsg) f(m);
  }
  /** The background goes away (service worker stopped). */
  drop() {
    this.disconnected = true;
    for (const f of this.onDisc) f();
  }
}

const SESSION = '0123456789abcdef0123456789abcdef';
let bridge: Bridge | undefined;
let channels: MessageChannel[] = [];
afterEach(() => {
  bridge?.stop();
  for (const c of channels) c.port2.close();
  channels = [];
});

function setup(opts: { failConnect?: () => boolean; now?: () => number } = {}) {
  const ports: FakePort[] = [];
  const delays: number[] = [];
  const timers: (() => void)[] = [];
  const mc = new MessageChannel();
  channels.push(mc);
  const fromBridge: unknown[] = [];
  mc.port2.onmessage = (e) => fromBridge.push(e.data);
  bridge = startBridge({
    page: mc.port1,
    session: SESSION,
    connect: () => {
      if (opts.failConnect?.()) throw new Error('extension context invalidated');
      const p = new FakePort();
      ports.push(p);
      return p;
    },
    setTimeout: (fn, ms) => {
      delays.push(ms);
      timers.push(fn);
    },
    ...(opts.now ? { now: opts.now } : {}),
  });
  const page = (frame: unknown) => mc.port2.postMessage(frame);
  const runTimers = () => {
    for (const t of timers.splice(0)) t();
  };
  return { ports, delays, runTimers, page, fromBridge };
}
// MessagePort delivery is asynchronous (a macrotask in Node).
const settle = () => new Promise((r) => setTimeout(r, 10));
const req = (id: number, method = 'shh_version', params?: unknown) =>
  params === undefined ? { kind: 'request', id, method } : { kind: 'request', id, method, params };

describe('content bridge', () => {
  it('opens no Port until the first request, then says hello first', async () => {
    const s = setup();
    await settle();
    expect(s.ports).toHaveLength(0);
    s.page(req(1));
    s.page(req(2, 'shh_post', [{ ttl: 7 }]));
    await settle();
    expect(s.ports).toHaveLength(1);
    expect(s.ports[0]?.sent).toEqual([{ kind: 'hello', session: SESSION }, req(1), req(2, 'shh_post', [{ ttl: 7 }])]);
  });

  it('relays guarded responses and events to the page, drops the rest', async () => {
    const s = setup();
    s.page(req(1));
    await settle();
    const port = s.ports[0] as FakePort;
    port.deliver({ kind: 'response', id: 1, result: '6.0' });
    port.deliver({ kind: 'event', event: 'shh_subscription', data: { subscription: 'a', result: {} } });
    for (const bad of [null, 'x', { kind: 'response', id: -1, result: 1 }, { kind: 'response', id: 2 }, { kind: 'event', event: 'evil' }, { kind: 'hello' }])
      port.deliver(bad);
    await settle();
    expect(s.fromBridge).toEqual([
      { kind: 'response', id: 1, result: '6.0' },
      { kind: 'event', event: 'shh_subscription', data: { subscription: 'a', result: {} } },
    ]);
  });

  it('answers malformed requests with an id, drops those without, strips extra fields', async () => {
    const s = setup();
    s.page({ kind: 'request', id: 4, method: 7 });
    s.page({ kind: 'request', method: 'shh_version' });
    s.page({ kind: 'hello', session: 'f'.repeat(32) }); // a page cannot speak for the content script
    s.page('shh_version');
    s.page({ ...req(5), origin: 'https://bank.example', extra: 1 });
    await settle();
    expect(s.fromBridge).toEqual([{ kind: 'response', id: 4, error: { code: -32600, message: 'Invalid request' } }]);
    expect(s.ports[0]?.sent).toEqual([{ kind: 'hello', session: SESSION }, req(5)]);
  });

  it('refuses requests above the size bound without forwarding them', async () => {
    const s = setup();
    s.page(req(1, 'shh_post', ['x'.repeat(MAX_PAGE_REQUEST_BYTES)]));
    await settle();
    expect(s.ports).toHaveLength(0);
    expect(s.fromBridge).toEqual([{ kind: 'response', id: 1, error: { code: -32600, message: 'Invalid request: too large' } }]);
  });

  it('a dropped Port: in-flight requests get 4900, the next Port says hello again and carries the queue', async () => {
    const s = setup();
    s.page(req(1));
    s.page(req(2));
    await settle();
    const first = s.ports[0] as FakePort;
    first.deliver({ kind: 'response', id: 1, result: '6.0' });
    first.drop();
    s.page(req(3));
    await settle();
    expect(s.fromBridge).toEqual([
      { kind: 'response', id: 1, result: '6.0' },
      { kind: 'response', id: 2, error: { code: 4900, message: expect.stringContaining('Disconnected') } },
    ]);
    expect(s.delays).toEqual([0]); // the Port had spoken: reconnect at once
    s.runTimers();
    expect(s.ports).toHaveLength(2);
    expect(s.ports[1]?.sent).toEqual([{ kind: 'hello', session: SESSION }, req(3)]);
  });

  it('backs off while new Ports drop before saying anything, and resets when one speaks', async () => {
    const s = setup();
    s.page(req(1));
    await settle();
    for (let i = 0; i < 6; i++) {
      s.ports[s.ports.length - 1]?.drop();
      s.runTimers();
    }
    expect(s.delays).toEqual([0, 250, 1000, 5000, 30_000, 30_000]);
    const last = s.ports[s.ports.length - 1] as FakePort;
    last.deliver({ kind: 'event', event: 'connect', data: { shhVersion: '6.0' } }); // as the background sends it: event data is guarded
    last.drop();
    expect(s.delays.at(-1)).toBe(0);
  });

  it('a Port that stayed up a while and then dropped (the worker stopped) reconnects at once, even if it never spoke', async () => {
    let now = 1_000_000;
    const s = setup({ now: () => now });
    s.page(req(1));
    await settle();
    s.ports[0]?.drop(); // dropped at once: backs off
    for (let i = 0; i < 6; i++) {
      s.runTimers();
      now += 5_000; // an idle document: its Port hears nothing, then the worker is stopped
      s.ports[s.ports.length - 1]?.drop();
    }
    expect(s.delays).toEqual([0, 0, 0, 0, 0, 0, 0]);
    s.runTimers();
    s.ports[s.ports.length - 1]?.drop(); // dropped at once again: back off again
    s.runTimers();
    s.ports[s.ports.length - 1]?.drop();
    expect(s.delays.slice(-2)).toEqual([0, 250]);
  });

  it('hands the page each message of a subscription once, across Ports: it keeps the last number per watcher, strips it, and says it in the next hello', async () => {
    const s = setup();
    s.page(req(1));
    await settle();
    const msg = (subscription: string, hash: string, seq: number) => ({ kind: 'event', event: 'shh_subscription', data: { subscription, result: { hash, payload: '0x01' }, seq } });
    (s.ports[0] as FakePort).deliver(msg('0xaa', '0x01', 1));
    (s.ports[0] as FakePort).deliver(msg('0xaa', '0x01', 1));
    (s.ports[0] as FakePort).deliver(msg('0xaa', '0x02', 2));
    s.ports[0]?.drop(); // a worker stopped before it knew the page had 0x02 sends it again after the restart
    s.runTimers();
    const second = s.ports[1] as FakePort;
    expect(second.sent[0]).toEqual({ kind: 'hello', session: SESSION, cursors: { '0xaa': 2 } });
    second.deliver(msg('0xaa', '0x02', 2)); // the replay: same number, dropped
    second.deliver(msg('0xaa', '0x03', 3));
    second.deliver(msg('0xbb', '0x01', 1)); // another subscription of the same document
    second.deliver({ kind: 'event', event: 'shh_subscription', data: { subscription: '0xcc', result: { hash: '0x09' } } }); // not numbered: passed as is
    await settle();
    const got = s.fromBridge.filter((f) => (f as { kind: string }).kind === 'event').map((f) => (f as { data: { subscription: string; result: { hash: string } } }).data);
    expect(got.map((d) => `${d.subscription} ${d.result.hash}`)).toEqual(['0xaa 0x01', '0xaa 0x02', '0xaa 0x03', '0xbb 0x01', '0xcc 0x09']);
    expect(got.every((d) => !('seq' in d))).toBe(true);
  });

  it('hands the page each message of a polled filter once, across Ports', async () => {
    const s = setup();
    const m = (hash: string, seq: number) => ({ hash, payload: '0x01', seq });
    s.page(req(1, 'shh_getFilterMessages', ['f1']));
    await settle();
    (s.ports[0] as FakePort).deliver({ kind: 'response', id: 1, result: [m('0x01', 1), m('0x02', 2)] });
    s.ports[0]?.drop(); // the worker stopped before it knew the page had them: it hands them out again
    s.runTimers();
    s.page(req(2, 'shh_getFilterMessages', ['f1']));
    s.page(req(3, 'shh_getFilterMessages', ['f2']));
    s.page(req(4, 'shh_getMessages', ['f1'])); // not a poll: passed as is
    await settle();
    const second = s.ports[1] as FakePort;
    expect(second.sent[0]).toEqual({ kind: 'hello', session: SESSION, cursors: { f1: 2 } });
    second.deliver({ kind: 'response', id: 2, result: [m('0x02', 2), m('0x03', 3)] });
    second.deliver({ kind: 'response', id: 3, result: [m('0x01', 1)] });
    second.deliver({ kind: 'response', id: 4, result: [m('0x01', 1)] });
    await settle();
    const answer = (id: number) => (s.fromBridge.find((f) => (f as { id: number }).id === id) as { result: { hash: string; seq?: number }[] }).result;
    const hashes = (id: number) => answer(id).map((x) => x.hash);
    expect([hashes(1), hashes(2), hashes(3), hashes(4)]).toEqual([['0x01', '0x02'], ['0x03'], ['0x01'], ['0x01']]);
    expect([1, 2, 3].flatMap((id) => answer(id)).every((x) => !('seq' in x))).toBe(true);
  });

  it('a dead extension context answers 4900 and tells the page once', async () => {
    const s = setup({ failConnect: () => true });
    s.page(req(1));
    s.page(req(2));
    await settle();
    expect(s.fromBridge).toEqual([
      { kind: 'response', id: 1, error: { code: 4900, message: 'The Whisper extension is not available' } },
      { kind: 'event', event: 'disconnect', data: { code: 4900, message: 'The Whisper extension is not available' } },
      { kind: 'response', id: 2, error: { code: 4900, message: 'The Whisper extension is not available' } },
    ]);
  });
});
