// The page methods the background answers itself (the method table's `handler: 'extension'` rows,
// src/rpc/shh-methods.ts): the site's identities and, after EIP-2255, its own permission. The
// handler table is typed over the method table: a method without a handler fails to compile.
// Invariant: a site reads and revokes only its own grant (the origin is the browser's).

import { invalidParams } from '../rpc/errors.ts';
import { isObject } from '../rpc/guards.ts';
import type { Approvals } from './approvals.ts';
import type { PipelineServices } from './pipeline.ts';
import type { Permissions } from './permissions.ts';
import { lockedError } from './vault.ts';

/** The one capability a site is granted: connecting, with the identities it may use. */
export const IDENTITIES_CAPABILITY = 'shh_requestIdentities';
/** The caveat naming which of the user's identities the site may use. */
export const IDENTITIES_CAVEAT = 'restrictReturnedIdentities';

/** EIP-2255's permission object (as wallet_getPermissions returns it), for this extension's one capability. */
export interface PagePermission {
  invoker: string; // the site's origin
  parentCapability: typeof IDENTITIES_CAPABILITY;
  date: number; // when the user connected the site, ms since 1970
  caveats: { type: typeof IDENTITIES_CAVEAT; value: string[] }[];
}

export interface SiteMethodsInit {
  permissions: Permissions;
  approvals: Approvals;
  /** The vault's state: while locked, shh_requestIdentities opens the window at the password. */
  vault?: { readonly state: 'new' | 'locked' | 'unlocked' };
}

export function siteMethods({ permissions, approvals, vault }: SiteMethodsInit): PipelineServices['extension'] {
  return {
    // Locked: the approval window asks for the password first, then to connect (if not connected yet).
    shh_requestIdentities: async ({ origin, embeddedIn }) => {
      const state = vault?.state ?? 'unlocked';
      if (state === 'new') throw lockedError(); // no password chosen yet: the first-run tab is the place
      if (state !== 'unlocked' || !permissions.isConnected(origin)) await approvals.request(origin, embeddedIn !== undefined ? { embeddedIn } : {});
      return permissions.identitiesOf(origin);
    },
    shh_getIdentities: ({ origin }) => permissions.identitiesOf(origin),
    shh_getPermissions: async ({ origin }): Promise<PagePermission[]> => {
      const grant = permissions.of(origin);
      if (!grant) return [];
      const ids = (await permissions.identitiesOf(origin)).map((i) => i.id);
      return [{ invoker: origin, parentCapability: IDENTITIES_CAPABILITY, date: grant.connectedAt, caveats: [{ type: IDENTITIES_CAVEAT, value: ids }] }];
    },
    shh_revokePermissions: async ({ origin }, args) => {
      revocation(args[0]);
      await permissions.revoke(origin); // not connected: nothing to revoke, and that is no error
      return null;
    },
  };
}

/** EIP-2255's revoke request: an object naming the capabilities to revoke, each with {} (caveats unused). */
function revocation(v: unknown): void {
  if (v === undefined || v === null) throw invalidParams('missing value for required argument 0');
  if (!isObject(v)) throw invalidParams('invalid argument 0: want an object such as {"shh_requestIdentities": {}}');
  const names = Object.keys(v);
  if (names.length === 0) throw invalidParams('invalid argument 0: name at least one permission');
  for (const name of names) {
    if (name !== IDENTITIES_CAPABILITY) throw invalidParams(`invalid argument 0: unknown permission ${name}`);
    if (!isObject(v[name])) throw invalidParams(`invalid argument 0: ${name} must be an object`);
  }
}
