#!/usr/bin/env node
// `npm run build`: writes dist/chrome (MV3) and dist/firefox (MV2) from one source (docs/PROTOCOL.md
// §5). Options: --target chrome|firefox (default both), --out DIR (default dist). The relay list is
// read from WHISPER_RELAYS at build time and inlined; the code falls back to the relay's default port.
// WHISPER_DARK_DEFAULT=off ships "Send dark by default" off; WHISPER_MIX_CLIENT (JSON) sets the mix
// client's clock for tests (src/peer/dark-defaults.ts).
// Both manifests take their version from package.json (manifest.json has none of its own).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { extensionConfigs } from '../vite.config.ts';
import { packageVersion } from '../relay/version.ts';
import { firefoxManifest, withVersion } from './firefox-manifest.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { target: { type: 'string', multiple: true }, out: { type: 'string', default: 'dist' } } });
const targets = values.target ?? ['chrome', 'firefox'];
for (const t of targets) if (t !== 'chrome' && t !== 'firefox') throw new RangeError(`--target: unknown ${t}`);
const outRoot = resolve(root, values.out);
const relays = process.env.WHISPER_RELAYS ?? '';
const darkDefault = process.env.WHISPER_DARK_DEFAULT ?? '';
const mixClient = process.env.WHISPER_MIX_CLIENT ?? '';

const started = performance.now();
const chromeManifest = withVersion(JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')), packageVersion(join(root, 'package.json')));
for (const target of targets) {
  const outDir = join(outRoot, target);
  for (const config of extensionConfigs({ target, outDir, relays, darkDefault, mixClient, root })) await build(config);
  const manifest = target === 'chrome' ? chromeManifest : firefoxManifest(chromeManifest);
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`built ${target} -> ${outDir}`);
}
console.log(`build: ${((performance.now() - started) / 1000).toFixed(1)} s`);
