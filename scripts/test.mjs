#!/usr/bin/env node
// `npm test`: type check, import-direction lint, then the whole Vitest suite. Ends with one plain
// line `N passed, N failed, N skipped` that any CI can read, and exits non-zero on any failure.
// Browser tests need Chromium and Firefox (found as scripts/browsers.ts says: $CHROMIUM, $FIREFOX,
// Debian's paths, the PATH); the files that need a missing one are left out and named, before the
// run and again under the summary, so a machine without them still tests everything else.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSERS, findBrowser, testsNeeding } from './browsers.ts';

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

const skippedFiles = new Set();
const skipNotes = [];
for (const name of Object.keys(BROWSERS)) {
  const found = findBrowser(name);
  if (found.path) continue;
  const files = testsNeeding(name, process.cwd());
  for (const f of files) skippedFiles.add(f);
  skipNotes.push(`skipped ${files.length} ${BROWSERS[name].label} test files (${found.missing}): ${files.join(', ')}`);
}
for (const note of skipNotes) console.warn(note);
const excludes = [...skippedFiles].flatMap((f) => ['--exclude', f]);

const dir = mkdtempSync(join(tmpdir(), 'shh-test-'));
const out = join(dir, 'vitest.json');
const [, vitest] = tool('vitest/vitest.mjs');
const status = run(node, [...vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...excludes, ...process.argv.slice(2)]);
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
for (const note of skipNotes) console.log(note);
process.exit(testFailed + failed > 0 ? 1 : 0);
