// Identities: create, rename, import a raw private key, export it (password asked again), delete (the
// warning names the sites connected to it; "Delete for good" is never focused and ignores input for a
// moment). Each shows its public key, whole on demand, with a Copy button, and the sites that may use it.

import type { IdentityDetails } from '../rpc/popup.ts';
import { ask, el } from './ask.ts';
import { t } from './i18n.ts';
import { guardInput } from './input-guard.ts';
import { keyView } from './key-view.ts';
import type { Screen } from './screen.ts';
import { button, copy, field, form, message, section } from './ui.ts';

export async function identitiesView(screen: Screen): Promise<HTMLElement> {
  const ids = await ask('identities:list', {});
  const name = field(t('name'), { autocomplete: 'off', placeholder: t('namePlaceholder') });
  const create = form([name.row], t('createIdentity'), async () => {
    await ask('identities:create', { name: name.input.value });
    screen.refresh();
  });
  const iname = field(t('name'), { autocomplete: 'off' });
  const ikey = field(t('privateKey'), { type: 'password', autocomplete: 'off', spellcheck: false }, t('privateKeyHint'));
  const imp = form([iname.row, ikey.row], t('importKey'), async () => {
    await ask('identities:import', { name: iname.input.value, privateKey: ikey.input.value });
    screen.refresh();
  });

  return el(
    'div',
    {},
    section(t('yourIdentities'), ...(ids.length ? ids.map((i) => card(i, screen)) : [el('p', { className: 'muted' }, t('noIdentities'))])),
    section(t('newIdentity'), create, el('details', {}, el('summary', {}, t('importSummary')), imp)),
  );
}

function card(i: IdentityDetails, screen: Screen): HTMLElement {
  const msg = message();
  const body = el('div', {});
  const sites = i.sites.length ? t('identitySites', i.sites.join(', ')) : t('identityNoSites');
  const actions = el(
    'div',
    { className: 'buttons' },
    button(t('rename'), () => rename(), { className: 'small', label: t('renameLabel', i.name) }),
    button(t('export'), () => exportKey(), { className: 'small', label: t('exportLabel', i.name) }),
    button(t('delete'), () => remove(), { className: 'small', label: t('deleteLabel', i.name) }),
  );
  const show = (...n: Node[]): void => body.replaceChildren(...n);

  function rename(): void {
    const f = field(t('newName'), { value: i.name, autocomplete: 'off' });
    show(form([f.row], t('saveName'), async () => {
      await ask('identities:rename', { id: i.id, name: f.input.value });
      screen.refresh();
    }), button(t('cancel'), () => show(), { className: 'small' }));
    f.input.select();
  }

  function exportKey(): void {
    const pw = field(t('yourPassword'), { type: 'password', autocomplete: 'current-password' });
    show(el('p', { className: 'warning' }, t('exportWarning')),
      form([pw.row], t('showPrivateKey'), async () => {
        const { privateKey } = await ask('identities:export', { id: i.id, password: pw.input.value });
        const out = el('textarea', { readOnly: true, value: privateKey, className: 'key' });
        out.setAttribute('aria-label', t('privateKeyOf', i.name));
        show(out, button(t('copy'), () => copy(privateKey, msg, t('privateKey')), { className: 'small', label: t('copyPrivateKeyLabel', i.name) }), button(t('hide'), () => show(), { className: 'small', label: t('hidePrivateKeyLabel', i.name) }));
        out.select();
      }), button(t('cancel'), () => show(), { className: 'small' }));
    pw.input.focus();
  }

  function remove(): void {
    const lose = i.sites.length ? t('deleteLoses', i.sites.join(', ')) : t('deleteNoSite');
    const yes = button(t('deleteForGood'), async () => {
      await ask('identities:delete', { id: i.id });
      screen.refresh();
    }, { className: 'danger', label: t('deleteForGoodLabel', i.name) });
    const cancel = button(t('cancel'), () => show());
    show(el('p', { className: 'warning', role: 'alert' }, t('deleteQuestion', i.name, lose)), el('div', { className: 'buttons' }, cancel, yes));
    cancel.focus(); // never the destructive button; and it ignores input for a moment
    guardInput([yes]);
  }

  return el(
    'article',
    { className: 'card' },
    el('h3', {}, i.name),
    keyView(i.publicKey, t('keyOf', i.name)),
    el('p', { className: 'hint' }, sites),
    actions,
    msg.node,
    body,
  );
}
