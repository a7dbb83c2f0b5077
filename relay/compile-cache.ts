// Node's on-disk compile cache for the relay (docs/RELAY.md "Compile cache"): the relay's own .ts
// files (their type stripping too) and its dependencies are compiled once and kept in
// DIR/compile-cache, so a restart loads them from there instead of compiling them again (most of an
// empty relay's start-up). It must be on before the first heavy import, so this module is the only
// one main.ts loads first, and it finds the data folder itself: the same `--data DIR` / `--data=DIR`
// cli.ts parses later (which imports too much to go first). In the data folder, not the OS temp folder: that folder is
// only the relay's (mode 0700, it holds the identity key), where a shared /tmp/node-compile-cache would let another
// local user leave compiled code for the relay to run. NODE_COMPILE_CACHE=DIR chooses another folder,
// NODE_DISABLE_COMPILE_CACHE=1 turns it off (both Node's own). Nothing here may fail the start.

import { constants, enableCompileCache, flushCompileCache } from 'node:module';
import { statSync } from 'node:fs';
import { join } from 'node:path';

/** The data folder when --data is not given (cli.ts's DEFAULT_OPTIONS.data). */
export const DEFAULT_DATA = './.whisper-relay';

/** The cache's folder inside the data folder. */
export const COMPILE_CACHE_DIR = 'compile-cache';

/**
 * The data folder `argv` names, read the way cli.ts's parseArgs reads it (each `--flag` but --help and
 * --version takes a value, inline after `=` or as the next argument; the last --data wins), or
 * undefined for --help / --version, which load little and start nothing. A usage error found later
 * by parseArgs still stops the relay before it starts.
 */
export function dataFolderOf(argv: readonly string[]): string | undefined {
  let data = DEFAULT_DATA;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h' || arg === '--version' || arg === '-v') return undefined;
    const eq = arg.indexOf('=');
    if (eq >= 0) {
      if (arg.slice(0, eq) === '--data') data = arg.slice(eq + 1);
    } else if (arg.startsWith('--')) {
      const value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) continue; // parseArgs refuses it
      if (arg === '--data') data = value;
      i++;
    }
  }
  return data;
}

export type CompileCacheState =
  | { kind: 'on'; directory: string }
  | { kind: 'off'; why: string };

let state: CompileCacheState = { kind: 'off', why: 'not asked' };

/** What startCompileCache() did, for the start-up log. */
export const compileCache = (): CompileCacheState => state;

/**
 * Turns the compile cache on in DATA/compile-cache (or NODE_COMPILE_CACHE's folder). Only when the
 * data folder exists: it is created later with mode 0700 by the store, and a relay's first start
 * (no folder yet) or a usage error must not create it here. So the second start writes the cache and
 * later ones read it.
 */
export function startCompileCache(argv: readonly string[]): CompileCacheState {
  const data = dataFolderOf(argv);
  if (data === undefined) return (state = { kind: 'off', why: '--help / --version' });
  let dir: string;
  try {
    if (!statSync(data).isDirectory()) return (state = { kind: 'off', why: `${data} is not a folder` });
    dir = join(data, COMPILE_CACHE_DIR);
  } catch {
    return (state = { kind: 'off', why: `no data folder yet (${data})` });
  }
  try {
    const r = enableCompileCache(dir);
    if (r.status === constants.compileCacheStatus.ENABLED || r.status === constants.compileCacheStatus.ALREADY_ENABLED)
      return (state = { kind: 'on', directory: r.directory ?? dir });
    if (r.status === constants.compileCacheStatus.DISABLED) return (state = { kind: 'off', why: 'NODE_DISABLE_COMPILE_CACHE' });
    return (state = { kind: 'off', why: r.message ?? `cannot use ${dir}` });
  } catch (e) {
    return (state = { kind: 'off', why: e instanceof Error ? e.message : String(e) });
  }
}

/**
 * Writes what was compiled so far to the cache now (Node otherwise writes it only at a clean exit, and
 * a relay is often killed): called once the relay serves, when every start-up module is loaded.
 */
export function saveCompileCache(): void {
  if (state.kind === 'on') flushCompileCache();
}
