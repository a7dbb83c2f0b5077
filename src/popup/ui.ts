// Small accessible building blocks for the popup's screens: labelled fields (a hint sits under its own
// field, apart from the next label), buttons with accessible names, a live message area, times. Text
// always goes in as text, never as HTML.

import { el } from './ask.ts';
import { t, uiLanguage } from './i18n.ts';

let nextId = 0;
const uid = (p: string): string => `${p}-${++nextId}`;

/** A labelled input; returns the wrapper and the input. */
export function field(label: string, props: Partial<HTMLInputElement> = {}, hint?: string): { row: HTMLElement; input: HTMLInputElement } {
  const input = el('input', { id: uid('f'), ...props });
  const lab = el('label', { htmlFor: input.id }, label);
  const row = el('div', { className: 'field' }, lab, input);
  if (hint) {
    const h = el('p', { className: 'hint', id: uid('h') }, hint);
    input.setAttribute('aria-describedby', h.id);
    row.append(h);
  }
  return { row, input };
}

export function textarea(label: string, props: Partial<HTMLTextAreaElement> = {}, hint?: string): { row: HTMLElement; input: HTMLTextAreaElement } {
  const input = el('textarea', { id: uid('t'), ...props });
  const row = el('div', { className: 'field' }, el('label', { htmlFor: input.id }, label), input);
  if (hint) {
    const h = el('p', { className: 'hint', id: uid('h') }, hint);
    input.setAttribute('aria-describedby', h.id);
    row.append(h);
  }
  return { row, input };
}

/** A checkbox with its label after it (the usual reading order) and an optional hint under both. */
export function checkbox(label: string, checked: boolean, hint?: string): { row: HTMLElement; input: HTMLInputElement } {
  const input = el('input', { id: uid('c'), type: 'checkbox', checked });
  const row = el('div', { className: 'field' }, el('label', {}, input, ' ', label));
  if (hint) {
    const h = el('p', { className: 'hint', id: uid('h') }, hint);
    input.setAttribute('aria-describedby', h.id);
    row.append(h);
  }
  return { row, input };
}

/** A button; `label` is its accessible name when the visible text alone would be ambiguous. */
export function button(text: string, onClick: () => void | Promise<void>, o: { className?: string; label?: string; type?: 'button' | 'submit' } = {}): HTMLButtonElement {
  const b = el('button', { type: o.type ?? 'button', textContent: text, className: o.className ?? '' });
  if (o.label) b.setAttribute('aria-label', o.label);
  if (o.type !== 'submit') b.addEventListener('click', () => void run(b, onClick));
  return b;
}

/** Runs an action with its button disabled, so a double click does not act twice. */
export async function run(b: HTMLButtonElement | undefined, f: () => void | Promise<void>): Promise<void> {
  if (b?.disabled) return;
  if (b) b.disabled = true;
  try {
    await f();
  } finally {
    if (b) b.disabled = false;
  }
}

/** A form whose submit (Enter or its submit button) runs `onSubmit` with errors shown in its message area. */
export function form(children: Node[], submitText: string, onSubmit: (msg: Message) => Promise<void>, o: { className?: string; label?: string } = {}): HTMLFormElement {
  const msg = message();
  const submit = button(submitText, () => undefined, { type: 'submit', className: o.className ?? 'primary', ...(o.label ? { label: o.label } : {}) });
  const f = el('form', { noValidate: true }, ...children, msg.node, el('div', { className: 'buttons' }, submit));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(submit, async () => {
      msg.clear();
      try {
        await onSubmit(msg);
      } catch (err) {
        msg.error((err as Error).message);
      }
    });
  });
  return f;
}

export interface Message {
  node: HTMLElement;
  error(text: string): void;
  info(text: string): void;
  clear(): void;
}

/** A message line screen readers announce: errors as alerts, the rest politely. */
export function message(): Message {
  const node = el('p', { className: 'message' });
  node.setAttribute('aria-live', 'polite');
  node.hidden = true;
  const show = (text: string, kind: string): void => {
    node.hidden = false;
    node.className = `message ${kind}`;
    node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    node.textContent = text;
  };
  return { node, error: (t) => show(t, 'error'), info: (t) => show(t, 'info'), clear: () => ((node.hidden = true), (node.textContent = '')) };
}


export function when(ms: number | undefined): string {
  if (ms === undefined) return t('never');
  const d = new Date(ms);
  return d.toLocaleString(uiLanguage(), { dateStyle: 'medium', timeStyle: 'short' });
}

/** Copies text, saying so in `msg`; falls back to selecting it when the clipboard is refused. */
export async function copy(text: string, msg: Message, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    msg.info(t('whatCopied', what));
  } catch (e) {
    console.debug('shh:popup', 'clipboard refused', e);
    msg.error(t('copyFailed'));
  }
}

export function section(title: string, ...children: Node[]): HTMLElement {
  const id = uid('s');
  const s = el('section', {}, el('h2', { id }, title), ...children);
  s.setAttribute('aria-labelledby', id);
  return s;
}
