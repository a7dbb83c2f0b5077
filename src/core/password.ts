// Symmetric key from a password (geth api.go GenerateSymKeyFromPassword; docs/PROTOCOL.md): PBKDF2-HMAC-
// SHA256 over the UTF-8 password, empty salt, 65 356 iterations (geth's typo, kept for compatibility),
// 32 bytes. Deliberately slow, so it runs in WebCrypto (native, off the event loop: other sites' requests
// are answered meanwhile); where WebCrypto refuses the input (an empty password in some engines) the
// noble fallback yields to the event loop between blocks of iterations.

import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { PBKDF2_ITERATIONS, SYM_KEY_LENGTH } from './constants.ts';

export async function symKeyFromPassword(password: string): Promise<Uint8Array> {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  const utf8 = new TextEncoder().encode(password);
  const salt = new Uint8Array(0);
  try {
    const base = await crypto.subtle.importKey('raw', utf8, 'PBKDF2', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: PBKDF2_ITERATIONS }, base, SYM_KEY_LENGTH * 8);
    return new Uint8Array(bits);
  } catch (e) {
    console.debug('shh:core:password', 'WebCrypto PBKDF2 refused the input; deriving in JavaScript', e);
    return pbkdf2Async(sha256, utf8, salt, { c: PBKDF2_ITERATIONS, dkLen: SYM_KEY_LENGTH, asyncTick: 10 });
  }
}
