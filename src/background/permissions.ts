// Who may call what (docs/PROTOCOL.md §4 access): a site is connected once the user approved it, with the
// identities it chose. Reads come from a cache of the permission rows loaded at start and changed
// only here, so the gate costs no IndexedDB read per request. A grant or revoke reaches the site's
// frames at once (`connect`, `identitiesChanged`).

import { PROTOCOL_VERSION } from '../core/constants.ts';
import { invalidParams } from '../rpc/errors.ts';
import type { PermissionRow } from '../store/db.ts';
import type { IdentityRows } from '../store/identities.ts';
import type { PermissionRows } from '../store/permissions.ts';
import type { Identity, SitePermission } from '../rpc/popup.ts';
import type { PageEvents } from '../rpc/page.ts';

export interface PermissionsInit {
  rows: PermissionRows;
  identities: IdentityRows;
  /** Sends an event to every frame of an origin. */
  emit: <K extends 'connect' | 'identitiesChanged'>(origin: string, event: K, data: PageEvents[K]) => void;
  /** Called after a revoke so the origin's subscriptions stop. */
  onRevoke?: (origin: string) => Promise<void> | void;
  now?: () => number; // ms
}

export class Permissions {
  readonly #i: PermissionsInit;
  readonly #now: () => number;
  readonly #cache = new Map<string, PermissionRow>();

  constructor(init: PermissionsInit) {
    this.#i = init;
    this.#now = init.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.#cache.clear();
    for (const row of await this.#i.rows.list()) this.#cache.set(row.origin, row);
  }

  isConnected(origin: string): boolean {
    return this.#cache.has(origin);
  }

  /** shh_getIdentities: the granted identities that still exist; [] when not connected. */
  async identitiesOf(origin: string): Promise<Identity[]> {
    const ids = this.#cache.get(origin)?.identities ?? [];
    const out: Identity[] = [];
    for (const id of ids) {
      const row = await this.#i.identities.get(id);
      if (row?.publicKey) out.push({ id: row.id, name: row.name, publicKey: row.publicKey });
    }
    return out;
  }

  /** Every identity the user has, as an approval window lists them. */
  async allIdentities(): Promise<Identity[]> {
    return (await this.#i.identities.list()).filter((r) => r.publicKey).map((r) => ({ id: r.id, name: r.name, publicKey: r.publicKey! }));
  }

  /** Records the user's approval; identity ids must exist. */
  async grant(origin: string, identities: readonly string[]): Promise<void> {
    for (const id of identities) if (!(await this.#i.identities.get(id))) throw invalidParams(`unknown identity ${id}`);
    const row = await this.#i.rows.grant(origin, [...new Set(identities)], this.#now());
    this.#cache.set(origin, row);
    this.#i.emit(origin, 'connect', { shhVersion: PROTOCOL_VERSION });
    this.#i.emit(origin, 'identitiesChanged', await this.identitiesOf(origin));
  }

  /** Disconnects a site: its frames hear `identitiesChanged` [] and every later call is 4100. */
  async revoke(origin: string): Promise<boolean> {
    const found = await this.#i.rows.revoke(origin);
    this.#cache.delete(origin);
    if (found) {
      this.#i.emit(origin, 'identitiesChanged', []);
      await this.#i.onRevoke?.(origin);
    }
    return found;
  }

  /**
   * Takes one identity away from one site, or from every site when `origin` is undefined (the
   * identity is being deleted). The sites stay connected; each hears `identitiesChanged` at once.
   */
  async revokeIdentity(identity: string, origin?: string): Promise<string[]> {
    const changed = await this.#i.rows.revokeIdentity(identity, origin);
    for (const row of changed) {
      this.#cache.set(row.origin, row);
      this.#i.emit(row.origin, 'identitiesChanged', await this.identitiesOf(row.origin));
    }
    return changed.map((r) => r.origin);
  }

  /** Re-sends `identitiesChanged` to sites whose identities changed name. */
  async announce(origins: readonly string[]): Promise<void> {
    for (const origin of origins) this.#i.emit(origin, 'identitiesChanged', await this.identitiesOf(origin));
  }

  /** Origins that may use an identity now. */
  sitesOf(identity: string): string[] {
    return [...this.#cache.values()].filter((r) => r.identities.includes(identity)).map((r) => r.origin);
  }

  /** Disconnects every site (vault wipe). */
  async revokeAll(): Promise<void> {
    for (const origin of [...this.#cache.keys()]) await this.revoke(origin);
  }

  /** The site's permission as the popup lists it; undefined when not connected. */
  of(origin: string): SitePermission | undefined {
    return this.list().find((p) => p.origin === origin);
  }

  list(): SitePermission[] {
    return [...this.#cache.values()].map((r) => ({
      origin: r.origin,
      connectedAt: r.connectedAt,
      identities: [...r.identities],
      grantedAt: Object.fromEntries(r.identities.map((id) => [id, r.grantedAt?.[id] ?? r.connectedAt])),
    }));
  }
}
