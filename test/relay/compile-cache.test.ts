// The relay's compile cache (relay/compile-cache.ts, docs/RELAY.md "Storage and back-up"): the data
// folder is found as cli.ts finds it, the cache is written into an existing data folder once the relay
// serves, and nothing is created for a folder that does not exist yet. Every process is started by the
// harness and killed by pid afterwards.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../relay/cli.ts';
import { COMPILE_CACHE_DIR, dataFolderOf, DEFAULT_DATA } from '../../relay/compile-cache.ts';
import { cleanup, startRelay, tempDataDir } from './harness.ts';

afterAll(cleanup);

const files = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? files(join(dir, e.name)) : 1), 0);

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dataFolderOf', () => {
  it('reads --data as parseArgs does', () => {
    const cases: string[][] = [
      [],
      ['--data', '/srv/a'],
      ['--data=/srv/b'],
      ['--port', '0', '--data', '/srv/c', '--min-pow', '1'],
      ['--data', '/srv/d', '--data=/srv/e'],
      ['--announce', '/dns4/x/tcp/443/wss', '--data', 'rel/f', '--log-level=debug'],
      ['--peer', '/ip4/1.2.3.4/tcp/9090/ws', '--data=a=b', '--port', '1'],
    ];
    for (const argv of cases) {
      const parsed = parseArgs(argv);
      if (parsed.help || parsed.version) throw new Error('not a start');
      expect(dataFolderOf(argv), argv.join(' ')).toBe(parsed.options.data);
    }
    expect(dataFolderOf([])).toBe(DEFAULT_DATA);
  });
  it('is undefined for --help and --version, which start nothing', () => {
    for (const argv of [['--help'], ['-h'], ['--data', '/srv/a', '--version'], ['-v']]) expect(dataFolderOf(argv)).toBeUndefined();
  });
});

describe('the relay process', () => {
  it('writes the cache into an existing data folder once it serves, and starts again from it', async () => {
    const data = tempDataDir();
    const cache = join(data, COMPILE_CACHE_DIR);
    const r = await startRelay([], data);
    // The relay's own modules and its dependencies: hundreds of entries.
    await until('the cache is written', () => existsSync(cache) && files(cache) > 100);
    r.child.kill('SIGTERM');
    expect((await r.exited).code).toBe(0);
    const again = await startRelay([], data);
    expect(await again.rpc('net_listening')).toBe(true);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  }, 90_000);

  it('creates no cache in a data folder it has to create (the store creates it, mode 0700)', async () => {
    const data = join(tempDataDir(), 'new');
    const r = await startRelay([], data);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    r.child.kill('SIGTERM');
    expect((await r.exited).code).toBe(0);
    expect(existsSync(join(data, COMPILE_CACHE_DIR))).toBe(false);
  }, 60_000);
});
