#!/usr/bin/env node
// `npm run bench [-- name...]`: runs every bench/*.ts (or those whose name contains one of the
// arguments) one after the other on the pinned Node 24, each printing its own table.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const node = join(root, 'node_modules', '.bin', 'node');
const filters = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.replace(/\.ts$/, '').includes(x)))
  .sort();
if (benches.length === 0) {
  console.error(`bench: nothing matches ${filters.join(', ')}`);
  process.exit(1);
}
let failed = 0;
for (const f of benches) {
  console.log(`\n## bench/${f}`);
  const r = spawnSync(node, [join('bench', f)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench/${f} failed (exit ${r.status ?? r.signal})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
