// The PoW worker's message handler, free of any platform (docs/PROTOCOL.md §1): worker_threads and Web Worker
// entries only pass messages through it. One request = one batch on a nonce range; the worker keeps
// the last `short` it was given (by key) so a seal sends its up-to-1-MiB input once per worker.

import { createPowKernel, type PowKernel } from './pow-kernel.ts';

export interface PowBatchRequest {
  readonly type: 'batch';
  readonly id: number;
  /** Identifies the seal; `short` must accompany a key the worker has not seen last. */
  readonly key: number;
  readonly short?: Uint8Array;
  readonly start: bigint;
  readonly count: number;
  readonly targetZeros: number;
}

export interface PowBatchReply {
  readonly type: 'result';
  readonly id: number;
  readonly nonce: bigint;
  readonly zeros: number;
  readonly found: boolean;
  readonly elapsedMs: number;
}

export interface PowErrorReply {
  readonly type: 'error';
  readonly id: number;
  readonly message: string;
}

export type PowWorkerReply = PowBatchReply | PowErrorReply;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isCount = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 0x7fff_ffff;

export function isPowBatchRequest(x: unknown): x is PowBatchRequest {
  return (
    isObject(x) &&
    x.type === 'batch' &&
    Number.isInteger(x.id) &&
    Number.isInteger(x.key) &&
    (x.short === undefined || x.short instanceof Uint8Array) &&
    typeof x.start === 'bigint' &&
    isCount(x.count) &&
    Number.isInteger(x.targetZeros) &&
    (x.targetZeros as number) >= 0
  );
}

export function isPowWorkerReply(x: unknown): x is PowWorkerReply {
  if (!isObject(x) || !Number.isInteger(x.id)) return false;
  if (x.type === 'error') return typeof x.message === 'string';
  return (
    x.type === 'result' &&
    typeof x.nonce === 'bigint' &&
    Number.isInteger(x.zeros) &&
    typeof x.found === 'boolean' &&
    typeof x.elapsedMs === 'number'
  );
}

export interface PowWorkerInit {
  readonly kernel?: PowKernel;
  readonly now?: () => number;
}

/** Returns the handler a worker entry calls for each incoming message. */
export function createPowWorkerHandler(init: PowWorkerInit = {}): (message: unknown) => PowWorkerReply {
  const kernel = init.kernel ?? createPowKernel();
  const now = init.now ?? (() => performance.now());
  let loadedKey: number | undefined;
  return (message) => {
    const id = isObject(message) && Number.isInteger(message.id) ? (message.id as number) : -1;
    if (!isPowBatchRequest(message)) return { type: 'error', id, message: 'pow worker: malformed request' };
    try {
      if (message.short) {
        kernel.load(message.short);
        loadedKey = message.key;
      } else if (loadedKey !== message.key) {
        return { type: 'error', id, message: `pow worker: no input loaded for seal ${message.key}` };
      }
      const t = now();
      const r = kernel.search(message.start, message.count, message.targetZeros);
      return { type: 'result', id, nonce: r.nonce, zeros: r.zeros, found: r.found, elapsedMs: now() - t };
    } catch (e) {
      return { type: 'error', id, message: `pow worker: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
}
