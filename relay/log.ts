// The relay's log: one line per event on stderr, with an ISO 8601 UTC timestamp and a level, as text
// (`2026-01-02T03:04:05.678Z warn refusing envelopes ... key=value`) or as JSON
// (`{"time":"...","level":"warn","msg":"...","key":"value"}`). A line never spans two: newlines in a
// message are escaped. Below-level events cost one comparison. Never pass payloads or keys here;
// peer ids and addresses only at debug (docs/RELAY.md "Logging and privacy").

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  readonly level: LogLevel;
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  enabled(level: LogLevel): boolean;
}

export interface LoggerInit {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go (default stderr); each call gets one line ending in \n. */
  write?: (line: string) => void;
  now?: () => number;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

// Bare words stay bare; anything with a space, quote, equals sign or control character is JSON-quoted.
const textValue = (v: string | number | boolean): string => {
  const s = String(v);
  return /^[^\s"=\\\x00-\x1f\x7f]+$/.test(s) ? s : JSON.stringify(s);
};

const oneLine = (s: string): string => s.replace(/\r?\n/g, '\\n');

export function formatLine(format: LogFormat, time: number, level: LogLevel, msg: string, fields: LogFields = {}): string {
  const iso = new Date(time).toISOString();
  if (format === 'json') {
    const rest = Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== undefined && k !== 'time' && k !== 'level' && k !== 'msg'));
    return `${JSON.stringify({ time: iso, level, msg, ...rest })}\n`;
  }
  let line = `${iso} ${level} ${oneLine(msg)}`;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${textValue(v)}`;
  return `${line}\n`;
}

export function createLogger(init: LoggerInit = {}): Logger {
  const level = init.level ?? 'info';
  const format = init.format ?? 'text';
  const write = init.write ?? ((line: string) => void process.stderr.write(line));
  const now = init.now ?? Date.now;
  const max = RANK[level];
  const at =
    (l: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (RANK[l] <= max) write(formatLine(format, now(), l, msg, fields));
    };
  return {
    level,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    enabled: (l) => RANK[l] <= max,
  };
}

/** Whether DEBUG (the debug module's convention) asks for the relay's debug lines. */
export function debugFromEnv(value: string | undefined): boolean {
  return /(^|,)\s*(shh:(relay|\*)|\*)\s*(,|$)/.test(value ?? '');
}
