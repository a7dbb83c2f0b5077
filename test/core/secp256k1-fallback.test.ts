// When this repository's libsecp256k1 build cannot run (no WebAssembly, a CSP, a failed self-test),
// the next backend takes over and the reason is logged, never swallowed.

import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tiny from 'tiny-secp256k1';

vi.mock('../../src/core/secp256k1-wasm.ts', () => ({
  loadLibsecp256k1: () => {
    throw new Error('libsecp256k1 wasm backend failed its self-test (sharedX)');
  },
}));

const { nobleBackend, secp256k1Backend, setSecp256k1Backend, useFastestSecp256k1, useSecp256k1Module } = await import('../../src/core/secp256k1.ts');

afterEach(() => {
  setSecp256k1Backend(nobleBackend);
  vi.restoreAllMocks();
});

describe('secp256k1 backend fallback', () => {
  it('useFastestSecp256k1 falls back to tiny-secp256k1 and logs why', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await useFastestSecp256k1()).toBe('wasm');
    expect(secp256k1Backend().source).toBe('tiny-secp256k1');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('libsecp256k1 wasm build unusable'), expect.stringContaining('self-test (sharedX)'));
  });

  it('useSecp256k1Module (the service worker) falls back to the imported tiny-secp256k1, then to noble', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(useSecp256k1Module(tiny)).toBe('wasm');
    expect(secp256k1Backend().source).toBe('tiny-secp256k1');
    const broken = { ...tiny, pointFromScalar: () => null } as unknown as typeof tiny;
    expect(useSecp256k1Module(broken)).toBe('noble');
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenLastCalledWith(expect.stringContaining('using @noble/curves'), expect.stringContaining('self-test'));
  });
});
