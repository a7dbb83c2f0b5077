// The relay's libp2p identity, kept in its data folder so its peer id (and so the /p2p/<id> in the
// addresses browsers and other relays dial) is stable across restarts. Written atomically, mode 0600.

import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './store.ts';

export const KEY_FILE = 'identity.key';

/** Loads the key in `dir`, or creates and persists an Ed25519 one. Throws StoreError. */
export async function loadOrCreatePrivateKey(dir: string): Promise<PrivateKey> {
  const path = join(dir, KEY_FILE);
  let bytes: Uint8Array | undefined;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (bytes) {
    try {
      return privateKeyFromProtobuf(bytes);
    } catch (e) {
      // Never silently replace a damaged identity: the operator's published addresses name it.
      throw new StoreError(`${path} is not a libp2p private key (${(e as Error).message}); move it away to create a new identity`, { cause: e });
    }
  }
  const key = await generateKeyPair('Ed25519');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, privateKeyToProtobuf(key));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    throw new StoreError(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  return key;
}
