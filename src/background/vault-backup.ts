// The encrypted backup file (docs/SECURITY.md "Export"): the vault's secrets (identities and the keys sites made) as
// JSON, sealed with AES-256-GCM under PBKDF2-SHA256(password, fresh salt). The KDF parameters travel in
// the file so a later version can raise them; the file holds nothing readable without the password.
// A decrypted file is still untrusted input: every id is 64 lowercase hex, every key's origin an
// http(s) origin in canonical form, every secret of the right length, and the relay list a short list
// of strings (the settings check the addresses themselves when the user accepts them).

import { fromHex, toHex } from '../core/bytes.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import { isObject, isString } from '../rpc/guards.ts';
import type { SettingsRow } from '../store/db.ts';
import { AAD, aesKey, deriveKey, KDF_ITERATIONS, open, SALT_BYTES, seal } from './vault-crypto.ts';

export const BACKUP_FORMAT = 'whisper-vault-backup';
/** An imported file cannot make the extension spin for minutes. */
export const MAX_BACKUP_ITERATIONS = 10_000_000;
export const MAX_BACKUP_CHARS = 8 * 1024 * 1024;
/** A relay list longer than the settings accept (MAX_RELAYS) is refused there; this only bounds what is shown. */
const MAX_BACKUP_RELAYS = 64;
const MAX_RELAY_CHARS = 1024;

export interface BackupIdentity {
  id: string;
  name: string;
  privateKey: string; // 0x hex
  createdAt: number;
}

export interface BackupKey {
  origin: string;
  kind: 'pair' | 'sym';
  id: string;
  key: string; // 0x hex
}

export interface BackupContents {
  identities: BackupIdentity[];
  keys: BackupKey[];
  settings: SettingsRow;
}

interface BackupFile {
  format: typeof BACKUP_FORMAT;
  version: 1;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string };
  cipher: { name: 'AES-256-GCM'; iv: string };
  ciphertext: string;
  createdAt: number;
}

const notBackup = (): RpcError => new RpcError(RPC.invalidParams, 'This is not a Whisper backup file.');
export const WRONG_BACKUP_PASSWORD = 'Wrong password for this backup file.';

export async function encryptBackup(
  contents: BackupContents,
  password: string,
  o: { randomBytes: (n: number) => Uint8Array; now: () => number; iterations?: number },
): Promise<string> {
  const iterations = o.iterations ?? KDF_ITERATIONS;
  const salt = o.randomBytes(SALT_BYTES);
  const key = await aesKey(await deriveKey(password, salt, iterations));
  const box = await seal(key, new TextEncoder().encode(JSON.stringify(contents)), AAD.backup, o.randomBytes);
  const file: BackupFile = {
    format: BACKUP_FORMAT,
    version: 1,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toHex(salt) },
    cipher: { name: 'AES-256-GCM', iv: toHex(box.iv) },
    ciphertext: toHex(box.ct),
    createdAt: o.now(),
  };
  return JSON.stringify(file, null, 2);
}

/** Opens a backup file's text; -32602 with a clear message for a foreign file or a wrong password. */
export async function decryptBackup(text: string, password: string): Promise<BackupContents> {
  if (typeof text !== 'string' || text.length > MAX_BACKUP_CHARS) throw notBackup();
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    throw notBackup();
  }
  if (!isFile(f)) throw notBackup();
  let plain: Uint8Array;
  try {
    const key = await aesKey(await deriveKey(password, fromHex(f.kdf.salt, true), f.kdf.iterations));
    plain = await open(key, { iv: fromHex(f.cipher.iv, true), ct: fromHex(f.ciphertext, true) }, AAD.backup);
  } catch {
    throw new RpcError(RPC.invalidParams, WRONG_BACKUP_PASSWORD);
  }
  let c: unknown;
  try {
    c = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    throw notBackup();
  }
  const problem = contentsProblem(c);
  if (problem !== undefined) throw new RpcError(RPC.invalidParams, `This backup file is refused: ${problem}. Nothing was imported.`);
  return c as BackupContents;
}

const hexRe = /^0x([0-9a-f]{2})+$/;
const isHexStr = (x: unknown): x is string => isString(x) && hexRe.test(x);
const idRe = /^[0-9a-f]{64}$/;
const secretRe = /^0x[0-9a-f]{64}$/; // private keys and symmetric keys are both 32 bytes

/** An http(s) origin exactly as the browser reports it (scheme://host[:port], lower case, no default port, no path). */
export function isCanonicalOrigin(x: unknown): x is string {
  if (!isString(x)) return false;
  let u: URL;
  try {
    u = new URL(x);
  } catch {
    return false;
  }
  return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === x;
}

function isFile(f: unknown): f is BackupFile {
  if (!isObject(f) || f.format !== BACKUP_FORMAT || f.version !== 1 || !isObject(f.kdf) || !isObject(f.cipher)) return false;
  const { kdf, cipher } = f;
  return (
    kdf.name === 'PBKDF2' && kdf.hash === 'SHA-256' && Number.isSafeInteger(kdf.iterations) &&
    (kdf.iterations as number) >= 1 && (kdf.iterations as number) <= MAX_BACKUP_ITERATIONS && isHexStr(kdf.salt) &&
    cipher.name === 'AES-256-GCM' && isHexStr(cipher.iv) && (cipher.iv as string).length === 26 && isHexStr(f.ciphertext)
  );
}

/** Why a decrypted file's contents are refused, or undefined when they are sound. */
function contentsProblem(c: unknown): string | undefined {
  if (!isObject(c) || !Array.isArray(c.identities) || !Array.isArray(c.keys) || !isObject(c.settings)) return 'its contents are not a vault';
  for (const [n, i] of c.identities.entries()) {
    if (!isObject(i) || !isString(i.id) || !idRe.test(i.id)) return `identity ${n + 1} has no valid id (64 hex digits)`;
    if (!isString(i.name) || !isString(i.privateKey) || !secretRe.test(i.privateKey) || !Number.isFinite(i.createdAt)) return `identity ${n + 1} is malformed`;
  }
  for (const [n, k] of c.keys.entries()) {
    if (!isObject(k) || !isCanonicalOrigin(k.origin)) return `site key ${n + 1} names no http(s) origin in canonical form`;
    if (!isString(k.id) || !idRe.test(k.id)) return `site key ${n + 1} has no valid id (64 hex digits)`;
    if ((k.kind !== 'pair' && k.kind !== 'sym') || !isString(k.key) || !secretRe.test(k.key)) return `site key ${n + 1} is malformed`;
  }
  const { relays } = c.settings;
  if (relays !== undefined && !(Array.isArray(relays) && relays.length <= MAX_BACKUP_RELAYS && relays.every((r) => isString(r) && r.length <= MAX_RELAY_CHARS)))
    return 'its relay list is malformed';
  return undefined;
}
