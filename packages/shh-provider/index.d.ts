// Types of shh-provider's index.js. The provider's own types (window.shh, every method, messages,
// events) are in shh.d.ts and re-exported here; importing this module also types window.shh.
import type { Hex, ShhProvider, ShhProviderDetail, WhisperMessage } from './shh.js';

export * from './shh.js';
export { keccak256 } from './keccak.js';

export declare const ErrorCode: Readonly<{
  USER_REJECTED: 4001;
  UNAUTHORIZED: 4100;
  UNSUPPORTED_METHOD: 4200;
  DISCONNECTED: 4900;
  INVALID_PARAMS: -32602;
  WHISPER: -32000;
}>;
export declare const ANNOUNCE_EVENT: 'shh:announceProvider';
export declare const REQUEST_EVENT: 'shh:requestProvider';

export interface DetectOptions {
  /** Milliseconds to wait for an announcement (default 3000). */
  timeout?: number;
  signal?: AbortSignal;
  /** Where to dispatch and listen (default globalThis, the window). */
  target?: EventTarget;
}
/** The first announced provider, or null when none answers in time. */
export declare function detectShhProvider(options?: DetectOptions): Promise<ShhProviderDetail | null>;

export declare function bytesToHex(bytes: Uint8Array): Hex;
export declare function hexToBytes(hex: string): Uint8Array;
export declare function textToHex(text: string): Hex;
export declare function hexToText(hex: string): string;
export declare function jsonToHex(value: unknown): Hex;
export declare function hexToJson(hex: string): unknown;
export declare function topicFromName(name: string): Hex;
export declare function onMessages(provider: ShhProvider, subscription: string, fn: (message: WhisperMessage) => void): () => void;
