// libsecp256k1 compiled to WebAssembly by scripts/build-secp256k1-wasm.mjs (wasm/secp256k1/shim.c), as a
// Secp256k1Backend for docs/PROTOCOL.md §2: ECIES's ECDH x(k·R) through secp256k1_ecdh (constant time),
// RFC 6979 low-S recoverable signatures, recovery. Instantiated synchronously from the embedded bytes;
// a module that fails to compile or disagrees with @noble/curves on load is never used.
// Invariants: inputs are length-checked here before they reach the module; the module never traps on
// bad input (it returns 0) and keeps no state between calls except its randomized context, so a
// hostile key can neither crash it nor poison later calls; outputs are fresh copies.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { fromHex } from './bytes.ts';
import { PUBLIC_KEY_LENGTH } from './constants.ts';
import type { RecoverableSignature, Secp256k1Backend } from './secp256k1-backend.ts';
import { SECP256K1_WASM_BASE64, SECP256K1_WASM_BUILD } from './secp256k1-wasm-bytes.ts';

interface Exports {
  readonly memory: WebAssembly.Memory;
  io(): number;
  illegal_calls(): number;
  init(): number;
  seckey_verify(): number;
  pubkey_check(): number;
  pubkey_create(): number;
  ecdh_x(): number;
  sign_recoverable(): number;
  recover(recid: number): number;
  chunk(): number;
  chunk_bytes(): number;
  ecies_begin(): number;
  ecies_update(n: number): number;
  ecies_finish(): number;
}

const base64Bytes = (b64: string): Uint8Array => {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

const isBytes = (x: unknown, n: number): x is Uint8Array => x instanceof Uint8Array && x.length === n;

export interface Libsecp256k1Backend extends Secp256k1Backend {
  /** How often libsecp256k1 reported an illegal argument (the shim's guards should keep this 0). */
  illegalCalls(): number;
}

/** A backend over a fresh instance of the module; throws if it cannot compile or start. */
export function instantiateLibsecp256k1(wasm: Uint8Array = base64Bytes(SECP256K1_WASM_BASE64)): Libsecp256k1Backend {
  const x = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), {}).exports as unknown as Exports;
  // The module has no allocator, so its memory never grows and this view stays valid.
  const io = new Uint8Array(x.memory.buffer, x.io(), 256);
  io.set(randomBytes(32));
  if (x.init() !== 1) throw new Error('libsecp256k1 wasm: context creation failed');
  const put = (at: number, b: Uint8Array): void => io.set(b, at);
  const take = (at: number, n: number): Uint8Array => io.slice(at, at + n);
  const chunk = new Uint8Array(x.memory.buffer, x.chunk(), x.chunk_bytes());
  const isPublicKey = (p: Uint8Array): boolean => isBytes(p, PUBLIC_KEY_LENGTH) && (put(0, p), x.pubkey_check() === 1);
  return Object.freeze({
    name: 'wasm' as const,
    source: `libsecp256k1 ${SECP256K1_WASM_BUILD.source.tag} wasm32`,
    isPrivateKey: (k: Uint8Array) => isBytes(k, 32) && (put(0, k), x.seckey_verify() === 1),
    isPublicKey,
    publicKey: (k: Uint8Array) => (isBytes(k, 32) && (put(0, k), x.pubkey_create() === 1) ? take(32, 65) : null),
    sharedX: (k: Uint8Array, p: Uint8Array) =>
      isBytes(k, 32) && isBytes(p, PUBLIC_KEY_LENGTH) && (put(0, k), put(32, p), x.ecdh_x() === 1) ? take(97, 32) : null,
    sign: (hash: Uint8Array, k: Uint8Array): RecoverableSignature | null => {
      if (!isBytes(hash, 32) || !isBytes(k, 32)) return null;
      put(0, hash);
      put(32, k);
      const recovery = x.sign_recoverable();
      return recovery >= 0 ? { signature: take(64, 64), recovery } : null;
    },
    recover: (hash: Uint8Array, sig: Uint8Array, recovery: number) => {
      if (!isBytes(hash, 32) || !isBytes(sig, 64) || !Number.isInteger(recovery) || recovery < 0 || recovery > 3) return null;
      put(0, hash);
      put(32, sig);
      return x.recover(recovery) === 1 ? take(96, 65) : null;
    },
    eciesKey: (k: Uint8Array, ephemeral: Uint8Array, body: Uint8Array, tag: Uint8Array) => {
      if (!isBytes(k, 32) || !isBytes(ephemeral, PUBLIC_KEY_LENGTH) || !isBytes(tag, 32) || !(body instanceof Uint8Array))
        return 'bad-key';
      put(0, k);
      put(32, ephemeral);
      if (x.ecies_begin() !== 1) return 'bad-key';
      for (let at = 0; at < body.length; at += chunk.length) {
        const part = body.subarray(at, at + chunk.length);
        chunk.set(part);
        x.ecies_update(part.length);
      }
      put(0, tag);
      const ok = x.ecies_finish() === 1;
      const ke = ok ? take(32, 16) : null;
      io.fill(0, 0, 48);
      return ke ?? 'tag-mismatch';
    },
    illegalCalls: () => x.illegal_calls(),
  });
}

