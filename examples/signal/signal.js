// Signalling (docs/API.md): one-to-one, asymmetric and signed. Each side keeps a key pair in the
// extension (its id in localStorage, so a reload keeps the same public key). We subscribe with our
// private key and `sig` = the peer's public key, so the extension hands us only envelopes we can
// decrypt AND that the peer signed; we post with `pubKey` = the peer's key and `sig` = our key id.
import { call, connectBar, fingerprint, hexToJson, jsonToHex, onMessages, powTarget, topicFromName } from '../shared/whisper.js';

const TOPIC = topicFromName('whisper-demo/signal/v1');
const TTL = 300; // a proposal is worth answering for five minutes
const $ = (id) => document.getElementById(id);
const seen = new Set();

let myKeyID;
let peerKey;

/** Our key pair: the one this site made before, or a new one. */
async function keyPair() {
  const saved = localStorage.getItem('signal.keyID');
  if (saved && (await call('shh_hasKeyPair', saved))) return saved;
  const id = await call('shh_newKeyPair');
  localStorage.setItem('signal.keyID', id);
  return id;
}

const send = async (body) =>
  call('shh_post', { pubKey: peerKey, sig: myKeyID, topic: TOPIC, ttl: TTL, payload: jsonToHex(body), powTarget: await powTarget(), powTime: 20 });

function entry(text) {
  const li = document.createElement('li');
  li.textContent = text;
  $('log').prepend(li);
  return li;
}

function received(m) {
  const body = hexToJson(m.payload);
  if (!body || seen.has(m.hash)) return;
  seen.add(m.hash);
  // m.sig is the signer's public key, recovered and checked by the extension; the criteria already
  // required it to be the peer's, this line only shows it.
  const from = `signed by ${fingerprint(m.sig)}`;
  if (body.type === 'propose') {
    const li = entry(`Peer proposes: “${body.text}” (${from}) `);
    for (const answer of ['Accept', 'Decline']) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = answer;
      b.className = answer === 'Decline' ? 'secondary' : '';
      b.addEventListener('click', async () => {
        li.querySelectorAll('button').forEach((x) => (x.disabled = true));
        await send({ type: answer === 'Accept' ? 'accept' : 'decline', ref: body.id });
        li.append(` — you answered: ${answer}`);
      });
      li.append(b, ' ');
    }
  } else if (body.type === 'accept' || body.type === 'decline') {
    entry(`Peer ${body.type === 'accept' ? 'accepted' : 'declined'} your proposal ${body.ref} (${from})`);
  }
}

$('pair').addEventListener('submit', async (e) => {
  e.preventDefault();
  peerKey = String(new FormData(e.target).get('peer')).trim();
  try {
    const subscription = await call('shh_subscribe', 'messages', { privateKeyID: myKeyID, sig: peerKey, topics: [TOPIC] });
    onMessages(subscription, received);
  } catch (err) {
    return void ($('status').textContent = `That key does not work: ${err.message}`);
  }
  $('peer').textContent = fingerprint(peerKey);
  $('pair').hidden = true;
  $('session').hidden = false;
});

$('propose').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const text = form.elements.text.value;
  const id = Date.now().toString(36); // names the proposal in the answers
  form.querySelector('button').disabled = true;
  try {
    await send({ type: 'propose', id, text });
    entry(`You proposed ${id}: “${text}”`);
    form.reset();
  } catch (err) {
    $('status').textContent = `Not sent: ${err.message}`;
  } finally {
    form.querySelector('button').disabled = false;
  }
});

connectBar(async () => {
  myKeyID = await keyPair();
  $('my-key').value = await call('shh_getPublicKey', myKeyID);
  $('me').hidden = false;
  $('pair').hidden = false;
});
