// The Status tab: in words, whether this browser is on the Whisper network, what it holds and what it
// costs (envelopes and bytes in the last hour, space on disk), whether dark sending is active and
// what its clock costs (a short path or a missing one said plainly), the proof of work sites are doing now
// (which site, how far, Cancel; refreshed every second while shown), then the technical details.

import type { DarkStatus, PeerStatus } from '../rpc/peer.ts';
import type { PopupRequests, SealView } from '../rpc/popup.ts';
import { ask, el } from './ask.ts';
import { t, uiLanguage } from './i18n.ts';
import { originView } from './origin-view.ts';
import { button, section } from './ui.ts';

type Status = PopupRequests['status']['result'];
const POLL_MS = 1000;

/** Bytes in the unit a person reads (B, KiB, MiB, GiB), one decimal past KiB. */
export function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) ((v /= 1024), u++);
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Recent warnings of the extension's contexts, for a bug report. */
async function diagnosticsView(): Promise<HTMLElement> {
  const { warnings } = await ask('diagnostics', {});
  return el(
    'details',
    { className: 'diagnostics', id: 'diagnostics' },
    el('summary', {}, warnings.length === 1 ? t('diagnosticsOne') : t('diagnosticsMany', warnings.length)),
    warnings.length
      ? el('ol', { className: 'plain' }, ...warnings.map((w) => el('li', {}, `${new Date(w.at).toLocaleTimeString(uiLanguage())} ${w.scope}: ${w.message}`)))
      : el('p', { className: 'muted' }, t('diagnosticsNone')),
  );
}

