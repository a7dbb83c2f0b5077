// The page channel (docs/PROTOCOL.md §4): window.shh (MAIN world) <-> isolated content script <-> background.
// Page to content travels over a private MessageChannel the content script hands to the MAIN world
// once; content to background over a runtime Port named PAGE_PORT. Frames are the same on both hops:
// the content script relays them unchanged, and the background adds the origin from the browser.

import { isErrorShape, isObject, isSafeId, isString, oneOf } from './guards.ts';

/** Name of the runtime Port a content script opens to the background. */
export const PAGE_PORT = 'shh-page';
/** `data.type` of the one window.postMessage that hands the MessageChannel port to the MAIN world. */
export const PORT_HANDOVER = 'shh:port-handover/1';
/** A request's JSON size is bounded so a page cannot make the extension buffer without limit. */
export const MAX_PAGE_REQUEST_BYTES = 2 * 1024 * 1024;

export interface PageRequest {
  kind: 'request';
  id: number;
  method: string;
  params?: unknown;
}

/**
 * First frame a content script sends on each new Port: a random id for its document, kept for the
 * document's life, so after a service-worker restart the background re-attaches that document's
 * subscriptions to the new Port. 16 to 64 characters of [0-9a-f]. `cursors`: per watcher id, the last
 * delivery sequence number the page has (docs/ARCHITECTURE.md "Delivery"); the replay starts after it.
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

export type PageResponse =
  | { kind: 'response'; id: number; result: unknown }
  | { kind: 'response'; id: number; error: { code: number; message: string; data?: unknown } };

export const PAGE_EVENTS = ['connect', 'disconnect', 'identitiesChanged', 'shh_subscription', 'shh_postProgress'] as const;
export type PageEventName = (typeof PAGE_EVENTS)[number];

/** Events the provider emits: `shh_subscription` carries {subscription, result} (from the background
 * also `seq`, the message's delivery sequence number, which the content bridge removes, as it does the
 * `seq` of each message a poll answers); `shh_postProgress`
 * {postId, hashes, bestPow, targetPow, elapsedMs} for a post that named a postId (beyond geth). */
export interface PageEvent {
  kind: 'event';
  event: PageEventName;
  data: unknown;
}

export type ToPage = PageResponse | PageEvent;

export function isPageRequest(x: unknown): x is PageRequest {
  return isObject(x) && x.kind === 'request' && isSafeId(x.id) && isString(x.method) && x.method.length <= 128;
}

export function isPageHello(x: unknown): x is PageHello {
  return isObject(x) && x.kind === 'hello' && isString(x.session) && /^[0-9a-f]{16,64}$/.test(x.session) && (x.cursors === undefined || isCursors(x.cursors));
}

/** Watcher id -> sequence number, bounded: ids of at most 66 characters, numbers safe non-negative integers. */
export function isCursors(x: unknown): x is Record<string, number> {
  if (!isObject(x)) return false;
  const entries = Object.entries(x);
  return entries.length <= MAX_HELLO_CURSORS && entries.every(([k, v]) => k.length <= 66 && isSafeId(v));
}

export const isFromPage = (x: unknown): x is FromPage => isPageHello(x) || isPageRequest(x);

const isPageEventName = oneOf(PAGE_EVENTS);

export function isToPage(x: unknown): x is ToPage {
  if (!isObject(x)) return false;
  if (x.kind === 'event') return isPageEventName(x.event);
  if (x.kind !== 'response' || !isSafeId(x.id)) return false;
  return 'error' in x ? isErrorShape(x.error) : 'result' in x;
}
