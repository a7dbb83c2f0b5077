// Identities (issue 5): create, rename, import a raw private key, export it (password asked again),
// delete (the warning names the sites connected to it). Each shows its public key with a Copy button
// and the sites that may use it.

import type { IdentityDetails } from '../rpc/popup.ts';
import { ask, el } from './ask.ts';
import type { Screen } from './main-screen.ts';
import { guardInput } from './input-guard.ts';
import { button, copy, field, form, message, section } from './ui.ts';

export async function identitiesView(screen: Screen): Promise<HTMLElement> {
  const ids = await ask('identities:list', {});
  const name = field('Name', { autocomplete: 'off', placeholder: 'e.g. Work' });
  const create = form([name.row], 'Create identity', async () => {
    await ask('identities:create', { name: name.input.value });
    screen.refresh();
  });
  const iname = field('Name', { autocomplete: 'off' });
  const ikey = field('Private key', { type: 'password', autocomplete: 'off', spellcheck: false }, '64 hexadecimal characters, with or without 0x.');
  const imp = form([iname.row, ikey.row], 'Import key', async () => {
    await ask('identities:import', { name: iname.input.value, privateKey: ikey.input.value });
    screen.refresh();
  });

  return el(
    'div',
    {},
    section('Your identities', ...(ids.length ? ids.map((i) => card(i, screen)) : [el('p', { className: 'muted' }, 'None yet. Sites can still use keys of their own.')])),
    section('New identity', create, el('details', {}, el('summary', {}, 'Import a private key'), imp)),
  );
}

function card(i: IdentityDetails, screen: Screen): HTMLElement {
  const msg = message();
  const body = el('div', {});
  const keyBox = el('input', { readOnly: true, value: i.publicKey, className: 'key' });
  keyBox.setAttribute('aria-label', `Public key of ${i.name}`);
  const sites = i.sites.length ? `Sites that may use it: ${i.sites.join(', ')}` : 'No site may use it.';
  const actions = el(
    'div',
    { className: 'buttons' },
    button('Copy', () => copy(i.publicKey, msg, 'Public key'), { className: 'small', label: `Copy public key of ${i.name}` }),
    button('Rename', () => rename(), { className: 'small', label: `Rename ${i.name}` }),
    button('Export', () => exportKey(), { className: 'small', label: `Export private key of ${i.name}` }),
    button('Delete', () => remove(), { className: 'small', label: `Delete ${i.name}` }),
  );
  const show = (...n: Node[]): void => body.replaceChildren(...n);

  function rename(): void {
    const f = field('New name', { value: i.name, autocomplete: 'off' });
    show(form([f.row], 'Save name', async () => {
      await ask('identities:rename', { id: i.id, name: f.input.value });
      screen.refresh();
    }), button('Cancel', () => show(), { className: 'small' }));
    f.input.select();
  }

  function exportKey(): void {
    const pw = field('Your password', { type: 'password', autocomplete: 'current-password' });
    show(el('p', { className: 'warning' }, 'Anyone with this private key can read messages sent to this identity and sign as it. Keep it secret.'),
      form([pw.row], 'Show private key', async () => {
        const { privateKey } = await ask('identities:export', { id: i.id, password: pw.input.value });
        const out = el('textarea', { readOnly: true, value: privateKey, className: 'key' });
        out.setAttribute('aria-label', `Private key of ${i.name}`);
        show(out, button('Copy', () => copy(privateKey, msg, 'Private key'), { className: 'small', label: `Copy private key of ${i.name}` }), button('Hide', () => show(), { className: 'small', label: `Hide private key of ${i.name}` }));
        out.select();
      }), button('Cancel', () => show(), { className: 'small' }));
    pw.input.focus();
  }

  function remove(): void {
    const lose = i.sites.length ? `These sites will lose it at once: ${i.sites.join(', ')}.` : 'No site uses it.';
    const yes = button('Delete for good', async () => {
      await ask('identities:delete', { id: i.id });
      screen.refresh();
    }, { className: 'danger', label: `Delete ${i.name} for good` });
    const cancel = button('Cancel', () => show());
    show(el('p', { className: 'warning', role: 'alert' }, `Delete “${i.name}”? ${lose} Without a backup its key is gone forever.`), el('div', { className: 'buttons' }, cancel, yes));
    cancel.focus(); // never the destructive button; and it ignores input for a moment
    guardInput([yes]);
  }

  return el(
    'article',
    { className: 'card' },
    el('h3', {}, i.name),
    keyBox,
    el('p', { className: 'hint' }, sites),
    actions,
    msg.node,
    body,
  );
}
