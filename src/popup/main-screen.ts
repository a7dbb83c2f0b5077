// The unlocked popup: a header with the connection state and Lock, and tabs for Status,
// Identities, Sites, Activity and Settings (ARIA tabs: arrow keys move between them). The URL hash
// names the open tab, so a tab link or a reload lands on the same screen.

import type { PeerStatus } from '../rpc/peer.ts';
import { ask, el } from './ask.ts';
import { identitiesView } from './identities-view.ts';
import { settingsView } from './settings-view.ts';
import { activityView, sitesView } from './sites-view.ts';
import { button } from './ui.ts';

const TABS = [
  ['status', 'Status'],
  ['identities', 'Identities'],
  ['sites', 'Sites'],
  ['activity', 'Activity'],
  ['settings', 'Settings'],
] as const;
type Tab = (typeof TABS)[number][0];

export interface Screen {
  /** Re-reads state and redraws (after a change the view made). */
  refresh(): void;
  /** Back to the top-level router (lock, wipe). */
  restart(): void;
}

export function mainScreen(app: HTMLElement, restart: () => void): void {
  const hash = location.hash.slice(1);
  let current: Tab = (TABS.find(([t]) => t === hash)?.[0] ?? 'status') as Tab;
  const badge = el('span', { className: 'state' });
  const lock = button('Lock', async () => {
    await ask('vault:lock', {});
    restart();
  }, { label: 'Lock Whisper' });
  const tabs = TABS.map(([id, name]) => {
    const b = el('button', { type: 'button', role: 'tab', id: `tab-${id}`, textContent: name });
    b.setAttribute('aria-controls', 'panel');
    b.addEventListener('click', () => select(id, false));
    return b;
  });
  const list = el('div', { role: 'tablist' }, ...tabs);
  list.setAttribute('aria-label', 'Sections');
  list.addEventListener('keydown', (e) => {
    const i = TABS.findIndex(([t]) => t === current);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    e.preventDefault();
    select(TABS[(i + step + TABS.length) % TABS.length]![0], true);
  });
  const panel = el('main', { id: 'panel', role: 'tabpanel' });
  const screen: Screen = { refresh: () => void draw(), restart };

  async function draw(): Promise<void> {
    delete panel.dataset.shown; // set again once this tab's content is in (tests and scripts wait on it)
    const { peer, vault } = await ask('status', {});
    if (vault !== 'unlocked') return restart();
    const online = !!peer?.started && peer.relays.some((r) => r.connected);
    badge.textContent = online ? `Connected · ${peer!.peers} ${peer!.peers === 1 ? 'peer' : 'peers'}` : 'Not connected';
    badge.className = `state ${online ? 'on' : 'off'}`;
    const view = await (current === 'status' ? statusView(peer)
      : current === 'identities' ? identitiesView(screen)
      : current === 'sites' ? sitesView(screen)
      : current === 'activity' ? activityView()
      : settingsView(screen));
    panel.replaceChildren(view);
    panel.dataset.shown = current;
  }

  function select(tab: Tab, focus: boolean): void {
    current = tab;
    history.replaceState(null, '', `#${tab}`);
    for (const [i, b] of tabs.entries()) {
      const on = TABS[i]![0] === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    panel.setAttribute('aria-labelledby', `tab-${tab}`);
    void draw().catch((e) => panel.replaceChildren(el('p', { role: 'alert' }, `Error: ${(e as Error).message}`)));
  }

  app.replaceChildren(el('header', {}, el('h1', {}, 'Whisper'), badge, lock), list, panel);
  select(current, false);
}

async function statusView(peer: PeerStatus | null): Promise<HTMLElement> {
  const { pendingApprovals } = await ask('status', {});
  const settings = await ask('settings:get', {});
  const { warnings } = await ask('diagnostics', {});
  const diagnostics = el(
    'details',
    { className: 'diagnostics' },
    el('summary', {}, `Diagnostics (${warnings.length} recent ${warnings.length === 1 ? 'warning' : 'warnings'})`),
    warnings.length
      ? el('ol', { className: 'plain' }, ...warnings.map((w) => el('li', {}, `${new Date(w.at).toLocaleTimeString()} ${w.scope}: ${w.message}`)))
      : el('p', { className: 'muted' }, 'Nothing went wrong lately.'),
  );
  if (!peer) return el('div', {}, el('p', { role: 'status' }, 'The Whisper peer is starting or unreachable.'), diagnostics);
  const row = (k: string, ...v: (Node | string)[]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, ...v));
  const relays = peer.relays.length
    ? el('ul', { className: 'plain' }, ...peer.relays.map((r) => el('li', { className: 'relay' }, el('span', { className: 'key' }, r.addr), el('span', { className: r.connected ? 'ok' : 'muted' }, r.connected ? '● connected' : '○ not connected'))))
    : 'none';
  return el(
    'div',
    {},
    el(
      'table',
      {},
      el('caption', { className: 'muted' }, 'This browser\'s Whisper peer'),
      row('Network', peer.started && peer.relays.some((r) => r.connected) ? 'connected' : peer.started ? 'started, no relay reached' : 'stopped'),
      row('Peers', String(peer.peers)),
      row('Relays', relays),
      row('Envelopes', `${peer.envelopes} in the pool (${(peer.bytes / 1024).toFixed(1)} KiB)`),
      row('Minimum PoW', peer.effectiveMinPow !== undefined && peer.effectiveMinPow > peer.minPow ? `${peer.minPow} (your relays require ${peer.effectiveMinPow})` : String(peer.minPow)),
      row('Max message', `${Math.round(peer.maxSize / 1024)} KiB`),
      row('Auto-lock', `after ${settings.autoLockMinutes} min`),
      row('Waiting approvals', String(pendingApprovals)),
    ),
    diagnostics,
  );
}
