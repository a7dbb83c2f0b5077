// The DApp package (packages/shh-provider) in Node: keccak256 against @noble/hashes, the payload and
// topic helpers, detectShhProvider over a plain EventTarget (announce, timeout, abort), and the demo
// server reaching the package at /packages/ without a build.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import {
  ANNOUNCE_EVENT, bytesToHex, detectShhProvider, hexToBytes, hexToJson, hexToText, jsonToHex, keccak256, REQUEST_EVENT, textToHex, topicFromName,
} from '../../packages/shh-provider/index.js';
import { serveExamples } from '../../scripts/serve-dir.ts';

describe('shh-provider helpers', () => {
  it('keccak256 equals @noble/hashes for lengths around the 136-byte rate', () => {
    for (const n of [0, 1, 55, 135, 136, 137, 300]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255);
      expect(bytesToHex(keccak256(data))).toBe(bytesToHex(keccak_256(data)));
    }
  });
  it('topicFromName is web3.utils.sha3(name).slice(0, 10)', () => {
    // keccak256("") = c5d24601…, keccak256("hello") = 1c8aff95…
    expect(topicFromName('')).toBe('0xc5d24601');
    expect(topicFromName('hello')).toBe('0x1c8aff95');
  });
  it('text and JSON payloads round-trip; foreign payloads read as null', () => {
    expect(textToHex('hé')).toBe('0x68c3a9');
    expect(hexToText('0X68C3A9')).toBe('hé');
    expect(hexToJson(jsonToHex({ a: [1, 'x'] }))).toEqual({ a: [1, 'x'] });
    expect(hexToJson('0xff')).toBe(null);
    expect(() => hexToBytes('0x123')).toThrow(TypeError);
    expect(() => hexToText('0xff')).toThrow(TypeError);
  });
});

describe('detectShhProvider', () => {
  const provider = { request: async () => '6.0' };
  it('resolves to the announcement that answers its request', async () => {
    const target = new EventTarget();
    target.addEventListener(REQUEST_EVENT, () =>
      target.dispatchEvent(Object.assign(new Event(ANNOUNCE_EVENT), { detail: { info: { name: 'Whisper' }, provider } })),
    );
    const found = await detectShhProvider({ target, timeout: 10_000 });
    expect(found?.provider).toBe(provider);
    expect(found?.info.name).toBe('Whisper');
  });
  it('null after the timeout when nobody announces, or when aborted', async () => {
    expect(await detectShhProvider({ target: new EventTarget(), timeout: 0 })).toBe(null);
    const ac = new AbortController();
    const p = detectShhProvider({ target: new EventTarget(), timeout: 60_000, signal: ac.signal });
    ac.abort();
    expect(await p).toBe(null);
    expect(() => detectShhProvider({ target: new EventTarget(), timeout: -1 })).toThrow(RangeError);
  });
});

describe('the demo server', () => {
  it('serves the package at /packages/ beside examples/, and nothing outside either folder', async () => {
    const s = await serveExamples();
    try {
      const js = await fetch(`${s.url}/packages/shh-provider/index.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      expect(await js.text()).toMatch(/export function detectShhProvider/);
      expect((await fetch(`${s.url}/chat/`)).status).toBe(200);
      expect((await fetch(`${s.url}/packages/shh-provider`, { redirect: 'manual' })).headers.get('location')).toBe('/packages/shh-provider/');
      expect((await fetch(`${s.url}/packages/%2e%2e/package.json`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
