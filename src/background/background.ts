// The background's composition root, shared by Chrome's service worker and Firefox's background page:
// wires stores, permissions, approvals, per-origin scopes and the node proxy to a PeerChannel.
// Every extension listener is added synchronously here (an MV3 worker woken by an event must have its
// listeners before the first task ends); what needs the database waits for it inside the handlers.

import { EXPIRY_TOLERANCE } from '../core/constants.ts';
import { openWhisperDb, type WhisperDatabase } from '../store/db.ts';
import { ActivityRows } from '../store/activity.ts';
import { ApprovalRows } from '../store/approvals.ts';
import { IdentityRows } from '../store/identities.ts';
import { KeyRows } from '../store/keys.ts';
import { PermissionRows } from '../store/permissions.ts';
import { SettingsRows } from '../store/settings.ts';
import { VaultRows } from '../store/vault.ts';
import { WatcherRows } from '../store/watchers.ts';
import { rolesOf } from '../api/node.ts';
import { ShhApi } from '../api/shh.ts';
import type { PeerChannel } from '../rpc/peer.ts';
import { createLog } from '../rpc/log.ts';
import type { MethodSpec } from '../rpc/shh-methods.ts';
import { DEFAULT_RELAYS } from '../peer/default-relays.ts';
import { DARK_BY_DEFAULT, darkChoice } from '../peer/dark-defaults.ts';
import { Activity } from './activity.ts';
import { expireApprovals } from './approval-deadline.ts';
import { Approvals } from './approvals.ts';
import { AutoLock } from './auto-lock.ts';
import { Badge } from './badge.ts';
import type { ExtensionApi } from './extension-api.ts';
import { Identities } from './identities.ts';
import { NodeProxy } from './node-proxy.ts';
import { OriginKeyStore } from './origin-keys.ts';
import { OriginScope } from './origin-scope.ts';
import { SealScheduler } from './seal-limits.ts';
import { TrafficMeter } from './traffic.ts';
import { Permissions } from './permissions.ts';
import { popupListener } from './popup-handler.ts';
import { siteQuotas } from './quotas.ts';
import { siteMethods } from './site-methods.ts';
import { PageRouter, type RouterServices } from './router.ts';
import { useLibsecp256k1 } from './secp256k1.ts';
import { SettingsService } from './settings.ts';
import { VaultOps } from './vault-ops.ts';
import { Vault } from './vault.ts';

export const GC_ALARM = 'shh-gc';
/** The popup page, opened in a tab at install for onboarding. */
export const WELCOME_PAGE = 'popup.html';
/** A document's stored watchers are kept this long after its Port went away (bfcache, worker restart). */
export const DETACHED_GRACE_MS = 5 * 60 * 1000;

export interface BackgroundInit {
  api: ExtensionApi;
  channel: PeerChannel;
  db?: Promise<WhisperDatabase>;
  randomBytes?: (n: number) => Uint8Array;
  now?: () => number; // ms
  /** PBKDF2 cost of new vaults and backups (tests lower it; the default is the vault's). */
  vaultIterations?: number;
  /** Relays the peer dials until the user saves a list (the build's WHISPER_RELAYS). */
  defaultRelays?: readonly string[];
  /** "Send dark by default" until the user chooses (the build's WHISPER_DARK_DEFAULT; shipped on). */
  darkByDefault?: boolean;
}

export interface Services extends RouterServices {
  db: WhisperDatabase;
  approvals: Approvals;
  node: NodeProxy;
  watchers: WatcherRows;
  identityRows: IdentityRows;
  identities: Identities;
  vault: Vault;
  vaultOps: VaultOps;
  activity: Activity;
  settings: SettingsService;
  autoLock: AutoLock;
  /** Seals waiting and running, every site (the popup lists them with a Cancel). */
  seals: SealScheduler;
  traffic: TrafficMeter;
}

export interface Background {
  /** The secp256k1 backend in use: 'wasm' (libsecp256k1) unless WebAssembly could not run. */
  secp256k1: 'wasm' | 'noble';
  router: PageRouter;
  node: NodeProxy;
  services: Promise<Services>;
  /** Drops stored watchers of documents gone for DETACHED_GRACE_MS and delivered rows of expired envelopes. */
  gc(): Promise<void>;
  /** A peer host said hello (started or reconnected): give it the user's settings, then pull its pool. */
  peerConnected(): Promise<void>;
  stop(): void;
}

