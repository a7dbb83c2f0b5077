// The project's version, read from package.json: the one source of the version for the relay's
// `--version`, both extension manifests (scripts/build.mjs) and the package archives
// (scripts/package.mjs). package.json sits two folders up in a clone and in `npm ci --omit=dev`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE_JSON = join(import.meta.dirname, '..', 'package.json');
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** package.json's `version` (for example "0.1.0"); throws if it is missing or not plain semver. */
export function packageVersion(path: string = PACKAGE_JSON): string {
  const { version } = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string' || !SEMVER.test(version)) throw new RangeError(`${path}: version must be semver, got ${JSON.stringify(version)}`);
  return version;
}
