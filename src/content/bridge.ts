// The isolated-world page bridge (SPEC §4): relays frames between the page's private MessagePort and
// a runtime Port (PAGE_PORT) to the background, unchanged but guarded and size-bounded. The Port is
// opened on the first request (pages that never use window.shh cost the background nothing), begins
// with a hello carrying this document's session id, and is reopened whenever it drops (the service
// worker restarted); requests in flight on a dropped Port are answered 4900, never replayed.

import { isObject, isSafeId } from '../rpc/guards.ts';
import { MAX_PAGE_REQUEST_BYTES, isPageRequest, isToPage, type FromPage, type PageRequest, type ToPage } from '../rpc/page.ts';

/** The part of `runtime.Port` the bridge uses (Chrome and Firefox agree on it). */
export interface RuntimePort {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (message: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export interface BridgeInit {
  /** Opens a new Port to the background; throws once the extension context is gone. */
  connect: () => RuntimePort;
  /** This side of the MessageChannel whose other port the MAIN world holds. */
  page: MessagePort;
  /** Random per-document id, sent as the first frame of every Port. */
  session: string;
  /** Reconnection delays after consecutive Ports that dropped before saying anything (ms). */
  backoffMs?: readonly number[];
  setTimeout?: (fn: () => void, ms: number) => unknown;
}

export interface Bridge {
  stop(): void;
}

const INVALID = -32600;
const DISCONNECTED = 4900;
const DEFAULT_BACKOFF = [0, 250, 1000, 5000, 30_000];

export function startBridge(init: BridgeInit): Bridge {
  const { page, session } = init;
  const backoff = init.backoffMs ?? DEFAULT_BACKOFF;
  const schedule = init.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  let port: RuntimePort | undefined;
  let heard = false; // the current Port delivered at least one message
  let failures = 0; // consecutive Ports that dropped before delivering anything
  let reconnecting = false;
  let dead = false;
  let stopped = false;
  const queue: PageRequest[] = [];
  const inFlight = new Set<number>();

  const toPage = (frame: ToPage): void => page.postMessage(frame);
  const fail = (id: number, code: number, message: string): void => toPage({ kind: 'response', id, error: { code, message } });

  const die = (): void => {
    if (dead) return;
    dead = true;
    for (const f of queue.splice(0)) fail(f.id, DISCONNECTED, 'The Whisper extension is not available');
    toPage({ kind: 'event', event: 'disconnect', data: { code: DISCONNECTED, message: 'The Whisper extension is not available' } });
  };

  const send = (frame: FromPage): void => {
    (port as RuntimePort).postMessage(frame);
    if (frame.kind === 'request') inFlight.add(frame.id);
  };

  const connect = (): void => {
    reconnecting = false;
    if (stopped || dead || port) return;
    let p: RuntimePort;
    try {
      p = init.connect();
    } catch {
      return die();
    }
    port = p;
    heard = false;
    p.onMessage.addListener((msg) => {
      if (port !== p || !isToPage(msg)) return;
      heard = true;
      failures = 0;
      if (msg.kind === 'response') inFlight.delete(msg.id);
      toPage(msg);
    });
    p.onDisconnect.addListener(() => {
      if (port !== p) return;
      port = undefined;
      for (const id of inFlight) fail(id, DISCONNECTED, 'Disconnected from the extension before it answered; the request may or may not have run');
      inFlight.clear();
      failures = heard ? 0 : failures + 1;
      if (!stopped) reconnect();
    });
    send({ kind: 'hello', session });
    for (const f of queue.splice(0)) send(f);
  };

  const reconnect = (): void => {
    if (reconnecting) return;
    reconnecting = true;
    const delay = failures === 0 ? 0 : (backoff[Math.min(failures, backoff.length) - 1] ?? 0);
    schedule(connect, delay);
  };

  page.onmessage = (ev: MessageEvent) => {
    const frame: unknown = ev.data;
    if (!isPageRequest(frame)) {
      // Answer what can be answered; frames without a usable id have nobody waiting on them.
      if (isObject(frame) && isSafeId(frame.id)) fail(frame.id, INVALID, 'Invalid request');
      return;
    }
    // Keep only the contract's fields: whatever else a page attaches stays on this side.
    const clean: PageRequest = frame.params === undefined
      ? { kind: 'request', id: frame.id, method: frame.method }
      : { kind: 'request', id: frame.id, method: frame.method, params: frame.params };
    let size: number;
    try {
      size = JSON.stringify(clean).length;
    } catch {
      return fail(frame.id, INVALID, 'Invalid request: params must be JSON data');
    }
    if (size > MAX_PAGE_REQUEST_BYTES) return fail(frame.id, INVALID, 'Invalid request: too large');
    if (dead) return fail(frame.id, DISCONNECTED, 'The Whisper extension is not available');
    if (port) return send(clean);
    queue.push(clean);
    if (!reconnecting) connect();
  };

  return {
    stop() {
      stopped = true;
      page.onmessage = null;
      const p = port;
      port = undefined;
      p?.disconnect();
    },
  };
}
