// Namespaced loggers (`shh:bg:router`, `shh:content`, ...), off by default: enable them as libp2p's
// are (`localStorage.debug = 'shh:*'` in a page or the offscreen document, `DEBUG=shh:*` for Node).
// `warn` also keeps the last RECENT_WARNINGS warnings of this context in a ring buffer, which the
// background shows in the popup's Diagnostics. Never log payloads, keys or passwords: reasons only.

import { logger } from '@libp2p/logger';

/** Warnings kept per context; the oldest goes first. */
export const RECENT_WARNINGS = 100;

export interface Warning {
  at: number; // ms since 1970
  scope: string; // the logger's name
  message: string;
}

export interface Log {
  /** A debug line, printed only when the namespace is enabled. */
  (format: string, ...args: unknown[]): void;
  /** Something went wrong and was handled: kept in the ring buffer and printed when enabled. */
  warn(reason: string, err?: unknown): void;
  /** A `.catch` handler that logs `reason` instead of dropping the error in silence. */
  catcher(reason: string): (err: unknown) => void;
}

const recent: Warning[] = [];
let clock: () => number = Date.now;

/** The warnings of this context, oldest first. */
export function recentWarnings(): Warning[] {
  return recent.map((w) => ({ ...w }));
}

/** Tests and the background pass their clock; warnings are stamped with it. */
export function setWarningClock(now: () => number): void {
  clock = now;
}

/** What to log of a thrown value: its name and message, never its data. */
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
  const out = logger(scope);
  const log = ((format: string, ...args: unknown[]) => out(format, ...args)) as Log;
  log.warn = (reason, err) => {
    const message = err === undefined ? reason : `${reason}: ${describeError(err)}`;
    if (recent.length >= RECENT_WARNINGS) recent.shift();
    recent.push({ at: clock(), scope, message });
    out.error('%s', message);
  };
  log.catcher = (reason) => (err) => log.warn(reason, err);
  return log;
}
