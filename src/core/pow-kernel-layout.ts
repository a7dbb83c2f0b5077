// Where the PoW kernel keeps its state, its tail and its input in its one page of WebAssembly memory:
// mirrors LAYOUT in wasm/pow-kernel.mjs, which builds the kernel. Shared by the PoW search
// (pow-kernel.ts) and the keccak256 that runs on the same kernel (keccak.ts).

export const STATE0 = 0;
export const BEST = 200;
export const HASH = 208;
export const TAIL = 256;
export const INPUT = 2048;
/** Keccak-256's rate in bytes: one absorbed block. */
export const RATE = 136;
/** One WebAssembly memory page. */
export const PAGE = 65536;
