#!/usr/bin/env node
// `npm test`: type check, import-direction lint, then the whole Vitest suite. Ends with one plain
// line `N passed, N failed, N skipped` that any CI can read, and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
// Run the tools on this Node (the pinned one under npm), never on whatever `node` PATH finds first.
const tool = (path) => [process.execPath, [join('node_modules', ...path.split('/'))]];

let failed = 0;
const [node, tsc] = tool('typescript/bin/tsc');
if (run(node, [...tsc, '--noEmit', '-p', 'tsconfig.json']) !== 0) {
  console.error('typecheck: failed');
  failed++;
}
if (run(process.execPath, ['scripts/lint-imports.mjs']) !== 0) failed++;

const dir = mkdtempSync(join(tmpdir(), 'shh-test-'));
const out = join(dir, 'vitest.json');
const [, vitest] = tool('vitest/vitest.mjs');
const status = run(node, [...vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)]);
let passed = 0, testFailed = 0, skipped = 0;
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  passed = r.numPassedTests;
  testFailed = r.numFailedTests;
  skipped = r.numPendingTests + r.numTodoTests;
} catch {
  testFailed++;
}
rmSync(dir, { recursive: true, force: true });
if (status !== 0 && testFailed === 0) testFailed = 1;
// typecheck and lint count as checks of their own in the summary
console.log(`\n${passed} passed, ${testFailed + failed} failed, ${skipped} skipped`);
process.exit(testFailed + failed > 0 ? 1 : 0);
