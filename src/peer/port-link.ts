// The offscreen document's end of the PeerChannel Port (ext design, Chrome): connects a runtime
// Port PEER_PORT to the service worker and reconnects whenever it drops. Connecting is what wakes a
// stopped worker, so a restart costs one reconnect. Events are queued while no Port is up and flushed
// after the `hello` frame, so the background misses nothing; answers go back on the Port that asked.
// The event frames of one turn leave as one message, an array of frames (a catch-up batch pools
// hundreds of envelopes in one turn, and each postMessage is a copy and an IPC hop); anything else
// posted first sends what waits, so the background sees the frames in the order they were made.

import type { PeerFrame } from '../rpc/peer.ts';

/** The part of chrome.runtime.Port this link uses. */
export interface RuntimePort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export interface PortLinkInit {
  /** chrome.runtime.connect({name: PEER_PORT}); may throw while the extension reloads. */
  connect: () => RuntimePort;
  /** One frame from the background; `reply` answers on the Port it came from. */
  onFrame: (frame: unknown, reply: (frame: PeerFrame) => void) => void;
  /** The first frame on every new Port. */
  hello: () => PeerFrame;
  /**
   * Keepalive period. An MV3 service worker is stopped after 30 s without extension events; a
   * message arriving on a Port is such an event. The peer may have envelopes to report at any
   * moment (to subscriptions pages hold open), so a frame every 20 s keeps the worker that routes
   * them alive instead of letting it die and restart between envelopes, dropping every page's Port.
   */
  keepaliveMs?: number;
  /** Reconnect backoff bounds (default 100 ms doubling to 5 s). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Most event frames kept while disconnected; the oldest go first (the background can rebuild
   * its view with the `envelopes` op after `hello`). */
  maxQueue?: number;
}

export class PortLink {
  readonly #init: PortLinkInit;
  readonly #queue: PeerFrame[] = [];
  /** Event frames of this turn, posted together at its end. */
  #outbox: PeerFrame[] = [];
  #port: RuntimePort | undefined;
  #keepalive: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #delay: number;
  #running = false;
  /** Frames dropped from a full queue since the last reconnect. */
  dropped = 0;
  connects = 0;

  constructor(init: PortLinkInit) {
    this.#init = init;
    this.#delay = init.reconnectMinMs ?? 100;
  }

  get connected(): boolean {
    return this.#port !== undefined;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connect();
    this.#keepalive = setInterval(() => this.#post({ kind: 'keepalive' }), this.#init.keepaliveMs ?? 20_000);
  }

  stop(): void {
    this.#running = false;
    clearInterval(this.#keepalive);
    clearTimeout(this.#retry);
    const port = this.#port;
    this.#port = undefined;
    try {
      port?.disconnect();
    } catch {
      // already gone
    }
  }

  /** Sends an event frame at the end of this turn, or queues it until a Port is up. */
  send(frame: PeerFrame): void {
    if (this.#port === undefined) return this.#enqueue(frame);
    if (this.#outbox.push(frame) === 1) queueMicrotask(this.#flush);
  }

  #enqueue(frame: PeerFrame): void {
    this.#queue.push(frame);
    const max = this.#init.maxQueue ?? 10_000;
    while (this.#queue.length > max) {
      this.#queue.shift();
      this.dropped++;
    }
  }

  readonly #flush = (): void => {
    const frames = this.#outbox;
    if (frames.length === 0) return;
    this.#outbox = [];
    if (this.#postMessage(frames.length === 1 ? frames[0]! : frames)) return;
    for (const f of frames) this.#enqueue(f);
  };

  #connect(): void {
    if (!this.#running) return;
    let port: RuntimePort;
    try {
      port = this.#init.connect();
    } catch {
      return this.#scheduleReconnect();
    }
    this.#port = port;
    this.connects++;
    port.onMessage.addListener((m) => {
      if (this.#port !== port) return;
      // A frame means the worker is listening: the next drop starts the backoff afresh.
      this.#delay = this.#init.reconnectMinMs ?? 100;
      this.#init.onFrame(m, (reply) => {
        if (this.#port === port) this.#post(reply);
      });
    });
    port.onDisconnect.addListener(() => {
      if (this.#port !== port) return;
      this.#port = undefined;
      this.#scheduleReconnect();
    });
    // hello goes first on a new Port: frames of this turn not posted yet wait behind the queue.
    for (const f of this.#outbox.splice(0)) this.#enqueue(f);
    if (!this.#postMessage(this.#init.hello())) return;
    while (this.#queue.length && this.#port === port) {
      if (!this.#post(this.#queue[0]!)) return;
      this.#queue.shift();
    }
    this.dropped = 0;
  }

  /** Posts on the current Port after this turn's events; false (and the Port given up) when it throws. */
  #post(frame: PeerFrame): boolean {
    this.#flush();
    return this.#postMessage(frame);
  }

  #postMessage(message: PeerFrame | PeerFrame[]): boolean {
    const port = this.#port;
    if (!port) return false;
    try {
      port.postMessage(message);
      return true;
    } catch {
      this.#port = undefined;
      this.#scheduleReconnect();
      return false;
    }
  }

  #scheduleReconnect(): void {
    if (!this.#running || this.#retry !== undefined) return;
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, this.#init.reconnectMaxMs ?? 5000);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect();
    }, delay);
  }
}
