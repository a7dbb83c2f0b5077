// libsecp256k1 (WebAssembly) for the background's trial decryptions: each asymmetric filter costs one
// ECDH per envelope of its topics, ~10x faster than @noble/curves. Imported statically because a
// service worker may not use import(); the build inlines the wasm (vite.config.ts), and a failed load
// leaves the self-tested noble backend in place.

import * as tiny from 'tiny-secp256k1';
import { useSecp256k1Module } from '../core/secp256k1.ts';

export const useLibsecp256k1 = (): 'wasm' | 'noble' => useSecp256k1Module(tiny);
