// Pending approvals end: one the user has not decided within APPROVAL_DEADLINE_MS is rejected as if
// the window had been closed (its requests get 4001 and the window goes), so a page's queue never
// waits without end behind it. Run from the background's periodic gc.

import type { WhisperDatabase } from '../store/db.ts';
import { ApprovalRows } from '../store/approvals.ts';
import type { Approvals } from './approvals.ts';

/** Long enough to read the window and pick identities; the site may ask again afterwards. */
export const APPROVAL_DEADLINE_MS = 10 * 60 * 1000;

/** Rejects the approvals older than the deadline at `now` (ms); returns how many. */
export async function expireApprovals(db: WhisperDatabase, approvals: Pick<Approvals, 'decide'>, now: number, deadlineMs = APPROVAL_DEADLINE_MS): Promise<number> {
  let n = 0;
  for (const row of await new ApprovalRows(db).pending()) if (now - row.createdAt > deadlineMs && (await approvals.decide(row.id, false, []))) n++;
  return n;
}
