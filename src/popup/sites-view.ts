// Sites and activity: connected origins with the identities each may use; revoke a whole
// site or one identity for it (the page hears identitiesChanged at once). Activity: per site, messages
// posted and received and when last.

import type { IdentityDetails } from '../rpc/popup.ts';
import { ask, el } from './ask.ts';
import type { Screen } from './main-screen.ts';
import { button, message, section, when } from './ui.ts';

export async function sitesView(screen: Screen): Promise<HTMLElement> {
  const [sites, ids] = await Promise.all([ask('sites:list', {}), ask('identities:list', {})]);
  const byId = new Map<string, IdentityDetails>(ids.map((i) => [i.id, i]));
  const msg = message();
  if (sites.length === 0) return section('Connected sites', el('p', { className: 'muted' }, 'No site is connected. A site asks with shh_requestIdentities and you approve it in a window.'));
  const cards = sites.map((s) => {
    const revoke = button('Revoke', async () => {
      await ask('sites:revoke', { origin: s.origin });
      screen.refresh();
    }, { label: `Revoke ${s.origin}`, className: 'small' });
    const items = s.identities.map((id) => {
      const name = byId.get(id)?.name ?? 'deleted identity';
      const remove = button('Remove', async () => {
        await ask('sites:revokeIdentity', { origin: s.origin, identity: id });
        screen.refresh();
      }, { label: `Remove ${name} from ${s.origin}`, className: 'small' });
      return el('li', {}, el('span', {}, `${name} `, el('span', { className: 'muted' }, `since ${when(s.grantedAt[id])}`)), remove);
    });
    return el(
      'div',
      { className: 'card' },
      el('p', { className: 'origin' }, s.origin),
      el('p', { className: 'muted' }, `Connected ${when(s.connectedAt)}`),
      items.length ? el('ul', { className: 'plain' }, ...items) : el('p', { className: 'muted' }, 'No identity: it uses keys of its own.'),
      el('div', { className: 'buttons' }, revoke),
    );
  });
  return section('Connected sites', msg.node, ...cards);
}

export async function activityView(): Promise<HTMLElement> {
  const rows = await ask('activity:list', {});
  if (rows.length === 0) return section('Activity', el('p', { className: 'muted' }, 'No site has posted or received a message yet.'));
  return section(
    'Activity',
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Site'), el('th', { scope: 'col' }, 'Posted'), el('th', { scope: 'col' }, 'Received'))),
      el(
        'tbody',
        {},
        ...rows.map((r) =>
          el(
            'tr',
            {},
            el('td', { className: 'origin' }, r.origin),
            el('td', {}, String(r.posted), el('br'), el('span', { className: 'muted' }, when(r.lastPostedAt))),
            el('td', {}, String(r.received), el('br'), el('span', { className: 'muted' }, when(r.lastReceivedAt))),
          ),
        ),
      ),
    ),
  );
}
