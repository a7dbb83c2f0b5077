#!/usr/bin/env node
// Enforces STYLE.md's layering: imports only point down the layer table, and the shared layers
// (core, net) touch no browser or extension globals, so they run unchanged in the relay.
// It also rejects import cycles among the files it checks: it builds the graph of relative imports,
// finds its strongly connected components (Tarjan) and prints each cycle as a chain
// `a.ts -> b.ts -> a.ts`. Type-only imports (`import type`, `import('./x.ts').T`) and dynamic imports
// count as edges too: a type cycle is still two files that cannot be understood one without the other,
// and breaking it (moving the shared type down into its own file) is always cheap.
// Prints one line per violation and exits 1 if there is any. `--root DIR` checks DIR/src and
// DIR/relay instead of this repository's (the lint's own test runs it on small fixtures).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const rootAt = process.argv.indexOf('--root');
const root =
  rootAt > 0 && process.argv[rootAt + 1]
    ? resolve(process.argv[rootAt + 1])
    : resolve(dirname(new URL(import.meta.url).pathname), '..');

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
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

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
      const spec = m[1] ?? m[2] ?? m[3];
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

const toPosix = (p) => p.split(sep).join('/');

/** The relative-import graph of `files`: absolute path -> set of imported absolute paths among `files`. */
export function importGraph(files) {
  const known = new Set(files.map((f) => resolve(f)));
  const graph = new Map();
  for (const file of known) {
    const edges = new Set();
    const src = stripComments(readFileSync(file, 'utf8'));
    for (const m of src.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (known.has(target)) edges.add(target);
    }
    graph.set(file, edges);
  }
  return graph;
}

/** Tarjan's strongly connected components of `graph`, each sorted; only those that hold a cycle. */
export function cyclicComponents(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The shortest cycle through `start` inside `scc` (breadth-first), as a closed chain of paths. */
function cycleThrough(graph, scc, start) {
  const inside = new Set(scc);
  const parent = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (w === start) {
        const chain = [start];
        for (let u = v; u !== start; u = parent.get(u)) chain.splice(1, 0, u);
        return [...chain, start];
      }
      if (inside.has(w) && !parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * One problem line per import cycle among `files` (paths shown relative to `base`): within each
 * strongly connected component, the shortest cycle through each of its files, each cycle printed once
 * (starting at its first file in sorted order), so every file of the component is on a printed chain.
 */
export function checkCycles(files, base = root) {
  const graph = importGraph(files);
  const show = (f) => toPosix(relative(base, f));
  const lines = [];
  for (const scc of cyclicComponents(graph)) {
    const seen = new Set();
    for (const file of scc) {
      const ring = cycleThrough(graph, scc, file).slice(0, -1);
      const first = ring.indexOf([...ring].sort()[0]);
      const chain = [...ring.slice(first), ...ring.slice(0, first), ring[first]];
      const key = chain.join('\n');
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`import cycle: ${chain.map(show).join(' -> ')}`);
    }
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = ['src', 'relay'].flatMap((d) => {
    try {
      return [...walk(join(root, d))];
    } catch {
      return [];
    }
  });
  const problems = [...check(files), ...checkCycles(files)];
  for (const p of problems) console.error(p);
  console.log(`lint-imports: ${files.length} files, ${problems.length} problems`);
  process.exit(problems.length ? 1 : 0);
}
