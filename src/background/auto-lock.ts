// Auto-lock: the vault locks after the user's chosen minutes without use. The deadline is a
// chrome.alarms alarm, which survives a service-worker restart and wakes the worker when it fires
// (plain timers die with the worker). The user's use of the extension's own pages (popup, approval
// windows) re-arms it, at most once per TOUCH_EVERY_MS; a page's calls never do (docs/SECURITY.md).

import type { AlarmsApi } from './extension-api.ts';
import type { Vault } from './vault.ts';
import { createLog } from '../rpc/log.ts';

const log = createLog('shh:bg:lock');

export const AUTO_LOCK_ALARM = 'shh-autolock';
export const TOUCH_EVERY_MS = 20_000;

export interface AutoLockInit {
  alarms: AlarmsApi;
  vault: Vault;
  minutes: () => Promise<number>;
  now?: () => number; // ms
}

export class AutoLock {
  readonly #i: AutoLockInit;
  readonly #now: () => number;
  #lastArm = -Infinity;

  constructor(init: AutoLockInit) {
    this.#i = init;
    this.#now = init.now ?? Date.now;
  }

  /** Starts the countdown again from now (unlock, a settings change). */
  async arm(): Promise<void> {
    this.#lastArm = this.#now();
    await this.#i.alarms.create(AUTO_LOCK_ALARM, { delayInMinutes: await this.#i.minutes() });
  }

  /** The user used the extension's pages: re-arm unless that was done moments ago. */
  touch(): void {
    if (this.#i.vault.state !== 'unlocked' || this.#now() - this.#lastArm < TOUCH_EVERY_MS) return;
    void this.arm().catch(log.catcher('re-arming the auto-lock'));
  }

  /** alarms.onAlarm: true when it was ours (and the vault is now locked). */
  onAlarm(name: string): boolean {
    if (name !== AUTO_LOCK_ALARM) return false;
    void this.#i.vault.lock();
    return true;
  }
}
