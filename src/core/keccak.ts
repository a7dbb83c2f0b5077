// keccak256 for the validation path (envelope hash and PoW hash, docs/PROTOCOL.md): the PoW kernel's
// WebAssembly Keccak-f (pow-kernel-wasm.ts, scalar build) where it compiles, else @noble/hashes.
// The kernel hashes "absorbed prefix blocks ‖ tail ‖ an 8-byte big-endian nonce". A PoW hash is that
// by definition; any other message of at least 8 bytes is too, its last 8 bytes read as the nonce. So
// one search of a single nonce is one keccak256, and the PoW input is written straight into the
// kernel's memory from the envelope's RLP, never assembled in a buffer of its own. Long inputs are
// absorbed a window at a time, so the kernel's memory stays one page.
// Both paths agree byte for byte (test/core/keccak.test.ts).

import { keccak_256 } from '@noble/hashes/sha3.js';
import { HASH, INPUT, PAGE, RATE, STATE0, TAIL } from './pow-kernel-layout.ts';
import { POW_KERNEL_WASM_BASE64 } from './pow-kernel-wasm.ts';


interface KernelExports {
  memory: WebAssembly.Memory;
  absorb(src: number, blocks: number): void;
  search(start: bigint, count: number, target: number, blocks: number, nonceOffset: number): number;
}

export interface Keccak {
  /** keccak256(input). */
  hash(input: Uint8Array): Uint8Array;
  /** keccak256(head ‖ src[start, end) ‖ nonce as 8 bytes big-endian): a PoW hash. */
  hashWithNonce(head: Uint8Array, src: Uint8Array, start: number, end: number, nonce: bigint): Uint8Array;
}

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// Blocks copied into INPUT per absorb call: INPUT plus this fits the module's first 64 KiB page, so
// the memory never grows, whatever the input's size.
const CHUNK_BLOCKS = Math.floor((PAGE - INPUT) / RATE);

/** keccak256 on its own instance of the kernel. Throws where WebAssembly cannot compile. */
export function createWasmKeccak(): Keccak {
  const x = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(POW_KERNEL_WASM_BASE64)), {})
    .exports as unknown as KernelExports;
  if (x.memory.buffer.byteLength < PAGE) x.memory.grow(1);
  const mem = new Uint8Array(x.memory.buffer);

  /** Copies bytes [from, to) of head ‖ src[start, end) to `dst` in memory. */
  const copy = (head: Uint8Array, src: Uint8Array, start: number, from: number, to: number, dst: number): void => {
    const h = head.length;
    if (from < h) {
      const upTo = Math.min(to, h);
      mem.set(head.subarray(from, upTo), dst);
      dst += upTo - from;
      from = upTo;
    }
    if (from < to) mem.set(src.subarray(start + from - h, start + to - h), dst);
  };

  /** keccak256(head ‖ src[start, end) ‖ nonce_be64). */
  const run = (head: Uint8Array, src: Uint8Array, start: number, end: number, nonce: bigint): Uint8Array => {
    const body = head.length + end - start;
    const blocks = Math.floor(body / RATE);
    const prefix = blocks * RATE;
    mem.fill(0, STATE0, STATE0 + 200);
    for (let done = 0; done < blocks; ) {
      const n = Math.min(CHUNK_BLOCKS, blocks - done);
      copy(head, src, start, done * RATE, (done + n) * RATE, INPUT);
      x.absorb(INPUT, n);
      done += n;
    }
    // Tail: the rest of the body, 8 bytes the search writes from the nonce, then pad10*1.
    const tailLength = body - prefix + 8;
    const tailBlocks = Math.floor(tailLength / RATE) + 1;
    mem.fill(0, TAIL, TAIL + 2 * RATE);
    copy(head, src, start, prefix, body, TAIL);
    mem[TAIL + tailLength] = 0x01;
    mem[TAIL + tailBlocks * RATE - 1]! |= 0x80;
    x.search(nonce, 1, 257, tailBlocks, body - prefix);
    return mem.slice(HASH, HASH + 32);
  };

  return {
    hash(input) {
      const n = input.length;
      if (n < 8) return keccak_256(input);
      let hi = 0;
      let lo = 0;
      for (let i = n - 8; i < n - 4; i++) hi = hi * 256 + input[i]!;
      for (let i = n - 4; i < n; i++) lo = lo * 256 + input[i]!;
      return run(EMPTY, input, 0, n - 8, (BigInt(hi) << 32n) | BigInt(lo));
    },
    hashWithNonce: run,
  };
}

const EMPTY = new Uint8Array(0);

const nobleKeccak: Keccak = {
  hash: keccak_256,
  hashWithNonce(head, src, start, end, nonce) {
    const buf = new Uint8Array(head.length + end - start + 8);
    buf.set(head);
    buf.set(src.subarray(start, end), head.length);
    new DataView(buf.buffer).setBigUint64(buf.length - 8, nonce, false);
    return keccak_256(buf);
  },
};

let chosen: Keccak | undefined;

/**
 * The fastest keccak256 this environment runs: WebAssembly, or @noble/hashes where WebAssembly is
 * refused (a page CSP without 'wasm-unsafe-eval', an engine without it). Chosen once.
 */
function keccak(): Keccak {
  if (chosen === undefined) {
    try {
      chosen = createWasmKeccak();
    } catch (e) {
      // The environment refused WebAssembly; @noble/hashes is the same function, only slower.
      console.debug('shh:core keccak256 falls back to @noble/hashes:', (e as Error).message);
      chosen = nobleKeccak;
    }
  }
  return chosen;
}

/** keccak256(input). */
export const keccak256 = (input: Uint8Array): Uint8Array => keccak().hash(input);

/** keccak256(head ‖ src[start, end) ‖ nonce as 8 bytes big-endian), as the PoW defines its hash. */
export const keccak256WithNonce = (head: Uint8Array, src: Uint8Array, start: number, end: number, nonce: bigint): Uint8Array =>
  keccak().hashWithNonce(head, src, start, end, nonce);

/** For tests and benches: the @noble/hashes implementation behind the same interface. */
export const createNobleKeccak = (): Keccak => nobleKeccak;
