// docs/API.md checked against the code: its Errors table (every code the provider can reject with,
// each message a page can meet) against RPC, the geth texts (ERR), the conformance table and the
// sources; the error codes of the published types; one table of deliberate differences; and every
// `js` sample at least compiles (test/browser/api-doc.test.ts runs them in a browser).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RPC } from '../../src/rpc/errors.ts';
import { ERR } from '../../src/api/shh.ts';
import { methodSpec } from '../../src/rpc/shh-methods.ts';
import { ROWS } from './geth-conformance.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'API.md'), 'utf8');
const section = (title: string): string => {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no section ${title}`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};

/** Rows of the Errors table: code and the backticked messages of its message column. */
const errorRows = section('Errors')
  .split('\n')
  .filter((l) => /^\| -?\d+ \|/.test(l))
  .map((l) => {
    const [, code, message] = l.split('|').map((c) => c.trim());
    return { code: Number(code), messages: [...message!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) };
  });
const docCodes = new Set(errorRows.map((r) => r.code));
const docMessages = errorRows.flatMap((r) => r.messages.map((m) => ({ code: r.code, m })));

// `<value>` (with its quotes) and `…` stand for values.
const PLACEHOLDER = /"?<[^>]+>"?|…/g;
const asRegExp = (m: string): RegExp =>
  new RegExp('^' + m.split(PLACEHOLDER).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
const documented = (code: number, text: string): boolean => docMessages.some((d) => d.code === code && asRegExp(d.m).test(text));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(dir, e.name), 'utf8')] : [],
  );
}
const code = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'relay'))].join('\n');

describe('docs/API.md Errors', () => {
  it('lists every code a page can get, and no other', () => {
    const all = new Set<number>(Object.values(RPC));
    all.delete(RPC.parseError); // a page's request is never JSON text: the provider takes objects
    expect([...docCodes].sort()).toEqual([...all].sort());
  });
  it('the published types declare the same codes', () => {
    const dts = readFileSync(join(ROOT, 'packages', 'shh-provider', 'shh.d.ts'), 'utf8');
    const union = dts.slice(dts.indexOf('export type ShhErrorCode'), dts.indexOf(';', dts.indexOf('export type ShhErrorCode')));
    const declared = new Set([...union.matchAll(/\| (-?\d+)/g)].map((m) => Number(m[1])));
    expect([...declared].sort()).toEqual([...docCodes].sort());
  });
  it("names every geth text a page can meet (ERR), with its code", () => {
    const relayOnly: string[] = [ERR.notificationsUnsupported]; // a page's transport always pushes
    for (const text of Object.values(ERR)) if (!relayOnly.includes(text)) expect(documented(RPC.whisper, text), text).toBe(true);
  });
  it('names every failure of the conformance table a page can meet', () => {
    for (const row of ROWS) {
      // The extension answers unknown methods itself (4200), node settings 4100, and always pushes.
      if (row.admin || row.transport === 'http' || !['node', 'query'].includes(methodSpec(row.method)?.handler ?? '') || !('error' in row.expect)) continue;
      const [c, text] = row.expect.error;
      expect(documented(c, text), `${row.name}: ${c} ${text}`).toBe(true);
    }
  });
  it('every documented message is in the code (its fixed parts)', () => {
    for (const { m } of docMessages) {
      for (const part of m.split(PLACEHOLDER).map((p) => p.trim()).filter((p) => p.length >= 4))
        expect(code.includes(part), `"${part}" of "${m}"`).toBe(true);
    }
  });
});

describe('docs/API.md', () => {
  it('has one table of deliberate differences, naming the known ones', () => {
    expect(doc.match(/\n## Deliberate differences from geth\n/g)).toHaveLength(1);
    const t = section('Deliberate differences from geth');
    for (const what of ['back-fill', 'low PoW', 'bloom filters', 'direct P2P', '64 KiB', "a page's filters"]) expect(t).toContain(what);
  });
  it('every js sample compiles as the body of an async function (top-level await)', () => {
    const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(5);
    const AsyncFunction = (async () => undefined).constructor as new (body: string) => unknown;
    for (const b of blocks) expect(() => new AsyncFunction(b), b.slice(0, 80)).not.toThrow();
  });
  it('names no internal contract', () => {
    expect(doc).not.toMatch(/SPEC §|SPEC\.md|PLATFORM\.md/);
  });
});
