// This repository's WebAssembly build of libsecp256k1 (src/core/secp256k1-wasm.ts): the committed bytes
// are the ones the build script recorded, it agrees with @noble/curves on 1 000 random cases, it refuses
// hostile input without trapping or degrading, and a broken module is never used.

import { createHash } from 'node:crypto';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { DEFAULTS, SOURCE, inputDigests } from '../../scripts/build-secp256k1-wasm.mjs';
import { equalBytes, fromHex, toHex } from '../../src/core/bytes.ts';
import { randomBytes } from '@noble/hashes/utils.js';
import { eciesDecrypt, eciesEncrypt } from '../../src/core/ecies.ts';
import {
  nobleBackend,
  secp256k1Backend,
  setSecp256k1Backend,
  useFastestSecp256k1,
  type Secp256k1Backend,
} from '../../src/core/secp256k1.ts';
import { instantiateLibsecp256k1, loadLibsecp256k1, SELF_TEST_ANSWERS, selfTestAgainstNoble } from '../../src/core/secp256k1-wasm.ts';
import { SECP256K1_WASM_BASE64, SECP256K1_WASM_BUILD } from '../../src/core/secp256k1-wasm-bytes.ts';

const bytes = Buffer.from(SECP256K1_WASM_BASE64, 'base64');
const b = loadLibsecp256k1();
const N = fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', false);
const plus = (x: Uint8Array, d: number): Uint8Array => {
  const out = Uint8Array.from(x);
  for (let i = 31, c = d; i >= 0 && c; i--) {
    const v = out[i]! + c;
    out[i] = v & 0xff;
    c = v >> 8;
  }
  return out;
};

describe('libsecp256k1 wasm artefact', () => {
  it('is the build the script recorded: sha256, size, source tag and commit, flags', () => {
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(SECP256K1_WASM_BUILD.sha256);
    expect(bytes.length).toBe(SECP256K1_WASM_BUILD.bytes);
    expect(SECP256K1_WASM_BUILD.source).toEqual(SOURCE);
    expect(SECP256K1_WASM_BUILD.inputs).toEqual(inputDigests()); // shim.c changed: run the script again
    expect(SECP256K1_WASM_BUILD.cflags).toContain(`-DECMULT_WINDOW_SIZE=${DEFAULTS.window}`);
    expect(SECP256K1_WASM_BUILD.cflags.includes('-msimd128')).toBe(DEFAULTS.simd);
    expect(SECP256K1_WASM_BUILD.cflags).toContain('-DUSE_EXTERNAL_DEFAULT_CALLBACKS=1');
  });

  it('imports nothing and becomes the default backend', async () => {
    expect(WebAssembly.Module.imports(new WebAssembly.Module(bytes))).toEqual([]);
    expect(await useFastestSecp256k1()).toBe('wasm');
    expect(secp256k1Backend().source).toBe(`libsecp256k1 ${SOURCE.tag} wasm32`);
  });
});

