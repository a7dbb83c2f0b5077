// The popup channel: popup and approval windows <-> background, over runtime.sendMessage.
// The background answers only senders whose URL is one of the extension's own pages.

import { isObject, isString, isStringArray } from './guards.ts';
import type { PeerStatus } from './peer.ts';

export interface Approval {
  id: string;
  origin: string; // exactly as it will be granted
  method: 'shh_requestIdentities';
  createdAt: number; // ms
}

export interface Identity {
  id: string;
  name: string;
  publicKey: string;
}

export interface SitePermission {
  origin: string;
  connectedAt: number;
  identities: string[]; // identity ids this site may use
}

export interface PopupRequests {
  status: { params: Record<string, never>; result: { peer: PeerStatus | null; pendingApprovals: number } };
  'approval:get': { params: { id: string }; result: { approval: Approval; identities: Identity[] } | null };
  'approval:decide': { params: { id: string; approve: boolean; identities: string[] }; result: null };
  'sites:list': { params: Record<string, never>; result: SitePermission[] };
  'sites:revoke': { params: { origin: string }; result: null };
}
export type PopupOp = keyof PopupRequests;

export interface PopupMessage {
  channel: 'shh-popup';
  op: PopupOp;
  params: unknown;
}

export function isPopupMessage(x: unknown): x is PopupMessage {
  return isObject(x) && x.channel === 'shh-popup' && isString(x.op) && isObject(x.params);
}

export const popupParamGuards: { [K in PopupOp]: (p: unknown) => p is PopupRequests[K]['params'] } = {
  status: (p): p is Record<string, never> => isObject(p),
  'approval:get': (p): p is { id: string } => isObject(p) && isString(p.id),
  'approval:decide': (p): p is { id: string; approve: boolean; identities: string[] } =>
    isObject(p) && isString(p.id) && typeof p.approve === 'boolean' && isStringArray(p.identities),
  'sites:list': (p): p is Record<string, never> => isObject(p),
  'sites:revoke': (p): p is { origin: string } => isObject(p) && isString(p.origin),
};
