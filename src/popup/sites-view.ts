// Sites and activity: connected origins with the identities each may use. Two different acts, kept
// apart: "Remove" takes one identity from a site (it stays connected), "Revoke" disconnects the whole
// site; the page hears identitiesChanged at once either way. Activity: per site, messages posted and
// received and when last. Origins are shown whole, never broken inside the host.

import type { IdentityDetails } from '../rpc/popup.ts';
import { ask, el } from './ask.ts';
import { t } from './i18n.ts';
import type { Screen } from './screen.ts';
import { originView } from './origin-view.ts';
import { button, message, section, when } from './ui.ts';

export async function sitesView(screen: Screen): Promise<HTMLElement> {
  const [sites, ids] = await Promise.all([ask('sites:list', {}), ask('identities:list', {})]);
  const byId = new Map<string, IdentityDetails>(ids.map((i) => [i.id, i]));
  const msg = message();
  if (sites.length === 0) return section(t('connectedSites'), el('p', { className: 'muted' }, t('noSites')));
  const cards = sites.map((s) => {
    const revoke = button(t('revokeSite'), async () => {
      await ask('sites:revoke', { origin: s.origin });
      screen.refresh();
    }, { label: t('revokeLabel', s.origin), className: 'small danger-outline' });
    const items = s.identities.map((id) => {
      const name = byId.get(id)?.name ?? t('deletedIdentity');
      const remove = button(t('removeIdentity'), async () => {
        await ask('sites:revokeIdentity', { origin: s.origin, identity: id });
        screen.refresh();
      }, { label: t('removeLabel', name, s.origin), className: 'small' });
      return el('li', {}, el('span', {}, `${name} `, el('span', { className: 'muted' }, t('since', when(s.grantedAt[id])))), remove);
    });
    return el(
      'div',
      { className: 'card' },
      originView(s.origin, { className: 'origin' }),
      el('p', { className: 'muted' }, t('connectedAt', when(s.connectedAt))),
      el('h4', {}, t('siteIdentities')),
      items.length ? el('ul', { className: 'plain' }, ...items) : el('p', { className: 'muted' }, t('siteNoIdentity')),
      el('div', { className: 'revoke' }, el('p', { className: 'hint' }, t('revokeHint')), revoke),
    );
  });
  return section(t('connectedSites'), msg.node, el('p', { className: 'hint' }, t('sitesHint')), ...cards);
}

export async function activityView(): Promise<HTMLElement> {
  const rows = await ask('activity:list', {});
  if (rows.length === 0) return section(t('tabActivity'), el('p', { className: 'muted' }, t('noActivity')));
  return section(
    t('tabActivity'),
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('colSite')), el('th', { scope: 'col' }, t('colPosted')), el('th', { scope: 'col' }, t('colReceived')))),
      el(
        'tbody',
        {},
        ...rows.map((r) =>
          el(
            'tr',
            {},
            el('td', {}, originView(r.origin, { className: 'origin-inline' }, 'span')),
            el('td', {}, String(r.posted), el('br'), el('span', { className: 'muted' }, when(r.lastPostedAt))),
            el('td', {}, String(r.received), el('br'), el('span', { className: 'muted' }, when(r.lastReceivedAt))),
          ),
        ),
      ),
    ),
  );
}
