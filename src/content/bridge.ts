// The isolated-world page bridge (docs/PROTOCOL.md §4): relays frames between the page's private MessagePort and
// a runtime Port (PAGE_PORT) to the background, unchanged but guarded (the page channel's own frame
// guards, src/rpc/page-channel.ts: a request, a response, an event with its data) and size-bounded. The Port is
// opened on the first request (pages that never use window.shh cost the background nothing), begins
// with a hello carrying this document's session id, and is reopened whenever it drops (the service
// worker restarted); requests in flight on a dropped Port are answered 4900, never replayed. A
// message reaches the page once (subscription or filter poll) even when a restarted worker sends it
// again: the background numbers each watcher's messages 1, 2, 3... (docs/ARCHITECTURE.md "Delivery");
// the bridge keeps only the last number per watcher, drops anything at or below it, strips the number,
// and sends its numbers in every hello, so a restarted worker replays only what comes after them.

import { RPC } from '../rpc/errors.ts';
import { isObject, isSafeId } from '../rpc/guards.ts';
import { createLog } from '../rpc/log.ts';
import { MAX_HELLO_CURSORS, MAX_PAGE_REQUEST_BYTES, type FromPage, type PageRequest, type ToPage } from '../rpc/page.ts';
import { pageChannel } from '../rpc/page-channel.ts';
import { methodSpec } from '../rpc/shh-methods.ts';

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
  now?: () => number; // ms
}

export interface Bridge {
  stop(): void;
}

const INVALID = RPC.invalidRequest;
const DISCONNECTED = RPC.disconnected;
const log = createLog('shh:content');
const DEFAULT_BACKOFF = [0, 250, 1000, 5000, 30_000];
/** A Port up this long before it dropped was working (the worker stopped), even if it heard nothing. */
const HEALTHY_PORT_MS = 1000;

export function startBridge(init: BridgeInit): Bridge {
  const { page, session } = init;
  const backoff = init.backoffMs ?? DEFAULT_BACKOFF;
  const schedule = init.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const now = init.now ?? Date.now;
  let port: RuntimePort | undefined;
  let heard = false; // the current Port delivered at least one message
  let openedAt = 0;
  let failures = 0; // consecutive Ports that dropped before delivering anything
  let reconnecting = false;
  let dead = false;
  let stopped = false;
  const queue: PageRequest[] = [];
  const inFlight = new Set<number>();
  const polls = new Map<number, string>(); // request id -> filter id of an shh_getFilterMessages in flight
  // Watcher id -> the last sequence number handed to the page; the most recently used last, so the
  // oldest goes first beyond MAX_HELLO_CURSORS (a site has at most 256 live watchers).
  const cursors = new Map<string, number>();

  /** False when the page already has this message (its number is not above the watcher's last). */
  const fresh = (watcher: string, seq: unknown): boolean => {
    if (!isSafeId(seq)) return true; // not numbered: passed as is
    const last = cursors.get(watcher) ?? 0;
    if (seq <= last) return false;
    cursors.delete(watcher);
    cursors.set(watcher, seq);
    if (cursors.size > MAX_HELLO_CURSORS) cursors.delete(cursors.keys().next().value as string);
    return true;
  };

  const unnumbered = (m: Record<string, unknown>): Record<string, unknown> => {
    const { seq: _seq, ...rest } = m;
    return rest;
  };

  /** The frame for the page without messages it already has or their numbers; undefined when nothing is left to send. */
  const dedup = (msg: ToPage): ToPage | undefined => {
    if (msg.kind === 'response') {
      const filter = polls.get(msg.id);
      polls.delete(msg.id);
      if (filter === undefined || !('result' in msg) || !Array.isArray(msg.result)) return msg;
      return { ...msg, result: msg.result.filter((m: unknown) => !isObject(m) || fresh(filter, m.seq)).map((m: unknown) => (isObject(m) ? unnumbered(m) : m)) };
    }
    if (msg.event !== 'shh_subscription' || !isObject(msg.data) || typeof msg.data.subscription !== 'string') return msg;
    return fresh(msg.data.subscription, msg.data.seq) ? { ...msg, data: unnumbered(msg.data) } : undefined;
  };

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
    if (frame.kind !== 'request') return;
    inFlight.add(frame.id);
    // A poll (the table counts its result as messages received) answers with its filter's messages.
    const filter = methodSpec(frame.method)?.activity === 'received' && Array.isArray(frame.params) ? frame.params[0] : undefined;
    if (typeof filter === 'string') polls.set(frame.id, filter);
  };

  const connect = (): void => {
    reconnecting = false;
    if (stopped || dead || port) return;
    let p: RuntimePort;
    try {
      p = init.connect();
    } catch (e) {
      log.warn('the extension is gone (reloaded or removed)', e);
      return die();
    }
    port = p;
    heard = false;
    openedAt = now();
    p.onMessage.addListener((msg) => {
      if (port !== p || !(pageChannel.isResponse(msg) || pageChannel.isEvent(msg))) return;
      heard = true;
      failures = 0;
      if (msg.kind === 'response') inFlight.delete(msg.id);
      const out = dedup(msg);
      if (out) toPage(out);
    });
    p.onDisconnect.addListener(() => {
      if (port !== p) return;
      port = undefined;
      for (const id of inFlight) fail(id, DISCONNECTED, 'Disconnected from the extension before it answered; the request may or may not have run');
      inFlight.clear();
      polls.clear();
      failures = heard || now() - openedAt >= HEALTHY_PORT_MS ? 0 : failures + 1;
      if (!stopped) reconnect();
    });
    send(cursors.size > 0 ? { kind: 'hello', session, cursors: Object.fromEntries(cursors) } : { kind: 'hello', session });
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
    if (!pageChannel.isRequest(frame)) {
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
