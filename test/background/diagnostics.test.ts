// Diagnostics: failures the background handles (and used to drop in silence) are kept as recent
// warnings, reasons only, which the popup reads on the popup channel; the buffer is bounded.
import { describe, expect, it, vi } from 'vitest';
import { createLog, enableLogs, recentWarnings, RECENT_WARNINGS } from '../../src/rpc/log.ts';
import { Page, approveSite, backgrounds, popup } from './fakes.ts';

const start = backgrounds();

describe('diagnostics', () => {
  it('a handled failure is logged with its reason and readable from the popup, not from a page', async () => {
    const h = await start();
    expect((await popup(h, 'settings:set', { minPow: 0.5 })).error).toBeUndefined();
    h.peer.down = true; // the peer host says hello, then becomes unreachable
    await expect(h.bg.peerConnected()).rejects.toMatchObject({ code: 4900 }); // the resync after it fails: that one is the caller's
    const r = await popup(h, 'diagnostics', {});
    const warnings = (r.result as { warnings: { scope: string; message: string; at: number }[] }).warnings;
    expect(warnings).toContainEqual({ at: expect.any(Number), scope: 'shh:bg', message: 'settings to the peer (it says hello again later): RpcError 4900: the Whisper peer is unreachable' });
    const page = new Page(h, 'https://a.example');
    await approveSite(h, page);
    expect(await page.code('diagnostics')).toBe(4200); // a page method it is not
  });

  it('keeps the last RECENT_WARNINGS, oldest first', () => {
    const log = createLog('shh:test');
    for (let i = 0; i < RECENT_WARNINGS + 5; i++) log.warn(`w${i}`);
    const got = recentWarnings().filter((w) => w.scope === 'shh:test').map((w) => w.message);
    expect(got.length).toBeLessThanOrEqual(RECENT_WARNINGS);
    expect(got.at(-1)).toBe(`w${RECENT_WARNINGS + 4}`);
    expect(got).not.toContain('w4');
  });

  it('loggers are off by default and follow debug\'s namespace patterns when enabled', () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    try {
      const loud = createLog('shh:t:loud');
      const quiet = createLog('shh:t:quiet');
      loud('off %s', 'by default');
      expect(debug).not.toHaveBeenCalled();
      enableLogs('shh:t:*,-shh:t:quiet');
      loud('on %d', 1);
      quiet('excluded');
      expect(debug.mock.calls).toEqual([['shh:t:loud on %d', 1]]);
    } finally {
      enableLogs('');
      debug.mockRestore();
    }
  });
});
