// Where the browsers for the browser tests are, and which test files need which. Looked up in order:
// the environment variable (CHROMIUM, FIREFOX), Debian's paths, then the PATH. Never downloaded.
// Chromium means a Chromium-family browser that still honours --load-extension (Google Chrome 137+
// does not); Firefox means one puppeteer-core drives over WebDriver BiDi (ESR 128+ or a release).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join, relative, sep } from 'node:path';

export type BrowserName = 'chromium' | 'firefox';

interface Spec {
  label: string;
  variable: 'CHROMIUM' | 'FIREFOX';
  debian: string;
  names: string[];
  /** Names of harness functions that start this browser; a test file calling one needs it. */
  uses: RegExp;
}

export const BROWSERS: Record<BrowserName, Spec> = {
  chromium: { label: 'Chromium', variable: 'CHROMIUM', debian: '/usr/bin/chromium', names: ['chromium', 'chromium-browser'], uses: /\blaunchChromium(Peer)?\s*\(/ },
  firefox: { label: 'Firefox', variable: 'FIREFOX', debian: '/usr/bin/firefox-esr', names: ['firefox-esr', 'firefox'], uses: /\blaunchFirefox(Peer)?\s*\(/ },
};

export interface Found {
  path?: string;
  /** Why there is no path, in words for the person running the tests. */
  missing?: string;
}

/** `exists` is for tests (a machine with Debian's browsers cannot show the other branches). */
export function findBrowser(name: BrowserName, env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): Found {
  const b = BROWSERS[name];
  const set = env[b.variable];
  if (set) return exists(set) ? { path: set } : { missing: `${b.variable}=${set} does not exist` };
  if (exists(b.debian)) return { path: b.debian };
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean))
    for (const n of b.names) if (exists(join(dir, n))) return { path: join(dir, n) };
  return { missing: `no ${b.label} at ${b.debian} or on the PATH (set ${b.variable}=/path/to/${b.names[0]})` };
}

/** Test files under `dir` (relative to `root`, forward slashes) that start `name`. */
export function testsNeeding(name: BrowserName, root: string, dir = 'test'): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.test.ts') && BROWSERS[name].uses.test(readFileSync(p, 'utf8'))) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(join(root, dir));
  return out.sort();
}
