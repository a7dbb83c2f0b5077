// What every demo needs around window.shh (docs/API.md): connecting the site (the access rules of
// docs/API.md), and a PoW target the node accepts. Payload and topic helpers come from the DApp
// package (packages/shh-provider, imported by name through each page's import map). Plain ES
// module, no build.
import { ErrorCode, hexToJson, jsonToHex, onMessages as onProviderMessages, topicFromName } from 'shh-provider';

export { hexToJson, jsonToHex, topicFromName };

/** Codes a DApp should tell apart (docs/API.md, "Errors"). */
export const { USER_REJECTED, UNAUTHORIZED, DISCONNECTED } = ErrorCode;

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
export const onMessages = (subscription, fn) => onProviderMessages(window.shh, subscription, fn);

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
