// Entry of a browser PoW Web Worker (docs/PROTOCOL.md §1): passes each message through the platform-free handler
// of src/core/pow-worker.ts. Needs 'wasm-unsafe-eval' in the extension CSP, else it hashes on noble.
import { createPowWorkerHandler } from '../core/pow-worker.ts';

const handle = createPowWorkerHandler();
self.addEventListener('message', (e: MessageEvent<unknown>) => {
  self.postMessage(handle(e.data));
});
