// relay/version.ts: package.json's version, the one the relay's --version prints and the build stamps.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../relay/version.ts';

const dir = mkdtempSync(join(tmpdir(), 'shh-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const withPackage = (json: unknown): string => {
  const p = join(dir, `package-${n++}.json`);
  writeFileSync(p, JSON.stringify(json));
  return p;
};

describe('packageVersion', () => {
  it("reads the repository's package.json by default", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
    expect(packageVersion()).toBe(pkg.version);
  });
  it('accepts semver with a pre-release tag', () => {
    expect(packageVersion(withPackage({ version: '1.0.0-rc.2' }))).toBe('1.0.0-rc.2');
  });
  it('refuses a missing or malformed version, naming the file', () => {
    for (const bad of [{}, { version: 1 }, { version: '1.0' }, { version: 'latest' }]) {
      const p = withPackage(bad);
      expect(() => packageVersion(p)).toThrow(RangeError);
      expect(() => packageVersion(p)).toThrow(p);
    }
  });
});
