// The popup channel through the real webextension-polyfill over a Chrome-shaped `chrome` (callback
// style: a listener keeps the channel open by returning true and answers through sendResponse). The
// background's listener answers with a promise; the polyfill turns it into sendResponse. It must never
// reject: a rejection would reach the popup as the polyfill's own wrapper object, not {code, message}.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { popupListener } from '../../src/background/popup-handler.ts';
import { EXT_ID, EXT_URL, kill, makeBackground, type Harness } from './fakes.ts';

type RawListener = (message: unknown, sender: unknown, sendResponse: (r: unknown) => void) => boolean | undefined;

/** The polyfill's `browser`, built over a fake `chrome` whose runtime.onMessage keeps its raw listeners. */
async function polyfillOverChrome(): Promise<{ browser: typeof import('webextension-polyfill'); raw: Set<RawListener> }> {
  const raw = new Set<RawListener>();
  const event = { addListener: (l: RawListener) => void raw.add(l), removeListener: (l: RawListener) => void raw.delete(l), hasListener: (l: RawListener) => raw.has(l) };
  vi.stubGlobal('chrome', { runtime: { id: EXT_ID, getURL: (p: string) => EXT_URL + p, onMessage: event } });
  vi.resetModules(); // the polyfill reads `chrome` once, when first imported
  const browser = (await import('webextension-polyfill')).default;
  return { browser, raw };
}

/** What Chrome does for one runtime.sendMessage: every raw listener, then the answer if one kept the channel open. */
function chromeSend(raw: Set<RawListener>, message: unknown, sender: unknown): Promise<unknown> | 'closed' {
  let answer!: (r: unknown) => void;
  const answered = new Promise((r) => (answer = r));
  const open = [...raw].map((l) => l(message, sender, answer)).includes(true);
  return open ? answered : 'closed';
}

let h: Harness | undefined;
afterEach(() => {
  if (h) kill(h);
  h = undefined;
  vi.unstubAllGlobals();
});

describe('the popup channel through webextension-polyfill on Chrome', () => {
  it('answers {result} and {error} through sendResponse, and leaves messages that are not its own', async () => {
    h = await makeBackground();
    const { browser, raw } = await polyfillOverChrome();
    browser.runtime.onMessage.addListener(popupListener(h.ext.runtime, h.bg.services));
    const own = { id: EXT_ID, url: `${EXT_URL}popup.html` };

    const status = (await chromeSend(raw, { channel: 'shh-popup', op: 'status', params: {} }, own)) as { result?: { vault: string } };
    expect(status.result?.vault).toBe('unlocked');
    // A handler that throws: the popup still gets the {code, message} shape, never the polyfill's rejection wrapper.
    const bad = await chromeSend(raw, { channel: 'shh-popup', op: 'approval:decide', params: { id: 'x', approve: 'yes', identities: [] } }, own);
    expect(bad).toEqual({ error: { code: -32602, message: expect.any(String) } });
    const unknownId = await chromeSend(raw, { channel: 'shh-popup', op: 'identities:rename', params: { id: 'nobody', name: 'n' } }, own);
    expect(unknownId).toEqual({ error: { code: -32602, message: 'unknown identity' } });
    // A web page's content script, or another channel: the channel is not kept open.
    expect(chromeSend(raw, { channel: 'shh-popup', op: 'status', params: {} }, { id: EXT_ID, url: 'https://a.example/' })).toBe('closed');
    expect(chromeSend(raw, { channel: 'other' }, own)).toBe('closed');
  });
});
