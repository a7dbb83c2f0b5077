// The PoW pool in a browser (docs/PROTOCOL.md §1): one module Web Worker per core (navigator.hardwareConcurrency)
// running src/peer/pow-worker.ts, started at the first seal and stopped after POW_IDLE_MS without one
// (an extension at rest runs no worker). A worker error counts as a crash; the pool replaces the worker.
import { PowPool, type PowWorkerPort } from '../core/pow-pool.ts';

/** Wraps a Web Worker running pow-worker.ts as a PowWorkerPort. */
export function spawnWebPowWorker(): PowWorkerPort {
  const worker = new Worker(new URL('./pow-worker.ts', import.meta.url), { type: 'module', name: 'shh-pow' });
  return {
    postMessage: (m) => worker.postMessage(m),
    listen(onMessage, onError) {
      worker.addEventListener('message', (e: MessageEvent<unknown>) => onMessage(e.data));
      worker.addEventListener('error', (e: ErrorEvent) => onError(new Error(`pow worker failed: ${e.message}`)));
      worker.addEventListener('messageerror', () => onError(new Error('pow worker: undeliverable message')));
    },
    terminate: () => worker.terminate(),
  };
}

/** How long the workers outlive the last seal: a burst of posts reuses them, a quiet extension has none. */
export const POW_IDLE_MS = 30_000;

export interface WebPowPoolInit {
  readonly size?: number;
  readonly batchMs?: number;
  readonly idleMs?: number;
}

/** A pool with one worker per core; call start() before sealing. */
export function createWebPowPool(init: WebPowPoolInit = {}): PowPool {
  return new PowPool({
    spawn: spawnWebPowWorker,
    size: init.size ?? Math.max(1, navigator.hardwareConcurrency || 1),
    ...(init.batchMs !== undefined ? { batchMs: init.batchMs } : {}),
    idleMs: init.idleMs ?? POW_IDLE_MS,
  });
}
