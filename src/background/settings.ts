// The user's settings: relays to dial, minimum PoW, maximum message size, auto-lock time, relays only
// (no direct WebRTC links to other browsers; default false), send dark by default (the build's
// default: on) and always dark (default false); the peer runs its mix client while either is on.
// Saved in IndexedDB and pushed to the peer host with `configure` after every peer hello (the peer
// dials the build's default list until then). A change is checked before it is saved: limits here,
// relay addresses as multiaddrs, and by the peer itself when it is reachable.

import { multiaddr } from '@multiformats/multiaddr';
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MIN_POW, MAX_MESSAGE_SIZE_CEILING } from '../core/constants.ts';
import { invalidParams } from '../rpc/errors.ts';
import type { SettingsRow } from '../store/db.ts';
import type { SettingsRows } from '../store/settings.ts';
import type { Settings } from '../rpc/popup.ts';
import type { ConfigureRequest } from '../rpc/peer.ts';
import type { NodeProxy } from './node-proxy.ts';
import { createLog } from '../rpc/log.ts';
import { darkChoice, darkEnabled, type DarkChoice } from '../peer/dark-defaults.ts';

const log = createLog('shh:bg:settings');

export const DEFAULT_AUTO_LOCK_MINUTES = 15;
/** Chrome's alarms fire no sooner than 30 s; a day is long enough for anyone. */
export const AUTO_LOCK_RANGE = [1, 24 * 60] as const;
export const MAX_RELAYS = 16;

export interface SettingsInit {
  rows: SettingsRows;
  node: NodeProxy;
  defaultRelays: readonly string[];
  /** "Send dark by default" until the user chooses (the build's WHISPER_DARK_DEFAULT; shipped on). */
  darkByDefault: boolean;
}

export class SettingsService {
  readonly #i: SettingsInit;
  #cache: SettingsRow | undefined;

  constructor(init: SettingsInit) {
    this.#i = init;
  }

  async get(): Promise<Settings> {
    const s = (this.#cache ??= await this.#i.rows.get());
    const dark = this.#choice(s);
    this.#i.node.darkChoice = dark;
    return {
      relays: s.relays ?? [...this.#i.defaultRelays],
      defaultRelays: [...this.#i.defaultRelays],
      minPow: s.minPow ?? DEFAULT_MIN_POW,
      maxSize: s.maxSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      autoLockMinutes: s.autoLockMinutes ?? DEFAULT_AUTO_LOCK_MINUTES,
      relaysOnly: s.relaysOnly ?? false,
      darkByDefault: dark.darkByDefault,
      alwaysDark: dark.alwaysDark,
    };
  }

  /** Checks, applies to the peer (when it answers), then saves. An empty relay list means the default. */
  async set(patch: Partial<Omit<Settings, 'defaultRelays'>>): Promise<Settings> {
    const row: SettingsRow = {};
    const relays = patch.relays === undefined ? undefined : checkRelays(patch.relays);
    if (relays !== undefined) row.relays = relays.length ? relays : undefined; // none: the build's default
    if (patch.minPow !== undefined) {
      if (!Number.isFinite(patch.minPow) || patch.minPow < 0 || patch.minPow > 1e6) throw invalidParams('Minimum PoW is a number from 0 to 1000000.');
      row.minPow = patch.minPow;
    }
    if (patch.maxSize !== undefined) {
      if (!Number.isSafeInteger(patch.maxSize) || patch.maxSize < 1024 || patch.maxSize > MAX_MESSAGE_SIZE_CEILING)
        throw invalidParams(`Maximum message size is a whole number of bytes from 1024 to ${MAX_MESSAGE_SIZE_CEILING}.`);
      row.maxSize = patch.maxSize;
    }
    if (patch.autoLockMinutes !== undefined) {
      const m = patch.autoLockMinutes;
      if (!Number.isSafeInteger(m) || m < AUTO_LOCK_RANGE[0] || m > AUTO_LOCK_RANGE[1]) throw invalidParams(`Auto-lock is ${AUTO_LOCK_RANGE[0]} to ${AUTO_LOCK_RANGE[1]} minutes.`);
      row.autoLockMinutes = m;
    }
    if (patch.relaysOnly !== undefined) {
      if (typeof patch.relaysOnly !== 'boolean') throw invalidParams('Relays only is true or false.');
      row.relaysOnly = patch.relaysOnly;
    }
    for (const k of ['darkByDefault', 'alwaysDark'] as const) {
      const v = patch[k];
      if (v === undefined) continue;
      if (typeof v !== 'boolean') throw invalidParams(`${k === 'darkByDefault' ? 'Send dark by default' : 'Always dark'} is true or false.`);
      row[k] = v;
    }
    if (row.darkByDefault !== undefined || row.alwaysDark !== undefined) {
      // The peer's clock follows both settings together: fill in the one not in this patch.
      const was = this.#choice((this.#cache ??= await this.#i.rows.get()));
      row.darkByDefault ??= was.darkByDefault;
      row.alwaysDark ??= was.alwaysDark;
    }
    const peerPart = { ...this.#peerPart(row), ...(relays?.length === 0 ? { relays: [...this.#i.defaultRelays] } : {}) };
    if (Object.keys(peerPart).length > 0 && this.#i.node.status !== null) await this.#i.node.configure(peerPart);
    this.#cache = await this.#i.rows.update(row);
    return this.get();
  }

  /** After each peer hello: the saved relays and limits replace the build's defaults. */
  async applyToPeer(): Promise<void> {
    const s = (this.#cache ??= await this.#i.rows.get());
    this.#i.node.darkChoice = this.#choice(s);
    // Without a saved dark choice the peer applies the build's default itself (start-peer-host.ts).
    const part = this.#peerPart(s);
    if (Object.keys(part).length > 0) await this.#i.node.configure(part);
  }

  async clear(): Promise<void> {
    await this.#i.rows.clear();
    this.#cache = {};
    this.#i.node.darkChoice = this.#choice({});
    await this.#i.node.configure({ relays: [...this.#i.defaultRelays], minPow: DEFAULT_MIN_POW, maxSize: DEFAULT_MAX_MESSAGE_SIZE, relaysOnly: false, dark: this.#i.darkByDefault }).catch(log.catcher('default settings to the peer'));
  }

  #choice(s: SettingsRow): DarkChoice {
    return darkChoice(s, this.#i.darkByDefault);
  }

  #peerPart(s: SettingsRow): ConfigureRequest {
    return {
      ...(s.darkByDefault !== undefined || s.alwaysDark !== undefined ? { dark: darkEnabled(this.#choice(s)) } : {}),
      ...(s.relays !== undefined ? { relays: s.relays.length ? s.relays : [...this.#i.defaultRelays] } : {}),
      ...(s.minPow !== undefined ? { minPow: s.minPow } : {}),
      ...(s.maxSize !== undefined ? { maxSize: s.maxSize } : {}),
      ...(s.relaysOnly !== undefined ? { relaysOnly: s.relaysOnly } : {}),
    };
  }
}

function checkRelays(list: string[]): string[] {
  const clean = [...new Set(list.map((s) => s.trim()).filter((s) => s.length > 0))];
  if (clean.length > MAX_RELAYS) throw invalidParams(`At most ${MAX_RELAYS} relays.`);
  for (const a of clean) {
    try {
      multiaddr(a);
    } catch {
      throw invalidParams(`Not a relay address (multiaddr): ${a}`);
    }
  }
  return clean;
}
