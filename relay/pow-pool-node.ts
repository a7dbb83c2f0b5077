// The PoW pool on Node (docs/PROTOCOL.md §1): one worker_threads Worker per core running pow-worker-node.ts.
// A worker that errors or exits on its own counts as a crash; the pool replaces it.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { PowPool, type PowWorkerPort } from '../src/core/pow-pool.ts';

const ENTRY = new URL('./pow-worker-node.ts', import.meta.url);

/** Wraps a worker_threads Worker (running pow-worker-node.ts or alike) as a PowWorkerPort. */
export function wrapNodeWorker(worker: Worker): PowWorkerPort {
  let terminated = false;
  return {
    postMessage: (m) => worker.postMessage(m),
    listen(onMessage, onError) {
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', (code) => {
        if (!terminated) onError(new Error(`pow worker exited with code ${code}`));
      });
    },
    terminate() {
      terminated = true;
      void worker.terminate();
    },
  };
}

export const spawnNodePowWorker = (): PowWorkerPort => wrapNodeWorker(new Worker(ENTRY));

export interface NodePowPoolInit {
  readonly size?: number;
  readonly batchMs?: number;
}

/** A pool with one worker per core (os.availableParallelism()); call start() before sealing. */
export function createNodePowPool(init: NodePowPoolInit = {}): PowPool {
  return new PowPool({
    spawn: () => spawnNodePowWorker(),
    size: init.size ?? availableParallelism(),
    ...(init.batchMs !== undefined ? { batchMs: init.batchMs } : {}),
  });
}
