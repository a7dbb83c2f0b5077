// The relay list a backup carries, shown before it is used: importing never changes which relays the
// extension dials; the user sees both lists and chooses (keeping the current list is the default, and
// neither button is focused, so a stray Enter decides nothing).

import { ask, el } from './ask.ts';
import { t } from './i18n.ts';
import { button, message } from './ui.ts';

export interface RelayChange {
  current: string[];
  backup: string[];
}

/** Shows the change inside `host` and resolves once the user kept the current list or switched. */
export function confirmRelayChange(host: HTMLElement, change: RelayChange): Promise<'kept' | 'replaced'> {
  return new Promise((resolve) => {
    const msg = message();
    const list = (items: string[]): HTMLElement => el('ul', { className: 'relays' }, ...items.map((r) => el('li', { className: 'key' }, r)));
    const panel = el('div', { className: 'relay-change' });
    panel.setAttribute('role', 'group');
    panel.setAttribute('aria-label', t('relayChangeLabel'));
    const done = (how: 'kept' | 'replaced'): void => {
      panel.remove();
      resolve(how);
    };
    const use = button(t('relayChangeUse'), async () => {
      try {
        await ask('settings:set', { relays: change.backup });
        done('replaced');
      } catch (e) {
        msg.error((e as Error).message);
      }
    });
    const keep = button(t('relayChangeKeep'), () => done('kept'), { className: 'primary' });
    panel.append(
      el('p', { className: 'warning' }, t('relayChangeWarning')),
      el('p', {}, t('relayChangeNow')),
      list(change.current),
      el('p', {}, t('relayChangeBackup')),
      list(change.backup),
      msg.node,
      el('div', { className: 'buttons' }, keep, use),
    );
    host.append(panel);
  });
}