export async function statusView(status: Status): Promise<{ node: HTMLElement; stop: () => void }> {
  const settings = await ask('settings:get', {});
  const diagnostics = await diagnosticsView();
  const { peer, traffic } = status;
  const pow = el('div', { id: 'pow' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let shownIds = '';
  const poll = async (): Promise<void> => {
    try {
      const seals = await ask('seals:list', {});
      const ids = seals.map((x) => `${x.id}:${x.state}`).join(',');
      // The same seals: update their text and bars in place, so focus (on a Cancel) is not lost each second.
      if (ids === shownIds && seals.length > 0) for (const x of seals) updateSeal(pow, x);
      else pow.replaceChildren(...sealsView(seals, () => void poll()));
      shownIds = ids;
    } catch (e) {
      pow.replaceChildren(el('p', { role: 'alert' }, t('error', (e as Error).message)));
    }
    if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
  };
  await poll();
  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
  };
  if (!peer) return { node: el('div', {}, el('p', { role: 'status' }, t('statusUnreachable')), section(t('powTitle'), pow), diagnostics), stop };
  const connected = peer.relays.filter((r) => r.connected).length;
  const network = !peer.started ? t('statusStopped') : connected > 0 ? t('statusOnline', connected, peer.relays.length, peer.peers) : t('statusOffline');
  const hour = traffic.sinceMs >= 3_540_000 ? t('trafficLastHour', traffic.envelopes, size(traffic.bytes)) : t('trafficSince', traffic.envelopes, size(traffic.bytes), Math.max(1, Math.round(traffic.sinceMs / 60_000)));
  return {
    node: el(
      'div',
      {},
      el('ul', { className: 'facts' },
        el('li', { className: connected > 0 ? 'fact-ok' : 'fact-bad', id: 'status-network' }, network),
        el('li', { id: 'status-held' }, t('statusHeld', peer.envelopes, size(peer.bytes))),
        el('li', { id: 'status-traffic' }, hour, ' ', el('span', { className: 'muted' }, t('trafficNote'))),
        ...(peer.dark ? [darkFact(peer.dark)] : [])),
      section(t('powTitle'), pow),
      section(t('detailsTitle'), details(peer, settings.autoLockMinutes, status.pendingApprovals)),
      diagnostics,
    ),
    stop,
  };
}

/** One sentence: whether dark sending is active, at what rate and upload, and what it lacks. */
export function darkFact(d: DarkStatus): HTMLElement {
  const rate = String(Number(d.rateHz.toPrecision(2)));
  const cost = size(d.bytesPerHour);
  const [cls, text] = !d.enabled
    ? ['fact-bad', t('statusDarkOff')]
    : d.missing !== undefined
      ? ['fact-bad', t('statusDarkMissing', d.missing)]
      : d.hops < d.wantHops
        ? ['fact-bad', t('statusDarkShort', d.hops, d.wantHops, d.relaysKnown, cost)]
        : ['fact-ok', t('statusDarkOn', d.hops, rate, cost)];
  return el('li', { className: cls, id: 'status-dark' }, text);
}

function progress(s: SealView): { share: number; what: string } {
  const share = s.expectedHashes > 0 ? Math.min(0.99, s.hashes / s.expectedHashes) : 0;
  const percent = share < 0.1 ? (share * 100).toFixed(1) : String(Math.round(share * 100));
  return { share, what: s.state === 'waiting' ? t('powWaiting') : t('powSealing', percent, (s.elapsedMs / 1000).toFixed(1), s.targetPow) };
}

function updateSeal(root: HTMLElement, s: SealView): void {
  const li = root.querySelector<HTMLElement>(`li[data-seal="${CSS.escape(s.id)}"]`);
  if (!li) return;
  const { share, what } = progress(s);
  li.querySelector('.seal-what')!.textContent = what;
  const bar = li.querySelector('progress');
  if (bar) bar.value = share;
}

function sealsView(seals: SealView[], redraw: () => void): Node[] {
  if (seals.length === 0) return [el('p', { className: 'muted' }, t('powNone'))];
  return [
    el('ul', { className: 'plain seals' }, ...seals.map((s) => {
      const { share, what } = progress(s);
      const bar = el('progress', { max: 1, value: share });
      bar.setAttribute('aria-label', t('powProgressLabel', s.origin));
      const cancel = button(t('cancel'), async () => {
        await ask('seals:cancel', { id: s.id });
        redraw();
      }, { className: 'small', label: t('powCancelLabel', s.origin) });
      const li = el('li', { className: 'seal' }, el('div', { className: 'seal-text' }, originView(s.origin, { className: 'origin-inline' }, 'span'), el('span', { className: 'muted seal-what' }, what), s.state === 'sealing' ? bar : ''), cancel);
      li.dataset.seal = s.id;
      return li;
    })),
    el('p', { className: 'hint' }, t('powHint')),
  ];
}

function details(peer: PeerStatus, autoLockMinutes: number, pending: number): HTMLElement {
  const row = (k: string, ...v: (Node | string)[]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, ...v));
  const relays = peer.relays.length
    ? el('ul', { className: 'plain' }, ...peer.relays.map((r) => el('li', { className: 'relay' }, el('span', { className: 'key' }, r.addr), el('span', { className: r.connected ? 'ok' : 'muted' }, r.connected ? t('relayConnected') : t('relayNotConnected')))))
    : t('none');
  return el(
    'table',
    {},
    row(t('rowPeers'), String(peer.peers)),
    row(t('rowRelays'), relays),
    row(t('rowEnvelopes'), t('envelopesInPool', peer.envelopes, size(peer.bytes))),
    ...(peer.dark ? [row(t('rowDark'), t('darkDetails', String(Number(peer.dark.rateHz.toPrecision(2))), size(peer.dark.frameBytes), peer.dark.loopsBack, peer.dark.loopsSent))] : []),
    row(t('rowMinPow'), peer.effectiveMinPow !== undefined && peer.effectiveMinPow > peer.minPow ? t('minPowRaised', peer.minPow, peer.effectiveMinPow) : String(peer.minPow)),
    row(t('rowMaxMessage'), size(peer.maxSize)),
    row(t('rowAutoLock'), t('autoLockAfter', autoLockMinutes)),
    row(t('rowWaiting'), String(pending)),
  );
}
