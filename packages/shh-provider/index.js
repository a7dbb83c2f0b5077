// shh-provider: what a DApp needs around window.shh, the provider of the Whisper browser extension.
// Finding the provider (the shh:requestProvider / shh:announceProvider events, in the manner of
// EIP-6963), the error codes to tell apart, and the helpers every DApp rewrites: text and JSON
// payloads as 0x hex, topics from names. Plain ES module, no dependencies, runs as served.
import { keccak256 } from './keccak.js';

export { keccak256 };

/** Error codes a DApp should tell apart (EIP-1193 and JSON-RPC; docs/API.md "Errors"). */
export const ErrorCode = Object.freeze({
  USER_REJECTED: 4001, // the user rejected the approval or closed its window
  UNAUTHORIZED: 4100, // locked, not connected yet, or a node setting
  UNSUPPORTED_METHOD: 4200,
  DISCONNECTED: 4900, // the extension is not reachable from this page
  INVALID_PARAMS: -32602,
  WHISPER: -32000, // a Whisper failure, with geth's text
});

export const ANNOUNCE_EVENT = 'shh:announceProvider';
export const REQUEST_EVENT = 'shh:requestProvider';

/**
 * Finds the Whisper provider: listens for `shh:announceProvider`, dispatches `shh:requestProvider`,
 * and resolves to the first announcement's `{info, provider}`; to null when none comes within
 * `timeout` ms (no extension) or when `signal` aborts.
 * @param {{timeout?: number, signal?: AbortSignal, target?: EventTarget}} [options]
 */
export function detectShhProvider({ timeout = 3000, signal, target = globalThis } = {}) {
  if (!Number.isFinite(timeout) || timeout < 0) throw new RangeError('timeout must be a number of milliseconds >= 0');
  if (typeof target?.addEventListener !== 'function') throw new TypeError('no window to look in: pass {target}');
  return new Promise((resolve) => {
    let timer;
    const done = (value) => {
      clearTimeout(timer);
      target.removeEventListener(ANNOUNCE_EVENT, onAnnounce);
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAnnounce = (event) => {
      const detail = event?.detail;
      if (detail && typeof detail.provider?.request === 'function') done(detail);
    };
    const onAbort = () => done(null);
    if (signal?.aborted) return resolve(null);
    target.addEventListener(ANNOUNCE_EVENT, onAnnounce);
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => done(null), timeout);
    target.dispatchEvent(new Event(REQUEST_EVENT));
  });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Bytes as 0x hex. */
export const bytesToHex = (bytes) => '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** 0x hex (or 0X, or none) to bytes; throws a TypeError naming what is wrong. */
export function hexToBytes(hex) {
  if (typeof hex !== 'string') throw new TypeError('hex must be a string');
  const s = /^0[xX]/.test(hex) ? hex.slice(2) : hex;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError(`not hex: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Text as a payload (UTF-8, 0x hex). */
export const textToHex = (text) => bytesToHex(encoder.encode(text));
/** A payload as text; throws a TypeError when it is not UTF-8. */
export const hexToText = (hex) => decoder.decode(hexToBytes(hex));

/** A value as a JSON payload. */
export const jsonToHex = (value) => textToHex(JSON.stringify(value));
/** A JSON payload's value; null when the payload is not UTF-8 JSON (someone else on the topic). */
export function hexToJson(hex) {
  try {
    return JSON.parse(hexToText(hex));
  } catch {
    return null;
  }
}

/** A topic from a name: the first 4 bytes of keccak256(UTF-8 name), as web3.utils.sha3(name).slice(0, 10). */
export const topicFromName = (name) => bytesToHex(keccak256(encoder.encode(name)).subarray(0, 4));

/**
 * Calls `fn(message)` for each message of one subscription (the provider's `message` events);
 * returns the function that stops listening.
 */
export function onMessages(provider, subscription, fn) {
  const listener = (event) => {
    if (event?.data?.subscription === subscription) fn(event.data.result);
  };
  provider.on('message', listener);
  return () => provider.removeListener('message', listener);
}
