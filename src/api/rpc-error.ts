// The one table that maps failures to EIP-1193 / JSON-RPC error numbers (docs/PROTOCOL.md §4). Errors cross
// every boundary (page, extension contexts, relay clients) as {code, message, data?} only.

import type { WhisperError } from '../core/errors.ts';

export const RPC = {
  userRejected: 4001,
  unauthorized: 4100,
  unsupportedMethod: 4200,
  disconnected: 4900,
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** geth's code for an error returned by a method: the message is geth's text. */
  whisper: -32000,
} as const;

export interface RpcErrorShape {
  code: number;
  message: string;
  data?: unknown;
}

export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }

  toJSON(): RpcErrorShape {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

export const invalidParams = (message: string): RpcError => new RpcError(RPC.invalidParams, message);
export const whisperFailure = (message: string): RpcError => new RpcError(RPC.whisper, message);

/** Any thrown value as the shape that crosses a boundary; unknown errors become -32603. */
export function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  if (e instanceof Error && e.name === 'WhisperError') return whisperFailure((e as WhisperError).message);
  if (e instanceof TypeError || e instanceof RangeError) return invalidParams(e.message);
  return new RpcError(RPC.internal, 'internal error');
}
