// Types of keccak.js (keccak256 as Ethereum uses it: the original Keccak padding, not NIST SHA3-256).
export declare function keccak256(bytes: Uint8Array): Uint8Array;
