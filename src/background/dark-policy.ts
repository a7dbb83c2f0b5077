// Which way one post leaves (docs/PRIVACY.md, "The mix layer"; docs/API.md, shh_post's `dark`):
// "Always dark" wins over everything; otherwise the site's `dark` when it gave one, else the user's
// "Send dark by default". Invariant: a post this resolves to dark either goes dark or fails.

import type { DarkChoice } from '../peer/dark-defaults.ts';

export function resolveDark(asked: boolean | undefined, choice: DarkChoice): boolean {
  if (choice.alwaysDark) return true;
  return asked ?? choice.darkByDefault;
}
