// scripts/browsers.ts: how the tests find Chromium and Firefox ($CHROMIUM / $FIREFOX before Debian's
// paths, then the PATH) and which test files `npm test` leaves out, named, when one is missing.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BROWSERS, findBrowser, testsNeeding } from '../../scripts/browsers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'shh-browsers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, body = '#!/bin/sh\n'): string => {
  const p = join(dir, name);
  writeFileSync(p, body);
  chmodSync(p, 0o755);
  return p;
};

describe('findBrowser', () => {
  it('takes the environment variable first', () => {
    const chromium = file('my-chromium');
    const firefox = file('my-firefox');
    expect(findBrowser('chromium', { CHROMIUM: chromium, PATH: '' })).toEqual({ path: chromium });
    expect(findBrowser('firefox', { FIREFOX: firefox, PATH: '' })).toEqual({ path: firefox });
  });
  it('says which variable points nowhere instead of falling back in silence', () => {
    const f = findBrowser('firefox', { FIREFOX: join(dir, 'absent'), PATH: '' });
    expect(f.path).toBeUndefined();
    expect(f.missing).toBe(`FIREFOX=${join(dir, 'absent')} does not exist`);
  });
  it("prefers Debian's path, then the PATH, else says how to point at one", () => {
    for (const name of ['chromium', 'firefox'] as const) {
      const b = BROWSERS[name];
      const onPath = `/opt/bin/${b.names.at(-1)}`;
      const env = { PATH: '/nowhere:/opt/bin' };
      expect(findBrowser(name, env, (p) => p === b.debian || p === onPath)).toEqual({ path: b.debian });
      expect(findBrowser(name, env, (p) => p === onPath)).toEqual({ path: onPath });
      expect(findBrowser(name, { ...env, [b.variable]: '/x/y' }, (p) => p === '/x/y' || p === b.debian)).toEqual({ path: '/x/y' });
      expect(findBrowser(name, env, () => false)).toEqual({
        missing: `no ${b.label} at ${b.debian} or on the PATH (set ${b.variable}=/path/to/${b.names[0]})`,
      });
    }
  });
});

describe('testsNeeding', () => {
  it('names the files that start each browser', () => {
    const chromium = testsNeeding('chromium', ROOT);
    const firefox = testsNeeding('firefox', ROOT);
    expect(chromium).toContain('test/browser/e2e.test.ts');
    expect(chromium).toContain('test/browser/demos.test.ts');
    expect(firefox).toContain('test/browser/e2e.test.ts');
    expect(firefox).not.toContain('test/browser/demos.test.ts'); // Chromium only
    expect(chromium).not.toContain('test/build/browsers.test.ts');
    for (const f of [...chromium, ...firefox]) expect(f).toMatch(/^test\/.+\.test\.ts$/);
  });
});
