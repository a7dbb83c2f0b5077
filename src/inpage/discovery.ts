// Provider discovery in the manner of EIP-6963 (docs/PROTOCOL.md §4): `shh:announceProvider` is dispatched on
// window at load and again on every `shh:requestProvider`. The detail is frozen and the uuid is
// random per document, as EIP-6963 asks, so listeners can de-duplicate announcements.

import { I } from './intrinsics.ts';

export const ANNOUNCE_EVENT = 'shh:announceProvider';
export const REQUEST_EVENT = 'shh:requestProvider';
/**
 * EIP-6963 asks for the reverse DNS of a domain the wallet's makers control: whisper-shh.github.io,
 * the project's GitHub Pages name. whisper.org is someone else's. See README.md, "Packages".
 */
export const RDNS = 'io.github.whisper-shh';

// A 96x96 SVG: a speech bubble with three dots, in the extension's colour.
export const ICON =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" rx="20" fill="#2b3a67"/>' +
      '<path d="M20 28h56a6 6 0 0 1 6 6v26a6 6 0 0 1-6 6H44l-14 12v-12H20a6 6 0 0 1-6-6V34a6 6 0 0 1 6-6z" fill="#fff"/>' +
      '<circle cx="34" cy="47" r="5" fill="#2b3a67"/><circle cx="48" cy="47" r="5" fill="#2b3a67"/><circle cx="62" cy="47" r="5" fill="#2b3a67"/></svg>',
  );

const HEX = '0123456789abcdef';

/** An RFC 4122 version 4 UUID (crypto.randomUUID is missing outside secure contexts). */
export function uuidV4(): string {
  const b = new I.Uint8Array(16);
  I.call(I.getRandomValues, I.crypto, b);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    const v = b[i] as number;
    s += HEX[v >> 4] + (HEX[v & 15] as string);
  }
  return s;
}

export function announceProvider(provider: object): void {
  const info = I.freeze({ uuid: uuidV4(), name: 'Whisper', icon: ICON, rdns: RDNS });
  const announce = (): void => {
    const detail = I.freeze({ info, provider });
    I.call(I.dispatchEvent, I.window, new I.CustomEvent(ANNOUNCE_EVENT, { detail }));
  };
  I.call(I.addEventListener, I.window, REQUEST_EVENT, announce);
  announce();
}
