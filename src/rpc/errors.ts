// The one table of error numbers (EIP-1193 and JSON-RPC) and the one shape errors cross every
// boundary in (page, extension contexts, relay clients): {code, message, data?}. Misuse of a method
// (a bad argument) is a ParamError (-32602); a Whisper failure carries geth's text (-32000); anything
// else unexpected is -32603 "internal error", its message never shown to the caller (it is logged).

import { isWhisperError } from '../core/errors.ts';

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
export type RpcCode = (typeof RPC)[keyof typeof RPC];

export interface RpcErrorShape {
  code: number;
  message: string;
  data?: unknown;
}

export class RpcError extends Error {
  override readonly name: string = 'RpcError';
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }

  toJSON(): RpcErrorShape {
    return errorShape(this.code, this.message, this.data);
  }
}

/** A caller's bad argument: -32602 with a message naming the argument. */
export class ParamError extends RpcError {
  override readonly name = 'ParamError';
  constructor(message: string) {
    super(RPC.invalidParams, message);
  }
}

export const invalidParams = (message: string): ParamError => new ParamError(message);
export const whisperFailure = (message: string): RpcError => new RpcError(RPC.whisper, message);
export const internalError = (): RpcError => new RpcError(RPC.internal, 'internal error');

/** The wire shape, with `data` only when there is some. */
export const errorShape = (code: number, message: string, data?: unknown): RpcErrorShape =>
  data === undefined ? { code, message } : { code, message, data };

/**
 * Any thrown value as the error that crosses a boundary. RpcErrors pass; a WhisperError keeps its
 * (geth) text as -32000; everything else is -32603 without its message, which `onInternal` may log.
 */
export function toRpcError(e: unknown, onInternal?: (e: unknown) => void): RpcError {
  if (e instanceof RpcError) return e;
  if (isWhisperError(e)) return whisperFailure(e.message);
  onInternal?.(e);
  return internalError();
}
