// The popup's screens before the vault is open: first-run onboarding (choose a password, or restore an
// encrypted backup) and unlock (a wrong password is a message, never a wipe; wiping is a separate,
// confirmed choice for a forgotten password, and "Delete everything" ignores input for a moment).

import { ask, el } from './ask.ts';
import { t } from './i18n.ts';
import { guardInput } from './input-guard.ts';
import { confirmRelayChange } from './relay-change.ts';
import { button, field, form, message, textarea } from './ui.ts';
import { unlockForm } from './unlock-form.ts';
import { waitingBanner } from './waiting-banner.ts';

export const MIN_PASSWORD = 8;

export function onboarding(app: HTMLElement, done: () => void): void {
  const pw = field(t('password'), { type: 'password', autocomplete: 'new-password', required: true }, t('passwordHint', MIN_PASSWORD));
  const again = field(t('confirmPassword'), { type: 'password', autocomplete: 'new-password', required: true });
  const create = form([pw.row, again.row], t('createVault'), async (msg) => {
    if ([...pw.input.value].length < MIN_PASSWORD) return msg.error(t('passwordTooShort', MIN_PASSWORD));
    if (pw.input.value !== again.input.value) return msg.error(t('passwordsDiffer'));
    await ask('vault:create', { password: pw.input.value });
    done();
  });

  const file = field(t('backupFile'), { type: 'file', accept: '.json,application/json' });
  const text = textarea(t('backupPaste'), { spellcheck: false });
  file.input.addEventListener('change', () => void file.input.files?.[0]?.text().then((x) => (text.input.value = x)));
  const bpw = field(t('backupPassword'), { type: 'password', autocomplete: 'current-password' }, t('backupPasswordRestoreHint'));
  const restore = form([file.row, text.row, bpw.row], t('restore'), async (msg) => {
    if (!text.input.value.trim()) return msg.error(t('backupMissing'));
    const r = await ask('vault:import', { file: text.input.value, password: bpw.input.value });
    msg.info(t('restored', r.identities, r.keys));
    if (r.relays) await confirmRelayChange(restore, r.relays);
    done();
  });

  app.replaceChildren(
    el('div', { className: 'welcome' },
      el('h1', {}, t('welcomeTitle')),
      el('p', {}, t('welcomeText')),
      create,
      el('details', {}, el('summary', {}, t('restoreSummary')), restore),
    ),
  );
  pw.input.focus();
}

export function unlock(app: HTMLElement, done: () => void, pendingApprovals = 0): void {
  const { form: f, input } = unlockForm(done);

  const wipeMsg = message();
  const confirm = button(t('deleteEverything'), async () => {
    await ask('vault:wipe', { confirm: 'wipe' });
    done();
  }, { className: 'danger', label: t('deleteEverythingLabel') });
  confirm.hidden = true;
  const wipe = button(t('wipeThisVault'), () => {
    confirm.hidden = false;
    guardInput([confirm]); // not focused, and it ignores input for a moment
    wipeMsg.error(t('wipeWarningLocked'));
  });

  app.replaceChildren(
    ...waitingBanner(pendingApprovals),
    el('div', { className: 'welcome' },
      el('h1', {}, t('lockedTitle')),
      el('p', {}, t('lockedText')),
      f,
      el('details', {}, el('summary', {}, t('forgotSummary')),
        el('p', {}, t('forgotText')),
        wipeMsg.node, el('div', { className: 'buttons' }, wipe, confirm)),
    ),
  );
  input.focus();
}