describe('libsecp256k1 wasm agrees with @noble/curves', () => {
  it('1 000 random key pairs: public keys, ECDH both ways, signatures, recovery', () => {
    const same = (x: Uint8Array | null, y: Uint8Array | null) => x !== null && y !== null && equalBytes(x, y);
    const wrong: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const a = noble.utils.randomSecretKey();
      const c = noble.utils.randomSecretKey();
      const h = noble.utils.randomSecretKey(); // any 32 bytes
      const pa = nobleBackend.publicKey(a)!;
      const pc = nobleBackend.publicKey(c)!;
      const z = nobleBackend.sharedX(a, pc)!;
      const s = nobleBackend.sign(h, a)!;
      const ours = b.sign(h, a);
      const checks = {
        publicKey: same(b.publicKey(a), pa),
        sharedX: same(b.sharedX(a, pc), z) && same(b.sharedX(c, pa), z),
        sign: ours !== null && ours.recovery === s.recovery && same(ours.signature, s.signature),
        recover: same(b.recover(h, s.signature, s.recovery), pa),
        valid: b.isPublicKey(pa) && b.isPrivateKey(a),
      };
      for (const [op, ok] of Object.entries(checks)) if (!ok) wrong.push(`${op} with key ${toHex(a)}`);
    }
    expect(wrong).toEqual([]);
  }, 300_000); // @noble/curves' ECDH takes milliseconds, more on a loaded machine

  it('recovers from a high-S signature as noble does, and from another recovery id as noble does', () => {
    const k = new Uint8Array(32).fill(9);
    const h = new Uint8Array(32).fill(0x44);
    const s = nobleBackend.sign(h, k)!;
    const high = Uint8Array.from(s.signature);
    high.set(noble.Point.Fn.toBytes(noble.Point.Fn.neg(noble.Point.Fn.fromBytes(s.signature.subarray(32)))), 32);
    for (const [sig, rec] of [[high, s.recovery ^ 1], [s.signature, s.recovery ^ 1], [high, s.recovery]] as const)
      expect(b.recover(h, sig, rec)).toEqual(nobleBackend.recover(h, sig, rec));
  });
});

describe('ECIES inside the module (eciesKey) agrees with the JavaScript path', () => {
  const recipient = new Uint8Array(32).fill(0x31);
  const open = (backend: Secp256k1Backend, data: Uint8Array, key: Uint8Array): string => {
    setSecp256k1Backend(backend);
    try {
      return toHex(eciesDecrypt(data, key));
    } catch (e) {
      return `${(e as Error).message}`;
    } finally {
      setSecp256k1Backend(nobleBackend);
    }
  };

  it('right key, wrong key, tampered tag, IV or ephemeral key, across the 64 KiB chunk boundary', () => {
    for (const size of [0, 1, 13, 65_536 - 16, 65_536 - 15, 65_536 * 2 + 7]) {
      const data = eciesEncrypt(new Uint8Array(size).map((_, i) => i * 7), nobleBackend.publicKey(recipient)!, randomBytes);
      const cases: [Uint8Array, Uint8Array][] = [[data, recipient], [data, new Uint8Array(32).fill(0x32)]];
      for (const at of [1, 65, 81, data.length - 1]) {
        const bad = Uint8Array.from(data);
        bad[at]! ^= 1;
        cases.push([bad, recipient]);
      }
      for (const [d, key] of cases) expect(open(b, d, key)).toBe(open(nobleBackend, d, key));
      expect(open(b, data, recipient)).not.toMatch(/ecies/);
    }
  });
});

