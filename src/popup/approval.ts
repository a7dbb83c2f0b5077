// The approval window of shh_requestIdentities (docs/API.md "Permissions", docs/SECURITY.md "Approval
// window"): shows the requesting origin exactly as it will be granted (and the page embedding it, for a
// frame), lets the user pick identities (possibly none), and answers with the two buttons named Approve
// and Reject. Closing the window instead is a rejection (the background sees it close).
// Nothing approving is focused at first and both buttons ignore input for a moment after the window
// appears or comes back to the front. While the vault is locked the window asks for the password
// first. A site on plain http: (not this computer) is named insecure, and its identities stay locked
// until the user says they understand.

import type { Approval, Identity } from '../rpc/popup.ts';
import { ask, el } from './ask.ts';
import { t, uiLanguage } from './i18n.ts';
import { guardInput } from './input-guard.ts';
import { originView } from './origin-view.ts';
import { keyView } from './key-view.ts';
import { unlockForm } from './unlock-form.ts';

const app = document.getElementById('app')!;
const id = new URLSearchParams(location.search).get('id') ?? '';
document.documentElement.lang = uiLanguage();

function gone(text: string): void {
  app.replaceChildren(el('p', { className: 'muted' }, text));
  setTimeout(() => window.close(), 1500);
}

/** Plain http: on another computer: what it shows and asks can be changed on the way. */
export function insecureOrigin(origin: string): boolean {
  const u = new URL(origin);
  if (u.protocol !== 'http:') return false;
  const h = u.hostname;
  return !(h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '[::1]');
}

async function main(): Promise<void> {
  const found = id ? await ask('approval:get', { id }) : null;
  if (!found) return gone(t('approvalGone'));
  if ('released' in found) return gone(t('approvalAlreadyConnected'));
  if (found.vault !== 'unlocked') return unlockFirst(found.approval);
  const { approval, identities } = found;
  const insecure = insecureOrigin(approval.origin);
  const boxes = identities.map((i: Identity) => ({ i, box: el('input', { type: 'checkbox', value: i.id, disabled: insecure }) }));
  const list = boxes.length
    ? boxes.map(({ i, box }) => el('div', { className: 'identity' }, el('label', {}, box, ` ${i.name}`), keyView(i.publicKey, t('keyOf', i.name))))
    : [el('p', { className: 'muted' }, t('approvalNoIdentities'))];
  let busy = false;
  const decide = async (approve: boolean): Promise<void> => {
    if (busy) return;
    busy = true;
    const chosen = approve ? boxes.filter((b) => b.box.checked).map((b) => b.i.id) : [];
    try {
      await ask('approval:decide', { id, approve, identities: chosen });
      gone(approve ? t('approvalConnected') : t('approvalRejected'));
    } catch (e) {
      busy = false;
      app.append(el('p', { role: 'alert' }, t('approvalDecisionFailed', (e as Error).message)));
    }
  };
  const approve = el('button', { type: 'button', className: 'primary', textContent: t('approve') });
  const reject = el('button', { type: 'button', textContent: t('reject') });
  approve.addEventListener('click', () => void decide(true));
  reject.addEventListener('click', () => void decide(false));
  document.title = t('approvalTitle', approval.origin);

  const warning: Node[] = [];
  if (insecure) {
    const understood = el('input', { type: 'checkbox', id: 'insecure-ok' });
    understood.addEventListener('change', () => {
      for (const b of boxes) ((b.box.disabled = !understood.checked), understood.checked || (b.box.checked = false));
    });
    warning.push(
      el('div', { className: 'warning', role: 'alert', id: 'insecure' },
        el('p', {}, el('strong', {}, t('approvalInsecureTitle')), ' ', t('approvalInsecureText')),
        el('label', {}, understood, ' ', t('approvalInsecureAccept'))),
    );
  }
  const heading = el('h1', { tabIndex: -1 }, t('approvalHeading'));
  app.replaceChildren(
    heading,
    originView(approval.origin, { id: 'origin', className: 'origin' }),
    ...(approval.embeddedIn ? [el('p', { className: 'embedded', id: 'embedded-in' }, t('approvalEmbeddedIn'), ' ', originView(approval.embeddedIn, { className: 'origin-inline' }))] : []),
    ...warning,
    el('p', {}, t('approvalExplain')),
    el('fieldset', {}, el('legend', {}, t('approvalIdentitiesLegend')), ...list),
    el('div', { className: 'buttons' }, reject, approve),
  );
  heading.focus(); // the heading, never a button: a keystroke meant for the page must not decide
  guardInput([approve, reject]);
}

/** Locked: the password first, then the same request goes on to the connect screen. */
function unlockFirst(approval: Approval): void {
  const { form: f, input } = unlockForm(main);
  document.title = t('approvalLockedTitle');
  app.replaceChildren(
    el('h1', {}, t('approvalLockedHeading')),
    originView(approval.origin, { id: 'origin', className: 'origin' }),
    ...(approval.embeddedIn ? [el('p', { className: 'embedded', id: 'embedded-in' }, t('approvalEmbeddedIn'), ' ', originView(approval.embeddedIn, { className: 'origin-inline' }))] : []),
    el('p', {}, t('approvalLockedText')),
    f,
  );
  input.focus();
}

// The vault may have been unlocked from the toolbar meanwhile: coming back to the window redraws it.
addEventListener('focus', () => {
  if (document.querySelector('input[type="password"]')) void ask('status', {}).then((s) => (s.vault === 'unlocked' ? main() : undefined)).catch((e) => console.debug('shh:popup', e));
});

main().catch((e) => app.replaceChildren(el('p', { role: 'alert' }, t('error', (e as Error).message))));
