// What the popup does to the vault as a whole (docs/SECURITY.md, the vault): after-unlock migration of schema-2 clear
// keys, encrypted backup export and import, and the wipe. Export asks for the password again; import on
// first run creates the vault under the backup's password; the wipe is the only path that deletes.
// Import never changes the relay list: it reports the backup's list beside the current one and the
// popup asks the user. An identity always wins over a site key of the same id (such keys are skipped).

import { fromHex, toHex } from '../core/bytes.ts';
import { RPC, RpcError } from '../rpc/errors.ts';
import type { KeyRows } from '../store/keys.ts';
import type { WatcherRows } from '../store/watchers.ts';
import type { Activity } from './activity.ts';
import type { Identities } from './identities.ts';
import { sealClearKeys } from './origin-keys.ts';
import type { Permissions } from './permissions.ts';
import type { SettingsService } from './settings.ts';
import { decryptBackup, encryptBackup, type BackupContents } from './vault-backup.ts';
import { AAD } from './vault-crypto.ts';
import type { Vault } from './vault.ts';
import { createLog } from '../rpc/log.ts';

const log = createLog('shh:bg:vault');

/** What an import did; `relays` only when the backup's relay list differs from the one in use (not applied). */
export interface ImportResult {
  identities: number;
  keys: number;
  /** Site keys left out because an identity has the same id. */
  skipped?: number;
  relays?: { current: string[]; backup: string[] };
}

export interface VaultOpsInit {
  vault: Vault;
  identities: Identities;
  keys: KeyRows;
  /** Watcher rows whose criteria schema 3 kept in the clear are sealed at unlock. */
  watchers?: WatcherRows;
  permissions: Permissions;
  settings: SettingsService;
  activity: Activity;
  randomBytes: (n: number) => Uint8Array;
  now: () => number;
  iterations?: number;
}

export class VaultOps {
  readonly #i: VaultOpsInit;

  constructor(init: VaultOpsInit) {
    this.#i = init;
  }

  /** Seals whatever schemas 2 and 3 left in the clear; idempotent, run at every unlock. */
  async migrate(): Promise<number> {
    return (await this.#i.identities.migrateClear()) + (await sealClearKeys(this.#i.keys, this.#i.vault)) + ((await this.#i.watchers?.sealClear()) ?? 0);
  }

  async exportBackup(password: string): Promise<string> {
    const { vault, identities, keys } = this.#i;
    await vault.verify(password);
    const contents: BackupContents = { identities: [], keys: [], settings: {} };
    for (const s of await identities.secrets()) contents.identities.push({ id: s.id, name: s.name, createdAt: s.createdAt, privateKey: toHex(s.privateKey) });
    for (const r of await keys.all()) {
      if (!r.sealed) continue;
      const key = await vault.open(r.sealed, AAD.key(r.origin, r.kind, r.id));
      contents.keys.push({ origin: r.origin, kind: r.kind, id: r.id, key: toHex(key) });
    }
    const { relays, minPow, maxSize, autoLockMinutes, defaultRelays } = await this.#i.settings.get();
    contents.settings = { minPow, maxSize, autoLockMinutes, ...(sameList(relays, defaultRelays) ? {} : { relays }) };
    return encryptBackup(contents, password, { randomBytes: this.#i.randomBytes, now: this.#i.now, ...(this.#i.iterations ? { iterations: this.#i.iterations } : {}) });
  }

  /**
   * Restores a backup: on first run the vault is created under its password; entries already here are
   * kept. The relay list is not applied: a differing one comes back in `relays` for the user to accept.
   */
  async importBackup(file: string, password: string): Promise<ImportResult> {
    const { vault, settings } = this.#i;
    const c = await decryptBackup(file, password);
    if (vault.state === 'new') await vault.create(password);
    else if (vault.state === 'locked') throw new RpcError(RPC.unauthorized, 'Unlock the extension before importing into it.');
    let identities = 0;
    for (const b of c.identities) if (await this.#i.identities.restore({ ...b, privateKey: fromHex(b.privateKey, true) })) identities++;
    const identityIds = new Set([...c.identities.map((b) => b.id), ...(await this.#i.identities.list()).map((i) => i.id)]);
    let keys = 0;
    let skipped = 0;
    for (const k of c.keys) {
      if (identityIds.has(k.id)) {
        skipped++;
        continue;
      }
      const sealed = await vault.seal(fromHex(k.key, true), AAD.key(k.origin, k.kind, k.id));
      if (await this.#i.keys.insert(k.origin, k.kind, k.id, sealed)) keys++;
    }
    const { relays: backupRelays, ...rest } = c.settings;
    // A setting this version refuses is not worth failing the restore over.
    await settings.set(rest).catch(log.catcher('a setting of the backup was refused (the rest is restored)'));
    const current = (await settings.get()).relays;
    const relays = backupRelays !== undefined && backupRelays.length > 0 && !sameList(backupRelays, current) ? { current, backup: [...backupRelays] } : undefined;
    return { identities, keys, ...(skipped ? { skipped } : {}), ...(relays ? { relays } : {}) };
  }

  /** Deletes every secret and every grant (sites hear identitiesChanged []), then the vault record. */
  async wipe(): Promise<void> {
    await this.#i.permissions.revokeAll();
    await this.#i.identities.clear();
    await this.#i.keys.clear();
    await this.#i.activity.clear();
    await this.#i.settings.clear();
    await this.#i.vault.wipe();
  }
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
