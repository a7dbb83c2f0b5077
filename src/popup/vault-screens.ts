// The popup's screens before the vault is open (issue 5): first-run onboarding (choose a password, or
// restore an encrypted backup) and unlock (a wrong password is a message, never a wipe; wiping is a
// separate, confirmed choice for a forgotten password).

import { ask, el } from './ask.ts';
import { guardInput } from './input-guard.ts';
import { confirmRelayChange } from './relay-change.ts';
import { button, field, form, message, textarea } from './ui.ts';

export const MIN_PASSWORD = 8;

export function onboarding(app: HTMLElement, done: () => void): void {
  const pw = field('Password', { type: 'password', autocomplete: 'new-password', required: true }, `At least ${MIN_PASSWORD} characters. It encrypts your keys on this computer; nobody can reset it.`);
  const again = field('Confirm password', { type: 'password', autocomplete: 'new-password', required: true });
  const create = form([pw.row, again.row], 'Create vault', async (msg) => {
    if ([...pw.input.value].length < MIN_PASSWORD) return msg.error(`Choose a password of at least ${MIN_PASSWORD} characters.`);
    if (pw.input.value !== again.input.value) return msg.error('The two passwords differ.');
    await ask('vault:create', { password: pw.input.value });
    done();
  });

  const file = field('Backup file', { type: 'file', accept: '.json,application/json' });
  const text = textarea('…or paste the backup here', { spellcheck: false });
  file.input.addEventListener('change', () => void file.input.files?.[0]?.text().then((t) => (text.input.value = t)));
  const bpw = field('Backup password', { type: 'password', autocomplete: 'current-password' }, 'The password the vault had when the backup was made; it becomes this vault\'s password.');
  const restore = form([file.row, text.row, bpw.row], 'Restore', async (msg) => {
    if (!text.input.value.trim()) return msg.error('Choose a backup file or paste its text.');
    const r = await ask('vault:import', { file: text.input.value, password: bpw.input.value });
    msg.info(`Restored ${r.identities} identities and ${r.keys} site keys.`);
    if (r.relays) await confirmRelayChange(restore, r.relays);
    done();
  });

  app.replaceChildren(
    el('div', { className: 'welcome' },
      el('h1', {}, 'Welcome to Whisper'),
      el('p', {}, 'Whisper lets web pages send and receive private Whisper messages through this browser. First choose a password: it locks your identities and every key sites create.'),
      create,
      el('details', {}, el('summary', {}, 'Restore from a backup'), restore),
    ),
  );
  pw.input.focus();
}

export function unlock(app: HTMLElement, done: () => void): void {
  const pw = field('Password', { type: 'password', autocomplete: 'current-password', required: true });
  const f = form([pw.row], 'Unlock', async () => {
    try {
      await ask('vault:unlock', { password: pw.input.value });
    } catch (e) {
      pw.input.select();
      throw e;
    }
    done();
  });

  const wipeMsg = message();
  const confirm = button('Delete everything', async () => {
    await ask('vault:wipe', { confirm: 'wipe' });
    done();
  }, { className: 'danger', label: 'Delete everything: identities, site keys and connections' });
  confirm.hidden = true;
  const wipe = button('Wipe this vault…', () => {
    confirm.hidden = false;
    guardInput([confirm]); // not focused, and it ignores input for a moment
    wipeMsg.error('This deletes your identities, the keys sites created and every site connection. Only a backup brings them back.');
  });

  app.replaceChildren(
    el('div', { className: 'welcome' },
      el('h1', {}, 'Whisper is locked'),
      el('p', {}, 'Enter your password. While locked, sites cannot use Whisper.'),
      f,
      el('details', {}, el('summary', {}, 'Forgot your password?'),
        el('p', {}, 'Nobody can recover it. You can wipe this vault and restore a backup or start again.'),
        wipeMsg.node, el('div', { className: 'buttons' }, wipe, confirm)),
    ),
  );
  pw.input.focus();
}
