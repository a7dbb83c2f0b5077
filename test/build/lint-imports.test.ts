// scripts/lint-imports.mjs: besides the layer rules, it fails on an import cycle among the files it
// checks (type-only imports included) and prints each cycle as a chain.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'lint-imports.mjs');
const dir = mkdtempSync(join(tmpdir(), 'shh-lint-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes a fixture repository (path -> source) and runs the lint on it. */
function lint(files: Record<string, string>): { status: number | null; out: string } {
  const root = join(dir, `repo-${n++}`);
  for (const [path, src] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), src);
  }
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('scripts/lint-imports.mjs import cycles', () => {
  it('passes a graph without a cycle', () => {
    const r = lint({
      'src/core/a.ts': "import { b } from './b.ts';\nimport type { C } from './c.ts';\nexport const a = b;\n",
      'src/core/b.ts': "import type { C } from './c.ts';\nexport const b = 1;\n",
      'src/core/c.ts': 'export type C = number;\n',
      'relay/main.ts': "import { a } from '../src/core/a.ts';\nconsole.log(a);\n",
    });
    expect(r.out).toContain('0 problems');
    expect(r.status).toBe(0);
  });

  it('fails on a cycle, type-only edges included, and prints it as a chain', () => {
    const r = lint({
      'src/core/a.ts': "import { b } from './b.ts';\nexport const a = b;\n",
      'src/core/b.ts': "import { c } from './c.ts';\nexport const b = c;\n",
      'src/core/c.ts': "import type { A } from './a.ts';\nexport const c = 1;\nexport type C = A;\n",
      'src/core/d.ts': "import { a } from './a.ts';\nexport const d = a;\n",
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain('import cycle: src/core/a.ts -> src/core/b.ts -> src/core/c.ts -> src/core/a.ts');
    expect(r.out).not.toContain('d.ts');
    expect(r.out).toContain('1 problems');
  });

  it('reports each cycle group once, across layers and through a dynamic import', () => {
    const r = lint({
      'src/rpc/x.ts': "import { y } from './y.ts';\nexport const x = y;\n",
      'src/rpc/y.ts': "export const y = 1;\nexport type X = typeof import('./x.ts').x;\n",
      'relay/p.ts': "export * from './q.ts';\n",
      'relay/q.ts': "import { p } from './p.ts';\nexport const q = p;\n",
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain('import cycle: relay/p.ts -> relay/q.ts -> relay/p.ts');
    expect(r.out).toContain('import cycle: src/rpc/x.ts -> src/rpc/y.ts -> src/rpc/x.ts');
    expect(r.out).toContain('2 problems');
  });

  it('prints every cycle of a group whose files share one hub, each once', () => {
    const r = lint({
      'src/popup/hub.ts': "import { a } from './a-view.ts';\nimport { b } from './b-view.ts';\nexport type Screen = 1;\nexport const hub = [a, b];\n",
      'src/popup/a-view.ts': "import type { Screen } from './hub.ts';\nexport const a: Screen = 1;\n",
      'src/popup/b-view.ts': "import type { Screen } from './hub.ts';\nexport const b: Screen = 1;\n",
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain('import cycle: src/popup/a-view.ts -> src/popup/hub.ts -> src/popup/a-view.ts');
    expect(r.out).toContain('import cycle: src/popup/b-view.ts -> src/popup/hub.ts -> src/popup/b-view.ts');
    expect(r.out).toContain('2 problems');
  });
});
