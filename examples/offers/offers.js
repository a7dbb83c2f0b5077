// Offer board (docs/API.md): one public board. The topic and the symmetric key both come from
// well-known names, so anyone can read and post (symmetric encryption here only keeps the offers
// away from nodes that do not know the board). Offers have long TTLs; a new subscription is
// back-filled with every offer still alive, and each offer leaves the list at timestamp + ttl.
import { call, connectBar, hexToJson, jsonToHex, onMessages, powTarget, secondsLeft, topicFromName } from '../shared/whisper.js';

const BOARD = 'whisper-demo/offers/v1';
const TOPIC = topicFromName(BOARD);
const POW_TIME = 120; // seconds: the most the extension may spend sealing one offer
// For tests only: `?pow=1000` asks for far more work than the network needs, so an offer's sealing
// lasts minutes and a test can click Cancel before it ends (test/browser/demos.test.ts). A value below
// the node's minimum PoW is raised to it, like the default.
const POW_OVERRIDE = Number(new URLSearchParams(location.search).get('pow')) || 0;
const $ = (id) => document.getElementById(id);
const listed = new Map(); // hash -> <li>

let symKeyID;
let posting; // the postId of the offer being sealed, while it is

const duration = (s) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);

function show(m) {
  const offer = hexToJson(m.payload);
  if (!offer || typeof offer.give !== 'string' || typeof offer.want !== 'string' || listed.has(m.hash)) return;
  const li = document.createElement('li');
  li.dataset.expires = String(m.timestamp + m.ttl);
  const what = document.createElement('strong');
  what.textContent = `Gives ${offer.give}, wants ${offer.want}`;
  const contact = document.createElement('div');
  contact.className = 'muted';
  contact.textContent = offer.contact ? `Contact: ${offer.contact}` : '';
  const left = document.createElement('time');
  li.append(what, ' ', left, contact);
  // Sorted by expiry: the offers about to go are at the top.
  const next = [...$('offers').children].find((o) => Number(o.dataset.expires) > m.timestamp + m.ttl);
  $('offers').insertBefore(li, next ?? null);
  listed.set(m.hash, li);
  const tick = () => {
    const s = secondsLeft(m);
    if (s === 0) {
      clearInterval(timer);
      li.remove();
      listed.delete(m.hash);
    } else left.textContent = `expires in ${duration(s)}`;
    $('empty').hidden = listed.size > 0;
  };
  const timer = setInterval(tick, 1000);
  tick();
}

// Progress of our own post (beyond geth: a post that names a postId reports its proof of work).
window.shh.on('postProgress', (p) => {
  if (p.postId !== posting) return;
  // Proof of work is a lottery: the bar shows tries so far against the tries expected on average
  // (it may finish early or run past the end, so it stops just short of full until it is done).
  $('sealing-bar').value = p.expectedHashes > 0 ? Math.min(0.99, p.hashes / p.expectedHashes) : 0;
  $('sealing-text').textContent = `Sealing your offer: ${Math.round(p.elapsedMs / 1000)} s, ${(p.hashes / 1e6).toFixed(1)} of about ${(p.expectedHashes / 1e6).toFixed(1)} million tries (gives up after ${POW_TIME} s)…`;
});

$('cancel').addEventListener('click', () => {
  if (posting) void call('shh_cancelPost', posting);
});

$('post').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const f = new FormData(form);
  const ttl = Number(f.get('ttl'));
  posting = `offer-${Date.now()}`;
  $('sealing-bar').removeAttribute('value'); // indeterminate until the first report
  $('sealing-text').textContent = 'Sealing your offer…';
  $('sealing').hidden = false;
  form.querySelector('button').disabled = true;
  try {
    await call('shh_post', {
      symKeyID,
      topic: TOPIC,
      ttl,
      payload: jsonToHex({ give: f.get('give'), want: f.get('want'), contact: f.get('contact') || undefined }),
      powTarget: Math.max(POW_OVERRIDE, await powTarget()),
      powTime: POW_TIME,
      postId: posting,
    });
    form.reset();
    $('status').textContent = `Offer posted for ${duration(ttl)}.`;
  } catch (err) {
    $('status').textContent = err.message === 'post cancelled' ? 'Offer cancelled: nothing was sent.' : `Offer not posted: ${err.message}`;
  } finally {
    posting = undefined;
    $('sealing').hidden = true;
    form.querySelector('button').disabled = false;
  }
});

connectBar(async () => {
  symKeyID = await call('shh_generateSymKeyFromPassword', BOARD);
  const subscription = await call('shh_subscribe', 'messages', { symKeyID, topics: [TOPIC] });
  onMessages(subscription, show);
  $('post').hidden = false;
});
