// The popup channel: the toolbar popup and approval windows <-> background, over runtime.sendMessage.
// The background answers only senders whose URL is one of the extension's own pages. While the vault is
// locked only the ops in LOCKED_OPS answer; the others are 4100.

import { defineChannel } from './channel.ts';
import { isNumber, isObject, isString, isStringArray } from './guards.ts';
import type { Warning } from './log.ts';
import type { PeerStatus } from './peer.ts';

export interface Approval {
  id: string;
  origin: string; // exactly as it will be granted
  method: 'shh_requestIdentities';
  createdAt: number; // ms
  /** The top-level page's origin when a frame of another origin asks. */
  embeddedIn?: string;
}

export interface Identity {
  id: string;
  name: string;
  publicKey: string;
}

/** An identity as the popup shows it: plus when it was made and the sites that may use it. */
export interface IdentityDetails extends Identity {
  createdAt: number; // ms
  sites: string[];
}

/** EIP-2255-shaped: who (origin), what (identities), when (connectedAt, and each identity's grant). */
export interface SitePermission {
  origin: string;
  connectedAt: number;
  identities: string[]; // identity ids this site may use
  grantedAt: Record<string, number>; // identity id -> ms
}

export interface SiteActivity {
  origin: string;
  posted: number;
  received: number;
  lastPostedAt?: number;
  lastReceivedAt?: number;
}

export interface Settings {
  relays: string[];
  defaultRelays: string[];
  minPow: number;
  maxSize: number;
  autoLockMinutes: number;
  /** No direct links to other browsers, only relays (docs/PRIVACY.md "Relays only"). */
  relaysOnly: boolean;
  /** A post without `dark` goes through the mix layer (docs/PRIVACY.md "The mix layer"); shipped on. */
  darkByDefault: boolean;
  /** Every post goes dark: a site's `dark: false` cannot override it. */
  alwaysDark: boolean;
}

export type VaultState = 'new' | 'locked' | 'unlocked';

/** A post's proof of work, waiting for its turn or running (src/background/seal-limits.ts). */
/** `expectedHashes`: tries expected to reach the target (2^zero bits it needs); `hashes` against it is "how far". */
export interface SealView {
  id: string;
  origin: string;
  state: 'waiting' | 'sealing';
  targetPow: number;
  expectedHashes: number;
  hashes: number;
  bestPow: number;
  elapsedMs: number;
}

/** Envelopes that arrived in the last hour and their bytes; `sinceMs`: how long it has counted (up to an hour). */
export interface TrafficView {
  envelopes: number;
  bytes: number;
  sinceMs: number;
}

type None = Record<string, never>;
type SettingsPatch = Partial<Omit<Settings, 'defaultRelays'>>;

export interface PopupRequests {
  status: { params: None; result: { vault: VaultState; peer: PeerStatus | null; pendingApprovals: number; traffic: TrafficView } };
  /** Proof of work in progress, every site. */
  'seals:list': { params: None; result: SealView[] };
  /** Cancels one (the site's post fails as cancelled); false when it had already ended. */
  'seals:cancel': { params: { id: string }; result: { cancelled: boolean } };
  /** null: no longer pending; released: the vault was unlocked and the site was connected already. */
  'approval:get': { params: { id: string }; result: { approval: Approval; identities: Identity[]; vault: VaultState } | { released: true } | null };
  /** Brings the pending approval's window to the front (the popup's "waiting" banner). */
  'approvals:focus': { params: None; result: { focused: boolean } };
  'approval:decide': { params: { id: string; approve: boolean; identities: string[] }; result: null };
  'vault:create': { params: { password: string }; result: null };
  'vault:unlock': { params: { password: string }; result: null };
  'vault:lock': { params: None; result: null };
  /** Deletes identities, site keys, permissions, activity and settings: back to first run. */
  'vault:wipe': { params: { confirm: 'wipe' }; result: null };
  /** The backup file's text, encrypted under the vault password (asked again). */
  'vault:export': { params: { password: string }; result: { file: string } };
  /**
   * On first run: creates the vault under the backup's password. Unlocked: adds what is missing. The
   * relay list is never applied: `relays` is there when the backup's differs, for the user to accept
   * (with settings:set) or not. `skipped`: site keys left out because an identity has their id.
   */
  'vault:import': { params: { file: string; password: string }; result: { identities: number; keys: number; skipped?: number; relays?: { current: string[]; backup: string[] } } };
  'identities:list': { params: None; result: IdentityDetails[] };
  'identities:create': { params: { name: string }; result: IdentityDetails };
  'identities:import': { params: { name: string; privateKey: string }; result: IdentityDetails };
  'identities:rename': { params: { id: string; name: string }; result: null };
  'identities:export': { params: { id: string; password: string }; result: { privateKey: string } };
  /** Returns the sites that lost it. */
  'identities:delete': { params: { id: string }; result: { sites: string[] } };
  'sites:list': { params: None; result: SitePermission[] };
  'sites:revoke': { params: { origin: string }; result: null };
  'sites:revokeIdentity': { params: { origin: string; identity: string }; result: null };
  'activity:list': { params: None; result: SiteActivity[] };
  'settings:get': { params: None; result: Settings };
  'settings:set': { params: SettingsPatch; result: Settings };
  /** The background's recent warnings (reasons only: no keys, payloads or passwords), oldest first. */
  diagnostics: { params: None; result: { warnings: Warning[] } };
}
export type PopupOp = keyof PopupRequests;

