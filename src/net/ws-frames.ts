// One WebSocket message per Noise frame. @libp2p/websockets 10 sends every chunk of what it is given
// as its own WebSocket message, and Noise hands it each encrypted frame as two chunks (the 2-byte
// length, then the ciphertext): two WebSocket messages, two writes to the socket, for every frame.
// This wraps the transport so each connection joins what one send gives it into a single message
// before the transport's own sendData (back-pressure accounting unchanged). The bytes on the wire
// are the same stream; only the WebSocket framing around them changes, which libp2p never reads.
// Invariants: applied only to connections that have the transport's `websocket` and `sendData`;
// anything else passes through untouched. test/net/ws-frames.test.ts counts the messages.

import type { MultiaddrConnection, Transport, Upgrader } from '@libp2p/interface';

/** What one send hands sendData: Uint8ArrayList's iterable chunks and total length. */
interface Chunks extends Iterable<Uint8Array> {
  readonly byteLength: number;
}

interface WebSocketConn {
  websocket: unknown;
  sendData(data: Chunks): unknown;
}

function join(data: Chunks): Chunks {
  const parts = [...data];
  if (parts.length <= 1) return data;
  const one = new Uint8Array(data.byteLength);
  let at = 0;
  for (const p of parts) {
    one.set(p, at);
    at += p.length;
  }
  return Object.assign([one], { byteLength: one.byteLength });
}

/** Makes one connection send each sendData call as one WebSocket message; true if it applied. */
export function oneMessagePerSend(maConn: MultiaddrConnection): boolean {
  const c = maConn as unknown as Partial<WebSocketConn>;
  if (c.websocket === undefined || typeof c.sendData !== 'function') return false;
  const sendData = c.sendData.bind(c);
  c.sendData = (data: Chunks) => sendData(join(data));
  return true;
}

function wrapUpgrader(upgrader: Upgrader): Upgrader {
  return new Proxy(upgrader, {
    get(target, prop) {
      if (prop === 'upgradeInbound' || prop === 'upgradeOutbound') {
        const f = target[prop].bind(target) as (maConn: MultiaddrConnection, opts: unknown) => Promise<unknown>;
        return (maConn: MultiaddrConnection, opts: unknown) => {
          oneMessagePerSend(maConn);
          return f(maConn, opts);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Wraps a WebSocket transport factory (`webSockets(...)`) so its connections send one message per Noise frame. */
export function oneMessagePerFrame<C>(factory: (components: C) => Transport): (components: C) => Transport {
  return (components) => {
    const t = factory(components);
    const dial = t.dial.bind(t);
    const createListener = t.createListener.bind(t);
    t.dial = (ma, options) => dial(ma, { ...options, upgrader: wrapUpgrader(options.upgrader) });
    t.createListener = (options) => createListener({ ...options, upgrader: wrapUpgrader(options.upgrader) });
    return t;
  };
}
