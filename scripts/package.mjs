#!/usr/bin/env node
// `npm run package`: store-ready archives of both builds, named with package.json's version:
//   dist/<name>-chrome-<version>.zip   dist/chrome zipped with manifest.json at the root (Chrome Web Store)
//   dist/<name>-firefox-<version>.zip  dist/firefox built by `web-ext build` (addons.mozilla.org)
// It builds first (WHISPER_RELAYS applies as for `npm run build`), then runs `web-ext lint` on
// dist/firefox with warnings counted as errors, so an archive that AMO would flag is never reported
// as ready. Options: --out DIR (default dist). Exits non-zero, naming the step, on any failure.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageVersion } from '../relay/version.ts';
import { zipDirectory } from './zip.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
const out = resolve(root, values.out);
const { name } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = packageVersion(join(root, 'package.json'));
const webExt = join(root, 'node_modules', 'web-ext', 'bin', 'web-ext.js');
// web-ext otherwise asks the npm registry whether it is outdated and reads config files from $HOME.
const env = { ...process.env, NO_UPDATE_NOTIFIER: '1' };

function step(what, args) {
  const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`package: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

step('build', [join(root, 'scripts', 'build.mjs'), '--out', out]);

const chromeZip = join(out, `${name}-chrome-${version}.zip`);
writeFileSync(chromeZip, zipDirectory(join(out, 'chrome')));
console.log(`packaged chrome -> ${chromeZip}`);

const firefoxName = `${name}-firefox-${version}.zip`;
const common = ['--source-dir', join(out, 'firefox'), '--no-input', '--no-config-discovery'];
step('web-ext lint', [webExt, 'lint', ...common, '--warnings-as-errors', '--boring']);
step('web-ext build', [webExt, 'build', ...common, '--artifacts-dir', out, '--filename', firefoxName, '--overwrite-dest']);
console.log(`packaged firefox -> ${join(out, firefoxName)}`);
