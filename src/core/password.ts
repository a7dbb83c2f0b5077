// Symmetric key from a password (SPEC §2; geth api.go GenerateSymKeyFromPassword): PBKDF2-HMAC-SHA256
// over the UTF-8 password, empty salt, 65 356 iterations (geth's typo, kept for compatibility), 32 bytes.
// Deliberately slow (tens of milliseconds); callers derive once and keep the key.

import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { PBKDF2_ITERATIONS, SYM_KEY_LENGTH } from './constants.ts';

export function symKeyFromPassword(password: string): Uint8Array {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  return pbkdf2(sha256, new TextEncoder().encode(password), new Uint8Array(0), {
    c: PBKDF2_ITERATIONS,
    dkLen: SYM_KEY_LENGTH,
  });
}
