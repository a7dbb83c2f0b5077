// The repository stands alone: its code and docs point at docs/PROTOCOL.md and other files inside it,
// never at a contract or platform notes kept outside it, by file name or by section sign, nor at the
// numbers of issues in a tracker a reader of the repository cannot see. Patterns below.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCOPE = ['src', 'relay', 'docs', 'README.md'];
const TEXT = /\.(ts|mts|mjs|js|json|html|css|md)$/;
/** Each with why it is not wanted. */
const FORBIDDEN: [RegExp, string][] = [
  [/shared\/SPEC/, 'a file outside the repository'],
  [/\bSPEC(\.md)? ?§/, 'the external spec; cite docs/PROTOCOL.md §N'],
  [/\bPLATFORM\.md\b/, 'a file outside the repository'],
  [/\bissues? #?\d/i, 'an issue number'],
];

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return TEXT.test(path) ? [path] : [];
  return readdirSync(path).flatMap((n) => files(join(path, n)));
}

describe('the repository stands alone', () => {
  it(`nothing in ${SCOPE.join(', ')} cites the outside spec, the platform notes or issue numbers`, () => {
    const hits: string[] = [];
    for (const file of SCOPE.flatMap((p) => files(join(ROOT, p)))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const [re, why] of FORBIDDEN) if (re.test(line)) hits.push(`${relative(ROOT, file)}:${i + 1}: ${why}: ${line.trim().slice(0, 120)}`);
        });
    }
    expect(hits, hits.join('\n')).toEqual([]);
  });

  it('the docs it points at exist', () => {
    for (const f of ['docs/PROTOCOL.md', 'docs/SYNC.md', 'docs/PRIVACY.md', 'docs/RELAY.md', 'LICENSE', 'CHANGELOG.md'])
      expect(statSync(join(ROOT, f)).size, f).toBeGreaterThan(0);
  });

  it('docs/PROTOCOL.md has every section code comments cite', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'PROTOCOL.md'), 'utf8');
    for (const n of ['1', '2', '3', '4', '5', '5b', '6', '7']) expect(doc, `§${n}`).toMatch(new RegExp(`^## ${n}\\. `, 'm'));
  });
});
