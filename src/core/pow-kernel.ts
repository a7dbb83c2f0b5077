// PoW search kernels (docs/PROTOCOL.md §1): find a nonce whose keccak256(short ‖ nonce_be64) has enough leading
// zero bits. The WebAssembly kernels absorb the blocks before the nonce once per `load` and then cost
// one or two Keccak-f permutations per nonce (per two nonces with SIMD); the noble kernel is the
// fallback where WebAssembly cannot compile (a CSP without 'wasm-unsafe-eval'). All three agree with
// pow.ts `powHash` hash for hash, and a search returns the same nonce whichever kernel runs it.

import { keccak_256 } from '@noble/hashes/sha3.js';
import { leadingZeroBits } from './pow.ts';
import { BEST, HASH, INPUT, PAGE, RATE, STATE0, TAIL } from './pow-kernel-layout.ts';
import { POW_KERNEL_SIMD_WASM_BASE64, POW_KERNEL_WASM_BASE64 } from './pow-kernel-wasm.ts';

/** The outcome of one batch: the first nonce reaching the target, else the batch's best. */
export interface PowSearchResult {
  readonly nonce: bigint;
  readonly zeros: number;
  readonly found: boolean;
  /** keccak256(short ‖ nonce): lets tests hold a kernel to the reference hash for hash. */
  readonly hash: Uint8Array;
}

export interface PowKernel {
  readonly kind: 'wasm-simd' | 'wasm' | 'noble';
  /** Fixes `short` (RLP of [expiry, ttl, topic, data]) for the following searches. */
  load(short: Uint8Array): void;
  /**
   * Tries nonces start, start+1, ... (mod 2^64), at most `count` of them, stopping at the first whose
   * hash has at least `targetZeros` leading zero bits.
   */
  search(start: bigint, count: number, targetZeros: number): PowSearchResult;
}

const U64 = 0xffff_ffff_ffff_ffffn;

function checkSearch(start: bigint, count: number, targetZeros: number): void {
  if (typeof start !== 'bigint' || start < 0n || start > U64) throw new RangeError('start must be a uint64 bigint');
  if (!Number.isInteger(count) || count < 1 || count > 0x7fff_ffff) throw new RangeError('count must be in 1..2^31-1');
  if (!Number.isInteger(targetZeros) || targetZeros < 0) throw new RangeError('targetZeros must be an integer >= 0');
}

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  absorb(src: number, blocks: number): void;
  search(start: bigint, count: number, target: number, blocks: number, nonceOffset: number): number;
}

const compiled: { simd?: WebAssembly.Module | null; scalar?: WebAssembly.Module } = {};

function compileSimd(): WebAssembly.Module | null {
  if (compiled.simd === undefined) {
    const bytes = decodeBase64(POW_KERNEL_SIMD_WASM_BASE64) as Uint8Array<ArrayBuffer>;
    // validate() is false on engines without 128-bit SIMD (Safari before 16.4, some embedded ones).
    compiled.simd = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled.simd;
}

/**
 * Compiles (once) and instantiates a WebAssembly kernel: the SIMD one where the engine has SIMD and
 * `simd` is not false, else the scalar one. Throws where WebAssembly is unavailable.
 */
export function createWasmKernel(opts: { simd?: boolean } = {}): PowKernel {
  const simd = opts.simd === false ? null : compileSimd();
  const mod = simd ?? (compiled.scalar ??= new WebAssembly.Module(decodeBase64(POW_KERNEL_WASM_BASE64) as Uint8Array<ArrayBuffer>));
  const x = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
  let blocks = 0;
  let nonceOffset = 0;
  let loaded = false;
  return {
    kind: simd ? 'wasm-simd' : 'wasm',
    load(short) {
      if (!(short instanceof Uint8Array)) throw new TypeError('short must be a Uint8Array');
      const n = short.length;
      const prefixBlocks = Math.floor(n / RATE);
      const prefix = prefixBlocks * RATE;
      const need = Math.ceil((INPUT + prefix) / PAGE) - x.memory.buffer.byteLength / PAGE;
      if (need > 0) x.memory.grow(need);
      const mem = new Uint8Array(x.memory.buffer);
      mem.fill(0, STATE0, STATE0 + 200);
      mem.set(short.subarray(0, prefix), INPUT);
      x.absorb(INPUT, prefixBlocks);
      // Tail: the rest of short, 8 nonce bytes (written by the loop), then Keccak's pad10*1.
      const tailLength = n - prefix + 8;
      blocks = Math.floor(tailLength / RATE) + 1;
      mem.fill(0, TAIL, TAIL + 2 * RATE);
      mem.set(short.subarray(prefix), TAIL);
      mem[TAIL + tailLength] = 0x01;
      mem[TAIL + blocks * RATE - 1]! |= 0x80;
      nonceOffset = n - prefix;
      loaded = true;
    },
    search(start, count, targetZeros) {
      checkSearch(start, count, targetZeros);
      if (!loaded) throw new Error('pow kernel: search before load');
      const zeros = x.search(start, count, Math.min(targetZeros, 257), blocks, nonceOffset);
      const nonce = new DataView(x.memory.buffer, BEST, 8).getBigUint64(0, true);
      const hash = new Uint8Array(x.memory.buffer, HASH, 32).slice();
      return { nonce, zeros, found: zeros >= targetZeros, hash };
    },
  };
}

/** The reference path on @noble/hashes: slow, but needs no WebAssembly. */
export function createNobleKernel(): PowKernel {
  let buf: Uint8Array | undefined;
  let view: DataView | undefined;
  return {
    kind: 'noble',
    load(short) {
      if (!(short instanceof Uint8Array)) throw new TypeError('short must be a Uint8Array');
      buf = new Uint8Array(short.length + 8);
      buf.set(short);
      view = new DataView(buf.buffer);
    },
    search(start, count, targetZeros) {
      checkSearch(start, count, targetZeros);
      if (!buf || !view) throw new Error('pow kernel: search before load');
      const at = buf.length - 8;
      // Split the nonce so the loop runs on numbers, not bigints.
      let hi = Number(start >> 32n);
      let lo = Number(start & 0xffff_ffffn);
      let best = -1;
      let bestNonce = start;
      let bestHash = new Uint8Array(32);
      for (let i = 0; i < count; i++) {
        view.setUint32(at, hi);
        view.setUint32(at + 4, lo);
        const h = keccak_256(buf);
        const z = leadingZeroBits(h);
        if (z > best) {
          best = z;
          bestHash = h;
          bestNonce = (BigInt(hi) << 32n) | BigInt(lo);
          if (z >= targetZeros) break;
        }
        if (++lo === 0x1_0000_0000) {
          lo = 0;
          hi = (hi + 1) % 0x1_0000_0000;
        }
      }
      return { nonce: bestNonce, zeros: best, found: best >= targetZeros, hash: bestHash };
    },
  };
}

let wasmWorks: boolean | undefined;

/** The WebAssembly kernel where it compiles, else the noble one. */
export function createPowKernel(): PowKernel {
  if (wasmWorks !== false) {
    try {
      const k = createWasmKernel();
      wasmWorks = true;
      return k;
    } catch (e) {
      // Only the environment's refusal (no WebAssembly, CSP, main-thread size limit) falls back.
      if (wasmWorks === true) throw e;
      wasmWorks = false;
    }
  }
  return createNobleKernel();
}
