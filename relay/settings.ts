// Node settings that survive a restart: what shh_setMinPoW and shh_setMaxMessageSize set, kept in the
// data folder as settings.json (`{"minPow": 0.5, "maxSize": 131072}`), written atomically (temporary
// file, fsync, rename, fsync of the folder) so a crash leaves the old file or the new one. The
// latest word wins: a setting made over the RPC is saved, and so is --min-pow / --max-size when given
// on the command line; a flag left at its default does not replace what was saved. A damaged file
// stops the relay rather than being replaced in silence.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_MESSAGE_SIZE_CEILING } from '../src/core/constants.ts';
import { StoreError } from './store.ts';

export const SETTINGS_FILE = 'settings.json';

export interface NodeSettings {
  minPow: number;
  maxSize: number;
}

const validMinPow = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const validMaxSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_MESSAGE_SIZE_CEILING;

/** The saved settings in `dir`, or {} when there are none. Throws StoreError naming the file. */
export function loadSettings(dir: string): Partial<NodeSettings> {
  const path = join(dir, SETTINGS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    // No file, or no folder yet (the store reports an unusable folder, naming it, at start).
    if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return {};
    throw new StoreError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const bad = (why: string): StoreError => new StoreError(`${path}: ${why}; fix or remove it (the flags and defaults then apply)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('not a JSON object');
  const { minPow, maxSize } = json as Record<string, unknown>;
  const out: Partial<NodeSettings> = {};
  if (minPow !== undefined) {
    if (!validMinPow(minPow)) throw bad(`minPow must be a number >= 0, got ${JSON.stringify(minPow)}`);
    out.minPow = minPow;
  }
  if (maxSize !== undefined) {
    if (!validMaxSize(maxSize)) throw bad(`maxSize must be an integer 0-${MAX_MESSAGE_SIZE_CEILING}, got ${JSON.stringify(maxSize)}`);
    out.maxSize = maxSize;
  }
  return out;
}

/**
 * Saves `patch` over what is saved (only the settings someone set are written, so a later release's
 * default still applies to the others), atomically, mode 0600. Throws StoreError: the caller must
 * not apply the change then.
 */
export function updateSettings(dir: string, patch: Partial<NodeSettings>): void {
  const s = { ...loadSettings(dir), ...patch };
  if ((s.minPow !== undefined && !validMinPow(s.minPow)) || (s.maxSize !== undefined && !validMaxSize(s.maxSize)))
    throw new RangeError('settings out of range');
  const path = join(dir, SETTINGS_FILE);
  const tmp = `${path}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ minPow: s.minPow, maxSize: s.maxSize })}\n`); // undefined keys are left out
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    // The rename is durable only once the folder's entry is on disk.
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    throw new StoreError(`cannot save settings to ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The settings to start with: a flag given on the command line, else the saved value, else the
 * flag's default. `save` holds the given flags that differ from what was saved (serve.ts saves them).
 */
export function resolveSettings(
  options: NodeSettings,
  given: ReadonlySet<string>,
  saved: Partial<NodeSettings>,
): NodeSettings & { save: Partial<NodeSettings> } {
  const save: Partial<NodeSettings> = {};
  if (given.has('--min-pow') && saved.minPow !== options.minPow) save.minPow = options.minPow;
  if (given.has('--max-size') && saved.maxSize !== options.maxSize) save.maxSize = options.maxSize;
  const minPow = given.has('--min-pow') ? options.minPow : (saved.minPow ?? options.minPow);
  const maxSize = given.has('--max-size') ? options.maxSize : (saved.maxSize ?? options.maxSize);
  return { minPow, maxSize, save };
}
