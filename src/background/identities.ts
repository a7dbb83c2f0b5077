// The user's identities: create, name, rename, import a raw private key, export it (the
// password asked again), delete (taken from every site first, each told at once). Private keys are
// sealed by the vault before they touch IndexedDB and opened only to sign or decrypt, or for an export
// the user asked for in the popup; no page-facing path returns them.

import { fromHex, toHex } from '../core/bytes.ts';
import { PRIVATE_KEY_LENGTH } from '../core/constants.ts';
import { isValidPrivateKey, publicKeyOf } from '../core/signature.ts';
import { invalidParams } from '../rpc/errors.ts';
import { newKeyId } from '../api/keys.ts';
import type { IdentityRow } from '../store/db.ts';
import type { IdentityRows } from '../store/identities.ts';
import type { IdentityDetails } from '../rpc/popup.ts';
import type { Permissions } from './permissions.ts';
import { AAD } from './vault-crypto.ts';
import type { Vault } from './vault.ts';
import { createLog } from '../rpc/log.ts';

const log = createLog('shh:bg:identities');

export const MAX_NAME_LENGTH = 64;

export interface IdentitiesInit {
  rows: IdentityRows;
  permissions: Permissions;
  vault: Vault;
  randomBytes: (n: number) => Uint8Array;
  now?: () => number; // ms
}

export class Identities {
  readonly #i: IdentitiesInit;
  readonly #now: () => number;

  constructor(init: IdentitiesInit) {
    this.#i = init;
    this.#now = init.now ?? Date.now;
  }

  async list(): Promise<IdentityDetails[]> {
    return (await this.#i.rows.list())
      .filter((r) => r.publicKey)
      .map((r) => ({ id: r.id, name: r.name, publicKey: r.publicKey!, createdAt: r.createdAt, sites: this.#i.permissions.sitesOf(r.id) }));
  }

  async create(name: string): Promise<IdentityDetails> {
    for (;;) {
      const k = this.#i.randomBytes(PRIVATE_KEY_LENGTH);
      if (isValidPrivateKey(k)) return this.#add(name, k, this.#now());
    }
  }

  /** A raw private key (0x + 64 hex, or 64 hex) the user pasted. A key already held is refused. */
  async importKey(name: string, privateKeyHex: string): Promise<IdentityDetails> {
    const hex = privateKeyHex.trim().toLowerCase();
    if (!/^(0x)?[0-9a-f]{64}$/.test(hex)) throw invalidParams('A private key is 64 hexadecimal characters (32 bytes), optionally after 0x.');
    const k = fromHex(hex.startsWith('0x') ? hex : `0x${hex}`, true);
    if (!isValidPrivateKey(k)) throw invalidParams('This is not a valid secp256k1 private key.');
    return this.#add(name, k, this.#now());
  }

  /** Restores an identity from a backup under its old id; false when that id or key is already here. */
  async restore(b: { id: string; name: string; privateKey: Uint8Array; createdAt: number }): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(b.id) || (await this.#i.rows.get(b.id))) return false;
    try {
      await this.#add(b.name, b.privateKey, b.createdAt, b.id);
      return true;
    } catch (e) {
      log.warn('a backup identity could not be restored', e);
      return false;
    }
  }

  async rename(id: string, name: string): Promise<void> {
    if (!(await this.#i.rows.rename(id, checkName(name)))) throw invalidParams('unknown identity');
    await this.#i.permissions.announce(this.#i.permissions.sitesOf(id)); // sites show the new name
  }

  /** The raw private key, for the popup's export after the password was checked again. */
  async exportKey(id: string, password: string): Promise<string> {
    await this.#i.vault.verify(password);
    const k = await this.privateKey(id);
    if (!k) throw invalidParams('unknown identity');
    return toHex(k);
  }

  /** Deletes an identity: every site loses it first (identitiesChanged). Returns those sites. */
  async remove(id: string): Promise<string[]> {
    if (!(await this.#i.rows.get(id))) throw invalidParams('unknown identity');
    const sites = await this.#i.permissions.revokeIdentity(id);
    await this.#i.rows.remove(id);
    return sites;
  }

  /** Deletes every identity (vault wipe; the caller revoked the sites first). */
  clear(): Promise<void> {
    return this.#i.rows.clear();
  }

  /** For signing and decryption in the background; 4100 while locked. */
  async privateKey(id: string): Promise<Uint8Array | undefined> {
    const row = await this.#i.rows.get(id);
    if (!row?.sealed) return undefined;
    return this.#i.vault.open(row.sealed, AAD.identity(id));
  }

  /** Every identity with its key opened (backup export). */
  async secrets(): Promise<{ id: string; name: string; privateKey: Uint8Array; createdAt: number }[]> {
    const out = [];
    for (const r of await this.#i.rows.list()) if (r.sealed) out.push({ id: r.id, name: r.name, createdAt: r.createdAt, privateKey: await this.#i.vault.open(r.sealed, AAD.identity(r.id)) });
    return out;
  }

  /** Seals schema-2 rows that hold a clear private key (first unlock after the upgrade). */
  async migrateClear(): Promise<number> {
    let n = 0;
    for (const r of await this.#i.rows.list()) {
      if (!r.privateKey) continue;
      const { privateKey, ...rest } = r;
      const row: IdentityRow = { ...rest, publicKey: toHex(publicKeyOf(privateKey)), sealed: await this.#i.vault.seal(privateKey, AAD.identity(r.id)) };
      await this.#i.rows.put(row);
      n++;
    }
    return n;
  }

  async #add(name: string, k: Uint8Array, createdAt: number, id?: string): Promise<IdentityDetails> {
    const publicKey = toHex(publicKeyOf(k));
    const clean = checkName(name);
    if ((await this.#i.rows.list()).some((r) => r.publicKey === publicKey)) throw invalidParams('You already have an identity with this key.');
    const rowId = id ?? newKeyId(this.#i.randomBytes);
    await this.#i.rows.add({ id: rowId, name: clean, publicKey, sealed: await this.#i.vault.seal(k, AAD.identity(rowId)), createdAt });
    return { id: rowId, name: clean, publicKey, createdAt, sites: [] };
  }
}

export function checkName(name: unknown): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (n.length === 0 || n.length > MAX_NAME_LENGTH) throw invalidParams(`A name has 1 to ${MAX_NAME_LENGTH} characters.`);
  return n;
}
