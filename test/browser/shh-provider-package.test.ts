// The DApp package as a DApp author gets it: `npm pack` of packages/shh-provider, installed from the
// tarball into a scratch app (no registry), its types compiled against a DApp's TypeScript, and a
// scratch page that imports it by name finds the provider of the built extension in Chromium and
// Firefox (detectShhProvider, then shh_version through the provider it found).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir, type DirServer } from '../../scripts/serve-dir.ts';
import { buildExtension, cleanup, launchChromium, launchFirefox, ROOT, type BrowserSession } from './harness.ts';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shh-provider scratch app</title>
<script type="importmap">{"imports": {"shh-provider": "/node_modules/shh-provider/index.js"}}</script>
<script type="module">
  import { detectShhProvider, topicFromName } from 'shh-provider';
  const found = await detectShhProvider({ timeout: 10000 });
  window.found = found
    ? { name: found.info.name, rdns: found.info.rdns, same: found.provider === window.shh, version: await found.provider.request({ method: 'shh_version' }), topic: topicFromName('hello') }
    : { none: true };
</script></head><body><p>scratch</p></body></html>`;

// What a DApp in TypeScript writes; compiled with the installed package's types only.
const DAPP_TS = `import { detectShhProvider, topicFromName, type ShhProvider, type WhisperMessage } from 'shh-provider';
const found = await detectShhProvider({ timeout: 1000 });
const shh: ShhProvider | undefined = found?.provider ?? window.shh;
const id: string | undefined = await shh?.request({ method: 'shh_newKeyPair' });
const hash: \`0x\${string}\` | undefined = await shh?.request({ method: 'shh_post', params: [{ pubKey: '0x04', sig: id, topic: topicFromName('x'), payload: '0x' }] });
shh?.on('message', ({ data }) => { const m: WhisperMessage = data.result; void m; });
// @ts-expect-error shh_subscribe takes ['messages', criteria]
void shh?.request({ method: 'shh_subscribe', params: [{ topics: [] }] });
export { hash };
`;

let scratch: string;
let app: string;
let site: DirServer;
let ext: { chrome: string; firefox: string };

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'shh-provider-pack-'));
  run('npm', ['pack', join(ROOT, 'packages', 'shh-provider'), '--pack-destination', scratch], scratch);
  app = join(scratch, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-dapp', private: true, type: 'module' }));
  const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
  run('npm', ['install', '--offline', '--no-package-lock', join(scratch, tarball)], app);
  writeFileSync(join(app, 'index.html'), PAGE);
  site = await serveDir(app);
  ext = buildExtension();
}, 120_000);

afterAll(async () => {
  await site?.close();
  await cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('shh-provider from its tarball', () => {
  it('installs the published files only; its types compile in a DApp and in the TypeScript samples of docs/API.md (strict, bundler resolution)', () => {
    const dir = join(app, 'node_modules', 'shh-provider');
    expect(readdirSync(dir).sort()).toEqual(['LICENSE', 'README.md', 'index.d.ts', 'index.js', 'keccak.d.ts', 'keccak.js', 'package.json', 'shh.d.ts']);
    writeFileSync(join(app, 'dapp.ts'), DAPP_TS);
    // The TypeScript samples of docs/API.md, as pasted, against the installed package.
    const samples = [...readFileSync(join(ROOT, 'docs', 'API.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(samples.length).toBeGreaterThan(0);
    samples.forEach((code, i) => writeFileSync(join(app, `api-sample-${i}.ts`), code));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', '--types', '', 'dapp.ts', ...samples.map((_, i) => `api-sample-${i}.ts`)];
    const r = spawnSync(process.execPath, [tsc, ...args], { cwd: app, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(app, 'node_modules', '.bin'))).toBe(false); // no dependencies came with it
  });

  const BROWSERS: [string, () => Promise<BrowserSession>][] = [
    ['chromium', () => launchChromium(ext.chrome)],
    ['firefox', () => launchFirefox(ext.firefox)],
  ];
  it.each(BROWSERS)('a page importing it finds the provider in %s', async (_name, launch) => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(`${site.url}/`);
      let found: unknown;
      for (let i = 0; i < 200 && !found; i++) {
        found = await page.evaluate(() => (window as unknown as { found?: unknown }).found, 0);
        if (!found) await new Promise((r) => setTimeout(r, 100));
      }
      expect(found).toEqual({ name: 'Whisper', rdns: expect.any(String), same: true, version: '6.0', topic: '0x1c8aff95' });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
