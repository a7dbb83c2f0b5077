// Settings: relays to dial, relays only, send dark by default, always dark, minimum PoW, maximum message size, auto-lock time; and the
// vault: an encrypted backup (password asked again), and the wipe (confirmed; "Delete everything" is
// never focused and ignores input for a moment; a backup restores it).

import { ask, el } from './ask.ts';
import { t } from './i18n.ts';
import { guardInput } from './input-guard.ts';
import type { Screen } from './screen.ts';
import { confirmRelayChange } from './relay-change.ts';
import { button, checkbox, field, form, message, section, textarea } from './ui.ts';

export async function settingsView(screen: Screen): Promise<HTMLElement> {
  const s = await ask('settings:get', {});
  const relays = textarea(t('relaysLabel'), { value: s.relays.join('\n'), spellcheck: false }, t('relaysHint', s.defaultRelays.join(', ')));
  const pow = field(t('minPowLabel'), { type: 'number', min: '0', step: 'any', value: String(s.minPow) }, t('minPowHint'));
  const size = field(t('maxSizeLabel'), { type: 'number', min: '1', max: '1024', step: '1', value: String(Math.round(s.maxSize / 1024)) });
  const lock = field(t('autoLockLabel'), { type: 'number', min: '1', max: '1440', step: '1', value: String(s.autoLockMinutes) });
  const only = checkbox(t('relaysOnlyLabel'), s.relaysOnly, t('relaysOnlyHint'));
  const darkDefault = checkbox(t('darkByDefaultLabel'), s.darkByDefault, t('darkByDefaultHint'));
  const alwaysDark = checkbox(t('alwaysDarkLabel'), s.alwaysDark, t('alwaysDarkHint'));
  const save = form([relays.row, only.row, darkDefault.row, alwaysDark.row, pow.row, size.row, lock.row], t('saveSettings'), async (msg) => {
    await ask('settings:set', {
      relays: relays.input.value.split(/[\n,]/).map((r) => r.trim()).filter(Boolean),
      minPow: Number(pow.input.value),
      maxSize: Math.round(Number(size.input.value) * 1024),
      autoLockMinutes: Math.round(Number(lock.input.value)),
      relaysOnly: only.input.checked,
      darkByDefault: darkDefault.input.checked,
      alwaysDark: alwaysDark.input.checked,
    });
    msg.info(t('saved'));
  });

  const pw = field(t('yourPassword'), { type: 'password', autocomplete: 'current-password' }, t('backupPasswordHint'));
  const backup = form([pw.row], t('downloadBackup'), async (msg) => {
    const { file } = await ask('vault:export', { password: pw.input.value });
    pw.input.value = '';
    const a = el('a', { href: URL.createObjectURL(new Blob([file], { type: 'application/json' })), download: `whisper-backup-${new Date().toISOString().slice(0, 10)}.json` });
    a.click();
    backupText.value = file;
    backupText.hidden = false;
    msg.info(t('backupDownloaded'));
  });
  const backupText = el('textarea', { readOnly: true, hidden: true, className: 'key' });
  backupText.setAttribute('aria-label', t('backupContents'));

  const fileIn = textarea(t('backupToImport'), { spellcheck: false });
  const bpw = field(t('backupPassword'), { type: 'password', autocomplete: 'off' });
  const restore = form([fileIn.row, bpw.row], t('importBackup'), async (msg) => {
    const r = await ask('vault:import', { file: fileIn.input.value, password: bpw.input.value });
    msg.info(t('imported', r.identities, r.keys));
    if (r.relays && (await confirmRelayChange(restore, r.relays)) === 'replaced') relays.input.value = r.relays.backup.join('\n');
  });

  const wipeMsg = message();
  const confirm = button(t('deleteEverything'), async () => {
    await ask('vault:wipe', { confirm: 'wipe' });
    screen.restart();
  }, { className: 'danger', label: t('deleteEverythingLabel') });
  confirm.hidden = true;
  const wipe = button(t('wipeVault'), () => {
    confirm.hidden = false;
    guardInput([confirm]); // not focused, and it ignores input for a moment
    wipeMsg.error(t('wipeWarning'));
  });

  return el(
    'div',
    {},
    section(t('network'), save),
    section(t('backup'), backup, backupText, el('details', {}, el('summary', {}, t('importSummaryBackup')), restore)),
    section(t('dangerZone'), wipeMsg.node, el('div', { className: 'buttons' }, wipe, confirm)),
  );
}
