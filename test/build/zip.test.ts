// scripts/zip.ts: the archive writer `npm run package` uses and the reader its test uses.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles, unzip, zipDirectory } from '../../scripts/zip.ts';

const dir = mkdtempSync(join(tmpdir(), 'shh-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const src = join(dir, 'src');
const files: Record<string, Buffer> = {
  'manifest.json': Buffer.from('{"name":"x"}\n'),
  'a/b/deep.js': Buffer.from('console.log(1);\n'.repeat(500)), // deflates
  'random.bin': Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 251)), // may be stored
  'empty.txt': Buffer.alloc(0),
  'ünïcode.html': Buffer.from('<p>ok</p>'),
};
for (const [p, b] of Object.entries(files)) {
  mkdirSync(join(src, p, '..'), { recursive: true });
  writeFileSync(join(src, p), b);
}

describe('zipDirectory / unzip', () => {
  it('round-trips every file with its path, sorted, and is byte-identical twice', () => {
    const zip = zipDirectory(src);
    expect(listFiles(src)).toEqual(Object.keys(files).sort());
    expect(new Map([...unzip(zip)].map(([k, v]) => [k, v.toString('hex')]))).toEqual(new Map(Object.entries(files).map(([k, v]) => [k, v.toString('hex')])));
    expect(zipDirectory(src).equals(zip)).toBe(true);
  });

  it('is an archive the system unzip accepts (when installed)', () => {
    if (!existsSync('/usr/bin/unzip')) return;
    const path = join(dir, 'a.zip');
    writeFileSync(path, zipDirectory(src));
    const r = spawnSync('/usr/bin/unzip', ['-t', path], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('refuses a damaged archive and a path that climbs out', () => {
    const zip = zipDirectory(src);
    const flipped = Buffer.from(zip);
    flipped[60] = flipped[60]! ^ 0xff; // inside the first entry's data
    expect(() => unzip(flipped)).toThrow(/zip:/);
    expect(() => unzip(zip.subarray(0, zip.length - 22))).toThrow(/no end of central directory/);
    const evil = join(dir, 'evil');
    mkdirSync(join(evil, 'up'), { recursive: true });
    writeFileSync(join(evil, 'up', 'x'), 'x');
    const bad = Buffer.from(zipDirectory(evil).toString('latin1').replaceAll('up/x', '../x'), 'latin1');
    expect(() => unzip(bad)).toThrow(/unsafe path/);
  });
});
