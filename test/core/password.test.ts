import { describe, expect, it } from 'vitest';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../src/core/bytes.ts';
import { symKeyFromPassword } from '../../src/core/password.ts';

describe('password: PBKDF2-HMAC-SHA256, empty salt, 65356 iterations, 32 bytes', () => {
  it('docs/PROTOCOL.md §6 vector', async () => {
    expect(toHex(await symKeyFromPassword('Never use this password - password!'), false)).toBe(
      'c36ac432123558109d20283d9b03a7911bd2f9b21e5794309c8a8f9531a78133',
    );
  });
  it('hashes the UTF-8 bytes and uses 65356 iterations, not 65536', async () => {
    const pw = 'pässwörd ✓';
    const utf8 = new TextEncoder().encode(pw);
    const key = await symKeyFromPassword(pw);
    expect(key).toEqual(pbkdf2(sha256, utf8, new Uint8Array(0), { c: 65356, dkLen: 32 }));
    expect(key).not.toEqual(pbkdf2(sha256, utf8, new Uint8Array(0), { c: 65536, dkLen: 32 }));
    expect(await symKeyFromPassword('')).toEqual(pbkdf2(sha256, new Uint8Array(0), new Uint8Array(0), { c: 65356, dkLen: 32 }));
  });
  it('refuses a non-string', async () => {
    await expect(symKeyFromPassword(new Uint8Array(3) as unknown as string)).rejects.toThrow(TypeError);
  });
  it('does not hold the event loop: a timer set before the derivation fires before it resolves', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const key = await symKeyFromPassword('a password that takes a while');
    expect(key).toHaveLength(32);
    expect(fired).toBe(true);
  });
});
