// The extension build (docs/PROTOCOL.md §4-5): the Firefox manifest derived from the Chrome MV3 source
// of truth, and `scripts/build.mjs` output: both targets laid out as the manifests say, WHISPER_RELAYS
// inlined, content scripts as classic scripts, byte-identical across two runs, the version from
// package.json.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../relay/version.ts';
import { FIREFOX_CSP, GECKO_ID, firefoxManifest, withVersion } from '../../scripts/firefox-manifest.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const chromeSource = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
const RELAYS = '/ip4/127.0.0.1/tcp/4711/ws/p2p/12D3KooWBuildTestRelay,/dns4/relay.example/tcp/443/wss';

describe('firefoxManifest', () => {
  const ff = firefoxManifest(chromeSource) as Record<string, any>;
  it('is MV2 with a persistent module background page and the gecko id', () => {
    expect(ff.manifest_version).toBe(2);
    expect(ff.background).toEqual({ scripts: ['background.js'], type: 'module', persistent: true });
    expect(ff.browser_specific_settings.gecko.id).toBe(GECKO_ID);
    expect(ff.browser_action).toEqual(chromeSource.action);
    expect(ff.action).toBeUndefined();
  });
  it('keeps the CSP that allows wasm without upgrading ws://, drops Chrome-only keys', () => {
    expect(ff.content_security_policy).toBe(FIREFOX_CSP);
    expect(FIREFOX_CSP).not.toContain('upgrade-insecure-requests');
    expect(ff.permissions).not.toContain('offscreen');
    expect(ff.minimum_chrome_version).toBeUndefined();
    expect(ff.content_scripts).toEqual(chromeSource.content_scripts);
  });
  it('refuses a source manifest that is not MV3', () => {
    expect(() => firefoxManifest({ ...chromeSource, manifest_version: 2 })).toThrow(RangeError);
  });
  it('uses an add-on id in a form addons.mozilla.org accepts, not a placeholder domain', () => {
    expect(GECKO_ID).toMatch(/^[a-z0-9-._]*@[a-z0-9-._]+$/i);
    expect(GECKO_ID).not.toMatch(/example/);
  });
});

describe('withVersion: package.json is the one source of the version', () => {
  it('the source manifest has no version of its own', () => {
    expect(chromeSource).not.toHaveProperty('version');
    expect(() => withVersion({ ...chromeSource, version: '9.9.9' }, '0.1.0')).toThrow(/comes from package.json/);
  });
  it('stamps a release as is, and a pre-release as its numbers plus Chrome\'s version_name', () => {
    expect(withVersion(chromeSource, '1.2.3')).toMatchObject({ version: '1.2.3' });
    expect(withVersion(chromeSource, '1.2.3')).not.toHaveProperty('version_name');
    const pre = withVersion(chromeSource, '0.2.0-beta.1');
    expect(pre).toMatchObject({ version: '0.2.0', version_name: '0.2.0-beta.1' });
    expect(firefoxManifest(pre)).toMatchObject({ version: '0.2.0' });
    expect(firefoxManifest(pre)).not.toHaveProperty('version_name');
  });
  it('refuses a version browsers cannot show', () => {
    for (const v of ['', '1', '1.2', 'v1.2.3', '1.2.3.4.5']) expect(() => withVersion(chromeSource, v), v).toThrow(RangeError);
  });
});

describe('scripts/build.mjs', () => {
  const outs: string[] = [];
  const logs: string[] = [];
  const run = () => {
    const out = mkdtempSync(join(tmpdir(), 'shh-build-'));
    outs.push(out);
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--out', out], {
      cwd: ROOT,
      env: { ...process.env, WHISPER_RELAYS: RELAYS },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    logs.push(r.stdout + r.stderr);
    return out;
  };
  const tree = (dir: string): Record<string, string> => {
    const files: Record<string, string> = {};
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else files[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
    };
    walk(dir);
    return files;
  };
  let a = '';
  let b = '';
  beforeAll(() => {
    a = run();
    b = run();
  }, 60_000);
  afterAll(() => {
    for (const d of outs) rmSync(d, { recursive: true, force: true });
  });

  it('prints nothing a newcomer would take for a problem: only what it built and how long it took', () => {
    for (const log of logs) {
      const lines = log.split('\n').filter((l) => l.trim() !== '');
      expect(lines.filter((l) => !/^built (chrome|firefox) -> \S+$|^build: [\d.]+ s$/.test(l)), log).toEqual([]);
    }
  });

  it('is deterministic: two builds are byte-identical', () => {
    const ta = tree(a);
    expect(Object.keys(ta).length).toBeGreaterThan(10);
    expect(tree(b)).toEqual(ta);
  });

  it('stamps both manifests with package.json\'s version', () => {
    const version = packageVersion();
    expect(version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    for (const target of ['chrome', 'firefox']) expect(JSON.parse(readFileSync(join(a, target, 'manifest.json'), 'utf8')).version, target).toBe(version);
  });

  it('writes every file each manifest names', () => {
    for (const target of ['chrome', 'firefox']) {
      const m = JSON.parse(readFileSync(join(a, target, 'manifest.json'), 'utf8'));
      const named = [
        ...(m.background.service_worker ? [m.background.service_worker] : m.background.scripts),
        ...m.content_scripts.flatMap((c: { js: string[] }) => c.js),
        ...Object.values(m.icons),
        (m.action ?? m.browser_action).default_popup,
        'approval.html',
        ...(target === 'chrome' ? ['offscreen.html'] : []),
      ];
      for (const f of named) expect(statSync(join(a, target, f)).size, `${target}/${f}`).toBeGreaterThan(0);
    }
  });

  it('content scripts are classic scripts (no import/export) and inpage runs in the MAIN world', () => {
    for (const f of ['content.js', 'inpage.js']) {
      const js = readFileSync(join(a, 'chrome', f), 'utf8');
      expect(js).not.toMatch(/^\s*(import|export)\s/m);
      expect(js).not.toContain('import.meta');
    }
    const m = JSON.parse(readFileSync(join(a, 'chrome', 'manifest.json'), 'utf8'));
    expect(m.content_scripts[0]).toMatchObject({ js: ['inpage.js'], world: 'MAIN', run_at: 'document_start', all_frames: true, match_about_blank: true });
    expect(m.content_scripts[1]).toMatchObject({ js: ['content.js'], run_at: 'document_start', all_frames: true });
    expect(m.content_security_policy.extension_pages).toBe("script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
  });

  it('inlines WHISPER_RELAYS where the peer runs', () => {
    const grep = (dir: string) => Object.keys(tree(dir)).filter((f) => f.endsWith('.js') && readFileSync(join(dir, f), 'utf8').includes('12D3KooWBuildTestRelay'));
    expect(grep(join(a, 'chrome')).length).toBeGreaterThan(0);
    expect(grep(join(a, 'firefox'))).toContain('background.js');
  });
});
