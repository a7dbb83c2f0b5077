import { afterEach, describe, expect, it } from 'vitest';
import { PortLink, type RuntimePort } from '../../src/peer/port-link.ts';
import type { PeerFrame } from '../../src/rpc/peer.ts';
import { waitFor } from '../net/helpers.ts';

/** A runtime Port as the service worker would hold the other end of it. */
class FakePort implements RuntimePort {
  sent: unknown[] = [];
  open = true;
  #onMessage: Array<(m: unknown) => void> = [];
  #onDisconnect: Array<() => void> = [];
  onMessage = { addListener: (fn: (m: unknown) => void) => void this.#onMessage.push(fn) };
  onDisconnect = { addListener: (fn: () => void) => void this.#onDisconnect.push(fn) };
  postMessage(m: unknown): void {
    if (!this.open) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(structuredClone(m));
  }
  disconnect(): void {
    this.open = false;
  }
  /** The worker went away (restart): Chrome fires onDisconnect on our end. */
  drop(): void {
    this.open = false;
    for (const fn of this.#onDisconnect) fn();
  }
  deliver(m: unknown): void {
    for (const fn of this.#onMessage) fn(m);
  }
}

const ev = (n: number): PeerFrame => ({ kind: 'event', event: 'sealProgress', data: { sealId: 's', hashes: n, bestPow: 0, elapsedMs: 0 } });
const hello: PeerFrame = { kind: 'hello', peerId: 'me' };

let link: PortLink | undefined;
afterEach(() => link?.stop());

function setup(opts: { refuse?: () => boolean; keepaliveMs?: number; maxQueue?: number } = {}) {
  const ports: FakePort[] = [];
  const frames: unknown[] = [];
  link = new PortLink({
    connect: () => {
      if (opts.refuse?.()) throw new Error('Could not establish connection');
      const p = new FakePort();
      ports.push(p);
      return p;
    },
    onFrame: (f, reply) => {
      frames.push(f);
      reply({ kind: 'response', id: (f as { id: number }).id, result: 'ok' });
    },
    hello: () => hello,
    keepaliveMs: opts.keepaliveMs ?? 60_000,
    reconnectMinMs: 5,
    reconnectMaxMs: 20,
    ...(opts.maxQueue ? { maxQueue: opts.maxQueue } : {}),
  });
  link.start();
  return { ports, frames, link };
}

describe('PortLink', () => {
  it('says hello first, then sends events and answers on the Port that asked', () => {
    const { ports, frames, link } = setup();
    link.send(ev(1));
    ports[0]!.deliver({ kind: 'request', id: 9, op: 'status', params: {} });
    expect(frames).toEqual([{ kind: 'request', id: 9, op: 'status', params: {} }]);
    expect(ports[0]!.sent).toEqual([hello, ev(1), { kind: 'response', id: 9, result: 'ok' }]);
  });

  it('posts the event frames of one turn as one message, in order, after what was posted before', async () => {
    const { ports, link } = setup();
    link.send(ev(1));
    link.send(ev(2));
    link.send(ev(3));
    expect(ports[0]!.sent).toEqual([hello]); // they leave at the end of the turn
    await Promise.resolve();
    expect(ports[0]!.sent).toEqual([hello, [ev(1), ev(2), ev(3)]]);
    link.send(ev(4));
    await Promise.resolve();
    expect(ports[0]!.sent).toEqual([hello, [ev(1), ev(2), ev(3)], ev(4)]);
  });

  it('queues events while the worker is away and flushes them, in order, after hello on the new Port', async () => {
    const { ports, link } = setup();
    ports[0]!.drop();
    expect(link.connected).toBe(false);
    link.send(ev(1));
    link.send(ev(2));
    await waitFor(() => ports.length === 2, 2000, 'reconnect');
    expect(ports[1]!.sent).toEqual([hello, ev(1), ev(2)]);
    expect(ports[0]!.sent).toEqual([hello]);
  });

  it('a reply to a request from a dead Port is not sent on the new one', async () => {
    const ports: FakePort[] = [];
    let answer: ((f: PeerFrame) => void) | undefined;
    link = new PortLink({
      connect: () => {
        const p = new FakePort();
        ports.push(p);
        return p;
      },
      onFrame: (_f, reply) => void (answer = reply),
      hello: () => hello,
      reconnectMinMs: 5,
    });
    link.start();
    ports[0]!.deliver({ kind: 'request', id: 1, op: 'status', params: {} });
    ports[0]!.drop();
    await waitFor(() => ports.length === 2, 2000, 'reconnect');
    answer!({ kind: 'response', id: 1, result: null });
    expect(ports[1]!.sent).toEqual([hello]);
  });

  it('keeps retrying while connect throws (worker not ready), with backoff, and then delivers', async () => {
    let refusals = 3;
    const { ports, link } = setup({ refuse: () => refusals-- > 0 });
    link.send(ev(7));
    expect(ports).toHaveLength(0);
    await waitFor(() => ports.length === 1, 2000, 'connect after refusals');
    expect(ports[0]!.sent).toEqual([hello, ev(7)]);
  });

  it('a Port that throws on post counts as dropped; the frame is kept for the next one', async () => {
    const { ports, link } = setup();
    ports[0]!.open = false; // died without onDisconnect yet
    link.send(ev(3));
    await waitFor(() => ports.length === 2, 2000, 'reconnect');
    expect(ports[1]!.sent).toEqual([hello, ev(3)]);
  });

  it('bounds the queue, dropping the oldest frames', async () => {
    const { ports, link } = setup({ maxQueue: 2 });
    ports[0]!.drop();
    for (let i = 1; i <= 4; i++) link.send(ev(i));
    expect(link.dropped).toBe(2);
    await waitFor(() => ports.length === 2, 2000, 'reconnect');
    expect(ports[1]!.sent).toEqual([hello, ev(3), ev(4)]);
  });

  it('sends keepalive frames on its period', async () => {
    const { ports } = setup({ keepaliveMs: 10 });
    await waitFor(() => ports[0]!.sent.filter((f) => (f as PeerFrame).kind === 'keepalive').length >= 2, 2000, 'keepalives');
  });

  it('stop disconnects and stops reconnecting', async () => {
    const { ports, link } = setup();
    link.stop();
    expect(ports[0]!.open).toBe(false);
    ports[0]!.drop();
    await new Promise((r) => setTimeout(r, 40));
    expect(ports).toHaveLength(1);
  });
});
