// The popup's banner while approvals wait (the toolbar badge shows their number): one button brings
// the approval window to the front. Opened from the toolbar (not in a tab), the popup does that at once:
// clicking the badge opens the waiting approvals.

import { ask, el } from './ask.ts';
import { t } from './i18n.ts';
import { button } from './ui.ts';

export function waitingBanner(pending: number): HTMLElement[] {
  if (pending === 0) return [];
  const show = button(t('waitingShow'), () => focusApprovals(), { className: 'small primary' });
  const b = el('div', { className: 'banner', id: 'waiting' }, el('span', {}, pending === 1 ? t('waitingOne', 1) : t('waitingMany', pending)), show);
  b.setAttribute('role', 'status');
  return [b];
}

export async function focusApprovals(): Promise<void> {
  const { focused } = await ask('approvals:focus', {});
  if (focused && (await inToolbarPopup())) window.close();
}

interface Tabs {
  getCurrent(): Promise<unknown>;
}
/** True in the toolbar popup, false in a tab (tabs.getCurrent names no tab for a popup). */
export async function inToolbarPopup(): Promise<boolean> {
  const g = globalThis as unknown as { browser?: { tabs?: Tabs }; chrome?: { tabs?: Tabs } };
  const tabs = (g.browser ?? g.chrome)?.tabs;
  if (!tabs) return false;
  return (await tabs.getCurrent()) === undefined;
}
