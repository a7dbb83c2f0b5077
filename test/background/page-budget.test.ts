// One site's frames share a budget: requests and bytes per site and per tab across all their Ports,
// Ports per site, and large requests refused behind a blocked queue; another site is served meanwhile.

import { describe, expect, it } from 'vitest';
import { APPROVAL_DEADLINE_MS } from '../../src/background/approval-deadline.ts';
import { PAGE_BUDGET, PageBudget } from '../../src/background/page-budget.ts';
import { Page, backgrounds, until } from './fakes.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const start = backgrounds();

type Frame = { kind: string; id?: number; error?: { code: number; message: string } };
const errors = (p: Page, re: RegExp): number => (p.port.received as Frame[]).filter((f) => f.kind === 'response' && re.test(f.error?.message ?? '')).length;

describe('the page budget', () => {
  it('two frames of a tab blocked on an approval cannot park more than the tab\'s bytes; another site is answered meanwhile', async () => {
    const h = await start();
    const f1 = new Page(h, A);
    const f2 = new Page(h, A); // a same-origin iframe: its own Port, same tab
    void f1.raw('shh_requestIdentities');
    void f2.raw('shh_requestIdentities');
    await until(() => h.ext.windows.approvalIds().length === 1); // nobody answers it
    const chunk = 'x'.repeat(60 * 1024); // under the large-request bound: only the budget stops these
    for (let i = 0; i < 200; i++) {
      f1.port.send({ kind: 'request', id: 1000 + i, method: 'shh_getIdentities', params: [chunk] });
      f2.port.send({ kind: 'request', id: 1000 + i, method: 'shh_getIdentities', params: [chunk] });
    }
    const tabRefusals = (): number => errors(f1, /too many requests in flight for this tab/) + errors(f2, /too many requests in flight for this tab/);
    await until(() => tabRefusals() > 0);
    const b = new Page(h, B);
    expect(await b.call('shh_version')).toBe('6.0');
    expect(await b.call('shh_getIdentities')).toEqual([]);
    // What stayed queued fits the tab's budget: of 400 requests of 60 KiB only 16 MiB's worth wait.
    expect(tabRefusals()).toBe(400 - Math.floor(PAGE_BUDGET.bytesPerTab / JSON.stringify([chunk]).length));
    // Once the queue has waited blockedAfterMs on the approval, large requests are refused outright.
    let n = 0;
    const large = 'y'.repeat(PAGE_BUDGET.largeRequestBytes + 1);
    await until(() => {
      f1.port.send({ kind: 'request', id: 5000 + n++, method: 'shh_getIdentities', params: [large] });
      return errors(f1, /refused while this page waits on an earlier one/) > 0;
    }, PAGE_BUDGET.blockedAfterMs + 10_000);
  });

  it('an approval nobody decides ends at its deadline: the page gets 4001, its window closes, its queue moves on', async () => {
    let t = Date.now();
    const h = await start({ now: () => t });
    const p = new Page(h, A);
    const asked = p.raw('shh_requestIdentities');
    const after = p.raw('shh_getIdentities'); // queued behind the approval
    await until(() => h.ext.windows.approvalIds().length === 1);
    await h.bg.gc();
    expect(h.ext.windows.approvalIds()).toHaveLength(1); // not yet
    t += APPROVAL_DEADLINE_MS + 1;
    await h.bg.gc();
    expect((await asked).error).toEqual({ code: 4001, message: 'User rejected the request.' });
    expect((await after).result).toEqual([]);
    await until(() => h.ext.windows.approvalIds().length === 0);
  });

  it(`at most ${PAGE_BUDGET.portsPerOrigin} Ports per site: the next frame is answered with the limit, and a freed slot is reused`, async () => {
    const h = await start();
    const frames = Array.from({ length: PAGE_BUDGET.portsPerOrigin }, () => new Page(h, A));
    expect(await frames.at(-1)!.call('shh_version')).toBe('6.0');
    const extra = new Page(h, A);
    expect((await extra.raw('shh_version')).error).toEqual({ code: -32603, message: `too many frames of this site are connected: at most ${PAGE_BUDGET.portsPerOrigin}` });
    expect(await new Page(h, B).call('shh_version')).toBe('6.0'); // another site has its own
    frames[0]!.port.close();
    expect(await new Page(h, A).call('shh_version')).toBe('6.0');
  });

  it('unit: per-site and per-tab counts across Ports, large requests refused while blocked, every release once', () => {
    const budget = new PageBudget({ requestsPerOrigin: 3, bytesPerOrigin: 100, requestsPerTab: 2, bytesPerTab: 1000, largeRequestBytes: 10, blockedAfterMs: 50, portsPerOrigin: 1 });
    expect(budget.openPort(A)).toBe(true);
    expect(budget.openPort(A)).toBe(false);
    budget.closePort(A);
    expect(budget.openPort(A)).toBe(true);
    const r1 = budget.admit(A, 1, 5, 0) as () => void;
    const r2 = budget.admit(A, 1, 5, 0) as () => void;
    expect(budget.admit(A, 1, 5, 0)).toMatch(/for this tab: at most 2 requests/);
    const r3 = budget.admit(A, 2, 5, 0) as () => void;
    expect(budget.admit(A, 3, 5, 0)).toMatch(/for this site: at most 3 requests/);
    expect(budget.admit(A, 3, 11, 50)).toMatch(/refused while this page waits on an earlier one: at most 10 bytes/);
    r1();
    r1(); // twice is once
    expect(budget.usage()).toMatchObject({ requests: 2, bytes: 10 });
    expect(typeof budget.admit(A, 3, 10, 49)).toBe('function');
    r2();
    r3();
    expect(budget.admit(B, 9, 101, 0)).toMatch(/for this site/);
  });
});
