// The extension pages' strings (public/_locales/<lang>/messages.json, English complete): `t(key, ...)`
// returns the message in the browser's language with its $PLACEHOLDERS$ filled in. A key missing from
// the messages is shown as itself and logged (test/popup/i18n.test.ts keeps the two in step).

interface I18n {
  getMessage(name: string, substitutions?: string[]): string;
  getUILanguage?(): string;
}
const ext = globalThis as unknown as { browser?: { i18n?: I18n }; chrome?: { i18n?: I18n } };
const i18n = (): I18n | undefined => (ext.browser ?? ext.chrome)?.i18n;

export function t(key: string, ...subs: (string | number)[]): string {
  const m = i18n()?.getMessage(key, subs.map(String));
  if (m) return m;
  console.debug('shh:popup:i18n', 'no message', key);
  return key;
}

/** The page's language for <html lang> and number formats. */
export function uiLanguage(): string {
  return i18n()?.getUILanguage?.() ?? navigator.language ?? 'en';
}
