// EIP-1193 errors as the page sees them (docs/PROTOCOL.md §4): an `Error` carrying `code`, `message` and, when
// given, `data`. The codes the provider raises itself, before or instead of asking the extension, come
// from the one table (src/rpc/errors.ts); the rest arrive from the background as {code, message, data?}.

import { RPC, type RpcErrorShape } from '../rpc/errors.ts';
import { I } from './intrinsics.ts';

export const CODE = {
  invalidRequest: RPC.invalidRequest,
  invalidParams: RPC.invalidParams,
  disconnected: RPC.disconnected,
} as const;

export type ErrorShape = RpcErrorShape;

export function providerError(e: ErrorShape): Error {
  const err = new I.Error(e.message);
  // defineProperty rather than assignment: a page-defined setter on Error.prototype must not run.
  I.defineProperty(err, 'code', { value: e.code, enumerable: true, writable: true, configurable: true });
  if (e.data !== undefined) I.defineProperty(err, 'data', { value: e.data, enumerable: true, writable: true, configurable: true });
  return err;
}

/** The JSON-RPC `error` member for an error shape. */
export function errorMember(e: ErrorShape): ErrorShape {
  // Object literals define their members: no page setter on Object.prototype runs.
  return e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data };
}

export const disconnected = (): ErrorShape => ({
  code: CODE.disconnected,
  message: 'The Whisper extension is not reachable from this page',
});
