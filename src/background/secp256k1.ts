// libsecp256k1 (WebAssembly) for the background's trial decryptions: each asymmetric filter costs one
// ECDH per envelope of its topics. This repository's build (src/core/secp256k1-wasm.ts, embedded bytes)
// comes first; tiny-secp256k1 is the fallback, imported statically because a service worker may not use
// import() (the build inlines its wasm, vite.config.ts); @noble/curves if neither runs. Each fallback
// logs its reason.

import * as tiny from 'tiny-secp256k1';
import { useSecp256k1Module } from '../core/secp256k1.ts';

export const useLibsecp256k1 = (): 'wasm' | 'noble' => useSecp256k1Module(tiny);
