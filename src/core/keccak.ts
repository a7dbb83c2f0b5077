// keccak256 for the validation path (envelope hash and PoW hash, docs/PROTOCOL.md): the PoW kernel's
// WebAssembly Keccak-f (pow-kernel-wasm.ts, scalar build) where it compiles, else @noble/hashes.
// The kernel hashes "absorbed prefix blocks ‖ tail with an 8-byte big-endian nonce"; any message of
// at least 8 bytes is such a message, its last 8 bytes read as the nonce, so one search of a single
// nonce is one keccak256 of the whole input. Both paths agree byte for byte (test/core/keccak.test.ts).

import { keccak_256 } from '@noble/hashes/sha3.js';
import { POW_KERNEL_WASM_BASE64 } from './pow-kernel-wasm.ts';

// Mirrors LAYOUT in wasm/pow-kernel.mjs.
const STATE0 = 0;
const HASH = 208;
const TAIL = 256;
const INPUT = 2048;
const RATE = 136;
const PAGE = 65536;

interface KernelExports {
  memory: WebAssembly.Memory;
  absorb(src: number, blocks: number): void;
  search(start: bigint, count: number, target: number, blocks: number, nonceOffset: number): number;
}

export type Keccak256 = (input: Uint8Array) => Uint8Array;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A keccak256 on its own instance of the kernel. Throws where WebAssembly cannot compile. */
export function createWasmKeccak256(): Keccak256 {
  const x = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(POW_KERNEL_WASM_BASE64)), {})
    .exports as unknown as KernelExports;
  let mem = new Uint8Array(x.memory.buffer);
  return (input) => {
    const n = input.length;
    if (n < 8) return keccak_256(input);
    const body = n - 8; // what precedes the "nonce"
    const blocks = Math.floor(body / RATE);
    const prefix = blocks * RATE;
    const need = Math.ceil((INPUT + prefix) / PAGE) - x.memory.buffer.byteLength / PAGE;
    if (need > 0) {
      x.memory.grow(need);
      mem = new Uint8Array(x.memory.buffer);
    }
    mem.fill(0, STATE0, STATE0 + 200);
    if (blocks > 0) {
      mem.set(input.subarray(0, prefix), INPUT);
      x.absorb(INPUT, blocks);
    }
    // Tail: the rest of the body, 8 bytes the search writes from the nonce, then pad10*1.
    const tailLength = n - prefix;
    const tailBlocks = Math.floor(tailLength / RATE) + 1;
    mem.fill(0, TAIL, TAIL + 2 * RATE);
    mem.set(input.subarray(prefix, body), TAIL);
    mem[TAIL + tailLength] = 0x01;
    mem[TAIL + tailBlocks * RATE - 1]! |= 0x80;
    const last = new DataView(input.buffer, input.byteOffset + body, 8);
    x.search(last.getBigUint64(0, false), 1, 257, tailBlocks, body - prefix);
    return mem.slice(HASH, HASH + 32);
  };
}

let chosen: Keccak256 | undefined;

/**
 * The fastest keccak256 this environment runs: WebAssembly, or @noble/hashes where WebAssembly is
 * refused (a page CSP without 'wasm-unsafe-eval', an engine without it). Chosen once.
 */
export function keccak256(input: Uint8Array): Uint8Array {
  if (chosen === undefined) {
    try {
      chosen = createWasmKeccak256();
    } catch (e) {
      // The environment refused WebAssembly; @noble/hashes is the same function, only slower.
      console.debug('shh:core keccak256 falls back to @noble/hashes:', (e as Error).message);
      chosen = keccak_256;
    }
  }
  return chosen(input);
}
