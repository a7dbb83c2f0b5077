// Node settings that survive a restart (relay/settings.ts): the file's codec and precedence, and a real
// relay whose shh_setMinPoW / shh_setMaxMessageSize are still in shh_info after a restart.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../relay/store.ts';
import { loadSettings, resolveSettings, SETTINGS_FILE, updateSettings } from '../../relay/settings.ts';
import { cleanup, startRelay, tempDataDir } from './harness.ts';

afterAll(cleanup);

type Info = { minPow: number; maxMessageSize: number };

describe('settings file', () => {
  it('absent: nothing saved; update writes only what was set, merged, atomically (no temporary file left)', () => {
    const dir = tempDataDir();
    expect(loadSettings(dir)).toEqual({});
    expect(loadSettings(join(dir, 'missing', 'deeper'))).toEqual({});
    updateSettings(dir, { minPow: 0.5 });
    expect(JSON.parse(readFileSync(join(dir, SETTINGS_FILE), 'utf8'))).toEqual({ minPow: 0.5 });
    updateSettings(dir, { maxSize: 131072 });
    expect(loadSettings(dir)).toEqual({ minPow: 0.5, maxSize: 131072 });
    expect(readdirSync(dir)).toEqual([SETTINGS_FILE]);
  });

  it.each([
    ['not json', /not JSON/],
    ['[1]', /not a JSON object/],
    ['{"minPow":-1}', /minPow must be a number >= 0, got -1/],
    ['{"minPow":"1"}', /minPow must be a number >= 0/],
    ['{"maxSize":1.5}', /maxSize must be an integer 0-1048576, got 1.5/],
    ['{"maxSize":2000000}', /maxSize must be an integer/],
  ])('a damaged file %j is refused with the reason and the file named, never replaced', (text, why) => {
    const dir = tempDataDir();
    writeFileSync(join(dir, SETTINGS_FILE), text);
    expect(() => loadSettings(dir)).toThrow(StoreError);
    expect(() => loadSettings(dir)).toThrow(why);
    expect(() => loadSettings(dir)).toThrow(join(dir, SETTINGS_FILE));
    expect(() => updateSettings(dir, { minPow: 1 })).toThrow(StoreError);
    expect(readFileSync(join(dir, SETTINGS_FILE), 'utf8')).toBe(text);
  });

  it('an unwritable folder: StoreError naming the file (so the RPC call fails and nothing changes)', (ctx) => {
    if (process.getuid?.() === 0) return ctx.skip('root writes into a read-only folder');
    const dir = tempDataDir();
    mkdirSync(join(dir, 'ro'));
    chmodSync(join(dir, 'ro'), 0o500);
    expect(() => updateSettings(join(dir, 'ro'), { minPow: 1 })).toThrow(/cannot save settings to .*settings\.json/);
  });

  it('precedence: a given flag, else the saved value, else the default; only given flags that differ are saved', () => {
    const defaults = { minPow: 0.2, maxSize: 65536 };
    expect(resolveSettings(defaults, new Set(), {})).toEqual({ ...defaults, save: {} });
    expect(resolveSettings(defaults, new Set(), { minPow: 1 })).toEqual({ minPow: 1, maxSize: 65536, save: {} });
    expect(resolveSettings({ minPow: 2, maxSize: 65536 }, new Set(['--min-pow']), { minPow: 1, maxSize: 100 })).toEqual({
      minPow: 2, maxSize: 100, save: { minPow: 2 },
    });
    expect(resolveSettings({ minPow: 1, maxSize: 70000 }, new Set(['--min-pow', '--max-size']), { minPow: 1 })).toEqual({
      minPow: 1, maxSize: 70000, save: { maxSize: 70000 },
    });
  });
});

describe('a relay restarted', () => {
  it('keeps what shh_setMinPoW and shh_setMaxMessageSize set; a flag given later replaces it and is kept in turn', async () => {
    const a = await startRelay();
    expect(await a.rpc('shh_info')).toMatchObject({ minPow: 0.2, maxMessageSize: 65536 });
    expect(await a.rpc('shh_setMinPoW', [0.75])).toBe(true);
    expect(await a.rpc('shh_setMaxMessageSize', [131072])).toBe(true);
    a.child.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });

    const b = await startRelay([], a.data);
    expect(await b.rpc('shh_info')).toMatchObject({ minPow: 0.75, maxMessageSize: 131072 });
    expect(b.stderr()).not.toMatch(/ error /);
    b.child.kill('SIGKILL'); // durable the moment the call answered, not only at a clean stop
    await b.exited;

    const c = await startRelay(['--min-pow', '0.3'], a.data);
    expect(await c.rpc('shh_info')).toMatchObject({ minPow: 0.3, maxMessageSize: 131072 });
    c.child.kill('SIGTERM');
    await c.exited;
    const d = await startRelay([], a.data);
    expect(await d.rpc('shh_info')).toMatchObject({ minPow: 0.3, maxMessageSize: 131072 } satisfies Partial<Info> as Info);
  }, 120_000);

  it('a damaged settings file stops the relay at start: exit 1, one error line naming it', async () => {
    const data = tempDataDir();
    writeFileSync(join(data, SETTINGS_FILE), '{"minPow":');
    await expect(startRelay([], data)).rejects.toThrow(/exited with 1 before ready; stderr: .* error .*settings\.json: not JSON/);
  }, 40_000);
});
