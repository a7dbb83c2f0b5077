// The toolbar popup, minimal for now: the peer's status and the connected sites with a Revoke button
// (SPEC §4: a revoke reaches the site at once). Identity management and settings come later.

import type { PeerStatus } from '../rpc/peer.ts';
import type { SitePermission } from '../rpc/popup.ts';
import { ask, el } from './ask.ts';

const app = document.getElementById('app')!;

function statusTable(peer: PeerStatus | null, pending: number): HTMLElement {
  if (!peer) return el('p', { className: 'muted' }, 'Peer not reachable yet.');
  const row = (k: string, v: string) => el('tr', {}, el('th', {}, k), el('td', {}, v));
  return el(
    'table',
    {},
    row('Peer', peer.started ? 'connected' : 'stopped'),
    row('Peers', String(peer.peers)),
    row('Relays', peer.relays.map((r) => `${r.connected ? '●' : '○'} ${r.addr}`).join('\n') || 'none'),
    row('Envelopes', `${peer.envelopes} (${Math.round(peer.bytes / 1024)} KiB)`),
    row('Min PoW', String(peer.minPow)),
    row('Pending approvals', String(pending)),
  );
}

function sitesList(sites: SitePermission[]): HTMLElement {
  if (sites.length === 0) return el('p', { className: 'muted' }, 'No connected sites.');
  return el(
    'table',
    {},
    ...sites.map((s) => {
      const revoke = el('button', { type: 'button', textContent: 'Revoke' });
      revoke.setAttribute('aria-label', `Revoke ${s.origin}`);
      revoke.addEventListener('click', () => void ask('sites:revoke', { origin: s.origin }).then(render));
      return el('tr', {}, el('td', { className: 'origin-cell' }, s.origin), el('td', {}, `${s.identities.length} identities`), el('td', {}, revoke));
    }),
  );
}

async function render(): Promise<void> {
  const [{ peer, pendingApprovals }, sites] = await Promise.all([ask('status', {}), ask('sites:list', {})]);
  app.replaceChildren(el('h1', {}, 'Whisper'), statusTable(peer, pendingApprovals), el('h1', {}, 'Connected sites'), sitesList(sites));
}

render().catch((e) => app.replaceChildren(el('p', { role: 'alert' }, `Error: ${(e as Error).message}`)));