/** What answers while the vault is locked (or not created yet). */
export const LOCKED_OPS: readonly PopupOp[] = ['status', 'approval:get', 'approval:decide', 'approvals:focus', 'vault:create', 'vault:unlock', 'vault:lock', 'vault:wipe', 'vault:import'];

export interface PopupMessage {
  channel: 'shh-popup';
  op: PopupOp;
  params: unknown;
}

export function isPopupMessage(x: unknown): x is PopupMessage {
  return isObject(x) && x.channel === 'shh-popup' && isString(x.op) && isObject(x.params);
}

const hasString = (p: unknown, ...keys: string[]): p is Record<string, string> => isObject(p) && keys.every((k) => isString(p[k]));
const none = (p: unknown): p is None => isObject(p);
const optional = (p: Record<string, unknown>, k: string, ok: (x: unknown) => boolean): boolean => p[k] === undefined || ok(p[k]);

export const popupParamGuards: { [K in PopupOp]: (p: unknown) => p is PopupRequests[K]['params'] } = {
  status: none,
  'approval:get': (p): p is { id: string } => hasString(p, 'id'),
  'approval:decide': (p): p is { id: string; approve: boolean; identities: string[] } =>
    isObject(p) && isString(p.id) && typeof p.approve === 'boolean' && isStringArray(p.identities),
  'approvals:focus': none,
  'seals:list': none,
  'seals:cancel': (p): p is { id: string } => hasString(p, 'id'),
  'vault:create': (p): p is { password: string } => hasString(p, 'password'),
  'vault:unlock': (p): p is { password: string } => hasString(p, 'password'),
  'vault:lock': none,
  'vault:wipe': (p): p is { confirm: 'wipe' } => isObject(p) && p.confirm === 'wipe',
  'vault:export': (p): p is { password: string } => hasString(p, 'password'),
  'vault:import': (p): p is { file: string; password: string } => hasString(p, 'file', 'password'),
  'identities:list': none,
  'identities:create': (p): p is { name: string } => hasString(p, 'name'),
  'identities:import': (p): p is { name: string; privateKey: string } => hasString(p, 'name', 'privateKey'),
  'identities:rename': (p): p is { id: string; name: string } => hasString(p, 'id', 'name'),
  'identities:export': (p): p is { id: string; password: string } => hasString(p, 'id', 'password'),
  'identities:delete': (p): p is { id: string } => hasString(p, 'id'),
  'sites:list': none,
  'sites:revoke': (p): p is { origin: string } => hasString(p, 'origin'),
  'sites:revokeIdentity': (p): p is { origin: string; identity: string } => hasString(p, 'origin', 'identity'),
  'activity:list': none,
  'settings:get': none,
  diagnostics: none,
  'settings:set': (p): p is SettingsPatch =>
    isObject(p) && optional(p, 'relays', isStringArray) && optional(p, 'minPow', isNumber) && optional(p, 'maxSize', isNumber) && optional(p, 'autoLockMinutes', isNumber) &&
    optional(p, 'relaysOnly', (x) => typeof x === 'boolean') && optional(p, 'darkByDefault', (x) => typeof x === 'boolean') &&
    optional(p, 'alwaysDark', (x) => typeof x === 'boolean'),
};

/** The popup channel as one defineChannel: the background serves it (runtime.onMessage); it has no events. */
export const popupChannel = defineChannel<PopupRequests, Record<never, never>>({ name: 'popup', requests: popupParamGuards, events: {} });
