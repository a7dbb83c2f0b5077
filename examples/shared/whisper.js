// What every demo needs around window.shh (docs/API.md): connecting the site (SPEC §4 access rules),
// UTF-8 <-> 0x hex, topics from names, and a PoW target the node accepts. Plain ES module, no build.
import { keccak256 } from './keccak.js';

/** Codes a DApp should tell apart (docs/API.md, "Errors"). */
export const USER_REJECTED = 4001;
export const UNAUTHORIZED = 4100;
export const DISCONNECTED = 4900;

/** The provider, or null when the extension is not installed (window.shh exists before page scripts run). */
export const shh = () => window.shh ?? null;

/** One call; rejects with an Error carrying `code` (EIP-1193). */
export const call = (method, ...params) => window.shh.request({ method, params });

/**
 * Is this site connected already? shh_info answers only then; 4100 means "not yet" (or that the
 * extension is locked: its message says so), and asking does not open a window. Resolves to null
 * when connected, else to the reason. Connect with `connect()` from a click, so the window is expected.
 */
export async function notConnectedReason() {
  try {
    await call('shh_info');
    return null;
  } catch (e) {
    if (e.code === UNAUTHORIZED) return e.message;
    throw e;
  }
}

/**
 * Asks the user to connect this site (the extension opens its approval window). Resolves to the
 * granted identities (possibly []), or to null if the user rejected or closed the window.
 */
export async function connect() {
  try {
    return await call('shh_requestIdentities');
  } catch (e) {
    if (e.code === USER_REJECTED) return null;
    throw e;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const hex = (bytes) => '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
export const utf8ToHex = (s) => hex(enc.encode(s));
export function hexToUtf8(h) {
  const s = h.startsWith('0x') ? h.slice(2) : h;
  const bytes = new Uint8Array(s.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return dec.decode(bytes);
}

/** JSON in, JSON out; a payload that is not our JSON (someone else on the topic) reads as null. */
export const jsonToHex = (value) => utf8ToHex(JSON.stringify(value));
export function hexToJson(h) {
  try {
    return JSON.parse(hexToUtf8(h));
  } catch {
    return null;
  }
}

/** A topic from a name: the first 4 bytes of keccak256(name), as web3.utils.sha3(name).slice(0, 10). */
export const topicFromName = (name) => hex(keccak256(enc.encode(name)).subarray(0, 4));

/**
 * The PoW target for a post: the node's minimum (shh_info.minPow, 0.2 by default). Work grows with
 * the TTL and the size (pow = 2^zeros / (size * ttl)), so a long-lived message costs more to seal.
 */
export async function powTarget() {
  const info = await call('shh_info');
  return Math.max(info.minPow, 0.2);
}

/** A short, stable way to show a public key to people. */
export const fingerprint = (publicKey) => `${publicKey.slice(0, 10)}…${publicKey.slice(-6)}`;

/** Calls `fn(result)` for each message of one subscription; returns the function that stops it. */
export function onMessages(subscription, fn) {
  const listener = (event) => {
    if (event?.data?.subscription === subscription) fn(event.data.result);
  };
  window.shh.on('message', listener);
  return () => window.shh.removeListener('message', listener);
}

/** Seconds left before a message (timestamp + ttl) expires. */
export const secondsLeft = (m) => Math.max(0, m.timestamp + m.ttl - Math.floor(Date.now() / 1000));

/** Sets up the connect bar: `#status` text and a `#connect` button; calls `ready()` once connected. */
export async function connectBar(ready) {
  const status = document.getElementById('status');
  const button = document.getElementById('connect');
  const say = (text) => (status.textContent = text);
  if (!shh()) {
    say('The Whisper extension is not installed in this browser: load it (see the README), then reload.');
    button.hidden = true;
    return;
  }
  let started = false;
  const start = async () => {
    button.hidden = true;
    say('Connected.');
    if (!started) {
      started = true;
      await ready();
    }
  };
  // A revoke in the extension's popup ends the connection: every later call would be 4100.
  window.shh.on('identitiesChanged', async (ids) => {
    if (ids.length === 0 && (await notConnectedReason()) !== null) {
      say('Disconnected by the extension. Reload and connect again.');
      button.hidden = true;
    }
  });
  button.addEventListener('click', async () => {
    say('Waiting for your answer in the Whisper window…');
    try {
      const ids = await connect();
      if (ids === null) {
        button.hidden = false;
        return say('You rejected the connection. Click Connect to try again.');
      }
      await start();
    } catch (e) {
      button.hidden = false;
      say(`Could not connect: ${e.message}`);
    }
  });
  const reason = await notConnectedReason();
  if (reason === null) return start();
  // Locked: the user unlocks from the toolbar button first; Connect then opens the approval window.
  say(/locked/i.test(reason) ? reason : 'Not connected: this page needs your permission to use Whisper.');
  button.hidden = false;
}
