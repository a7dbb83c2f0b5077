// The approval window of shh_requestIdentities (docs/PROTOCOL.md §4): shows the requesting origin exactly as it
// will be granted, lets the user pick identities (possibly none), and answers with the two buttons
// named Approve and Reject. Closing the window instead is a rejection (the background sees it close).

import type { Identity } from '../rpc/popup.ts';
import { ask, el } from './ask.ts';

const app = document.getElementById('app')!;
const id = new URLSearchParams(location.search).get('id') ?? '';

function gone(text: string): void {
  app.replaceChildren(el('p', { className: 'muted' }, text));
  setTimeout(() => window.close(), 1500);
}

async function main(): Promise<void> {
  const found = id ? await ask('approval:get', { id }) : null;
  if (!found) return gone('This request is no longer pending.');
  const { approval, identities } = found;
  const boxes = identities.map((i: Identity) => ({ i, box: el('input', { type: 'checkbox', value: i.id }) }));
  const list = boxes.length
    ? boxes.map(({ i, box }) => el('label', {}, box, ` ${i.name} `, el('span', { className: 'key' }, i.publicKey.slice(0, 18) + '…')))
    : [el('p', { className: 'muted' }, 'You have no identities yet. The site can still use keys of its own.')];
  let busy = false;
  const decide = async (approve: boolean): Promise<void> => {
    if (busy) return;
    busy = true;
    const chosen = approve ? boxes.filter((b) => b.box.checked).map((b) => b.i.id) : [];
    try {
      await ask('approval:decide', { id, approve, identities: chosen });
      gone(approve ? 'Connected.' : 'Rejected.');
    } catch (e) {
      busy = false;
      app.append(el('p', { role: 'alert' }, `Could not record the decision: ${(e as Error).message}`));
    }
  };
  const approve = el('button', { type: 'button', className: 'primary', textContent: 'Approve' });
  const reject = el('button', { type: 'button', textContent: 'Reject' });
  approve.addEventListener('click', () => void decide(true));
  reject.addEventListener('click', () => void decide(false));
  document.title = `Whisper: connect ${approval.origin}`;
  app.replaceChildren(
    el('h1', {}, 'Connect this site to Whisper?'),
    el('p', { className: 'origin', id: 'origin' }, approval.origin),
    el('p', {}, 'It will be able to send and receive Whisper messages with keys of its own, and to use the identities you choose here. It will never see their private keys.'),
    el('fieldset', {}, el('legend', {}, 'Identities this site may use'), ...list),
    el('div', { className: 'buttons' }, reject, approve),
  );
  approve.focus();
}

main().catch((e) => app.replaceChildren(el('p', { role: 'alert' }, `Error: ${(e as Error).message}`)));
