// Settings (issue 5): relays to dial, minimum PoW, maximum message size, auto-lock time; and the vault:
// an encrypted backup (password asked again), and the wipe (confirmed; a backup restores it).

import { ask, el } from './ask.ts';
import { guardInput } from './input-guard.ts';
import type { Screen } from './main-screen.ts';
import { confirmRelayChange } from './relay-change.ts';
import { button, field, form, message, section, textarea } from './ui.ts';

export async function settingsView(screen: Screen): Promise<HTMLElement> {
  const s = await ask('settings:get', {});
  const relays = textarea('Relays (one multiaddr per line)', { value: s.relays.join('\n'), spellcheck: false });
  const pow = field('Minimum PoW', { type: 'number', min: '0', step: 'any', value: String(s.minPow) }, 'Envelopes below it are refused; higher costs senders more work.');
  const size = field('Maximum message size (KiB)', { type: 'number', min: '1', max: '1024', step: '1', value: String(Math.round(s.maxSize / 1024)) });
  const lock = field('Auto-lock after (minutes)', { type: 'number', min: '1', max: '1440', step: '1', value: String(s.autoLockMinutes) });
  const save = form([relays.row, el('p', { className: 'hint' }, `Empty: the default (${s.defaultRelays.join(', ')}).`), pow.row, size.row, lock.row], 'Save settings', async (msg) => {
    await ask('settings:set', {
      relays: relays.input.value.split(/[\n,]/).map((r) => r.trim()).filter(Boolean),
      minPow: Number(pow.input.value),
      maxSize: Math.round(Number(size.input.value) * 1024),
      autoLockMinutes: Math.round(Number(lock.input.value)),
    });
    msg.info('Saved.');
  });

  const pw = field('Your password', { type: 'password', autocomplete: 'current-password' }, 'The backup is encrypted with it.');
  const backup = form([pw.row], 'Download backup', async (msg) => {
    const { file } = await ask('vault:export', { password: pw.input.value });
    pw.input.value = '';
    const a = el('a', { href: URL.createObjectURL(new Blob([file], { type: 'application/json' })), download: `whisper-backup-${new Date().toISOString().slice(0, 10)}.json` });
    a.click();
    backupText.value = file;
    backupText.hidden = false;
    msg.info('Backup downloaded. It is also shown below for copying.');
  });
  const backupText = el('textarea', { readOnly: true, hidden: true, className: 'key' });
  backupText.setAttribute('aria-label', 'Backup file contents');

  const fileIn = textarea('Backup to import', { spellcheck: false });
  const bpw = field('Backup password', { type: 'password', autocomplete: 'off' });
  const restore = form([fileIn.row, bpw.row], 'Import backup', async (msg) => {
    const r = await ask('vault:import', { file: fileIn.input.value, password: bpw.input.value });
    msg.info(`Imported ${r.identities} identities and ${r.keys} site keys.`);
    if (r.relays && (await confirmRelayChange(restore, r.relays)) === 'replaced') relays.input.value = r.relays.backup.join('\n');
  });

  const wipeMsg = message();
  const confirm = button('Delete everything', async () => {
    await ask('vault:wipe', { confirm: 'wipe' });
    screen.restart();
  }, { className: 'danger', label: 'Delete everything: identities, site keys and connections' });
  confirm.hidden = true;
  const wipe = button('Wipe vault…', () => {
    confirm.hidden = false;
    guardInput([confirm]); // not focused, and it ignores input for a moment
    wipeMsg.error('This deletes your identities, every key sites created, every connection and the settings. Only a backup brings them back.');
  });

  return el(
    'div',
    {},
    section('Network', save),
    section('Backup', backup, backupText, el('details', {}, el('summary', {}, 'Import a backup'), restore)),
    section('Danger zone', wipeMsg.node, el('div', { className: 'buttons' }, wipe, confirm)),
  );
}
