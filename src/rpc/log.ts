// Namespaced loggers (`shh:bg:router`, `shh:content`, ...), off by default and enabled the way
// libp2p's `debug` loggers are: `localStorage.debug = 'shh:*'` in a page or the offscreen document,
// `DEBUG=shh:*` for Node, or `enableLogs('shh:*')` (the service worker's `whisper.enableLogs`).
// `warn` also keeps the last RECENT_WARNINGS warnings of this context in a ring buffer, which the
// background shows in the popup's Diagnostics. Never log payloads, keys or passwords: reasons only.
// No dependency: this file is bundled into the content script, which runs in every frame.

/** Warnings kept per context; the oldest goes first. */
export const RECENT_WARNINGS = 100;

export interface Warning {
  at: number; // ms since 1970
  scope: string; // the logger's name
  message: string;
}

export interface Log {
  /** A debug line (console format: %s, %d, %o), printed only when the namespace is enabled. */
  (format: string, ...args: unknown[]): void;
  /** Something went wrong and was handled: kept in the ring buffer and printed when enabled. */
  warn(reason: string, err?: unknown): void;
  /** A `.catch` handler that logs `reason` instead of dropping the error in silence. */
  catcher(reason: string): (err: unknown) => void;
}

const recent: Warning[] = [];
let patterns: { on: boolean; re: RegExp }[] = parsePatterns(initialSetting());

/** `debug`'s syntax: comma- or space-separated namespaces, `*` wildcards, `-` to exclude. */
function parsePatterns(setting: string): { on: boolean; re: RegExp }[] {
  return setting
    .split(/[\s,]+/)
    .filter((p) => p.length > 0)
    .map((p) => {
      const on = !p.startsWith('-');
      const body = (on ? p : p.slice(1)).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      return { on, re: new RegExp(`^${body}$`) };
    });
}

function initialSetting(): string {
  const g = globalThis as { localStorage?: { getItem(k: string): string | null }; process?: { env?: Record<string, string | undefined> } };
  try {
    return g.localStorage?.getItem('debug') ?? g.process?.env?.DEBUG ?? '';
  } catch (e) {
    // An opaque origin's localStorage throws on access: logging stays off there.
    void e;
    return g.process?.env?.DEBUG ?? '';
  }
}

/** Turns namespaces on (`'shh:*'`, `'shh:bg:*,-shh:bg:node'`); '' turns every one off. */
export function enableLogs(setting: string): void {
  patterns = parsePatterns(setting);
}

const enabled = (scope: string): boolean => {
  let on = false;
  for (const p of patterns) if (p.re.test(scope)) on = p.on;
  return on;
};

/** The warnings of this context, oldest first. */
export function recentWarnings(): Warning[] {
  return recent.map((w) => ({ ...w }));
}

/** What to log of a thrown value: its name, code and message, never its data. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return code === undefined ? `${err.name}: ${err.message}` : `${err.name} ${String(code)}: ${err.message}`;
  }
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    const e = err as { code?: unknown; message: string };
    return e.code === undefined ? e.message : `${String(e.code)}: ${e.message}`;
  }
  return String(err);
}

export function createLog(scope: string): Log {
  const log = ((format: string, ...args: unknown[]) => {
    if (enabled(scope)) console.debug(`${scope} ${format}`, ...args);
  }) as Log;
  log.warn = (reason, err) => {
    const message = err === undefined ? reason : `${reason}: ${describeError(err)}`;
    if (recent.length >= RECENT_WARNINGS) recent.shift();
    recent.push({ at: Date.now(), scope, message });
    if (enabled(scope)) console.warn(`${scope} ${message}`);
  };
  log.catcher = (reason) => (err) => log.warn(reason, err);
  return log;
}