describe('libsecp256k1 wasm under hostile input', () => {
  const k = new Uint8Array(32).fill(7);
  const hash = new Uint8Array(32).fill(3);
  const pub = nobleBackend.publicKey(k)!;
  const withPrefix = (p: number) => Uint8Array.from(pub, (v, i) => (i === 0 ? p : v));
  const offCurve = Uint8Array.from(pub, (v, i) => (i === 64 ? v ^ 1 : v));

  it('refuses bad public keys: off curve, every prefix but 0x04 (hybrid 0x06/0x07 too), wrong lengths, zero', () => {
    const hybrid = withPrefix(pub[64]! & 1 ? 0x07 : 0x06); // a valid hybrid encoding libsecp256k1 would parse
    const bad = [offCurve, hybrid, withPrefix(0x00), withPrefix(0x02), withPrefix(0x03), withPrefix(0x05), new Uint8Array(65),
      pub.subarray(0, 64), Uint8Array.of(...pub, 0), noble.getPublicKey(k, true), new Uint8Array(0)];
    for (const p of bad) {
      expect(b.isPublicKey(p)).toBe(false);
      expect(b.sharedX(k, p)).toBeNull();
      expect(nobleBackend.sharedX(k, p)).toBeNull();
    }
  });

  it('refuses bad scalars: zero, n, n + 1, all 0xff, wrong lengths', () => {
    for (const s of [new Uint8Array(32), N, plus(N, 1), new Uint8Array(32).fill(0xff), new Uint8Array(31).fill(1), new Uint8Array(33).fill(1)]) {
      expect(b.isPrivateKey(s)).toBe(false);
      expect(b.publicKey(s)).toBeNull();
      expect(b.sharedX(s, pub)).toBeNull();
      expect(b.sign(hash, s)).toBeNull();
    }
    expect(b.isPrivateKey(plus(N, -1))).toBe(nobleBackend.isPrivateKey(plus(N, -1)));
  });

  it('refuses bad signatures and recovery ids: r or s zero or >= n, ids outside 0..3, wrong lengths', () => {
    const s = b.sign(hash, k)!;
    const withR = (r: Uint8Array) => Uint8Array.of(...r, ...s.signature.subarray(32));
    const withS = (x: Uint8Array) => Uint8Array.of(...s.signature.subarray(0, 32), ...x);
    for (const sig of [withR(new Uint8Array(32)), withS(new Uint8Array(32)), withR(N), withS(N), s.signature.subarray(0, 63)])
      for (const rec of [0, 1, 2, 3]) expect(b.recover(hash, sig, rec)).toEqual(nobleBackend.recover(hash, sig, rec));
    for (const rec of [-1, 4, 1.5, Number.NaN]) expect(b.recover(hash, s.signature, rec)).toBeNull();
    expect(b.recover(hash.subarray(1), s.signature, s.recovery)).toBeNull();
    expect(b.sign(hash.subarray(1), k)).toBeNull();
  });

  it('10 000 hostile ECDH calls leave ECDH, signing and recovery intact, with no illegal-argument callback', () => {
    const sig = b.sign(hash, k)!;
    const zero = new Uint8Array(32);
    let answered = 0;
    for (let i = 0; i < 10_000; i++) {
      if (b.sharedX(k, i % 2 ? offCurve : withPrefix(0x06)) !== null) answered++;
      if (b.sharedX(zero, pub) !== null) answered++;
    }
    expect(answered).toBe(0);
    expect(b.recover(hash, sig.signature, sig.recovery)).toEqual(pub);
    expect(b.sign(hash, k)).toEqual(sig);
    expect(b.sharedX(k, pub)).toEqual(nobleBackend.sharedX(k, pub));
    expect(b.illegalCalls()).toBe(0);
  });
});

describe('a broken module is never used', () => {
  it('bytes that do not compile throw at instantiation', () => {
    expect(() => instantiateLibsecp256k1(bytes.subarray(0, bytes.length - 100))).toThrow(WebAssembly.CompileError);
  });

  it("the self-test's recorded answers are @noble/curves' own", () => {
    const k = new Uint8Array(32).fill(7);
    const e = new Uint8Array(32).fill(0x2a);
    const ePub = noble.getPublicKey(e, false);
    expect(toHex(noble.getPublicKey(k, false), false)).toBe(SELF_TEST_ANSWERS.pub);
    expect(toHex(ePub, false)).toBe(SELF_TEST_ANSWERS.ePub);
    expect(toHex(noble.getSharedSecret(k, ePub, true).subarray(1), false)).toBe(SELF_TEST_ANSWERS.shared);
    expect(toHex(noble.sign(new Uint8Array(32).fill(3), k, { prehash: false, format: 'recovered' }), false)).toBe(SELF_TEST_ANSWERS.sig);
  });

  it('a backend that computes a wrong ECDH fails the self-test, naming the operation', () => {
    const liar = { ...b, sharedX: (x: Uint8Array, p: Uint8Array) => b.sharedX(x, p)?.map((v) => v ^ 1) ?? null };
    expect(() => selfTestAgainstNoble(liar)).toThrow(/sharedX/);
    expect(() => selfTestAgainstNoble(b)).not.toThrow();
  });
});
