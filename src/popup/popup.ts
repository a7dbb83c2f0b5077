// The toolbar popup, also opened in a tab at first run: onboarding while there is no vault,
// the password while locked, then status, identities, sites, activity and settings. Only wiring.

import { ask, el } from './ask.ts';
import { mainScreen } from './main-screen.ts';
import { onboarding, unlock } from './vault-screens.ts';

const app = document.getElementById('app')!;

async function route(): Promise<void> {
  const { vault } = await ask('status', {});
  if (vault === 'new') onboarding(app, () => void route());
  else if (vault === 'locked') unlock(app, () => void route());
  else mainScreen(app, () => void route());
}

route().catch((e) => app.replaceChildren(el('p', { role: 'alert' }, `Error: ${(e as Error).message}`)));
