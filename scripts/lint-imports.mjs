#!/usr/bin/env node
// Enforces STYLE.md's layering: imports only point down the layer table, and the shared layers
// (core, net) touch no browser or extension globals, so they run unchanged in the relay.
// Prints one line per violation and exits 1 if there is any.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

// layer -> layers (or package prefixes) it may import. '*pkg' entries are npm packages.
export const RULES = {
  'src/core': { layers: ['src/core'], packages: ['@noble/', 'tiny-secp256k1'] },
  'src/net': { layers: ['src/core', 'src/net'], packages: null },
  'src/store': { layers: ['src/core', 'src/store'], packages: null },
  'src/rpc': { layers: ['src/core', 'src/rpc'], packages: null },
  'src/peer': { layers: ['src/core', 'src/net', 'src/api', 'src/store', 'src/rpc', 'src/peer'], packages: null },
  'src/background': {
    layers: ['src/core', 'src/net', 'src/api', 'src/store', 'src/rpc', 'src/peer', 'src/background'],
    packages: null,
  },
  'src/content': { layers: ['src/rpc', 'src/content'], packages: null },
  'src/inpage': { layers: ['src/rpc', 'src/inpage'], packages: null },
  'src/popup': { layers: ['src/rpc', 'src/popup'], packages: null },
  'src/api': { layers: ['src/core', 'src/rpc', 'src/api'], packages: null },
  relay: { layers: ['src/core', 'src/net', 'src/rpc', 'src/api', 'relay'], packages: null },
};
const SHARED = ['src/core', 'src/net', 'src/api'];
const BROWSER_GLOBALS = /\b(chrome|browser|window|document|indexedDB|localStorage|navigator)\s*\./;
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield p;
  }
}

const layerOf = (rel) => Object.keys(RULES).find((l) => rel === l || rel.startsWith(l + '/'));
const stripComments = (s) => s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

export function check(files) {
  const problems = [];
  for (const file of files) {
    const rel = relative(root, file).split(sep).join('/');
    const layer = layerOf(rel);
    if (!layer) continue;
    const rule = RULES[layer];
    const src = stripComments(readFileSync(file, 'utf8'));
    for (const m of src.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec)).split(sep).join('/');
        const tl = layerOf(target);
        if (tl && !rule.layers.includes(tl)) problems.push(`${rel}: imports ${spec} (${tl}), not allowed from ${layer}`);
      } else if (rule.packages && !spec.startsWith('node:') && !rule.packages.some((p) => spec.startsWith(p))) {
        problems.push(`${rel}: imports package ${spec}, ${layer} may import only ${rule.packages.join(', ')}`);
      }
      if (SHARED.includes(layer) && spec.startsWith('node:'))
        problems.push(`${rel}: imports ${spec}; ${layer} must run in browsers too`);
    }
    if (SHARED.includes(layer)) {
      const hit = src.match(BROWSER_GLOBALS);
      if (hit) problems.push(`${rel}: uses ${hit[0].trim()}; ${layer} must not touch browser globals`);
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = ['src', 'relay'].flatMap((d) => {
    try {
      return [...walk(join(root, d))];
    } catch {
      return [];
    }
  });
  const problems = check(files);
  for (const p of problems) console.error(p);
  console.log(`lint-imports: ${files.length} files, ${problems.length} problems`);
  process.exit(problems.length ? 1 : 0);
}
