// The popup channel (src/rpc/popup.ts): the toolbar popup and approval windows ask the background
// for status, approvals and connected sites. Only the extension's own pages are answered; a content
// script (whose URL is a web page's) gets nothing. The handler table is typed: a missing op fails to compile.

import { RPC, RpcError, toRpcError } from '../api/rpc-error.ts';
import { isPopupMessage, popupParamGuards, type PopupOp, type PopupRequests } from '../rpc/popup.ts';
import type { Approvals } from './approvals.ts';
import type { MessageSender, RuntimeApi } from './extension-api.ts';
import type { NodeProxy } from './node-proxy.ts';
import type { Permissions } from './permissions.ts';

export interface PopupServices {
  approvals: Approvals;
  permissions: Permissions;
  node: NodeProxy;
}

type Handlers = { [K in PopupOp]: (p: PopupRequests[K]['params']) => Promise<PopupRequests[K]['result']> };

export function popupHandlers(i: PopupServices): Handlers {
  return {
    status: async () => ({ peer: i.node.status, pendingApprovals: await i.approvals.pendingCount() }),
    'approval:get': async ({ id }) => {
      const row = await i.approvals.get(id);
      if (!row) return null;
      const { windowId: _w, ...approval } = row;
      return { approval, identities: await i.permissions.allIdentities() };
    },
    'approval:decide': async ({ id, approve, identities }) => {
      await i.approvals.decide(id, approve, approve ? identities : []);
      return null;
    },
    'sites:list': async () => i.permissions.list(),
    'sites:revoke': async ({ origin }) => {
      await i.permissions.revoke(origin);
      return null;
    },
  };
}

/** A runtime.onMessage listener: answers {result} or {error} through sendResponse. */
export function popupListener(runtime: Pick<RuntimeApi, 'id' | 'getURL'>, services: Promise<PopupServices>) {
  const handlers = services.then(popupHandlers);
  const ownPages = runtime.getURL('');
  return (message: unknown, sender: MessageSender, sendResponse: (r: unknown) => void): boolean | undefined => {
    if (!isPopupMessage(message)) return undefined;
    if (sender.id !== runtime.id || !(sender.url ?? '').startsWith(ownPages)) return undefined;
    const op = message.op as PopupOp;
    void (async () => {
      try {
        if (!Object.hasOwn(popupParamGuards, op) || !popupParamGuards[op](message.params)) throw new RpcError(RPC.invalidParams, `bad popup request ${op}`);
        const table = await handlers;
        const result = await (table[op] as (p: unknown) => Promise<unknown>)(message.params);
        sendResponse({ result });
      } catch (e) {
        sendResponse({ error: toRpcError(e).toJSON() });
      }
    })();
    return true;
  };
}
