// The password form that unlocks the vault, shared by the popup's locked screen and the approval
// window's locked step: a wrong password selects what was typed and shows the error; a right one
// goes on with `then`.

import { ask } from './ask.ts';
import { t } from './i18n.ts';
import { field, form } from './ui.ts';

/** The form and its password input (the caller focuses it once the form is on screen). */
export function unlockForm(then: () => void | Promise<void>): { form: HTMLFormElement; input: HTMLInputElement } {
  const pw = field(t('password'), { type: 'password', autocomplete: 'current-password', required: true });
  const f = form([pw.row], t('unlock'), async () => {
    try {
      await ask('vault:unlock', { password: pw.input.value });
    } catch (e) {
      pw.input.select();
      throw e;
    }
    await then();
  });
  return { form: f, input: pw.input };
}
