// Types of keccak.js for the TypeScript tests that check it; the demos themselves are plain JavaScript.
export declare function keccak256(bytes: Uint8Array): Uint8Array;