const equal = (a: Uint8Array | string | null, b: Uint8Array | null): boolean =>
  a instanceof Uint8Array && b !== null && a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * @noble/curves' answers for the self-test's fixed keys (k = 32 x 0x07, e = 32 x 0x2a, hash = 32 x
 * 0x03), recorded: computing them at each load took noble's first multiplications (~0.1 s of every
 * start). test/core/secp256k1-wasm.test.ts recomputes them with noble.
 */
export const SELF_TEST_ANSWERS = {
  /** noble.getPublicKey(k, false) */
  pub: '04989c0b76cb563971fdc9bef31ec06c3560f3249d6ee9e5d83c57625596e05f6f631f4d05b3ae518776ee08755a7703e64b2ebc32547504de0b55a142d4ecdf80',
  /** noble.getPublicKey(e, false) */
  ePub: '045be5e9478209674a96e60f1f037f6176540fd001fa1d64694770c56a7709c42c035a88c3843dbf8b10d52cc71e26cce171e1aa1e32f8e193c9f6a6bd8f07b8bf',
  /** noble.getSharedSecret(k, ePub, true) without its first byte */
  shared: '4fa294b9b4cafc3c2108e29ec16e65e2406dd580abaaf3f193d4850ad1cbae0a',
  /** noble.sign(hash, k, { prehash: false, format: 'recovered' }): recovery, then r and s */
  sig: '00b1c47ade5c2eb6b33193f72c0782ed89717216cab52542aa5dd7ba2bdf44a3ef4926d5adca8bbc26ff11a655744c8067781eb90aff6b16a1fd7b68c6b247d991',
} as const;

/**
 * Compares every operation with @noble/curves' answers on fixed keys (SELF_TEST_ANSWERS; a backend
 * that loads but computes wrong answers must never replace a working one); throws naming the first
 * disagreement.
 */
export function selfTestAgainstNoble(b: Secp256k1Backend): void {
  const k = new Uint8Array(32).fill(7);
  const hash = new Uint8Array(32).fill(3);
  const pub = fromHex(SELF_TEST_ANSWERS.pub, false);
  const ePub = fromHex(SELF_TEST_ANSWERS.ePub, false);
  const shared = fromHex(SELF_TEST_ANSWERS.shared, false);
  const want = fromHex(SELF_TEST_ANSWERS.sig, false);
  const checks: [string, boolean][] = [
    ['publicKey', equal(b.publicKey(k), pub)],
    ['sharedX', equal(b.sharedX(k, ePub), shared)],
    ['isPrivateKey(0)', !b.isPrivateKey(new Uint8Array(32))],
    ['isPublicKey(off curve)', !b.isPublicKey(Uint8Array.from(pub, (v, i) => (i === 64 ? v ^ 1 : v)))],
  ];
  const sig = b.sign(hash, k);
  checks.push(['sign', sig !== null && sig.recovery === want[0] && equal(sig.signature, want.subarray(1))]);
  checks.push(['recover', sig !== null && equal(b.recover(hash, sig.signature, sig.recovery), pub)]);
  if (b.eciesKey) {
    // Known answer from docs/PROTOCOL.md (geth's ECIES): z for these keys gives this Ke, and a tag over body.
    const body = new Uint8Array(29).fill(0x11);
    const block = new Uint8Array(36);
    block[3] = 1;
    block.set(shared, 4);
    const kk = sha256(block);
    const tag = hmac(sha256, sha256(kk.subarray(16)), body);
    checks.push(['eciesKey', equal(b.eciesKey(k, ePub, body, tag) as Uint8Array, kk.subarray(0, 16))]);
    checks.push(['eciesKey(wrong tag)', b.eciesKey(k, ePub, body, tag.map((v) => v ^ 1)) === 'tag-mismatch']);
  }
  const failed = checks.find(([, ok]) => !ok);
  if (failed) throw new Error(`libsecp256k1 wasm backend failed its self-test (${failed[0]})`);
}

/** The embedded libsecp256k1 module, instantiated and self-tested; throws with the reason otherwise. */
export function loadLibsecp256k1(): Libsecp256k1Backend {
  const b = instantiateLibsecp256k1();
  selfTestAgainstNoble(b);
  return b;
}
