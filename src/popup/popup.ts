// The toolbar popup, also opened in a tab at first run: onboarding while there is no vault, the password
// while locked, then status, identities, sites, activity and settings. Opened from the toolbar while
// sites wait for an answer, it brings their approval window forward. Only wiring.

import { ask, el } from './ask.ts';
import { t, uiLanguage } from './i18n.ts';
import { mainScreen } from './main-screen.ts';
import { onboarding, unlock } from './vault-screens.ts';
import { focusApprovals, inToolbarPopup } from './waiting-banner.ts';

const app = document.getElementById('app')!;
document.documentElement.lang = uiLanguage();
document.title = t('extName');

async function route(): Promise<void> {
  const { vault, pendingApprovals } = await ask('status', {});
  if (vault === 'new') onboarding(app, () => void route());
  else if (vault === 'locked') unlock(app, () => void route(), pendingApprovals);
  else mainScreen(app, () => void route());
}

async function start(): Promise<void> {
  const { pendingApprovals } = await ask('status', {});
  // Clicking the badge opens what it counts (the banner offers the same in a tab).
  if (pendingApprovals > 0 && (await inToolbarPopup())) await focusApprovals();
  await route();
}

start().catch((e) => app.replaceChildren(el('p', { role: 'alert' }, t('error', (e as Error).message))));
