// An origin as the extension pages show it: exactly the granted text (textContent is the origin), with
// the host kept on one line so it never wraps in the middle; a line may break only after the scheme and
// before the port. A host too long for the line scrolls sideways rather than breaking.

import { el } from './ask.ts';

export function originView(origin: string, props: { id?: string; className?: string } = {}, tag: 'p' | 'span' = tag0(props)): HTMLElement {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(\[[^\]]*\]|[^:/]*)(:\d+)?$/i.exec(origin);
  const node = el(tag, { ...props, title: origin });
  node.classList.add('origin-view');
  if (!m) return node.append(origin), node;
  node.append(el('span', { className: 'scheme' }, m[1]!), el('wbr'), el('span', { className: 'host' }, m[2]!));
  if (m[3]) node.append(el('wbr'), el('span', { className: 'port' }, m[3]));
  return node;
}

function tag0(props: { className?: string }): 'p' | 'span' {
  return props.className?.includes('inline') ? 'span' : 'p';
}
