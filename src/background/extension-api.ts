// The slice of the WebExtension API the background uses, typed here so the modules take it as a
// parameter: Chrome's `chrome` and Firefox's `browser` both fit (promise-returning MV3 / MV2 calls),
// and tests pass fakes. Only what is used is declared; nothing here touches a global.

export interface MessageSender {
  id?: string;
  url?: string;
  origin?: string;
  tab?: { id?: number; windowId?: number; url?: string };
  frameId?: number;
  documentId?: string;
}

export interface Port {
  name: string;
  sender?: MessageSender;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: ExtEvent<(message: unknown, port: Port) => void>;
  onDisconnect: ExtEvent<(port: Port) => void>;
}

export interface ExtEvent<L> {
  addListener(listener: L): void;
  removeListener(listener: L): void;
}

export interface WindowsApi {
  create(data: { url: string; type: 'popup'; width?: number; height?: number; focused?: boolean }): Promise<{ id?: number }>;
  get(windowId: number): Promise<{ id?: number }>;
  remove(windowId: number): Promise<void>;
  update(windowId: number, info: { focused?: boolean }): Promise<unknown>;
  onRemoved: ExtEvent<(windowId: number) => void>;
}

export interface RuntimeApi {
  id: string;
  getURL(path: string): string;
  onConnect: ExtEvent<(port: Port) => void>;
  onMessage: ExtEvent<(message: unknown, sender: MessageSender, sendResponse: (r: unknown) => void) => boolean | undefined>;
  /** Fires once when the extension is installed (first run: the onboarding tab opens). */
  onInstalled?: ExtEvent<(details: { reason: string }) => void>;
  /** Chrome 116+: lets the worker see whether its offscreen document exists. */
  getContexts?(filter: { contextTypes: string[]; documentUrls?: string[] }): Promise<unknown[]>;
}

export interface AlarmsApi {
  create(name: string, info: { periodInMinutes?: number; delayInMinutes?: number }): Promise<void> | void;
  onAlarm: ExtEvent<(alarm: { name: string }) => void>;
}

export interface OffscreenApi {
  createDocument(p: { url: string; reasons: string[]; justification: string }): Promise<void>;
}

/** storage.session: memory only, trusted contexts only (Chrome's default access level). */
export interface StorageArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(key: string): Promise<void>;
}

/** The toolbar button: Chrome's `action` (MV3), Firefox's `browserAction` (MV2). */
export interface ActionApi {
  setBadgeText(details: { text: string }): Promise<void> | void;
  setBadgeBackgroundColor?(details: { color: string }): Promise<void> | void;
  setTitle?(details: { title: string }): Promise<void> | void;
}

/** The extension's messages (public/_locales), in the browser's language. */
export interface I18nApi {
  getMessage(name: string, substitutions?: string | string[]): string;
}

export interface ExtensionApi {
  runtime: RuntimeApi;
  action?: ActionApi;
  browserAction?: ActionApi;
  i18n?: I18nApi;
  windows: WindowsApi;
  alarms: AlarmsApi;
  offscreen?: OffscreenApi;
  tabs?: { create(p: { url: string }): Promise<unknown> };
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
