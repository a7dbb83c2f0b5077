// The shape every secp256k1 implementation takes for docs/PROTOCOL.md §2 (signatures, ECIES), so that
// src/core/secp256k1.ts can pick the fastest that loads. Implementations return null, never throw, on
// bad input, and all give the same bytes (uncompressed keys, RFC 6979 low-S signatures).

export interface RecoverableSignature {
  readonly signature: Uint8Array; // r ‖ s, 64 bytes, low S
  readonly recovery: number; // 0 or 1 in practice, 0..3 in theory
}

export interface Secp256k1Backend {
  /** 'wasm' for either libsecp256k1 build, 'noble' for the JavaScript fallback. */
  readonly name: 'wasm' | 'noble';
  /** Which implementation exactly, for logs and benchmarks. */
  readonly source: string;
  isPrivateKey(k: Uint8Array): boolean;
  /** 65-byte 0x04 ‖ x ‖ y and on the curve. */
  isPublicKey(p: Uint8Array): boolean;
  /** Uncompressed public key of a valid private key, null otherwise. */
  publicKey(privateKey: Uint8Array): Uint8Array | null;
  /** ECDH: the 32-byte x coordinate of privateKey · publicKey, null if either is invalid. */
  sharedX(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null;
  sign(hash: Uint8Array, privateKey: Uint8Array): RecoverableSignature | null;
  /** Uncompressed public key that made `signature` over `hash`, null if none. */
  recover(hash: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array | null;
  /**
   * Optional: geth's ECIES (docs/PROTOCOL.md §2) up to the tag check in one call, so a trial with the
   * wrong key costs one ECDH and nothing else. Ke (16 bytes) when the tag verifies; 'bad-key' when the
   * private key or the ephemeral key is invalid; 'tag-mismatch' otherwise.
   */
  eciesKey?(privateKey: Uint8Array, ephemeral: Uint8Array, ivAndCiphertext: Uint8Array, tag: Uint8Array): Uint8Array | 'bad-key' | 'tag-mismatch';
}
