// Dead drop (docs/API.md): asymmetric encryption to the journalist's public key, signed by the
// source. All dead drops share one topic, so an observer learns only "a dead-drop envelope", never
// for whom; the journalist's extension tries its private key on each and keeps what opens. The
// source signs with a pseudonymous key pair kept by this site, so the journalist can tell that two
// messages come from the same source without learning who it is.
import { call, connectBar, fingerprint, hexToJson, jsonToHex, onMessages, powTarget, topicFromName } from '../shared/whisper.js';

const TOPIC = topicFromName('whisper-demo/deaddrop/v1');
const $ = (id) => document.getElementById(id);
const seen = new Set();

/** A key pair this site keeps in the extension under `name`, made on first use. */
async function keyPair(name) {
  const saved = localStorage.getItem(name);
  if (saved && (await call('shh_hasKeyPair', saved))) return saved;
  const id = await call('shh_newKeyPair');
  localStorage.setItem(name, id);
  return id;
}

function deliver(m) {
  const body = hexToJson(m.payload);
  if (!body || typeof body.text !== 'string' || seen.has(m.hash)) return;
  seen.add(m.hash);
  const li = document.createElement('li');
  const meta = document.createElement('div');
  meta.className = 'muted';
  const when = new Date(m.timestamp * 1000).toLocaleString();
  meta.textContent = m.sig ? `From source ${fingerprint(m.sig)} (signature checked), left ${when}` : `Unsigned, left ${when}`;
  const text = document.createElement('p');
  text.textContent = body.text;
  li.append(meta, text);
  $('inbox').prepend(li);
  $('inbox-empty').hidden = true;
}

$('be-journalist').addEventListener('click', async () => {
  $('roles').hidden = true;
  const privateKeyID = await keyPair('deaddrop.journalistKeyID');
  $('journalist-key').value = await call('shh_getPublicKey', privateKeyID);
  // Back-filled: what sources left while this page was closed arrives first.
  const subscription = await call('shh_subscribe', 'messages', { privateKeyID, topics: [TOPIC] });
  onMessages(subscription, deliver);
  $('journalist').hidden = false;
});

$('be-source').addEventListener('click', () => {
  $('roles').hidden = true;
  $('source').hidden = false;
});

$('source').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const f = new FormData(form);
  const button = form.querySelector('button');
  button.disabled = true;
  $('sent').textContent = 'Sealing and sending…';
  try {
    await call('shh_post', {
      pubKey: String(f.get('to')).trim(),
      sig: await keyPair('deaddrop.sourceKeyID'),
      topic: TOPIC,
      ttl: Number(f.get('ttl')),
      payload: jsonToHex({ text: f.get('text') }),
      powTarget: await powTarget(),
      powTime: 120,
      // A source's safety is that nobody can tell who left it: through the mix layer only. Without a
      // dark path the post fails (-32000 "dark post not sent: …") and nothing leaves.
      dark: true,
    });
    form.elements.text.value = '';
    $('sent').textContent = 'Left. Only the holder of that public key can read it. It went dark, through the mix layer.';
  } catch (err) {
    $('sent').textContent = `Not sent: ${err.message}`;
  } finally {
    button.disabled = false;
  }
});

connectBar(() => ($('roles').hidden = false));
