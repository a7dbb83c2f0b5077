// The popup channel (src/rpc/popup.ts): the toolbar popup and approval windows ask the background for
// status, the vault, identities, sites, activity and settings. Only the extension's own pages are
// answered; a content script (whose URL is a web page's) gets nothing. While the vault is locked only
// LOCKED_OPS answer. The handler table is typed: a missing op fails to compile.

import { RPC, RpcError, toRpcError } from '../rpc/errors.ts';
import { recentWarnings } from '../rpc/log.ts';
import type { Handlers } from '../rpc/channel.ts';
import { isPopupMessage, LOCKED_OPS, popupChannel, type PopupOp, type PopupRequests } from '../rpc/popup.ts';
import type { Activity } from './activity.ts';
import type { Approvals } from './approvals.ts';
import type { AutoLock } from './auto-lock.ts';
import type { OnMessageListener, RuntimeApi } from './extension-api.ts';
import type { Identities } from './identities.ts';
import type { NodeProxy } from './node-proxy.ts';
import type { Permissions } from './permissions.ts';
import type { SealScheduler } from './seal-limits.ts';
import type { SettingsService } from './settings.ts';
import type { TrafficMeter } from './traffic.ts';
import type { VaultOps } from './vault-ops.ts';
import { lockedError, type Vault } from './vault.ts';

export interface PopupServices {
  approvals: Approvals;
  permissions: Permissions;
  node: NodeProxy;
  vault: Vault;
  vaultOps: VaultOps;
  identities: Identities;
  activity: Activity;
  settings: SettingsService;
  autoLock: AutoLock;
  seals: SealScheduler;
  traffic: TrafficMeter;
}

export function popupHandlers(i: PopupServices): Handlers<PopupRequests> {
  const known = async (id: string): Promise<void> => {
    if (!(await i.identities.list()).some((d) => d.id === id)) throw new RpcError(RPC.invalidParams, 'unknown identity');
  };
  return {
    status: async () => ({ vault: i.vault.state, peer: i.node.status, pendingApprovals: await i.approvals.pendingCount(), traffic: i.traffic.lastHour() }),
    'seals:list': async () => i.seals.list(),
    'seals:cancel': async ({ id }) => ({ cancelled: i.seals.cancel(id) }),
    'approval:get': async ({ id }) => {
      const row = await i.approvals.get(id);
      if (!row) return null;
      // Asked while locked by a site connected before: unlocking was all it needed.
      if (i.vault.state === 'unlocked' && i.permissions.isConnected(row.origin)) return (await i.approvals.release(id)) ? { released: true } : null;
      const { windowId: _w, ...approval } = row;
      const identities = i.vault.state === 'unlocked' ? await i.permissions.allIdentities() : [];
      return { approval, identities, vault: i.vault.state };
    },
    'approval:decide': async ({ id, approve, identities }) => {
      if (approve && i.vault.state !== 'unlocked') throw lockedError(); // the window asks for the password first
      await i.approvals.decide(id, approve, approve ? identities : []);
      return null;
    },
    'approvals:focus': async () => ({ focused: await i.approvals.focus() }),
    'vault:create': async ({ password }) => {
      await i.vault.create(password);
      return null;
    },
    'vault:unlock': async ({ password }) => {
      await i.vault.unlock(password);
      return null;
    },
    'vault:lock': async () => {
      await i.vault.lock();
      return null;
    },
    'vault:wipe': async () => {
      await i.vaultOps.wipe();
      return null;
    },
    'vault:export': async ({ password }) => ({ file: await i.vaultOps.exportBackup(password) }),
    'vault:import': async ({ file, password }) => i.vaultOps.importBackup(file, password),
    'identities:list': () => i.identities.list(),
    'identities:create': ({ name }) => i.identities.create(name),
    'identities:import': ({ name, privateKey }) => i.identities.importKey(name, privateKey),
    'identities:rename': async ({ id, name }) => {
      await i.identities.rename(id, name);
      return null;
    },
    'identities:export': async ({ id, password }) => ({ privateKey: await i.identities.exportKey(id, password) }),
    'identities:delete': async ({ id }) => ({ sites: await i.identities.remove(id) }),
    'sites:list': async () => i.permissions.list(),
    'sites:revoke': async ({ origin }) => {
      await i.permissions.revoke(origin);
      return null;
    },
    'sites:revokeIdentity': async ({ origin, identity }) => {
      await known(identity);
      await i.permissions.revokeIdentity(identity, origin);
      return null;
    },
    'activity:list': () => i.activity.list(),
    'settings:get': () => i.settings.get(),
    diagnostics: async () => ({ warnings: recentWarnings() }),
    'settings:set': async (patch) => {
      const s = await i.settings.set(patch);
      if (patch.autoLockMinutes !== undefined && i.vault.state === 'unlocked') await i.autoLock.arm();
      return s;
    },
  };
}

/**
 * A runtime.onMessage listener: a promise of {result} or {error} (it never rejects), undefined when not
 * ours. The channel guards the params; then, around each handler, the lock and the auto-lock timer.
 */
export function popupListener(runtime: Pick<RuntimeApi, 'id' | 'getURL'>, services: Promise<PopupServices>): OnMessageListener {
  const server = services.then((s) =>
    popupChannel.serve(popupHandlers(s), {
      unknownOpCode: RPC.invalidParams,
      around: async (op, run) => {
        await s.vault.start();
        if (s.vault.state !== 'unlocked' && !LOCKED_OPS.includes(op as PopupOp)) throw lockedError();
        const result = await run();
        s.autoLock.touch();
        return result;
      },
    }),
  );
  const ownPages = runtime.getURL('');
  return (message, sender) => {
    if (!isPopupMessage(message)) return undefined;
    if (sender.id !== runtime.id || !(sender.url ?? '').startsWith(ownPages)) return undefined;
    return (async () => {
      try {
        return { result: await (await server).request(message.op, message.params) };
      } catch (e) {
        return { error: toRpcError(e).toJSON() };
      }
    })();
  };
}
