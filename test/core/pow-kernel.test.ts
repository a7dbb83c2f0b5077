import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { leadingZeroBits, powHash } from '../../src/core/pow.ts';
import { createNobleKernel, createWasmKernel, type PowKernel } from '../../src/core/pow-kernel.ts';
import {
  POW_KERNEL_SIMD_SOURCE_SHA256,
  POW_KERNEL_SIMD_WASM_BASE64,
  POW_KERNEL_SOURCE_SHA256,
  POW_KERNEL_WASM_BASE64,
} from '../../src/core/pow-kernel-wasm.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { BUILDS, buildKernel } from '../../scripts/build-pow-kernel.mjs';

const U64 = 0xffff_ffff_ffff_ffffn;
const kernels: Array<[string, () => PowKernel]> = [
  ['wasm-simd', () => createWasmKernel()],
  ['wasm', () => createWasmKernel({ simd: false })],
  ['noble', createNobleKernel],
];

/** What search(start, count, target) must return, by the reference powHash. */
function referenceSearch(short: Uint8Array, start: bigint, count: number, target: number) {
  let best = { nonce: start, zeros: -1, hash: new Uint8Array() as Uint8Array };
  for (let i = 0n; i < BigInt(count); i++) {
    const nonce = (start + i) & U64;
    const hash = powHash(short, nonce);
    const zeros = leadingZeroBits(hash);
    if (zeros > best.zeros) {
      best = { nonce, zeros, hash };
      if (zeros >= target) break;
    }
  }
  return { ...best, found: best.zeros >= target };
}

describe('pow kernel: the embedded module', () => {
  it.each([
    ['scalar', POW_KERNEL_SOURCE_SHA256, POW_KERNEL_WASM_BASE64],
    ['simd', POW_KERNEL_SIMD_SOURCE_SHA256, POW_KERNEL_SIMD_WASM_BASE64],
  ])('%s: is what scripts/build-pow-kernel.mjs builds from wasm/pow-kernel.mjs today', (name, sha, b64) => {
    const { wasm, sourceSha256 } = buildKernel(BUILDS[name]) as { wasm: Uint8Array; sourceSha256: string };
    expect(sourceSha256).toBe(sha);
    expect(Buffer.from(wasm).toString('base64')).toBe(b64);
  });
  it('both stay under the 4 KiB Chrome compiles synchronously on a main thread', () => {
    expect(Buffer.from(POW_KERNEL_WASM_BASE64, 'base64').length).toBeLessThanOrEqual(4096);
    expect(Buffer.from(POW_KERNEL_SIMD_WASM_BASE64, 'base64').length).toBeLessThanOrEqual(4096);
  });
  it('Node has SIMD, so the default is the SIMD kernel (the suite covers both)', () => {
    expect(createWasmKernel().kind).toBe('wasm-simd');
    expect(createWasmKernel({ simd: false }).kind).toBe('wasm');
  });
});

describe.each(kernels)('pow kernel (%s): docs/PROTOCOL.md §6 vectors', (_, make) => {
  const short = fromHex('cc8001840000000084deadbeef', false);
  it.each([
    [100000n, 'a788e02a95bfc673709e97ca81e39ca903bad5638d3388964c51eb64952172d6', 0],
    [276n, '00e2374c6353c243e4073e209a7f2acb2506522af318b3b78cf9a88310a2a11c', 8],
  ])('nonce %s', (nonce, hash, zeros) => {
    const k = make();
    k.load(short);
    const r = k.search(nonce, 1, 256);
    expect(toHex(r.hash, false)).toBe(hash);
    expect(r).toMatchObject({ nonce, zeros, found: false });
  });
  it('finds the first nonce from 0 with 8 zero bits, as a linear scan does', () => {
    const k = make();
    k.load(short);
    const want = referenceSearch(short, 0n, 300, 8);
    expect(want.found).toBe(true);
    expect(k.search(0n, 300, 8)).toEqual(want);
  });
});

const blockEdges = [0, 1, 127, 128, 129, 130, 131, 135, 136, 137, 140, 145, 271, 272, 276, 280, 281];
const arbShort = fc.oneof(
  fc.constantFrom(...blockEdges).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
  fc.uint8Array({ maxLength: 1200 }),
);
const arbNonce = fc.oneof(
  fc.bigInt({ min: 0n, max: U64 }),
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: 0xffff_fff0n, max: 0x1_0000_0010n }),
  fc.bigInt({ min: U64 - 4n, max: U64 }),
);

describe.each(kernels)('pow kernel (%s): hash for hash against powHash', (_, make) => {
  it('single nonces over shorts of many lengths, block boundaries included', () => {
    const k = make();
    fc.assert(
      fc.property(arbShort, fc.array(arbNonce, { minLength: 1, maxLength: 4 }), (short, nonces) => {
        k.load(short);
        for (const nonce of nonces) {
          const r = k.search(nonce, 1, 256);
          expect(toHex(r.hash)).toBe(toHex(powHash(short, nonce)));
          expect(r.nonce).toBe(nonce);
        }
      }),
      { numRuns: 150 },
    );
  });
  it('batches: first nonce reaching the target, else the first best, wrapping at 2^64', () => {
    const k = make();
    fc.assert(
      fc.property(arbShort, arbNonce, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 7 }), (short, start, count, target) => {
        // odd and even counts, so the SIMD kernel's unused second lane is exercised
        k.load(short);
        expect(k.search(start, count, target)).toEqual(referenceSearch(short, start, count, target));
      }),
      { numRuns: 60 },
    );
  });
  it('a 1 MiB short (many prefix blocks absorbed once) and reloading a shorter one after it', () => {
    const k = make();
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 255);
    k.load(big);
    expect(toHex(k.search(5n, 1, 256).hash)).toBe(toHex(powHash(big, 5n)));
    const small = new Uint8Array([1, 2, 3]);
    k.load(small);
    expect(toHex(k.search(U64, 1, 256).hash)).toBe(toHex(powHash(small, U64)));
  });
  it('rejects misuse', () => {
    const k = make();
    expect(() => k.search(0n, 1, 1)).toThrow(/before load/);
    k.load(new Uint8Array(3));
    expect(() => k.search(-1n, 1, 1)).toThrow(RangeError);
    expect(() => k.search(U64 + 1n, 1, 1)).toThrow(RangeError);
    expect(() => k.search(0n, 0, 1)).toThrow(RangeError);
    expect(() => k.search(0n, 2 ** 31, 1)).toThrow(RangeError);
    expect(() => k.search(0n, 1, -1)).toThrow(RangeError);
    expect(() => k.load('abc' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('pow kernel: fallback', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });
  it('uses noble where WebAssembly is missing, and still hashes right', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    vi.resetModules();
    const { createPowKernel } = await import('../../src/core/pow-kernel.ts');
    const k = createPowKernel();
    expect(k.kind).toBe('noble');
    const short = fromHex('cc8001840000000084deadbeef', false);
    k.load(short);
    expect(k.search(276n, 1, 8)).toMatchObject({ nonce: 276n, zeros: 8, found: true });
  });
  it('uses wasm where it compiles', async () => {
    const { createPowKernel } = await import('../../src/core/pow-kernel.ts');
    expect(createPowKernel().kind).toBe('wasm-simd');
  });
});
