// The extension's strings live in public/_locales/en/messages.json (default_locale "en"): every key the
// popup, the approval window, the background (badge) and the manifest use exists there, every message
// there is used, each has a description for translators, and each $PLACEHOLDER$ is declared.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
type Message = { message: string; description?: string; placeholders?: Record<string, { content: string; example?: string }> };
const messages = JSON.parse(readFileSync(join(ROOT, 'public', '_locales', 'en', 'messages.json'), 'utf8')) as Record<string, Message>;
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as Record<string, unknown>;

const sources = (dir: string): string[] => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(ROOT, dir, f), 'utf8'));
/** Keys as the first literal argument of t(...) (extension pages) or of a getMessage wrapper (background). */
const keysIn = (texts: string[], call: RegExp): Set<string> => new Set(texts.flatMap((s) => [...s.matchAll(call)].map((m) => m[1]!)));
const popupKeys = keysIn(sources('src/popup'), /\bt\(\s*'([A-Za-z0-9_]+)'/g);
const backgroundKeys = keysIn(sources('src/background'), /(?:#message|getMessage)\(\s*'([A-Za-z0-9_]+)'/g);
const manifestKeys = new Set([...JSON.stringify(manifest).matchAll(/__MSG_([A-Za-z0-9_]+)__/g)].map((m) => m[1]!));

describe('messages.json (English, complete)', () => {
  it('the manifests take their name and description from it', () => {
    expect(manifest.default_locale).toBe('en');
    expect(manifest.name).toBe('__MSG_extName__');
    expect(manifest.description).toBe('__MSG_extDescription__');
  });

  it('every key used in src/popup exists in messages.json', () => {
    expect(popupKeys.size).toBeGreaterThan(100);
    expect([...popupKeys].filter((k) => !(k in messages))).toEqual([]);
  });

  it('every key used by the background and the manifest exists too', () => {
    expect([...backgroundKeys, ...manifestKeys].filter((k) => !(k in messages))).toEqual([]);
  });

  it('and vice versa: every message is used somewhere', () => {
    const used = new Set([...popupKeys, ...backgroundKeys, ...manifestKeys]);
    expect(Object.keys(messages).filter((k) => !used.has(k))).toEqual([]);
  });

  it('each message has text, a description for translators, and declares its placeholders ($1, $2, … in order)', () => {
    for (const [key, m] of Object.entries(messages)) {
      expect(m.message.trim(), key).not.toBe('');
      expect(m.description?.trim(), key).toBeTruthy();
      const named = new Set([...m.message.matchAll(/\$([A-Za-z_]+)\$/g)].map((x) => x[1]!.toLowerCase()));
      const declared = Object.keys(m.placeholders ?? {});
      expect(new Set(declared), key).toEqual(named);
      expect(declared.map((p) => m.placeholders![p]!.content), key).toEqual(declared.map((_, i) => `$${i + 1}`));
      for (const p of declared) expect(m.placeholders![p]!.example, `${key}.${p}`).toBeTruthy();
    }
  });

  it('no user-visible English is left in the extension pages\' code outside messages.json', () => {
    // Text nodes and labels go through t(): a capitalised English sentence in a string literal is a miss.
    const offenders = sources('src/popup').flatMap((s) => [...s.matchAll(/(?:textContent: |el\('(?:p|h1|h2|h3|span|legend|summary|label)', \{[^}]*\}, )'([A-Z][a-z]+ [a-z][^']*)'/g)].map((m) => m[1]));
    expect(offenders).toEqual([]);
  });
});
