// Chat room (docs/API.md): the room name becomes a topic (first 4 bytes of its keccak256), the
// password a symmetric key (shh_generateSymKeyFromPassword: PBKDF2, so everyone derives the same
// key), and every message is posted with a 60-second TTL, after which the network forgets it. Each
// message is sent dark or plain as the user picks (docs/API.md, "Dark posts"), and the time until our
// own message comes back from the network is shown: what the choice costs.
import { call, connectBar, hexToJson, jsonToHex, onMessages, powTarget, secondsLeft, topicFromName } from '../shared/whisper.js';

const TTL = 60;
const $ = (id) => document.getElementById(id);
const shown = new Set(); // message hashes, so a message is listed once
const sending = new Map(); // hash -> { started, how } of our own posts not yet back
const arrived = new Map(); // hash -> when it came back (it can beat shh_post's answer)

function reportLatency(hash) {
  const s = sending.get(hash);
  const at = arrived.get(hash);
  if (!s || at === undefined) return;
  sending.delete(hash);
  $('latency').textContent = `Your last message (${s.how}) reached the network ${((at - s.started) / 1000).toFixed(1)} s after you sent it.`;
}

let room; // { topic, symKeyID, nick }

function show(m) {
  const body = hexToJson(m.payload);
  if (!body || typeof body.text !== 'string' || shown.has(m.hash)) return;
  shown.add(m.hash);
  arrived.set(m.hash, performance.now());
  reportLatency(m.hash);
  const li = document.createElement('li');
  const who = document.createElement('strong');
  who.textContent = `${String(body.nick).slice(0, 32)}: `;
  const left = document.createElement('time');
  li.append(who, body.text, ' ', left);
  const tick = () => {
    const s = secondsLeft(m);
    if (s === 0) return li.remove(), clearInterval(timer); // the network dropped it too
    left.textContent = `(${s} s left)`;
  };
  const timer = setInterval(tick, 1000);
  tick();
  $('messages').append(li);
}

$('join').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const name = String(f.get('room'));
  const topic = topicFromName(name);
  const symKeyID = await call('shh_generateSymKeyFromPassword', String(f.get('password')));
  // The subscription first back-fills the messages still alive, then delivers new ones.
  const subscription = await call('shh_subscribe', 'messages', { symKeyID, topics: [topic] });
  onMessages(subscription, show);
  room = { topic, symKeyID, nick: String(f.get('nick')) };
  $('room-title').textContent = `Room “${name}” (topic ${topic})`;
  $('join').hidden = true;
  $('room').hidden = false;
  $('say').elements.text.focus();
});

$('say').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = e.target.elements.text;
  const button = e.target.querySelector('button');
  button.disabled = true;
  const choice = e.target.elements.dark.value; // '', 'true' or 'false'
  const how = choice === 'true' ? 'dark' : choice === 'false' ? 'plain' : 'as set in Whisper';
  const started = performance.now();
  try {
    const hash = await call('shh_post', {
      symKeyID: room.symKeyID,
      topic: room.topic,
      ttl: TTL,
      payload: jsonToHex({ nick: room.nick, text: input.value }),
      powTarget: await powTarget(),
      powTime: 10, // seconds of proof of work at most; a 60 s message needs a fraction of one
      ...(choice === '' ? {} : { dark: choice === 'true' }),
    });
    input.value = ''; // our own message comes back through the subscription
    sending.set(hash, { started, how });
    reportLatency(hash);
    if (sending.has(hash)) $('latency').textContent = `Sent (${how}); waiting for it to come back from the network…`;
  } catch (err) {
    $('status').textContent = `Not sent: ${err.message}`;
  } finally {
    button.disabled = false;
  }
});

connectBar(() => ($('join').hidden = false));
