import { describe, expect, it } from 'vitest';
import { createLogger, debugFromEnv, formatLine } from '../../relay/log.ts';

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

describe('relay log lines', () => {
  it('text: ISO timestamp, level, message, then key=value; quoted when needed; one line', () => {
    expect(formatLine('text', T, 'warn', 'refusing envelopes', { refused: 3, path: '/var/lib/a b', ok: true, gone: undefined }))
      .toBe('2026-01-02T03:04:05.678Z warn refusing envelopes refused=3 path="/var/lib/a b" ok=true\n');
    expect(formatLine('text', T, 'info', 'two\nlines')).toBe('2026-01-02T03:04:05.678Z info two\\nlines\n');
    expect(formatLine('text', T, 'info', 'x', { v: 'a=b' })).toBe('2026-01-02T03:04:05.678Z info x v="a=b"\n');
  });
  it('json: one object per line; fields cannot overwrite time, level or msg', () => {
    const line = formatLine('json', T, 'error', 'bad\nthing', { n: 1, level: 'info', msg: 'forged' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ time: '2026-01-02T03:04:05.678Z', level: 'error', msg: 'bad\nthing', n: 1 });
  });
  it('levels filter: info drops debug, error keeps only errors', () => {
    const out: string[] = [];
    const info = createLogger({ level: 'info', write: (l) => out.push(l), now: () => T });
    info.debug('d');
    info.info('i');
    info.warn('w');
    info.error('e');
    expect(out.map((l) => l.split(' ')[1])).toEqual(['info', 'warn', 'error']);
    expect(info.enabled('debug')).toBe(false);
    out.length = 0;
    const err = createLogger({ level: 'error', write: (l) => out.push(l), now: () => T });
    err.warn('w');
    err.error('e');
    expect(out).toEqual(['2026-01-02T03:04:05.678Z error e\n']);
  });
  it('DEBUG=shh:relay, shh:* or * turns debug on; other namespaces do not', () => {
    for (const v of ['shh:relay', 'shh:*', '*', 'libp2p:*,shh:relay']) expect(debugFromEnv(v)).toBe(true);
    for (const v of [undefined, '', 'libp2p:*', 'shh:relayx', 'shh:net']) expect(debugFromEnv(v)).toBe(false);
  });
});
