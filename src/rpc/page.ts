// The page channel's wire (docs/PROTOCOL.md §4): window.shh (MAIN world) <-> isolated content script <->
// background. Page to content travels over a private MessageChannel the content script hands to the
// MAIN world once; content to background over a runtime Port named PAGE_PORT. Frames are the same on
// both hops: the content script relays them, and the background adds the origin from the browser.
// The channel itself (its requests, events and frame guards) is one defineChannel, pageChannel in
// src/rpc/page-channel.ts. This module holds only what the MAIN world may import as well: constants
// and types. The MAIN world (src/inpage/) builds and checks its frames with the built-ins it captured
// before any page script ran (src/inpage/intrinsics.ts), never with the generic channel code, whose
// prototypes (Object, Array, Map, Promise) a hostile page could have replaced by the time it runs.

import type { EventFrame, IncomingRequest, ResponseFrame } from './channel.ts';
import { isObject, isSafeId, isString } from './guards.ts';
import type { Identity } from './popup.ts';

/** Name of the runtime Port a content script opens to the background. */
export const PAGE_PORT = 'shh-page';
/** `data.type` of the one window.postMessage that hands the MessageChannel port to the MAIN world. */
export const PORT_HANDOVER = 'shh:port-handover/1';
/** A request's JSON size is bounded so a page cannot make the extension buffer without limit. */
export const MAX_PAGE_REQUEST_BYTES = 2 * 1024 * 1024;
/** A method name longer than this is not a request (no method of the table comes near). */
export const MAX_METHOD_LENGTH = 128;

/** A request as JSON-RPC names it: `method` (any name: unknown ones are answered 4100 or 4200), params optional. */
export type PageRequest = IncomingRequest<'method'>;

/**
 * First frame a content script sends on each new Port: a random id for its document, kept for the
 * document's life, so after a service-worker restart the background re-attaches that document's
 * subscriptions to the new Port. 16 to 64 characters of [0-9a-f]. `cursors`: per watcher id, the last
 * delivery sequence number the page has (docs/ARCHITECTURE.md "Delivery"); the replay starts after it.
 * Transport, not a request of the channel: the router reads it before any request of its Port.
 */
export interface PageHello {
  kind: 'hello';
  session: string;
  cursors?: Record<string, number>;
}

/** Watchers one hello may name a cursor for (a site has at most 256 live ones). */
export const MAX_HELLO_CURSORS = 1024;

/** Frames from the content script to the background. */
export type FromPage = PageHello | PageRequest;

/**
 * Events the provider emits. `shh_subscription` carries {subscription, result} (from the background
 * also `seq`, the message's delivery sequence number, which the content bridge removes, as it does the
 * `seq` of each message a poll answers); `shh_postProgress` {postId, hashes, expectedHashes, bestPow,
 * targetPow, elapsedMs} for a post that named a postId (beyond geth); `disconnect` comes from the
 * content bridge itself when the extension is gone.
 */
export interface PageEvents {
  connect: { shhVersion: string };
  disconnect: { code: number; message: string };
  identitiesChanged: Identity[];
  shh_subscription: { subscription: string; result: unknown; seq?: number };
  shh_postProgress: { postId: string; hashes: number; expectedHashes: number; bestPow: number; targetPow: number; elapsedMs: number };
}
export type PageEventName = keyof PageEvents;

/** Frames to the page: a response, or an event. */
export type ToPage = ResponseFrame | EventFrame<PageEvents>;

export function isPageHello(x: unknown): x is PageHello {
  return isObject(x) && x.kind === 'hello' && isString(x.session) && /^[0-9a-f]{16,64}$/.test(x.session) && (x.cursors === undefined || isCursors(x.cursors));
}

/** Watcher id -> sequence number, bounded: ids of at most 66 characters, numbers safe non-negative integers. */
export function isCursors(x: unknown): x is Record<string, number> {
  if (!isObject(x)) return false;
  const entries = Object.entries(x);
  return entries.length <= MAX_HELLO_CURSORS && entries.every(([k, v]) => k.length <= 66 && isSafeId(v));
}
