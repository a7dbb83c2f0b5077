// The toolbar button's badge: the number of approvals waiting for the user (empty when none), with a
// title in words. Chrome's `action` and Firefox's `browserAction` both fit; a browser without either
// (tests' fakes) shows nothing. Clicking the button opens the popup, which brings the approval forward.

import type { ActionApi, ExtensionApi } from './extension-api.ts';

const COLOR = '#b45309'; // amber: a request is waiting, nothing is wrong

export class Badge {
  readonly #action: ActionApi | undefined;
  readonly #message: (key: string, subs?: string[]) => string;
  readonly #log: (message: string, e: unknown) => void;
  #shown = -1;

  constructor(api: Pick<ExtensionApi, 'action' | 'browserAction' | 'i18n'>, log: (message: string, e: unknown) => void) {
    this.#action = api.action ?? api.browserAction;
    this.#message = (key, subs) => api.i18n?.getMessage(key, subs) ?? '';
    this.#log = log;
  }

  /** Shows `pending` approvals on the button; 0 clears it. */
  show(pending: number): void {
    const a = this.#action;
    if (!a || pending === this.#shown) return;
    this.#shown = pending;
    const title = pending === 0 ? this.#message('extName') : pending === 1 ? this.#message('badgeTitleOne', ['1']) : this.#message('badgeTitleMany', [String(pending)]);
    void (async () => {
      await a.setBadgeText({ text: pending === 0 ? '' : String(pending) });
      if (pending > 0) await a.setBadgeBackgroundColor?.({ color: COLOR });
      if (title) await a.setTitle?.({ title });
    })().catch((e) => this.#log('could not update the toolbar badge', e));
  }
}