const webRandom = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
const log = createLog('shh:bg');

export function startBackground(init: BackgroundInit): Background {
  const { api } = init;
  const secp256k1 = useLibsecp256k1();
  const randomBytes = init.randomBytes ?? webRandom;
  const now = init.now ?? Date.now;
  const node = new NodeProxy({ channel: init.channel, randomBytes, now });
  const darkByDefault = init.darkByDefault ?? DARK_BY_DEFAULT;
  node.darkChoice = darkChoice({}, darkByDefault);
  node.start();
  const scopes = new Map<string, OriginScope>();
  const seals = new SealScheduler(); // sites take turns at the PoW workers (docs/API.md "Limits")
  const badge = new Badge(api, (m, e) => log.warn(m, e));
  const traffic = new TrafficMeter(now);
  // Every envelope the peer took, watched or not: the size comes with each event, the bytes only for watched topics.
  init.channel.on('envelope', (e) => traffic.add(e.size ?? Math.floor((e.rlp?.length ?? 2) / 2) - 1));
  let router!: PageRouter;

  const services: Promise<Services> = (async () => {
    const db = await (init.db ?? openWhisperDb());
    const identityRows = new IdentityRows(db);
    const keys = new KeyRows(db);
    const permissionRows = new PermissionRows(db);
    const session = api.storage?.session;
    const vault = new Vault({ rows: new VaultRows(db), randomBytes, now, ...(session ? { session } : {}), ...(init.vaultIterations ? { iterations: init.vaultIterations } : {}) });
    const watchers = new WatcherRows(db, vault, randomBytes);
    const permissions = new Permissions({
      rows: permissionRows,
      identities: identityRows,
      now,
      emit: (origin, event, data) => router.emit(origin, event, data),
      onRevoke: async (origin) => {
        const scope = scopes.get(origin);
        if (scope) {
          await scope.endAll();
          scope.stop();
          scopes.delete(origin);
        } else {
          await watchers.remove((await watchers.ofOrigin(origin)).map((r) => r.id));
        }
      },
    });
    const identities = new Identities({ rows: identityRows, permissions, vault, randomBytes, now });
    const activity = new Activity(new ActivityRows(db), now);
    const settings = new SettingsService({ rows: new SettingsRows(db), node, defaultRelays: init.defaultRelays ?? DEFAULT_RELAYS, darkByDefault });
    const autoLock = new AutoLock({ alarms: api.alarms, vault, now, minutes: async () => (await settings.get()).autoLockMinutes });
    const vaultOps = new VaultOps({ vault, identities, keys, watchers, permissions, settings, activity, randomBytes, now, ...(init.vaultIterations ? { iterations: init.vaultIterations } : {}) });
    const approvals = new Approvals({
      rows: new ApprovalRows(db),
      windows: api.windows,
      runtime: api.runtime,
      randomBytes,
      now,
      onApprove: (origin, ids) => permissions.grant(origin, ids),
      ...(session ? { session } : {}),
      onCount: (n) => badge.show(n),
      log: (m, e) => log.warn(m, e),
    });
    const scope = (origin: string): OriginScope => {
      let s = scopes.get(origin);
      if (!s) {
        const keyStore = new OriginKeyStore({ origin, keys, identityKey: (id) => identities.privateKey(id), permissions: permissionRows, vault, randomBytes });
        s = new OriginScope({
          origin,
          node,
          keys: keyStore,
          watchers,
          randomBytes,
          now,
          deliver: (session, data) => {
            router.deliver(origin, session, data);
            void activity.received(origin).catch(log.catcher('counting a delivery'));
          },
          progress: (session, data) => router.progress(origin, session, data),
          sealLimits: seals.forOrigin(origin),
        });
        scopes.set(origin, s);
      }
      return s;
    };
    // shh_version and other open node methods: no site scope, no keys.
    const openApi = new ShhApi({ node: { ...rolesOf(node), dark: node }, randomBytes, now });
    const extension = siteMethods({ permissions, approvals, vault });
    // A page's calls count in its site's activity record but never re-arm the auto-lock: a tab left
    // polling (or posting on a timer) is no sign that the user is there. Only the extension's own
    // pages re-arm it (popup-handler.ts).
    const used = (origin: string, spec: MethodSpec, result: unknown): void => {
      if (spec.activity === 'posted') void activity.posted(origin).catch(log.catcher('counting a post'));
      else if (spec.activity === 'received' && Array.isArray(result)) void activity.received(origin, result.length).catch(log.catcher('counting polled messages'));
    };
    // Locking drops every live watcher and the keys in it; unlocking seals what schema 2 left clear
    // and replays the watchers of the documents still attached.
    vault.onChange((state) => {
      if (state === 'unlocked') {
        void vaultOps
          .migrate()
          .catch(log.catcher('sealing schema-2 keys at unlock'))
          .then(() => router.restoreAll());
        void autoLock.arm().catch(log.catcher('arming the auto-lock'));
        return;
      }
      const suspended = [...scopes.values()];
      scopes.clear();
      for (const s of suspended) void s.suspend().catch(log.catcher('suspending a site at lock'));
    });
    await vault.start();
    if (vault.state === 'unlocked') await vaultOps.migrate().catch(log.catcher('sealing schema-2 keys at start'));
    await permissions.start();
    await approvals.start();
    return {
      db, identityRows, identities, watchers, permissions, approvals, node, scope, extension, used,
      isConnected: (origin) => permissions.isConnected(origin),
      locked: () => vault.state !== 'unlocked',
      quota: siteQuotas({
        keys: (origin) => keys.count(origin),
        watchers: (origin) => scopes.get(origin)?.watcherCount ?? 0,
        watcherRoom: (origin, max) => watchers.makeRoom(origin, max),
      }),
      site: (origin, method, args, session) => scope(origin).call(method, args, session),
      open: (method, args) => openApi.call(method, args, { session: 'open' }),
      vault, vaultOps, activity, settings, autoLock, seals, traffic,
    };
  })();
  services.catch(log.catcher('starting the background (every request will fail)'));

  router = new PageRouter({ services, randomBytes });
  const onConnect = (port: Parameters<PageRouter['accept']>[0]): void => void router.accept(port);
  const onMessage = popupListener(api.runtime, services);
  const onRemoved = (windowId: number): void => void services.then((s) => s.approvals.windowRemoved(windowId)).catch(log.catcher('closing an approval window'));
  const gc = async (): Promise<void> => {
    const s = await services;
    const t = now();
    await s.watchers.sweepDetached((origin, session) => router.attached(origin, session), t, DETACHED_GRACE_MS);
    await expireApprovals(s.db, s.approvals, t);
    // An envelope stays in pools until EXPIRY_TOLERANCE after expiry; its hash must be remembered as long.
    const nowSeconds = Math.floor(t / 1000);
    await s.watchers.sweepDelivered(nowSeconds - EXPIRY_TOLERANCE);
    for (const scope of scopes.values()) scope.pruneDelivered(nowSeconds);
  };
  const onAlarm = (alarm: { name: string }): void => {
    if (alarm.name === GC_ALARM) void gc().catch(log.catcher('sweeping stored watchers'));
    else void services.then((s) => s.autoLock.onAlarm(alarm.name)).catch(log.catcher('auto-lock alarm'));
  };
  const peerConnected = async (): Promise<void> => {
    const s = await services;
    await s.settings.applyToPeer().catch(log.catcher('settings to the peer (it says hello again later)'));
    await node.resync();
  };
  // First run: the onboarding page opens in a tab so the user chooses a password before any site asks.
  const onInstalled = (d: { reason: string }): void => {
    if (d.reason !== 'install') return;
    void services.then((s) => (s.vault.state === 'new' ? api.tabs?.create({ url: api.runtime.getURL(`${WELCOME_PAGE}#welcome`) }) : undefined)).catch(log.catcher('opening the welcome page'));
  };
  api.runtime.onInstalled?.addListener(onInstalled);
  api.runtime.onConnect.addListener(onConnect);
  api.runtime.onMessage.addListener(onMessage);
  api.windows.onRemoved.addListener(onRemoved);
  api.alarms.onAlarm.addListener(onAlarm);
  void Promise.resolve(api.alarms.create(GC_ALARM, { periodInMinutes: 1 })).catch(log.catcher('creating the sweep alarm'));

  return {
    secp256k1,
    router,
    node,
    services,
    gc,
    peerConnected,
    stop() {
      api.runtime.onInstalled?.removeListener(onInstalled);
      api.runtime.onConnect.removeListener(onConnect);
      api.runtime.onMessage.removeListener(onMessage);
      api.windows.onRemoved.removeListener(onRemoved);
      api.alarms.onAlarm.removeListener(onAlarm);
      node.stop();
      for (const s of scopes.values()) s.stop();
    },
  };
}
