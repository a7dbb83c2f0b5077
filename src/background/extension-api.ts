// The slice of the WebExtension API the background uses, as types taken from webextension-polyfill's
// published ones (@types/webextension-polyfill), so the modules take it as a parameter: the polyfill's
// `browser` (Chrome's MV3 worker, Firefox's MV2 page) fits as is, and tests pass fakes of only what is
// used. Hand-declared here are only what those types lack: the sender's `origin` (Chrome sets it) and
// Chrome's offscreen documents. Nothing here touches a global.

import type { Action, Alarms, BrowserAction, Events, I18n, Runtime, Storage, Tabs, Windows } from 'webextension-polyfill';

/**
 * The library's sender, with only the tab fields read here, plus the origin Chrome also reports (not in
 * the Firefox-schema types; the URL is the fallback).
 */
export type MessageSender = Omit<Runtime.MessageSender, 'tab'> & { origin?: string; tab?: Pick<Tabs.Tab, 'id' | 'windowId' | 'url'> };

export type Port = Omit<Runtime.Port, 'sender'> & { sender?: MessageSender };

// `any` is the library's own constraint on an event's listener type.
export type ExtEvent<L extends (...args: any[]) => any> = Events.Event<L>;

/** The popup channel's listener: a promise of the answer, or undefined for a message that is not ours. */
export type OnMessageListener = (message: unknown, sender: MessageSender) => Promise<unknown> | undefined;

export type WindowsApi = Pick<Windows.Static, 'create' | 'get' | 'remove' | 'update' | 'onRemoved'>;

export interface RuntimeApi extends Pick<Runtime.Static, 'id' | 'getURL' | 'onConnect'> {
  onMessage: ExtEvent<OnMessageListener>;
  /** Fires once when the extension is installed (first run: the onboarding tab opens). */
  onInstalled?: Runtime.Static['onInstalled'];
}

/** One of alarms.create's overloads (the one used), with the library's parameter types. */
export interface AlarmsApi {
  create(name: string, info: Alarms.CreateAlarmInfoType): Promise<void> | void;
  onAlarm: Alarms.Static['onAlarm'];
}

/** Chrome (MV3) only: not in the published types; the polyfill passes `chrome.offscreen` through. */
export interface OffscreenApi {
  createDocument(p: { url: string; reasons: string[]; justification: string }): Promise<void>;
}

/**
 * Chrome 116+: whether the worker's offscreen document exists. The published types declare
 * runtime.getContexts for Firefox's context types only, without OFFSCREEN_DOCUMENT.
 */
export type GetContexts = (filter: { contextTypes: string[]; documentUrls?: string[] }) => Promise<unknown[]>;

/** What Chrome's entry adds to the polyfill's `browser` for the offscreen peer (src/background/peer-port.ts). */
export interface ChromeOnlyApi {
  runtime: { getContexts: GetContexts };
  offscreen: OffscreenApi;
}

/** storage.session: memory only, trusted contexts only (Chrome's default access level). */
export type StorageArea = Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>;

/** The toolbar button: Chrome's `action` (MV3), Firefox's `browserAction` (MV2). */
export type ActionApi =
  | Pick<Action.Static, 'setBadgeText' | 'setBadgeBackgroundColor' | 'setTitle'>
  | Pick<BrowserAction.Static, 'setBadgeText' | 'setBadgeBackgroundColor' | 'setTitle'>;

/** The extension's messages (public/_locales), in the browser's language. */
export type I18nApi = Pick<I18n.Static, 'getMessage'>;

/** Optional members are those one of the two browsers (or an older one) lacks at run time. */
export interface ExtensionApi {
  runtime: RuntimeApi;
  action?: ActionApi;
  browserAction?: ActionApi;
  i18n?: I18nApi;
  windows: WindowsApi;
  alarms: AlarmsApi;
  tabs?: Pick<Tabs.Static, 'create'>;
  /** Firefox before 115 has no storage.session: the vault then keeps its key in memory only. */
  storage?: { session?: StorageArea };
}

/** Schemes a site may use Whisper from: file:, data:, blob: of opaque origins and other extensions are refused. */
const WEB_SCHEMES = ['http:', 'https:'];

/**
 * The origin of the frame behind a Port or message (docs/PROTOCOL.md §4), never one the page states; undefined when
 * opaque or not a web origin (file:, data:, another extension's page: test/browser/approval.test.ts
 * records what Chrome reports for a file: page).
 */
export function senderOrigin(sender: MessageSender | undefined): string | undefined {
  if (!sender) return undefined;
  let origin = sender.origin;
  if (origin === undefined && sender.url !== undefined) {
    try {
      origin = new URL(sender.url).origin;
    } catch {
      return undefined;
    }
  }
  if (origin === undefined || origin === 'null' || origin === '') return undefined;
  try {
    const u = new URL(origin);
    if (!WEB_SCHEMES.includes(u.protocol) || u.origin !== origin) return undefined;
  } catch {
    return undefined;
  }
  return origin;
}

/** The top-level page's origin when the sender is an embedded frame (the approval window names it). */
export function embeddingOrigin(sender: MessageSender | undefined): string | undefined {
  if (!sender || sender.frameId === 0 || sender.frameId === undefined || !sender.tab) return undefined;
  const url = sender.tab.url;
  if (url === undefined) return undefined;
  try {
    const o = new URL(url).origin;
    return o === 'null' ? url.split(/[?#]/)[0] : o;
  } catch {
    return undefined;
  }
}
