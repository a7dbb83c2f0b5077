// The unlocked popup: a header with the connection state and Lock, a banner while sites wait for an
// answer (its button brings the approval window forward), and tabs for Status, Identities, Sites,
// Activity and Settings (ARIA tabs: arrow keys move between them). The URL hash names the open tab, so
// a tab link or a reload lands on the same screen.

import { ask, el } from './ask.ts';
import { t } from './i18n.ts';
import { identitiesView } from './identities-view.ts';
import { settingsView } from './settings-view.ts';
import { activityView, sitesView } from './sites-view.ts';
import { statusView } from './status-view.ts';
import { button } from './ui.ts';
import { waitingBanner } from './waiting-banner.ts';
import type { Screen } from './screen.ts';

const TABS = ['status', 'identities', 'sites', 'activity', 'settings'] as const;
type Tab = (typeof TABS)[number];
const TAB_NAMES: Record<Tab, () => string> = {
  status: () => t('tabStatus'),
  identities: () => t('tabIdentities'),
  sites: () => t('tabSites'),
  activity: () => t('tabActivity'),
  settings: () => t('tabSettings'),
};

export function mainScreen(app: HTMLElement, restart: () => void): void {
  const hash = location.hash.slice(1);
  let current: Tab = TABS.find((x) => x === hash) ?? 'status';
  let stopView: (() => void) | undefined; // a view that polls (status: proof of work)
  const badge = el('span', { className: 'state' });
  badge.setAttribute('role', 'status');
  const banner = el('div', { className: 'banner-slot' });
  const lock = button(t('lock'), async () => {
    await ask('vault:lock', {});
    restart();
  }, { label: t('lockLabel') });
  const tabs = TABS.map((id) => {
    const b = el('button', { type: 'button', role: 'tab', id: `tab-${id}`, textContent: TAB_NAMES[id]() });
    b.setAttribute('aria-controls', 'panel');
    b.addEventListener('click', () => select(id, false));
    return b;
  });
  const list = el('div', { role: 'tablist' }, ...tabs);
  list.setAttribute('aria-label', t('tabsLabel'));
  list.addEventListener('keydown', (e) => {
    const i = TABS.indexOf(current);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    e.preventDefault();
    select(TABS[(i + step + TABS.length) % TABS.length]!, true);
  });
  const panel = el('main', { id: 'panel', role: 'tabpanel' });
  const screen: Screen = { refresh: () => void draw(), restart };

  async function draw(): Promise<void> {
    delete panel.dataset.shown; // set again once this tab's content is in (tests and scripts wait on it)
    stopView?.();
    stopView = undefined;
    const status = await ask('status', {});
    const { peer, vault } = status;
    if (vault !== 'unlocked') return restart();
    const online = !!peer?.started && peer.relays.some((r) => r.connected);
    badge.textContent = !online ? t('stateNotConnected') : peer!.peers === 1 ? t('stateConnectedOne', 1) : t('stateConnectedMany', peer!.peers);
    badge.className = `state ${online ? 'on' : 'off'}`;
    banner.replaceChildren(...waitingBanner(status.pendingApprovals));
    let view: HTMLElement;
    if (current === 'status') {
      const v = await statusView(status);
      view = v.node;
      stopView = v.stop;
    } else view = await (current === 'identities' ? identitiesView(screen) : current === 'sites' ? sitesView(screen) : current === 'activity' ? activityView() : settingsView(screen));
    panel.replaceChildren(view);
    panel.dataset.shown = current;
  }

  function select(tab: Tab, focus: boolean): void {
    current = tab;
    history.replaceState(null, '', `#${tab}`);
    for (const [i, b] of tabs.entries()) {
      const on = TABS[i] === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    panel.setAttribute('aria-labelledby', `tab-${tab}`);
    void draw().catch((e) => panel.replaceChildren(el('p', { role: 'alert' }, t('error', (e as Error).message))));
  }

  app.replaceChildren(el('header', {}, el('h1', {}, t('extName')), badge, lock), banner, list, panel);
  select(current, false);
}
