// A public key as the extension pages show it: short at first, the whole key on demand (Show), with a
// Copy button. Keys are never cut without a way to see the rest.

import { el } from './ask.ts';
import { t } from './i18n.ts';

/** `label` names the key for assistive technology ("Public key of Alice"). */
export function keyView(hex: string, label: string): HTMLElement {
  const short = hex.length > 24 ? `${hex.slice(0, 12)}…${hex.slice(-8)}` : hex;
  const text = el('code', { className: 'key' }, short);
  text.setAttribute('aria-label', label);
  text.dataset.key = hex; // the whole key, whatever is shown
  const note = el('span', { className: 'copied', hidden: true });
  note.setAttribute('role', 'status');
  const toggle = el('button', { type: 'button', className: 'small link', textContent: t('keyShow') });
  toggle.setAttribute('aria-expanded', 'false');
  toggle.setAttribute('aria-label', t('keyShowLabel', label));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? t('keyHide') : t('keyShow');
    text.textContent = open ? hex : short;
    text.classList.toggle('full', open);
  });
  const copyB = el('button', { type: 'button', className: 'small link', textContent: t('copy') });
  copyB.setAttribute('aria-label', t('copyLabel', label));
  copyB.addEventListener('click', () => {
    navigator.clipboard.writeText(hex).then(
      () => ((note.hidden = false), (note.textContent = t('copied'))),
      (e) => ((note.hidden = false), (note.textContent = t('copyFailed')), console.debug('shh:popup', e)),
    );
  });
  return el('div', { className: 'key-view' }, text, toggle, copyB, note);
}
